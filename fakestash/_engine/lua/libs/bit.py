"""LuaBitOp (``bit``): 32-bit operations on Lua numbers, results as signed 32-bit."""

from __future__ import annotations

import struct as pystruct
from typing import Any, Callable

from fakestash._engine.lua.libs.lua_args import lua_tonumber, type_name

Result = tuple[Any, ...]


class _ArgError(Exception):
    pass


def _num(args: tuple[Any, ...], index: int, name: str) -> float:
    """``luaL_checknumber`` of the ``index``-th argument (1-based)."""
    value = lua_tonumber(args[index - 1]) if index <= len(args) else None
    if value is not None:
        return value
    got = type_name(args[index - 1]) if index <= len(args) else "no value"
    raise _ArgError(f"bad argument #{index} to '{name}' (number expected, got {got})")


def _bit(value: float) -> int:
    """``barg``: the low 32 bits of the double ``value + 2^52 + 2^51`` (LuaBitOp's way to
    round half to even and wrap; for huge numbers, whatever those bits are)."""
    biased = pystruct.pack("<d", value + 6755399441055744.0)
    return int.from_bytes(biased[:4], "little")


def _signed(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


def _op(name: str, fn: Callable[..., int], nargs: int | None) -> Callable[..., Result]:
    def wrapper(*args: Any) -> Result:
        try:
            count = len(args) if nargs is None else nargs
            if nargs is None:  # band/bor/bxor read argument 1, then the last down to 2
                first = _bit(_num(args, 1, name))
                rest = [_bit(_num(args, i, name)) for i in range(count, 1, -1)][::-1]
                return True, _signed(fn(first, *rest))
            values = [_bit(_num(args, i + 1, name)) for i in range(count)]
            return True, _signed(fn(*values))
        except _ArgError as exc:
            return False, str(exc).encode()

    return wrapper


def _fold(fn: Callable[[int, int], int]) -> Callable[..., int]:
    def folded(*values: int) -> int:
        result = values[0]
        for value in values[1:]:
            result = fn(result, value)
        return result

    return folded


def _rol(x: int, n: int) -> int:
    n &= 31
    return ((x << n) | (x >> (32 - n))) & 0xFFFFFFFF


def _ror(x: int, n: int) -> int:
    n &= 31
    return ((x >> n) | (x << (32 - n))) & 0xFFFFFFFF


def _tohex(*args: Any) -> Result:
    try:
        x = _bit(_num(args, 1, "tohex"))
        n = 8 if len(args) < 2 else _bit(_num(args, 2, "tohex"))
    except _ArgError as exc:
        return False, str(exc).encode()
    n = _signed(n)
    upper = n < 0
    n = min(abs(n), 8)
    text = f"{x & ((1 << (4 * n)) - 1):0{n}x}" if n else ""
    return True, (text.upper() if upper else text).encode()


def functions() -> dict[bytes, Any]:
    return {
        b"tobit": _op("tobit", lambda x: x, 1),
        b"bnot": _op("bnot", lambda x: ~x, 1),
        b"band": _op("band", _fold(lambda a, b: a & b), None),
        b"bor": _op("bor", _fold(lambda a, b: a | b), None),
        b"bxor": _op("bxor", _fold(lambda a, b: a ^ b), None),
        b"lshift": _op("lshift", lambda x, n: x << (n & 31), 2),
        b"rshift": _op("rshift", lambda x, n: x >> (n & 31), 2),
        b"arshift": _op("arshift", lambda x, n: _signed(x) >> (n & 31), 2),
        b"rol": _op("rol", _rol, 2),
        b"ror": _op("ror", _ror, 2),
        b"bswap": _op("bswap", lambda x: int.from_bytes(x.to_bytes(4, "little"), "big"), 1),
        b"tohex": _tohex,
    }
