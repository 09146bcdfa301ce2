"""The MONITOR feed: every command a database runs, as Redis' MONITOR prints it.

A ``MonitorFeed`` hooks ``db.observers`` only while someone watches, formats each command
once (``1700000000.000000 [0 0.0.0.0:0] "SET" "k" "v"``, Redis' ``sdscatrepr`` quoting,
timestamps from the database clock) and posts it to every watcher's mailbox: SSE streams on
``/monitor`` and test-side command logs (``stash.monitor()``).

What shows, as in Redis 7.0: a command is fed when it starts (so EVAL comes before the
``[0 lua]`` calls it makes); a transaction shows ``MULTI``, its commands, then ``EXEC``;
commands refused before running (unknown, wrong arity, no permission) do not show; admin
commands (the ``admin`` flag) do not show.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Sequence

from fakestash._clock import time_us
from fakestash._engine.broker import (
    CLOSED_BY_SERVER,
    IDLE,
    UNLIMITED,
    BufferLimit,
    Mailbox,
    StreamReaper,
)
from fakestash._engine.database import Database
from fakestash._engine.family import ADMIN
from fakestash._engine.registry import Registry

#: The client address MONITOR shows for REST requests (Upstash shows this one).
REST_SOURCE = "0.0.0.0:0"
LUA_SOURCE = "lua"


@dataclass(frozen=True)
class MonitorEntry:
    """One executed command: when (µs), from where (``0.0.0.0:0`` or ``lua``), its argv."""

    time_us: int
    source: str
    argv: tuple[bytes, ...]

    @property
    def line(self) -> str:
        """Redis' MONITOR line, without the line end."""
        return format_line(self.time_us, self.source, self.argv)

    @property
    def command(self) -> list[str]:
        """The argv as text, e.g. ``["SET", "k", "v"]``."""
        return [arg.decode("utf-8", "replace") for arg in self.argv]

    @property
    def name(self) -> str:
        """The command name in upper case."""
        return self.argv[0].decode("utf-8", "replace").upper() if self.argv else ""

    @property
    def size(self) -> int:
        return sum(len(arg) + 3 for arg in self.argv) + 32


def repr_arg(arg: bytes) -> str:
    """Redis' ``sdscatrepr``: quoted, with C escapes and ``\\xHH`` for other bytes."""
    out = ['"']
    for byte in arg:
        escape = _ESCAPES.get(byte)
        if escape is not None:
            out.append(escape)
        elif 0x20 <= byte <= 0x7E:
            out.append(chr(byte))
        else:
            out.append(f"\\x{byte:02x}")
    out.append('"')
    return "".join(out)


_ESCAPES = {
    ord("\\"): "\\\\",
    ord('"'): '\\"',
    ord("\n"): "\\n",
    ord("\r"): "\\r",
    ord("\t"): "\\t",
    0x07: "\\a",
    0x08: "\\b",
}


def format_line(micros: int, source: str, argv: Sequence[bytes]) -> str:
    """``<secs>.<micros> [0 <source>] "ARG" "ARG"...`` (Upstash has one db: index 0)."""
    secs, frac = divmod(micros, 1_000_000)
    args = " ".join(repr_arg(arg) for arg in argv)
    return f"{secs}.{frac:06d} [0 {source}] {args}"


def _shown(registry: Registry, argv: Sequence[bytes]) -> bool:
    """Redis hides admin commands from MONITOR."""
    if not argv:
        return False
    cmd = registry.get(argv[0].decode("utf-8", "replace").lower())
    if cmd is not None and cmd.subcommands and len(argv) > 1:
        cmd = cmd.subcommands.get(argv[1].decode("utf-8", "replace").lower(), cmd)
    return cmd is None or ADMIN not in cmd.flags


class MonitorFeed:
    """The watchers of one database, and the observer that feeds them."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.watchers: dict[Mailbox[MonitorEntry], None] = {}
        self.buffer_limit = BufferLimit()
        self.closed = False
        #: Releases /monitor streams dropped without being closed, and idle ones.
        self.reaper = StreamReaper()
        db.closers.append(self.close_all)

    def watch(
        self,
        *,
        collector: bool = False,
        idle_timeout: float | None = None,
        history_limit: int | None = None,
    ) -> Mailbox[MonitorEntry]:
        """A new watcher: bounded for streams (ended by the reaper after ``idle_timeout``
        idle seconds), recording everything (or the last ``history_limit``) for collectors."""
        if collector:
            box: Mailbox[MonitorEntry] = Mailbox(
                UNLIMITED, self.db.clock, keep_history=True, history_limit=history_limit
            )
        else:
            box = Mailbox(self.buffer_limit, self.db.clock, idle_timeout=idle_timeout)
        with self.db.lock:
            self._reap()
            if self.closed:
                box.close(CLOSED_BY_SERVER)
                return box
            self.reaper.watch(box)
            self.watchers[box] = None
            if self.observe not in self.db.observers:
                self.db.observers.append(self.observe)
        return box

    def unwatch(self, box: Mailbox[MonitorEntry], reason: str = "closed by client") -> None:
        with self.db.lock:
            self._forget(box)
        box.close(reason, drop=reason not in (CLOSED_BY_SERVER, IDLE))

    def _reap(self) -> None:
        """Release dropped and idle streams (under the database lock)."""
        self.reaper.reap((box, partial(self.unwatch, box, IDLE)) for box in self.watchers)

    def _forget(self, box: Mailbox[MonitorEntry]) -> None:
        self.watchers.pop(box, None)
        if not self.watchers and self.observe in self.db.observers:
            self.db.observers.remove(self.observe)

    def observe(self, db: Database, argv: Sequence[bytes], source: str) -> None:
        """A ``db.observers`` callback: runs under the database lock before each command."""
        if not _shown(db.registry, argv):
            return
        self.feed(argv, source)

    def feed(self, argv: Sequence[bytes], source: str = REST_SOURCE) -> None:
        """Post one command to every watcher (also used for SUBSCRIBE over SSE)."""
        entry = MonitorEntry(time_us(self.db.clock), source, tuple(argv))
        size = entry.size
        with self.db.lock:
            self._reap()
            for box in list(self.watchers):
                if not box.put(entry, size):  # overflowed: drop it (the observer stays)
                    self.watchers.pop(box, None)

    def close_all(self) -> None:
        """End every watcher (``FakeStash.close()``); they still read what is queued."""
        with self.db.lock:
            self.closed = True
            boxes = list(self.watchers)
            for box in boxes:
                self._forget(box)
        for box in boxes:
            box.close(CLOSED_BY_SERVER)


def feed_of(db: Database) -> MonitorFeed:
    """The database's monitor feed, created on first use."""
    return db.extension("monitor", lambda: MonitorFeed(db))
