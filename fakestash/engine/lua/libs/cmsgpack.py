"""lua-cmsgpack as Redis ships it: ``cmsgpack.pack`` / ``unpack`` / ``unpack_one`` /
``unpack_limit``. Integers use the smallest encoding, other numbers float32 when exact,
else float64; a table with keys 1..n is an array, anything else a map."""

from __future__ import annotations

import math
import struct
from typing import TYPE_CHECKING, Any

from lupa import lua51

if TYPE_CHECKING:
    from lupa.lua51 import LuaRuntime

MAX_NESTING = 16


def _int(n: int) -> bytes:
    if n >= 0:
        if n <= 127:
            return bytes([n])
        if n <= 0xFF:
            return b"\xcc" + bytes([n])
        if n <= 0xFFFF:
            return b"\xcd" + struct.pack(">H", n)
        if n <= 0xFFFFFFFF:
            return b"\xce" + struct.pack(">I", n)
        return b"\xcf" + struct.pack(">Q", n & 0xFFFFFFFFFFFFFFFF)
    if n >= -32:
        return struct.pack(">b", n)
    if n >= -128:
        return b"\xd0" + struct.pack(">b", n)
    if n >= -32768:
        return b"\xd1" + struct.pack(">h", n)
    if n >= -(2**31):
        return b"\xd2" + struct.pack(">i", n)
    return b"\xd3" + struct.pack(">q", max(n, -(2**63)))


def _number(x: float) -> bytes:
    if not math.isinf(x) and not math.isnan(x) and x == int(x) and -(2**63) <= x < 2**64:
        return _int(int(x))
    as_float = struct.unpack(">f", struct.pack(">f", x))[0] if abs(x) < 3.5e38 else None
    if as_float == x or (math.isnan(x)):
        return b"\xca" + struct.pack(">f", x)
    return b"\xcb" + struct.pack(">d", x)


def _bytes(s: bytes) -> bytes:
    n = len(s)
    if n < 32:
        head = bytes([0xA0 | n])
    elif n <= 0xFF:
        head = b"\xd9" + bytes([n])
    elif n <= 0xFFFF:
        head = b"\xda" + struct.pack(">H", n)
    else:
        head = b"\xdb" + struct.pack(">I", n)
    return head + s


def _encode(value: Any, level: int = 0) -> bytes:
    if value is None:
        return b"\xc0"
    if isinstance(value, bool):
        return b"\xc3" if value else b"\xc2"
    if isinstance(value, (int, float)):
        return _number(float(value)) if isinstance(value, float) else _int(value)
    if isinstance(value, bytes):
        return _bytes(value)
    if lua51.lua_type(value) != "table" or level >= MAX_NESTING:
        return b"\xc0"
    items = list(value.items())
    keys = [k for k, _ in items]
    count = len(items)
    is_array = all(
        isinstance(k, (int, float)) and not isinstance(k, bool) and k >= 1 and k == int(k)
        for k in keys
    ) and (max((int(k) for k in keys), default=0) == count)
    if is_array:
        head = (
            bytes([0x90 | count])
            if count < 16
            else b"\xdc" + struct.pack(">H", count)
            if count <= 0xFFFF
            else b"\xdd" + struct.pack(">I", count)
        )
        return head + b"".join(_encode(value[i], level + 1) for i in range(1, count + 1))
    head = (
        bytes([0x80 | count])
        if count < 16
        else b"\xde" + struct.pack(">H", count)
        if count <= 0xFFFF
        else b"\xdf" + struct.pack(">I", count)
    )
    return head + b"".join(_encode(k, level + 1) + _encode(v, level + 1) for k, v in items)


class _Missing(Exception):
    pass


class _Bad(Exception):
    pass


class Decoder:
    def __init__(self, data: bytes, table_from: Any) -> None:
        self.data = data
        self.pos = 0
        self.table_from = table_from

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise _Missing()
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def unpack(self, fmt: str, n: int) -> Any:
        return struct.unpack(fmt, self.take(n))[0]

    def value(self) -> Any:
        b = self.take(1)[0]
        if b <= 0x7F:
            return b
        if b >= 0xE0:
            return b - 0x100
        if 0x80 <= b <= 0x8F:
            return self.map(b & 0x0F)
        if 0x90 <= b <= 0x9F:
            return self.array(b & 0x0F)
        if 0xA0 <= b <= 0xBF:
            return self.take(b & 0x1F)
        simple: dict[int, Any] = {0xC0: None, 0xC2: False, 0xC3: True}
        if b in simple:
            return simple[b]
        ints = {
            0xCC: (">B", 1),
            0xCD: (">H", 2),
            0xCE: (">I", 4),
            0xCF: (">Q", 8),
            0xD0: (">b", 1),
            0xD1: (">h", 2),
            0xD2: (">i", 4),
            0xD3: (">q", 8),
            0xCA: (">f", 4),
            0xCB: (">d", 8),
        }
        if b in ints:
            fmt, size = ints[b]
            return self.unpack(fmt, size)
        lengths = {
            0xD9: (">B", 1),
            0xDA: (">H", 2),
            0xDB: (">I", 4),
            0xC4: (">B", 1),
            0xC5: (">H", 2),
            0xC6: (">I", 4),
        }
        if b in lengths:
            fmt, size = lengths[b]
            return self.take(self.unpack(fmt, size))
        if b == 0xDC:
            return self.array(self.unpack(">H", 2))
        if b == 0xDD:
            return self.array(self.unpack(">I", 4))
        if b == 0xDE:
            return self.map(self.unpack(">H", 2))
        if b == 0xDF:
            return self.map(self.unpack(">I", 4))
        raise _Bad()

    def array(self, n: int) -> Any:
        t = self.table_from([])
        for i in range(1, n + 1):
            t[i] = self.value()
        return t

    def map(self, n: int) -> Any:
        t = self.table_from([])
        for _ in range(n):
            key = self.value()
            val = self.value()
            if key is not None:
                t[key] = val
        return t


def functions(lua: LuaRuntime) -> dict[bytes, Any]:
    table_from = lua.table_from

    def pack(*args: Any) -> tuple[Any, ...]:
        if not args:
            return False, b"MessagePack pack needs input."
        return True, b"".join(_encode(a) for a in args)

    def unpack_full(data: Any, limit: int, offset: int) -> tuple[Any, ...]:
        if not isinstance(data, bytes):
            return False, b"bad argument #1 to 'unpack' (string expected)"
        decoder = Decoder(data, table_from)
        decoder.pos = offset
        values: list[Any] = []
        try:
            while decoder.pos < len(data) and (limit <= 0 or len(values) < limit):
                values.append(decoder.value())
        except _Missing:
            return False, b"Missing bytes in input."
        except _Bad:
            return False, b"Bad data format in input."
        if limit > 0:
            next_offset = decoder.pos if decoder.pos < len(data) else -1
            values.insert(0, next_offset)
        return True, values, len(values)

    def unpack(*args: Any) -> tuple[Any, ...]:
        return unpack_full(args[0] if args else None, 0, 0)

    def unpack_one(*args: Any) -> tuple[Any, ...]:
        offset = int(args[1]) if len(args) > 1 and args[1] is not None else 0
        return unpack_full(args[0] if args else None, 1, offset)

    def unpack_limit(*args: Any) -> tuple[Any, ...]:
        limit = int(args[1]) if len(args) > 1 and args[1] is not None else 0
        offset = int(args[2]) if len(args) > 2 and args[2] is not None else 0
        return unpack_full(args[0] if args else None, limit, offset)

    return {
        b"pack": pack,
        b"unpack": unpack,
        b"unpack_one": unpack_one,
        b"unpack_limit": unpack_limit,
    }
