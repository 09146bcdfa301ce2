"""The ``#!lua`` first line of scripts and libraries: flags (EVAL) and metadata (FUNCTION).

Redis 7 flags plus Upstash's ``allow-key-locking``. A flag Redis does not know is refused
with Redis' text; Upstash's flag is accepted everywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fakestash._errors import CommandError

#: What a library or function name may be (Redis' ``functionsVerifyName``).
NAME = re.compile(r"[A-Za-z0-9_]+")
BAD_NAME = (
    "Library names can only contain letters, numbers, or underscores(_) "
    "and must be at least one character long"
)

SCRIPT_FLAGS = (
    "no-writes",
    "allow-oom",
    "allow-stale",
    "no-cluster",
    "allow-cross-slot-keys",
    "allow-key-locking",  # Upstash: lock only KEYS; every key used must be declared
)


@dataclass(frozen=True)
class Shebang:
    """A parsed script: its flags (None without a shebang) and the body to compile."""

    flags: frozenset[str] | None
    body: bytes

    @property
    def no_writes(self) -> bool:
        return self.flags is not None and "no-writes" in self.flags

    @property
    def key_locking(self) -> bool:
        return self.flags is not None and "allow-key-locking" in self.flags


def parse_shebang(script: bytes) -> Shebang:
    """``evalExtractShebangFlags``: the flags of an EVAL script; the body keeps its lines."""
    if not script.startswith(b"#!"):
        return Shebang(None, script)
    newline = script.find(b"\n")
    if newline < 0:
        raise CommandError("ERR Invalid script shebang")
    parts = script[:newline].decode("utf-8", "replace").split()
    if parts[0] != "#!lua":
        raise CommandError(f"ERR Unexpected engine in script shebang: {parts[0]}")
    flags: set[str] = set()
    for part in parts[1:]:
        if not part.startswith("flags="):
            raise CommandError(f"ERR Unknown lua shebang option: {part}")
        value = part[len("flags=") :]
        for flag in value.split(",") if value else []:
            if flag not in SCRIPT_FLAGS:
                raise CommandError(f"ERR Unexpected flag in script shebang: {flag}")
            flags.add(flag)
    return Shebang(frozenset(flags), script[newline:])


@dataclass(frozen=True)
class LibraryHeader:
    name: str
    body: bytes


def parse_library_header(code: bytes) -> LibraryHeader:
    """``functionExtractLibMetaData``: ``#!<engine> name=<lib>`` on the first line."""
    if not code.startswith(b"#!"):
        raise CommandError("ERR Missing library metadata")
    newline = code.find(b"\n")
    if newline < 0:
        raise CommandError("ERR Invalid library metadata")
    parts = code[:newline].decode("utf-8", "replace").split()
    engine = parts[0][2:]
    name: str | None = None
    for part in parts[1:]:
        if part.startswith("name="):
            if name is not None:
                raise CommandError(
                    "ERR Invalid metadata value, name argument was given multiple times"
                )
            name = part[len("name=") :]
            continue
        raise CommandError(f"ERR Invalid metadata value given: {part}")
    if name is None:
        raise CommandError("ERR Library name was not given")
    if engine.upper() != "LUA":
        raise CommandError(f"ERR Engine '{engine}' not found")
    return LibraryHeader(name, code[newline:])
