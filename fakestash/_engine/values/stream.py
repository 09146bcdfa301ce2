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

DUMP/RESTORE (the second half of this module, after redis/src/rdb.c and t_stream.c): a
stream is written as RDB_TYPE_STREAM_LISTPACKS_2, what Redis 7.0 (RDB 10) dumps and every
later Redis restores:

- the entries as listpack "macro nodes" keyed by their master ID (16 bytes, big-endian ms
  and seq), each node opening with a master entry (live count, deleted count, the master
  fields, a 0) followed by the entries, delta-encoded against the master ID, with the
  SAMEFIELDS flag when their fields are the master's; nodes are split as ``streamAppendItem``
  splits them with the default ``stream-node-max-bytes 4096`` / ``-max-entries 100``;
- the length, last ID, first ID, maximal deleted ID and entries-added counter;
- each consumer group (by name): last ID, entries-read counter, its PEL (raw IDs, delivery
  time, delivery count), then each consumer (by name): seen time and its own PEL's IDs.

RESTORE also reads RDB_TYPE_STREAM_LISTPACKS (Redis 5-6: no first ID, tombstone or counters,
which are then derived as Redis derives them) and RDB_TYPE_STREAM_LISTPACKS_3 (Redis 7.2+:
each consumer's active time after its seen time). LISTPACKS_2 has no active time, so a
consumer restored from it is "active" when it was last seen, as Redis 7.2+ loads it; entries
deleted inside a node (tombstones) are read and skipped, and never written.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import ClassVar, Iterator

from sortedcontainers import SortedDict

from fakestash._engine import rdb
from fakestash._engine.rdb_compact import (
    RdbError,
    build_listpack,
    encode_backlen,
    listpack_entry,
    parse_listpack,
)

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

    type_name: ClassVar[str] = "stream"
    rdb_types: ClassVar[tuple[int, ...]] = rdb.DEFAULT_RDB_TYPES["stream"]

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

    # ---- the value protocol (fakestash/_engine/values/__init__.py) ---------------------------

    def memory_usage(self, samples: int) -> int:
        """An estimate: a 600-byte base, a 4 kB listpack per 100 entries, 128 bytes per
        consumer group and 64 per pending entry."""
        size = 600 + 4096 * ((len(self) + 99) // 100)
        for group in self.groups.values():
            size += 128 + 64 * len(group.pel)
        return size

    def rdb_encode(self) -> tuple[int, bytes]:
        return encode_stream(self)

    @classmethod
    def rdb_decode(cls, rdb_type: int, reader: rdb.Reader) -> StreamValue:
        return decode_stream(rdb_type, reader)

    def reap(self, now_ms: int) -> bool:
        return False  # stream entries have no TTLs of their own


# ---- the RDB form (redis/src/rdb.c, t_stream.c) ---------------------------------------------

#: Redis' defaults for ``stream-node-max-bytes`` and ``stream-node-max-entries``.
NODE_MAX_BYTES = 4096
NODE_MAX_ENTRIES = 100
#: Entry flags inside a node (t_stream.c STREAM_ITEM_FLAG_*).
FLAG_DELETED = 1
FLAG_SAMEFIELDS = 2

_U64 = 1 << 64


# ---- writing ---------------------------------------------------------------------------------


def encode_stream(value: StreamValue) -> tuple[int, bytes]:
    """The RDB_TYPE_STREAM_LISTPACKS_2 body of a stream."""
    nodes = list(_nodes(value))
    parts = [rdb.encode_length(len(nodes))]
    for master, blob in nodes:
        parts += [rdb.encode_string(raw_id(master)), rdb.encode_string(blob)]
    parts.append(rdb.encode_length(len(value)))
    for sid in (value.last_id, value.first_id, value.max_deleted_id):
        parts += [rdb.encode_u64(sid[0]), rdb.encode_u64(sid[1])]
    parts.append(rdb.encode_u64(value.entries_added))
    parts.append(rdb.encode_length(len(value.groups)))
    for name in sorted(value.groups):
        parts.append(_encode_group(value.groups[name]))
    return rdb.RDB_TYPE_STREAM_LISTPACKS_2, b"".join(parts)


def raw_id(sid: StreamId) -> bytes:
    """``streamEncodeID``: ms then seq, 64-bit big-endian each (radix-tree order)."""
    return sid[0].to_bytes(8, "big") + sid[1].to_bytes(8, "big")


def _encode_group(group: Group) -> bytes:
    parts = [rdb.encode_string(group.name)]
    parts += [rdb.encode_u64(group.last_id[0]), rdb.encode_u64(group.last_id[1])]
    parts.append(rdb.encode_u64(group.entries_read))
    parts.append(rdb.encode_length(len(group.pel)))
    for sid, nack in group.pel.items():
        parts.append(raw_id(sid) + rdb.encode_ms_time(nack.delivery_time))
        parts.append(rdb.encode_length(nack.delivery_count))
    consumers = group.sorted_consumers()
    parts.append(rdb.encode_length(len(consumers)))
    for consumer in consumers:
        parts.append(rdb.encode_string(consumer.name) + rdb.encode_ms_time(consumer.seen_time))
        parts.append(rdb.encode_length(len(consumer.pel)))
        parts += [raw_id(sid) for sid in consumer.pel]
    return b"".join(parts)


class _Node:
    """A macro node being filled, as ``streamAppendItem`` fills the tail listpack."""

    def __init__(self, master: StreamId, fields: list[bytes]) -> None:
        self.master = master
        self.fields = fields
        head: list[bytes | int] = [1, 0, len(fields), *fields, 0]
        self.items = head
        self.count = 0
        self.size = 7 + sum(_entry_size(item) for item in head)  # header, terminator

    def full_for(self, fields: list[bytes]) -> bool:
        added = sum(len(part) for part in fields)
        return self.size + added >= NODE_MAX_BYTES or self.count >= NODE_MAX_ENTRIES

    def add(self, sid: StreamId, flat: list[bytes]) -> None:
        names, values = flat[0::2], flat[1::2]
        same = names == self.fields
        entry: list[bytes | int] = [
            FLAG_SAMEFIELDS if same else 0,
            _signed(sid[0] - self.master[0]),
            _signed(sid[1] - self.master[1]),
        ]
        entry += values if same else [len(names), *flat]
        entry.append(len(names) + 3 + (0 if same else len(names) + 1))  # lp-count
        self.items += entry
        self.size += sum(_entry_size(item) for item in entry)
        self.count += 1

    def listpack(self) -> bytes:
        self.items[0] = self.count
        return build_listpack(self.items)


def _nodes(value: StreamValue) -> Iterator[tuple[StreamId, bytes]]:
    node: _Node | None = None
    for sid in value.ids:
        flat = value.entries[sid]
        if node is not None and node.full_for(flat):
            yield node.master, node.listpack()
            node = None
        if node is None:
            node = _Node(sid, flat[0::2])
        node.add(sid, flat)
    if node is not None:
        yield node.master, node.listpack()


def _entry_size(item: bytes | int) -> int:
    encoded = len(listpack_entry(item))
    return encoded + len(encode_backlen(encoded))


def _signed(n: int) -> int:
    """A uint64 difference as the int64 Redis stores (``lpAppendInteger``)."""
    n %= _U64
    return n - _U64 if n >= 1 << 63 else n


# ---- reading -----------------------------------------------------------------------------------


def decode_stream(rdb_type: int, reader: rdb.Reader) -> StreamValue:
    stream = StreamValue()
    for _ in range(reader.length()):
        master = _parse_raw_id(reader.string())
        for sid, fields in _node_entries(master, reader.string()):
            if stream.ids and sid <= stream.ids[-1]:
                raise RdbError("stream entries out of order")
            stream.ids.append(sid)
            stream.entries[sid] = fields
    if reader.length() != len(stream.ids):
        raise RdbError("stream length does not match its entries")
    stream.last_id = _read_id(reader)
    if stream.ids and stream.ids[-1] > stream.last_id:
        raise RdbError("stream entry after the last ID")
    if rdb_type == rdb.RDB_TYPE_STREAM_LISTPACKS:
        stream.first_id = stream.ids[0] if stream.ids else MIN_ID
        stream.entries_added = len(stream.ids)
    else:
        stream.first_id = _read_id(reader)
        stream.max_deleted_id = _read_id(reader)
        stream.entries_added = reader.length()
    for _ in range(reader.length()):
        group = _read_group(rdb_type, reader, stream)
        if group.name in stream.groups:
            raise RdbError("duplicate consumer group")
        stream.groups[group.name] = group
    return stream


def _read_id(reader: rdb.Reader) -> StreamId:
    return reader.length(), reader.length()


def _parse_raw_id(raw: bytes) -> StreamId:
    if len(raw) != 16:
        raise RdbError("stream ID is not 16 bytes")
    return int.from_bytes(raw[:8], "big"), int.from_bytes(raw[8:], "big")


def _node_entries(master: StreamId, blob: bytes) -> Iterator[tuple[StreamId, list[bytes]]]:
    """The live entries of one listpack node, tombstones skipped."""
    items = iter(parse_listpack(blob))
    try:
        count, deleted, width = _int(next(items)), _int(next(items)), _int(next(items))
        master_fields = [_bytes(next(items)) for _ in range(width)]
        if _int(next(items)) != 0:
            raise RdbError("stream master entry is not terminated")
        for _ in range(count + deleted):
            flags, sid, fields = _read_entry(items, master, master_fields)
            if not flags & FLAG_DELETED:
                yield sid, fields
    except StopIteration:
        raise RdbError("stream node ends inside an entry") from None
    if next(items, None) is not None:
        raise RdbError("stream node has trailing items")


def _read_entry(
    items: Iterator[bytes | int], master: StreamId, master_fields: list[bytes]
) -> tuple[int, StreamId, list[bytes]]:
    flags = _int(next(items))
    sid = ((master[0] + _int(next(items))) % _U64, (master[1] + _int(next(items))) % _U64)
    if flags & FLAG_SAMEFIELDS:
        fields: list[bytes] = []
        for name in master_fields:
            fields += [name, _bytes(next(items))]
    else:
        fields = [_bytes(next(items)) for _ in range(2 * _int(next(items)))]
    next(items)  # lp-count, for walking backwards
    return flags, sid, fields


def _int(item: bytes | int) -> int:
    if isinstance(item, int):
        return item
    try:
        return int(item)
    except ValueError:
        raise RdbError("a stream node field is not an integer") from None


def _bytes(item: bytes | int) -> bytes:
    return item if isinstance(item, bytes) else b"%d" % item


def _read_group(rdb_type: int, reader: rdb.Reader, stream: StreamValue) -> Group:
    name = reader.string()
    last_id = _read_id(reader)
    if rdb_type == rdb.RDB_TYPE_STREAM_LISTPACKS:
        entries_read = stream.estimate_distance(last_id)
    else:
        entries_read = _signed(reader.length())
    group = Group(name, last_id, entries_read)
    owners: dict[StreamId, None] = {}
    for _ in range(reader.length()):
        sid = _parse_raw_id(reader.read(16))
        if sid in group.pel:
            raise RdbError("duplicate PEL entry")
        group.pel[sid] = _Unowned(reader.ms_time(), reader.length())
    for _ in range(reader.length()):
        _read_consumer(rdb_type, reader, group, owners)
    if len(owners) != len(group.pel):
        raise RdbError("a PEL entry has no consumer")
    return group


class _Unowned:
    """A global PEL entry read before the consumer that owns it."""

    def __init__(self, delivery_time: int, delivery_count: int) -> None:
        self.delivery_time = delivery_time
        self.delivery_count = delivery_count


def _read_consumer(
    rdb_type: int, reader: rdb.Reader, group: Group, owners: dict[StreamId, None]
) -> None:
    name = reader.string()
    if name in group.consumers:
        raise RdbError("duplicate consumer")
    seen = reader.ms_time()
    active = reader.ms_time() if rdb_type == rdb.RDB_TYPE_STREAM_LISTPACKS_3 else seen
    consumer = group.consumers[name] = Consumer(name, seen, active)
    for _ in range(reader.length()):
        sid = _parse_raw_id(reader.read(16))
        found = group.pel.get(sid)
        if not isinstance(found, _Unowned) or sid in owners:
            raise RdbError("consumer PEL entry not in the group PEL")
        owners[sid] = None
        nack = Pending(consumer, found.delivery_time, found.delivery_count)
        group.pel[sid] = consumer.pel[sid] = nack
