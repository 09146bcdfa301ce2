"""Fixtures for the conformance suite: a private redis-server per oracle and the differential
pair. Every differential test runs once per oracle (``[redis7]``: Debian's Redis 7.0,
``[redis8]``: Redis 8.2, the line Upstash follows); see ``redis_process.py``."""

from __future__ import annotations

from typing import Iterator

import pytest

from tests.conformance.harness import Differential
from tests.conformance.redis_process import (
    ORACLES,
    RedisProcess,
    RedisUnavailable,
    required,
    start_redis,
)


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
def differential(redis_server: RedisProcess) -> Iterator[Differential]:
    """The fake and a real-Redis-backed FakeStash, both emptied, behind the same REST face."""
    diff = Differential.connect(redis_server.host, redis_server.port)
    diff.reset()
    try:
        yield diff
    finally:
        diff.close()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "open_question: REST behaviour no source documents; a live Upstash run settles it",
    )
