"""A database backend that runs every command on a real Redis server (for conformance runs).

``RealRedisDatabase`` has the interface the REST face uses on ``endpoint.database`` (``run``,
``run_atomic``, ``execute``, ``version``, ``flush``, ``lock``, ``observers``, ``closers``,
``extensions``), so the very same REST face serves either the in-memory engine or Redis::

    stash = FakeStash(database_factory=real_redis_factory("redis://127.0.0.1:6379"))

It sends each argv unchanged on one RESP2 connection of its own
(``fakestash/_backends/connection.py``: a socket and our reader, no third-party client) and
gets the engine's reply values back: bulk → ``bytes``, simple string → ``Status``, integer
→ ``int``, nil → ``None``, array → ``list``, error → ``CommandError`` (top level) or
``ErrorReply`` (inside an array). The registry still decides what exists and its arity
(the REST face looks commands up before running them); ``send`` skips the registry to ask
Redis directly.

Safe on a server that holds other data: it never empties the server unless it was built
with ``allow_flush=True`` (the repository's tests do, on servers they started): ``flush()``
raises, and FLUSHALL / FLUSHDB are refused before they reach Redis. SELECT and SWAPDB are
never sent (the connection would serve another database from then on).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Callable, Sequence

from fakestash._backends.connection import RedisAddress, RedisConnection
from fakestash._engine.admission import DIRECT, Caller
from fakestash._engine.database import Database, run_rows
from fakestash._engine.replies import ErrorReply
from fakestash._errors import CommandError

if TYPE_CHECKING:
    import random

    from fakestash._clock import Clock
    from fakestash._engine.family import Command
    from fakestash._engine.registry import Registry
    from fakestash._engine.replies import Reply

#: Commands that empty a whole server or database: sent only with ``allow_flush=True``.
_FLUSHES = frozenset({b"FLUSHALL", b"FLUSHDB"})
#: Commands that would move the one connection to another database: every command after
#: them would run there. Never sent.
_MOVES = frozenset({b"SELECT", b"SWAPDB"})


class RealRedisDatabase(Database):
    """One Redis server (one logical db) behind the engine's database interface.

    Inherits ``Database`` only for its bookkeeping (``version``, ``lock``, ``observers``,
    ``closers``, ``extensions``); the inherited keyspace (``data``, ``expires``) stays empty
    and unused: the keys live in Redis.
    """

    def __init__(
        self,
        host: str | RedisAddress = "127.0.0.1",
        port: int = 6379,
        *,
        db: int = 0,
        allow_flush: bool = False,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        lock: threading.RLock | None = None,
        name: str = "db0",
        registry: Registry | None = None,
    ) -> None:
        super().__init__(clock=clock, rng=rng, lock=lock, name=name, registry=registry)
        self.address = _address(host, port, db)
        self.allow_flush = allow_flush
        self.connection = RedisConnection(self.address)

    # ---- the wire ------------------------------------------------------------------

    def _send_many(self, argvs: Sequence[Sequence[bytes]]) -> list[Reply]:
        """Send commands on the one connection and read one raw reply for each."""
        if not self.allow_flush and any(_named(argv, _FLUSHES) for argv in argvs):
            raise CommandError(
                f"ERR fakestash: FLUSHALL/FLUSHDB are not sent to {self.address} (a server "
                "fakestash did not start may hold other data)"
            )
        if any(_named(argv, _MOVES) for argv in argvs):
            raise CommandError(
                "ERR fakestash: SELECT/SWAPDB are not sent to a Redis backend (its one "
                "connection would serve another database from then on)"
            )
        with self.lock:
            return self.connection.send_many(argvs)

    def send(self, argv: Sequence[bytes]) -> Reply:
        """Run ``argv`` on Redis as it is (no registry lookup); an error reply raises."""
        return _raise_error(self._send_many([argv])[0])

    # ---- the database interface -------------------------------------------------------

    def run(
        self,
        cmd: Command,
        argv: Sequence[bytes],
        *,
        source: str = "0.0.0.0:0",
        caller: Caller = DIRECT,
    ) -> Reply:
        with self.lock:
            for observer in self.observers:
                observer(self, argv, source)
            try:
                return self.send(argv)
            finally:
                if cmd.is_write:
                    self.version += 1

    def run_each(
        self, rows: Sequence[Sequence[bytes] | CommandError], caller: Caller = DIRECT
    ) -> list[Reply | ErrorReply]:
        """A pipeline: each row sent to Redis on its own (``run``), errors as items."""
        return run_rows(self, rows, caller)

    def run_atomic(
        self, queued: Sequence[tuple[Command, Sequence[bytes]]], caller: Caller = DIRECT
    ) -> list[Reply]:
        """MULTI, the commands, EXEC on one connection. A command Redis refuses at queue
        time (the registry let it through) aborts the transaction: raised as CommandError."""
        argvs: list[Sequence[bytes]] = [[b"MULTI"], *(argv for _, argv in queued), [b"EXEC"]]
        with self.lock:
            for _, argv in queued:
                for observer in self.observers:
                    observer(self, argv, "0.0.0.0:0")
            replies = self._send_many(argvs)
            if any(cmd.is_write for cmd, _ in queued):
                self.version += 1
        for reply in replies[1:-1]:
            if isinstance(reply, ErrorReply):
                raise CommandError(reply.text)
        result = _raise_error(replies[-1])
        if not isinstance(result, list):
            raise CommandError(f"ERR EXEC did not return an array: {result!r}")
        return result

    def flush(self) -> None:
        """FLUSHALL (synchronously), only with ``allow_flush=True``. Scripts and functions
        stay, as in the engine."""
        if not self.allow_flush:
            raise RuntimeError(
                f"fakestash: not flushing {self.address}: build the backend with "
                "allow_flush=True, only for a server of your own"
            )
        self.send([b"FLUSHALL", b"SYNC"])

    def close(self) -> None:
        with self.lock:
            self.connection.close()


def _named(argv: Sequence[bytes], names: frozenset[bytes]) -> bool:
    return bool(argv) and argv[0].upper() in names


def _address(host: str | RedisAddress, port: int, db: int) -> RedisAddress:
    if isinstance(host, RedisAddress):
        return host
    if "://" in host:
        return RedisAddress.from_url(host)
    return RedisAddress(host=host, port=port, db=db)


def _raise_error(reply: Reply) -> Reply:
    if isinstance(reply, ErrorReply):
        raise CommandError(reply.text)
    return reply


def real_redis_factory(
    host: str | RedisAddress = "127.0.0.1", port: int = 6379, *, allow_flush: bool = False
) -> Callable[..., Database]:
    """A ``FakeStash(database_factory=...)`` whose databases all live on one Redis server:
    ``host`` is a host name (with ``port``), a ``redis://`` URL or a ``RedisAddress``."""
    address = _address(host, port, 0)

    def factory(**kwargs: Any) -> Database:
        return RealRedisDatabase(address, allow_flush=allow_flush, **kwargs)

    return factory
