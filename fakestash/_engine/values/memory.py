"""MEMORY USAGE's allocator model: bytes a key would take in Redis, after redis/src/object.c.

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
tests/engine/test_admin.py); an estimate elsewhere, as Redis' own figure is. Each value type
counts itself (``memory_usage(samples)``) with the helpers here; ``values.memory_usage`` adds
the key.
"""

from __future__ import annotations

from typing import Iterable

from fakestash._engine.args import is_int

ROBJ = 16
DICT_ENTRY = 24
DICT = 56  # dict struct (two tables)
QUICKLIST = 40
QUICKLIST_NODE = 32
SKIPLIST_NODE = 48  # a node with one level (most have one), rounded to a size class
ZSET = 16 + 32  # the zset and zskiplist structs
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


def sampled(costs: Iterable[int], count: int, samples: int) -> int:
    """Redis' estimate: the average cost of the first ``samples`` elements times ``count``."""
    total = seen = 0
    for cost in costs:
        if samples and seen >= samples:
            break
        total += cost
        seen += 1
    return int(total / seen * count) if seen else 0


def buckets(count: int) -> int:
    """The bytes of a dict's bucket array for ``count`` elements (a power of two, >= 4)."""
    size = 4
    while size < count:
        size *= 2
    return size * 8


def hashtable_size(costs: Iterable[int], count: int, samples: int) -> int:
    """A dict-encoded collection: the dict, its buckets and the sampled element costs."""
    return DICT + buckets(count) + sampled(costs, count, samples)
