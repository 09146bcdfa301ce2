"""MEMORY USAGE's estimate: bytes a key would take in Redis, after redis/src/object.c.

The figure is ``key + dict entry + value``, each allocation rounded up to jemalloc's size
classes, as Redis' ``objectComputeSize`` counts them:

- key: an sds string (header 1/3/5/9 bytes by length, the bytes, a NUL), plus a 24-byte
  dict entry;
- string: an integer (``string2ll``) is a bare 16-byte object; up to 44 bytes an "embstr"
  (object, sds header and bytes in one allocation); longer, the object plus an sds;
- hash, set, sorted set: a listpack while small (the encoding fakestash tracks), measured
  entry by entry; else a hash table (or skiplist) whose per-element cost is averaged over
  the first ``samples`` elements (5 by default, 0 = all) and multiplied by the size;
- list: one listpack while it fits 8 kB (Redis 7.2+), else a quicklist of 8 kB listpacks;
- stream: a fixed 600-byte base plus a 4 kB listpack per 100 entries, 128 bytes per consumer
  group and 64 per pending entry; JSON: the object plus its serialised text (RedisJSON's own
  accounting is not modelled).

Exact for strings, small hashes/sets/sorted sets and short lists against Redis 7 (see
tests/engine/test_admin.py); an estimate elsewhere, as Redis' own figure is.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

from fakestash.engine.args import is_int
from fakestash.engine.commands.sets import RedisSet
from fakestash.engine.hash_value import HashValue
from fakestash.engine.json_value import JsonValue
from fakestash.engine.list_value import ListValue
from fakestash.engine.replies import format_double
from fakestash.engine.sorted_set import SortedSet
from fakestash.engine.stream_value import StreamValue

ROBJ = 16
DICT_ENTRY = 24
DICT = 56  # dict struct (two tables)
QUICKLIST = 40
QUICKLIST_NODE = 32
SKIPLIST_NODE = 48  # a node with one level (most have one), rounded to a size class
ZSET = 16 + 32  # the zset and zskiplist structs
LISTPACK_NODE_BYTES = 8192
DEFAULT_SAMPLES = 5


def jemalloc_size(n: int) -> int:
    """The usable size jemalloc gives a request of ``n`` bytes (x86-64 size classes)."""
    if n <= 8:
        return 8
    if n <= 128:
        return (n + 15) // 16 * 16
    step = 1 << ((n - 1).bit_length() - 3)  # four classes per doubling
    return (n + step - 1) // step * step


def sds_size(length: int) -> int:
    """An sds string's allocation: the smallest header that holds ``length``, bytes, NUL."""
    if length < 32:
        header = 1
    elif length < 256:
        header = 3
    elif length < 65536:
        header = 5
    else:
        header = 9
    return jemalloc_size(header + length + 1)


def string_size(value: bytes) -> int:
    if is_int(value):
        return ROBJ
    if len(value) <= 44:
        return jemalloc_size(ROBJ + 3 + len(value) + 1)
    return ROBJ + sds_size(len(value))


def lp_entry_size(element: bytes) -> int:
    """One listpack entry: encoding, data and back-length, as lpInsert writes it."""
    if is_int(element):
        v = int(element)
        if 0 <= v <= 127:
            body = 1
        elif -4096 <= v <= 4095:
            body = 2
        elif -(2**15) <= v < 2**15:
            body = 3
        elif -(2**23) <= v < 2**23:
            body = 4
        elif -(2**31) <= v < 2**31:
            body = 5
        else:
            body = 9
    else:
        n = len(element)
        body = n + (1 if n < 64 else 2 if n < 4096 else 5)
    return body + (1 if body < 128 else 2 if body < 16384 else 3 if body < 2097152 else 4)


def listpack_size(elements: Iterable[bytes]) -> int:
    return jemalloc_size(6 + sum(lp_entry_size(e) for e in elements) + 1)


def _sampled(costs: Iterable[int], count: int, samples: int) -> int:
    """Redis' estimate: the average cost of the first ``samples`` elements times ``count``."""
    total = seen = 0
    for cost in costs:
        if samples and seen >= samples:
            break
        total += cost
        seen += 1
    return int(total / seen * count) if seen else 0


def _buckets(count: int) -> int:
    size = 4
    while size < count:
        size *= 2
    return size * 8


def value_size(value: Any, samples: int) -> int:
    """The bytes of a stored value (``samples``: 0 means every element)."""
    if isinstance(value, bytes):
        return string_size(value)
    if isinstance(value, HashValue):
        return _hash_size(value, samples)
    if isinstance(value, RedisSet):
        return _set_size(value, samples)
    if isinstance(value, SortedSet):
        return _zset_size(value, samples)
    if isinstance(value, ListValue):
        return _list_size(value)
    if isinstance(value, StreamValue):
        return _stream_size(value)
    if isinstance(value, JsonValue):
        text = json.dumps(value.data, separators=(",", ":"), ensure_ascii=False)
        return ROBJ + sds_size(len(text.encode()))
    return ROBJ


def _hash_size(value: HashValue, samples: int) -> int:
    if value.is_listpack:
        return ROBJ + listpack_size(x for pair in value.fields.items() for x in pair)
    costs = (DICT_ENTRY + sds_size(len(f)) + sds_size(len(v)) for f, v in value.fields.items())
    count = len(value)
    return ROBJ + DICT + _buckets(count) + _sampled(costs, count, samples)


def _set_size(value: RedisSet, samples: int) -> int:
    members = list(value)
    if value.encoding == "intset":
        width = max((_int_width(int(m)) for m in members), default=2)
        return ROBJ + jemalloc_size(8 + width * len(members))
    if value.encoding == "listpack":
        return ROBJ + listpack_size(members)
    costs = (DICT_ENTRY + sds_size(len(m)) for m in members)
    return ROBJ + DICT + _buckets(len(members)) + _sampled(costs, len(members), samples)


def _int_width(v: int) -> int:
    return 2 if -(2**15) <= v < 2**15 else 4 if -(2**31) <= v < 2**31 else 8


def _zset_size(value: SortedSet, samples: int) -> int:
    if value.listpack:
        return ROBJ + listpack_size(x for score, m in value for x in (m, format_double(score)))
    costs = (SKIPLIST_NODE + DICT_ENTRY + sds_size(len(m)) for _, m in value)
    count = len(value)
    skiplist = jemalloc_size(32 + 32 * 16)  # the header node holds every level
    return ROBJ + ZSET + DICT + _buckets(count) + skiplist + _sampled(costs, count, samples)


def _list_size(value: ListValue) -> int:
    """A listpack while it fits one 8 kB node (Redis 7.2+), else a quicklist of nodes."""
    nodes: list[list[bytes]] = [[]]
    used = 7
    for element in value:
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


def _stream_size(value: StreamValue) -> int:
    nodes = (len(value) + 99) // 100
    size = 600 + 4096 * nodes
    for group in value.groups.values():
        size += 128 + 64 * len(group.pel)
    return size


def usage(key: bytes, value: Any, samples: int) -> int:
    """MEMORY USAGE of ``key`` holding ``value``."""
    return sds_size(len(key)) + DICT_ENTRY + value_size(value, samples)
