"""Redis' RDB object format for DUMP and RESTORE, with a codec registry for value types.

A DUMP payload is ``<type byte> <RDB-encoded value> <RDB version: 2 bytes LE> <CRC64: 8
bytes LE>``, the CRC (Redis' crc64, the Jones polynomial, reflected) covering everything
before it (redis/src/cluster.c ``createDumpPayload`` / ``verifyDumpPayload``).

We *write* the simple encodings every Redis reads (RDB_TYPE_STRING, _LIST, _SET, _ZSET_2,
_HASH) and *read* those plus the compact ones real servers emit (ziplist, listpack, intset,
zipmap, quicklist 1 and 2), so a payload DUMPed by a real Redis restores here.

Strings are built in. Each collection family registers its own type::

    from fakestash.engine import rdb

    rdb.register_codec(
        "hash",
        lambda h: rdb.encode_hash(h.items()),                  # value -> (rdb_type, bytes)
        lambda rdb_type, reader: Hash(reader.hash_items(rdb_type)),  # -> value
    )

``Reader`` has the primitives (``length``, ``string``, ``binary_double``…) and one helper per
collection kind that understands every encoding of it (``list_items``, ``set_members``,
``zset_items``, ``hash_items``). Any ``RdbError`` (or a ``ValueError`` from a decoder)
becomes RESTORE's "ERR Bad data format".
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from fakestash.engine.args import is_int
from fakestash.errors import CommandError

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
    "hash": (RDB_TYPE_HASH, RDB_TYPE_HASH_ZIPMAP, RDB_TYPE_HASH_ZIPLIST, RDB_TYPE_HASH_LISTPACK),
    "stream": (RDB_TYPE_STREAM_LISTPACKS, RDB_TYPE_STREAM_LISTPACKS_2, RDB_TYPE_STREAM_LISTPACKS_3),
}


class RdbError(ValueError):
    """A payload that does not decode: RESTORE answers "ERR Bad data format"."""


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


# ---- registry --------------------------------------------------------------------------------

Encoder = Callable[[Any], "tuple[int, bytes]"]
Decoder = Callable[[int, "Reader"], Any]


@dataclass(frozen=True)
class Codec:
    type_name: str
    encode: Encoder
    decode: Decoder
    rdb_types: tuple[int, ...]


_BY_NAME: dict[str, Codec] = {}
_BY_RDB_TYPE: dict[int, Codec] = {}


def register_codec(
    type_name: str,
    encode: Encoder,
    decode: Decoder,
    rdb_types: Iterable[int] | None = None,
) -> None:
    """Teach DUMP/RESTORE a value type. ``encode(value) -> (rdb_type, body)`` where body is
    the RDB encoding after the type byte; ``decode(rdb_type, reader) -> value`` reads one
    value of any of ``rdb_types`` (default: ``DEFAULT_RDB_TYPES[type_name]``)."""
    types = tuple(rdb_types if rdb_types is not None else DEFAULT_RDB_TYPES.get(type_name, ()))
    codec = Codec(type_name, encode, decode, types)
    _BY_NAME[type_name] = codec
    for rdb_type in types:
        _BY_RDB_TYPE[rdb_type] = codec


def codec_for(type_name: str) -> Codec | None:
    return _BY_NAME.get(type_name)


def unregister_codec(type_name: str) -> None:
    """Forget a type (for tests that register a throwaway one)."""
    codec = _BY_NAME.pop(type_name, None)
    if codec is not None:
        for rdb_type in codec.rdb_types:
            if _BY_RDB_TYPE.get(rdb_type) is codec:
                del _BY_RDB_TYPE[rdb_type]


# ---- payloads ----------------------------------------------------------------------------------


def dump(value: Any) -> bytes:
    """The DUMP payload of a stored value."""
    if type(value) is bytes:
        rdb_type, body = RDB_TYPE_STRING, encode_string(value)
    else:
        name = str(getattr(value, "type_name", type(value).__name__))
        codec = _BY_NAME.get(name)
        if codec is None:
            raise CommandError(f"ERR DUMP of a '{name}' value is not supported by fakestash")
        rdb_type, body = codec.encode(value)
    return make_payload(rdb_type, body)


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


def load(payload: bytes) -> Any:
    """The value a (verified) payload holds; raises ``RdbError`` if it does not decode."""
    # Redis reads the object from the whole payload, footer included: an object that runs
    # into the version and CRC bytes still loads (checked against Redis 7.0).
    reader = Reader(payload)
    rdb_type = reader.byte()
    try:
        if rdb_type == RDB_TYPE_STRING:
            return reader.string()
        codec = _BY_RDB_TYPE.get(rdb_type)
        if codec is None:
            raise RdbError(f"unknown RDB type {rdb_type}")
        value = codec.decode(rdb_type, reader)
    except (IndexError, struct.error, UnicodeDecodeError) as exc:
        raise RdbError(str(exc)) from exc
    if not len(value):
        raise RdbError("empty key")  # Redis refuses empty collections
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


def _as_bytes(entries: list[bytes | int]) -> list[bytes]:
    return [entry if isinstance(entry, bytes) else b"%d" % entry for entry in entries]


def _score(raw: bytes) -> float:
    try:
        return float(raw)
    except ValueError as exc:
        raise RdbError("bad score") from exc


def _no_duplicates(items: list[bytes]) -> None:
    if len(set(items)) != len(items):
        raise RdbError("duplicate elements")  # Redis 7 refuses these payloads too


# ---- compact encodings -------------------------------------------------------------------------


def lzf_decompress(data: bytes, size: int) -> bytes:
    """liblzf's ``lzf_decompress``: literal runs and back references."""
    out = bytearray()
    i, n = 0, len(data)
    while i < n:
        ctrl = data[i]
        i += 1
        if ctrl < 32:
            run = ctrl + 1
            if i + run > n:
                raise RdbError("LZF literal overruns input")
            out += data[i : i + run]
            i += run
            continue
        length = ctrl >> 5
        if length == 7:
            length += _at(data, i)
            i += 1
        ref = len(out) - ((ctrl & 0x1F) << 8) - _at(data, i) - 1
        i += 1
        if ref < 0:
            raise RdbError("LZF back reference before start")
        for _ in range(length + 2):
            out.append(out[ref])
            ref += 1
    if len(out) != size:
        raise RdbError("LZF length mismatch")
    return bytes(out)


def _at(data: bytes, i: int) -> int:
    if i >= len(data):
        raise RdbError("unexpected end of compact encoding")
    return data[i]


def parse_intset(blob: bytes) -> list[int]:
    """An intset: encoding width (2/4/8), count, then little-endian signed integers."""
    if len(blob) < 8:
        raise RdbError("short intset")
    width = int.from_bytes(blob[:4], "little")
    count = int.from_bytes(blob[4:8], "little")
    if width not in (2, 4, 8) or len(blob) != 8 + width * count:
        raise RdbError("bad intset")
    return [
        int.from_bytes(blob[8 + i * width : 8 + (i + 1) * width], "little", signed=True)
        for i in range(count)
    ]


def parse_listpack(blob: bytes) -> list[bytes | int]:
    """A listpack (redis/src/listpack.c): total bytes, count, entries, 0xFF."""
    if len(blob) < 7 or int.from_bytes(blob[:4], "little") != len(blob) or blob[-1] != 0xFF:
        raise RdbError("bad listpack header")
    entries: list[bytes | int] = []
    i, end = 6, len(blob) - 1
    while i < end:
        start = i
        value, i = _listpack_entry(blob, i)
        entries.append(value)
        i += _backlen_size(i - start)
    if i != end:
        raise RdbError("listpack entries overrun")
    declared = int.from_bytes(blob[4:6], "little")
    if declared != 65535 and declared != len(entries):
        raise RdbError("listpack count mismatch")
    return entries


def _listpack_entry(blob: bytes, i: int) -> tuple[bytes | int, int]:
    """One entry's value and the index just after its data (before the back-length)."""
    b = _at(blob, i)
    if b < 0x80:  # 0xxxxxxx: 7-bit unsigned
        return b, i + 1
    if b & 0xC0 == 0x80:  # 10xxxxxx: string up to 63 bytes
        return _slice(blob, i + 1, b & 0x3F)
    if b & 0xE0 == 0xC0:  # 110xxxxx: 13-bit signed
        n = ((b & 0x1F) << 8) | _at(blob, i + 1)
        return (n - (1 << 13) if n >= 1 << 12 else n), i + 2
    if b & 0xF0 == 0xE0:  # 1110xxxx: string up to 4095 bytes
        return _slice(blob, i + 2, ((b & 0x0F) << 8) | _at(blob, i + 1))
    if b == 0xF0:  # 32-bit string length
        return _slice(blob, i + 5, int.from_bytes(_slice(blob, i + 1, 4)[0], "little"))
    widths = {0xF1: 2, 0xF2: 3, 0xF3: 4, 0xF4: 8}
    if b in widths:
        raw, after = _slice(blob, i + 1, widths[b])
        return int.from_bytes(raw, "little", signed=True), after
    raise RdbError(f"bad listpack entry {b:#x}")


def _backlen_size(entry_len: int) -> int:
    if entry_len < 128:
        return 1
    if entry_len < 16384:
        return 2
    if entry_len < 2097152:
        return 3
    if entry_len < 268435456:
        return 4
    return 5


def _slice(blob: bytes, start: int, n: int) -> tuple[bytes, int]:
    if start + n > len(blob):
        raise RdbError("compact entry overruns its blob")
    return blob[start : start + n], start + n


def parse_ziplist(blob: bytes) -> list[bytes | int]:
    """A ziplist (redis/src/ziplist.c, RDB < 10): header, entries, 0xFF."""
    if len(blob) < 11 or int.from_bytes(blob[:4], "little") != len(blob) or blob[-1] != 0xFF:
        raise RdbError("bad ziplist header")
    entries: list[bytes | int] = []
    i, end = 10, len(blob) - 1
    while i < end:
        i += 5 if blob[i] == 0xFE else 1  # previous entry length
        value, i = _ziplist_entry(blob, i)
        entries.append(value)
    if i != end:
        raise RdbError("ziplist entries overrun")
    return entries


_ZIP_INTS = {0xC0: 2, 0xD0: 4, 0xE0: 8, 0xF0: 3, 0xFE: 1}


def _ziplist_entry(blob: bytes, i: int) -> tuple[bytes | int, int]:
    b = _at(blob, i)
    kind = b >> 6
    if kind == 0:
        return _slice(blob, i + 1, b & 0x3F)
    if kind == 1:
        return _slice(blob, i + 2, ((b & 0x3F) << 8) | _at(blob, i + 1))
    if kind == 2:
        return _slice(blob, i + 5, int.from_bytes(_slice(blob, i + 1, 4)[0], "big"))
    if b in _ZIP_INTS:
        raw, after = _slice(blob, i + 1, _ZIP_INTS[b])
        return int.from_bytes(raw, "little", signed=True), after
    if 0xF1 <= b <= 0xFD:  # 4-bit immediate 0..12
        return (b & 0x0F) - 1, i + 1
    raise RdbError(f"bad ziplist entry {b:#x}")


def parse_zipmap(blob: bytes) -> list[tuple[bytes, bytes]]:
    """A zipmap (RDB_TYPE_HASH_ZIPMAP, Redis < 2.6): count byte, key/value pairs, 0xFF."""
    items: list[tuple[bytes, bytes]] = []
    i = 1
    while _at(blob, i) != 0xFF:
        key, i = _zipmap_string(blob, i, with_free=False)
        value, i = _zipmap_string(blob, i, with_free=True)
        items.append((key, value))
    return items


def _zipmap_string(blob: bytes, i: int, *, with_free: bool) -> tuple[bytes, int]:
    n = _at(blob, i)
    if n < 254:
        i += 1
    elif n == 254:
        n = int.from_bytes(_slice(blob, i + 1, 4)[0], "little")
        i += 5
    else:
        raise RdbError("bad zipmap length")
    free = 0
    if with_free:
        free = _at(blob, i)
        i += 1
    value, i = _slice(blob, i, n)
    return value, i + free
