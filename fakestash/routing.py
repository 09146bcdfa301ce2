"""Route the fake's hosts for every httpx client in the process; pass other hosts through.

The Upstash SDK builds its own ``httpx.Client``, so a test cannot hand it a transport.
``route(stash)`` patches ``httpx.HTTPTransport.handle_request`` (and the async twin) with a
dictionary lookup on the request's host: the fake's hosts are answered in-process, every
other host goes to the original transport untouched, so respx (which mocks one level
lower, in httpcore) and real traffic keep working beside us. This is the lightest routing
that reaches clients we do not build: one dict lookup per request.

Patching httpx is process-wide by nature; the router below is the one piece of global
state, and it is empty whenever no ``route`` block is active.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterator

import httpx

from fakestash.rest.render import encode_json

if TYPE_CHECKING:
    from fakestash.server import FakeStash

UPSTASH_SUFFIX = ".upstash.io"


class _Router:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.layers: list[tuple[dict[str, FakeStash], bool]] = []
        self.hosts: dict[str, FakeStash] = {}
        self.strict = False
        self.original_sync: Any = None
        self.original_async: Any = None

    def push(
        self, stashes: tuple[FakeStash, ...], strict: bool
    ) -> tuple[dict[str, FakeStash], bool]:
        layer = ({host: stash for stash in stashes for host in stash.hosts}, strict)
        with self.lock:
            if not self.layers:
                self._install()
            self.layers.append(layer)
            self._rebuild()
        return layer

    def pop(self, layer: tuple[dict[str, FakeStash], bool]) -> None:
        with self.lock:
            self.layers.remove(layer)
            self._rebuild()
            if not self.layers:
                self._uninstall()

    def add_host(self, host: str, stash: FakeStash) -> None:
        """A database added while routed becomes reachable at once."""
        with self.lock:
            for hosts, _ in self.layers:
                if stash in hosts.values():
                    hosts[host] = stash
            self._rebuild()

    def _rebuild(self) -> None:
        merged: dict[str, FakeStash] = {}
        for hosts, _ in self.layers:
            merged.update(hosts)  # later layers win
        self.hosts = merged
        self.strict = any(strict for _, strict in self.layers)

    def _install(self) -> None:
        self.original_sync = httpx.HTTPTransport.handle_request
        self.original_async = httpx.AsyncHTTPTransport.handle_async_request
        router = self

        def handle_request(
            transport: httpx.HTTPTransport, request: httpx.Request
        ) -> httpx.Response:
            stash = router.hosts.get(request.url.netloc.decode("ascii").lower())
            if stash is not None:
                return stash.handle_request(request)
            return router.pass_through(transport, request)

        async def handle_async_request(
            transport: httpx.AsyncHTTPTransport, request: httpx.Request
        ) -> httpx.Response:
            stash = router.hosts.get(request.url.netloc.decode("ascii").lower())
            if stash is not None:
                return await stash.handle_async_request(request)
            blocked = router.blocked(request)
            if blocked is not None:
                return blocked
            return await router.original_async(transport, request)  # type: ignore[no-any-return]

        setattr(httpx.HTTPTransport, "handle_request", handle_request)  # noqa: B010
        setattr(httpx.AsyncHTTPTransport, "handle_async_request", handle_async_request)  # noqa: B010

    def _uninstall(self) -> None:
        setattr(httpx.HTTPTransport, "handle_request", self.original_sync)  # noqa: B010
        setattr(httpx.AsyncHTTPTransport, "handle_async_request", self.original_async)  # noqa: B010

    def pass_through(
        self, transport: httpx.HTTPTransport, request: httpx.Request
    ) -> httpx.Response:
        blocked = self.blocked(request)
        if blocked is not None:
            return blocked
        return self.original_sync(transport, request)  # type: ignore[no-any-return]

    def blocked(self, request: httpx.Request) -> httpx.Response | None:
        """In strict mode, an Upstash host no fake serves gets a clear error instead of
        reaching a real database by accident."""
        host = request.url.host
        if not (self.strict and host.endswith(UPSTASH_SUFFIX)):
            return None
        served = ", ".join(sorted(self.hosts)) or "none"
        text = (
            f"fakestash: no fake database serves {host} (served here: {served}). "
            "Point the client at the fake's URL (e.g. the UPSTASH_REDIS_REST_URL the "
            "fixture sets), add the URL with stash.add_database(url=...), or route with "
            "strict=False to let it through."
        )
        return httpx.Response(502, content=encode_json({"error": text}))


_ROUTER = _Router()


@contextmanager
def route(*stashes: FakeStash, strict: bool = True) -> Iterator[None]:
    """Answer requests to these servers' hosts from them, for every httpx client.

    ``strict`` (default) refuses other ``*.upstash.io`` hosts with a clear error, so a
    test never reaches a real database; other hosts always pass through.
    """
    layer = _ROUTER.push(stashes, strict)
    try:
        yield
    finally:
        _ROUTER.pop(layer)


def routed_hosts() -> dict[str, FakeStash]:
    """The hosts currently answered in-process (for diagnostics)."""
    return dict(_ROUTER.hosts)


def notify_new_host(host: str, stash: FakeStash) -> None:
    _ROUTER.add_host(host, stash)
