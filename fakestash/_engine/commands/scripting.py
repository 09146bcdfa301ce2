"""Scripting commands: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT LOAD/EXISTS/FLUSH/KILL.

Scripts run on a per-database Lua 5.1 runtime (``fakestash._engine.lua``) and are cached by
SHA1 in ``db.extensions["scripting"]``. A script runs whole under the server lock, with the
clock frozen at its start; ``redis.call`` goes through the database's registry.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fakestash._engine.admission import Script
from fakestash._engine.args import parse_int
from fakestash._engine.family import Family
from fakestash._engine.keyspec import key_count
from fakestash._engine.lua.shebang import Shebang, parse_shebang
from fakestash._engine.replies import OK, Reply
from fakestash._errors import CommandError

if TYPE_CHECKING:
    from fakestash._engine.database import Database
    from fakestash._engine.lua.runtime import LuaEngine

FAMILY = Family("scripting", group="scripting", category="scripting")


NOSCRIPT_TEXT = "NOSCRIPT No matching script. Please use EVAL."
RO_WITH_WRITE_FLAG = "ERR Can not execute a script with write flag using *_ro command."


@dataclass
class CachedScript:
    shebang: Shebang
    function: Any


@dataclass
class ScriptCache:
    """The EVAL script cache of one database (and the Lua runtime the scripts live in)."""

    seed: int
    engine: LuaEngine | None = None
    scripts: dict[str, CachedScript] = field(default_factory=dict)

    def lua(self) -> LuaEngine:
        if self.engine is None:
            from fakestash._engine.lua.runtime import LuaEngine  # lupa: loaded when first used

            self.engine = LuaEngine(self.seed)
        return self.engine

    def add(self, body: bytes) -> tuple[str, CachedScript]:
        sha = hashlib.sha1(body).hexdigest()
        script = self.scripts.get(sha)
        if script is None:
            shebang = parse_shebang(body)
            function = self.lua().compile(shebang.body)
            script = self.scripts[sha] = CachedScript(shebang, function)
        return sha, script

    def flush(self) -> None:
        self.scripts.clear()
        self.engine = None


def script_cache(db: Database) -> ScriptCache:
    return db.extension("scripting", lambda: ScriptCache(seed=db.rng.getrandbits(32)))


def split_keys(args: list[bytes]) -> tuple[list[bytes], list[bytes]]:
    """``numkeys key… arg…`` → (keys, args), with Redis' texts for a bad count."""
    numkeys = parse_int(args[0])
    if numkeys > len(args) - 1:
        raise CommandError("ERR Number of keys can't be greater than number of args")
    if numkeys < 0:
        raise CommandError("ERR Number of keys can't be negative")
    return args[1 : 1 + numkeys], args[1 + numkeys :]


def run_script(
    db: Database, sha: str, script: CachedScript, keys: list[bytes], argv: list[bytes], ro: bool
) -> Reply:
    from fakestash._engine.lua.runtime import ScriptRun

    shebang = script.shebang
    if ro and shebang.flags is not None and not shebang.no_writes:
        raise CommandError(RO_WITH_WRITE_FLAG)
    rules = Script(
        read_only=ro or shebang.no_writes,
        locked_keys=frozenset(keys) if shebang.key_locking else None,
    )
    # The script runs as the user who ran EVAL: its redis.call are admitted for that user.
    run = ScriptRun(db=db, name=sha, caller=db.caller.in_script(rules))
    return script_cache(db).lua().run_eval(script.function, keys, argv, run)


def _eval(db: Database, args: list[bytes], ro: bool) -> Reply:
    keys, argv = split_keys(args[1:])  # the count is checked before the script is compiled
    sha, script = script_cache(db).add(args[0])
    return run_script(db, sha, script, keys, argv, ro)


def _evalsha(db: Database, args: list[bytes], ro: bool) -> Reply:
    keys, argv = split_keys(args[1:])
    sha = args[0].decode("utf-8", "replace").lower()
    script = script_cache(db).scripts.get(sha) if len(sha) == 40 else None
    if script is None:
        raise CommandError(NOSCRIPT_TEXT)
    return run_script(db, sha, script, keys, argv, ro)




@FAMILY.command(
    "eval", -3, "noscript stale skip_monitor no_mandatory_keys",
    keys=[key_count(2, "RW access update")],
)
def eval_(db: Database, args: list[bytes]) -> Reply:
    """Run a Lua script."""
    return _eval(db, args, ro=False)


@FAMILY.command(
    "eval_ro", -3, "readonly noscript stale skip_monitor no_mandatory_keys",
    keys=[key_count(2, "RO access")],
)
def eval_ro(db: Database, args: list[bytes]) -> Reply:
    """Run a read-only Lua script."""
    return _eval(db, args, ro=True)


@FAMILY.command(
    "evalsha", -3, "noscript stale skip_monitor no_mandatory_keys",
    keys=[key_count(2, "RW access update")],
)
def evalsha(db: Database, args: list[bytes]) -> Reply:
    """Run a cached Lua script by its SHA1."""
    return _evalsha(db, args, ro=False)


@FAMILY.command(
    "evalsha_ro", -3, "readonly noscript stale skip_monitor no_mandatory_keys",
    keys=[key_count(2, "RO access")],
)
def evalsha_ro(db: Database, args: list[bytes]) -> Reply:
    """Run a cached read-only Lua script by its SHA1."""
    return _evalsha(db, args, ro=True)


FAMILY.container("script")


@FAMILY.command(
    "script|load", 3, "noscript stale",
    tips="request_policy:all_nodes response_policy:all_succeeded",
)
def script_load(db: Database, args: list[bytes]) -> Reply:
    """Compile a script into the cache; reply with its SHA1."""
    sha, _ = script_cache(db).add(args[0])
    return sha.encode()


@FAMILY.command(
    "script|exists", -3, "noscript",
    tips="request_policy:all_shards response_policy:agg_logical_and",
)
def script_exists(db: Database, args: list[bytes]) -> Reply:
    """1 or 0 for each SHA1: whether it is in the cache."""
    scripts = script_cache(db).scripts
    return [1 if arg.decode("utf-8", "replace").lower() in scripts else 0 for arg in args]


@FAMILY.command(
    "script|flush", -2, "noscript",
    tips="request_policy:all_nodes response_policy:all_succeeded",
)
def script_flush(db: Database, args: list[bytes]) -> Reply:
    """Empty the script cache (SYNC and ASYNC are the same here)."""
    if len(args) > 1 or (args and args[0].lower() not in (b"sync", b"async")):
        raise CommandError("ERR SCRIPT FLUSH only support SYNC|ASYNC option")
    script_cache(db).flush()
    return OK


@FAMILY.command(
    "script|kill", 2, "noscript allow_busy",
    tips="request_policy:all_shards response_policy:one_succeeded",
)
def script_kill(db: Database, args: list[bytes]) -> Reply:
    """Always NOTBUSY: a script runs whole under the lock, so none is ever seen running."""
    raise CommandError("NOTBUSY No scripts in execution right now.")
