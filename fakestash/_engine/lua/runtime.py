"""One Lua 5.1 interpreter (lupa) with Redis' API, sandbox, limits and conversions.

A ``LuaEngine`` compiles script bodies and function libraries and runs them against a
``Database``: ``redis.call`` goes through the database's registry as every other command does,
under the server lock, with ``now_ms`` frozen for the whole script. A run ends at its time
limit whatever the script does, and the runtime refuses to grow past its memory limit
(``sandbox.py`` has the Lua half of both).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from lupa import lua51

from fakestash._engine.admission import Caller, admit, permitted
from fakestash._engine.lua import convert
from fakestash._engine.lua.convert import LuaArgumentError, ReplyToLua, ScriptErrorReply
from fakestash._engine.lua.libs import LuaLibError, make_libs
from fakestash._engine.lua.libs.lua_args import number_text
from fakestash._engine.lua.limits import MARGIN, NOT_ENOUGH_MEMORY, Limits, TimeUp
from fakestash._engine.lua.rand48 import Rand48
from fakestash._engine.lua.sandbox import PRELUDE, SANDBOX_CHUNK
from fakestash._engine.version import REDIS_VERSION, REDIS_VERSION_NUM
from fakestash._errors import CommandError

if TYPE_CHECKING:
    from fakestash._engine.database import Database
    from fakestash._engine.family import Command
    from fakestash._engine.registry import Registry
    from fakestash._engine.replies import Reply

log = logging.getLogger("fakestash.lua")

#: Seconds of wall-clock time a script (EVAL, FCALL) may run before it is stopped.
SCRIPT_TIME_LIMIT = 5.0
#: Seconds a library's top level may run in FUNCTION LOAD (Redis' LOAD_TIMEOUT_MS).
FUNCTION_LOAD_TIME_LIMIT = 0.5
#: Bytes of memory one Lua runtime may hold (read when a database starts its runtime).
SCRIPT_MEMORY_LIMIT = 256 * 1024 * 1024

KILLED_TEXT = (
    "ERR Script killed: it ran longer than the script time limit of {limit:g} s "
    "(fakestash._engine.lua.runtime.SCRIPT_TIME_LIMIT)"
)
LOAD_TIMEOUT_TEXT = b"ERR FUNCTION LOAD timeout"

_LOG_LEVELS = (logging.DEBUG, logging.INFO, logging.INFO, logging.WARNING)


@dataclass
class ScriptRun:
    """One running script: its database, its name (the sha for EVAL, the function name for
    FCALL, shown in error texts), and its caller (the user who ran it, and the script's own
    rules: read-only, locked keys), whom every ``redis.call`` is admitted for."""

    db: Database
    name: str
    caller: Caller
    log_lines: list[tuple[int, str]] = field(default_factory=list)


class LuaEngine:
    """A Lua 5.1 runtime with Redis' globals. One per database and family (EVAL, FUNCTION)."""

    def __init__(self, seed: int = 0) -> None:
        self.lua = lua51.LuaRuntime(
            encoding=None,
            unpack_returned_tuples=True,
            register_eval=False,
            register_builtins=False,
            # Python objects in Lua (redis.call, the libraries) expose no attributes:
            # no script reaches Python through them.
            attribute_handlers=(self._no_attribute, self._no_attribute),
            max_memory=SCRIPT_MEMORY_LIMIT,  # made exact (and given its reserve) by Limits
        )
        self.limits = limits = Limits(self.lua, SCRIPT_MEMORY_LIMIT)
        self.rand = Rand48(seed)
        self.run: ScriptRun | None = None
        self.to_lua = ReplyToLua(self.lua)
        py = self.lua.table_from(
            {
                b"call": self._redis_call,
                b"pcall": self._redis_pcall,
                b"unwrap": _unwrap,
                b"random": self.rand.random,
                b"randomseed": self._randomseed,
                b"sha1hex": _sha1hex,
                b"log": self._log,
                b"setresp": self._setresp,
                b"set_repl": _set_repl,
                b"acl_check": self._acl_check,
                b"time_check": limits.time_check,
                b"expired": limits.expired,
                b"memory_cap_kb": limits.cap / 1024,
                b"gc_collect_kb": limits.cap / 2048,
                b"version": REDIS_VERSION.encode(),
                b"version_num": REDIS_VERSION_NUM,
            }
        )
        libs = make_libs(self.lua, lambda: self._where(), limits.check, limits.room)
        api = self.lua.compile(_prelude_bytecode(), name=SANDBOX_CHUNK)(py, libs)
        self._where = api[b"where"]
        self._compile = api[b"compile"]
        self._run_eval = api[b"run_eval"]
        self._run_function = api[b"run_function"]
        self._load_library = api[b"load_library"]
        self._is_function = api[b"is_function"]
        limits.arm = api[b"arm"]
        limits.over_cap = api[b"over_memory_cap"]
        self._negative_zero = api[b"negative_zero"]
        self.table_from = self.lua.table_from

    # ---- compiling ---------------------------------------------------------------------

    def compile(self, body: bytes) -> Any:
        """A script body as a Lua function; raises Redis' compile error text."""
        if not self.limits.fits(2 * len(body)):
            raise CommandError("ERR Error compiling script (new function): not enough memory")
        result = self._compile(body, b"@user_script")
        if isinstance(result, tuple):
            message = _text(result[1])
            raise CommandError(f"ERR Error compiling script (new function): {message}")
        return result

    def load_library(self, code: bytes, register: Callable[..., Any]) -> None:
        """Run library code whose ``redis.register_function`` calls ``register``."""
        if not self.limits.fits(2 * len(code)):
            raise CommandError("ERR Error compiling function: not enough memory")
        self.limits.start(FUNCTION_LOAD_TIME_LIMIT, LOAD_TIMEOUT_TEXT)
        try:
            result = self._load_library(code, register)
        except lua51.LuaError as exc:  # the runtime could not even start the load
            raise CommandError(f"ERR Error registering functions: {_lua_error_text(exc)}") from None
        finally:
            self.limits.stop()
        ok = result[0] if isinstance(result, tuple) else result
        if ok:
            return
        _, stage, err = result
        if stage == b"compile":
            raise CommandError(f"ERR Error compiling function: {_text(err)}")
        raise CommandError(f"ERR Error registering functions: {_error_message(err)}")

    def is_function(self, value: Any) -> bool:
        return bool(self._is_function(value))

    # ---- running -------------------------------------------------------------------------

    def run_eval(self, fn: Any, keys: list[bytes], argv: list[bytes], run: ScriptRun) -> Reply:
        return self._invoke(self._run_eval, fn, keys, argv, run)

    def run_function(self, fn: Any, keys: list[bytes], argv: list[bytes], run: ScriptRun) -> Reply:
        return self._invoke(self._run_function, fn, keys, argv, run)

    def _invoke(
        self, runner: Any, fn: Any, keys: list[bytes], argv: list[bytes], run: ScriptRun
    ) -> Reply:
        db = run.db
        if (
            len(keys) + len(argv) > 1024 or sum(map(len, keys)) + sum(map(len, argv)) > MARGIN
        ) and not self.limits.args_fit(keys, argv):
            raise CommandError(f"ERR Error running script {run.name}, not enough memory")
        with db.frozen_time():
            outer, self.run = self.run, run
            self.limits.start(SCRIPT_TIME_LIMIT, _killed_text(SCRIPT_TIME_LIMIT))
            self.to_lua.resp = 2
            try:
                ok, result = runner(fn, self.table_from(keys), self.table_from(argv))
            except lua51.LuaError as exc:  # not even room to start
                raise CommandError(
                    f"ERR Error running script {run.name}, {_lua_error_text(exc)}"
                ) from None
            finally:
                self.run = outer
                self.limits.stop()
        if not ok:
            raise CommandError(_script_error(result, run.name))
        try:
            return convert.lua_to_reply(result, self._negative_zero)
        except ScriptErrorReply as exc:
            raise CommandError(exc.text) from None

    def _no_attribute(self, *_: Any) -> Any:
        raise LuaLibError(self._where()[0] + b"attempt to index a function value")

    # ---- the redis.* callbacks (never raise into Lua) -------------------------------------

    def _redis_call(self, *args: Any) -> Any:
        """``redis.call``: the reply, or a raised error the Lua handlers unwrap."""
        ok, value = self._call(args)
        if ok:
            return value
        raise LuaCallError(value)

    def _redis_pcall(self, *args: Any) -> Any:
        """``redis.pcall``: the reply, or an error table."""
        ok, value = self._call(args)
        if ok:
            return value
        return self.table_from({b"err": value})

    def _call(self, args: tuple[Any, ...]) -> tuple[bool, Any]:
        run = self.run
        if run is None:
            return False, b"ERR redis.call/pcall can only be called inside a script invocation"
        limits = self.limits
        if time.monotonic() >= limits.deadline or limits.used() > limits.cap:
            limits.check()  # (the common case, inlined: under both limits)
        try:
            argv = convert.args_to_argv(args)
            reply = self._execute(run, argv)
        except LuaArgumentError as exc:
            return False, b"ERR " + str(exc).encode()
        except CommandError as exc:
            return False, _command_error(exc.text)
        except Exception as exc:  # a bug in a command must not escape as a Lua panic
            log.exception("command failed inside a script")
            return False, f"ERR {type(exc).__name__}: {exc}".encode()
        if type(reply) is bytes:
            if len(reply) > MARGIN:
                self.limits.room(len(reply))
        elif type(reply) is list:
            self.limits.room_for(reply)
        return True, self.to_lua(reply)

    def _execute(self, run: ScriptRun, argv: list[bytes]) -> Reply:
        cmd = run.db.registry.script_lookup(argv)
        admit(run.caller, cmd, argv)  # Redis' script texts: the caller is in a script
        return run.db.run(cmd, argv, source="lua", caller=run.caller)

    def _acl_check(self, *args: Any) -> bool:
        run = self.run
        if run is None:
            raise LuaCallError(
                b"ERR redis.acl_check_cmd can only be called inside a script invocation"
            )
        try:
            argv = convert.args_to_argv(args)
        except LuaArgumentError as exc:
            raise LuaCallError(b"ERR " + str(exc).encode()) from None
        cmd = _acl_command(run.db.registry, argv)
        if cmd is None:
            raise LuaCallError(b"ERR Invalid command passed to redis.acl_check_cmd()")
        return permitted(run.caller, cmd, argv)

    def _randomseed(self, seed: float) -> None:
        self.rand.seed(int(seed))

    def _log(self, *args: Any) -> None:
        """``redis.log(level, ...)``: to the ``fakestash.lua`` logger."""
        if len(args) < 2:
            raise LuaCallError(b"ERR redis.log() requires two arguments or more.")
        level = _lua_tonumber(args[0])
        if level is None:
            raise LuaCallError(b"ERR First argument must be a number (log level).")
        if not 0 <= int(level) <= 3:
            raise LuaCallError(b"ERR Invalid debug level.")
        parts = [_lua_tostring(arg) for arg in args[1:]]
        text = " ".join(part for part in parts if part is not None)
        if self.run is not None:
            self.run.log_lines.append((int(level), text))
        log.log(_LOG_LEVELS[int(level)], "%s", text)

    def _setresp(self, *args: Any) -> None:
        if len(args) != 1:
            raise LuaCallError(b"ERR redis.setresp() requires one argument.")
        version = _lua_tonumber(args[0])
        if version is None or int(version) not in (2, 3):
            raise LuaCallError(b"ERR RESP version must be 2 or 3.")
        self.to_lua.resp = int(version)


class LuaCallError(Exception):
    """Raised into Lua by ``redis.call``: ``text`` becomes the ``err`` of an error table."""

    def __init__(self, text: bytes) -> None:
        super().__init__(text)
        self.text = text


def _unwrap(exc: Any) -> tuple[bytes, bytes]:
    """For the Lua error handlers: what a Python exception raised into Lua carries."""
    if isinstance(exc, (LuaCallError, TimeUp)):
        return b"call", exc.text
    if isinstance(exc, LuaLibError):
        return b"lib", exc.text
    if isinstance(exc, MemoryError):  # lupa's LuaMemoryError: a table too big for the limit
        return b"lib", NOT_ENOUGH_MEMORY
    return b"other", str(exc).encode()


def _acl_command(registry: Registry, argv: list[bytes]) -> Command | None:
    """The command ``redis.acl_check_cmd`` asks about (a container's subcommand, if named)."""
    cmd = registry.get(argv[0].decode("utf-8", "replace").lower())
    if cmd is not None and cmd.container and len(argv) > 1:
        return cmd.subcommands.get(argv[1].decode("utf-8", "replace").lower())
    return cmd


def _sha1hex(*args: Any) -> bytes:
    if len(args) != 1:
        raise LuaCallError(b"ERR wrong number of arguments")
    data = _lua_tostring(args[0]) or ""
    return hashlib.sha1(data.encode("utf-8", "surrogateescape")).hexdigest().encode()


def _set_repl(*args: Any) -> None:
    if len(args) != 1:
        raise LuaCallError(b"ERR redis.set_repl() requires two arguments.")
    flags = _lua_tonumber(args[0])
    if flags is None or int(flags) & ~3:
        raise LuaCallError(
            b"ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE."
        )


def _lua_tonumber(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, bytes):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _lua_tostring(value: Any) -> str | None:
    """``lua_tolstring``: strings and numbers; None for anything else."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return number_text(value, 14).decode()
    return None


def sha1hex(body: bytes) -> str:
    return hashlib.sha1(body).hexdigest()


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _command_error(text: str) -> bytes:
    """``luaPushErrorBuff`` of a command's error reply (``-CODE msg``)."""
    code, sep, msg = text.partition(" ")
    full = f"{code} {msg}" if sep else f"ERR {text}"
    return full.strip("\r\n").encode()


def _error_message(err: Any) -> str:
    if lua51.lua_type(err) == "table":
        msg = err[b"err"]
        return _text(msg) if isinstance(msg, bytes) else "ERR unknown error"
    return "ERR " + _text(err)


@functools.cache
def _prelude_bytecode() -> bytes:
    """The sandbox prelude, compiled once per process: loading its bytecode costs a tenth
    of parsing it, which is most of a new database's first script. (Scripts can never load
    bytecode; this is the sandbox's own code.)"""
    scratch = lua51.LuaRuntime(encoding=None, register_eval=False, register_builtins=False)
    chunk = scratch.compile(PRELUDE, name=SANDBOX_CHUNK)
    return bytes(scratch.eval("string.dump")(chunk))


@functools.lru_cache(maxsize=8)
def _killed_text(limit: float) -> bytes:
    return KILLED_TEXT.format(limit=limit).encode()


def _lua_error_text(exc: lua51.LuaError) -> str:
    if isinstance(exc, MemoryError):
        return NOT_ENOUGH_MEMORY.decode()
    return str(exc).splitlines()[0] if str(exc) else "execution failure"


def _script_error(err: Any, name: str) -> str:
    """The reply text of a script that raised: Redis 7's ``luaCallFunction`` format."""
    if lua51.lua_type(err) != "table":
        return f"ERR Error running script {name}, {_text(err)[:100]}"
    msg = err[b"err"]
    text = _text(msg) if isinstance(msg, (bytes, int, float)) else "ERR unknown error"
    source, line = err[b"source"], err[b"line"]
    if source is not None and line is not None:
        text = f"{text} script: {name}, on {_text(source)}:{_text(line)}."
    return text.replace("\r", " ").replace("\n", " ")
