"""The list value: a deque, so pushes and pops at either end are O(1), as is indexing near
either end (CPython walks a deque from whichever end is closer).

DUMP writes RDB_TYPE_LIST (a length, then each element); Redis 7.0 still loads it, and
RESTORE reads every list encoding a real server DUMPs (ziplist, quicklist 1 and 2).
"""

from __future__ import annotations

from collections import deque
from itertools import islice
from typing import ClassVar, Iterable

from fakestash._engine import rdb
from fakestash._engine.values.memory import (
    QUICKLIST,
    QUICKLIST_NODE,
    ROBJ,
    jemalloc_size,
    listpack_size,
    lp_entry_size,
)

#: A listpack node of a quicklist holds up to 8 kB (``list-max-listpack-size -2``).
LISTPACK_NODE_BYTES = 8192


class ListValue(deque[bytes]):
    """A Redis list: elements from head (index 0, LEFT) to tail (index -1, RIGHT)."""

    type_name: ClassVar[str] = "list"
    rdb_types: ClassVar[tuple[int, ...]] = rdb.DEFAULT_RDB_TYPES["list"]

    def __init__(self, items: Iterable[bytes] = ()) -> None:
        super().__init__(items)

    def copy(self) -> ListValue:
        return ListValue(self)

    def normalise(self, index: int) -> int:
        """A Redis index (negative counts from the tail) as a Python one; may be out of range."""
        return index + len(self) if index < 0 else index

    def span(self, start: int, stop: int) -> tuple[int, int]:
        """LRANGE/LTRIM's clamped [first, last] of Redis' start/stop (empty if first > last)."""
        size = len(self)
        first = max(self.normalise(start), 0)
        last = min(self.normalise(stop), size - 1)
        return first, last

    def slice(self, first: int, last: int) -> list[bytes]:
        """Elements first..last inclusive (in range), walking from the nearer end."""
        if first > last:
            return []
        size = len(self)
        if first <= size - 1 - last:
            return list(islice(self, first, last + 1))
        tail = list(islice(reversed(self), size - 1 - last, size - first))
        tail.reverse()
        return tail

    # ---- the value protocol (fakestash/_engine/values/__init__.py) ---------------------------

    def memory_usage(self, samples: int) -> int:
        """A listpack while it fits one 8 kB node (Redis 7.2+), else a quicklist of nodes."""
        nodes: list[list[bytes]] = [[]]
        used = 7
        for element in self:
            cost = lp_entry_size(element)
            if nodes[-1] and used + cost > LISTPACK_NODE_BYTES:
                nodes.append([])
                used = 7
            nodes[-1].append(element)
            used += cost
        if len(nodes) == 1:
            return ROBJ + listpack_size(nodes[0])
        size = ROBJ + jemalloc_size(QUICKLIST)
        return size + sum(QUICKLIST_NODE + listpack_size(node) for node in nodes)

    def rdb_encode(self) -> tuple[int, bytes]:
        return rdb.encode_list(self)

    @classmethod
    def rdb_decode(cls, rdb_type: int, reader: rdb.Reader) -> ListValue:
        return cls(reader.list_items(rdb_type))

    def reap(self, now_ms: int) -> bool:
        return False  # list elements have no TTLs
