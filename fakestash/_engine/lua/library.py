"""``redis.register_function``: what a library's code registers during FUNCTION LOAD.

The arguments are read as Redis' ``luaRegisterFunction`` reads them (function_lua.c): a name
and a callback, or one table of named arguments (``function_name``, ``callback``, ``flags``,
``description``), with Redis' texts for every mistake.
"""

from __future__ import annotations

from typing import Any, NoReturn

from lupa import lua51

from fakestash._engine.lua.runtime import LuaCallError, LuaEngine
from fakestash._engine.lua.shebang import BAD_NAME, NAME, SCRIPT_FLAGS


def _string(value: Any) -> str | None:
    """``luaGetStringSds``: strings and numbers (as Lua prints them) are strings."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:.14g}"
    return None


class Registrar:
    """``redis.register_function`` during one FUNCTION LOAD: ``functions`` collects each
    registered name's (callback, flags, description)."""

    def __init__(self, engine: LuaEngine) -> None:
        self.engine = engine
        self.functions: dict[str, tuple[Any, frozenset[str], str | None]] = {}
        self.loading = True  # a callback that kept `redis` cannot register later

    def __call__(self, *args: Any) -> None:
        if not self.loading:
            _fail("redis.register_function can only be called on FUNCTION LOAD command")
        if len(args) == 1:
            name, callback, flags, description = self._named(args[0])
        elif len(args) == 2:
            first = _string(args[0])
            if first is None:
                _fail("first argument to redis.register_function must be a string")
            name = first
            if not self.engine.is_function(args[1]):
                _fail("second argument to redis.register_function must be a function")
            callback, flags, description = args[1], frozenset(), None
        else:
            _fail("wrong number of arguments to redis.register_function")
        if not NAME.fullmatch(name):
            _fail(BAD_NAME)
        if name in self.functions:
            _fail("Function already exists in the library")
        self.functions[name] = (callback, flags, description)

    def _named(self, table: Any) -> tuple[str, Any, frozenset[str], str | None]:
        if lua51.lua_type(table) != "table":
            _fail(
                "calling redis.register_function with a single argument is only applicable "
                "to Lua table (representing named arguments)."
            )
        name: str | None = None
        callback: Any = None
        flags: frozenset[str] = frozenset()
        description: str | None = None
        for key, value in table.items():
            key_text = _string(key)
            if key_text is None:
                _fail("named argument key given to redis.register_function is not a string")
            key_text = key_text.lower()
            if key_text == "function_name":
                name = _string(value)
                if name is None:
                    _fail(
                        "function_name argument given to redis.register_function must be a string"
                    )
            elif key_text == "description":
                description = _string(value)
                if description is None:
                    _fail("description argument given to redis.register_function must be a string")
            elif key_text == "callback":
                if not self.engine.is_function(value):
                    _fail("callback argument given to redis.register_function must be a function")
                callback = value
            elif key_text == "flags":
                flags = _flags(value)
            else:
                _fail("unknown argument given to redis.register_function")
        if name is None:
            _fail("redis.register_function must get a function name argument")
        if callback is None:
            _fail("redis.register_function must get a callback argument")
        return name, callback, flags, description


def _flags(value: Any) -> frozenset[str]:
    if lua51.lua_type(value) != "table":
        _fail(
            "flags argument to redis.register_function must be a table representing function flags"
        )
    flags: set[str] = set()
    fields = dict(value.items())  # raw: no metamethod of the script's table runs here
    index = 1
    while fields.get(index) is not None:
        flag = _string(fields[index])
        if flag is None or flag.lower() not in SCRIPT_FLAGS:
            _fail("unknown flag given")
        flags.add(flag.lower())
        index += 1
    return frozenset(flags)


def _fail(message: str) -> NoReturn:
    raise LuaCallError(b"ERR " + message.encode())
