"""Lua scripting: EVAL, EVALSHA, their _RO forms, SCRIPT LOAD / EXISTS / FLUSH / KILL.

Scripts come from a fixed list that walks the conversions (Lua ↔ RESP), errors raised in
and out of ``pcall``, shebang flags (``allow-key-locking`` goes through the deviation list)
and read-only variants. Every script touches only the keys it is given (``KEYS``), and each
sequence's copy ends with a comment naming the sequence, so its SHA1 is the run's own.
Flagged scripts are only sent with EVAL: against Redis their SHA differs once the flag is
dropped.
"""

from __future__ import annotations

from hashlib import sha1

from fakestash._conformance.draw import lists, sampled
from fakestash._conformance.sequence import VALUES, Family, Seq

SCRIPTS = [
    "return redis.call('set', KEYS[1], ARGV[1])",
    "return redis.call('get', KEYS[1])",
    "return {1, 2.5, 'x', true, false, {3, 'y'}, -3.99}",
    "return redis.call('incr', KEYS[1])",
    "return redis.pcall('incr', KEYS[1])",
    "local r = redis.pcall('incr', KEYS[1]) if type(r) == 'table' then return r.err end return r",
    "return redis.error_reply('MY err')",
    "return redis.status_reply('FINE')",
    "error('boom')",
    "error({err='X custom'})",
    "return redis.call('nosuchcommand')",
    "return redis.call('get')",
    "return x.y",
    "return #KEYS + #ARGV",
    "return redis.sha1hex(ARGV[1])",
    "return cjson.encode({a=tonumber(ARGV[1]) or ARGV[1]})",
    "return tostring(tonumber(ARGV[1]))",
    "redis.call('set', KEYS[1], 'x'); return redis.call('lpush', KEYS[1], 'y')",
    "redis.call('zadd', KEYS[1], ARGV[1], 'm'); return redis.call('zscore', KEYS[1], 'm')",
    "return redis.call('hset', KEYS[1], 'f', ARGV[1])",
    "return redis.call('hgetall', KEYS[1])",
    "return redis.call('rpush', KEYS[1], ARGV[1], 'z')",
    "return redis.call('lrange', KEYS[1], 0, -1)",
    "return redis.call('type', KEYS[1])",
    "return redis.call('exists', KEYS[1])",
    "return redis.call('del', KEYS[1])",
    "return {redis.call('ping'), redis.call('echo', 'e')}",
    "return redis.call('eval', 'return 1', 0)",
    "return redis.call('multi')",
    "return",
    "return {1, nil, 3}",
    "return 3.99",
    "return string.format('%.3f', 1.5) .. bit.band(6, 3)",
    "#!lua flags=no-writes\nreturn redis.call('set', KEYS[1], 'v')",
    "#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])",
    "#!lua flags=allow-key-locking\nreturn redis.call('get', KEYS[1])",
    "#!lua flags=allow-key-locking,no-writes\nreturn redis.call('exists', KEYS[1])",
    "#!lua\nreturn 1",
    "#!lua flags=bogus\nreturn 1",
    "#!python\nreturn 1",
    "return 1 +",
]

#: Script arguments (-0 included: inside a table, cjson.encode keeps its sign as Redis does).
ARGS = lists(VALUES, 0, 2)
#: Scripts without a flag Redis does not know: safe for SCRIPT LOAD + EVALSHA.
LOADABLE = [s for s in SCRIPTS if "allow-key-locking" not in s]


def _sha(s: Seq, script: str) -> str:
    return sha1(s.script(script).encode()).hexdigest()


def eval_(s: Seq) -> None:
    script, keys, args, ro = sampled(SCRIPTS)(s.d), s.keys(1, 2), ARGS(s.d), s.d.boolean()
    s.c("EVAL_RO" if ro else "EVAL", s.script(script), len(keys), *keys, *args)


def eval_bad_numkeys(s: Seq) -> None:
    numkeys, keys = s.d.choice(["-1", "x", "3", ""]), s.keys(0, 2)
    s.c("EVAL", s.script("return 1"), numkeys, *keys)


def load_then_evalsha(s: Seq) -> None:
    script, keys, args, ro = sampled(LOADABLE)(s.d), s.keys(1, 1), ARGS(s.d), s.d.boolean()
    sha = s.c("SCRIPT", "LOAD", s.script(script))
    if isinstance(sha, bytes):
        s.c("EVALSHA_RO" if ro else "EVALSHA", sha, len(keys), *keys, *args)
        s.c("EVALSHA", sha.upper(), len(keys), *keys, *args)


def evalsha_maybe_flushed(s: Seq) -> None:
    """After a SCRIPT FLUSH (another rule), EVALSHA of an EVAL'd script is NOSCRIPT."""
    s.c("EVALSHA", _sha(s, sampled(LOADABLE)(s.d)), 1, s.named("k1"))


def script_exists(s: Seq) -> None:
    shas = [_sha(s, script) for script in lists(sampled(LOADABLE), 0, 3)(s.d)]
    s.c("SCRIPT", "EXISTS", *shas, *(["nope"] if s.d.boolean() else []))


def script_flush(s: Seq) -> None:
    s.c("SCRIPT", "FLUSH", *s.d.choice([[], ["SYNC"], ["ASYNC"], ["X"]]))


def script_kill(s: Seq) -> None:
    s.c("SCRIPT", "KILL")


FAMILY = Family(
    "scripting",
    "Lua scripts: EVAL, EVALSHA, the _RO forms, SCRIPT LOAD/EXISTS/FLUSH/KILL",
    (eval_, eval_bad_numkeys, load_then_evalsha, evalsha_maybe_flushed, script_exists,
     script_flush, script_kill),
)  # fmt: skip
