"""Fixtures for fakestash's own tests."""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from fakestash import FakeStash, ManualClock
from tests.conformance.redis_process import RedisProcess, RedisUnavailable, required, start_redis


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
