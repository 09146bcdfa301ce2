"""Upstash's known deviations from Redis: the one list, read by the docs and the tests.

Each entry says what Upstash does, what Redis does, where we learnt it, and which one
fakestash follows. Entries the fake follows and that a command line can trigger also say
how to recognise such a command (``matches``) and how a differential test against a real
Redis should treat it:

- ``redis_argv``: send this Redis-equivalent command to Redis instead, then compare
  (e.g. drop the ``allow-key-locking`` shebang flag Redis does not know);
- ``upstash_reply``: Upstash's reply, computed from the argv; Redis is not asked
  (the command must leave the keyspace as it found it);
- ``adjust``: applied to Redis' reply to the ``redis_argv`` command (e.g. apply a LIMIT);
- none of these: the reply is not compared and Redis is not asked.

An entry may also recognise a difference it causes from the command and both replies
(``explains``): when a conformance run (``fakestash conformance``) meets a difference, it
asks ``explain(...)``, and a difference an entry recognises is reported as explained, not as
a failure. That is how entries without ``matches`` (and those the fake does not follow, met
against a real Upstash database) explain what a run finds.

``tools/gen_coverage.py`` lists every entry on the coverage page; the differential tests
and ``fakestash conformance`` call ``find(argv)`` on every command they send. Nothing else
decides what a deviation is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence

from fakestash._engine.replies import ErrorReply, Reply

Argv = Sequence[bytes]


@dataclass(frozen=True)
class Deviation:
    id: str
    commands: tuple[str, ...]
    upstash: str
    redis: str
    source: str
    #: "upstash" when fakestash copies Upstash, "redis" when it keeps Redis' behaviour.
    fake_follows: str = "upstash"
    #: "documented", "observed" (a third party ran it against Upstash) or "probe" (low).
    confidence: str = "documented"
    matches: Callable[[Argv], bool] | None = None
    redis_argv: Callable[[Argv], list[bytes]] | None = None
    upstash_reply: Callable[[Argv], Reply] | None = None
    adjust: Callable[[Argv, Reply], Reply] | None = None
    #: Recognises a difference this entry causes: (argv, the fake's reply, the other
    #: side's reply) -> bool.
    explains: Callable[[Argv, Reply, Reply], bool] | None = None


def _name(argv: Argv) -> str:
    return argv[0].decode("utf-8", "replace").lower() if argv else ""


def _upper(arg: bytes) -> bytes:
    return arg.upper()


# ---- COPY k k -----------------------------------------------------------------------------


def _copy_same_key(argv: Argv) -> bool:
    """``COPY k k`` with valid options (Redis checks the options before the keys)."""
    if _name(argv) != "copy" or len(argv) < 3 or argv[1] != argv[2]:
        return False
    rest = [_upper(a) for a in argv[3:]]
    while rest:
        if rest[0] == b"REPLACE":
            rest = rest[1:]
        elif rest[0] == b"DB" and len(rest) > 1 and rest[1] == b"0":
            rest = rest[2:]
        else:
            return False
    return True


def _other_db(argv: Argv) -> bool:
    """A ``DB n`` option (COPY) naming a database other than 0."""
    upper = [_upper(a) for a in argv[3:]]
    return any(
        w == b"DB" and i + 1 < len(upper) and upper[i + 1] != b"0" for i, w in enumerate(upper)
    )


def _select_other_db(argv: Argv) -> bool:
    name = _name(argv)
    if name == "select":
        return len(argv) == 2 and argv[1] != b"0"
    return name == "copy" and _other_db(argv)


# ---- UNLINK with no keys --------------------------------------------------------------------


def _unlink_no_keys(argv: Argv) -> bool:
    return _name(argv) == "unlink" and len(argv) == 1


# ---- ZRANGE ... LIMIT without BYSCORE/BYLEX -----------------------------------------------


def _zrange_options(argv: Argv) -> set[bytes]:
    return {_upper(a) for a in argv[4:]}


def _zrange_rank_limit(argv: Argv) -> bool:
    if _name(argv) != "zrange" or len(argv) < 7:
        return False
    options = _zrange_options(argv)
    if b"LIMIT" not in options or options & {b"BYSCORE", b"BYLEX"}:
        return False
    at = _limit_at(argv)  # Redis parses LIMIT's numbers first: bad ones are its own error
    return at + 2 < len(argv) and all(_is_int(a) for a in argv[at + 1 : at + 3])


def _is_int(arg: bytes) -> bool:
    try:
        int(arg)
    except ValueError:
        return False
    return arg.strip() == arg


def _limit_at(argv: Argv) -> int:
    upper = [_upper(a) for a in argv]
    return upper.index(b"LIMIT", 4)


def _zrange_without_limit(argv: Argv) -> list[bytes]:
    at = _limit_at(argv)
    return list(argv[:at]) + list(argv[at + 3 :])


def _zrange_apply_limit(argv: Argv, reply: Reply) -> Reply:
    """Upstash applies LIMIT offset count to the rank range (count < 0: all the rest)."""
    if not isinstance(reply, list):
        return reply
    at = _limit_at(argv)
    offset, count = int(argv[at + 1]), int(argv[at + 2])
    width = 2 if b"WITHSCORES" in _zrange_options(argv) else 1
    items = [reply[i : i + width] for i in range(0, len(reply), width)]
    if offset < 0:
        return []
    chosen = items[offset:] if count < 0 else items[offset : offset + count]
    return [value for item in chosen for value in item]


# ---- scripts with Upstash's shebang flag ----------------------------------------------------

_SHEBANG = re.compile(rb"^#!lua(?P<rest>[^\n]*)")
_FLAGS = re.compile(rb"flags=(?P<flags>[^\s]*)")


def _script_position(argv: Argv) -> int | None:
    name = _name(argv)
    if name in ("eval", "eval_ro") and len(argv) >= 2:
        return 1
    if name == "script" and len(argv) >= 3 and _upper(argv[1]) == b"LOAD":
        return 2
    return None


def _has_key_locking(argv: Argv) -> bool:
    at = _script_position(argv)
    if at is None:
        return False
    shebang = _SHEBANG.match(argv[at])
    if shebang is None:
        return False
    flags = _FLAGS.search(shebang.group("rest"))
    return flags is not None and b"allow-key-locking" in flags.group("flags").split(b",")


def _without_key_locking(argv: Argv) -> list[bytes]:
    at = _script_position(argv)
    assert at is not None
    script = argv[at]
    line, sep, body = script.partition(b"\n")

    def drop(match: re.Match[bytes]) -> bytes:
        kept = [f for f in match.group("flags").split(b",") if f and f != b"allow-key-locking"]
        return b"flags=" + b",".join(kept)

    out = list(argv)
    out[at] = _FLAGS.sub(drop, line, count=1) + sep + body
    return out


# ---- "not an int" ------------------------------------------------------------------------

_INTEGER_TEXT = "ERR value is not an integer or out of range"
_INT_TEXT = "ERR value is not an int or out of range"


def _error_text(reply: Reply) -> str | None:
    return reply.text if isinstance(reply, ErrorReply) else None


def _int_text_differs(argv: Argv, fake: Reply, other: Reply) -> bool:
    """The fake says Redis' "integer" where Upstash's docs say "int" (anywhere in a reply:
    a pipeline item, a script's error)."""
    if isinstance(fake, list) and isinstance(other, list) and len(fake) == len(other):
        pairs = [(a, b) for a, b in zip(fake, other) if a != b]
        return bool(pairs) and all(_int_text_differs(argv, a, b) for a, b in pairs)
    mine, theirs = _error_text(fake), _error_text(other)
    return (
        mine is not None
        and theirs is not None
        and _INTEGER_TEXT in mine
        and mine.replace(_INTEGER_TEXT, _INT_TEXT) == theirs
    )


# ---- the list -------------------------------------------------------------------------------

DEVIATIONS: tuple[Deviation, ...] = (
    Deviation(
        id="copy-same-key",
        commands=("copy",),
        upstash="`COPY k k` replies `0` (nothing copied).",
        redis="`ERR source and destination objects are the same`.",
        source="uprest `tests/compatibility/upstream.patch` (redis-js test passing on Upstash, "
        "failing on Redis 8); spec §8",
        confidence="observed",
        matches=_copy_same_key,
        upstash_reply=lambda argv: 0,
    ),
    Deviation(
        id="unlink-no-keys",
        commands=("unlink",),
        upstash="`UNLINK` with no keys replies `0`.",
        redis="`ERR wrong number of arguments for 'unlink' command`.",
        source="serverless-redis-http README (emulator notes on Upstash); spec §8",
        confidence="observed",
        matches=_unlink_no_keys,
        upstash_reply=lambda argv: 0,
    ),
    Deviation(
        id="zrange-limit-by-rank",
        commands=("zrange",),
        upstash="`ZRANGE k start stop LIMIT offset count` (no BYSCORE/BYLEX) applies the "
        "LIMIT to the rank range.",
        redis="`ERR syntax error, LIMIT is only supported in combination with either BYSCORE "
        "or BYLEX`.",
        source="serverless-redis-http README; spec §8. How the LIMIT combines with the rank "
        "range is our reading (offset/count over the selected ranks)",
        confidence="observed",
        matches=_zrange_rank_limit,
        redis_argv=_zrange_without_limit,
        adjust=_zrange_apply_limit,
    ),
    Deviation(
        id="script-allow-key-locking",
        commands=("eval", "eval_ro", "script|load"),
        upstash="A `#!lua flags=allow-key-locking` shebang is accepted (scripts then lock "
        "only their declared keys).",
        redis="`ERR Unexpected flag in script shebang: allow-key-locking`.",
        source="Upstash docs redis/features/key-locking.mdx; upstash-ratelimit 1.2.0 sends it "
        "on every script; spec §8",
        matches=_has_key_locking,
        redis_argv=_without_key_locking,
    ),
    Deviation(
        id="script-dynamic-keys-with-key-locking",
        commands=("eval", "evalsha", "eval_ro", "evalsha_ro"),
        upstash="A script with `allow-key-locking` that touches a key not passed in KEYS fails: "
        "`ERR Dynamic keys are not allowed in Lua scripts when 'allow-key-locking' flag is "
        "set. Key was: <key>`.",
        redis="No such flag; any key may be touched.",
        source="Upstash docs redis/features/key-locking.mdx; spec §3.5",
    ),
    Deviation(
        id="fcall-ro-without-no-writes",
        commands=("fcall_ro",),
        upstash="`FCALL_RO` runs a function that only reads even when it lacks the "
        "`no-writes` flag.",
        redis="`ERR Can not execute a script with write flag using *_ro command.`",
        source="uprest upstream.patch; spec §8",
        confidence="observed",
        # For a function that only reads, Upstash's FCALL_RO answers what FCALL does.
        matches=lambda argv: _name(argv) == "fcall_ro",
        redis_argv=lambda argv: [b"FCALL", *argv[1:]],
    ),
    Deviation(
        id="hexpireat-huge-timestamps",
        commands=("hexpireat", "hpexpireat"),
        upstash="Accepts timestamps beyond Redis' limit.",
        redis="`ERR invalid expire time in 'hexpireat' command`.",
        source="uprest upstream.patch; spec §8",
        confidence="observed",
    ),
    Deviation(
        id="xreadgroup-noack-consumer",
        commands=("xreadgroup", "xinfo|consumers"),
        upstash="XREADGROUP with NOACK creates no consumer entry (`XINFO CONSUMERS` → `[]`).",
        redis="The consumer is created.",
        source="uprest upstream.patch; spec §8",
        confidence="observed",
    ),
    Deviation(
        id="xtrim-approximate",
        commands=("xtrim", "xadd"),
        upstash="`MAXLEN ~ n` / `MINID ~ id` trims nothing until at least 100 entries (a "
        "node's worth) could go, then trims exactly (up to LIMIT): 120 entries, `XTRIM k "
        "MAXLEN ~ 30` leaves 120; 110 then `XADD k MAXLEN ~ 30` leaves 111; 1000 entries, "
        "`XTRIM k MAXLEN ~ 30` leaves 30.",
        redis="Trims whole macro nodes (100 entries) only: 1000 entries, `MAXLEN ~ 30` leave "
        "100.",
        source="upstash-redis (py) tests/commands/stream/test_xadd.py, test_xtrim.py (the "
        "~ test skipped: 'differs in Upstash'), redis-js xtrim.test.ts (10000 entries, ~300 "
        "leaves 290-310), uprest upstream.patch; spec §8. The 100-entry threshold is our "
        "rule fitting every observation",
        confidence="observed",
    ),
    Deviation(
        id="stream-blocking-reads",
        commands=("xread", "xreadgroup"),
        upstash="`XREAD`/`XREADGROUP` with `BLOCK` are not served over REST.",
        redis="They block until data arrives or the timeout passes.",
        source="Upstash docs redis compatibility page; spec §7",
        fake_follows="upstash",
        confidence="documented",
    ),
    Deviation(
        id="xreadgroup-pel-limit",
        commands=("xreadgroup",),
        upstash="A `>` read that would take a consumer's pending list past 1000 entries is "
        "cancelled: `ERR XReadGroup is cancelled. Pending Entries List limit per consumer is "
        "about to be reached. Limit: 1000, …`.",
        redis="No per-consumer limit.",
        source="spec §6 (a live error text)",
        confidence="observed",
    ),
    Deviation(
        id="command-empty",
        commands=("command",),
        upstash="`COMMAND` replies `[]`.",
        redis="The full command table.",
        source="Upstash docs redis/commands/server/command.mdx; spec §8",
        matches=lambda argv: _name(argv) == "command" and len(argv) == 1,
        upstash_reply=lambda argv: [],
    ),
    Deviation(
        id="select-only-zero",
        commands=("select", "copy"),
        upstash="One logical database: `SELECT n` and `COPY … DB n` with n ≠ 0 are errors.",
        redis="16 databases by default: `SELECT 1` is OK; `COPY a b DB 1` copies.",
        source="Upstash docs redis/overall/compatibility.mdx, commands/connection/select.mdx; "
        "the COPY text is our choice (Redis' `ERR DB index is out of range`)",
        matches=_select_other_db,
    ),
    Deviation(
        id="scan-withtype",
        commands=("scan",),
        upstash="`SCAN … WITHTYPE` (an Upstash extension) replies `[cursor, [key, type, …]]`.",
        redis="`ERR syntax error`.",
        source="redis-js scan.ts and scan.test.ts (run against Upstash); spec §8",
        matches=lambda argv: _name(argv) == "scan" and b"WITHTYPE" in map(_upper, argv[2:]),
    ),
    Deviation(
        id="server-introspection",
        commands=("info", "time", "config|get", "config|set"),
        upstash="INFO describes the Upstash database; CONFIG GET/SET know only "
        "`notify-keyspace-events` (GET of another name is `[]`, SET of another name is "
        "Redis' \"Unknown option\" error, our choice of text); setting it turns keyspace "
        "notifications on, as in Redis; TIME is the fake's clock.",
        redis="Redis' own server state.",
        source="Upstash docs redis/commands/server/*; spec §8",
        matches=lambda argv: _name(argv) in ("info", "time", "config"),
    ),
    Deviation(
        id="lua-number-arguments",
        commands=("eval", "evalsha", "fcall"),
        upstash="Lua numbers passed to `redis.call` are truncated toward zero.",
        redis="Converted with `%.17g` (`redis.call('set', k, 1.5)` stores `1.5`).",
        source="an unattributed probe of a real database (low confidence); spec §8",
        fake_follows="redis",
        confidence="probe",
    ),
    Deviation(
        id="lua-error-rollback",
        commands=("eval", "evalsha", "fcall"),
        upstash="A script that fails part-way rolls back its earlier writes.",
        redis="Writes made before the error stay.",
        source="an unattributed probe of a real database (low confidence); spec §8",
        fake_follows="redis",
        confidence="probe",
    ),
    Deviation(
        id="not-an-int-text",
        commands=("incr", "incrby", "decr", "decrby", "hincrby", "expire", "lrange", "…"),
        upstash="Upstash's docs show `ERR value is not an int or out of range`.",
        redis="`ERR value is not an integer or out of range`.",
        source="Upstash docs redis/features/restapi.mdx (2023 edit); the 2022 blog shows "
        "Redis' text. Which one the server sends today is open",
        fake_follows="redis",
        confidence="documented",
        explains=_int_text_differs,
    ),
)

# ---- issue 13: SCAN's COUNT, JSON, streams, ZRANGESTORE, HEXPIRETIME, Upstash-only commands

DEVIATIONS += (
    Deviation(
        id="scan-count",
        commands=("scan", "hscan", "sscan", "zscan"),
        upstash="COUNT is the number of elements a call reads, exactly (`SCAN 0 COUNT 1` "
        "answers one key and a cursor); MATCH and TYPE filter what was read; without COUNT a "
        "call reads 100 (`SCAN 0 MATCH hash` on a few dozen keys answers `[0, [\"hash\"]]`). "
        "A collection that fits one page is answered whole, in its own order.",
        redis="COUNT is a hint (hash buckets: a call may answer more or fewer); the default "
        "is 10; a small (listpack/intset) collection is answered whole whatever COUNT.",
        source="upstash-redis (py) tests/commands/generic/test_scan.py and its conftest (29 "
        "keys: no COUNT answers `[0, [\"hash\"]]`, MATCH or TYPE alike); the default of 100 "
        "and the collections' rule are our reading (no source shows them)",
        confidence="observed",
    ),
    Deviation(
        id="json-descent-order",
        commands=("json.get", "json.mget", "json.type", "json.strlen", "json.arrlen", "…"),
        upstash="`..` answers deeper matches first (post-order): `$..a` on "
        '`{"a":1,"o":{"a":2}}` is `[2,1]`, for every JSON command.',
        redis="RedisJSON walks pre-order: `[1,2]`.",
        source="redis-js json_get/json_mget/json_objlen tests run against Upstash "
        "(`$..a` → `[4, 2]`, `[2, null]`); uprest exclusions.txt ('RedisJSON result ordering "
        "divergences'). Post-order among siblings is our reading",
        confidence="observed",
    ),
    Deviation(
        id="json-set-missing-parent",
        commands=("json.set",),
        upstash="JSON.SET under a parent that does not exist fails: `ERR missing key at "
        "non-terminal path level` (with XX: nil).",
        redis="RedisJSON 2.x replies nil.",
        source="upstash-redis (py) tests/commands/json/test_json_set.py "
        "(test_set_nonexisting_path expects an error). The text is not published: this is "
        "RedisJSON 1.x's for the same case",
        confidence="observed",
    ),
    Deviation(
        id="xinfo-consumers-missing-group",
        commands=("xinfo|consumers",),
        upstash="`XINFO CONSUMERS key missing-group` answers `[]`.",
        redis="`NOGROUP No such consumer group 'missing-group' for key name 'key'`.",
        source="issue 13 (observed on Upstash)",
        confidence="observed",
    ),
    Deviation(
        id="zrangestore-limit-by-rank",
        commands=("zrangestore",),
        upstash="`ZRANGESTORE dst src 0 2 LIMIT 1 1` (no BYSCORE/BYLEX) stores the ranks "
        "after LIMIT offset count, as ZRANGE does (`zrange-limit-by-rank`).",
        redis="`ERR syntax error, LIMIT is only supported in combination with either BYSCORE "
        "or BYLEX`.",
        source="issue 13 (observed on Upstash); serverless-redis-http README for ZRANGE",
        confidence="observed",
    ),
    Deviation(
        id="hexpiretime-floor",
        commands=("hexpiretime",),
        upstash="HEXPIRETIME floors the expiry to the second: after `HEXPIRE k 5 FIELDS 1 f` "
        "at time t it is at most floor(t) + 5. HTTL still rounds up.",
        redis="`(expire + 999) / 1000`: rounded up.",
        source="upstash-redis (py) tests/commands/hash/test_hexpiretime.py "
        "(`expiry_time <= int(time.time()) + 5`); Redis t_hash.c httlGenericCommand",
        confidence="observed",
    ),
    Deviation(
        id="upstash-only-set-cardinalities",
        commands=("sdiffcard", "sunioncard"),
        upstash="`SDIFFCARD numkeys key… [LIMIT n]` and `SUNIONCARD numkeys key… [APPROX] "
        "[LIMIT n]` count a difference or union (APPROX: a HyperLogLog estimate). Errors "
        "follow SINTERCARD's.",
        redis="No such commands (`ERR unknown command`).",
        source="Upstash docs redis/commands/set/sdiffcard.mdx, sunioncard.mdx",
    ),
)

BY_ID = {deviation.id: deviation for deviation in DEVIATIONS}


def find(argv: Argv) -> Deviation | None:
    """The deviation the fake follows that this command line triggers, if any."""
    for deviation in DEVIATIONS:
        if deviation.fake_follows != "upstash" or deviation.matches is None:
            continue
        if deviation.matches(argv):
            return deviation
    return None


def explain(argv: Argv, fake: Reply, other: Reply, against: str) -> Deviation | None:
    """The deviation that explains a difference between the fake's reply and the other
    side's, if one recognises it. ``against``: what the other side is, ``"redis"`` (entries
    the fake follows Upstash in) or ``"upstash"`` (entries it keeps Redis' behaviour in)."""
    follows = "upstash" if against == "redis" else "redis"
    for deviation in DEVIATIONS:
        if deviation.fake_follows != follows or deviation.explains is None:
            continue
        if deviation.explains(argv, fake, other):
            return deviation
    return None


def for_command(name: str) -> list[Deviation]:
    """Every listed deviation about a command (``name`` lower case, ``parent|sub``)."""
    parent = name.split("|")[0]
    return [d for d in DEVIATIONS if name in d.commands or parent in d.commands]


# ---- Redis versions: where Redis 7.0 and the 8.x line answer differently ---------------------
#
# Not Upstash-vs-Redis deviations: choices between Redis releases. Upstash follows Redis up to
# 8.2 and so does fakestash; the differential suite runs against Redis 7.0 (Debian's server)
# and Redis 8.2 (tests/conformance/redis_process.py). A command line a choice ``matches`` is
# compared only against an oracle at ``since`` or later; against an older one it is sent to
# neither side (so the two stay in step). Found by running the differential suite and probes
# against both servers; each entry was observed on redis-server 7.0.15 and 8.2.3.


@dataclass(frozen=True)
class VersionChoice:
    id: str
    commands: tuple[str, ...]
    #: The Redis release that brought what fakestash does ("7.2", "7.4", "8.0", "8.2").
    since: str
    now: str
    before: str
    source: str
    #: The command lines whose reply or effect differs before ``since``; None: the difference
    #: is handled elsewhere (named in ``source``), nothing is skipped.
    matches: Callable[[Argv], bool] | None = None


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def _is_integer(arg: bytes) -> bool:
    """Redis' ``string2ll``: canonical decimal, 64-bit."""
    return re.fullmatch(rb"-?(0|[1-9][0-9]{0,18})", arg) is not None and (
        -(2**63) <= int(arg) < 2**63
    )


def _odd_bit_range(argv: Argv, first: int) -> bool:
    """BITCOUNT/BITPOS range words (from ``first``) Redis 7.0 never parsed on a missing key:
    anything but nothing, or integers with BIT/BYTE after two of them."""
    rest = list(argv[first:])
    if not rest:
        return False
    ints = [_is_integer(a) for a in rest[:2]]
    if len(rest) == 1:
        return not ints[0] or _name(argv) == "bitcount"  # BITCOUNT k start: no end
    unit_ok = len(rest) == 2 or (len(rest) == 3 and _upper(rest[2]) in (b"BIT", b"BYTE"))
    return not (all(ints) and unit_ok)


def _xclaim_any(argv: Argv) -> bool:
    return _name(argv) in ("xclaim", "xautoclaim")


def _upper_words(argv: Argv) -> set[bytes]:
    return {_upper(a) for a in argv[1:]}


_FIELD_TTL_COMMANDS = frozenset(
    {"hexpire", "hpexpire", "hexpireat", "hpexpireat", "httl", "hpttl", "hexpiretime",
     "hpexpiretime", "hpersist", "hgetex", "hsetex", "hgetdel"}
)  # fmt: skip

VERSION_CHOICES: tuple[VersionChoice, ...] = (
    VersionChoice(
        id="bit-range-parsed-first",
        commands=("bitcount", "bitpos"),
        since="7.2",
        now="The range is parsed before the key is looked up: `BITCOUNT missing 1` (a start "
        "and no end) is `ERR syntax error`, `BITPOS missing 1 x` is `ERR value is not an "
        "integer or out of range`.",
        before="A missing key answered `0` (BITCOUNT) or `-1` (BITPOS) whatever followed.",
        source="observed: redis-server 7.0.15 vs 8.2.3 (tests/conformance/test_version_choices.py)",
        matches=lambda argv: (
            (_name(argv) == "bitcount" and _odd_bit_range(argv, 2))
            or (_name(argv) == "bitpos" and _odd_bit_range(argv, 3))
        ),
    ),
    VersionChoice(
        id="bitop-diff-andor-one",
        commands=("bitop",),
        since="8.2",
        now="BITOP DIFF, DIFF1, ANDOR and ONE.",
        before="`ERR syntax error`.",
        source="redis.io commands/bitop (8.2)",
        matches=lambda argv: (
            _name(argv) == "bitop"
            and len(argv) > 1
            and _upper(argv[1]) in (b"DIFF", b"DIFF1", b"ANDOR", b"ONE")
        ),
    ),
    VersionChoice(
        id="lpos-rank-range",
        commands=("lpos",),
        since="7.2",
        now="`RANK` must lie in -9223372036854775807..9223372036854775807: `ERR value is out "
        "of range, value must between -9223372036854775807 and 9223372036854775807`.",
        before="RANK -9223372036854775808 was accepted (and overflowed).",
        source="observed: redis-server 7.0.15 vs 8.2.3",
        matches=lambda argv: _name(argv) == "lpos" and b"-9223372036854775808" in argv[3:],
    ),
    VersionChoice(
        id="zrank-withscore",
        commands=("zrank", "zrevrank"),
        since="7.2",
        now="`ZRANK k m WITHSCORE` answers `[rank, score]`.",
        before="`ERR wrong number of arguments for 'zrank' command`.",
        source=(
            "redis.io commands/zrank; fakestash/_conformance/normalise.py TABLE_CHANGED_SINCE_70"
        ),
        matches=lambda argv: _name(argv) in ("zrank", "zrevrank") and len(argv) > 3,
    ),
    VersionChoice(
        id="double-replies",
        commands=("zscore", "zincrby", "incrbyfloat", "hincrbyfloat", "geodist", "…"),
        since="7.2",
        now="Doubles in replies take the shortest form that reads back (`1.1`).",
        before="`%.17g` (`1.1000000000000001`).",
        source="redis.io 7.2 release notes; compared after fakestash/_conformance/normalise.py "
        "rule 3 (redis70_to_current)",
    ),
    VersionChoice(
        id="geo-coordinates",
        commands=("geopos", "georadius", "georadiusbymember", "geosearch", "…"),
        since="8.2",
        now="Coordinates are doubles in their shortest form: `13.361389338970184`, "
        "`2.682209014892578e-6`.",
        before="\"Human\" long doubles, `%.17Lf` trimmed: `13.36138933897018433`, "
        "`0.00000268220901489`.",
        source="observed: redis-server 7.0.15 vs 8.2.3 (the release between that changed it is "
        "not pinned); compared after fakestash/_conformance/normalise.py rule 3",
    ),
    VersionChoice(
        id="hll-sparse-resize",
        commands=("pfadd", "pfmerge"),
        since="7.2",
        now="Before a sparse HyperLogLog update, a string with fewer than 3 bytes free (and "
        "less than `hll-sparse-max-bytes` allocated) is reallocated, which zeroes the byte "
        "after it: a corrupted body cut inside its last XZERO then reads that opcode with a "
        "zero second byte.",
        before="The buffer grew in place (`sdsMakeRoomFor`), keeping the byte a previous "
        "split had left there.",
        source="redis/redis#11438 (hllSparseSet's greedy `sdsResize`); observed: redis-server "
        "7.0.15 vs 8.2.3 (tests/engine/test_hyperloglog.py; the HyperLogLog differential "
        "test stops a 7.0 sequence at the first such update)",
    ),
    VersionChoice(
        id="xclaim-creates-consumer",
        commands=("xclaim", "xautoclaim"),
        since="7.2",
        now="XCLAIM and XAUTOCLAIM create the named consumer even when they claim nothing.",
        before="The consumer was created only by a claim.",
        source="observed: redis-server 7.0.15 vs 8.2.3 (XCLAIM of an entry not pending)",
        matches=_xclaim_any,
    ),
    VersionChoice(
        id="consumer-active-time",
        commands=("xinfo|consumers", "xinfo|stream"),
        since="7.2",
        now="Consumers have an active time: XINFO CONSUMERS adds `inactive`, XINFO STREAM "
        "FULL `active-time`.",
        before="Only `idle` / `seen-time`.",
        source="redis.io commands/xinfo-consumers; observed",
        matches=lambda argv: (
            _name(argv) == "xinfo"
            and len(argv) > 1
            and (_upper(argv[1]) == b"CONSUMERS" or b"FULL" in _upper_words(argv))
        ),
    ),
    VersionChoice(
        id="xread-plus-last-entry",
        commands=("xread",),
        since="7.4",
        now="`XREAD STREAMS k +` reads the stream's last entry.",
        before="`ERR Invalid stream ID specified as stream command argument`.",
        source="redis.io commands/xread (7.4); observed",
        matches=lambda argv: _name(argv) == "xread" and b"+" in argv[2:],
    ),
    VersionChoice(
        id="xgroup-entriesread-capped",
        commands=("xgroup|create", "xgroup|setid"),
        since="8.0",
        now="An `ENTRIESREAD` above the stream's entries-added counter is capped at it.",
        before="Kept as given (a negative lag followed).",
        source="observed (XGROUP CREATE s g 0 ENTRIESREAD 100 on a 1-entry stream: 7.0 "
        "entries-read 100, 8.2 entries-read 1)",
        matches=lambda argv: _name(argv) == "xgroup" and b"ENTRIESREAD" in _upper_words(argv),
    ),
    VersionChoice(
        id="stream-lag-rules",
        commands=("xinfo|groups", "xinfo|stream", "xreadgroup"),
        since="7.4",
        now="A group behind the stream's first entry (every tombstone behind it too) lags by "
        "the stream's length, and its read counter is estimated afresh when it reads on; a "
        "tombstone before the first entry still counts when the group's last id precedes it; "
        "no counter is estimated for an id before the last tombstone; an empty stream lags 0.",
        before="`entries-added - entries-read` whenever no tombstone lay after the group, and "
        "the counter went on from where it was (`XTRIM s MAXLEN 1` behind a group that read "
        "one of three entries: lag 2, not 1).",
        source="redis/redis#13338 (7.4), #13958 (8.0); observed: redis-server 7.0.15 vs 8.2.3",
        matches=lambda argv: (
            _name(argv) == "xinfo" and len(argv) > 1 and _upper(argv[1]) == b"GROUPS"
        ),
    ),
    VersionChoice(
        id="hash-field-expiration",
        commands=(*tuple(sorted(_FIELD_TTL_COMMANDS)), "hscan"),
        since="8.0",
        now="Hash field TTLs (HEXPIRE … HPERSIST: 7.4; HGETEX, HSETEX, HGETDEL: 8.0) and "
        "`HSCAN … NOVALUES` (7.4).",
        before="`ERR unknown command` / `ERR syntax error`.",
        source="redis.io commands/hexpire, hgetex, hscan",
        matches=lambda argv: (
            _name(argv) in _FIELD_TTL_COMMANDS
            or (_name(argv) == "hscan" and b"NOVALUES" in _upper_words(argv))
        ),
    ),
    VersionChoice(
        id="stream-references",
        commands=("xadd", "xtrim", "xdelex", "xackdel"),
        since="8.2",
        now="KEEPREF / DELREF / ACKED on XADD and XTRIM; XDELEX and XACKDEL.",
        before="`ERR syntax error` / `ERR unknown command`.",
        source="redis.io commands/xdelex, xackdel (8.2)",
        matches=lambda argv: (
            _name(argv) in ("xdelex", "xackdel")
            or (
                _name(argv) in ("xadd", "xtrim")
                and bool(_upper_words(argv) & {b"KEEPREF", b"DELREF", b"ACKED"})
            )
        ),
    ),
)

VERSION_BY_ID = {choice.id: choice for choice in VERSION_CHOICES}


def version_choice(argv: Argv, redis_version: str) -> VersionChoice | None:
    """The version choice this command line meets on a Redis older than the choice, if any:
    the differential harness then sends it to neither side."""
    have = _version(redis_version)
    for choice in VERSION_CHOICES:
        if choice.matches is not None and have < _version(choice.since) and choice.matches(argv):
            return choice
    return None
