"""The upstash-redis SDK and upstash-ratelimit when Upstash is down, slow or over quota,
driven by ``fakestash._faults``. No test sleeps: the fixture's clients retry at once
(``rest_retry_interval=0``); a test that builds its own client passes that too, or patches
the SDK's sleep as ``test_a_client_built_by_hand_would_wait_3_s`` shows."""

from __future__ import annotations

import types
from typing import Any

import httpx
import pytest
import upstash_redis.http
from upstash_ratelimit import FixedWindow, Ratelimit
from upstash_ratelimit.asyncio import Ratelimit as AsyncRatelimit
from upstash_redis.errors import UpstashError

from fakestash import FakeStash, Fault


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every sleep the sync SDK makes between retries (without sleeping)."""
    recorded: list[float] = []
    monkeypatch.setattr(upstash_redis.http, "time", types.SimpleNamespace(sleep=recorded.append))
    return recorded


# ---- the SDK's retry ---------------------------------------------------------------------------


def test_one_connect_error_is_retried(
    upstash_redis: Any, fakestash: FakeStash, sleeps: list[float]
) -> None:
    fakestash.faults.fail_next(1, Fault.connect_error())
    assert upstash_redis.set("k", "v") is True
    assert sleeps == [0]  # the fixture's client retries without waiting
    assert (fakestash.meter.requests, fakestash.meter.faults) == (1, 1)


def test_two_connect_errors_exhaust_the_retry(upstash_redis: Any, fakestash: FakeStash) -> None:
    fakestash.faults.fail_next(2, Fault.connect_error())
    with pytest.raises(httpx.ConnectError, match=r"connection to .* refused"):
        upstash_redis.set("k", "v")
    assert fakestash.execute("GET", "k") is None
    assert upstash_redis.set("k", "v") is True


def test_a_read_timeout_retried_runs_the_command_twice(
    upstash_redis: Any, fakestash: FakeStash
) -> None:
    """The hazard a read timeout hides: the first INCR ran, its answer was lost, and the
    SDK's retry ran it again."""
    fakestash.faults.fail_next(1, Fault.read_timeout(), command="INCR")
    assert upstash_redis.incr("visits") == 2
    assert fakestash.meter.commands == 2


def test_a_proxy_error_page_is_retried(upstash_redis: Any, fakestash: FakeStash) -> None:
    fakestash.faults.fail_next(1, Fault.http_error(502, body=b"<html>502 Bad Gateway</html>"))
    assert upstash_redis.set("k", "v") is True  # not JSON: the SDK tries again
    assert fakestash.meter.requests == 2


def test_a_quota_error_is_not_retried(upstash_redis: Any, fakestash: FakeStash) -> None:
    fakestash.faults.fail(Fault.max_requests())
    with pytest.raises(UpstashError) as refused:
        upstash_redis.get("k")
    assert str(refused.value) == (
        "ERR max requests limit exceeded. Limit: 500000, Usage: 500000. See "
        "https://upstash.com/docs/redis/troubleshooting/max_requests_limit for details"
    )
    assert (fakestash.meter.requests, fakestash.meter.commands) == (1, 0)


def test_a_client_built_by_hand_would_wait_3_s(fakestash: FakeStash, sleeps: list[float]) -> None:
    from upstash_redis import Redis

    fakestash.faults.fail_next(1, Fault.connect_error())
    Redis.from_env().set("k", "v")
    assert sleeps == [3]  # the SDK's default, recorded here instead of slept


async def test_the_async_client_retries_too(async_upstash_redis: Any, fakestash: FakeStash) -> None:
    fakestash.faults.fail_next(1, Fault.connect_error())
    assert await async_upstash_redis.incr("n") == 1  # connect error, then retried
    fakestash.faults.fail_next(1, Fault.read_timeout())
    assert await async_upstash_redis.incr("n") == 3  # ran, answer lost, ran again


@pytest.mark.fakestash(clock="manual")
def test_latency_lets_a_key_expire_on_the_way(upstash_redis: Any, fakestash: FakeStash) -> None:
    upstash_redis.set("session", "s1", ex=1)
    fakestash.faults.fail_next(1, Fault.latency(1.5), command="GET")
    assert upstash_redis.get("session") is None


# ---- upstash-ratelimit, failing open ----------------------------------------------------------
#
# @upstash/ratelimit (JS) has a `timeout` option: if Redis does not answer in time, the
# request is allowed. The Python upstash-ratelimit has none; apps write the fallback
# themselves, like this. The faults drive it without waiting for a real timeout.


def allowed(limiter: Ratelimit, user: str) -> bool:
    """Let the request through when the rate limiter cannot reach Redis (fail open)."""
    try:
        return limiter.limit(user).allowed
    except (httpx.TransportError, UpstashError):
        return True


async def allowed_async(limiter: AsyncRatelimit, user: str) -> bool:
    try:
        return (await limiter.limit(user)).allowed
    except (httpx.TransportError, UpstashError):
        return True


def test_the_limiter_fails_open_when_upstash_times_out(
    upstash_redis: Any, fakestash: FakeStash
) -> None:
    limiter = Ratelimit(upstash_redis, FixedWindow(max_requests=1, window=60))
    assert allowed(limiter, "alice") is True
    assert allowed(limiter, "alice") is False  # limited
    fakestash.faults.fail_next(2, Fault.read_timeout())  # the call and the SDK's retry
    assert allowed(limiter, "alice") is True  # the fallback
    assert fakestash.meter.faults == 2
    assert allowed(limiter, "alice") is False  # Upstash is back: limited again


def test_the_limiter_fails_open_over_quota(upstash_redis: Any, fakestash: FakeStash) -> None:
    limiter = Ratelimit(upstash_redis, FixedWindow(max_requests=1, window=60))
    with fakestash.faults.fail(Fault.daily_limit()):
        assert [allowed(limiter, "bob") for _ in range(3)] == [True, True, True]
    assert fakestash.meter.commands == 0  # nothing ran
    assert [allowed(limiter, "bob") for _ in range(2)] == [True, False]


async def test_the_async_limiter_fails_open(async_upstash_redis: Any, fakestash: FakeStash) -> None:
    limiter = AsyncRatelimit(async_upstash_redis, FixedWindow(max_requests=1, window=60))
    assert await allowed_async(limiter, "carol") is True
    fakestash.faults.fail_next(2, Fault.connect_error())
    assert await allowed_async(limiter, "carol") is True
    assert await allowed_async(limiter, "carol") is False
