"""The httpx door: transports that answer from a server's REST face, sync and async.

``httpx.Client(transport=stash.transport())``. Like ``httpx.MockTransport``, a transport is
one handler: it turns the ``httpx.Request`` into a ``RestRequest``, asks the face, and
turns the ``RestResponse`` into an ``httpx.Response``. Injected faults become httpx's own
errors: ``ConnectError``, ``ReadTimeout``, and ``RemoteProtocolError`` for a cut stream.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, AsyncIterator, Iterator, NoReturn, Protocol

import httpx

from fakestash._faults import StreamCut, TransportFault
from fakestash._rest.wire import EventSource, RestRequest, RestResponse

if TYPE_CHECKING:
    from fakestash._faults import Fault


class Handler(Protocol):
    """What a door asks: a server's REST face (``fakestash._rest.face.Face``)."""

    def handle(self, request: RestRequest) -> RestResponse: ...


class FakestashTransport(httpx.BaseTransport):
    """Serve every request of a sync ``httpx.Client`` from a server's REST face.

    ``stash.transport()`` builds one: ``httpx.Client(transport=stash.transport())``. No
    patching: only that client is served.
    """

    def __init__(self, face: Handler) -> None:
        self.face = face

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            answer = self.face.handle(rest_request(request, request.read()))
        except TransportFault as fault:
            raise_transport_fault(fault.fault, str(fault), request)
        stream = answer.stream
        if stream is None:
            return complete_response(answer)
        return httpx.Response(answer.status, headers=answer.headers, stream=_SyncBody(stream))


class AsyncFakestashTransport(httpx.AsyncBaseTransport):
    """Serve every request of an ``httpx.AsyncClient`` from a server's REST face.

    ``stash.async_transport()`` builds one. Server-sent event streams (pub/sub, MONITOR)
    are read with ``client.stream(...)`` as from Upstash.
    """

    def __init__(self, face: Handler) -> None:
        self.face = face

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            answer = self.face.handle(rest_request(request, await request.aread()))
        except TransportFault as fault:
            raise_transport_fault(fault.fault, str(fault), request)
        stream = answer.stream
        if stream is None:
            return complete_response(answer)
        return httpx.Response(answer.status, headers=answer.headers, stream=_AsyncBody(stream))


def rest_request(request: httpx.Request, body: bytes) -> RestRequest:
    url = request.url
    return RestRequest(
        request.method,
        url.raw_path,
        request.headers.raw,
        body,
        url.netloc.decode("ascii", "replace"),
        url.scheme,
    )


def complete_response(answer: RestResponse) -> httpx.Response:
    """An in-memory response. Handing httpx the body as already read skips its chunked
    read loop, which would otherwise cost more than running the command."""
    content = answer.body
    response = httpx.Response(
        answer.status, headers=answer.headers, stream=httpx.ByteStream(content)
    )
    response._content = content
    return response


def raise_transport_fault(fault: Fault, text: str, request: httpx.Request) -> NoReturn:
    """An injected transport fault, as the error httpx itself raises for it."""
    error = httpx.ConnectError if fault.kind == "connect_error" else httpx.ReadTimeout
    raise error(text, request=request) from None


class _SyncBody(httpx.SyncByteStream):
    """An event stream as the body of a sync response."""

    def __init__(self, stream: EventSource) -> None:
        self.stream = stream

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self.stream
        except StreamCut as cut:
            raise httpx.RemoteProtocolError(str(cut)) from None

    def close(self) -> None:
        self.stream.close()


class _AsyncBody(httpx.AsyncByteStream):
    """An event stream as the body of an async response."""

    def __init__(self, stream: EventSource) -> None:
        self.stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self.stream:
                yield chunk
        except StreamCut as cut:
            raise httpx.RemoteProtocolError(str(cut)) from None

    async def aclose(self) -> None:
        await self.stream.aclose()
