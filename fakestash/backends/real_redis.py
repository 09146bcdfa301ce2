"""A database backend that runs every command on a real Redis server (for conformance tests).

``RealRedisDatabase`` has the interface the REST face uses on ``endpoint.database`` (``run``,
``run_atomic``, ``execute``, ``version``, ``flush``, ``lock``, ``observers``, ``closers``,
``extensions``), so the very same REST face serves either the in-memory engine or Redis::

    stash = FakeStash(database_factory=real_redis_factory("127.0.0.1", 6379))

It sends the argv unchanged through one redis-py connection (RESP2, no response callbacks)
and reads the reply with ``EngineReplyParser``, which builds the engine's reply values
directly: bulk → ``bytes``, simple string → ``Status``, integer → ``int``, nil → ``None``,
array → ``list``, error → ``CommandError`` (top level) or ``ErrorReply`` (inside an array).
The registry still decides what exists and its arity (the REST face looks commands up
before running them); ``send`` skips the registry to ask Redis directly.
"""

from __future__ import annotations

import inspect
import threading
from typing import TYPE_CHECKING, Any, Callable, Sequence

import redis
from redis._parsers.resp2 import _RESP2Parser
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import InvalidResponse
from redis.utils import SENTINEL

from fakestash.engine.admission import DIRECT, Caller
from fakestash.engine.database import Database, run_rows
from fakestash.engine.replies import ErrorReply, Status
from fakestash.errors import CommandError

if TYPE_CHECKING:
    import random

    from fakestash.clock import Clock
    from fakestash.engine.family import Command
    from fakestash.engine.registry import Registry
    from fakestash.engine.replies import Reply


def _no_client_setinfo() -> dict[str, Any]:
    """Connection options that skip CLIENT SETINFO (unknown to Redis 7.0) on connect."""
    parameters = inspect.signature(redis.connection.AbstractConnection.__init__).parameters
    if "driver_info" in parameters:  # redis-py 7+
        return {"driver_info": None}
    return {"lib_name": None, "lib_version": None}


_NO_CLIENT_SETINFO = _no_client_setinfo()


class EngineReplyParser(_RESP2Parser):
    """redis-py's RESP2 parser, but returning engine reply values, never decoding."""

    def _read_response(self, disable_decoding: bool = False, timeout: Any = SENTINEL) -> Any:
        buffer: Any = self._buffer
        raw = buffer.readline(timeout=timeout)
        if not raw:
            raise RedisConnectionError("Connection closed by server.")
        kind, rest = raw[:1], raw[1:]
        if kind == b"+":
            return Status(rest.decode("utf-8", "replace"))
        if kind == b"-":
            return ErrorReply(rest.decode("utf-8", "replace"))
        if kind == b":":
            return int(rest)
        if kind == b"$":
            size = int(rest)
            return None if size < 0 else bytes(buffer.read(size, timeout=timeout))
        if kind == b"*":
            count = int(rest)
            if count < 0:
                return None
            return [self._read_response(timeout=timeout) for _ in range(count)]
        raise InvalidResponse(f"Protocol Error: {raw!r}")


class RealRedisDatabase(Database):
    """One Redis server (one logical db) behind the engine's database interface.

    Inherits ``Database`` only for its bookkeeping (``version``, ``lock``, ``observers``,
    ``closers``, ``extensions``); the inherited keyspace (``data``, ``expires``) stays empty
    and unused: the keys live in Redis.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 6379,
        *,
        db: int = 0,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        lock: threading.RLock | None = None,
        name: str = "db0",
        registry: Registry | None = None,
    ) -> None:
        super().__init__(clock=clock, rng=rng, lock=lock, name=name, registry=registry)
        self.pool = redis.ConnectionPool(
            host=host,
            port=port,
            db=db,
            protocol=2,
            decode_responses=False,
            parser_class=EngineReplyParser,
            **_NO_CLIENT_SETINFO,
        )
        self.client = redis.Redis(connection_pool=self.pool)
        self._connection: Any = None

    # ---- the wire ------------------------------------------------------------------

    @property
    def connection(self) -> Any:
        if self._connection is None:
            self._connection = self.pool.get_connection()
        return self._connection

    def _send_many(self, argvs: Sequence[Sequence[bytes]]) -> list[Reply]:
        """Send commands on the one connection and read one raw reply for each."""
        with self.lock:
            conn = self.connection
            conn.send_packed_command(conn.pack_commands([list(a) for a in argvs]))
            return [conn.read_response() for _ in argvs]

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
        """FLUSHALL (synchronously). Scripts and functions stay, as in the engine."""
        self.send([b"FLUSHALL", b"SYNC"])

    def close(self) -> None:
        with self.lock:
            if self._connection is not None:
                self.pool.release(self._connection)
                self._connection = None
            self.pool.disconnect()


def _raise_error(reply: Reply) -> Reply:
    if isinstance(reply, ErrorReply):
        raise CommandError(reply.text)
    return reply


def real_redis_factory(host: str, port: int) -> Callable[..., Database]:
    """A ``FakeStash(database_factory=...)`` whose databases all live on one Redis server."""

    def factory(**kwargs: Any) -> Database:
        return RealRedisDatabase(host, port, **kwargs)

    return factory
