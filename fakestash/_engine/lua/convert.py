"""Conversions between Redis replies and Lua values, as Redis documents them.

Redis → Lua: integer → number, bulk → string, nil → ``false``, array → table, status →
``{ok=…}``, error → ``{err=…}``. Lua → Redis: number → integer (truncated toward zero),
string → bulk, ``true`` → 1, ``false``/``nil`` → nil, table → array up to the first nil,
``{ok=…}`` → status, ``{err=…}`` → error, ``{double=…}`` → double.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Callable

from lupa import lua51

from fakestash._engine.lua.libs.lua_args import number_text
from fakestash._engine.replies import ErrorReply, Reply, Status, format_double

if TYPE_CHECKING:
    from lupa.lua51 import LuaRuntime

_LLONG_MIN = -(2**63)
_LLONG_MAX = 2**63 - 1
lua_type: Callable[[Any], str | None] = lua51.lua_type


class LuaArgumentError(Exception):
    """A ``redis.call`` argument that is neither a string nor a number."""


ARGS_MUST_BE_STRINGS = "Lua redis lib command arguments must be strings or integers"
NO_ARGS = "Please specify at least one argument for this redis lib call"


def lua_number_to_arg(value: float | int) -> bytes:
    """A Lua number as ``redis.call`` sends it: C's ``%.17g`` of the double."""
    return number_text(float(value), 17)


def args_to_argv(args: tuple[Any, ...]) -> list[bytes]:
    """``redis.call`` arguments → argv; raises ``LuaArgumentError`` with Redis' text."""
    if not args:
        raise LuaArgumentError(NO_ARGS)
    argv: list[bytes] = []
    for arg in args:
        if type(arg) is bytes:
            argv.append(arg)
        elif type(arg) is int or type(arg) is float:
            argv.append(lua_number_to_arg(arg))
        else:
            raise LuaArgumentError(ARGS_MUST_BE_STRINGS)
    return argv


def number_to_integer(value: float | int) -> int:
    """``(long long)`` of a Lua number: truncation; out of range and NaN give LLONG_MIN."""
    if type(value) is int:
        return value if _LLONG_MIN <= value <= _LLONG_MAX else _LLONG_MIN
    if math.isnan(value) or not (-(2.0**63) <= value < 2.0**63):
        return _LLONG_MIN
    return int(value)


class ReplyToLua:
    """Builds Lua values from engine replies inside one runtime."""

    def __init__(self, runtime: LuaRuntime) -> None:
        self._table_from = runtime.table_from
        self.resp = 2

    def __call__(self, reply: Reply) -> Any:
        if type(reply) is bytes or type(reply) is int:
            return reply
        if reply is None:
            return None if self.resp == 3 else False
        if isinstance(reply, list):
            return self._table_from([self(item) for item in reply])
        if isinstance(reply, Status):
            return self._table_from({b"ok": str(reply).encode()})
        if isinstance(reply, ErrorReply):
            return self._table_from({b"err": reply.text.encode()})
        if isinstance(reply, bool):
            return reply
        raise TypeError(f"cannot convert {type(reply).__name__} to Lua")


class ScriptErrorReply(Exception):
    """A script returned an error table at top level: its text is the reply."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


#: How deep a script's reply may nest. Redis stops near 8,000 levels (its Lua C stack);
#: fakestash stops sooner, where every renderer (JSON, RESP2, the SDKs) still copes.
MAX_REPLY_DEPTH = 200
STACK_LIMIT_TEXT = "ERR reached lua stack limit"

_END = object()
_SCALARS = (bytes, int, float, bool)


def lua_to_reply(value: Any, negative_zero: Callable[[Any, Any], bool] | None = None) -> Reply:
    """A script's return value → reply, as ``luaReplyToRedisReply``: tables are read raw
    (no metamethod runs), an array stops at the first nil, and a table nested deeper than
    ``MAX_REPLY_DEPTH`` is the error ``reached lua stack limit`` (self-referential tables
    too). A top-level error table raises ``ScriptErrorReply``. ``negative_zero(t, k)``
    tells Lua's -0 from 0 (lupa gives both as 0) for ``{double = -0}``."""
    if type(value) in _SCALARS or value is None or lua_type(value) != "table":
        return _scalar(value)
    fields = dict(value.items())
    err = fields.get(b"err")
    if type(err) is bytes:
        raise ScriptErrorReply(_clean(err.decode("utf-8", "replace")))
    special = _special(value, fields, negative_zero)
    if special is not None:
        return special
    return _array(fields, negative_zero)


def _scalar(value: Any) -> Reply:
    kind = type(value)
    if kind is bytes:
        return value  # type: ignore[no-any-return]
    if kind is int or kind is float:
        return number_to_integer(value)
    if kind is bool:
        return 1 if value else None
    return None


def _special(table: Any, fields: dict[Any, Any], negative_zero: Any) -> Reply:
    """An ``{err=…}``, ``{ok=…}`` or ``{double=…}`` table's reply, else None."""
    err = fields.get(b"err")
    if type(err) is bytes:
        return ErrorReply(_clean(err.decode("utf-8", "replace")))
    ok = fields.get(b"ok")
    if type(ok) is bytes:
        return Status(_clean(ok.decode("utf-8", "replace")))
    double = fields.get(b"double")
    if type(double) is int or type(double) is float:
        number = float(double)
        if number == 0 and negative_zero is not None and negative_zero(table, b"double"):
            number = -0.0
        return format_double(number)
    return None


def _items(fields: dict[Any, Any]) -> Any:
    index = 1
    while True:
        item = fields.get(index)
        if item is None:
            return
        yield item
        index += 1


def _array(fields: dict[Any, Any], negative_zero: Any) -> list[Reply]:
    """The array part of a table, converted without recursion (a script may return a
    table that contains itself)."""
    out: list[Reply] = []
    stack: list[tuple[list[Reply], Any]] = [(out, _items(fields))]
    while stack:
        target, items = stack[-1]
        item: Any = next(items, _END)
        if item is _END:
            stack.pop()
            continue
        if lua_type(item) != "table":
            target.append(_scalar(item))
            continue
        if len(stack) >= MAX_REPLY_DEPTH:
            target.append(ErrorReply(STACK_LIMIT_TEXT))
            continue
        child_fields = dict(item.items())
        special = _special(item, child_fields, negative_zero)
        if special is not None:
            target.append(special)
            continue
        child: list[Reply] = []
        target.append(child)
        stack.append((child, _items(child_fields)))
    return out


def _clean(text: str) -> str:
    return text.replace("\r", " ").replace("\n", " ")


def error_text(raw: str) -> str:
    """``luaPushErrorBuff``: a command's error text as the ``err`` field holds it."""
    if raw.startswith("-"):
        code, sep, msg = raw[1:].partition(" ")
        text = f"{code} {msg}" if sep else f"ERR {raw[1:]}"
    else:
        text = raw
    return text.strip("\r\n")
