"""Ready ``upstash_redis`` clients for a fake, built once and reused.

Building an ``upstash_redis.Redis`` costs ~19 ms (its httpx client builds an SSL context),
far more than a fresh ``FakeStash``. A ``ClientCache`` keeps one client per (URL, token,
options); a fresh server that takes over the same URL serves the cached client, so each test
gets a fresh database without paying for a new client.
"""

from __future__ import annotations

from typing import Any


class ClientCache:
    """SDK clients by (kind, URL, token, options)."""

    def __init__(self) -> None:
        self._clients: dict[tuple[Any, ...], Any] = {}

    def sync_client(self, url: str, token: str, **options: Any) -> Any:
        from upstash_redis import Redis

        return self._get(Redis, "sync", url, token, options)

    def async_client(self, url: str, token: str, **options: Any) -> Any:
        from upstash_redis.asyncio import Redis

        return self._get(Redis, "async", url, token, options)

    def _get(self, cls: Any, kind: str, url: str, token: str, options: dict[str, Any]) -> Any:
        key = (kind, url, token, tuple(sorted(options.items())))
        client = self._clients.get(key)
        if client is None:
            client = cls(url=url, token=token, **options)
            self._clients[key] = client
        elif hasattr(client, "_sync_token"):
            client._sync_token = ""  # read-your-writes state belongs to one test
        return client

    def close(self) -> None:
        for client in self._clients.values():
            http = getattr(client, "_http", None)
            inner = getattr(http, "_client", None)
            if inner is not None and hasattr(inner, "close"):
                inner.close()
        self._clients.clear()
