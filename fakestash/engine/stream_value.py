"""The stream value: entries by (ms, seq) id, consumer groups, their pending entries lists.

Entries live in a list of ids (ids only grow, so XADD appends in O(1)) beside a dict from id
to the entry's flat field/value list; range starts are a bisect, O(log n). Deletions remove
the id from the list (a memmove, fast in practice). Each group keeps its PEL in a
``SortedDict`` (XPENDING, XAUTOCLAIM and history reads walk it by range), and each consumer
its own ``SortedDict`` of the same ``Pending`` records, as Redis' two radix trees share
``streamNACK``s.

The bookkeeping follows Redis 8.2 (``t_stream.c``): ``last_id``, ``max_deleted_id``,
``entries_added``, ``first_id`` ("recorded-first-entry-id"), and each group's
``entries_read``, from which the lag is derived.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Iterator

from sortedcontainers import SortedDict

StreamId = tuple[int, int]

U64_MAX = 2**64 - 1
MIN_ID: StreamId = (0, 0)
MAX_ID: StreamId = (U64_MAX, U64_MAX)

#: A group's ``entries_read`` when it is unknown (Redis' SCG_INVALID_ENTRIES_READ).
INVALID_ENTRIES_READ = -1


def format_id(sid: StreamId) -> bytes:
    return b"%d-%d" % sid


def incr_id(sid: StreamId) -> StreamId | None:
    """The next id, or None past the last possible one (``streamIncrID``)."""
    ms, seq = sid
    if seq < U64_MAX:
        return (ms, seq + 1)
    if ms < U64_MAX:
        return (ms + 1, 0)
    return None


def decr_id(sid: StreamId) -> StreamId | None:
    """The previous id, or None before 0-0 (``streamDecrID``)."""
    ms, seq = sid
    if seq > 0:
        return (ms, seq - 1)
    if ms > 0:
        return (ms - 1, U64_MAX)
    return None


@dataclass(eq=False)
class Consumer:
    name: bytes
    seen_time: int
    active_time: int = -1
    pel: SortedDict = field(default_factory=SortedDict)  # StreamId -> Pending


@dataclass(eq=False)
class Pending:
    """One pending entry (Redis' ``streamNACK``)."""

    consumer: Consumer
    delivery_time: int
    delivery_count: int = 1


@dataclass(eq=False)
class Group:
    name: bytes
    last_id: StreamId
    entries_read: int = INVALID_ENTRIES_READ
    pel: SortedDict = field(default_factory=SortedDict)  # StreamId -> Pending
    consumers: dict[bytes, Consumer] = field(default_factory=dict)

    def consumer(self, name: bytes, now_ms: int) -> Consumer:
        """The named consumer, created if missing (``streamCreateConsumer``)."""
        found = self.consumers.get(name)
        if found is None:
            found = self.consumers[name] = Consumer(name, seen_time=now_ms)
        return found

    def sorted_consumers(self) -> list[Consumer]:
        return [self.consumers[name] for name in sorted(self.consumers)]

    def remove_pending(self, sid: StreamId) -> bool:
        nack = self.pel.pop(sid, None)
        if nack is None:
            return False
        nack.consumer.pel.pop(sid, None)
        return True


class StreamValue:
    """A Redis stream. Never deleted for being empty: an empty stream is still a key."""

    type_name = "stream"

    def __init__(self) -> None:
        self.ids: list[StreamId] = []
        self.entries: dict[StreamId, list[bytes]] = {}
        self.last_id: StreamId = MIN_ID
        self.first_id: StreamId = MIN_ID
        self.max_deleted_id: StreamId = MIN_ID
        self.entries_added = 0
        self.groups: dict[bytes, Group] = {}

    def __len__(self) -> int:
        return len(self.ids)

    def __bool__(self) -> bool:
        # An empty stream is a live key (XDEL/XTRIM never delete it): never let a
        # "collections vanish when empty" check see it as falsy.
        return True

    def copy(self) -> StreamValue:
        other = StreamValue()
        other.ids = list(self.ids)
        other.entries = {sid: list(fields) for sid, fields in self.entries.items()}
        other.last_id = self.last_id
        other.first_id = self.first_id
        other.max_deleted_id = self.max_deleted_id
        other.entries_added = self.entries_added
        for name, group in self.groups.items():
            twin = Group(name, group.last_id, group.entries_read)
            for cname, consumer in group.consumers.items():
                twin.consumers[cname] = Consumer(cname, consumer.seen_time, consumer.active_time)
            for sid, nack in group.pel.items():
                owner = twin.consumers[nack.consumer.name]
                copied = Pending(owner, nack.delivery_time, nack.delivery_count)
                twin.pel[sid] = copied
                owner.pel[sid] = copied
            other.groups[name] = twin
        return other

    # ---- entries -----------------------------------------------------------------------

    def append(self, sid: StreamId, fields: list[bytes]) -> None:
        if not self.ids:
            self.first_id = sid
        self.ids.append(sid)
        self.entries[sid] = fields
        self.last_id = sid
        self.entries_added += 1

    def last_valid_id(self) -> StreamId:
        """The id of the last entry there is (``streamLastValidID``), 0-0 when empty."""
        return self.ids[-1] if self.ids else MIN_ID

    def delete(self, sid: StreamId) -> bool:
        """XDEL of one id: updates max_deleted_id and first_id as Redis does."""
        if sid not in self.entries:
            return False
        del self.entries[sid]
        index = bisect_left(self.ids, sid)
        del self.ids[index]
        if sid > self.max_deleted_id:
            self.max_deleted_id = sid
        if not self.ids:
            self.first_id = MIN_ID
        elif index == 0:
            self.first_id = self.ids[0]
        return True

    def range(
        self, start: StreamId, end: StreamId, count: int = 0, rev: bool = False
    ) -> Iterator[StreamId]:
        """Ids in [start, end], oldest first (newest first with ``rev``); 0 = no limit."""
        lo = bisect_left(self.ids, start)
        hi = bisect_right(self.ids, end)
        if lo >= hi:
            return
        indexes = range(hi - 1, lo - 1, -1) if rev else range(lo, hi)
        for n, i in enumerate(indexes):
            if count and n >= count:
                return
            yield self.ids[i]

    def trim_ids(self, maxlen: int | None, minid: StreamId | None) -> list[StreamId]:
        """The ids an exact trim would remove, oldest first."""
        if maxlen is not None:
            excess = len(self.ids) - maxlen
            return self.ids[: max(excess, 0)]
        assert minid is not None
        return self.ids[: bisect_left(self.ids, minid)]

    def remove_many(self, doomed: list[StreamId]) -> None:
        """Remove entries by trimming (max_deleted_id untouched, as ``streamTrim``)."""
        if not doomed:
            return
        gone = set(doomed)
        for sid in doomed:
            del self.entries[sid]
        if doomed == self.ids[: len(doomed)]:
            del self.ids[: len(doomed)]
        else:
            self.ids = [sid for sid in self.ids if sid not in gone]
        self.first_id = self.ids[0] if self.ids else MIN_ID

    # ---- references (Redis 8.2 KEEPREF / DELREF / ACKED) --------------------------------

    def is_referenced(self, sid: StreamId) -> bool:
        """Some group still needs the entry: it is pending there, or not delivered yet."""
        return any(sid > group.last_id or sid in group.pel for group in self.groups.values())

    def drop_references(self, sid: StreamId) -> None:
        for group in self.groups.values():
            group.remove_pending(sid)

    # ---- lag bookkeeping (Redis 8.2: streamRangeHasTombstones & co.) --------------------
    #
    # Redis 7.4 (redis/redis#13338) counts a tombstone before the first entry when the range
    # starts before it, estimates no counter for an id before the last tombstone, and gives
    # a group behind the first entry (with every tombstone behind it too) the stream's
    # length as its lag; Redis 8 (redis/redis#13958) re-estimates a group's counter when it
    # reads on from behind the first entry. fakestash follows 8.2 (version choice
    # ``stream-lag-rules`` in fakestash/deviations.py).

    def range_has_tombstones(self, start: StreamId | None) -> bool:
        """``streamRangeHasTombstones(s, start, NULL)``: the last tombstone lies at or
        after ``start``."""
        if not self.ids or self.max_deleted_id == MIN_ID:
            return False
        return (start or MIN_ID) <= self.max_deleted_id

    def estimate_distance(self, sid: StreamId) -> int:
        """``streamEstimateDistanceFromFirstEverEntry``: the entries_read counter of an id,
        or INVALID_ENTRIES_READ when it cannot be known."""
        if not self.entries_added:
            return 0
        if not self.ids and sid <= self.last_id:
            return self.entries_added
        if sid != MIN_ID and sid < self.max_deleted_id:
            return INVALID_ENTRIES_READ  # fragmented between the id and the last one
        if sid == self.last_id:
            return self.entries_added
        if sid > self.last_id:
            return INVALID_ENTRIES_READ
        if self.max_deleted_id == MIN_ID or self.max_deleted_id < self.first_id:
            if sid < self.first_id:
                return self.entries_added - len(self.ids)
            if sid == self.first_id:
                return self.entries_added - len(self.ids) + 1
        return INVALID_ENTRIES_READ

    def lag(self, group: Group) -> int | None:
        """``streamReplyWithCGLag``: entries not yet read by the group, or None (unknown)."""
        if not self.entries_added or not self.ids:
            return 0
        if group.last_id < self.first_id and self.max_deleted_id < self.first_id:
            return len(self.ids)  # the group and every tombstone are behind the first entry
        if group.entries_read != INVALID_ENTRIES_READ and not self.range_has_tombstones(
            group.last_id
        ):
            return self.entries_added - group.entries_read
        read = self.estimate_distance(group.last_id)
        if read == INVALID_ENTRIES_READ:
            return None
        return self.entries_added - read

    def advance_group(self, group: Group, sid: StreamId) -> None:
        """A group delivers ``sid`` (> its last id): move its last id and read counter."""
        if (
            group.entries_read != INVALID_ENTRIES_READ
            and group.last_id >= self.first_id
            and not self.range_has_tombstones(group.last_id)
        ):
            group.entries_read += 1
        elif self.entries_added:
            group.entries_read = self.estimate_distance(sid)
        group.last_id = sid


# DUMP/RESTORE: Redis' stream encodings (registers the codec; it needs the classes above).
from fakestash.engine import rdb_stream as _rdb_stream  # noqa: E402, F401
