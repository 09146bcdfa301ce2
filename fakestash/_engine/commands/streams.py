"""Stream commands: XADD … XAUTOCLAIM, consumer groups, XINFO, and Redis 8.2's XDELEX/XACKDEL.

Replies, error texts and the order of checks follow Redis' ``t_stream.c`` (checked against
redis-server 7.0.15); newer behaviour is pinned to the Redis docs and test suite: consumers
have an ``active-time``/``inactive`` (7.2), ``XREAD … +`` reads the last entry (7.4), XADD and
XTRIM take KEEPREF/DELREF/ACKED and XDELEX/XACKDEL exist (8.2), ENTRIESREAD is capped at the
entries added. Upstash specifics (see ``docs/commands/streams.md``): BLOCK is refused,
``~`` trims exactly once a node's worth can go (``APPROX_STEP``), XREADGROUP NOACK creates
no consumer, XINFO CONSUMERS of a missing group is empty, and a consumer's PEL is capped at
``PEL_LIMIT`` entries.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from typing import Sequence

from sortedcontainers import SortedDict

from fakestash._engine.args import is_int, parse_int
from fakestash._engine.database import Database
from fakestash._engine.family import Family
from fakestash._engine.keyspec import key_after, key_at
from fakestash._engine.notify import STREAM, emit
from fakestash._engine.replies import OK, Reply
from fakestash._engine.values.stream import (
    INVALID_ENTRIES_READ,
    MAX_ID,
    MIN_ID,
    U64_MAX,
    Consumer,
    Group,
    Pending,
    StreamId,
    StreamValue,
    decr_id,
    format_id,
    incr_id,
)
from fakestash._errors import NO_SUCH_KEY, SYNTAX, CommandError, WrongArity

FAMILY = Family("streams", group="stream", category="stream", values=[StreamValue])

#: Upstash's per-consumer pending entries list limit (XREADGROUP refuses to go past it).
PEL_LIMIT = 1000

INVALID_ID = "ERR Invalid stream ID specified as stream command argument"
ID_TOO_SMALL = "ERR The ID specified in XADD is equal or smaller than the target stream top item"
BAD_START = "ERR invalid start ID for the interval"
BAD_END = "ERR invalid end ID for the interval"
NEEDS_KEY = (
    "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want "
    "to use the MKSTREAM option to create an empty stream automatically."
)
ENTRIESREAD_RANGE = "ERR value for ENTRIESREAD must be positive or -1"
NUMIDS_POSITIVE = "ERR Number of IDs must be a positive integer"
NUMIDS_MISMATCH = "ERR The `numids` parameter must match the number of arguments"
DOLLAR_IN_GROUP = (
    "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history "
    "of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ "
    "ID would just return an empty result set."
)
PLUS_IN_GROUP = (
    "ERR The + ID is meaningless in the context of XREADGROUP: you want to read the history "
    "of this consumer by specifying a proper ID, or use the + ID to get new messages. The + "
    "ID would just return an empty result set."
)
GT_IN_XREAD = (
    "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> "
    "<consumer> option."
)

KEEPREF, DELREF, ACKED = b"KEEPREF", b"DELREF", b"ACKED"


def blocking_unavailable(name: str) -> CommandError:
    """Upstash serves no blocking reads over REST: its "not available" text (our choice)."""
    return CommandError(
        f"ERR Command is not available: '{name.upper()} BLOCK'. "
        "See https://upstash.com/docs/redis/overall/rediscompatibility for details"
    )


# ---- ids ---------------------------------------------------------------------------------

_STRTOULL = re.compile(rb"[ \t\n\v\f\r]*([+-]?)([0-9]+)")


def _string2ull(raw: bytes) -> int | None:
    """Redis' ``string2ull``: string2ll (refusing negatives), else C's ``strtoull``."""
    if is_int(raw):
        value = int(raw)
        return value if value >= 0 else None
    match = _STRTOULL.fullmatch(raw)
    if match is None:
        return None
    value = int(match.group(2))
    if value > U64_MAX:
        return None
    return (-value) % (U64_MAX + 1) if match.group(1) == b"-" else value


def parse_id(
    raw: bytes, missing_seq: int = 0, *, strict: bool = False, seq_star: bool = False
) -> tuple[StreamId, bool]:
    """``streamGenericParseIDOrReply``: (id, seq_given). ``strict`` refuses ``-``/``+``;
    ``seq_star`` accepts XADD's ``ms-*`` (seq_given False)."""
    if len(raw) > 127:
        raise CommandError(INVALID_ID)
    buf = raw.split(b"\0", 1)[0]
    if buf in (b"-", b"+"):
        if strict:
            raise CommandError(INVALID_ID)
        return (MIN_ID if buf == b"-" else MAX_ID), True
    ms_part, dash, seq_part = buf.partition(b"-")
    ms = _string2ull(ms_part)
    if ms is None:
        raise CommandError(INVALID_ID)
    if not dash:
        return (ms, missing_seq), True
    if seq_star and seq_part == b"*":
        return (ms, 0), False
    seq = _string2ull(seq_part)
    if seq is None:
        raise CommandError(INVALID_ID)
    return (ms, seq), True


def strict_id(raw: bytes, missing_seq: int = 0) -> StreamId:
    return parse_id(raw, missing_seq, strict=True)[0]


def _interval(raw: bytes, missing_seq: int) -> tuple[StreamId, bool]:
    """``streamParseIntervalIDOrReply``: an id, exclusive when written ``(id``."""
    if len(raw) > 1 and raw[:1] == b"(":
        return strict_id(raw[1:], missing_seq), True
    return parse_id(raw, missing_seq)[0], False


def _range_bounds(start_raw: bytes, end_raw: bytes) -> tuple[StreamId, StreamId]:
    start, start_ex = _interval(start_raw, 0)
    if start_ex:
        bumped = incr_id(start)
        if bumped is None:
            raise CommandError(BAD_START)
        start = bumped
    end, end_ex = _interval(end_raw, U64_MAX)
    if end_ex:
        lowered = decr_id(end)
        if lowered is None:
            raise CommandError(BAD_END)
        end = lowered
    return start, end


# ---- shared helpers ----------------------------------------------------------------------


def _stream(db: Database, key: bytes) -> StreamValue | None:
    return db.get(key, StreamValue)


def _entry(stream: StreamValue, sid: StreamId) -> list[Reply]:
    return [format_id(sid), list(stream.entries[sid])]


def _no_group(key: bytes, group: bytes) -> CommandError:
    return CommandError(f"NOGROUP No such key '{_text(key)}' or consumer group '{_text(group)}'")


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


def _group_of(db: Database, key: bytes, name: bytes) -> tuple[StreamValue, Group]:
    """The stream and group for XCLAIM/XAUTOCLAIM/XPENDING; NOGROUP if either is missing."""
    stream = _stream(db, key)
    group = stream.groups.get(name) if stream is not None else None
    if stream is None or group is None:
        raise _no_group(key, name)
    return stream, group


def _event(db: Database, event: bytes, key: bytes) -> None:
    if db.notify_flags:
        emit(db, STREAM, event, key)


def _consumer(db: Database, key: bytes, group: Group, name: bytes) -> Consumer:
    """The group's consumer ``name``, created (an ``xgroup-createconsumer`` event) if new."""
    if name not in group.consumers:
        _event(db, b"xgroup-createconsumer", key)
    return group.consumer(name, db.now_ms)


def _subcommand_syntax(container_name: str, sub: bytes) -> CommandError:
    return CommandError(
        f"ERR unknown subcommand or wrong number of arguments for '{_text(sub).upper()}'. "
        f"Try {container_name} HELP."
    )


# ---- XADD / XTRIM ------------------------------------------------------------------------


@dataclass
class TrimArgs:
    """What ``streamParseAddOrTrimArgsOrReply`` reads."""

    maxlen: int | None = None
    minid: StreamId | None = None
    approx: bool = False
    limit: int = 0  # 0 = no limit
    policy: bytes = KEEPREF
    nomkstream: bool = False
    id_pos: int = 0  # XADD: index of the id argument (in the handler's args)
    sid: StreamId | None = None  # XADD: explicit id (None for '*')
    seq_given: bool = True

    @property
    def trims(self) -> bool:
        return self.maxlen is not None or self.minid is not None


def _parse_add_or_trim(args: list[bytes], xadd: bool) -> TrimArgs:
    out = TrimArgs()
    limit: int | None = None
    i = 1
    while i < len(args):
        more = len(args) - 1 - i
        word = args[i].upper()
        if xadd and args[i] == b"*":
            break
        if word in (b"MAXLEN", b"MINID") and more:
            if out.trims:
                raise CommandError(
                    "ERR syntax error, MAXLEN and MINID options at the same time are not compatible"
                )
            out.approx = False
            nxt = args[i + 1]
            if more >= 2 and nxt in (b"~", b"="):
                out.approx = nxt == b"~"
                i += 1
            if word == b"MAXLEN":
                out.maxlen = parse_int(args[i + 1])
                if out.maxlen < 0:
                    raise CommandError("ERR The MAXLEN argument must be >= 0.")
            else:
                out.minid = strict_id(args[i + 1])
            i += 2
        elif word == b"LIMIT" and more:
            limit = parse_int(args[i + 1])
            if limit < 0:
                raise CommandError("ERR The LIMIT argument must be >= 0.")
            i += 2
        elif xadd and word == b"NOMKSTREAM":
            out.nomkstream = True
            i += 1
        elif word in (KEEPREF, DELREF, ACKED):
            out.policy = word
            i += 1
        elif xadd:
            out.sid, out.seq_given = parse_id(args[i], strict=True, seq_star=True)
            break
        else:
            raise CommandError(SYNTAX)
    out.id_pos = i
    if limit and not out.trims:
        raise CommandError(
            "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy"
        )
    if not xadd and not out.trims:
        raise CommandError("ERR syntax error, XTRIM must be called with a trimming strategy")
    if limit is not None:
        if not out.approx:
            raise CommandError(
                "ERR syntax error, LIMIT cannot be used without the special ~ option"
            )
        out.limit = limit
    elif out.approx:
        out.limit = 10_000  # Redis: 100 * stream-node-max-entries
    return out


#: Upstash's ``~``: nothing is trimmed until at least this many entries could go (a Redis
#: stream node's worth, stream-node-max-entries), then the trim is exact. It fits every
#: observation: 120 entries, ``MAXLEN ~ 30`` leaves 120; 111 leave 111; 1000 leave 30;
#: 10000 with ``~ 300`` leave 300 (deviations.py "xtrim-approximate").
APPROX_STEP = 100


def _trim(stream: StreamValue, opts: TrimArgs) -> int:
    """Trim exactly; ``~`` only once ``APPROX_STEP`` entries could go, and then at most
    ``limit``; ACKED skips entries a group still needs, DELREF drops their PEL entries."""
    if opts.maxlen is not None and len(stream) <= opts.maxlen:
        return 0
    if opts.approx and _surplus(stream, opts) < APPROX_STEP:
        return 0
    doomed: list[StreamId] = []
    length = len(stream)
    for sid in stream.ids:
        if opts.limit and len(doomed) >= opts.limit:
            break
        if opts.maxlen is not None:
            if length <= opts.maxlen:
                break
        elif opts.minid is not None and sid >= opts.minid:
            break
        if opts.policy == ACKED and stream.is_referenced(sid):
            continue
        doomed.append(sid)
        length -= 1
    stream.remove_many(doomed)
    if opts.policy == DELREF:
        for sid in doomed:
            stream.drop_references(sid)
    return len(doomed)


def _surplus(stream: StreamValue, opts: TrimArgs) -> int:
    """How many entries an exact trim would consider: those past MAXLEN, or below MINID."""
    if opts.maxlen is not None:
        return len(stream) - opts.maxlen
    assert opts.minid is not None
    return bisect_left(stream.ids, opts.minid)


@FAMILY.command(
    "xadd", -5, "write denyoom fast",
    keys=[key_at(1, "RW update")],
    tips="nondeterministic_output",
    note="XREAD/XREADGROUP without BLOCK over REST",
)
def xadd(db: Database, args: list[bytes]) -> Reply:
    """Append an entry to a stream (creating it unless NOMKSTREAM); reply with its id."""
    opts = _parse_add_or_trim(args, xadd=True)
    fields = args[opts.id_pos + 1 :]
    if len(fields) < 2 or len(fields) % 2:
        raise WrongArity("xadd")
    if opts.sid == MIN_ID and opts.seq_given:
        raise CommandError("ERR The ID specified in XADD must be greater than 0-0")
    stream = _stream(db, args[0])
    if stream is None:
        if opts.nomkstream:
            return None
        stream = StreamValue()
        db.put(args[0], stream)
    last = stream.last_id
    if last == MAX_ID:
        raise CommandError(
            "ERR The stream has exhausted the last possible ID, unable to add more items"
        )
    sid = _next_id(db, stream, opts)
    stream.append(sid, list(fields))
    _event(db, b"xadd", args[0])
    if opts.trims and _trim(stream, opts):
        _event(db, b"xtrim", args[0])
    return format_id(sid)


def _next_id(db: Database, stream: StreamValue, opts: TrimArgs) -> StreamId:
    last = stream.last_id
    if opts.sid is None:
        now = db.now_ms
        if now > last[0]:
            return (now, 0)
        bumped = incr_id(last)
        assert bumped is not None
        return bumped
    sid = opts.sid
    if not opts.seq_given:
        if sid[0] == last[0]:
            if last[1] == U64_MAX:
                raise CommandError(ID_TOO_SMALL)
            sid = (sid[0], last[1] + 1)
        else:
            sid = (sid[0], 0)
    if sid <= last:
        raise CommandError(ID_TOO_SMALL)
    return sid


@FAMILY.command(
    "xtrim", -4, "write",
    keys=[key_at(1, "RW delete")],
    tips="nondeterministic_output",
    note="XREAD/XREADGROUP without BLOCK over REST",
)
def xtrim(db: Database, args: list[bytes]) -> Reply:
    """Trim a stream by MAXLEN or MINID; reply with the number of entries removed."""
    opts = _parse_add_or_trim(args, xadd=False)
    stream = _stream(db, args[0])
    if stream is None:
        return 0
    trimmed = _trim(stream, opts)
    if trimmed:
        _event(db, b"xtrim", args[0])
    return trimmed


@FAMILY.command(
    "xlen", 2, "readonly fast",
    keys=[key_at(1, "RO")],
    note="XREAD/XREADGROUP without BLOCK over REST",
)
def xlen(db: Database, args: list[bytes]) -> Reply:
    """The number of entries in a stream (0 when missing)."""
    stream = _stream(db, args[0])
    return 0 if stream is None else len(stream)


@FAMILY.command(
    "xdel", -3, "write fast",
    keys=[key_at(1, "RW delete")],
    note="XREAD/XREADGROUP without BLOCK over REST",
)
def xdel(db: Database, args: list[bytes]) -> Reply:
    """Delete entries by id; reply with how many existed."""
    stream = _stream(db, args[0])
    if stream is None:
        return 0
    ids = [strict_id(raw) for raw in args[1:]]
    deleted = sum(stream.delete(sid) for sid in ids)
    if deleted:
        _event(db, b"xdel", args[0])
    return deleted


# ---- ranges ------------------------------------------------------------------------------


def _xrange(db: Database, args: list[bytes], rev: bool) -> Reply:
    start_raw, end_raw = (args[2], args[1]) if rev else (args[1], args[2])
    start, end = _range_bounds(start_raw, end_raw)
    count = -1
    i = 3
    while i < len(args):
        if args[i].upper() == b"COUNT" and i + 1 < len(args):
            count = max(parse_int(args[i + 1]), 0)
            i += 2
        else:
            raise CommandError(SYNTAX)
    stream = _stream(db, args[0])
    if stream is None:
        return []
    if count == 0:
        return None
    ids = stream.range(start, end, max(count, 0), rev)
    return [_entry(stream, sid) for sid in ids]


@FAMILY.command(
    "xrange", -4, "readonly",
    keys=[key_at(1, "RO access")],
    note="XREAD/XREADGROUP without BLOCK over REST",
)
def xrange(db: Database, args: list[bytes]) -> Reply:
    """Entries with ids between start and end (``-``, ``+``, ``(`` exclusive), oldest first."""
    return _xrange(db, args, rev=False)


@FAMILY.command(
    "xrevrange", -4, "readonly",
    keys=[key_at(1, "RO access")],
    note="XREAD/XREADGROUP without BLOCK over REST",
)
def xrevrange(db: Database, args: list[bytes]) -> Reply:
    """Entries between end and start, newest first."""
    return _xrange(db, args, rev=True)


# ---- XREAD / XREADGROUP ------------------------------------------------------------------

GT: StreamId = MAX_ID  # the ">" marker, as Redis stores it


@dataclass
class ReadArgs:
    count: int = 0
    noack: bool = False
    group: bytes | None = None
    consumer: bytes = b""
    keys: Sequence[bytes] = ()
    ids: Sequence[bytes] = ()


def _parse_read(args: list[bytes], group: bool) -> ReadArgs:
    name = "xreadgroup" if group else "xread"
    out = ReadArgs()
    i = 0
    while i < len(args):
        more = len(args) - 1 - i
        word = args[i].upper()
        if word == b"BLOCK" and more:
            raise blocking_unavailable(name)
        if word == b"COUNT" and more:
            out.count = max(parse_int(args[i + 1]), 0)
            i += 2
        elif word == b"STREAMS" and more:
            rest = args[i + 1 :]
            if len(rest) % 2:
                symbol = ">" if group else "$"
                raise CommandError(
                    f"ERR Unbalanced '{name}' list of streams: for each stream key an ID or "
                    f"'{symbol}' must be specified."
                )
            out.keys, out.ids = rest[: len(rest) // 2], rest[len(rest) // 2 :]
            break
        elif word == b"GROUP" and more >= 2:
            if not group:
                raise CommandError(
                    "ERR The GROUP option is only supported by XREADGROUP. You called XREAD "
                    "instead."
                )
            out.group, out.consumer = args[i + 1], args[i + 2]
            i += 3
        elif word == b"NOACK":
            if not group:
                raise CommandError(
                    "ERR The NOACK option is only supported by XREADGROUP. You called XREAD "
                    "instead."
                )
            out.noack = True
            i += 1
        else:
            raise CommandError(SYNTAX)
    if not out.keys:
        raise CommandError(SYNTAX)
    if group and out.group is None:
        raise CommandError("ERR Missing GROUP option for XREADGROUP")
    return out


@FAMILY.command(
    "xread", -4, "readonly blocking",
    keys=[key_after("STREAMS", "RO access", last=-1, limit=2)],
    note="XREAD/XREADGROUP without BLOCK over REST",
)
def xread(db: Database, args: list[bytes]) -> Reply:
    """Entries after the given ids of one or more streams (``$`` now, ``+`` the last one).
    BLOCK is not served over REST."""
    opts = _parse_read(args, group=False)
    after: list[StreamId] = []
    for key, raw in zip(opts.keys, opts.ids):
        stream = _stream(db, key)
        if raw == b"$":
            after.append(stream.last_id if stream is not None else MIN_ID)
        elif raw == b">":
            raise CommandError(GT_IN_XREAD)
        elif raw == b"+":
            # Redis 7.4: the last entry. Read from just before it; nothing when empty.
            has_entries = stream is not None and len(stream) > 0
            last = stream.last_valid_id() if stream is not None and has_entries else MIN_ID
            after.append((decr_id(last) or MIN_ID) if has_entries else MIN_ID)
        else:
            after.append(strict_id(raw))
    reply: list[Reply] = []
    for key, gt in zip(opts.keys, after):
        stream = _stream(db, key)
        if stream is None or not len(stream) or stream.last_valid_id() <= gt:
            continue
        start = incr_id(gt)
        assert start is not None
        ids = stream.range(start, MAX_ID, opts.count)
        reply.append([key, [_entry(stream, sid) for sid in ids]])
    return reply or None


@FAMILY.command(
    "xreadgroup", -7, "write blocking",
    keys=[key_after("STREAMS", "RO access", startfrom=4, last=-1, limit=2)],
    note="XREAD/XREADGROUP without BLOCK over REST",
)
def xreadgroup(db: Database, args: list[bytes]) -> Reply:
    """Read as a consumer of a group: ``>`` for new entries (added to its PEL), an id for
    its own pending history. BLOCK is not served over REST; PELs are capped per consumer."""
    opts = _parse_read(args, group=True)
    assert opts.group is not None
    plan: list[tuple[bytes, StreamValue, Group, StreamId]] = []
    for key, raw in zip(opts.keys, opts.ids):
        stream = _stream(db, key)
        found = stream.groups.get(opts.group) if stream is not None else None
        if stream is None or found is None:
            raise CommandError(
                f"NOGROUP No such key '{_text(key)}' or consumer group '{_text(opts.group)}' "
                "in XREADGROUP with GROUP option"
            )
        if raw == b"$":
            raise CommandError(DOLLAR_IN_GROUP)
        if raw == b"+":
            raise CommandError(PLUS_IN_GROUP)
        plan.append((key, stream, found, GT if raw == b">" else strict_id(raw)))
    if not opts.noack:
        for key, stream, group, gt in plan:
            _check_pel_limit(key, stream, group, gt, opts)
    reply: list[Reply] = []
    for key, stream, group, gt in plan:
        served = _serve_group(db, key, stream, group, gt, opts)
        if served is not None:
            reply.append([key, served])
    return reply or None


def _new_entries(stream: StreamValue, group: Group, count: int) -> list[StreamId]:
    if not len(stream) or stream.last_valid_id() <= group.last_id:
        return []
    start = incr_id(group.last_id)
    assert start is not None
    return list(stream.range(start, MAX_ID, count))


def _check_pel_limit(
    key: bytes, stream: StreamValue, group: Group, gt: StreamId, opts: ReadArgs
) -> None:
    """Upstash cancels a ``>`` read that would take a consumer's PEL past PEL_LIMIT."""
    if gt != GT:
        return
    available = len(_new_entries(stream, group, opts.count))
    if not available:
        return
    consumer = group.consumers.get(opts.consumer)
    current = len(consumer.pel) if consumer is not None else 0
    requested = opts.count or available
    if current + requested > PEL_LIMIT:
        raise CommandError(
            "ERR XReadGroup is cancelled. Pending Entries List limit per consumer is about to "
            f"be reached. Limit: {PEL_LIMIT}, Current PEL size: {current}, Requested Read: "
            f"{requested}, Key: {_text(key)}, Group: {_text(group.name)}, "
            f"Consumer: {_text(opts.consumer)}."
        )


def _serve_group(
    db: Database,
    key: bytes,
    stream: StreamValue,
    group: Group,
    gt: StreamId,
    opts: ReadArgs,
) -> list[Reply] | None:
    now = db.now_ms
    consumer = group.consumers.get(opts.consumer)
    if consumer is None and not opts.noack:  # Upstash: NOACK creates no consumer
        consumer = _consumer(db, key, group, opts.consumer)
    if consumer is not None:
        consumer.seen_time = now
    if gt != GT:
        return _serve_history(db, stream, consumer, gt, opts.count)
    ids = _new_entries(stream, group, opts.count)
    if not ids:
        return None
    out: list[Reply] = []
    for sid in ids:
        stream.advance_group(group, sid)
        if not opts.noack and consumer is not None:
            _deliver(group, consumer, sid, now)
        out.append(_entry(stream, sid))
    if consumer is not None and not opts.noack:
        consumer.active_time = now
    return out


def _deliver(group: Group, consumer: Consumer, sid: StreamId, now: int) -> None:
    """Add ``sid`` to the group's and the consumer's PEL (re-assigning it if pending)."""
    nack = group.pel.get(sid)
    if nack is None:
        nack = group.pel[sid] = Pending(consumer, now)
    else:
        nack.consumer.pel.pop(sid, None)
        nack.consumer = consumer
        nack.delivery_time = now
        nack.delivery_count = 1
    consumer.pel[sid] = nack


def _serve_history(
    db: Database, stream: StreamValue, consumer: Consumer | None, gt: StreamId, count: int
) -> list[Reply]:
    out: list[Reply] = []
    if consumer is None:
        return out
    start = incr_id(gt) or gt
    for sid in list(consumer.pel.irange(minimum=start)):
        if count and len(out) >= count:
            break
        if sid in stream.entries:
            out.append(_entry(stream, sid))
            nack = consumer.pel[sid]
            nack.delivery_time = db.now_ms
            nack.delivery_count += 1
        else:
            out.append([format_id(sid), None])
    return out


# ---- XACK / XPENDING ---------------------------------------------------------------------


@FAMILY.command(
    "xack", -4, "write fast",
    keys=[key_at(1, "RW update")],
    note="XREAD/XREADGROUP without BLOCK over REST",
)
def xack(db: Database, args: list[bytes]) -> Reply:
    """Remove ids from a group's PEL; reply with how many were pending."""
    stream = _stream(db, args[0])
    group = stream.groups.get(args[1]) if stream is not None else None
    if group is None:
        return 0
    ids = [strict_id(raw) for raw in args[2:]]
    return sum(group.remove_pending(sid) for sid in ids)


@FAMILY.command(
    "xpending", -3, "readonly",
    keys=[key_at(1, "RO access")],
    tips="nondeterministic_output",
    note="XREAD/XREADGROUP without BLOCK over REST",
)
def xpending(db: Database, args: list[bytes]) -> Reply:
    """A group's PEL: a summary, or entries in a range (IDLE, count, consumer)."""
    argc = len(args) + 1
    if argc != 3 and not 6 <= argc <= 9:
        raise CommandError(SYNTAX)
    min_idle = 0
    bounds: tuple[StreamId, StreamId] = (MIN_ID, MAX_ID)
    count = 0
    consumer_name: bytes | None = None
    if argc >= 6:
        at = 2
        if args[2].upper() == b"IDLE":
            min_idle = parse_int(args[3])
            if argc < 8:
                raise CommandError(SYNTAX)
            at += 2
        count = max(parse_int(args[at + 2]), 0)
        bounds = _range_bounds(args[at], args[at + 1])
        if at + 3 < len(args):
            consumer_name = args[at + 3]
    stream, group = _group_of(db, args[0], args[1])
    del stream
    if argc == 3:
        return _pending_summary(group)
    return _pending_range(db, group, bounds, count, min_idle, consumer_name)


def _pending_summary(group: Group) -> Reply:
    if not group.pel:
        return [0, None, None, None]
    owners: list[Reply] = [[c.name, b"%d" % len(c.pel)] for c in group.sorted_consumers() if c.pel]
    return [len(group.pel), format_id(group.pel.keys()[0]), format_id(group.pel.keys()[-1]), owners]


def _pending_range(
    db: Database,
    group: Group,
    bounds: tuple[StreamId, StreamId],
    count: int,
    min_idle: int,
    consumer_name: bytes | None,
) -> Reply:
    pel = group.pel
    if consumer_name is not None:
        consumer = group.consumers.get(consumer_name)
        if consumer is None:
            return []
        pel = consumer.pel
    now = db.now_ms
    out: list[Reply] = []
    if count <= 0:
        return out
    for sid in pel.irange(bounds[0], bounds[1]):
        nack: Pending = pel[sid]
        idle = now - nack.delivery_time
        if min_idle and idle < min_idle:
            continue
        out.append([format_id(sid), nack.consumer.name, max(idle, 0), nack.delivery_count])
        if len(out) >= count:
            break
    return out


# ---- XCLAIM / XAUTOCLAIM -----------------------------------------------------------------


@dataclass
class ClaimArgs:
    ids: list[StreamId]
    delivery_time: int
    retry_count: int = -1
    force: bool = False
    justid: bool = False
    last_id: StreamId = MIN_ID


def _parse_claim(db: Database, args: list[bytes]) -> ClaimArgs:
    j = 4
    ids: list[StreamId] = []
    while j < len(args):
        try:
            ids.append(strict_id(args[j]))
        except CommandError:
            break
        j += 1
    now = db.now_ms
    out = ClaimArgs(ids=ids, delivery_time=-1)
    while j < len(args):
        more = len(args) - 1 - j
        word = args[j].upper()
        if word == b"FORCE":
            out.force = True
        elif word == b"JUSTID":
            out.justid = True
        elif word == b"IDLE" and more:
            j += 1
            out.delivery_time = now - parse_int(
                args[j], "ERR Invalid IDLE option argument for XCLAIM"
            )
        elif word == b"TIME" and more:
            j += 1
            out.delivery_time = parse_int(args[j], "ERR Invalid TIME option argument for XCLAIM")
        elif word == b"RETRYCOUNT" and more:
            j += 1
            out.retry_count = parse_int(
                args[j], "ERR Invalid RETRYCOUNT option argument for XCLAIM"
            )
        elif word == b"LASTID" and more:
            j += 1
            out.last_id = strict_id(args[j])
        else:
            raise CommandError(f"ERR Unrecognized XCLAIM option '{_text(args[j])}'")
        j += 1
    if out.delivery_time < 0 or out.delivery_time > now:
        out.delivery_time = now
    return out


def _take(group: Group, consumer: Consumer, sid: StreamId, nack: Pending) -> None:
    if nack.consumer is not consumer:
        nack.consumer.pel.pop(sid, None)
        consumer.pel[sid] = nack
        nack.consumer = consumer


@FAMILY.command(
    "xclaim", -6, "write fast",
    keys=[key_at(1, "RW update")],
    tips="nondeterministic_output",
    note="XREAD/XREADGROUP without BLOCK over REST",
)
def xclaim(db: Database, args: list[bytes]) -> Reply:
    """Change the owner of pending entries idle for at least min-idle-time."""
    stream, group = _group_of(db, args[0], args[1])
    min_idle = max(parse_int(args[3], "ERR Invalid min-idle-time argument for XCLAIM"), 0)
    opts = _parse_claim(db, args)
    if opts.last_id > group.last_id:
        group.last_id = opts.last_id
    now = db.now_ms
    consumer = _consumer(db, args[0], group, args[2])
    consumer.seen_time = now
    out: list[Reply] = []
    for sid in opts.ids:
        nack = group.pel.get(sid)
        if sid not in stream.entries:
            if nack is not None:
                group.remove_pending(sid)
            continue
        if nack is None:
            if not opts.force:
                continue
            nack = group.pel[sid] = Pending(consumer, now)
            consumer.pel[sid] = nack
        elif min_idle and now - nack.delivery_time < min_idle:
            continue
        _take(group, consumer, sid, nack)
        nack.delivery_time = opts.delivery_time
        if opts.retry_count >= 0:
            nack.delivery_count = opts.retry_count
        elif not opts.justid:
            nack.delivery_count += 1
        out.append(format_id(sid) if opts.justid else _entry(stream, sid))
        consumer.active_time = now
    return out


AUTOCLAIM_MAX_COUNT = (2**63 - 1) // 16


@FAMILY.command(
    "xautoclaim", -6, "write fast",
    keys=[key_at(1, "RW delete")],
    tips="nondeterministic_output",
    note="XREAD/XREADGROUP without BLOCK over REST",
)
def xautoclaim(db: Database, args: list[bytes]) -> Reply:
    """Claim pending entries idle for min-idle-time from a start id; reply [cursor, claimed,
    deleted ids]."""
    min_idle = max(parse_int(args[3], "ERR Invalid min-idle-time argument for XAUTOCLAIM"), 0)
    start, start_ex = _interval(args[4], 0)
    if start_ex:
        bumped = incr_id(start)
        if bumped is None:
            raise CommandError(BAD_START)
        start = bumped
    count, justid = 100, False
    j = 5
    while j < len(args):
        word = args[j].upper()
        if word == b"COUNT" and j + 1 < len(args):
            count = parse_int(args[j + 1], "ERR COUNT must be > 0")
            if not 1 <= count <= AUTOCLAIM_MAX_COUNT:
                raise CommandError("ERR COUNT must be > 0")
            j += 2
        elif word == b"JUSTID":
            justid = True
            j += 1
        else:
            raise CommandError(SYNTAX)
    stream, group = _group_of(db, args[0], args[1])
    now = db.now_ms
    consumer = _consumer(db, args[0], group, args[2])
    consumer.seen_time = now
    keys = list(group.pel.irange(minimum=start))
    attempts = count * 10
    claimed: list[Reply] = []
    deleted: list[Reply] = []
    index = 0
    while attempts > 0 and count > 0 and index < len(keys):
        attempts -= 1
        sid = keys[index]
        index += 1
        if sid not in stream.entries:
            group.remove_pending(sid)
            deleted.append(format_id(sid))
            count -= 1
            continue
        nack: Pending = group.pel[sid]
        if min_idle and now - nack.delivery_time < min_idle:
            continue
        _take(group, consumer, sid, nack)
        nack.delivery_time = now
        if not justid:
            nack.delivery_count += 1
        claimed.append(format_id(sid) if justid else _entry(stream, sid))
        consumer.active_time = now
        count -= 1
    cursor = keys[index] if index < len(keys) else MIN_ID
    return [format_id(cursor), claimed, deleted]


# ---- XGROUP ------------------------------------------------------------------------------

FAMILY.container("xgroup")


def _entries_read(raw: bytes) -> int:
    value = parse_int(raw)
    if value < 0 and value != INVALID_ENTRIES_READ:
        raise CommandError(ENTRIESREAD_RANGE)
    return value


def _capped(stream: StreamValue, entries_read: int) -> int:
    """Redis 8: an ENTRIESREAD past the entries added is capped at entries added."""
    if entries_read != INVALID_ENTRIES_READ and entries_read > stream.entries_added:
        return stream.entries_added
    return entries_read


def _xgroup_stream(db: Database, key: bytes) -> StreamValue:
    stream = _stream(db, key)
    if stream is None:
        raise CommandError(NEEDS_KEY)
    return stream


def _group_for(stream: StreamValue, key: bytes, name: bytes) -> Group:
    group = stream.groups.get(name)
    if group is None:
        raise CommandError(
            f"NOGROUP No such consumer group '{_text(name)}' for key name '{_text(key)}'"
        )
    return group


@FAMILY.command(
    "xgroup|create", -5, "write denyoom",
    keys=[key_at(2, "RW insert")],
    note="XREAD/XREADGROUP without BLOCK over REST",
)
def xgroup_create(db: Database, args: list[bytes]) -> Reply:
    """Create a consumer group at an id (``$`` = the last one); MKSTREAM, ENTRIESREAD."""
    key, name = args[0], args[1]
    mkstream, entries_read = False, INVALID_ENTRIES_READ
    i = 3
    while i < len(args):
        word = args[i].upper()
        if word == b"MKSTREAM":
            mkstream = True
            i += 1
        elif word == b"ENTRIESREAD" and i + 1 < len(args):
            entries_read = _entries_read(args[i + 1])
            i += 2
        else:
            raise _subcommand_syntax("XGROUP", b"create")
    stream = _stream(db, key)
    if stream is None and not mkstream:
        raise CommandError(NEEDS_KEY)
    if len(args) + 2 > 8:
        raise _subcommand_syntax("XGROUP", b"create")
    if args[2] == b"$":
        sid = stream.last_id if stream is not None else MIN_ID
    else:
        sid = strict_id(args[2])
    if stream is None:
        stream = StreamValue()
        db.put(key, stream)
    if name in stream.groups:
        raise CommandError("BUSYGROUP Consumer Group name already exists")
    stream.groups[name] = Group(name, sid, _capped(stream, entries_read))
    _event(db, b"xgroup-create", key)
    return OK


@FAMILY.command(
    "xgroup|setid", -5, "write",
    keys=[key_at(2, "RW update")],
    note="XREAD/XREADGROUP without BLOCK over REST",
)
def xgroup_setid(db: Database, args: list[bytes]) -> Reply:
    """Set a group's last delivered id (and ENTRIESREAD)."""
    key = args[0]
    stream = _xgroup_stream(db, key)
    group = _group_for(stream, key, args[1])
    if len(args) not in (3, 5):
        raise _subcommand_syntax("XGROUP", b"setid")
    sid = stream.last_id if args[2] == b"$" else parse_id(args[2])[0]
    entries_read = INVALID_ENTRIES_READ
    if len(args) == 5:
        if args[3].upper() != b"ENTRIESREAD":
            raise _subcommand_syntax("XGROUP", b"setid")
        entries_read = _entries_read(args[4])
    group.last_id = sid
    group.entries_read = _capped(stream, entries_read)
    _event(db, b"xgroup-setid", key)
    return OK


@FAMILY.command(
    "xgroup|destroy", 4, "write",
    keys=[key_at(2, "RW delete")],
    note="XREAD/XREADGROUP without BLOCK over REST",
)
def xgroup_destroy(db: Database, args: list[bytes]) -> Reply:
    """Delete a consumer group; 1 if it existed."""
    stream = _xgroup_stream(db, args[0])
    if stream.groups.pop(args[1], None) is None:
        return 0
    _event(db, b"xgroup-destroy", args[0])
    return 1


@FAMILY.command(
    "xgroup|createconsumer", 5, "write denyoom",
    keys=[key_at(2, "RW insert")],
    note="XREAD/XREADGROUP without BLOCK over REST",
)
def xgroup_createconsumer(db: Database, args: list[bytes]) -> Reply:
    """Create a consumer in a group; 1 if it is new."""
    stream = _xgroup_stream(db, args[0])
    group = _group_for(stream, args[0], args[1])
    if args[2] in group.consumers:
        return 0
    _consumer(db, args[0], group, args[2])
    return 1


@FAMILY.command(
    "xgroup|delconsumer", 5, "write",
    keys=[key_at(2, "RW delete")],
    note="XREAD/XREADGROUP without BLOCK over REST",
)
def xgroup_delconsumer(db: Database, args: list[bytes]) -> Reply:
    """Delete a consumer and its pending entries; reply with how many it had."""
    stream = _xgroup_stream(db, args[0])
    group = _group_for(stream, args[0], args[1])
    consumer = group.consumers.pop(args[2], None)
    if consumer is None:
        return 0
    for sid in consumer.pel:
        group.pel.pop(sid, None)
    _event(db, b"xgroup-delconsumer", args[0])
    return len(consumer.pel)


# ---- XSETID ------------------------------------------------------------------------------


@FAMILY.command(
    "xsetid", -3, "write denyoom fast",
    keys=[key_at(1, "RW update")],
    note="XREAD/XREADGROUP without BLOCK over REST",
)
def xsetid(db: Database, args: list[bytes]) -> Reply:
    """Set a stream's last id (ENTRIESADDED, MAXDELETEDID)."""
    sid = strict_id(args[1])
    entries_added = -1
    max_deleted = MIN_ID
    i = 2
    while i < len(args):
        word = args[i].upper()
        if word == b"ENTRIESADDED" and i + 1 < len(args):
            entries_added = parse_int(args[i + 1])
            if entries_added < 0:
                raise CommandError("ERR entries_added must be positive")
        elif word == b"MAXDELETEDID" and i + 1 < len(args):
            max_deleted = strict_id(args[i + 1])
            if sid < max_deleted:
                raise CommandError(
                    "ERR The ID specified in XSETID is smaller than the provided "
                    "max_deleted_entry_id"
                )
        else:
            raise CommandError(SYNTAX)
        i += 2
    stream = _stream(db, args[0])
    if stream is None:
        raise CommandError(NO_SUCH_KEY)
    if sid < stream.max_deleted_id:
        raise CommandError(
            "ERR The ID specified in XSETID is smaller than current max_deleted_entry_id"
        )
    if len(stream):
        if sid < stream.last_valid_id():
            raise CommandError(
                "ERR The ID specified in XSETID is smaller than the target stream top item"
            )
        if entries_added != -1 and len(stream) > entries_added:
            raise CommandError(
                "ERR The entries_added specified in XSETID is smaller than the target stream length"
            )
    stream.last_id = sid
    if entries_added != -1:
        stream.entries_added = entries_added
    if max_deleted != MIN_ID:
        stream.max_deleted_id = max_deleted
    _event(db, b"xsetid", args[0])
    return OK


# ---- XDELEX / XACKDEL (Redis 8.2) --------------------------------------------------------


def _parse_ref_ids(args: list[bytes], start: int) -> tuple[bytes, list[StreamId]]:
    """``[KEEPREF|DELREF|ACKED] IDS numids id…`` in any order, each once."""
    policy: bytes | None = None
    raw_ids: list[bytes] | None = None
    i = start
    while i < len(args):
        word = args[i].upper()
        if word in (KEEPREF, DELREF, ACKED) and policy is None:
            policy = word
            i += 1
        elif word == b"IDS" and raw_ids is None and i + 1 < len(args):
            try:
                numids = parse_int(args[i + 1])
            except CommandError:
                raise CommandError(NUMIDS_POSITIVE) from None
            if numids < 1:
                raise CommandError(NUMIDS_POSITIVE)
            if numids > len(args) - i - 2:
                raise CommandError(NUMIDS_MISMATCH)
            raw_ids = args[i + 2 : i + 2 + numids]
            i += 2 + numids
        else:
            raise CommandError(SYNTAX)
    if raw_ids is None:
        raise CommandError(SYNTAX)
    return policy or KEEPREF, [strict_id(raw) for raw in raw_ids]


def _delete_with_refs(stream: StreamValue, sid: StreamId, policy: bytes) -> int:
    """1 deleted, 2 kept (ACKED: still referenced), -1 no such entry."""
    if policy == DELREF:
        stream.drop_references(sid)
    if sid not in stream.entries:
        return -1
    if policy == ACKED and stream.is_referenced(sid):
        return 2
    stream.delete(sid)
    return 1


@FAMILY.command(
    "xdelex", -5, "write fast",
    keys=[key_at(1, "RW delete")],
    note="XREAD/XREADGROUP without BLOCK over REST",
)
def xdelex(db: Database, args: list[bytes]) -> Reply:
    """Delete entries with control over consumer group references (Redis 8.2)."""
    policy, ids = _parse_ref_ids(args, 1)
    stream = _stream(db, args[0])
    if stream is None:
        return [-1] * len(ids)
    results = [_delete_with_refs(stream, sid, policy) for sid in ids]
    if 1 in results:
        _event(db, b"xdel", args[0])
    return list[Reply](results)


@FAMILY.command(
    "xackdel", -6, "write fast",
    keys=[key_at(1, "RW update delete")],
    note="XREAD/XREADGROUP without BLOCK over REST",
)
def xackdel(db: Database, args: list[bytes]) -> Reply:
    """Acknowledge entries in a group and delete them (KEEPREF/DELREF/ACKED, Redis 8.2).

    Per id: 1 deleted (or acknowledged, when the entry was already gone), 2 acknowledged but
    kept (ACKED: another group still needs it), -1 neither pending nor in the stream. An
    entry the group had already acknowledged is still deleted, as Upstash does and Redis
    8.2's docs say (-1 only "if no such ID exists in the provided stream key")."""
    policy, ids = _parse_ref_ids(args, 2)
    stream = _stream(db, args[0])
    group = stream.groups.get(args[1]) if stream is not None else None
    if stream is None or group is None:
        return [-1] * len(ids)
    out: list[Reply] = []
    deleted = False
    for sid in ids:
        acked = group.remove_pending(sid)
        result = _delete_with_refs(stream, sid, policy)
        deleted = deleted or result == 1
        out.append(1 if result == -1 and acked else result)
    if deleted:
        _event(db, b"xdel", args[0])
    return out


# ---- XINFO -------------------------------------------------------------------------------

FAMILY.container("xinfo")


def _info_stream(db: Database, key: bytes) -> StreamValue:
    stream = _stream(db, key)
    if stream is None:
        raise CommandError(NO_SUCH_KEY)
    return stream


def _tree_size(stream: StreamValue) -> tuple[int, int]:
    """Stand-ins for radix-tree-keys/-nodes: one listpack node per 100 entries."""
    keys = -(-len(stream) // 100)
    return keys, keys + 1


@FAMILY.command(
    "xinfo|stream", -3, "readonly",
    keys=[key_at(2, "RO access")],
    note="XREAD/XREADGROUP without BLOCK over REST",
)
def xinfo_stream(db: Database, args: list[bytes]) -> Reply:
    """A stream's metadata, first and last entries; FULL [COUNT n] adds entries and groups."""
    stream = _info_stream(db, args[0])
    rest = args[1:]
    full, count = bool(rest), 10
    if rest:
        if len(rest) not in (1, 3) or rest[0].upper() != b"FULL":
            raise _subcommand_syntax("XINFO", b"stream")
        if len(rest) == 3:
            if rest[1].upper() != b"COUNT":
                raise _subcommand_syntax("XINFO", b"stream")
            count = parse_int(rest[2])
            if count < 0:
                count = 10
    tree_keys, tree_nodes = _tree_size(stream)
    out: list[Reply] = [
        b"length", len(stream),
        b"radix-tree-keys", tree_keys,
        b"radix-tree-nodes", tree_nodes,
        b"last-generated-id", format_id(stream.last_id),
        b"max-deleted-entry-id", format_id(stream.max_deleted_id),
        b"entries-added", stream.entries_added,
        b"recorded-first-entry-id", format_id(stream.first_id),
    ]  # fmt: skip
    if not full:
        first = _entry(stream, stream.ids[0]) if len(stream) else None
        last = _entry(stream, stream.ids[-1]) if len(stream) else None
        return [*out, b"groups", len(stream.groups), b"first-entry", first, b"last-entry", last]
    entries: list[Reply] = [_entry(stream, sid) for sid in stream.range(MIN_ID, MAX_ID, count)]
    groups: list[Reply] = [
        _full_group(stream, stream.groups[n], count) for n in sorted(stream.groups)
    ]
    return [*out, b"entries", entries, b"groups", groups]


def _full_group(stream: StreamValue, group: Group, count: int) -> Reply:
    pending: list[Reply] = [
        [format_id(sid), nack.consumer.name, nack.delivery_time, nack.delivery_count]
        for sid, nack in _first(group.pel, count)
    ]
    consumers: list[Reply] = []
    for consumer in group.sorted_consumers():
        own: list[Reply] = [
            [format_id(sid), nack.delivery_time, nack.delivery_count]
            for sid, nack in _first(consumer.pel, count)
        ]
        consumers.append([
            b"name", consumer.name,
            b"seen-time", consumer.seen_time,
            b"active-time", consumer.active_time,
            b"pel-count", len(consumer.pel),
            b"pending", own,
        ])  # fmt: skip
    return [
        b"name", group.name,
        b"last-delivered-id", format_id(group.last_id),
        b"entries-read", _entries_read_reply(group),
        b"lag", stream.lag(group),
        b"pel-count", len(group.pel),
        b"pending", pending,
        b"consumers", consumers,
    ]  # fmt: skip


def _first(pel: SortedDict, count: int) -> list[tuple[StreamId, Pending]]:
    keys = pel.keys()
    chosen = keys[:count] if count else keys
    return [(sid, pel[sid]) for sid in chosen]


def _entries_read_reply(group: Group) -> Reply:
    return None if group.entries_read == INVALID_ENTRIES_READ else group.entries_read


@FAMILY.command(
    "xinfo|groups", 3, "readonly",
    keys=[key_at(2, "RO access")],
    note="XREAD/XREADGROUP without BLOCK over REST",
)
def xinfo_groups(db: Database, args: list[bytes]) -> Reply:
    """The consumer groups of a stream, by name."""
    stream = _info_stream(db, args[0])
    out: list[Reply] = []
    for name in sorted(stream.groups):
        group = stream.groups[name]
        out.append([
            b"name", name,
            b"consumers", len(group.consumers),
            b"pending", len(group.pel),
            b"last-delivered-id", format_id(group.last_id),
            b"entries-read", _entries_read_reply(group),
            b"lag", stream.lag(group),
        ])  # fmt: skip
    return out


@FAMILY.command(
    "xinfo|consumers", 4, "readonly",
    keys=[key_at(2, "RO access")],
    tips="nondeterministic_output",
    note="XREAD/XREADGROUP without BLOCK over REST",
)
def xinfo_consumers(db: Database, args: list[bytes]) -> Reply:
    """The consumers of a group: name, pending, idle (since last attempt), inactive (since
    last success, -1 if never)."""
    stream = _info_stream(db, args[0])
    group = stream.groups.get(args[1])
    if group is None:
        return []  # Upstash (Redis: NOGROUP); deviations.py "xinfo-consumers-missing-group"
    now = db.now_ms
    out: list[Reply] = []
    for consumer in group.sorted_consumers():
        inactive = now - consumer.active_time if consumer.active_time != -1 else -1
        out.append([
            b"name", consumer.name,
            b"pending", len(consumer.pel),
            b"idle", max(now - consumer.seen_time, 0),
            b"inactive", inactive,
        ])  # fmt: skip
    return out
