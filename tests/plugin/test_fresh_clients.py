"""Each test gets SDK clients that behave as new ones, without building them again."""

from __future__ import annotations

from typing import Any

import pytest

from fakestash._sdk import ClientCache

pytest_plugins = ["pytester"]


def state(client: Any) -> dict[str, Any]:
    """What an SDK client carries from one call to the next (not its object identities)."""
    http = client._http
    return {
        "url": client._url,
        "headers": dict(client._headers),
        "sync_token": client._sync_token,
        "read_your_writes": client._read_your_writes,
        "allow_telemetry": client._allow_telemetry,
        "http": {k: v for k, v in vars(http).items() if k not in ("_client", "_sync_token_cb")},
        "cookies": dict(http._client.cookies),
    }


def test_a_client_is_put_back_to_its_state_as_built() -> None:
    from upstash_ratelimit import FixedWindow, Ratelimit
    from upstash_redis import Redis

    cache = ClientCache()
    cache.new_test()
    client = cache.sync_client("https://a.upstash.io", "token")
    as_new = state(Redis("https://a.upstash.io", "token", rest_retry_interval=0))
    assert state(client) == as_new
    for _ in range(3):  # what upstash-ratelimit does to the client it is given
        Ratelimit(client, FixedWindow(max_requests=1, window=1))
    client._headers["Authorization"] = "Bearer wrong"
    client._sync_token = "fs-41"
    client._url = "https://elsewhere.upstash.io"
    client._http._retries = 9
    client._http._client.cookies.set("session", "x")
    assert state(client) != as_new

    cache.new_test()
    again = cache.sync_client("https://a.upstash.io", "token")
    assert again is client  # not built again
    assert state(again) == as_new
    assert again._http._sync_token_cb.__self__ is again
    cache.close()


def test_within_one_test_the_same_client_keeps_its_state() -> None:
    cache = ClientCache()
    client = cache.sync_client("https://a.upstash.io", "token")
    client._sync_token = "fs-1"
    assert cache.sync_client("https://a.upstash.io", "token")._sync_token == "fs-1"
    cache.close()


def test_a_client_a_test_closed_is_built_again() -> None:
    cache = ClientCache()
    client = cache.sync_client("https://a.upstash.io", "token")
    client.close()
    cache.new_test()
    again = cache.sync_client("https://a.upstash.io", "token")
    assert again is not client and not again._http._client.is_closed
    cache.close()


def test_async_clients_too() -> None:
    import asyncio

    from upstash_redis.asyncio import Redis

    cache = ClientCache()
    client = cache.async_client("https://a.upstash.io", "token")
    client._headers["Upstash-Telemetry-Sdk"] += ", extra"
    cache.new_test()
    fresh = Redis("https://a.upstash.io", "token")._headers
    assert cache.async_client("https://a.upstash.io", "token")._headers == fresh
    asyncio.run(client.close())
    cache.new_test()
    assert cache.async_client("https://a.upstash.io", "token") is not client
    cache.close()


def test_cached_clients_do_not_sleep_between_retries() -> None:
    cache = ClientCache()
    assert cache.sync_client("https://a.upstash.io", "t")._http._retry_interval == 0
    assert (
        cache.sync_client("https://a.upstash.io", "t", rest_retry_interval=3)._http._retry_interval
        == 3
    )
    cache.close()


def test_state_does_not_leak_between_tests(pytester: pytest.Pytester) -> None:
    """The issue's report: ratelimit's telemetry grew over 200 tests; a test that changed
    the client's headers broke the next one with WRONGPASS."""
    pytester.makepyfile(
        test_inner="""
import pytest
from upstash_ratelimit import FixedWindow, Ratelimit

SDK_HEADER = None

@pytest.mark.parametrize("i", range(20))
def test_ratelimit_appends_telemetry(upstash_redis, i):
    global SDK_HEADER
    SDK_HEADER = SDK_HEADER or upstash_redis._headers["Upstash-Telemetry-Sdk"]
    assert upstash_redis._headers["Upstash-Telemetry-Sdk"] == SDK_HEADER
    Ratelimit(upstash_redis, FixedWindow(max_requests=5, window=60)).limit("u")

def test_changes_the_token(upstash_redis):
    upstash_redis._headers["Authorization"] = "Bearer wrong"

def test_next_one_is_unaffected(upstash_redis, fakestash_clients, fakestash):
    assert upstash_redis.set("k", "v") is True
    assert fakestash_clients.sync_client(fakestash.url, fakestash.token) is upstash_redis
"""
    )
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(passed=22)
