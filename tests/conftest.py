"""Fixtures for fakestash's own tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

import pytest

from fakestash import FakeStash, ManualClock
from tests.conformance.redis_process import (
    ORACLES,
    RedisProcess,
    RedisUnavailable,
    rejson_module,
    required,
    start_redis,
)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(1_700_000_000)


@pytest.fixture
def stash(clock: ManualClock) -> FakeStash:
    """A fresh in-memory server on a manual clock, for engine-level tests (no HTTP)."""
    return FakeStash(seed=0, clock=clock)


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisProcess]:
    """A private redis-server for this test module, on a free port, persistence off, stopped
    by pid. Skips without redis-server; fails instead when FAKESTASH_REQUIRE_REDIS=1 (CI)."""
    try:
        server = start_redis()
    except RedisUnavailable as exc:
        if required():
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def real_redis(redis_server: RedisProcess) -> Iterator[Any]:
    """A redis-py client (bytes replies) on this module's private redis-server."""
    redis = pytest.importorskip("redis")
    client = redis.Redis(host=redis_server.host, port=redis_server.port)
    try:
        yield client
    finally:
        client.close()


@dataclass
class Oracle:
    """A real server to check against: its name, version and a redis-py client (bytes)."""

    name: str
    server: RedisProcess
    client: Any
    #: RedisJSON is loaded (``rejson.so`` was found).
    json: bool

    @property
    def major(self) -> int:
        return self.server.major

    def require_json(self) -> None:
        if not self.json:
            try:
                rejson_module()
            except RedisUnavailable as exc:
                if required():
                    pytest.fail(str(exc))
                pytest.skip(str(exc))


@pytest.fixture(scope="module", params=ORACLES)
def oracle(request: pytest.FixtureRequest) -> Iterator[Oracle]:
    """Each oracle in turn (Redis 7.0, Redis 8.2), with RedisJSON loaded when installed; a
    private server for this test module. Skips a missing one (fails if FAKESTASH_REQUIRE_REDIS)."""
    redis = pytest.importorskip("redis")
    try:
        modules = [rejson_module()]
    except RedisUnavailable:
        modules = []
    try:
        server = start_redis(oracle=request.param, modules=modules)
    except RedisUnavailable as exc:
        if required():
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    client = redis.Redis(host=server.host, port=server.port)
    try:
        yield Oracle(request.param, server, client, bool(modules))
    finally:
        client.close()
        server.stop()
