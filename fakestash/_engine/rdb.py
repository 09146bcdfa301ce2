"""Redis' RDB object format for DUMP and RESTORE.

A DUMP payload is ``<type byte> <RDB-encoded value> <RDB version: 2 bytes LE> <CRC64: 8
bytes LE>``, the CRC (Redis' crc64, the Jones polynomial, reflected) covering everything
before it (redis/src/cluster.c ``createDumpPayload`` / ``verifyDumpPayload``).

We *write* the simple encodings every Redis reads (RDB_TYPE_STRING, _LIST, _SET, _ZSET_2,
_HASH), and for the rest the encoding the oldest Redis that has the type reads: streams as
RDB_TYPE_STREAM_LISTPACKS_2 (``values/stream.py``), JSON as RedisJSON's module value
(``values/json.py``, framed by ``rdb_module.py``), hashes with field TTLs as
RDB_TYPE_HASH_METADATA (Redis 7.4, RDB 12). We *read* those plus the compact ones real
servers emit (ziplist, listpack, intset, zipmap, quicklist 1 and 2: ``rdb_compact.py``), so
a payload DUMPed by a real Redis restores here.

Strings are built in. Every other value type (``fakestash._engine.values``) writes itself
(``rdb_encode() -> (rdb_type, body)``) and reads itself (the classmethod
``rdb_decode(rdb_type, reader)``, for each of its ``rdb_types``); ``load`` is given the types
a server knows, by RDB object type. ``Reader`` has the primitives (``length``, ``string``,
``binary_double``…) and one helper per collection kind that understands every encoding of it
(``list_items``, ``set_members``, ``zset_items``, ``hash_items``). Any ``RdbError`` (or a
``ValueError`` from a decoder) becomes RESTORE's "ERR Bad data format".
"""

from __future__ import annotations

import struct
from typing import Any, Iterable, Mapping, Protocol

from fakestash._engine.args import is_int
from fakestash._engine.rdb_compact import (
    RdbError,
    build_listpack,
    lzf_decompress,
    parse_intset,
    parse_listpack,
    parse_ziplist,
    parse_zipmap,
)
from fakestash._errors import CommandError

__all__ = ["RdbError", "Reader", "build_listpack", "dump", "load", "make_payload", "verify"]


class Decodable(Protocol):
    """A value type RESTORE can build (``fakestash._engine.values``)."""

    @classmethod
    def rdb_decode(cls, rdb_type: int, reader: Reader) -> Any: ...

# The version we write. Redis refuses a payload whose version is above its own RDB_VERSION
# (verifyDumpPayload). Redis 7.0, the real server our CI restores into, is at 10 (7.2 is
# at 11, 7.4 and 8.x at 12), and refuses version 11: checked against redis-server 7.0.15.
# The encodings we write exist since RDB 1-8, so 10 loses nothing and every Redis >= 7.0
# (and Upstash, which serves "Redis up to 8.2") accepts it.
RDB_VERSION = 10
# The newest version we read: Redis 8.2's, what Upstash serves. Types we do not know (e.g.
# hashes with field TTLs, module values) are refused as "Bad data format".
MAX_READ_VERSION = 12

# Object types (redis/src/rdb.h).
RDB_TYPE_STRING = 0
RDB_TYPE_LIST = 1
RDB_TYPE_SET = 2
RDB_TYPE_ZSET = 3
RDB_TYPE_HASH = 4
RDB_TYPE_ZSET_2 = 5
RDB_TYPE_HASH_ZIPMAP = 9
RDB_TYPE_LIST_ZIPLIST = 10
RDB_TYPE_SET_INTSET = 11
RDB_TYPE_ZSET_ZIPLIST = 12
RDB_TYPE_HASH_ZIPLIST = 13
RDB_TYPE_LIST_QUICKLIST = 14
RDB_TYPE_STREAM_LISTPACKS = 15
RDB_TYPE_HASH_LISTPACK = 16
RDB_TYPE_ZSET_LISTPACK = 17
RDB_TYPE_LIST_QUICKLIST_2 = 18
RDB_TYPE_STREAM_LISTPACKS_2 = 19
RDB_TYPE_SET_LISTPACK = 20
RDB_TYPE_STREAM_LISTPACKS_3 = 21
# 22 and 23 are the Redis 7.4 release candidates' field-TTL hashes (…_PRE_GA): not read.
RDB_TYPE_HASH_METADATA = 24
RDB_TYPE_HASH_LISTPACK_EX = 25
RDB_TYPE_MODULE_2 = 7

#: The RDB version that introduced a type: a payload of that type is stamped with it (at
#: least), so no server that cannot read the type accepts the payload (rdb.h history).
TYPE_VERSION = {RDB_TYPE_STREAM_LISTPACKS_3: 11, RDB_TYPE_HASH_METADATA: 12,
                RDB_TYPE_HASH_LISTPACK_EX: 12}  # fmt: skip

#: The RDB types each value type is stored as, by TYPE name (what a decoder must accept).
DEFAULT_RDB_TYPES: dict[str, tuple[int, ...]] = {
    "list": (
        RDB_TYPE_LIST,
        RDB_TYPE_LIST_ZIPLIST,
        RDB_TYPE_LIST_QUICKLIST,
        RDB_TYPE_LIST_QUICKLIST_2,
    ),
    "set": (RDB_TYPE_SET, RDB_TYPE_SET_INTSET, RDB_TYPE_SET_LISTPACK),
    "zset": (RDB_TYPE_ZSET, RDB_TYPE_ZSET_2, RDB_TYPE_ZSET_ZIPLIST, RDB_TYPE_ZSET_LISTPACK),
    "hash": (
        RDB_TYPE_HASH,
        RDB_TYPE_HASH_ZIPMAP,
        RDB_TYPE_HASH_ZIPLIST,
        RDB_TYPE_HASH_LISTPACK,
        RDB_TYPE_HASH_METADATA,
        RDB_TYPE_HASH_LISTPACK_EX,
    ),
    "stream": (RDB_TYPE_STREAM_LISTPACKS, RDB_TYPE_STREAM_LISTPACKS_2, RDB_TYPE_STREAM_LISTPACKS_3),
}


# ---- CRC64 (Jones polynomial, reflected, as redis/src/crc64.c) -----------------------------


def _crc_table() -> list[int]:
    poly = 0x95AC9329AC4BC9B5  # 0xad93d23594c935a9 bit-reversed
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC_TABLE = _crc_table()


def crc64(data: bytes, crc: int = 0) -> int:
    """Redis' ``crc64(crc, data)``; ``crc64(b"123456789") == 0xe9c6d914c4b8d9ca``."""
    table = _CRC_TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc


# ---- payloads ----------------------------------------------------------------------------------


def dump(value: Any) -> bytes:
    """The DUMP payload of a stored value: ``bytes``, or a value type's ``rdb_encode()``."""
    if type(value) is bytes:
        rdb_type, body = RDB_TYPE_STRING, encode_string(value)
    else:
        encode = getattr(value, "rdb_encode", None)
        if encode is None:
            name = str(getattr(value, "type_name", type(value).__name__))
            raise CommandError(f"ERR DUMP of a '{name}' value is not supported by fakestash")
        rdb_type, body = encode()
    return make_payload(rdb_type, body, max(RDB_VERSION, TYPE_VERSION.get(rdb_type, 0)))


def make_payload(rdb_type: int, body: bytes, version: int = RDB_VERSION) -> bytes:
    """Frame an encoded object as a DUMP payload: type, body, version, CRC64."""
    head = bytes((rdb_type,)) + body + version.to_bytes(2, "little")
    return head + crc64(head).to_bytes(8, "little")


def verify(payload: bytes) -> bool:
    """Redis' ``verifyDumpPayload``: long enough, a version we read, the right CRC."""
    if len(payload) < 10:
        return False
    version = int.from_bytes(payload[-10:-8], "little")
    if version > MAX_READ_VERSION:
        return False
    return crc64(payload[:-8]) == int.from_bytes(payload[-8:], "little")


def load(payload: bytes, types: Mapping[int, Decodable] | None = None) -> Any:
    """The value a (verified) payload holds: ``bytes``, or a value of the type ``types``
    names for its RDB object type (``rdb_decode``). Raises ``RdbError`` if it does not
    decode, or if no type reads it."""
    # Redis reads the object from the whole payload, footer included: an object that runs
    # into the version and CRC bytes still loads (checked against Redis 7.0).
    reader = Reader(payload)
    rdb_type = reader.byte()
    try:
        if rdb_type == RDB_TYPE_STRING:
            return reader.string()
        kind = (types or {}).get(rdb_type)
        if kind is None:
            raise RdbError(f"unknown RDB type {rdb_type}")
        value = kind.rdb_decode(rdb_type, reader)
    except (IndexError, struct.error, UnicodeDecodeError) as exc:
        raise RdbError(str(exc)) from exc
    if not value:
        raise RdbError("empty key")  # Redis refuses empty collections (a stream may be empty)
    return value


# ---- writing ---------------------------------------------------------------------------------


def encode_length(n: int) -> bytes:
    if n < 1 << 6:
        return bytes((n,))
    if n < 1 << 14:
        return bytes((0x40 | (n >> 8), n & 0xFF))
    if n <= 0xFFFFFFFF:
        return b"\x80" + n.to_bytes(4, "big")
    return b"\x81" + n.to_bytes(8, "big")


def encode_string(value: bytes) -> bytes:
    """A string, integer-encoded when Redis would (``rdbTryIntegerEncoding``); never LZF."""
    if len(value) <= 11 and is_int(value):
        n = int(value)
        if -(1 << 7) <= n < 1 << 7:
            return b"\xc0" + n.to_bytes(1, "little", signed=True)
        if -(1 << 15) <= n < 1 << 15:
            return b"\xc1" + n.to_bytes(2, "little", signed=True)
        if -(1 << 31) <= n < 1 << 31:
            return b"\xc2" + n.to_bytes(4, "little", signed=True)
    return encode_length(len(value)) + value


def encode_list(items: Iterable[bytes]) -> tuple[int, bytes]:
    """RDB_TYPE_LIST: a length, then each element."""
    return RDB_TYPE_LIST, _encode_strings(items)


def encode_set(members: Iterable[bytes]) -> tuple[int, bytes]:
    """RDB_TYPE_SET: a length, then each member."""
    return RDB_TYPE_SET, _encode_strings(members)


def encode_zset(items: Iterable[tuple[bytes, float]]) -> tuple[int, bytes]:
    """RDB_TYPE_ZSET_2: a length, then member and score (binary double) pairs."""
    parts: list[bytes] = []
    for member, score in items:
        parts.append(encode_string(member))
        parts.append(struct.pack("<d", score))
    return RDB_TYPE_ZSET_2, encode_length(len(parts) // 2) + b"".join(parts)


def encode_hash(items: Iterable[tuple[bytes, bytes]]) -> tuple[int, bytes]:
    """RDB_TYPE_HASH: a length, then field and value pairs."""
    parts: list[bytes] = []
    for field, value in items:
        parts.append(encode_string(field))
        parts.append(encode_string(value))
    return RDB_TYPE_HASH, encode_length(len(parts) // 2) + b"".join(parts)


def encode_hash_metadata(items: Iterable[tuple[bytes, bytes, int | None]]) -> tuple[int, bytes]:
    """RDB_TYPE_HASH_METADATA (Redis 7.4+, ``rdbSaveObject``): the earliest field expiry as a
    millisecond time, a length, then per field its TTL (0: none, else ``when - min + 1``),
    field and value. ``items`` are (field, value, expiry ms or None)."""
    rows = list(items)
    when_all = [when for _, _, when in rows if when is not None]
    if not when_all:
        raise ValueError("a hash without field TTLs is RDB_TYPE_HASH")
    low = min(when_all)
    parts = [encode_ms_time(low), encode_length(len(rows))]
    for field, value, when in rows:
        parts.append(encode_length(0 if when is None else when - low + 1))
        parts.append(encode_string(field))
        parts.append(encode_string(value))
    return RDB_TYPE_HASH_METADATA, b"".join(parts)


def encode_ms_time(ms: int) -> bytes:
    """``rdbSaveMillisecondTime``: a signed 64-bit little-endian integer."""
    return ms.to_bytes(8, "little", signed=True)


def encode_u64(n: int) -> bytes:
    """A length holding a C ``uint64_t`` (``rdbSaveLen`` of a value that may be -1)."""
    return encode_length(n % (1 << 64))


def _encode_strings(items: Iterable[bytes]) -> bytes:
    parts = [encode_string(item) for item in items]
    return encode_length(len(parts)) + b"".join(parts)


# ---- reading ---------------------------------------------------------------------------------


class Reader:
    """Reads RDB-encoded data from a buffer; every overrun raises ``RdbError``."""

    def __init__(self, data: bytes, pos: int = 0) -> None:
        self.data = data
        self.pos = pos

    def read(self, n: int) -> bytes:
        end = self.pos + n
        if n < 0 or end > len(self.data):
            raise RdbError("unexpected end of payload")
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk

    def byte(self) -> int:
        return self.read(1)[0]

    def _length_or_encoding(self) -> tuple[int, bool]:
        first = self.byte()
        kind = first >> 6
        if kind == 0:
            return first & 0x3F, False
        if kind == 1:
            return ((first & 0x3F) << 8) | self.byte(), False
        if kind == 3:
            return first & 0x3F, True
        if first == 0x80:
            return int.from_bytes(self.read(4), "big"), False
        if first == 0x81:
            return int.from_bytes(self.read(8), "big"), False
        raise RdbError(f"unknown length encoding {first:#x}")

    def length(self) -> int:
        n, encoded = self._length_or_encoding()
        if encoded:
            raise RdbError("an encoded string where a length belongs")
        return n

    def string(self) -> bytes:
        """A string in any encoding: raw, 8/16/32-bit integer, or LZF-compressed."""
        n, encoded = self._length_or_encoding()
        if not encoded:
            return self.read(n)
        if n in (0, 1, 2):
            size = 1 << n
            return b"%d" % int.from_bytes(self.read(size), "little", signed=True)
        if n == 3:
            compressed_len, plain_len = self.length(), self.length()
            return lzf_decompress(self.read(compressed_len), plain_len)
        raise RdbError(f"unknown string encoding {n}")

    def binary_double(self) -> float:
        value: float = struct.unpack("<d", self.read(8))[0]
        return value

    def ms_time(self) -> int:
        """``rdbLoadMillisecondTime`` (RDB >= 9): signed 64-bit little-endian."""
        return int.from_bytes(self.read(8), "little", signed=True)

    def string_double(self) -> float:
        """The old text form of a double (RDB_TYPE_ZSET): length byte, 253-255 specials."""
        n = self.byte()
        if n == 253:
            return float("nan")
        if n == 254:
            return float("inf")
        if n == 255:
            return float("-inf")
        try:
            return float(self.read(n).decode("ascii"))
        except ValueError as exc:
            raise RdbError("bad double") from exc

    # -- collections, any encoding --

    def list_items(self, rdb_type: int) -> list[bytes]:
        if rdb_type == RDB_TYPE_LIST:
            return [self.string() for _ in range(self.length())]
        if rdb_type == RDB_TYPE_LIST_ZIPLIST:
            return _as_bytes(parse_ziplist(self.string()))
        if rdb_type == RDB_TYPE_LIST_QUICKLIST:
            nodes = [parse_ziplist(self.string()) for _ in range(self.length())]
            return [item for node in nodes for item in _as_bytes(node)]
        if rdb_type == RDB_TYPE_LIST_QUICKLIST_2:
            return self._quicklist2()
        raise RdbError(f"RDB type {rdb_type} is not a list")

    def _quicklist2(self) -> list[bytes]:
        items: list[bytes] = []
        for _ in range(self.length()):
            container = self.length()
            blob = self.string()
            if container == 1:  # QUICKLIST_NODE_CONTAINER_PLAIN: one big element
                items.append(blob)
            elif container == 2:  # PACKED: a listpack
                items.extend(_as_bytes(parse_listpack(blob)))
            else:
                raise RdbError(f"unknown quicklist container {container}")
        return items

    def set_members(self, rdb_type: int) -> list[bytes]:
        if rdb_type == RDB_TYPE_SET:
            members = [self.string() for _ in range(self.length())]
        elif rdb_type == RDB_TYPE_SET_INTSET:
            members = [b"%d" % n for n in parse_intset(self.string())]
        elif rdb_type == RDB_TYPE_SET_LISTPACK:
            members = _as_bytes(parse_listpack(self.string()))
        else:
            raise RdbError(f"RDB type {rdb_type} is not a set")
        _no_duplicates(members)
        return members

    def zset_items(self, rdb_type: int) -> list[tuple[bytes, float]]:
        if rdb_type in (RDB_TYPE_ZSET, RDB_TYPE_ZSET_2):
            read_score = self.binary_double if rdb_type == RDB_TYPE_ZSET_2 else self.string_double
            items = [(self.string(), read_score()) for _ in range(self.length())]
        elif rdb_type in (RDB_TYPE_ZSET_ZIPLIST, RDB_TYPE_ZSET_LISTPACK):
            parse = parse_ziplist if rdb_type == RDB_TYPE_ZSET_ZIPLIST else parse_listpack
            flat = _as_bytes(parse(self.string()))
            if len(flat) % 2:
                raise RdbError("odd number of sorted set entries")
            items = [(flat[i], _score(flat[i + 1])) for i in range(0, len(flat), 2)]
        else:
            raise RdbError(f"RDB type {rdb_type} is not a sorted set")
        if any(score != score for _, score in items):
            raise RdbError("NaN score")
        _no_duplicates([member for member, _ in items])
        return items

    def hash_items(self, rdb_type: int) -> list[tuple[bytes, bytes]]:
        if rdb_type == RDB_TYPE_HASH:
            items = [(self.string(), self.string()) for _ in range(self.length())]
        elif rdb_type in (RDB_TYPE_HASH_ZIPLIST, RDB_TYPE_HASH_LISTPACK):
            parse = parse_ziplist if rdb_type == RDB_TYPE_HASH_ZIPLIST else parse_listpack
            flat = _as_bytes(parse(self.string()))
            if len(flat) % 2:
                raise RdbError("odd number of hash entries")
            items = [(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]
        elif rdb_type == RDB_TYPE_HASH_ZIPMAP:
            items = parse_zipmap(self.string())
        else:
            raise RdbError(f"RDB type {rdb_type} is not a hash")
        _no_duplicates([field for field, _ in items])
        return items

    def hash_items_with_ttls(self, rdb_type: int) -> list[tuple[bytes, bytes, int | None]]:
        """Every hash encoding, field TTLs included: (field, value, expiry ms or None)."""
        if rdb_type == RDB_TYPE_HASH_METADATA:
            low = self.ms_time()
            rows = []
            for _ in range(self.length()):
                ttl, field, value = self.length(), self.string(), self.string()
                rows.append((field, value, None if ttl == 0 else low + ttl - 1))
        elif rdb_type == RDB_TYPE_HASH_LISTPACK_EX:
            self.ms_time()  # the earliest expiry: the triplets carry their own
            flat = parse_listpack(self.string())
            if len(flat) % 3:
                raise RdbError("hash listpack-ex entries are not triplets")
            rows = [_ttl_row(flat[i : i + 3]) for i in range(0, len(flat), 3)]
        else:
            return [(field, value, None) for field, value in self.hash_items(rdb_type)]
        _no_duplicates([field for field, _, _ in rows])
        return rows


def _as_bytes(entries: list[bytes | int]) -> list[bytes]:
    return [entry if isinstance(entry, bytes) else b"%d" % entry for entry in entries]


def _ttl_row(triplet: list[bytes | int]) -> tuple[bytes, bytes, int | None]:
    """A listpack-ex (field, value, ttl) triplet; a ttl of 0 is none (``HASH_LP_NO_TTL``)."""
    field, value = _as_bytes(triplet[:2])
    ttl = triplet[2]
    if not isinstance(ttl, int):
        raise RdbError("hash field TTL is not an integer")
    return field, value, ttl or None


def _score(raw: bytes) -> float:
    try:
        return float(raw)
    except ValueError as exc:
        raise RdbError("bad score") from exc


def _no_duplicates(items: list[bytes]) -> None:
    if len(set(items)) != len(items):
        raise RdbError("duplicate elements")  # Redis 7 refuses these payloads too
