"""What a run may send to a database that is not only its own: the prefix, and the gate.

Every key a run touches lies under a random prefix (``fakestash-conformance:<hex>:``, then
``<family>:<sequence>:`` per sequence), every channel too; scripts carry a comment naming the
sequence (so their SHA1s are the run's own), and function libraries and functions are named
``fc<hex>_<sequence>_<name>``. ``Scope.refusal`` is the last check before anything is sent:
a command whose keys (read from fakestash's command table), patterns, channels, scripts or
functions are not the run's own, or that acts on the whole database, is not sent to either
side and is reported as skipped with the reason. Database-wide commands (DBSIZE, RANDOMKEY,
SCAN, SCRIPT FLUSH…) are sent only when the run was told the database is its own
(``--exclusive``); FLUSHALL, FLUSHDB and their kind never are.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from hashlib import sha1
from typing import Sequence

#: Never sent, whatever the flags: they destroy or reconfigure what is not the run's.
NEVER = frozenset(
    {"flushall", "flushdb", "swapdb", "move", "migrate", "shutdown", "debug", "config",
     "acl", "save", "bgsave", "bgrewriteaof", "replicaof", "slaveof", "failover",
     "function|restore", "client", "monitor", "select", "sort", "sort_ro"}
)  # fmt: skip
#: Sent only on a database that is the run's alone (``--exclusive``): they see or change
#: the whole database, so on a shared one they are unsafe, or their replies meaningless.
DATABASE_WIDE = frozenset(
    {"dbsize", "randomkey", "scan", "script|flush", "script|kill", "function|flush",
     "function|kill", "function|list", "function|dump", "function|stats", "pubsub|numpat",
     "info", "time", "lastsave", "memory", "latency", "slowlog", "wait", "waitaof"}
)  # fmt: skip
_LIBRARY_NAME = re.compile(rb"^#!lua\s+name=(\S+)")
_FUNCTION_NAMES = re.compile(rb"(?:register_function\s*\(\s*|function_name\s*=\s*)'([^']*)'")
_DATABASE_WIDE_REASON = (
    "acts on the whole database: sent only with --exclusive (a database of the run's own)"
)


def run_prefix() -> str:
    """A fresh prefix for a run's keys: ``fakestash-conformance:<12 hex digits>:``."""
    return f"fakestash-conformance:{secrets.token_hex(6)}:"


def name_tag(prefix: str) -> str:
    """The run's mark for names that must be identifiers (function libraries, functions)."""
    return "fc" + prefix.rstrip(":").rsplit(":", 1)[-1]


@dataclass
class Scope:
    """One sequence's names: key prefix, name tag, and the scripts it made."""

    prefix: str
    tag: str
    exclusive: bool = False
    #: Keys, channels and libraries handed out: the clean-up removes them.
    keys: set[str] = field(default_factory=set)
    libraries: set[str] = field(default_factory=set)
    shas: set[bytes] = field(default_factory=set)

    def key(self, name: str) -> str:
        key = self.prefix + name
        self.keys.add(key)
        return key

    def pattern(self, pattern: str) -> str:
        """A glob over the sequence's keys (the prefix holds no glob character)."""
        return self.prefix + pattern

    def channel(self, name: str) -> str:
        return self.prefix + name

    def script(self, body: str) -> str:
        """The script with a last line naming the sequence: its SHA1 is the run's own."""
        tagged = f"{body}\n-- {self.prefix}"
        self.shas.add(sha1(tagged.encode()).hexdigest().encode())
        return tagged

    def function(self, name: str) -> str:
        return f"{self.tag}_{name}"

    def library(self, name: str) -> str:
        library = self.function(name)
        self.libraries.add(library)
        return library

    # ---- the gate ------------------------------------------------------------------------

    def refusal(self, argv: Sequence[bytes]) -> str | None:
        """Why ``argv`` must not be sent (None: it may)."""
        if not argv:
            return None
        name = _full_name(argv)
        if name in NEVER or name.split("|")[0] in NEVER:
            return "never sent by a conformance run (it acts beyond the run's keys)"
        if name in DATABASE_WIDE or (name.startswith("pubsub|") and name.endswith("channels")
                                     and len(argv) == 2):  # fmt: skip
            return None if self.exclusive else _DATABASE_WIDE_REASON
        return self._names_refusal(name, argv)

    def _names_refusal(self, name: str, argv: Sequence[bytes]) -> str | None:
        prefix = self.prefix.encode()
        keys, writes = _keys(argv)
        # On a database of the run's own a read sees only the run's keys, wherever it looks;
        # a write outside the prefix would escape the clean-up.
        if writes or not self.exclusive:
            for key in keys:
                if not key.startswith(prefix):
                    return f"names a key outside the run's prefix: {key[:60]!r}"
        words = _checked_words(name, argv)
        if words is None:
            return None
        for word in words:
            if not word.startswith(prefix) and not word.startswith(self.tag.encode()):
                if name in ("evalsha", "evalsha_ro") and word.lower() in self.shas:
                    continue
                return f"names something outside the run's own: {word[:60]!r}"
        return None


def _full_name(argv: Sequence[bytes]) -> str:
    name = argv[0].decode("utf-8", "replace").lower()
    if name in ("script", "function", "pubsub", "config", "client", "memory") and len(argv) > 1:
        return f"{name}|{argv[1].decode('utf-8', 'replace').lower()}"
    return name


def _checked_words(name: str, argv: Sequence[bytes]) -> list[bytes] | None:
    """The arguments that must be the run's own besides keys: patterns, channels, SHA1s,
    functions and libraries (None: nothing more to check)."""
    if name == "keys" and len(argv) > 1:
        return [argv[1]]
    if name in ("publish", "spublish") and len(argv) > 1:
        return [argv[1]]
    if name in ("pubsub|channels", "pubsub|shardchannels"):
        return list(argv[2:3]) if len(argv) > 2 else [b""]
    if name in ("pubsub|numsub", "pubsub|shardnumsub"):
        return list(argv[2:])
    if name in ("evalsha", "evalsha_ro", "fcall", "fcall_ro") and len(argv) > 1:
        return [argv[1]]
    if name == "function|delete" and len(argv) > 2:
        return [argv[2]]
    if name == "function|load" and len(argv) > 2:
        library = _LIBRARY_NAME.match(argv[-1])
        names = [library.group(1)] if library else []
        return names + _FUNCTION_NAMES.findall(argv[-1])
    return None


def _keys(argv: Sequence[bytes]) -> tuple[list[bytes], bool]:
    """The key arguments of ``argv`` by fakestash's command declarations, and whether it
    writes (no keys if they cannot tell: an unknown command or wrong arguments fail before
    touching a key)."""
    from fakestash._engine.registry import Registry

    try:
        cmd = Registry.default().lookup(argv)
        return list(cmd.keys(argv)), cmd.is_write
    except Exception:  # any failure to parse: the command fails on both sides
        return [], True


def readonly_token_may_run(argv: Sequence[bytes]) -> bool:
    """Whether a read-only token may run ``argv``, by fakestash's policy."""
    from fakestash._engine.registry import Registry

    try:
        return Registry.default().lookup(argv).readonly_token
    except Exception:  # unknown or malformed: refused before it runs
        return True
