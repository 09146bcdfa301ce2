"""httpx transports that answer from a ``FakeStash``: ``httpx.Client(transport=...)``."""

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

import httpx

if TYPE_CHECKING:
    from fakestash.faults import TransportFault
    from fakestash.server import FakeStash


class FakestashTransport(httpx.BaseTransport):
    """Serve every request of a sync ``httpx.Client`` from ``stash``.

    ``stash.transport()`` builds one: ``httpx.Client(transport=stash.transport())``. No
    patching: only that client is served.
    """

    def __init__(self, stash: FakeStash) -> None:
        self.stash = stash

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.stash.handle_request(request)


class AsyncFakestashTransport(httpx.AsyncBaseTransport):
    """Serve every request of an ``httpx.AsyncClient`` from ``stash``.

    ``stash.async_transport()`` builds one. Server-sent event streams (pub/sub, MONITOR)
    are read with ``client.stream(...)`` as from Upstash.
    """

    def __init__(self, stash: FakeStash) -> None:
        self.stash = stash

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.stash.handle_async_request(request)


def raise_transport_fault(fault: TransportFault, request: httpx.Request) -> NoReturn:
    """An injected transport fault, as the error httpx itself raises for it."""
    error = httpx.ConnectError if fault.fault.kind == "connect_error" else httpx.ReadTimeout
    raise error(str(fault), request=request) from None
