"""The real-Redis backend: fakestash's REST face over a Redis server, on its own socket and
RESP2 reader; it logs in from the URL and never empties or leaves a server it may not."""

from __future__ import annotations

from typing import Iterator

import pytest

from fakestash import FakeStash, Status
from fakestash._backends.connection import RedisAddress
from fakestash._backends.real_redis import RealRedisDatabase, real_redis_factory
from fakestash._engine.registry import Registry
from fakestash._errors import CommandError
from tests.conformance.redis_process import RedisProcess, free_port


@pytest.fixture
def database(redis_server: RedisProcess) -> Iterator[RealRedisDatabase]:
    db = RealRedisDatabase(f"redis://{redis_server.host}:{redis_server.port}")
    try:
        yield db
    finally:
        db.close()


def test_the_rest_face_runs_over_redis(redis_server: RedisProcess) -> None:
    factory = real_redis_factory(f"redis://{redis_server.host}:{redis_server.port}")
    stash = FakeStash(database_factory=factory)
    key = "backend:round-trip"
    assert stash.execute("SET", key, b"\x00\xff") == Status("OK")
    assert stash.execute("GET", key) == b"\x00\xff"
    assert stash.execute("DEL", key) == 1
    with pytest.raises(CommandError, match="wrong number of arguments"):
        stash.execute("GET")
    stash.database.close()  # type: ignore[attr-defined]


def test_it_never_flushes_a_server_it_was_not_allowed_to(database: RealRedisDatabase) -> None:
    database.send([b"SET", b"backend:keep", b"1"])
    try:
        with pytest.raises(RuntimeError, match="allow_flush=True"):
            database.flush()
        for argv in ([b"FLUSHALL"], [b"flushdb", b"ASYNC"]):
            with pytest.raises(CommandError, match="FLUSHALL/FLUSHDB are not sent"):
                database.execute(argv)
        assert database.send([b"EXISTS", b"backend:keep"]) == 1
    finally:
        database.send([b"DEL", b"backend:keep"])


def test_select_never_moves_its_connection(database: RealRedisDatabase) -> None:
    with pytest.raises(CommandError, match="SELECT/SWAPDB are not sent"):
        database.execute([b"SELECT", b"1"])
    select = [b"SELECT", b"1"]
    with pytest.raises(CommandError, match="SELECT/SWAPDB are not sent"):
        database.run_atomic([(Registry.default().lookup(select), select)])
    info = database.send([b"CLIENT", b"INFO"])
    assert isinstance(info, bytes) and b" db=0 " in info


def test_it_logs_in_with_the_url_s_password_and_user(
    redis_server: RedisProcess, database: RealRedisDatabase
) -> None:
    host, port = redis_server.host, redis_server.port
    database.send([b"ACL", b"SETUSER", b"tester", b"on", b">pw", b"~*", b"+@all"])
    database.send([b"CONFIG", b"SET", b"requirepass", b"secret"])
    try:
        for url in (f"redis://:secret@{host}:{port}", f"redis://tester:pw@{host}:{port}/0"):
            other = RealRedisDatabase(url)
            assert other.send([b"PING"]) == Status("PONG")
            other.close()
        refused = RealRedisDatabase(f"redis://:wrong@{host}:{port}")
        with pytest.raises(ConnectionError, match=r"WRONGPASS|invalid"):
            refused.send([b"PING"])
    finally:
        admin = RealRedisDatabase(f"redis://:secret@{host}:{port}")
        admin.send([b"CONFIG", b"SET", b"requirepass", b""])
        admin.send([b"ACL", b"DELUSER", b"tester"])
        admin.close()


def test_a_server_that_is_not_there_is_an_error_not_a_hang() -> None:
    database = RealRedisDatabase(RedisAddress(port=free_port()))
    with pytest.raises(ConnectionRefusedError):
        database.send([b"PING"])
