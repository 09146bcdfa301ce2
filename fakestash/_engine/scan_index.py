"""The order SCAN, HSCAN, SSCAN and ZSCAN walk in, and an index that finds a page in it.

Every element has a fixed *scan position*: a 63-bit hash of its bytes (blake2b, never
Python's ``hash()``, so the order is the same in every process). An iteration returns
elements by increasing position and its cursor is the position to resume from, so an element
present for the whole iteration is returned (Redis' guarantee), whatever is added or removed
meanwhile, and the iteration needs no state on the server.

``ScanIndex`` keeps the elements of one keyspace or one big collection in buckets by the top
bits of their position (linear hashing: one bucket splits or merges at a time, keeping 2 to 8
elements a bucket), so adding or removing an element costs O(1) and a page of ``count``
elements costs O(count) (plus the sort of a few buckets), whatever the size.
"""

from __future__ import annotations

from hashlib import blake2b
from typing import Iterable

BITS = 63
END = 1 << BITS  # one past the last position
HIGH = 8  # split a bucket once there are more elements than HIGH × buckets
LOW = 2  # merge two once there are fewer than LOW × buckets

#: A hash, set or sorted set builds its ``ScanIndex`` once it holds more elements than this
#: (and keeps it); below, a page ranks every element, a bounded cost.
INDEX_THRESHOLD = 128

Page = tuple[int, list[bytes]]


def scan_position(item: bytes) -> int:
    """Where ``item`` sits in every iteration: 1 … 2**63 - 1 (0 means "done")."""
    return (int.from_bytes(blake2b(item, digest_size=8).digest(), "big") >> 1) | 1


def take_page(ranked: Iterable[tuple[int, bytes]], cursor: int, count: int) -> Page:
    """From (position, element) pairs in increasing order: the first ``count`` at or after
    ``cursor`` and the cursor to resume from (0 when none is left). Elements sharing a
    position (a hash collision) are never split between two pages, so the cursor always
    moves on."""
    out: list[bytes] = []
    last = -1
    for position, item in ranked:
        if position < cursor:
            continue
        if len(out) >= count and position != last:
            return position, out
        out.append(item)
        last = position
    return 0, out


def grown(index: ScanIndex | None, size: int, members: Iterable[bytes]) -> ScanIndex | None:
    """The index a collection that just grew to ``size`` keeps: built from ``members``
    (all of them, the new one included) when it first passes ``INDEX_THRESHOLD``."""
    if index is None and size > INDEX_THRESHOLD:
        return ScanIndex(members)
    return index


def page_of(items: Iterable[bytes], cursor: int, count: int) -> Page:
    """A page of a small collection with no index: rank every element (O(n log n))."""
    ranked = sorted((scan_position(item), item) for item in items)
    return take_page(ranked, cursor, count)


class ScanIndex:
    """Elements bucketed by scan position; see the module docstring.

    A bucket is keyed by the first position it covers. With ``level`` L and ``split`` s,
    the buckets are the ranges of the top L bits, except the first s of them, which have
    been split in two (top L+1 bits). A split keeps the lower half under the same key, so no
    key changes when L grows.
    """

    __slots__ = ("_buckets", "_level", "_size", "_split")

    def __init__(self, items: Iterable[bytes] = ()) -> None:
        self._buckets: dict[int, list[bytes]] = {}
        self._level = 0
        self._split = 0
        self._size = 0
        for item in items:
            self.add(item)

    def __len__(self) -> int:
        return self._size

    def clear(self) -> None:
        self._buckets.clear()
        self._level = self._split = self._size = 0

    def copy(self) -> ScanIndex:
        other = ScanIndex()
        other._buckets = {key: list(bucket) for key, bucket in self._buckets.items()}
        other._level, other._split, other._size = self._level, self._split, self._size
        return other

    # ---- where a position lives ----------------------------------------------------------

    def _bucket_key(self, position: int) -> int:
        shift = BITS - 1 - self._level
        half = position >> shift
        if half >> 1 >= self._split:
            half &= ~1  # an unsplit bucket: both halves live under the lower key
        return half << shift

    def _bucket_end(self, key: int) -> int:
        shift = BITS - 1 - self._level
        if (key >> shift) >> 1 < self._split:
            return key + (1 << shift)
        return key + (2 << shift)

    # ---- adding and removing -------------------------------------------------------------

    def add(self, item: bytes) -> None:
        """Index a new element (the caller knows it was not there)."""
        key = self._bucket_key(scan_position(item))
        bucket = self._buckets.get(key)
        if bucket is None:
            self._buckets[key] = [item]
        else:
            bucket.append(item)
        self._size += 1
        if self._size > HIGH * ((1 << self._level) + self._split):
            self._split_one()

    def remove(self, item: bytes) -> None:
        """Forget an element (one never added is ignored)."""
        key = self._bucket_key(scan_position(item))
        bucket = self._buckets.get(key)
        if bucket is None or item not in bucket:
            return
        bucket.remove(item)
        if not bucket:
            del self._buckets[key]
        self._size -= 1
        if self._size < LOW * ((1 << self._level) + self._split) and (self._level or self._split):
            self._merge_one()

    def _split_one(self) -> None:
        shift = BITS - 1 - self._level
        low = (2 * self._split) << shift
        bucket = self._buckets.get(low)
        if bucket is not None:
            kept: list[bytes] = []
            upper: list[bytes] = []
            for item in bucket:
                (upper if (scan_position(item) >> shift) & 1 else kept).append(item)
            if upper:
                self._buckets[low + (1 << shift)] = upper
                if kept:
                    self._buckets[low] = kept
                else:
                    del self._buckets[low]
        self._split += 1
        if self._split == 1 << self._level:
            self._level += 1
            self._split = 0

    def _merge_one(self) -> None:
        if self._split == 0:
            self._level -= 1
            self._split = 1 << self._level
        self._split -= 1
        shift = BITS - 1 - self._level
        low = (2 * self._split) << shift
        upper = self._buckets.pop(low + (1 << shift), None)
        if upper is not None:
            self._buckets.setdefault(low, []).extend(upper)

    # ---- reading -------------------------------------------------------------------------

    def page(self, cursor: int, count: int) -> Page:
        """Up to ``count`` elements from ``cursor`` on, in position order, and the cursor
        to resume from (0: done)."""
        if cursor >= END:
            return 0, []
        return take_page(self._ranked_from(cursor), cursor, count)

    def _ranked_from(self, cursor: int) -> Iterable[tuple[int, bytes]]:
        key = self._bucket_key(cursor)
        buckets = self._buckets
        while key < END:
            bucket = buckets.get(key)
            if bucket is not None:
                yield from sorted((scan_position(item), item) for item in bucket)
            key = self._bucket_end(key)
