"""Ready ``upstash_redis`` clients for a fake, built once and handed out fresh.

Building an ``upstash_redis.Redis`` costs ~19 ms (its httpx client builds an SSL context),
far more than a fresh ``FakeStash``. A ``ClientCache`` builds one client per (URL, token,
options) and keeps a snapshot of it as built. ``new_test()`` marks every client stale; a
stale client is put back to its snapshot the next time it is handed out: its attributes,
its headers (which upstash-ratelimit appends its telemetry to, and a test may change),
its read-your-writes token, its HTTP wrapper's settings, its cookies. A client whose httpx
client a test closed is built again. So each test gets a client that behaves as a new one,
for a few microseconds (``benchmarks/bench_sdk.py`` measures it).

Clients from the cache never sleep between retries (``rest_retry_interval=0``): a test
that makes the fake fail (``stash.faults``) sees the SDK's retry without its 3 s wait.
Pass ``rest_retry_interval=...`` to get another interval.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: Options every cached client gets unless the caller passes its own.
TEST_DEFAULTS: dict[str, Any] = {"rest_retry_interval": 0}


@dataclass
class _Entry:
    client: Any
    attributes: dict[str, Any]  # the client's __dict__ as built
    headers: dict[str, Any]  # its _headers as built (the dict is mutated in place)
    http: dict[str, Any]  # its _http wrapper's __dict__ as built
    epoch: int


class ClientCache:
    """SDK clients by (kind, URL, token, options), fresh for each test."""

    def __init__(self) -> None:
        self._entries: dict[tuple[Any, ...], _Entry] = {}
        self._epoch = 0

    def new_test(self) -> None:
        """Every client handed out from now on is put back to its state as built."""
        self._epoch += 1

    def sync_client(self, url: str, token: str, **options: Any) -> Any:
        """An ``upstash_redis.Redis`` for ``url`` and ``token``."""
        from upstash_redis import Redis

        return self._get(Redis, "sync", url, token, options)

    def async_client(self, url: str, token: str, **options: Any) -> Any:
        """An ``upstash_redis.asyncio.Redis`` for ``url`` and ``token``."""
        from upstash_redis.asyncio import Redis

        return self._get(Redis, "async", url, token, options)

    def _get(self, cls: Any, kind: str, url: str, token: str, options: dict[str, Any]) -> Any:
        options = {**TEST_DEFAULTS, **options}
        key = (kind, url, token, tuple(sorted(options.items())))
        entry = self._entries.get(key)
        if entry is not None and entry.epoch != self._epoch:
            _restore(entry)
            entry.epoch = self._epoch
        if entry is None or _closed(entry.client):
            entry = self._entries[key] = _build(cls, url, token, options, self._epoch)
        return entry.client

    def close(self) -> None:
        for entry in self._entries.values():
            inner = _inner(entry.client)
            if inner is not None and hasattr(inner, "close"):
                inner.close()
        self._entries.clear()


def _build(cls: Any, url: str, token: str, options: dict[str, Any], epoch: int) -> _Entry:
    client = cls(url=url, token=token, **options)
    http = getattr(client, "_http", None)
    return _Entry(
        client=client,
        attributes=dict(vars(client)),
        headers=dict(getattr(client, "_headers", {})),
        http=dict(vars(http)) if http is not None else {},
        epoch=epoch,
    )


def _restore(entry: _Entry) -> None:
    client = entry.client
    state = vars(client)
    state.clear()
    state.update(entry.attributes)
    if "_headers" in state:
        client._headers = dict(entry.headers)
    http = state.get("_http")
    if http is not None:
        vars(http).clear()
        vars(http).update(entry.http)
    inner = _inner(client)
    cookies = getattr(inner, "cookies", None)
    if cookies is not None:
        cookies.clear()


def _inner(client: Any) -> Any:
    """The httpx client inside an SDK client."""
    return getattr(getattr(client, "_http", None), "_client", None)


def _closed(client: Any) -> bool:
    return bool(getattr(_inner(client), "is_closed", False))
