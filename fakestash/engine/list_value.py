"""The list value: a deque, so pushes and pops at either end are O(1), as is indexing near
either end (CPython walks a deque from whichever end is closer)."""

from __future__ import annotations

from collections import deque
from itertools import islice
from typing import Iterable

from fakestash.engine import rdb


class ListValue(deque[bytes]):
    """A Redis list: elements from head (index 0, LEFT) to tail (index -1, RIGHT)."""

    type_name = "list"

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


# DUMP writes RDB_TYPE_LIST (a length, then each element); Redis 7.0 still loads it, and
# RESTORE reads every list encoding a real server DUMPs (ziplist, quicklist 1 and 2).
rdb.register_codec(
    "list",
    lambda value: rdb.encode_list(value),
    lambda rdb_type, reader: ListValue(reader.list_items(rdb_type)),
)
