"""Fixtures for the conformance suite: a private redis-server per oracle, reached through
fakestash's REST face over the real-Redis backend, as ``fakestash conformance redis://…``
reaches one. Every test that uses them runs once per oracle (``[redis7]``: Debian's Redis
7.0, ``[redis8]``: Redis 8.2, the line Upstash follows); see ``redis_process.py``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

import pytest

from fakestash import FakeStash
from fakestash._backends.real_redis import RealRedisDatabase, real_redis_factory
from fakestash._conformance.differential import Differential
from fakestash._conformance.runner import Session, default_fake
from fakestash._conformance.wire import Side
from tests.conformance.redis_process import (
    ORACLES,
    RedisProcess,
    RedisUnavailable,
    required,
    start_redis,
)


@dataclass
class RedisEndpoint:
    """A Redis server of our own behind fakestash's REST face: the endpoint side of a run."""

    server: RedisProcess
    stash: FakeStash
    side: Side

    @property
    def version(self) -> str:
        return self.server.version

    @property
    def database(self) -> RealRedisDatabase:
        database = self.stash.database
        assert isinstance(database, RealRedisDatabase)
        return database

    def at_least(self, version: str) -> bool:
        return Differential(self.side, self.side, version=self.version).at_least(version)

    def session(self, **kwargs: Any) -> Session:
        """A conformance session against this server: a database of its own."""
        return Session(self.side, version=self.version, exclusive=True, streams=False, **kwargs)

    def reset(self) -> None:
        self.database.flush()
        for argv in ([b"SCRIPT", b"FLUSH"], [b"FUNCTION", b"FLUSH"]):
            self.database.send(argv)


@pytest.fixture(scope="session", params=ORACLES)
def redis_server(request: pytest.FixtureRequest) -> Iterator[RedisProcess]:
    """A redis-server of our own (127.0.0.1, free port, no persistence), stopped by pid."""
    try:
        server = start_redis(oracle=request.param)
    except RedisUnavailable as exc:
        if required():
            pytest.fail(f"FAKESTASH_REQUIRE_REDIS is set but: {exc}", pytrace=False)
        pytest.skip(str(exc))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_endpoint(redis_server: RedisProcess) -> Iterator[RedisEndpoint]:
    """The oracle behind the REST face, emptied (it is ours: flushing is allowed)."""
    factory = real_redis_factory(redis_server.host, redis_server.port, allow_flush=True)
    stash = FakeStash(seed=0, database_factory=factory)
    endpoint = RedisEndpoint(redis_server, stash, Side.of_fake(stash, label="redis"))
    endpoint.reset()
    try:
        yield endpoint
    finally:
        endpoint.side.close()
        endpoint.database.close()


@pytest.fixture
def differential(redis_endpoint: RedisEndpoint) -> Iterator[Differential]:
    """A fresh fake and the oracle, compared command by command (no prefix: the oracle is
    ours and emptied)."""
    stash = default_fake(0, None)
    fake = Side.of_fake(stash)
    try:
        yield Differential(fake, redis_endpoint.side, version=redis_endpoint.version)
    finally:
        fake.close()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "open_question: REST behaviour no source documents; a live Upstash run settles it",
    )
