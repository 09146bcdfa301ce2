"""The ASGI door: a server's REST face (and its control surface) as an ASGI application.

``fakestash.asgi_app(stash)`` runs under any ASGI server (``fakestash serve`` uses
uvicorn) and in-process with ``httpx.ASGITransport``. Like the httpx transports it is a
thin adapter: it reads an HTTP request into a ``RestRequest``, asks the face, and writes the
``RestResponse``; a server-sent event stream is written event by event until the stream
ends or the client disconnects (``http.disconnect`` closes it: the subscription ends at
once).

Several databases on one server
    A request goes to the database whose URL's host is its ``Host`` header (so
    ``--database https://eu.upstash.io`` answers ``curl -H 'Host: eu.upstash.io'``, a
    reverse proxy, or a hosts-file entry), else, as Upstash's token routing does in the
    fake, to the database whose token it carries. Clients that cannot set ``Host`` (a
    browser's ``fetch``, anything pointed at ``http://127.0.0.1:PORT``) use a path prefix:
    ``http://127.0.0.1:PORT/db/1`` is database 1, with every Upstash path after it
    (``/db/1/pipeline``, ``/db/1/get/k``), so the SDKs take it as their URL unchanged.

Faults that are not responses (``Fault.connect_error``, ``Fault.read_timeout``,
``Fault.cut_stream``) drop the connection: the app starts a response and raises
``DroppedConnection``, which ASGI servers answer by closing the socket (the client sees
the response cut short); ``httpx.ASGITransport`` raises it to the caller.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Awaitable, Callable, MutableMapping

from fakestash._faults import StreamCut, TransportFault
from fakestash._rest.wire import EventSource, RestRequest, RestResponse

if TYPE_CHECKING:
    from fakestash._control import ControlSurface
    from fakestash._server import FakeStash

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

#: The path prefix that names a database by its index: ``/db/1/get/k``.
DB_PREFIX = b"/db/"


class DroppedConnection(Exception):
    """Raised (after a response started) to make the ASGI server drop the connection:
    an injected connect error, read timeout or stream cut."""


class FakestashApp:
    """The ASGI application over a ``FakeStash``: build it with ``fakestash.asgi_app``."""

    def __init__(
        self,
        stash: FakeStash,
        control: ControlSurface | None = None,
        keep_streams_open: bool = True,
    ) -> None:
        self.stash = stash
        self.face = stash.face
        self.control = control
        self.keep_streams_open = keep_streams_open

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            await _lifespan(receive, send)
            return
        if kind != "http":  # websockets: not an Upstash protocol
            await send({"type": "websocket.close", "code": 1003})
            return
        request = await _read_request(scope, receive)
        if request is None:
            return  # the client left before its body arrived
        try:
            response = self._answer(request)
        except TransportFault as fault:
            await _drop(send, str(fault))
            return
        await self._write(response, send, receive)

    def _answer(self, request: RestRequest) -> RestResponse:
        control = self.control
        if control is not None and control.claims(request.raw_path):
            return control.handle(request)
        return self.face.handle(self._routed(request))

    def _routed(self, request: RestRequest) -> RestRequest:
        """``/db/<i>/...`` is database ``i`` at ``/...``."""
        if not request.raw_path.startswith(DB_PREFIX):
            return request
        path, question, query = request.raw_path[len(DB_PREFIX) :].partition(b"?")
        number, _, tail = path.partition(b"/")
        endpoints = self.stash.endpoints
        if not number.isdigit() or int(number) >= len(endpoints):
            return request  # not a database: the face answers it as Upstash would
        endpoint = endpoints[int(number)]
        path = b"/" + tail + question + query
        scheme = endpoint.url.partition("://")[0] or "https"
        return replace(request, raw_path=path, host=endpoint.host, scheme=scheme)

    async def _write(self, response: RestResponse, send: Send, receive: Receive) -> None:
        start = {"type": "http.response.start", "status": response.status}
        stream = response.stream
        if stream is None:
            await send({**start, "headers": response.headers})
            await send({"type": "http.response.body", "body": response.body})
            return
        if self.keep_streams_open:
            stream.keep_open()  # a disconnect ends it; no idle timeout needed
        await send({**start, "headers": response.headers})
        await _pump(stream, send, receive)


def asgi_app(
    stash: FakeStash,
    *,
    control_token: str | None = None,
    data_file: str | None = None,
    keep_streams_open: bool = True,
) -> FakestashApp:
    """An ASGI application serving ``stash`` (its every database), for any ASGI server.

    >>> app = asgi_app(FakeStash(url="http://127.0.0.1:8079"), control_token="secret")

    Args:
        stash: The server to answer from.
        control_token: Serve the control surface (``/_fakestash/...``: reset, clock,
            faults, meter, published messages, monitor log, snapshot) to requests bearing
            this token; None (the default): no control surface.
        data_file: Where ``POST /_fakestash/save`` writes the snapshot.
        keep_streams_open: SSE streams wait for events however long it takes, ended by
            the client's disconnect (the in-process idle timeout is for tests that drop
            a response; a socket says when its client left). False keeps the timeout.
    """
    control = None
    if control_token is not None:
        from fakestash._control import ControlSurface

        control = ControlSurface(stash, control_token, data_file=data_file)
    return FakestashApp(stash, control, keep_streams_open)


# ---- reading the request ------------------------------------------------------------------


async def _read_request(scope: Scope, receive: Receive) -> RestRequest | None:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
    query = scope.get("query_string", b"")
    if query:
        raw_path += b"?" + query
    headers = scope["headers"]
    return RestRequest(
        scope["method"],
        raw_path,
        headers,
        b"".join(chunks),
        _host(headers, scope),
        scope.get("scheme", "http"),
    )


def _host(headers: list[tuple[bytes, bytes]], scope: Scope) -> str:
    for name, value in headers:
        if name.lower() == b"host":
            return value.decode("latin-1")
    server = scope.get("server")
    if server is None:
        return ""
    host, port = server
    return f"{host}:{port}" if port is not None else str(host)


# ---- writing the response -----------------------------------------------------------------


async def _pump(stream: EventSource, send: Send, receive: Receive) -> None:
    """Send events as they come; a disconnect closes the stream (ending the wait)."""

    async def watch() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        stream.close()

    watcher = asyncio.ensure_future(watch())
    try:
        async for chunk in stream:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
    except StreamCut as cut:
        raise DroppedConnection(str(cut)) from None
    finally:
        watcher.cancel()
        stream.close()


async def _drop(send: Send, why: str) -> None:
    """Start a response that never completes, then make the server drop the connection."""
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1")]}
    )
    raise DroppedConnection(why)


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
