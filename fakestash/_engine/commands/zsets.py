"""Sorted-set commands (ZADD … ZSCAN), on the dict-plus-sorted-index value of values/zset.py.

Replies and error texts follow Redis (7.0 checked against a real server, newer options such
as ZRANK WITHSCORE from the Redis docs). Scores are rendered the Redis 7.2+ way
(``format_double``: shortest round-trip, e.g. ``1.1`` where 7.0 says ``1.1000000000000001``).

Upstash deviation: ZRANGE and ZRANGESTORE accept LIMIT without BYSCORE/BYLEX and apply it as
offset/count on the result; Redis refuses it. See ``RANK_LIMIT_ALLOWED``.
The blocking BZPOPMIN/BZPOPMAX/BZMPOP are not registered: Upstash does not serve them.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Callable, ClassVar, Sequence

from fakestash._engine.args import parse_float, parse_int
from fakestash._engine.commands.sets import (
    matches,
    parse_limit,
    parse_numkeys,
    parse_positive,
    parse_random_count,
)
from fakestash._engine.family import Family
from fakestash._engine.keyspec import key_at, key_count, key_range
from fakestash._engine.notify import GENERIC, ZSET, emit
from fakestash._engine.replies import Reply, format_double
from fakestash._engine.scan import collection_page, parse_cursor, parse_scan_options
from fakestash._engine.values.set import RedisSet
from fakestash._engine.values.zset import Entry, LexBound, LexRange, ScoreRange, SortedSet
from fakestash._errors import NOT_FLOAT, SYNTAX, CommandError, WrongArity, WrongType

if TYPE_CHECKING:
    from fakestash._engine.database import Database

FAMILY = Family("zsets", group="sorted-set", category="sortedset", values=[SortedSet])

# Blocking commands: Upstash serves them over TCP only ("not available" over REST).
_BLOCKING = "blocking: not over REST"
_BPOP = [key_range(1, "RW access delete", last=-2)]
FAMILY.declare("bzpopmin", -3, "write blocking fast", keys=_BPOP, rest="tcp", note=_BLOCKING)
FAMILY.declare("bzpopmax", -3, "write blocking fast", keys=_BPOP, rest="tcp", note=_BLOCKING)
FAMILY.declare(
    "bzmpop", -5, "write blocking", keys=[key_count(2, "RW access delete")], rest="tcp",
    note=_BLOCKING,
)

#: Upstash accepts ``ZRANGE key 0 -1 LIMIT 0 2`` (Redis: "LIMIT is only supported in
#: combination with either BYSCORE or BYLEX") and applies LIMIT as offset/count over the
#: selected ranks (deviation ``zrange-limit-by-rank`` in fakestash/deviations.py; ZRANGE and
#: ZRANGESTORE: ZREVRANGE keeps Redis' error). Set to False to get Redis' error.
RANK_LIMIT_ALLOWED = True

NAN_SCORE = "ERR resulting score is not a number (NaN)"
NOT_FLOAT_RANGE = "ERR min or max is not a float"
NOT_LEX_RANGE = "ERR min or max not valid string range item"
RANK_LIMIT = "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
LEX_WITHSCORES = "ERR syntax error, WITHSCORES not supported in combination with BYLEX"
LONG_MAX = 2**63 - 1

_INF_TEXT = re.compile(rb"[+-]?inf(inity)?", re.IGNORECASE)
_SPACES = b" \t\n\v\f\r"


# ---- argument parsing ----------------------------------------------------------------------


def parse_double(raw: bytes, error: str = NOT_FLOAT) -> float:
    """Redis' string2d: strtod over the whole text, no leading space, no NaN, and no
    overflow to ±inf or underflow to 0 (``1e400`` and ``1e-400`` are refused)."""
    if not raw or raw[:1] in (b" ", b"\t", b"\n", b"\v", b"\f", b"\r"):
        raise CommandError(error)
    value = parse_float(raw, error)
    if math.isinf(value) and _INF_TEXT.fullmatch(raw) is None:
        raise CommandError(error)
    if value == 0 and _nonzero_mantissa(raw):
        raise CommandError(error)
    return value


def _nonzero_mantissa(raw: bytes) -> bool:
    body = raw.lstrip(b"+-")
    if body[:2].lower() == b"0x":
        return re.search(rb"[1-9a-fA-F]", re.split(rb"[pP]", body[2:])[0]) is not None
    return re.search(rb"[1-9]", re.split(rb"[eE]", body)[0]) is not None


def _parse_bound(raw: bytes) -> tuple[float, bool]:
    exclusive = raw[:1] == b"("
    text = raw[1:] if exclusive else raw
    if not text:  # strtod("") is 0 with nothing left over
        return 0.0, exclusive
    stripped = text.lstrip(_SPACES)
    if not stripped:
        raise CommandError(NOT_FLOAT_RANGE)
    return parse_float(stripped, NOT_FLOAT_RANGE), exclusive


def parse_score_range(low: bytes, high: bytes) -> ScoreRange:
    """``min``/``max`` as ZRANGEBYSCORE takes them: floats, ``(`` for exclusive, ±inf."""
    lo, lo_ex = _parse_bound(low)
    hi, hi_ex = _parse_bound(high)
    return ScoreRange(lo, hi, lo_ex, hi_ex)


def _parse_lex_bound(raw: bytes) -> LexBound:
    if raw == b"+":
        return LexBound(1, exclusive=True)
    if raw == b"-":
        return LexBound(-1, exclusive=True)
    if raw[:1] == b"(":
        return LexBound(0, raw[1:], exclusive=True)
    if raw[:1] == b"[":
        return LexBound(0, raw[1:], exclusive=False)
    raise CommandError(NOT_LEX_RANGE)


def parse_lex_range(low: bytes, high: bytes) -> LexRange:
    """``-``, ``+``, ``[member`` (inclusive) or ``(member`` (exclusive)."""
    return LexRange(_parse_lex_bound(low), _parse_lex_bound(high))


# ---- reply shapes --------------------------------------------------------------------------


def flat(entries: Sequence[Entry], withscores: bool) -> list[Reply]:
    """Members, or member, score, member, score… (the RESP2 shape of WITHSCORES)."""
    if not withscores:
        return [member for _, member in entries]
    out: list[Reply] = []
    for score, member in entries:
        out.append(member)
        out.append(format_double(score))
    return out


def _read(db: Database, key: bytes) -> SortedSet | None:
    return db.get(key, SortedSet)


# ---- adding and scoring --------------------------------------------------------------------


class _AddOptions:
    __slots__ = ("ch", "gt", "incr", "lt", "nx", "xx")

    def __init__(self, incr: bool) -> None:
        self.nx = self.xx = self.gt = self.lt = self.ch = False
        self.incr = incr

    _FLAGS: ClassVar[dict[bytes, str]] = {
        b"NX": "nx", b"XX": "xx", b"CH": "ch", b"INCR": "incr", b"GT": "gt", b"LT": "lt"
    }  # fmt: skip

    def read(self, word: bytes) -> bool:
        if len(word) > 4:
            return False
        name = self._FLAGS.get(word.upper())
        if name is None:
            return False
        setattr(self, name, True)
        return True

    def check(self, pairs: int) -> None:
        if self.nx and self.xx:
            raise CommandError("ERR XX and NX options at the same time are not compatible")
        if (self.gt and self.nx) or (self.lt and self.nx) or (self.gt and self.lt):
            raise CommandError("ERR GT, LT, and/or NX options at the same time are not compatible")
        if self.incr and pairs > 1:
            raise CommandError("ERR INCR option supports a single increment-element pair")


def _zadd(db: Database, args: list[bytes], incr: bool) -> Reply:
    key = args[0]
    opts = _AddOptions(incr)
    i = 1
    while i < len(args) and opts.read(args[i]):
        i += 1
    rest = args[i:]
    if not rest or len(rest) % 2:
        raise CommandError(SYNTAX)
    opts.check(len(rest) // 2)
    scores = [parse_double(raw) for raw in rest[0::2]]
    members = rest[1::2]
    zset = _read(db, key)
    created = zset is None
    if zset is None:
        if opts.xx:
            return None if opts.incr else 0
        zset = SortedSet()
        zset.listpack = len(members) <= 128 and max(map(len, members)) <= 64
    added, updated, processed, last = _apply_adds(zset, scores, members, opts)
    if created and zset:
        db.put(key, zset)
    if added or updated:
        _event(db, b"zincr" if opts.incr else b"zadd", key)
    if opts.incr:
        return format_double(last) if processed else None
    return added + updated if opts.ch else added


def _event(db: Database, event: bytes, key: bytes) -> None:
    if db.notify_flags:
        emit(db, ZSET, event, key)


def _apply_adds(
    zset: SortedSet, scores: list[float], members: list[bytes], opts: _AddOptions
) -> tuple[int, int, int, float]:
    added = updated = processed = 0
    last = 0.0
    for score, member in zip(scores, members):
        current = zset.score(member)
        if current is None:
            if opts.xx:
                continue
            zset.add(member, score)
            added += 1
        else:
            if opts.nx:
                continue
            if opts.incr:
                score += current
                if math.isnan(score):
                    raise CommandError(NAN_SCORE)
            if (opts.lt and score >= current) or (opts.gt and score <= current):
                continue
            if score != current:
                zset.add(member, score)
                updated += 1
        processed += 1
        last = score
    return added, updated, processed, last


@FAMILY.command("zadd", -4, "write denyoom fast", keys=[key_at(1, "RW update")])
def zadd(db: Database, args: list[bytes]) -> Reply:
    """Add members with scores (NX XX GT LT CH INCR)."""
    return _zadd(db, args, incr=False)


@FAMILY.command("zincrby", 4, "write denyoom fast", keys=[key_at(1, "RW access update")])
def zincrby(db: Database, args: list[bytes]) -> Reply:
    """Add to a member's score (creating it); the new score."""
    return _zadd(db, args, incr=True)


@FAMILY.command("zrem", -3, "write fast", keys=[key_at(1, "RW delete")])
def zrem(db: Database, args: list[bytes]) -> Reply:
    """Remove members; the number removed."""
    zset = _read(db, args[0])
    if zset is None:
        return 0
    removed = sum(zset.remove(member) for member in args[1:])
    if removed:
        _event(db, b"zrem", args[0])
        db.delete_if_empty(args[0], zset)
    return removed


@FAMILY.command("zcard", 2, "readonly fast", keys=[key_at(1, "RO")])
def zcard(db: Database, args: list[bytes]) -> Reply:
    """The number of members."""
    zset = _read(db, args[0])
    return 0 if zset is None else len(zset)


@FAMILY.command("zscore", 3, "readonly fast", keys=[key_at(1, "RO access")])
def zscore(db: Database, args: list[bytes]) -> Reply:
    """A member's score, or nil."""
    zset = _read(db, args[0])
    score = None if zset is None else zset.score(args[1])
    return None if score is None else format_double(score)


@FAMILY.command("zmscore", -3, "readonly fast", keys=[key_at(1, "RO access")])
def zmscore(db: Database, args: list[bytes]) -> Reply:
    """ZSCORE for each member given."""
    zset = _read(db, args[0])
    out: list[Reply] = []
    for member in args[1:]:
        score = None if zset is None else zset.score(member)
        out.append(None if score is None else format_double(score))
    return out


def _rank(db: Database, args: list[bytes], reverse: bool, name: str) -> Reply:
    if len(args) > 3:
        raise WrongArity(name)
    withscore = False
    if len(args) == 3:
        if args[2].upper() != b"WITHSCORE":
            raise CommandError(SYNTAX)
        withscore = True
    zset = _read(db, args[0])
    rank = None if zset is None else zset.rank(args[1], reverse)
    if rank is None or zset is None:
        return None
    if withscore:
        return [rank, format_double(zset.scores[args[1]])]
    return rank


@FAMILY.command("zrank", -3, "readonly fast", keys=[key_at(1, "RO access")])
def zrank(db: Database, args: list[bytes]) -> Reply:
    """A member's 0-based position from the lowest score (WITHSCORE adds the score)."""
    return _rank(db, args, False, "zrank")


@FAMILY.command("zrevrank", -3, "readonly fast", keys=[key_at(1, "RO access")])
def zrevrank(db: Database, args: list[bytes]) -> Reply:
    """A member's 0-based position from the highest score (WITHSCORE adds the score)."""
    return _rank(db, args, True, "zrevrank")


@FAMILY.command("zcount", 4, "readonly fast", keys=[key_at(1, "RO access")])
def zcount(db: Database, args: list[bytes]) -> Reply:
    """The number of members with scores in [min, max]."""
    rng = parse_score_range(args[1], args[2])
    zset = _read(db, args[0])
    if zset is None:
        return 0
    lo, hi = zset.score_window(rng)
    return hi - lo


@FAMILY.command("zlexcount", 4, "readonly fast", keys=[key_at(1, "RO access")])
def zlexcount(db: Database, args: list[bytes]) -> Reply:
    """The number of members in a lex range."""
    rng = parse_lex_range(args[1], args[2])
    zset = _read(db, args[0])
    if zset is None:
        return 0
    lo, hi = zset.lex_window(rng)
    return hi - lo


# ---- ranges ----------------------------------------------------------------------------------

RANK, SCORE, LEX = "rank", "score", "lex"


class _RangeQuery:
    """What ZRANGE and its older forms ask: the parsed arguments, ready to run."""

    def __init__(
        self, kind: str | None, reverse: bool | None, store: bool, rank_limit: bool = False
    ) -> None:
        self.kind = kind
        self.rank_limit = rank_limit and RANK_LIMIT_ALLOWED  # the Upstash deviation
        self.reverse = reverse
        self.store = store
        self.withscores = False
        self.offset = 0
        self.limit = -1

    def parse(self, args: Sequence[bytes]) -> None:
        i = 3
        while i < len(args):
            word = args[i].upper()
            left = len(args) - i - 1
            if not self.store and word == b"WITHSCORES":
                self.withscores = True
            elif word == b"LIMIT" and left >= 2:
                self.offset = parse_int(args[i + 1])
                self.limit = parse_int(args[i + 2])
                i += 2
            elif self.reverse is None and word == b"REV":
                self.reverse = True
            elif self.kind is None and word == b"BYLEX":
                self.kind = LEX
            elif self.kind is None and word == b"BYSCORE":
                self.kind = SCORE
            else:
                raise CommandError(SYNTAX)
            i += 1
        self.kind = self.kind or RANK
        self.reverse = bool(self.reverse)
        if self.limit != -1 and self.kind == RANK and not self.rank_limit:
            raise CommandError(RANK_LIMIT)
        if self.withscores and self.kind == LEX:
            raise CommandError(LEX_WITHSCORES)

    def run(self, db: Database, args: Sequence[bytes]) -> list[Entry]:
        """Parse the range, look the key up, and return the entries in reply order."""
        low, high = (args[2], args[1]) if self.reverse and self.kind != RANK else args[1:3]
        window: Callable[[SortedSet], tuple[int, int]]
        if self.kind == RANK:
            start, end = parse_int(args[1]), parse_int(args[2])
            window = lambda z: _rank_span(z, start, end, bool(self.reverse))  # noqa: E731
        elif self.kind == SCORE:
            score_range = parse_score_range(low, high)
            window = lambda z: z.score_window(score_range)  # noqa: E731
        else:
            lex_range = parse_lex_range(low, high)
            window = lambda z: z.lex_window(lex_range, bool(self.reverse), self.offset)  # noqa: E731
        zset = _read(db, args[0])
        if zset is None:
            return []
        lo, hi = window(zset)
        offset, limit = self.offset, self.limit
        if self.kind == RANK and not self.rank_limit:
            offset, limit = 0, -1  # Redis takes "LIMIT n -1" on a rank range and ignores it
        return _take(zset, lo, hi, bool(self.reverse), offset, limit)


def _rank_span(zset: SortedSet, start: int, end: int, reverse: bool) -> tuple[int, int]:
    lo, hi = zset.rank_window(start, end)
    if reverse and hi > lo:
        n = len(zset)
        return n - hi, n - lo
    return lo, hi


def _take(zset: SortedSet, lo: int, hi: int, reverse: bool, offset: int, limit: int) -> list[Entry]:
    """Positions lo ≤ p < hi, from the far end if ``reverse``, after LIMIT offset count
    (a negative offset gives nothing, a negative count means all, as in Redis)."""
    size = hi - lo
    if offset < 0 or offset >= size:
        return []
    take = size - offset if limit < 0 else min(limit, size - offset)
    if reverse:
        return zset.slice(hi - offset - take, hi - offset, reverse=True)
    return zset.slice(lo + offset, lo + offset + take)


def _range_reply(db: Database, args: list[bytes], kind: str | None, reverse: bool | None) -> Reply:
    query = _RangeQuery(kind, reverse, store=False, rank_limit=kind is None)
    query.parse(args)
    return flat(query.run(db, args), query.withscores)


@FAMILY.command("zrange", -4, "readonly", keys=[key_at(1, "RO access")])
def zrange(db: Database, args: list[bytes]) -> Reply:
    """Members by rank, score (BYSCORE) or lex (BYLEX); REV, LIMIT, WITHSCORES."""
    return _range_reply(db, args, None, None)


@FAMILY.command("zrevrange", -4, "readonly", keys=[key_at(1, "RO access")])
def zrevrange(db: Database, args: list[bytes]) -> Reply:
    """Members by rank from the highest score."""
    return _range_reply(db, args, RANK, True)


@FAMILY.command("zrangebyscore", -4, "readonly", keys=[key_at(1, "RO access")])
def zrangebyscore(db: Database, args: list[bytes]) -> Reply:
    """Members with scores in [min, max], lowest first; LIMIT, WITHSCORES."""
    return _range_reply(db, args, SCORE, False)


@FAMILY.command("zrevrangebyscore", -4, "readonly", keys=[key_at(1, "RO access")])
def zrevrangebyscore(db: Database, args: list[bytes]) -> Reply:
    """Members with scores in [min, max] (given as max min), highest first."""
    return _range_reply(db, args, SCORE, True)


@FAMILY.command("zrangebylex", -4, "readonly", keys=[key_at(1, "RO access")])
def zrangebylex(db: Database, args: list[bytes]) -> Reply:
    """Members in a lex range; LIMIT."""
    return _range_reply(db, args, LEX, False)


@FAMILY.command("zrevrangebylex", -4, "readonly", keys=[key_at(1, "RO access")])
def zrevrangebylex(db: Database, args: list[bytes]) -> Reply:
    """Members in a lex range (given as max min), highest first."""
    return _range_reply(db, args, LEX, True)


@FAMILY.command(
    "zrangestore", -5, "write denyoom",
    keys=[key_at(1, "OW update"), key_at(2, "RO access")],
)
def zrangestore(db: Database, args: list[bytes]) -> Reply:
    """ZRANGE into a destination key; the number of members stored."""
    query = _RangeQuery(None, None, store=True, rank_limit=True)
    query.parse(args[1:])
    return _store(db, args[0], SortedSet(query.run(db, args[1:])), b"zrangestore")


def _store(db: Database, key: bytes, result: SortedSet, event: bytes) -> Reply:
    """Store a result (an empty one deletes the key, a ``del`` event if it existed)."""
    if result:
        db.put(key, result.compact())
        _event(db, event, key)
    elif db.delete(key) and db.notify_flags:
        emit(db, GENERIC, b"del", key)
    return len(result)


# ---- removing ranges -------------------------------------------------------------------------


def _remove_window(
    db: Database, key: bytes, window: Callable[[SortedSet], tuple[int, int]], event: bytes
) -> int:
    zset = _read(db, key)
    if zset is None:
        return 0
    lo, hi = window(zset)
    removed = zset.remove_span(lo, hi)
    if removed:
        _event(db, event, key)
        db.delete_if_empty(key, zset)
    return removed


@FAMILY.command("zremrangebyrank", 4, "write", keys=[key_at(1, "RW delete")])
def zremrangebyrank(db: Database, args: list[bytes]) -> Reply:
    """Remove members by rank; the number removed."""
    start, end = parse_int(args[1]), parse_int(args[2])
    return _remove_window(db, args[0], lambda z: z.rank_window(start, end), b"zremrangebyrank")


@FAMILY.command("zremrangebyscore", 4, "write", keys=[key_at(1, "RW delete")])
def zremrangebyscore(db: Database, args: list[bytes]) -> Reply:
    """Remove members with scores in [min, max]; the number removed."""
    rng = parse_score_range(args[1], args[2])
    return _remove_window(db, args[0], lambda z: z.score_window(rng), b"zremrangebyscore")


@FAMILY.command("zremrangebylex", 4, "write", keys=[key_at(1, "RW delete")])
def zremrangebylex(db: Database, args: list[bytes]) -> Reply:
    """Remove members in a lex range; the number removed."""
    rng = parse_lex_range(args[1], args[2])
    return _remove_window(db, args[0], lambda z: z.lex_window(rng), b"zremrangebylex")


# ---- popping and sampling --------------------------------------------------------------------


def _first_zset(db: Database, keys: Sequence[bytes]) -> tuple[bytes, SortedSet] | None:
    """The first key that exists (WRONGTYPE if it is not a sorted set)."""
    for key in keys:
        value = db.lookup(key)
        if value is None:
            continue
        if type(value) is not SortedSet:
            raise WrongType()
        return key, value
    return None


def _pop(db: Database, key: bytes, zset: SortedSet, count: int, from_max: bool) -> list[Entry]:
    taken = zset.pop(count, from_max)
    if taken:
        _event(db, b"zpopmax" if from_max else b"zpopmin", key)
        db.delete_if_empty(key, zset)
    return taken


def _zpop(db: Database, args: list[bytes], from_max: bool, name: str) -> Reply:
    if len(args) > 2:
        raise CommandError(SYNTAX)  # zpopMinMaxCommand: argc > 3 is a syntax error
    count = parse_positive(args[1]) if len(args) == 2 else 1
    found = _first_zset(db, args[:1])
    if found is None or count == 0:
        return []
    return flat(_pop(db, found[0], found[1], count, from_max), True)


@FAMILY.command("zpopmin", -2, "write fast", keys=[key_at(1, "RW access delete")])
def zpopmin(db: Database, args: list[bytes]) -> Reply:
    """Remove and return the lowest-scored members (member, score, …)."""
    return _zpop(db, args, False, "zpopmin")


@FAMILY.command("zpopmax", -2, "write fast", keys=[key_at(1, "RW access delete")])
def zpopmax(db: Database, args: list[bytes]) -> Reply:
    """Remove and return the highest-scored members (member, score, …)."""
    return _zpop(db, args, True, "zpopmax")


@FAMILY.command("zmpop", -4, "write", keys=[key_count(1, "RW access delete")])
def zmpop(db: Database, args: list[bytes]) -> Reply:
    """Pop from the first non-empty of several sorted sets: [key, [[member, score]…]]."""
    numkeys = parse_numkeys(args[0])
    where = 1 + numkeys
    if where >= len(args):
        raise CommandError(SYNTAX)
    side = args[where].upper()
    if side not in (b"MIN", b"MAX"):
        raise CommandError(SYNTAX)
    count = -1
    i = where + 1
    while i < len(args):
        if count == -1 and args[i].upper() == b"COUNT" and i + 1 < len(args):
            count = parse_numkeys(args[i + 1], "ERR count should be greater than 0")
            i += 2
        else:
            raise CommandError(SYNTAX)
    found = _first_zset(db, args[1:where])
    if found is None:
        return None
    taken = _pop(db, found[0], found[1], max(count, 1), side == b"MAX")
    return [found[0], [[member, format_double(score)] for score, member in taken]]


@FAMILY.command(
    "zrandmember", -2, "readonly",
    keys=[key_at(1, "RO access")],
    tips="nondeterministic_output",
)
def zrandmember(db: Database, args: list[bytes]) -> Reply:
    """Random members: COUNT > 0 distinct, COUNT < 0 with repeats; WITHSCORES."""
    if len(args) == 1:
        zset = _read(db, args[0])
        return None if zset is None else zset.random_entry(db.rng)[1]
    count = parse_random_count(args[1])
    if len(args) > 3 or (len(args) == 3 and args[2].upper() != b"WITHSCORES"):
        raise CommandError(SYNTAX)
    withscores = len(args) == 3
    if withscores and not -(LONG_MAX // 2) <= count <= LONG_MAX // 2:
        raise CommandError("ERR value is out of range")
    zset = _read(db, args[0])
    if zset is None or count == 0:
        return []
    return flat(_random_entries(db, zset, count), withscores)


def _random_entries(db: Database, zset: SortedSet, count: int) -> list[Entry]:
    size = len(zset)
    if count < 0 or count == 1:
        return [zset.random_entry(db.rng) for _ in range(abs(count))]
    if count >= size:
        return list(zset)
    positions = db.rng.sample(range(size), count)
    if count * 3 > size:  # Redis drops random members from a copy: set order is kept
        positions.sort()
    return [zset.at(p) for p in positions]


@FAMILY.command(
    "zscan", -3, "readonly",
    keys=[key_at(1, "RO access")],
    tips="nondeterministic_output",
)
def zscan(db: Database, args: list[bytes]) -> Reply:
    """Iterate members and scores: cursor, MATCH pattern, COUNT."""
    cursor = parse_cursor(args[1])
    zset = _read(db, args[0])
    if zset is None:
        return [b"0", []]
    options = parse_scan_options(args[2:])
    next_cursor, page = collection_page(zset, cursor, options.count)
    entries = [(zset.scores[m], m) for m in page if matches(options.pattern, m)]
    return [str(next_cursor).encode(), flat(entries, True)]


# ---- union, intersection, difference ---------------------------------------------------------

UNION, INTER, DIFF = "union", "inter", "diff"
Source = SortedSet | RedisSet | None


def _size(source: Source) -> int:
    return 0 if source is None else len(source)


def _entries(source: Source) -> list[Entry]:
    if source is None:
        return []
    if isinstance(source, RedisSet):
        return [(1.0, member) for member in source]
    return list(source)


def _find(source: Source, member: bytes) -> float | None:
    if source is None:
        return None
    if isinstance(source, RedisSet):
        return 1.0 if member in source else None
    return source.score(member)


def _aggregate(target: float, value: float, how: bytes) -> float:
    if how == b"SUM":
        total = target + value
        return 0.0 if math.isnan(total) else total
    if how == b"MIN":
        return value if value < target else target
    return value if value > target else target


class _SetOp:
    """ZUNION/ZINTER/ZDIFF (and STORE, and ZINTERCARD): sources, weights, aggregate."""

    def __init__(self, op: str, name: str, store: bool, card_only: bool) -> None:
        self.op = op
        self.name = name
        self.store = store
        self.card_only = card_only
        self.withscores = False
        self.aggregate = b"SUM"
        self.limit = 0
        self.sources: list[Source] = []
        self.weights: list[float] = []

    def parse(self, db: Database, args: Sequence[bytes]) -> None:
        setnum = parse_int(args[0])
        if setnum < 1:
            raise CommandError(f"ERR at least 1 input key is needed for '{self.name}' command")
        if setnum > len(args) - 1:
            raise CommandError(SYNTAX)
        for key in args[1 : 1 + setnum]:
            value = db.lookup(key)
            if value is not None and type(value) not in (SortedSet, RedisSet):
                raise WrongType()
            self.sources.append(value)
        self.weights = [1.0] * setnum
        self._options(args[1 + setnum :], setnum)

    def _options(self, opts: Sequence[bytes], setnum: int) -> None:
        i = 0
        combining = self.op != DIFF and not self.card_only
        while i < len(opts):
            word, left = opts[i].upper(), len(opts) - i
            if combining and word == b"WEIGHTS" and left >= setnum + 1:
                raw = opts[i + 1 : i + 1 + setnum]
                self.weights = [parse_double(w, "ERR weight value is not a float") for w in raw]
                i += 1 + setnum
            elif combining and word == b"AGGREGATE" and left >= 2:
                how = opts[i + 1].upper()
                if how not in (b"SUM", b"MIN", b"MAX"):
                    raise CommandError(SYNTAX)
                self.aggregate = how
                i += 2
            elif not self.store and not self.card_only and word == b"WITHSCORES":
                self.withscores = True
                i += 1
            elif self.card_only and word == b"LIMIT" and left >= 2:
                self.limit = parse_limit(opts[i + 1])
                i += 2
            else:
                raise CommandError(SYNTAX)

    def compute(self) -> SortedSet | int:
        if self.op == DIFF:
            return self._diff()
        order = sorted(range(len(self.sources)), key=lambda j: _size(self.sources[j]))
        if self.op == INTER:
            return self._inter(order)
        return self._union(order)

    def _inter(self, order: list[int]) -> SortedSet | int:
        first, rest = order[0], order[1:]
        found: list[Entry] = []
        for score, member in _entries(self.sources[first]):
            total = score * self.weights[first]
            total = 0.0 if math.isnan(total) else total
            for j in rest:
                value = _find(self.sources[j], member)
                if value is None:
                    break
                total = _aggregate(total, value * self.weights[j], self.aggregate)
            else:
                found.append((total, member))
                if self.card_only and self.limit and len(found) >= self.limit:
                    break
        return len(found) if self.card_only else SortedSet(found)

    def _union(self, order: list[int]) -> SortedSet:
        totals: dict[bytes, float] = {}
        for j in order:
            for score, member in _entries(self.sources[j]):
                value = score * self.weights[j]
                value = 0.0 if math.isnan(value) else value
                current = totals.get(member)
                totals[member] = (
                    value if current is None else _aggregate(current, value, self.aggregate)
                )
        return SortedSet((score, member) for member, score in totals.items())

    def _diff(self) -> SortedSet:
        first, rest = self.sources[0], self.sources[1:]
        if any(other is first for other in rest if other is not None):
            return SortedSet()
        return SortedSet(
            (score, member)
            for score, member in _entries(first)
            if all(_find(other, member) is None for other in rest)
        )


def _setop(db: Database, args: list[bytes], op: str, name: str) -> Reply:
    spec = _SetOp(op, name, store=False, card_only=False)
    spec.parse(db, args)
    result = spec.compute()
    assert isinstance(result, SortedSet)
    return flat(list(result), spec.withscores)


def _setop_store(db: Database, args: list[bytes], op: str, name: str) -> Reply:
    spec = _SetOp(op, name, store=True, card_only=False)
    spec.parse(db, args[1:])
    result = spec.compute()
    assert isinstance(result, SortedSet)
    return _store(db, args[0], result, name.encode())




@FAMILY.command("zunion", -3, "readonly", keys=[key_count(1, "RO access")])
def zunion(db: Database, args: list[bytes]) -> Reply:
    """Union of sorted sets (and sets, scored 1): WEIGHTS, AGGREGATE, WITHSCORES."""
    return _setop(db, args, UNION, "zunion")


@FAMILY.command("zinter", -3, "readonly", keys=[key_count(1, "RO access")])
def zinter(db: Database, args: list[bytes]) -> Reply:
    """Intersection of sorted sets (and sets, scored 1): WEIGHTS, AGGREGATE, WITHSCORES."""
    return _setop(db, args, INTER, "zinter")


@FAMILY.command("zdiff", -3, "readonly", keys=[key_count(1, "RO access")])
def zdiff(db: Database, args: list[bytes]) -> Reply:
    """Members of the first sorted set in none of the others; WITHSCORES."""
    return _setop(db, args, DIFF, "zdiff")


@FAMILY.command(
    "zunionstore", -4, "write denyoom",
    keys=[key_at(1, "OW update"), key_count(2, "RO access")],
)
def zunionstore(db: Database, args: list[bytes]) -> Reply:
    """ZUNION into a destination key; its size."""
    return _setop_store(db, args, UNION, "zunionstore")


@FAMILY.command(
    "zinterstore", -4, "write denyoom",
    keys=[key_at(1, "OW update"), key_count(2, "RO access")],
)
def zinterstore(db: Database, args: list[bytes]) -> Reply:
    """ZINTER into a destination key; its size."""
    return _setop_store(db, args, INTER, "zinterstore")


@FAMILY.command(
    "zdiffstore", -4, "write denyoom",
    keys=[key_at(1, "OW update"), key_count(2, "RO access")],
)
def zdiffstore(db: Database, args: list[bytes]) -> Reply:
    """ZDIFF into a destination key; its size."""
    return _setop_store(db, args, DIFF, "zdiffstore")


@FAMILY.command("zintercard", -3, "readonly", keys=[key_count(1, "RO access")])
def zintercard(db: Database, args: list[bytes]) -> Reply:
    """The size of the intersection, counting up to LIMIT."""
    spec = _SetOp(INTER, "zintercard", store=False, card_only=True)
    spec.parse(db, args)
    result = spec.compute()
    assert isinstance(result, int)
    return result
