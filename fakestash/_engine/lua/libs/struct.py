"""Roberto Ierusalimschy's ``struct`` library (v1.4) as Redis 7 ships it: ``pack``,
``unpack`` and ``size``.

A port of ``deps/lua/src/lua_struct.c`` on a 64-bit Linux build (``long`` and ``size_t``
are 8 bytes, native order little-endian, largest alignment 8), with Redis' fixes
(``integral size overflow``, ``offset must be 1 or greater``): formats ``< > ! x b B h H
l L T i[n] I[n] f d s c[n]`` and spaces. Integers are C's 64-bit ones: wider formats
(up to ``i32``) keep 8 bytes of value, numbers out of range convert as the C casts do, and
every error text is the library's own.
"""

from __future__ import annotations

import ctypes
import math
import struct as pystruct
from typing import TYPE_CHECKING, Any

from fakestash._engine.lua.libs.lua_args import lua_tonumber, lua_tostring, type_name

if TYPE_CHECKING:
    from lupa.lua51 import LuaRuntime

MAXINTSIZE = 32
MAXALIGN = 8
INT_MAX = 2**31 - 1
_MASK64 = (1 << 64) - 1
_SIZES = {"b": 1, "B": 1, "h": 2, "H": 2, "l": 8, "L": 8, "T": 8, "f": 4, "d": 8, "x": 1}
_INTEGERS = frozenset("bBhHlLTiI")
_LITTLE, _BIG = "<", ">"


class StructError(Exception):
    """The library's error: ``argument`` is set for luaL_argerror texts."""

    def __init__(self, text: str, argument: int | None = None) -> None:
        super().__init__(text)
        self.text = text
        self.argument = argument

    def message(self, name: bytes) -> bytes:
        if self.argument is None:
            return self.text.encode()
        return b"bad argument #%d to '%s' (%s)" % (self.argument, name, self.text.encode())


class _Format:
    """A format string being read, with the header options (order, alignment)."""

    def __init__(self, fmt: bytes) -> None:
        self.fmt = fmt
        self.pos = 0
        self.endian = _LITTLE
        self.align = 1

    def __iter__(self) -> _Format:
        return self

    def __next__(self) -> tuple[str, int]:
        if self.pos >= len(self.fmt) or self.fmt[self.pos] == 0:
            raise StopIteration
        opt = chr(self.fmt[self.pos])
        self.pos += 1
        return opt, self._size(opt)

    def _number(self, default: int) -> int:
        """``getnum``: the digits after an option, or the default."""
        if not self._digit():
            return default
        value = 0
        while self._digit():
            digit = self.fmt[self.pos] - 0x30
            if value > INT_MAX // 10 or value * 10 > INT_MAX - digit:
                raise StructError("integral size overflow")
            value = value * 10 + digit
            self.pos += 1
        return value

    def _digit(self) -> bool:
        return self.pos < len(self.fmt) and 0x30 <= self.fmt[self.pos] <= 0x39

    def _size(self, opt: str) -> int:
        """``optsize``."""
        if opt in _SIZES:
            return _SIZES[opt]
        if opt == "c":
            return self._number(1)
        if opt in "iI":
            size = self._number(4)
            if size > MAXINTSIZE:
                raise StructError(f"integral size {size} is larger than limit of {MAXINTSIZE}")
            return size
        return 0

    def padding(self, length: int, opt: str, size: int) -> int:
        """``gettoalign``: bytes needed to align an item of ``size`` at ``length``."""
        if size == 0 or opt == "c":
            return 0
        size = min(size, self.align)
        return (size - (length & (size - 1))) & (size - 1)

    def control(self, opt: str) -> None:
        """``controloptions``: order, alignment, spaces; anything else is invalid."""
        if opt == " ":
            return
        if opt == ">":
            self.endian = _BIG
        elif opt == "<":
            self.endian = _LITTLE
        elif opt == "!":
            align = self._number(MAXALIGN)
            if align <= 0 or align & (align - 1):
                raise StructError(f"alignment {align} is not a power of 2")
            self.align = align
        else:
            raise StructError(f"invalid format option '{opt}'", 1)


def _c_integer(number: float) -> int:
    """``putinteger``'s conversion: ``(unsigned long)(long)n`` below 0, else
    ``(unsigned long)n``, with x86-64's answers out of range."""
    if math.isnan(number):
        return 1 << 63
    if number < 0:
        return int(number) & _MASK64 if number > -(2.0**63) else 1 << 63
    return int(number) if number < 2.0**64 else 0


def _to_bytes(value: int, size: int, endian: str) -> bytes:
    data = (value & _MASK64).to_bytes(8, "little") + bytes(max(0, size - 8))
    data = data[:size]
    return data if endian == _LITTLE else data[::-1]


def _from_bytes(data: bytes, signed: bool, endian: str) -> float:
    """``getinteger``: 64 bits of value; the sign bit is bit ``size*8-1`` (mod 64)."""
    ordered = data if endian == _LITTLE else data[::-1]
    value = int.from_bytes(ordered[:8], "little")
    if not signed:
        return float(value)
    mask = (_MASK64 << ((len(data) * 8 - 1) & 63)) & _MASK64
    if value & mask:
        value |= mask
    return float(value - (1 << 64) if value >= 1 << 63 else value)


def _float(number: float) -> float:
    return ctypes.c_float(number).value  # C's (float) conversion: overflow is inf


class _Args:
    """The Lua arguments of ``pack`` (after the format); past them, luaL_check* sees the
    nil the library pushes as a mark, then nothing."""

    def __init__(self, args: tuple[Any, ...]) -> None:
        self.args = args

    def type_of(self, index: int) -> str:
        if index < len(self.args):
            return type_name(self.args[index])
        return "nil" if index == len(self.args) else "no value"

    def number(self, index: int) -> float:
        value = lua_tonumber(self.args[index]) if index < len(self.args) else None
        if value is None:
            raise StructError(f"number expected, got {self.type_of(index)}", index + 1)
        return value

    def string(self, index: int) -> bytes:
        value = lua_tostring(self.args[index]) if index < len(self.args) else None
        if value is None:
            raise StructError(f"string expected, got {self.type_of(index)}", index + 1)
        return value


def pack(fmt: bytes, args: tuple[Any, ...]) -> bytes:
    """``b_pack``: ``args`` are all the Lua arguments (the format is the first)."""
    out = bytearray()
    values = _Args(args)
    arg = 1
    form = _Format(fmt)
    for opt, size in form:
        pad = form.padding(len(out), opt, size)
        out += bytes(pad)
        if opt in _INTEGERS:
            out += _to_bytes(_c_integer(values.number(arg)), size, form.endian)
            arg += 1
        elif opt == "x":
            out += b"\0"
        elif opt in "fd":
            number = values.number(arg)
            arg += 1
            code = "f" if opt == "f" else "d"
            value = _float(number) if opt == "f" else number
            out += pystruct.pack(form.endian + code, value)
        elif opt in "cs":
            data = values.string(arg)
            arg += 1
            if size == 0:
                size = len(data)
            if len(data) < size:
                raise StructError("string too short", arg + 1)  # (the library's own index)
            out += data[:size]
            if opt == "s":
                out += b"\0"
        else:
            form.control(opt)
    return bytes(out)


def unpack(fmt: bytes, data: bytes, position: int, nargs: int = 2) -> list[Any]:
    """``b_unpack`` from the 0-based ``position``: the values, then the next position
    (``nargs``: the Lua arguments, which hold stack slots)."""
    values: list[Any] = []
    pos = position
    form = _Format(fmt)
    for opt, size in form:
        pos = (pos + form.padding(pos, opt, size)) & _MASK64
        if not (size <= len(data) and pos <= len(data) - size):
            raise StructError("data string too short", 2)
        if nargs + len(values) + 2 > 8000:  # luaL_checkstack(L, 2, ...) under LUAI_MAXCSTACK
            raise StructError("stack overflow (too many results)")
        if opt in _INTEGERS:
            values.append(_from_bytes(data[pos : pos + size], opt.islower(), form.endian))
        elif opt == "f":
            values.append(pystruct.unpack(form.endian + "f", data[pos : pos + 4])[0])
        elif opt == "d":
            values.append(pystruct.unpack(form.endian + "d", data[pos : pos + 8])[0])
        elif opt == "c":
            if size == 0:
                previous = lua_tonumber(values[-1]) if values else None
                if previous is None:
                    raise StructError("format 'c0' needs a previous size")
                values.pop()
                size = _c_integer(previous)
                if not (size <= len(data) and pos <= len(data) - size):
                    raise StructError("data string too short", 2)
            values.append(data[pos : pos + size])
        elif opt == "s":
            end = data.find(b"\0", pos)
            if end < 0:
                raise StructError("unfinished string in data")
            size = end - pos + 1
            values.append(data[pos:end])
        elif opt != "x":
            form.control(opt)
        pos += size
    values.append(pos + 1)
    return values


def size(fmt: bytes) -> int:
    """``b_size``."""
    pos = 0
    form = _Format(fmt)
    for opt, length in form:
        pos += form.padding(pos, opt, length)
        if opt == "s":
            raise StructError("option 's' has no fixed size", 1)
        if opt == "c" and length == 0:
            raise StructError("option 'c0' has no fixed size", 1)
        if not opt.isalnum():
            form.control(opt)
        pos += length
    return pos


def _offset(args: tuple[Any, ...]) -> int:
    """``luaL_optinteger(L, 3, 1)`` as a ``size_t``, which must not be 0."""
    if len(args) < 3 or args[2] is None:
        return 0
    number = lua_tonumber(args[2])
    if number is None:
        raise StructError(f"number expected, got {type_name(args[2])}", 3)
    if math.isnan(number) or not -(2.0**63) <= number < 2.0**63:
        value = 1 << 63  # (lua_Integer) of NaN, inf or out of range on x86-64
    else:
        value = int(number) & _MASK64
    if value == 0:
        raise StructError("offset must be 1 or greater", 3)
    return (value - 1) & _MASK64


def _format(args: tuple[Any, ...]) -> bytes:
    fmt = lua_tostring(args[0]) if args else None
    if fmt is None:
        got = type_name(args[0]) if args else "no value"
        raise StructError(f"string expected, got {got}", 1)
    return fmt


def functions(lua: LuaRuntime) -> dict[bytes, Any]:
    """Each function answers ``(True, value)``, ``(True, values, n)`` or ``(False, error)``
    where an error is a ``StructError`` (its text names the function as called)."""

    def lua_pack(*args: Any) -> tuple[Any, ...]:
        try:
            return True, pack(_format(args), args)
        except StructError as exc:
            return False, exc

    def lua_unpack(*args: Any) -> tuple[Any, ...]:
        try:
            fmt = _format(args)
            data = lua_tostring(args[1]) if len(args) > 1 else None
            if data is None:
                got = type_name(args[1]) if len(args) > 1 else "no value"
                raise StructError(f"string expected, got {got}", 2)
            values = unpack(fmt, data, _offset(args), max(2, len(args)))
        except StructError as exc:
            return False, exc
        return True, values, len(values)

    def lua_size(*args: Any) -> tuple[Any, ...]:
        try:
            return True, size(_format(args))
        except StructError as exc:
            return False, exc

    return {b"pack": lua_pack, b"unpack": lua_unpack, b"size": lua_size}
