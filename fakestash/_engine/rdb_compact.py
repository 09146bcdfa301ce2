"""Redis' compact blob encodings, as they appear inside RDB strings: LZF, intset, listpack
(read and written), ziplist and zipmap. Every malformed blob raises ``RdbError``."""

from __future__ import annotations

from typing import Iterable

from fakestash._engine.args import is_int


class RdbError(ValueError):
    """A payload that does not decode: RESTORE answers "ERR Bad data format"."""


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
    return len(encode_backlen(entry_len))


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


# ---- listpack: writing (redis/src/listpack.c lpAppend / lpEncodeBacklen) --------------------

#: Integer encodings a listpack picks from, smallest first: (lowest, highest, tag, width).
_LP_INTS = (
    (-(1 << 15), (1 << 15) - 1, 0xF1, 2),
    (-(1 << 23), (1 << 23) - 1, 0xF2, 3),
    (-(1 << 31), (1 << 31) - 1, 0xF3, 4),
    (-(1 << 63), (1 << 63) - 1, 0xF4, 8),
)


def build_listpack(entries: Iterable[bytes | int]) -> bytes:
    """A listpack holding ``entries``, byte for byte as Redis builds it: a string that reads
    as a 64-bit integer (``string2ll``) is stored as one, in the smallest encoding."""
    body = bytearray()
    count = 0
    for entry in entries:
        encoded = listpack_entry(entry)
        body += encoded + encode_backlen(len(encoded))
        count += 1
    total = 6 + len(body) + 1
    return (
        total.to_bytes(4, "little")
        + min(count, 65535).to_bytes(2, "little")
        + bytes(body)
        + b"\xff"
    )


def listpack_entry(entry: bytes | int) -> bytes:
    """One entry's encoding and data (without its back-length)."""
    if isinstance(entry, bytes):
        if not is_int(entry):
            return _lp_string(entry)
        entry = int(entry)
    if 0 <= entry <= 127:
        return bytes((entry,))
    if -4096 <= entry <= 4095:
        n = entry & 0x1FFF
        return bytes((0xC0 | (n >> 8), n & 0xFF))
    for low, high, tag, width in _LP_INTS:
        if low <= entry <= high:
            return bytes((tag,)) + entry.to_bytes(width, "little", signed=True)
    raise RdbError(f"integer {entry} does not fit a listpack entry")


def _lp_string(value: bytes) -> bytes:
    n = len(value)
    if n < 64:
        return bytes((0x80 | n,)) + value
    if n < 4096:
        return bytes((0xE0 | (n >> 8), n & 0xFF)) + value
    return b"\xf0" + n.to_bytes(4, "little") + value


def encode_backlen(n: int) -> bytes:
    """The entry's length, to be read right to left (``lpEncodeBacklen``, with its limits):
    the first byte holds the highest bits, the others 7 bits each with the high bit set."""
    if n <= 127:
        return bytes((n,))
    size = 2 if n < 16383 else 3 if n < 2097151 else 4 if n < 268435455 else 5
    shifts = range(7 * (size - 1), -1, -7)
    return bytes((n >> s) & 127 | (128 if s < 7 * (size - 1) else 0) for s in shifts)
