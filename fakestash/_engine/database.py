"""One logical Redis database: the keyspace with millisecond expiry, and command execution."""

from __future__ import annotations

import random
import threading
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence, TypeVar

from fakestash._clock import Clock, SystemClock
from fakestash._engine import notify
from fakestash._engine.admission import DIRECT, Caller, admit
from fakestash._engine.family import Command
from fakestash._engine.registry import Registry
from fakestash._engine.replies import ErrorReply
from fakestash._engine.scan_index import ScanIndex
from fakestash._errors import CommandError, WrongType

if TYPE_CHECKING:
    from fakestash._engine.replies import Reply

T = TypeVar("T")
E = TypeVar("E")

#: Called before every command runs: (database, argv, source). ``source`` is the client
#: address MONITOR shows (``0.0.0.0:0``) or ``lua`` for calls from a script.
CommandObserver = Callable[["Database", Sequence[bytes], str], None]


class Database:
    """Keys to values, keys to expiry times (ms), and the execution of commands.

    A value is ``bytes`` for a string, otherwise an instance of a value type
    (``fakestash._engine.values``). Expired keys are removed lazily, on access, and filtered
    from every listing, so no command ever sees one. Members with their own TTLs (hash
    fields) are reaped on access too, once ``member_expiry`` is set (the first member TTL
    set in this database sets it).
    """

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        lock: threading.RLock | None = None,
        name: str = "db0",
        registry: Registry | None = None,
    ) -> None:
        self.name = name
        #: The commands this database runs (``Registry.default()`` unless the server says).
        self.registry = registry or Registry.default()
        self.clock: Clock = clock or SystemClock()
        self.rng = rng or random.Random(0)
        self.lock = lock or threading.RLock()
        self.data: dict[bytes, Any] = {}
        self.expires: dict[bytes, int] = {}
        #: Every key of ``data``, for SCAN (kept by ``put``, ``get_or_create``, ``delete``).
        self.scan_index = ScanIndex()
        self.version = 0  # moved by every write: the Upstash-Sync-Token
        self.observers: list[CommandObserver] = []
        self.member_expiry = False  # set once a member (hash field) TTL exists here
        #: notify-keyspace-events (``notify.py``): 0 publishes nothing.
        self.notify_flags = 0
        self._notify_miss = False  # the running command reads: a missed lookup is "keymiss"
        #: The time of the command running (``now_ms``): None until it is first read.
        self._now_ms: int | None = None
        #: ``argv[0]`` of the command running, as the client spelled it (a few Redis error
        #: texts quote it, e.g. GEOSEARCH's).
        self.command_name = b""
        self._depth = 0
        #: Per-family state that is not a key (scripts, functions, pub/sub…), by family.
        self.extensions: dict[str, Any] = {}
        #: Called by ``FakeStash.close()``: families that hold open streams register here.
        self.closers: list[Callable[[], None]] = []
        #: Who runs the command running now (set by ``run``): ACL WHOAMI, scripts read it.
        self.caller = DIRECT

    # ---- execution -------------------------------------------------------------------

    @property
    def now_ms(self) -> int:
        """The time of the command running, in ms: read from the clock when the command
        first asks (most never do: SET without a TTL, GET of a key without one), then the
        same for the rest of it; frozen for a whole script or transaction."""
        now = self._now_ms
        if now is None:
            now = self._now_ms = self.clock.time_ms()
        return now

    @now_ms.setter
    def now_ms(self, value: int) -> None:
        self._now_ms = value

    def execute(
        self, argv: Sequence[bytes], *, source: str = "0.0.0.0:0", caller: Caller = DIRECT
    ) -> Reply:
        """Look up, admit (``fakestash/_engine/admission.py``) and run one command under the
        lock. Raises ``CommandError`` with Redis' text."""
        cmd = self.registry.lookup(argv)
        admit(caller, cmd, argv)
        return self.run(cmd, argv, source=source, caller=caller)

    def run(
        self,
        cmd: Command,
        argv: Sequence[bytes],
        *,
        source: str = "0.0.0.0:0",
        caller: Caller = DIRECT,
    ) -> Reply:
        """Run an already looked-up (arity-checked) and admitted command for ``caller``,
        which its handler can read as ``db.caller`` while it runs.

        The time is read once per top-level command; inside a script or a transaction
        (``frozen_time``) it stays where it was, as Redis 7 freezes it there.
        """
        handler = cmd.handler
        assert handler is not None
        args = argv[cmd.arg_start :]
        if type(args) is not list:
            args = list(args)
        with self.lock:
            self.caller = caller
            if not self._depth:
                self._now_ms = None  # read when the command first asks (``now_ms``)
            if self.observers or self.notify_flags:
                self._before(cmd, argv, source)
            self.command_name = argv[0]
            reply = handler(self, args)
            if cmd.is_write:
                self.version += 1
            return reply

    def run_atomic(
        self, queued: Sequence[tuple[Command, Sequence[bytes]]], caller: Caller = DIRECT
    ) -> list[Reply]:
        """EXEC: run every queued (admitted) command under the lock at one frozen time; a
        failing command becomes an ``ErrorReply`` item and the rest still run, as in Redis."""
        results: list[Reply] = []
        with self.frozen_time():
            self._observe_bare((b"MULTI",))  # MONITOR shows MULTI, the commands, then EXEC
            for cmd, argv in queued:
                try:
                    results.append(self.run(cmd, argv, caller=caller))
                except CommandError as exc:
                    results.append(ErrorReply(exc.text))
            self._observe_bare((b"EXEC",))
        return results

    def run_each(
        self, rows: Sequence[Sequence[bytes] | CommandError], caller: Caller = DIRECT
    ) -> list[Reply | ErrorReply]:
        """A pipeline: each row looked up, admitted and run on its own, in order; a row that
        fails (or is a ``CommandError`` already: it did not parse) becomes an ``ErrorReply``
        and the rest still run. Each command reads the clock, as single commands do.

        The hot path of every pipeline: ``run``'s steps inline, the lock taken once for all
        the rows, a spelling seen before found in one dict read (its arity still checked).
        """
        registry = self.registry
        spellings, lookup = registry.spellings, registry.lookup
        checked = not caller.unchecked
        items: list[Reply | ErrorReply] = []
        append = items.append
        writes = 0
        with self.lock:
            top = not self._depth  # a pipeline runs at the top: each command reads the clock
            try:
                for argv in rows:
                    try:
                        if type(argv) is list and argv:
                            name = argv[0]
                            cmd = spellings.get(name)
                            if cmd is None:
                                cmd = lookup(argv)
                            elif (
                                (len(argv) != cmd.arity)
                                if cmd.arity > 0
                                else (len(argv) < -cmd.arity)
                            ):
                                cmd.check_arity(len(argv))
                        else:
                            argv, cmd = _slow_row(argv, lookup)
                            name = argv[0]
                        if checked:
                            admit(caller, cmd, argv)
                        self.caller = caller
                        if top:
                            self._now_ms = None  # each command reads the clock (``now_ms``)
                        if self.observers or self.notify_flags:
                            self._before(cmd, argv, "0.0.0.0:0")
                        self.command_name = name
                        append(cmd.handler(self, argv[cmd.arg_start :]))  # type: ignore[misc]
                        writes += cmd.is_write
                    except CommandError as exc:
                        append(ErrorReply(exc.text))
            finally:
                self.version += writes
        return items

    def _before(self, cmd: Command, argv: Sequence[bytes], source: str) -> None:
        """What runs before a command when someone watches: MONITOR and other observers
        see it; with keyspace notifications on, whether a missed lookup is a keymiss."""
        for observer in self.observers:
            observer(self, argv, source)
        if self.notify_flags:
            self._notify_miss = bool(self.notify_flags & notify.KEY_MISS) and (
                not cmd.is_write or cmd.name in notify.MISS_ON_WRITE
            )

    def _observe_bare(self, argv: Sequence[bytes], source: str = "0.0.0.0:0") -> None:
        for observer in self.observers:
            observer(self, argv, source)

    @property
    def in_block(self) -> bool:
        """True inside a script or a transaction (a ``frozen_time`` block)."""
        return self._depth > 0

    def frozen_time(self) -> _FrozenTime:
        """Hold ``now_ms`` fixed for a block of commands (a script, a transaction)."""
        return _FrozenTime(self)

    def extension(self, name: str, factory: Callable[[], E]) -> E:
        """Per-family state that is not a key (a broker, a script cache…), made on first
        use under the lock so two threads never make two."""
        state = self.extensions.get(name)
        if state is None:
            with self.lock:
                state = self.extensions.get(name)
                if state is None:
                    state = self.extensions[name] = factory()
        return state

    # ---- keyspace --------------------------------------------------------------------

    def lookup(self, key: bytes) -> Any:
        """The live value of ``key`` or None; deletes it if its time has passed."""
        value = self.data.get(key)
        if value is None:
            return self._missed(key)
        when = self.expires.get(key)
        if when is not None and when < self.now_ms:
            self._expire(key)
            return self._missed(key)
        if (
            self.member_expiry
            and type(value) is not bytes
            and value.reap(self.now_ms)
            and self._reaped(key, value)
        ):
            return self._missed(key)
        return value

    def _missed(self, key: bytes) -> None:
        """A lookup found nothing: a ``keymiss`` event if a read command asked (class m)."""
        if self.notify_flags and self._notify_miss:
            notify.emit(self, notify.KEY_MISS, b"keymiss", key)

    def _expire(self, key: bytes) -> None:
        self.delete(key)
        if self.notify_flags:
            notify.emit(self, notify.EXPIRED, b"expired", key)

    def _reaped(self, key: bytes, value: Any) -> bool:
        """Members of ``value`` expired: notify, and delete it if left empty (True)."""
        if self.notify_flags:
            notify.emit(self, notify.HASH, b"hexpired", key)
        if value:
            return False
        self.delete(key)
        if self.notify_flags:
            notify.emit(self, notify.GENERIC, b"del", key)
        return True

    def get(self, key: bytes, kind: type[T]) -> T | None:
        """The value of ``key`` if it is a ``kind``; None if missing; WRONGTYPE otherwise."""
        value = self.lookup(key)
        if value is None or type(value) is kind:
            return value
        raise WrongType()

    def get_or_create(self, key: bytes, kind: type[T]) -> T:
        value = self.get(key, kind)
        if value is None:
            value = kind()
            self.data[key] = value
            self.scan_index.add(key)
            if self.notify_flags:
                notify.emit(self, notify.NEW, b"new", key)
        return value

    def put(self, key: bytes, value: Any, *, keep_ttl: bool = False) -> None:
        """Store ``value`` at ``key``, replacing what was there (and its TTL, by default)."""
        if key not in self.data:
            self.scan_index.add(key)
            self.data[key] = value
            if self.notify_flags:
                notify.emit(self, notify.NEW, b"new", key)
        else:
            self.data[key] = value
        if not keep_ttl:
            self.expires.pop(key, None)

    def delete(self, key: bytes) -> bool:
        if self.data.pop(key, None) is None:
            return False
        self.expires.pop(key, None)
        self.scan_index.remove(key)
        return True

    def delete_if_empty(self, key: bytes, value: Any) -> None:
        """Collections vanish when their last element goes (a ``del`` event, as Redis)."""
        if not value:
            self.delete(key)
            if self.notify_flags:
                notify.emit(self, notify.GENERIC, b"del", key)

    def exists(self, key: bytes) -> bool:
        return self.lookup(key) is not None

    def expire_at(self, key: bytes, when_ms: int) -> None:
        """Set an absolute expiry; a time already past deletes the key, as Redis does."""
        if when_ms <= self.now_ms:
            self.delete(key)
        else:
            self.expires[key] = when_ms

    def expiry_of(self, key: bytes) -> int | None:
        return self.expires.get(key)

    def persist(self, key: bytes) -> bool:
        return self.expires.pop(key, None) is not None

    def purge_expired(self) -> None:
        now = self.now_ms
        for key in [k for k, when in self.expires.items() if when < now]:
            self._expire(key)
        if self.member_expiry:
            for key, value in list(self.data.items()):
                if type(value) is not bytes and value.reap(now):
                    self._reaped(key, value)

    def keys(self) -> Iterator[bytes]:
        """Every live key, in insertion order (a snapshot: safe to delete while iterating)."""
        self.purge_expired()
        return iter(list(self.data))

    def size(self) -> int:
        self.purge_expired()
        return len(self.data)

    def flush(self) -> None:
        self.data.clear()
        self.expires.clear()
        self.scan_index.clear()


def _slow_row(
    argv: Sequence[bytes] | CommandError, lookup: Callable[[Sequence[bytes]], Command]
) -> tuple[list[bytes], Command]:
    """A pipeline row off the hot path: one that did not parse (raised), empty, or not a
    list."""
    if isinstance(argv, CommandError):
        raise argv
    argv = list(argv)
    return argv, lookup(argv)


def run_rows(
    db: Database, rows: Sequence[Sequence[bytes] | CommandError], caller: Caller = DIRECT
) -> list[Reply | ErrorReply]:
    """``Database.run_each`` through ``db.run`` for each row: for a database whose ``run``
    does the work elsewhere (the real-Redis backend)."""
    items: list[Reply | ErrorReply] = []
    with db.lock:
        for argv in rows:
            try:
                if isinstance(argv, CommandError):
                    raise argv
                cmd = db.registry.lookup(argv)
                admit(caller, cmd, argv)
                items.append(db.run(cmd, argv, caller=caller))
            except CommandError as exc:
                items.append(ErrorReply(exc.text))
    return items


class _FrozenTime:
    def __init__(self, db: Database) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.lock.acquire()
        if self.db._depth == 0:
            self.db._now_ms = self.db.clock.time_ms()
        self.db._depth += 1

    def __exit__(self, *exc: object) -> None:
        self.db._depth -= 1
        self.db.lock.release()
