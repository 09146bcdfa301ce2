"""lua-cjson 2.1 as Redis ships it: ``cjson.encode``, ``cjson.null`` and ``cjson.decode``
(the decoder is in ``cjson_decode``).

Numbers encode with ``%.14g``; an empty table encodes as ``{}``; a table is an array when
every key is a positive integer and it is not "excessively sparse"; object keys follow the
Lua table's own iteration order (the same Lua 5.1 hash order Redis has). A ``-0`` inside a
table encodes as ``-0`` and ``cjson.decode('-0')`` is Lua's -0, as in Redis (a top-level
``-0`` argument reaches Python as 0: lupa converts it before the call).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Callable

from lupa import lua51

from fakestash._engine.lua.libs import cjson_decode
from fakestash._engine.lua.libs.lua_args import number_text
from fakestash._engine.lua.sandbox import SANDBOX_CHUNK

if TYPE_CHECKING:
    from lupa.lua51 import LuaRuntime

MAX_DEPTH = cjson_decode.MAX_DEPTH
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
    """``cjson.encode`` without recursion: a table nested 1000 deep (or one that contains
    itself) fails with cjson's own text, not Python's. Tables are read raw, as lua-cjson
    does (``lua_next``/``lua_rawgeti``)."""

    def __init__(self, is_null: Any, negative_zero: Any) -> None:
        self.is_null = is_null
        self.negative_zero = negative_zero

    def encode(self, root: Any) -> str:
        out: list[str] = []
        # Work items, last first: text to write, or (value, depth, table, key) to encode;
        # table and key let a 0 ask Lua whether it is -0 (lupa gives both as 0).
        todo: list[Any] = [(root, 0, None, None)]
        while todo:
            task = todo.pop()
            if type(task) is str:
                out.append(task)
                continue
            value, depth, table, key = task
            text = self._scalar(value, table, key)
            if text is not None:
                out.append(text)
                continue
            depth += 1
            if depth > MAX_DEPTH:
                raise _EncodeError(f"Cannot serialise, excessive nesting ({depth})")
            todo.extend(reversed(self._table(value, depth)))
        return "".join(out)

    def _scalar(self, value: Any, table: Any, key: Any) -> str | None:
        """A non-table value's JSON text; None for a table."""
        if value is None:
            return "null"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            if value == 0 and table is not None and self.negative_zero(table, key):
                return "-0"
            return _number(float(value))
        if isinstance(value, bytes):
            return _string(value)
        kind = _type_name(value)
        if kind == "table":
            return None
        if kind == "userdata" and self.is_null(value):
            return "null"
        raise _EncodeError(f"Cannot serialise {kind}: type not supported")

    def _table(self, table: Any, depth: int) -> list[Any]:
        items = list(table.items())
        length = _array_length(items)
        if length > 0:
            fields = dict(items)
            array: list[Any] = ["["]
            for index in range(1, length + 1):
                if index > 1:
                    array.append(",")
                array.append((fields.get(index), depth, table, index))
            array.append("]")
            return array
        obj: list[Any] = ["{"]
        for n, (key, item) in enumerate(items):
            if isinstance(key, bytes):
                name = _string(key)
            elif isinstance(key, (int, float)) and not isinstance(key, bool):
                name = '"' + _number(float(key)) + '"'
            else:
                raise _EncodeError(
                    f"Cannot serialise {_type_name(key)}: table key must be a number or string"
                )
            obj.append(("," if n else "") + name + ":")
            obj.append((item, depth, table, key))
        obj.append("}")
        return obj


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    kind: str | None = lua51.lua_type(value)
    if kind is None:  # a Python callable (redis.call, a library function)
        return "function" if callable(value) else "userdata"
    return kind


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


def _size(value: Any) -> int:
    """A generous estimate of the Lua memory decoded JSON takes."""
    size = 0
    todo = [value]
    while todo:
        item = todo.pop()
        if type(item) is bytes:
            size += 40 + len(item)
        elif type(item) is list:
            size += 64 + 40 * len(item)
            todo.extend(item)
        elif type(item) is dict:
            size += 64 + 80 * len(item)
            todo.extend(item)
            todo.extend(item.values())
    return size


def functions(lua: LuaRuntime, room: Callable[[int], None]) -> dict[bytes, Any]:
    """``room(n)`` is called before decoded JSON (``n`` bytes) becomes Lua tables."""
    null = lua.execute(
        "local u = newproxy(true); "
        "getmetatable(u).__tostring = function() return 'userdata: (nil)' end; "
        "return u",
        name=SANDBOX_CHUNK,
    )
    is_null = lua.execute(
        "local n = ... return function(v) return rawequal(v, n) end", null, name=SANDBOX_CHUNK
    )
    negative_zero = lua.execute(
        "return function(t, k) local v = rawget(t, k) return v == 0 and 1 / v < 0 end",
        name=SANDBOX_CHUNK,
    )
    encoder = Encoder(is_null, negative_zero)
    table_from = lua.table_from

    def encode(*args: Any) -> tuple[Any, ...]:
        if len(args) != 1:
            return False, b"bad argument #1 to 'encode' (expected 1 argument)"
        try:
            return True, encoder.encode(args[0]).encode("latin-1")
        except _EncodeError as exc:
            return False, str(exc).encode()

    def scalar(value: Any) -> Any:
        return null if value is cjson_decode.NULL else value

    def to_lua(root: Any) -> Any:
        """Python JSON data → Lua values, children before parents (no recursion)."""
        done: list[Any] = []
        todo: list[tuple[Any, bool]] = [(root, False)]
        while todo:
            node, children_done = todo.pop()
            if not isinstance(node, (list, dict)):
                done.append(scalar(node))
                continue
            if not children_done:
                todo.append((node, True))
                children = node if isinstance(node, list) else list(node.values())
                todo.extend((child, False) for child in reversed(children))
                continue
            count = len(node)
            converted = done[len(done) - count :] if count else []
            del done[len(done) - count :]
            if isinstance(node, list):
                done.append(table_from(converted))
            else:
                done.append(table_from(dict(zip(node, converted))))
        return done[0]

    def decode(*args: Any) -> tuple[Any, ...]:
        if len(args) != 1:
            return False, b"bad argument #1 to 'decode' (expected 1 argument)"
        data = args[0]
        if isinstance(data, (int, float)) and not isinstance(data, bool):
            data = number_text(data, 14)
        if not isinstance(data, bytes):
            return False, b"bad argument #1 to 'decode' (string expected, got " + (
                lua51.lua_type(data) or type(data).__name__.replace("NoneType", "nil")
            ).encode() + b")"
        try:
            value = cjson_decode.decode(data)
        except cjson_decode.DecodeError as exc:
            return False, str(exc).encode()
        room(_size(value))
        return True, to_lua(value)

    return {b"encode": encode, b"decode": decode, b"null": null}
