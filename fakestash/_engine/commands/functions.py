"""Functions: FUNCTION LOAD/DELETE/FLUSH/KILL/LIST/STATS and FCALL/FCALL_RO.

Libraries live in ``db.extensions["functions"]`` with their own Lua runtime (as Redis keeps
functions apart from EVAL scripts). Library code runs once at load with only
``redis.register_function``, ``redis.log`` and the version fields; the registered callbacks
then run with the full API, ``fn(keys, args)``.

Upstash deviation, copied: FCALL_RO runs a function without the ``no-writes`` flag; only
an actual write inside it is refused ("Write commands are not allowed from read-only
scripts."). Redis refuses such a call up front.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fakestash._engine.admission import Script
from fakestash._engine.family import Family
from fakestash._engine.glob import glob_match
from fakestash._engine.keyspec import key_count
from fakestash._engine.lua.shebang import BAD_NAME, NAME, SCRIPT_FLAGS, parse_library_header
from fakestash._engine.replies import OK, Reply
from fakestash._errors import CommandError

if TYPE_CHECKING:
    from fakestash._engine.database import Database
    from fakestash._engine.lua.runtime import LuaEngine

FAMILY = Family("functions", group="functions", category="scripting")



@dataclass
class Function:
    name: str
    callback: Any
    flags: frozenset[str]
    description: str | None


@dataclass
class Library:
    name: str
    code: bytes
    functions: dict[str, Function] = field(default_factory=dict)


@dataclass
class FunctionStore:
    """The function libraries of one database and their Lua runtime."""

    seed: int
    engine: LuaEngine | None = None
    libraries: dict[str, Library] = field(default_factory=dict)

    def lua(self) -> LuaEngine:
        if self.engine is None:
            from fakestash._engine.lua.runtime import LuaEngine  # lupa: loaded when first used

            self.engine = LuaEngine(self.seed)
        return self.engine

    def find(self, name: str) -> Function | None:
        for library in self.libraries.values():
            function = library.functions.get(name)
            if function is not None:
                return function
        return None

    def owner(self, name: str) -> str | None:
        """The library that has a function of this name."""
        for library in self.libraries.values():
            if name in library.functions:
                return library.name
        return None

    def flush(self) -> None:
        self.libraries.clear()
        self.engine = None


def function_store(db: Database) -> FunctionStore:
    return db.extension("functions", lambda: FunctionStore(seed=db.rng.getrandbits(32)))


# ---- FUNCTION LOAD ---------------------------------------------------------------------


FAMILY.container("function")


@FAMILY.command(
    "function|load", -3, "write denyoom noscript",
    tips="request_policy:all_shards response_policy:all_succeeded",
)
def function_load(db: Database, args: list[bytes]) -> Reply:
    """Load a library of functions; reply with its name."""
    replace = False
    for option in args[:-1]:
        if option.lower() != b"replace":
            raise CommandError(f"ERR Unknown option given: {option.decode('utf-8', 'replace')}")
        replace = True
    code = args[-1]
    header = parse_library_header(code)
    if not NAME.fullmatch(header.name):
        raise CommandError("ERR " + BAD_NAME)
    store = function_store(db)
    if header.name in store.libraries and not replace:
        raise CommandError(f"ERR Library '{header.name}' already exists")
    from fakestash._engine.lua.library import Registrar

    library = Library(header.name, code)
    engine = store.lua()
    registrar = Registrar(engine)
    try:
        engine.load_library(header.body, registrar)
    finally:
        registrar.loading = False
    for name, (callback, flags, description) in registrar.functions.items():
        library.functions[name] = Function(name, callback, flags, description)
    if not library.functions:
        raise CommandError("ERR No functions registered")
    for name in library.functions:
        owner = store.owner(name)
        if owner is not None and owner != header.name:
            raise CommandError(f"ERR Function {name} already exists")
    store.libraries[header.name] = library
    return header.name.encode()


@FAMILY.command(
    "function|delete", 3, "write noscript",
    tips="request_policy:all_shards response_policy:all_succeeded",
)
def function_delete(db: Database, args: list[bytes]) -> Reply:
    """Delete a library and its functions."""
    store = function_store(db)
    if store.libraries.pop(args[0].decode("utf-8", "replace"), None) is None:
        raise CommandError("ERR Library not found")
    return OK


@FAMILY.command(
    "function|flush", -2, "write noscript",
    tips="request_policy:all_shards response_policy:all_succeeded",
)
def function_flush(db: Database, args: list[bytes]) -> Reply:
    """Delete every library (SYNC and ASYNC are the same here)."""
    if len(args) > 1 or (args and args[0].lower() not in (b"sync", b"async")):
        raise CommandError("ERR FUNCTION FLUSH only supports SYNC|ASYNC option")
    function_store(db).flush()
    return OK


@FAMILY.command(
    "function|kill", 2, "noscript allow_busy",
    tips="request_policy:all_shards response_policy:one_succeeded",
)
def function_kill(db: Database, args: list[bytes]) -> Reply:
    """Always NOTBUSY: a function runs whole under the lock, so none is ever seen running."""
    raise CommandError("NOTBUSY No scripts in execution right now.")


@FAMILY.command("function|list", -2, "noscript", tips="nondeterministic_output_order")
def function_list(db: Database, args: list[bytes]) -> Reply:
    """The libraries (by name), their functions and, WITHCODE, their code."""
    with_code = False
    pattern: bytes | None = None
    i = 0
    while i < len(args):
        arg = args[i]
        if not with_code and arg.lower() == b"withcode":
            with_code = True
        elif pattern is None and arg.lower() == b"libraryname":
            if i >= len(args) - 1:
                raise CommandError("ERR library name argument was not given")
            i += 1
            pattern = args[i]
        else:
            raise CommandError(f"ERR Unknown argument {arg.decode('utf-8', 'replace')}")
        i += 1
    reply: list[Reply] = []
    for name in sorted(function_store(db).libraries):
        library = function_store(db).libraries[name]
        if pattern is not None and not glob_match(pattern, name.encode()):
            continue
        reply.append(_describe(library, with_code))
    return reply


def _describe(library: Library, with_code: bool) -> list[Reply]:
    functions: list[Reply] = []
    for fname in sorted(library.functions):
        function = library.functions[fname]
        flags: list[Reply] = [flag.encode() for flag in SCRIPT_FLAGS if flag in function.flags]
        functions.append(
            [
                b"name",
                fname.encode(),
                b"description",
                function.description.encode() if function.description is not None else None,
                b"flags",
                flags,
            ]
        )
    entry: list[Reply] = [
        b"library_name",
        library.name.encode(),
        b"engine",
        b"LUA",
        b"functions",
        functions,
    ]
    if with_code:
        entry += [b"library_code", library.code]
    return entry


@FAMILY.command(
    "function|stats", 2, "noscript allow_busy",
    tips="nondeterministic_output request_policy:all_shards response_policy:special",
)
def function_stats(db: Database, args: list[bytes]) -> Reply:
    """No running script, and the library and function counts of the Lua engine."""
    libraries = function_store(db).libraries
    count = sum(len(library.functions) for library in libraries.values())
    return [
        b"running_script",
        None,
        b"engines",
        [b"LUA", [b"libraries_count", len(libraries), b"functions_count", count]],
    ]


# ---- FCALL ------------------------------------------------------------------------------


def _fcall(db: Database, args: list[bytes], ro: bool) -> Reply:
    name = args[0].decode("utf-8", "replace")
    store = function_store(db)
    function = store.find(name)
    if function is None:
        raise CommandError("ERR Function not found")
    try:
        numkeys = int(args[1])
    except ValueError:
        raise CommandError("ERR Bad number of keys provided") from None
    if numkeys > len(args) - 2:
        raise CommandError("ERR Number of keys can't be greater than number of args")
    if numkeys < 0:
        raise CommandError("ERR Number of keys can't be negative")
    keys, argv = args[2 : 2 + numkeys], args[2 + numkeys :]
    from fakestash._engine.lua.runtime import ScriptRun

    rules = Script(
        read_only=ro or "no-writes" in function.flags,
        locked_keys=frozenset(keys) if "allow-key-locking" in function.flags else None,
    )
    run = ScriptRun(db=db, name=name, caller=db.caller.in_script(rules))
    return store.lua().run_function(function.callback, keys, argv, run)


@FAMILY.command(
    "fcall", -3, "noscript stale skip_monitor no_mandatory_keys",
    keys=[key_count(2, "RW access update")],
)
def fcall(db: Database, args: list[bytes]) -> Reply:
    """Call a function."""
    return _fcall(db, args, ro=False)


@FAMILY.command(
    "fcall_ro", -3, "readonly noscript stale skip_monitor no_mandatory_keys",
    keys=[key_count(2, "RO access")],
)
def fcall_ro(db: Database, args: list[bytes]) -> Reply:
    """Call a function read-only (Upstash: even one without the no-writes flag)."""
    return _fcall(db, args, ro=True)
