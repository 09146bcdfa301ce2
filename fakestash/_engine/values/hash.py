"""The hash value: fields in Redis' listpack order, with optional per-field expiry (HFE).

Order is what a small Redis hash (listpack encoding) shows: fields in insertion order, an
overwritten field keeps its place, a deleted and re-added one goes to the end. Once fields
have TTLs Redis keeps them first, ordered by expiry time (a newly timed field goes before
others with the same time), and a field that loses its TTL moves to the end. Big Redis
hashes (hashtable encoding) have no stable order at all; we keep this one for every size.

Expired fields are removed by ``reap`` (the keyspace calls it on every lookup once any field
TTL exists in the database), so no command ever sees one.

DUMP writes RDB_TYPE_HASH (field/value pairs, which every Redis >= 7.0 reads), or, once a
field has a TTL, RDB_TYPE_HASH_METADATA at RDB version 12 (Redis 7.4+); RESTORE reads every
hash encoding (fakestash/_engine/rdb.py).
"""

from __future__ import annotations

from itertools import chain
from typing import ClassVar, Iterator

from fakestash._engine import rdb
from fakestash._engine.scan_index import ScanIndex, grown
from fakestash._engine.values.memory import (
    DICT_ENTRY,
    ROBJ,
    hashtable_size,
    listpack_size,
    sds_size,
)

#: Redis converts a listpack hash to a hashtable past these (hash-max-listpack-*). The
#: conversion is one-way; HSCAN answers a listpack hash whole, in one call.
LISTPACK_MAX_ENTRIES = 128
LISTPACK_MAX_VALUE = 64


class HashValue:
    """A Redis hash: ``fields`` maps field to value; ``ttls`` maps field to (when_ms, seq)."""

    type_name: ClassVar[str] = "hash"
    rdb_types: ClassVar[tuple[int, ...]] = rdb.DEFAULT_RDB_TYPES["hash"]
    __slots__ = ("_next_expiry", "_seq", "fields", "is_listpack", "scan_index", "ttls")

    def __init__(self) -> None:
        self.fields: dict[bytes, bytes] = {}
        self.ttls: dict[bytes, tuple[int, int]] = {}
        self._seq = 0
        self._next_expiry: int | None = None  # a lower bound of the earliest TTL
        self.is_listpack = True
        self.scan_index: ScanIndex | None = None  # HSCAN's, once the hash is big

    def __len__(self) -> int:
        return len(self.fields)

    def __bool__(self) -> bool:
        return bool(self.fields)

    def copy(self) -> HashValue:
        other = HashValue()
        other.fields = dict(self.fields)
        other.ttls = dict(self.ttls)
        other._seq = self._seq
        other._next_expiry = self._next_expiry
        other.is_listpack = self.is_listpack
        other.scan_index = None if self.scan_index is None else self.scan_index.copy()
        return other

    # ---- reading ---------------------------------------------------------------------

    def get(self, field: bytes) -> bytes | None:
        return self.fields.get(field)

    def __contains__(self, field: object) -> bool:
        return field in self.fields

    def order(self) -> Iterator[bytes]:
        """Every field, in the order HGETALL shows them."""
        if not self.ttls:
            return iter(self.fields)
        ttls = self.ttls
        timed = sorted(ttls, key=lambda f: (ttls[f][0], -ttls[f][1]))
        return chain(timed, (f for f in self.fields if f not in ttls))

    def scan_members(self) -> Iterator[bytes]:
        return self.order()

    def items(self) -> Iterator[tuple[bytes, bytes]]:
        fields = self.fields
        return ((f, fields[f]) for f in self.order())

    def expiry(self, field: bytes) -> int | None:
        """The field's expiry time in ms, or None if it has none."""
        entry = self.ttls.get(field)
        return None if entry is None else entry[0]

    # ---- writing ---------------------------------------------------------------------

    def set(self, field: bytes, value: bytes, *, keep_ttl: bool = False) -> bool:
        """Store a field; True if it is new. Overwriting drops its TTL unless ``keep_ttl``."""
        fields = self.fields
        is_new = field not in fields
        if not keep_ttl and not is_new and field in self.ttls:
            del self.ttls[field]
            del fields[field]  # a field losing its TTL moves to the end, as in Redis
        fields[field] = value
        if is_new:
            if self.scan_index is not None:
                self.scan_index.add(field)
            else:
                self.scan_index = grown(None, len(fields), fields)
        if self.is_listpack and (
            len(value) > LISTPACK_MAX_VALUE
            or len(field) > LISTPACK_MAX_VALUE
            or len(fields) > LISTPACK_MAX_ENTRIES
        ):
            self.is_listpack = False
        return is_new

    def delete(self, field: bytes) -> bool:
        if self.fields.pop(field, None) is None:
            return False
        self.ttls.pop(field, None)
        if self.scan_index is not None:
            self.scan_index.remove(field)
        return True

    def set_expiry(self, field: bytes, when_ms: int) -> None:
        self._seq += 1
        self.ttls[field] = (when_ms, self._seq)
        if self._next_expiry is None or when_ms < self._next_expiry:
            self._next_expiry = when_ms

    def persist(self, field: bytes) -> bool:
        """Drop the field's TTL (it moves to the end); False if it had none."""
        if self.ttls.pop(field, None) is None:
            return False
        self.fields[field] = self.fields.pop(field)
        return True

    def reap(self, now_ms: int) -> bool:
        """Remove fields whose time has passed (``when < now``); True if any went."""
        if self._next_expiry is None or self._next_expiry >= now_ms:
            return False
        expired = [f for f, (when, _) in self.ttls.items() if when < now_ms]
        for field in expired:
            del self.ttls[field]
            del self.fields[field]
            if self.scan_index is not None:
                self.scan_index.remove(field)
        self._next_expiry = min((when for when, _ in self.ttls.values()), default=None)
        return bool(expired)

    # ---- the value protocol (fakestash/_engine/values/__init__.py) ---------------------------

    def memory_usage(self, samples: int) -> int:
        if self.is_listpack:
            return ROBJ + listpack_size(x for pair in self.fields.items() for x in pair)
        fields = self.fields.items()
        costs = (DICT_ENTRY + sds_size(len(f)) + sds_size(len(v)) for f, v in fields)
        return ROBJ + hashtable_size(costs, len(self), samples)

    def rdb_encode(self) -> tuple[int, bytes]:
        if not self.ttls:
            return rdb.encode_hash(self.items())
        return rdb.encode_hash_metadata((f, v, self.expiry(f)) for f, v in self.items())

    @classmethod
    def rdb_decode(cls, rdb_type: int, reader: rdb.Reader) -> HashValue:
        value = cls()
        timed = []
        for field, item, when in reader.hash_items_with_ttls(rdb_type):
            value.set(field, item)
            if when is not None:
                timed.append((field, when))
        for field, when in reversed(timed):  # equal times: the later set goes first
            value.set_expiry(field, when)
        return value
