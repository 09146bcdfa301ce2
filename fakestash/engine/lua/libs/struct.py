"""Roberto Ierusalimschy's ``struct`` library as Redis ships it: ``pack``, ``unpack``,
``size`` with formats ``< > = !n x b B h H l L T i[n] I[n] f d s c[n]``."""

from __future__ import annotations

import struct as pystruct
from typing import TYPE_CHECKING, Any, Iterator

if TYPE_CHECKING:
    from lupa.lua51 import LuaRuntime

_SIZES = {"b": 1, "B": 1, "h": 2, "H": 2, "l": 8, "L": 8, "T": 8, "i": 4, "I": 4}
MAXINTSIZE = 32


class StructError(Exception):
    pass


def _items(fmt: str) -> Iterator[tuple[str, int]]:
    """(option, size) pairs; endianness/alignment come through as ('<', 0) etc."""
    i = 0
    while i < len(fmt):
        opt = fmt[i]
        i += 1
        digits = ""
        while i < len(fmt) and fmt[i].isdigit():
            digits += fmt[i]
            i += 1
        if opt in "iI":
            size = int(digits) if digits else 4
            if size > MAXINTSIZE:
                raise StructError(f"integral size {size} is larger than limit of {MAXINTSIZE}")
            yield opt, size
        elif opt in _SIZES:
            yield opt, _SIZES[opt]
        elif opt == "c":
            yield opt, int(digits) if digits else 1
        elif opt == "!":
            yield opt, int(digits) if digits else 8
        elif opt in "<>=xfds ":
            yield opt, {"f": 4, "d": 8, "x": 1}.get(opt, 0)
        else:
            raise StructError(f"invalid format option '{opt}'")


def _align(pos: int, size: int, maxalign: int) -> int:
    align = min(size, maxalign)
    if align <= 1 or align & (align - 1):
        return 0
    return (align - pos % align) % align


def pack(fmt: str, args: list[Any]) -> bytes:
    out = bytearray()
    little = True
    maxalign = 1
    index = 0
    for opt, size in _items(fmt):
        if opt in "<>=":
            little = opt != ">"
            continue
        if opt == "!":
            maxalign = size
            continue
        if opt == " ":
            continue
        if opt in _SIZES or opt in "iIfd":
            out += b"\0" * _align(len(out), size, maxalign)
        if opt == "x":
            out += b"\0"
            continue
        if index >= len(args):
            raise StructError(
                f"bad argument #{index + 2} to 'pack' (number expected, got no value)"
            )
        value = args[index]
        index += 1
        if opt in _SIZES or opt in "iI":
            number = _number(value, index + 1)
            n = int(number) & ((1 << (8 * size)) - 1)
            out += n.to_bytes(size, "little" if little else "big")
        elif opt in "fd":
            out += pystruct.pack(("<" if little else ">") + opt, _number(value, index + 1))
        elif opt == "s":
            out += _string(value, index + 1) + b"\0"
        elif opt == "c":
            data = _string(value, index + 1)
            if size == 0:
                size = len(data)
            if len(data) < size:
                raise StructError(f"bad argument #{index + 1} to 'pack' (string too short)")
            out += data[:size]
    return bytes(out)


def unpack(fmt: str, data: bytes, pos: int) -> list[Any]:
    values: list[Any] = []
    little = True
    maxalign = 1
    for opt, size in _items(fmt):
        if opt in "<>=":
            little = opt != ">"
            continue
        if opt == "!":
            maxalign = size
            continue
        if opt == " ":
            continue
        if opt in _SIZES or opt in "iIfd":
            pos += _align(pos, size, maxalign)
        if opt == "s":
            end = data.find(b"\0", pos)
            if end < 0:
                raise StructError("bad argument #2 to 'unpack' (unfinished string in data)")
            values.append(data[pos:end])
            pos = end + 1
            continue
        if opt == "c" and size == 0:
            if not values or not isinstance(values[-1], (int, float)):
                raise StructError("bad argument #1 to 'unpack' (format 'c0' needs a previous size)")
            size = int(values.pop())
        if pos + size > len(data):
            raise StructError("bad argument #2 to 'unpack' (data string too short)")
        chunk = data[pos : pos + size]
        pos += size
        if opt == "x":
            continue
        if opt in _SIZES or opt in "iI":
            signed = opt.islower()
            number = int.from_bytes(chunk, "little" if little else "big", signed=signed)
            values.append(float(number) if abs(number) >= 2**53 else number)
        elif opt in "fd":
            values.append(pystruct.unpack(("<" if little else ">") + opt, chunk)[0])
        else:
            values.append(chunk)
    values.append(pos + 1)
    return values


def size(fmt: str) -> int:
    total = 0
    maxalign = 1
    for opt, n in _items(fmt):
        if opt == "!":
            maxalign = n
        elif opt in "sc" and (opt == "s" or n == 0):
            raise StructError("bad argument #1 to 'size' (options 'c0' - 's' need a size)")
        elif opt not in "<>= ":
            if opt in _SIZES or opt in "iIfd":
                total += _align(total, n, maxalign)
            total += n
    return total


def _number(value: Any, index: int) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, bytes):
        try:
            return float(value)
        except ValueError:
            pass
    raise StructError(f"bad argument #{index} to 'pack' (number expected, got string)")


def _string(value: Any, index: int) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:.14g}".encode()
    raise StructError(f"bad argument #{index} to 'pack' (string expected)")


def functions(lua: LuaRuntime) -> dict[bytes, Any]:
    def _fmt(value: Any, name: str) -> str:
        if not isinstance(value, bytes):
            raise StructError(f"bad argument #1 to '{name}' (string expected)")
        return value.decode("latin-1")

    def lua_pack(*args: Any) -> tuple[Any, ...]:
        try:
            return True, pack(_fmt(args[0] if args else None, "pack"), list(args[1:]))
        except StructError as exc:
            return False, str(exc).encode()

    def lua_unpack(*args: Any) -> tuple[Any, ...]:
        try:
            fmt = _fmt(args[0] if args else None, "unpack")
            data = args[1] if len(args) > 1 else None
            if not isinstance(data, bytes):
                raise StructError("bad argument #2 to 'unpack' (string expected)")
            start = int(args[2]) - 1 if len(args) > 2 and args[2] is not None else 0
            values = unpack(fmt, data, max(start, 0))
        except StructError as exc:
            return False, str(exc).encode()
        return True, values, len(values)

    def lua_size(*args: Any) -> tuple[Any, ...]:
        try:
            return True, size(_fmt(args[0] if args else None, "size"))
        except StructError as exc:
            return False, str(exc).encode()

    return {b"pack": lua_pack, b"unpack": lua_unpack, b"size": lua_size}
