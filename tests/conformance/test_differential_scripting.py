"""Differential: Lua scripting (EVAL, EVALSHA, SCRIPT …) against a real Redis.

Scripts come from a fixed list that walks the conversions (Lua ↔ RESP), errors raised in
and out of ``pcall``, shebang flags (``allow-key-locking`` goes through the deviation list)
and read-only variants. Flagged scripts are only sent with EVAL: their SHA differs once the
flag is dropped for Redis.
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import rule

from tests.conformance.harness import Differential
from tests.conformance.machine import KEYS, VALUES, DifferentialMachine, require, run_machine

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
ARGS = VALUES

#: Scripts without a flag Redis does not know: safe for SCRIPT LOAD + EVALSHA.
LOADABLE = [s for s in SCRIPTS if "allow-key-locking" not in s]


class ScriptingMachine(DifferentialMachine):
    @rule(script=st.sampled_from(SCRIPTS), keys=st.lists(KEYS, min_size=1, max_size=2),
          args=st.lists(ARGS, max_size=2), ro=st.booleans())  # fmt: skip
    def eval(self, script: str, keys: list[str], args: list[str], ro: bool) -> None:
        self.c("EVAL_RO" if ro else "EVAL", script, len(keys), *keys, *args)

    @rule(numkeys=st.sampled_from(["-1", "x", "3", ""]), keys=st.lists(KEYS, max_size=2))
    def eval_bad_numkeys(self, numkeys: str, keys: list[str]) -> None:
        self.c("EVAL", "return 1", numkeys, *keys)

    @rule(script=st.sampled_from(LOADABLE), keys=st.lists(KEYS, min_size=1, max_size=1),
          args=st.lists(ARGS, max_size=2), ro=st.booleans())  # fmt: skip
    def load_then_evalsha(self, script: str, keys: list[str], args: list[str], ro: bool) -> None:
        sha = self.c("SCRIPT", "LOAD", script)
        if isinstance(sha, bytes):
            self.c("EVALSHA_RO" if ro else "EVALSHA", sha, len(keys), *keys, *args)
            self.c("EVALSHA", sha.upper(), len(keys), *keys, *args)

    @rule(script=st.sampled_from(LOADABLE))
    def evalsha_maybe_flushed(self, script: str) -> None:
        """After a SCRIPT FLUSH (another rule), EVALSHA of an EVAL'd script is NOSCRIPT."""
        import hashlib

        self.c("EVALSHA", hashlib.sha1(script.encode()).hexdigest(), 1, "k1")

    @rule(scripts=st.lists(st.sampled_from(LOADABLE), max_size=3), junk=st.booleans())
    def script_exists(self, scripts: list[str], junk: bool) -> None:
        import hashlib

        shas = [hashlib.sha1(s.encode()).hexdigest() for s in scripts]
        self.c("SCRIPT", "EXISTS", *shas, *(["nope"] if junk else []))

    @rule(mode=st.sampled_from([[], ["SYNC"], ["ASYNC"], ["X"]]))
    def script_flush(self, mode: list[str]) -> None:
        self.c("SCRIPT", "FLUSH", *mode)

    @rule()
    def script_kill(self) -> None:
        self.c("SCRIPT", "KILL")


@require("eval", "evalsha", "eval_ro", "script")
def test_scripting_matches_redis(differential: Differential) -> None:
    run_machine(ScriptingMachine, differential)
