"""lua-cjson 2.1 as Redis ships it: ``cjson.encode``, ``cjson.decode``, ``cjson.null``.

Numbers encode with ``%.14g``; an empty table encodes as ``{}``; a table is an array when
every key is a positive integer and it is not "excessively sparse"; object keys follow the
Lua table's own iteration order (the same Lua 5.1 hash order Redis has). A ``-0`` inside a
table encodes as ``-0`` and ``cjson.decode('-0')`` is Lua's -0, as in Redis (a top-level
``-0`` argument reaches Python as 0: lupa converts it before the call).
"""

from __future__ import annotations

import json
import math
import re
import threading
from typing import TYPE_CHECKING, Any

from lupa import lua51

from fakestash.engine.lua.sandbox import SANDBOX_CHUNK

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
        kind = lua51.lua_type(value)
        if kind == "table":
            return None
        if kind == "userdata" and self.is_null(value):
            return "null"
        if kind is None:  # a Python callable (redis.call, a library function)
            kind = "function" if callable(value) else "userdata"
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
                raise _EncodeError("Cannot serialise table: table key must be a number or string")
            obj.append(("," if n else "") + name + ":")
            obj.append((item, depth, table, key))
        obj.append("}")
        return obj


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


# ---- decoding -----------------------------------------------------------------------------

_DEPTH_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"?|[\[\]{}]')


def _too_deep(data: bytes, end: int) -> str | None:
    """cjson's text if the data opens a 1001st nested array/object before byte ``end``."""
    depth = 0
    for match in _DEPTH_TOKENS.finditer(data, 0, end):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > MAX_DEPTH:
                return (
                    f"Found too many nested data structures ({depth}) "
                    f"at character {match.start() + 1}"
                )
        elif token in (b"]", b"}"):
            depth -= 1
    return None


def _parse_int(text: str) -> Any:
    return -0.0 if text == "-0" else int(text)


def _loads(data: bytes) -> Any:
    """JSON → Python (numbers stay as written; ``-0`` keeps its sign, as in cjson)."""
    text = data.decode("utf-8", "surrogateescape")
    if b"-0" in data:
        return json.loads(text, parse_int=_parse_int)
    return json.loads(text)


def _loads_on_a_fresh_stack(data: bytes) -> Any:
    """json.loads recurses once per nesting level: data nested up to cjson's 1000 levels
    can exceed what is left of Python's recursion limit here, so parse it in a thread
    whose stack is empty."""
    box: dict[str, Any] = {}

    def parse() -> None:
        try:
            box["value"] = _loads(data)
        except BaseException as exc:  # handed back to the caller's thread
            box["error"] = exc

    worker = threading.Thread(target=parse, name="fakestash-cjson")
    worker.start()
    worker.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


def _decode(data: bytes) -> tuple[bool, Any]:
    """(True, Python value) or (False, cjson's error text)."""
    try:
        try:
            value = _loads(data)
        except RecursionError:
            deep = _too_deep(data, len(data))
            if deep is not None:
                return False, deep
            value = _loads_on_a_fresh_stack(data)
    except json.JSONDecodeError as exc:
        at = len(exc.doc[: exc.pos].encode("utf-8", "surrogateescape"))
        return False, _too_deep(data, at) or _decode_error(exc, at)
    except RecursionError:
        return False, f"Found too many nested data structures ({MAX_DEPTH + 1}) at character 1"
    if data.count(b"[") + data.count(b"{") > MAX_DEPTH:
        deep = _too_deep(data, len(data))
        if deep is not None:
            return False, deep
    return True, value


def functions(lua: LuaRuntime) -> dict[bytes, Any]:
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
        if value is None:
            return null
        if isinstance(value, str):
            return value.encode("utf-8", "surrogateescape")
        if type(value) is int and not -(2**63) <= value < 2**63:
            return float(value)  # cjson reads every number as a double
        return value

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
                keys = (k.encode("utf-8", "surrogateescape") for k in node)
                done.append(table_from(dict(zip(keys, converted))))
        return done[0]

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
        ok, value = _decode(data)
        if not ok:
            return False, value.encode()
        return True, to_lua(value)

    return {b"encode": encode, b"decode": decode, b"null": null}


def _decode_error(exc: json.JSONDecodeError, at: int) -> str:
    where = at + 1
    if exc.msg.startswith("Expecting value"):
        return f"Expected value but found invalid token at character {where}"
    if exc.msg.startswith("Extra data"):
        return f"Expected the end but found invalid token at character {where}"
    if exc.msg.startswith("Unterminated string"):
        return f"Expected value but found unexpected end of string at character {where}"
    return f"Expected value but found invalid token at character {where}"
