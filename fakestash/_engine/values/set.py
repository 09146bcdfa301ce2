"""The set value, ordered without Python's ``hash()``.

Member order in replies follows what Redis 7.2+ (and so Upstash) gives for small sets, and
stays deterministic for big ones:

* a set of integers only (at most 512, Redis' intset) replies in numeric order;
* otherwise members come in insertion order (Redis' listpack order for sets of at most 128
  members of at most 64 bytes; for bigger sets Redis' order is its hash table's, which no
  one can rely on, and fakestash keeps insertion order). When an integer set turns into a
  general one, its members keep their numeric order and new ones follow, as in Redis.

DUMP writes RDB_TYPE_SET (what every Redis since 1.0 loads); RESTORE reads any set encoding a
real server emits (plain, intset, listpack).
"""

from __future__ import annotations

import random
from typing import ClassVar, Iterator, Sequence

from fakestash._engine import rdb
from fakestash._engine.args import is_int
from fakestash._engine.scan_index import ScanIndex, grown
from fakestash._engine.values.memory import (
    DICT_ENTRY,
    ROBJ,
    hashtable_size,
    jemalloc_size,
    listpack_size,
    sds_size,
)

INTSET_MAX_ENTRIES = 512  # set-max-intset-entries
LISTPACK_MAX_ENTRIES = 128  # set-max-listpack-entries
LISTPACK_MAX_VALUE = 64  # set-max-listpack-value


class RedisSet:
    """A set of byte strings with O(1) add, remove, membership and random pick.

    Members sit in a list (in insertion order, with holes where members were removed, closed
    up now and then) and a dict gives each member's slot. ``encoding`` mirrors the one Redis
    would report (intset, listpack, hashtable); it decides the reply order and SSCAN paging.
    """

    type_name: ClassVar[str] = "set"
    rdb_types: ClassVar[tuple[int, ...]] = rdb.DEFAULT_RDB_TYPES["set"]
    __slots__ = ("_holes", "_items", "_slot", "encoding", "scan_index")

    def __init__(self, members: Sequence[bytes] = ()) -> None:
        self._items: list[bytes | None] = []
        self._slot: dict[bytes, int] = {}
        self._holes = 0
        self.encoding = "intset"
        self.scan_index: ScanIndex | None = None  # SSCAN's, once the set is big
        for member in members:
            self.add(member)

    def __len__(self) -> int:
        return len(self._slot)

    def __contains__(self, member: object) -> bool:
        return member in self._slot

    def __iter__(self) -> Iterator[bytes]:
        """Members in reply order (see the module docstring)."""
        if self.encoding == "intset":
            return iter(sorted(self._slot, key=int))
        return (m for m in self._items if m is not None)

    def __repr__(self) -> str:
        return f"RedisSet({list(self)!r})"

    def members(self) -> list[bytes]:
        return list(self)

    def scan_members(self) -> Iterator[bytes]:
        return iter(self)

    def copy(self) -> RedisSet:
        other = RedisSet()
        other._items = [m for m in self._items if m is not None]
        other._slot = {m: i for i, m in enumerate(other._items) if m is not None}
        other.encoding = self.encoding
        other.scan_index = None if self.scan_index is None else self.scan_index.copy()
        return other

    def add(self, member: bytes) -> bool:
        if member in self._slot:
            return False
        if self.encoding == "intset":
            if not is_int(member) or len(self._slot) >= INTSET_MAX_ENTRIES:
                self._leave_intset(member)
        elif self.encoding == "listpack" and (
            len(self._slot) >= LISTPACK_MAX_ENTRIES or len(member) > LISTPACK_MAX_VALUE
        ):
            self.encoding = "hashtable"
        self._slot[member] = len(self._items)
        self._items.append(member)
        if self.scan_index is not None:
            self.scan_index.add(member)
        else:
            self.scan_index = grown(None, len(self._slot), self._slot)
        return True

    def _leave_intset(self, member: bytes) -> None:
        """An intset becomes a general set with its members in numeric order."""
        fits = len(self._slot) < LISTPACK_MAX_ENTRIES and len(member) <= LISTPACK_MAX_VALUE
        self.encoding = "listpack" if fits and not is_int(member) else "hashtable"
        members = sorted(self._slot, key=int)
        self._items = list[bytes | None](members)
        self._slot = {m: i for i, m in enumerate(members)}
        self._holes = 0

    def remove(self, member: bytes) -> bool:
        slot = self._slot.pop(member, None)
        if slot is None:
            return False
        self._items[slot] = None
        self._holes += 1
        if self.scan_index is not None:
            self.scan_index.remove(member)
        if self._holes > 32 and self._holes > len(self._slot):
            self._close_holes()
        return True

    def _close_holes(self) -> None:
        self._items = [m for m in self._items if m is not None]
        self._slot = {m: i for i, m in enumerate(self._items) if m is not None}
        self._holes = 0

    def random_member(self, rng: random.Random) -> bytes:
        """A uniformly random member (the set must not be empty). Expected O(1)."""
        items = self._items
        while True:
            member = items[rng.randrange(len(items))]
            if member is not None:
                return member

    def random_distinct(self, rng: random.Random, count: int) -> list[bytes]:
        """``count`` (< len) distinct random members, as SRANDMEMBER with a positive count."""
        if count * 3 > len(self):
            # Redis drops random members from a copy and replies with what is left, in
            # set order.
            dropped = set(rng.sample(range(len(self)), len(self) - count))
            return [m for i, m in enumerate(self) if i not in dropped]
        picked: dict[bytes, None] = {}
        while len(picked) < count:
            picked[self.random_member(rng)] = None
        return list(picked)

    # ---- the value protocol (fakestash/_engine/values/__init__.py) ---------------------------

    def memory_usage(self, samples: int) -> int:
        members = list(self)
        if self.encoding == "intset":
            width = max((_int_width(int(m)) for m in members), default=2)
            return ROBJ + jemalloc_size(8 + width * len(members))
        if self.encoding == "listpack":
            return ROBJ + listpack_size(members)
        costs = (DICT_ENTRY + sds_size(len(m)) for m in members)
        return ROBJ + hashtable_size(costs, len(members), samples)

    def rdb_encode(self) -> tuple[int, bytes]:
        return rdb.encode_set(self)

    @classmethod
    def rdb_decode(cls, rdb_type: int, reader: rdb.Reader) -> RedisSet:
        return cls(reader.set_members(rdb_type))

    def reap(self, now_ms: int) -> bool:
        return False  # set members have no TTLs


def _int_width(v: int) -> int:
    return 2 if -(2**15) <= v < 2**15 else 4 if -(2**31) <= v < 2**31 else 8
