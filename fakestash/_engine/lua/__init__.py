"""Lua scripting for the engine: a sandboxed Lua 5.1 (lupa) with Redis' API and libraries.

Nothing is imported here: ``runtime`` loads lupa (tens of milliseconds), so the scripting
and functions families import it when a database first runs a script.
"""
