"""SDK-level tests: the real upstash-redis clients through the plugin, base64 on and off."""

from __future__ import annotations

import asyncio
from typing import Any, Coroutine

import pytest

from fakestash import FakeStash
from fakestash._sdk import ClientCache


@pytest.fixture(params=["base64", None], ids=["base64", "plain"])
def redis(
    request: pytest.FixtureRequest, fakestash: FakeStash, fakestash_clients: ClientCache
) -> Any:
    """A sync ``upstash_redis.Redis`` with base64 encoding on, then off."""
    pytest.importorskip("upstash_redis")
    return fakestash_clients.sync_client(
        fakestash.url, fakestash.token, rest_encoding=request.param
    )


@pytest.fixture(params=["base64", None], ids=["base64", "plain"])
def aredis(
    request: pytest.FixtureRequest, fakestash: FakeStash, fakestash_clients: ClientCache
) -> Any:
    """An async ``upstash_redis.asyncio.Redis`` with base64 encoding on, then off."""
    pytest.importorskip("upstash_redis")
    return fakestash_clients.async_client(
        fakestash.url, fakestash.token, rest_encoding=request.param
    )


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(coro)
