"""Lua's view of arguments that reach a Python library function (``lua_tonumber``,
``lua_tolstring``, ``luaL_typename``), for the libraries' own error texts."""

from __future__ import annotations

import math
from typing import Any

from lupa.lua51 import lua_type


def type_name(value: Any) -> str:
    """``luaL_typename`` of an argument lupa converted (Python callables are functions)."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, bytes):
        return "string"
    kind: str | None = lua_type(value)
    if kind is None:
        return "function" if callable(value) else "userdata"
    return kind


def lua_tonumber(value: Any) -> float | None:
    """``lua_tonumber``: numbers, and strings that read as one (hex included)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if not isinstance(value, bytes):
        return None
    text = value.strip()
    try:
        return float(text)
    except ValueError:
        pass
    try:
        sign = -1.0 if text.startswith(b"-") else 1.0
        body = text.lstrip(b"+-")
        if body[:2].lower() == b"0x":
            return sign * int(body, 16)
    except ValueError:
        pass
    return None


def lua_tostring(value: Any) -> bytes | None:
    """``lua_tolstring``: strings, and numbers as Lua prints them (``%.14g``)."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return number_text(value, 14)
    return None


def number_text(value: float, digits: int) -> bytes:
    """C's ``%.<digits>g`` of a double, as glibc prints it: the NaN that 0/0 makes has
    its sign bit set and prints ``-nan``."""
    if isinstance(value, float) and math.isnan(value):
        return b"-nan" if math.copysign(1.0, value) < 0 else b"nan"
    return b"%.*g" % (digits, value)
