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

from fakestash.engine.replies import ErrorReply, Reply, Status, format_double

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
    return b"%.17g" % float(value)


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


def lua_to_reply(value: Any, *, top: bool = True) -> Reply:
    """A script's return value → reply. A top-level error table raises ``ScriptErrorReply``."""
    kind = type(value)
    if kind is bytes:
        return value  # type: ignore[no-any-return]
    if kind is int or kind is float:
        return number_to_integer(value)
    if kind is bool:
        return 1 if value else None
    if value is None or lua_type(value) != "table":
        return None
    err = value[b"err"]
    if type(err) is bytes:
        text = _clean(err.decode("utf-8", "replace"))
        if top:
            raise ScriptErrorReply(text)
        return ErrorReply(text)
    ok = value[b"ok"]
    if type(ok) is bytes:
        return Status(ok.decode("utf-8", "replace").replace("\r", " ").replace("\n", " "))
    double = value[b"double"]
    if type(double) is int or type(double) is float:
        return format_double(float(double))
    items: list[Reply] = []
    index = 1
    while True:
        item = value[index]
        if item is None:
            return items
        items.append(lua_to_reply(item, top=False))
        index += 1


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
