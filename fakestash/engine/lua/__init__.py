"""Lua scripting for the engine: a sandboxed Lua 5.1 (lupa) with Redis' API and libraries."""

from fakestash.engine.lua.runtime import LuaEngine, ScriptRun, sha1hex
from fakestash.engine.lua.shebang import Shebang, parse_shebang

__all__ = ["LuaEngine", "ScriptRun", "Shebang", "parse_shebang", "sha1hex"]
