"""The C libraries Redis links into its Lua (bit, cjson, cmsgpack, struct), in Python.

lupa's Lua 5.1 has none of them. Each function returns ``(True, value)``,
``(True, table, n)`` for several results, or ``(False, message)``; the prelude wraps them
so a failure raises a Lua error at the script's line, as ``luaL_error`` does.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Callable

from lupa.lua51 import lua_type

from fakestash._engine.lua.libs import bit, cjson, cmsgpack, struct
from fakestash._engine.lua.libs.struct import StructError

if TYPE_CHECKING:
    from lupa.lua51 import LuaRuntime


class LuaLibError(Exception):
    """A library function failed: ``text`` is the whole Lua error message."""

    def __init__(self, text: bytes) -> None:
        super().__init__(text)
        self.text = text


_ARGUMENT = re.compile(rb"^bad argument #(\d+) to '[^']*'")


def _error(message: Any, where: Callable[[], tuple[bytes, bytes]]) -> LuaLibError:
    """``luaL_error``/``luaL_argerror``: the script's position first, and the function named
    as the script called it ('?' through pcall), as C functions are."""
    prefix, name = where()
    if isinstance(message, StructError):
        return LuaLibError(prefix + message.message(name))
    text = _ARGUMENT.sub(lambda m: b"bad argument #" + m.group(1) + b" to '" + name + b"'", message)
    return LuaLibError(prefix + text)


def _wrap(
    fn: Callable[..., tuple[Any, ...]],
    where: Callable[[], tuple[bytes, bytes]],
    check: Callable[[], None],
    room: Callable[[int], None],
) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        check()
        result = fn(*args)
        if not result[0]:
            raise _error(result[1], where)
        if len(result) == 3:
            values = tuple(result[1][: result[2]])
            room(sum(len(v) for v in values if type(v) is bytes))
            return values
        if type(result[1]) is bytes:
            room(len(result[1]))
        return result[1]

    return call


def make_libs(
    lua: LuaRuntime,
    where: Callable[[], tuple[bytes, bytes]],
    check: Callable[[], None],
    room: Callable[[int], None],
) -> Any:
    """A Lua table ``{bit=…, cjson=…, cmsgpack=…, struct=…}`` of Python functions.

    ``where`` gives the ``user_script:N: `` prefix of the calling line, as ``luaL_error``,
    and the name the script called the function by;
    ``check`` runs before every call (it ends a script past its time or memory limit);
    ``room(n)`` before Python creates ``n`` bytes of Lua values (tables, strings).
    """

    def table(spec: dict[bytes, Any]) -> Any:
        return lua.table_from(
            {
                name: fn if lua_type(fn) else _wrap(fn, where, check, room)
                for name, fn in spec.items()
            }
        )

    return lua.table_from(
        {
            b"bit": table(bit.functions()),
            b"cjson": table(cjson.functions(lua, room)),
            b"cmsgpack": table(cmsgpack.functions(lua, room)),
            b"struct": table(struct.functions(lua)),
        }
    )
