"""What the REST face reads and answers: plain request and response values, no HTTP library.

Every door (the httpx transports, the router, the ASGI application, ``fakestash serve``)
turns its world's request into a ``RestRequest``, asks the face, and turns the
``RestResponse`` back. A response's body is either bytes or an ``EventSource`` (a
server-sent event stream), which a door reads with ``for`` or ``async for`` and closes when
its client goes away.

Two plain exceptions stand for what is not a response (``fakestash._faults``): a
``TransportFault`` (an injected connect error or read timeout) and a ``StreamCut`` (an
injected dropped stream); each door raises its world's error in their place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import AsyncIterator, Iterator, Protocol, Sequence

Headers = Sequence[tuple[bytes, bytes]]


@dataclass(slots=True)
class RestRequest:
    """One HTTP request as the face reads it.

    Attributes:
        method: ``GET``, ``POST``... (upper case).
        raw_path: The path with its query, percent-encoded as sent: ``b"/get/k?_token=t"``.
        headers: Every header as sent, names in any case, repeats kept in order.
        body: The whole body.
        host: The authority the client addressed (``Host``): ``db.upstash.io``,
            ``127.0.0.1:8079``; the face puts it in normal form.
        scheme: ``https`` or ``http`` (decides which port is the default one).
    """

    method: str
    raw_path: bytes
    headers: Headers
    body: bytes
    host: str
    scheme: str = "https"


class EventSource(Protocol):
    """A server-sent event stream: read it one way, close it once (closing twice is a
    no-op; closing ends its subscription at once)."""

    def __iter__(self) -> Iterator[bytes]: ...

    def __aiter__(self) -> AsyncIterator[bytes]: ...

    def close(self) -> None: ...

    async def aclose(self) -> None: ...

    def keep_open(self) -> None:
        """Wait for events however long it takes (no idle timeout): for doors that see
        their client go away (a socket), where no dropped stream can be left behind."""


@dataclass(slots=True)
class RestResponse:
    """The face's answer: a status, headers (lower-case names) and a body, or a stream."""

    status: int
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytes = b""
    #: Set for ``text/event-stream`` responses; ``body`` is then empty.
    stream: EventSource | None = None
