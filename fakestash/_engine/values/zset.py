"""The sorted-set value: a dict (member → score) plus a sorted index of (score, member).

As in Redis (a dict plus a skiplist), adding, removing and ranking a member cost O(log n),
and a range by rank, score or lex costs O(log n + m) for m elements returned. Members with
equal scores are ordered by their bytes (memcmp order, which is Python's ``bytes`` order).

Lex ranges assume, as Redis does, that every member has the same score; on a sorted set with
mixed scores they give what a binary search over the (score, member) order gives.

DUMP writes RDB_TYPE_ZSET_2 (binary-double scores; Redis >= 4.0 loads it), highest score
first as Redis writes it; RESTORE reads any sorted-set encoding a server emits.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable, ClassVar, Iterable, Iterator

from sortedcontainers import SortedList

from fakestash._engine import rdb
from fakestash._engine.replies import format_double
from fakestash._engine.scan_index import ScanIndex, grown
from fakestash._engine.values.memory import (
    DICT_ENTRY,
    ROBJ,
    SKIPLIST_NODE,
    ZSET,
    hashtable_size,
    jemalloc_size,
    listpack_size,
    sds_size,
)

#: Redis' zset-max-listpack-entries / zset-max-listpack-value: beyond either, a sorted set
#: is a skiplist (and stays one). Only OBJECT ENCODING and ZSCAN's paging can tell.
LISTPACK_MAX_ENTRIES = 128
LISTPACK_MAX_VALUE = 64


class _Top:
    """A value greater than every ``bytes``: the member part of a bound "after all members"."""

    __slots__ = ()

    def __lt__(self, other: object) -> bool:
        return False

    def __gt__(self, other: object) -> bool:
        return not isinstance(other, _Top)

    def __le__(self, other: object) -> bool:
        return isinstance(other, _Top)

    def __ge__(self, other: object) -> bool:
        return True


TOP = _Top()
BOTTOM = b""


@dataclass(frozen=True)
class ScoreRange:
    """``min``/``max`` with Redis' ``(`` exclusive flags."""

    min: float
    max: float
    min_exclusive: bool = False
    max_exclusive: bool = False

    def is_empty(self) -> bool:
        return self.min > self.max or (
            self.min == self.max and (self.min_exclusive or self.max_exclusive)
        )

    def above_min(self, score: float) -> bool:
        return score > self.min if self.min_exclusive else score >= self.min

    def below_max(self, score: float) -> bool:
        return score < self.max if self.max_exclusive else score <= self.max


class LexBound:
    """One end of a lex range: ``-``, ``+``, ``[member`` or ``(member``."""

    __slots__ = ("exclusive", "kind", "value")

    def __init__(self, kind: int, value: bytes = b"", exclusive: bool = False) -> None:
        self.kind = kind  # -1: minus infinity, 0: a member, 1: plus infinity
        self.value = value
        self.exclusive = exclusive

    def compare(self, member: bytes) -> int:
        """-1, 0 or 1 as this bound is below, equal to or above ``member``."""
        if self.kind:
            return self.kind
        return (self.value > member) - (self.value < member)

    def compare_bound(self, other: LexBound) -> int:
        if self.kind or other.kind:
            if self.kind == other.kind:
                return 0
            return (self.kind > other.kind) - (self.kind < other.kind)
        return (self.value > other.value) - (self.value < other.value)


@dataclass(frozen=True)
class LexRange:
    min: LexBound
    max: LexBound

    def is_empty(self) -> bool:
        cmp = self.min.compare_bound(self.max)
        return cmp > 0 or (cmp == 0 and (self.min.exclusive or self.max.exclusive))

    def above_min(self, member: bytes) -> bool:
        cmp = self.min.compare(member)
        return cmp < 0 or (cmp == 0 and not self.min.exclusive)

    def below_max(self, member: bytes) -> bool:
        cmp = self.max.compare(member)
        return cmp > 0 or (cmp == 0 and not self.max.exclusive)


Entry = tuple[float, bytes]


class SortedSet:
    """A Redis sorted set. ``scores`` maps members to scores; ``index`` keeps (score, member)
    pairs in order. Positions ("ranks") are 0-based from the lowest score."""

    type_name: ClassVar[str] = "zset"
    rdb_types: ClassVar[tuple[int, ...]] = rdb.DEFAULT_RDB_TYPES["zset"]
    __slots__ = ("index", "listpack", "scan_index", "scores")

    def __init__(self, entries: Iterable[Entry] = ()) -> None:
        self.scores: dict[bytes, float] = {}
        self.index: SortedList = SortedList()
        self.listpack = True
        self.scan_index: ScanIndex | None = None  # ZSCAN's, once the sorted set is big
        for score, member in entries:
            self.add(member, score)

    # ---- the basics ------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.scores)

    def __contains__(self, member: object) -> bool:
        return member in self.scores

    def __iter__(self) -> Iterator[Entry]:
        """(score, member) pairs from the lowest score."""
        return iter(self.index)

    def __repr__(self) -> str:
        return f"SortedSet({list(self.index)!r})"

    @property
    def encoding(self) -> str:
        """What OBJECT ENCODING says: ``listpack`` while small, then ``skiplist``."""
        return "listpack" if self.listpack else "skiplist"

    def copy(self) -> SortedSet:
        other = SortedSet()
        other.scores = dict(self.scores)
        other.index = self.index.copy()
        other.listpack = self.listpack
        other.scan_index = None if self.scan_index is None else self.scan_index.copy()
        return other

    def scan_members(self) -> Iterator[bytes]:
        """Members from the lowest score (ZSCAN's order for a sorted set it answers whole)."""
        return (member for _, member in self.index)

    def compact(self) -> SortedSet:
        """Give a freshly built result the encoding Redis would (listpack if it fits)."""
        self.listpack = len(self) <= LISTPACK_MAX_ENTRIES and all(
            len(m) <= LISTPACK_MAX_VALUE for m in self.scores
        )
        if self.listpack:
            for member in [m for m, score in self.scores.items() if score == 0]:
                self.index.remove((0.0, member))  # -0 becomes 0 in a listpack (see add)
                self.scores[member] = 0.0
                self.index.add((0.0, member))
        return self

    def score(self, member: bytes) -> float | None:
        return self.scores.get(member)

    def add(self, member: bytes, score: float) -> bool:
        """Insert or re-score ``member``; True if it was new. The caller rejects NaN."""
        old = self.scores.get(member)
        if old is not None:
            if old == score:
                return False
            self.index.remove((old, member))
        elif self.listpack and (
            len(member) > LISTPACK_MAX_VALUE or len(self.scores) >= LISTPACK_MAX_ENTRIES
        ):
            self.listpack = False
        if score == 0 and self.listpack:
            # A listpack stores the score "-0" as the integer 0 (lpStringToInt64 takes
            # it), so a small sorted set reads -0 back as 0; a skiplist keeps -0.
            score = 0.0
        self.scores[member] = score
        self.index.add((score, member))
        if old is None:
            if self.scan_index is not None:
                self.scan_index.add(member)
            else:
                self.scan_index = grown(None, len(self.scores), self.scores)
        return old is None

    def remove(self, member: bytes) -> bool:
        score = self.scores.pop(member, None)
        if score is None:
            return False
        self.index.remove((score, member))
        if self.scan_index is not None:
            self.scan_index.remove(member)
        return True

    # ---- ranks -----------------------------------------------------------------------

    def rank(self, member: bytes, reverse: bool = False) -> int | None:
        score = self.scores.get(member)
        if score is None:
            return None
        pos: int = self.index.bisect_left((score, member))
        return len(self.index) - 1 - pos if reverse else pos

    def at(self, pos: int) -> Entry:
        entry: Entry = self.index[pos]
        return entry

    def slice(self, start: int, stop: int, reverse: bool = False) -> list[Entry]:
        """Positions ``start`` ≤ p < ``stop`` (ascending positions), in the order asked."""
        if start >= stop:
            return []
        return list(self.index.islice(start, stop, reverse=reverse))

    def rank_window(self, start: int, end: int) -> tuple[int, int]:
        """Redis' index sanitising: negative from the end, clamped; (lo, hi) half-open."""
        n = len(self)
        if start < 0:
            start += n
        if end < 0:
            end += n
        start = max(start, 0)
        if start > end or start >= n:
            return 0, 0
        return start, min(end, n - 1) + 1

    # ---- score and lex windows ---------------------------------------------------------

    def score_window(self, rng: ScoreRange) -> tuple[int, int]:
        """The half-open span of positions whose scores fall in ``rng``."""
        if rng.is_empty() or not self.scores:
            return 0, 0
        index = self.index
        lo = index.bisect_left((rng.min, TOP) if rng.min_exclusive else (rng.min, BOTTOM))
        hi = index.bisect_left((rng.max, BOTTOM) if rng.max_exclusive else (rng.max, TOP))
        return lo, max(lo, hi)

    def lex_window(self, rng: LexRange, reverse: bool = False, skip: int = 0) -> tuple[int, int]:
        """The half-open span of positions whose members fall in ``rng``.

        On a set with one score throughout (what lex ranges are for) this is two binary
        searches. With mixed scores Redis' answer depends on its walk, so this copies the
        walk: from the low end (or, for ``reverse``, the high end) to the first member
        inside one bound, past ``skip`` members (a LIMIT offset, skipped unchecked), then on
        while members stay inside the other bound. A small (listpack) set is searched one by
        one as Redis does; a big one by binary search (Redis' skiplist descent differs).
        """
        if rng.is_empty() or not self.scores:
            return 0, 0
        index = self.index
        score = index[0][0]
        if score == index[-1][0]:
            lo = self._lex_position(rng.min, score, after_equal=rng.min.exclusive)
            hi = self._lex_position(rng.max, score, after_equal=not rng.max.exclusive)
            return lo, max(lo, hi)
        n = len(index)
        if not rng.above_min(index[-1][1]) or not rng.below_max(index[0][1]):
            return 0, 0
        if reverse:
            top = self._walk(rng.below_max, 0, from_top=True)
            if top == n or not rng.above_min(index[n - 1 - top][1]):
                return 0, 0
            end = self._walk_on(lambda m: not rng.above_min(m), top, skip, from_top=True)
            return n - end, n - top
        lo = self._walk(rng.above_min, 0)
        if lo == n or not rng.below_max(index[lo][1]):
            return 0, 0
        return lo, self._walk_on(lambda m: not rng.below_max(m), lo, skip)

    def _walk_on(
        self, stop: Callable[[bytes], bool], start: int, skip: int, from_top: bool = False
    ) -> int:
        """Redis' range loop: skip ``skip`` members unchecked, then go on one by one until a
        member fails; the position where it stopped (counted from that end)."""
        index = self.index
        n = len(index)
        pos = start + skip if skip > 0 else start
        while pos < n and not stop(index[n - 1 - pos if from_top else pos][1]):
            pos += 1
        return min(pos, n)

    def _walk(self, test: Callable[[bytes], bool], start: int, from_top: bool = False) -> int:
        """The first position ≥ ``start`` whose member passes ``test``, or ``len``.
        Positions count from the lowest score, or from the highest if ``from_top``."""
        index = self.index
        n = len(index)
        if self.listpack:
            pos = start
            while pos < n:
                member = index[n - 1 - pos if from_top else pos][1]
                if test(member):
                    return pos
                pos += 1
            return n
        lo, hi = start, n
        while lo < hi:
            mid = (lo + hi) // 2
            if test(index[n - 1 - mid if from_top else mid][1]):
                hi = mid
            else:
                lo = mid + 1
        return lo

    def _lex_position(self, bound: LexBound, score: float, after_equal: bool) -> int:
        if bound.kind:
            return 0 if bound.kind < 0 else len(self.index)
        if after_equal:
            return int(self.index.bisect_right((score, bound.value)))
        return int(self.index.bisect_left((score, bound.value)))

    # ---- removal by span ----------------------------------------------------------------

    def remove_span(self, lo: int, hi: int) -> int:
        """Delete positions ``lo`` ≤ p < ``hi``; the number removed."""
        if lo >= hi:
            return 0
        scan_index = self.scan_index
        for _, member in self.index.islice(lo, hi):
            del self.scores[member]
            if scan_index is not None:
                scan_index.remove(member)
        del self.index[lo:hi]
        return hi - lo

    def pop(self, count: int, from_max: bool) -> list[Entry]:
        """Remove and return up to ``count`` entries from the low or high end."""
        n = len(self)
        count = min(count, n)
        if from_max:
            taken = self.slice(n - count, n, reverse=True)
            self.remove_span(n - count, n)
        else:
            taken = self.slice(0, count)
            self.remove_span(0, count)
        return taken

    def random_entry(self, rng: random.Random) -> Entry:
        return self.at(rng.randrange(len(self)))

    # ---- the value protocol (fakestash/_engine/values/__init__.py) ---------------------------

    def memory_usage(self, samples: int) -> int:
        if self.listpack:
            return ROBJ + listpack_size(x for score, m in self for x in (m, format_double(score)))
        costs = (SKIPLIST_NODE + DICT_ENTRY + sds_size(len(m)) for _, m in self)
        skiplist = jemalloc_size(32 + 32 * 16)  # the header node holds every level
        return ROBJ + ZSET + skiplist + hashtable_size(costs, len(self), samples)

    def rdb_encode(self) -> tuple[int, bytes]:
        return rdb.encode_zset((member, score) for score, member in reversed(self.index))

    @classmethod
    def rdb_decode(cls, rdb_type: int, reader: rdb.Reader) -> SortedSet:
        return cls((score, member) for member, score in reader.zset_items(rdb_type)).compact()

    def reap(self, now_ms: int) -> bool:
        return False  # sorted-set members have no TTLs
