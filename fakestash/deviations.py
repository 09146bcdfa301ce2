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

``tools/gen_coverage.py`` lists every entry on the coverage page; the differential tests
call ``find(argv)`` on every command they send. Nothing else decides what a deviation is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence

from fakestash.engine.replies import Reply

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


def for_command(name: str) -> list[Deviation]:
    """Every listed deviation about a command (``name`` lower case, ``parent|sub``)."""
    parent = name.split("|")[0]
    return [d for d in DEVIATIONS if name in d.commands or parent in d.commands]
