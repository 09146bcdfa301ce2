"""lua-cjson 2.1 as Redis ships it: ``cjson.encode``, ``cjson.decode``, ``cjson.null``.

Numbers encode with ``%.14g``; an empty table encodes as ``{}``; a table is an array when
every key is a positive integer and it is not "excessively sparse"; object keys follow the
Lua table's own iteration order (the same Lua 5.1 hash order Redis has).
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from lupa import lua51

if TYPE_CHECKING:
    from lupa.lua51 import LuaRuntime

MAX_DEPTH = 1000
_ESCAPES = {
    0x22: '\\"',
    0x5C: "\\\\",
    0x2F: "\\/",
    0x08: "\\b",
    0x0C: "\\f",
    0x0A: "\\n",
    0x0D: "\\r",
    0x09: "\\t",
    0x7F: "\\u007f",
}


class _EncodeError(Exception):
    pass


def _number(value: float) -> str:
    if math.isnan(value) or math.isinf(value):
        raise _EncodeError("Cannot serialise number: must not be NaN or Inf")
    return f"{value:.14g}"


def _string(value: bytes) -> str:
    out = ['"']
    for byte in value:
        esc = _ESCAPES.get(byte)
        if esc is not None:
            out.append(esc)
        elif byte < 0x20:
            out.append(f"\\u{byte:04x}")
        else:
            out.append(chr(byte))
    out.append('"')
    return "".join(out)


class Encoder:
    def __init__(self, is_null: Any) -> None:
        self.is_null = is_null

    def encode(self, value: Any, depth: int = 0) -> str:
        if value is None:
            return "null"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return _number(float(value))
        if isinstance(value, bytes):
            return _string(value)
        kind = lua51.lua_type(value)
        if kind == "userdata" and self.is_null(value):
            return "null"
        if kind != "table":
            raise _EncodeError(f"Cannot serialise {kind}: type not supported")
        depth += 1
        if depth > MAX_DEPTH:
            raise _EncodeError(f"Cannot serialise, excessive nesting ({depth})")
        items = list(value.items())
        length = _array_length(items)
        if length > 0:
            parts = [self.encode(value[i], depth) for i in range(1, length + 1)]
            return "[" + ",".join(parts) + "]"
        fields = []
        for key, item in items:
            if isinstance(key, bytes):
                name = _string(key)
            elif isinstance(key, (int, float)) and not isinstance(key, bool):
                name = '"' + _number(float(key)) + '"'
            else:
                raise _EncodeError("Cannot serialise table: table key must be a number or string")
            fields.append(name + ":" + self.encode(item, depth))
        return "{" + ",".join(fields) + "}"


def _array_length(items: list[tuple[Any, Any]]) -> int:
    """lua_cjson ``lua_array_length``: -1 for an object, else the array length."""
    largest = 0
    for key, _ in items:
        if isinstance(key, bool) or not isinstance(key, (int, float)):
            return -1
        if key < 1 or key != int(key):
            return -1
        largest = max(largest, int(key))
    count = len(items)
    if largest > count * 2 and largest > 10:
        raise _EncodeError("Cannot serialise table: excessively sparse array")
    return largest


def functions(lua: LuaRuntime) -> dict[bytes, Any]:
    null = lua.eval(
        "(function() local u = newproxy(true); "
        "getmetatable(u).__tostring = function() return 'userdata: (nil)' end; "
        "return u end)()"
    )
    is_null = lua.eval("function(n) return function(v) return rawequal(v, n) end end")(null)
    encoder = Encoder(is_null)
    table_from = lua.table_from

    def encode(*args: Any) -> tuple[Any, ...]:
        if len(args) != 1:
            return False, b"bad argument #1 to 'encode' (expected 1 argument)"
        try:
            return True, encoder.encode(args[0]).encode("latin-1")
        except _EncodeError as exc:
            return False, str(exc).encode()

    def to_lua(value: Any) -> Any:
        if value is None:
            return null
        if isinstance(value, str):
            return value.encode("utf-8", "surrogateescape")
        if isinstance(value, list):
            return table_from([to_lua(v) for v in value])
        if isinstance(value, dict):
            return table_from(
                {k.encode("utf-8", "surrogateescape"): to_lua(v) for k, v in value.items()}
            )
        if isinstance(value, bool):
            return value
        return float(value) if isinstance(value, float) else value

    def decode(*args: Any) -> tuple[Any, ...]:
        if len(args) != 1:
            return False, b"bad argument #1 to 'decode' (expected 1 argument)"
        data = args[0]
        if isinstance(data, (int, float)) and not isinstance(data, bool):
            data = f"{data:.14g}".encode()
        if not isinstance(data, bytes):
            return False, b"bad argument #1 to 'decode' (string expected, got " + (
                lua51.lua_type(data) or type(data).__name__.replace("NoneType", "nil")
            ).encode() + b")"
        try:
            value = json.loads(data.decode("utf-8", "surrogateescape"))
        except json.JSONDecodeError as exc:
            return False, _decode_error(exc).encode()
        except RecursionError:
            return False, b"Found too many nested data structures (1001) at character 1"
        return True, to_lua(value)

    return {b"encode": encode, b"decode": decode, b"null": null}


def _decode_error(exc: json.JSONDecodeError) -> str:
    where = exc.pos + 1
    if exc.msg.startswith("Expecting value"):
        return f"Expected value but found invalid token at character {where}"
    if exc.msg.startswith("Extra data"):
        return f"Expected the end but found invalid token at character {where}"
    if exc.msg.startswith("Unterminated string"):
        return f"Expected value but found unexpected end of string at character {where}"
    return f"Expected value but found invalid token at character {where}"
