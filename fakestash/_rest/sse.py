"""Server-sent event streams: ``/subscribe``, ``/psubscribe`` and ``/monitor``.

``open_stream`` subscribes at once (before the response is returned, so a publish right
after the client opened the stream is received) and returns a ``text/event-stream``
response whose body is an ``EventStream``: read with ``for`` (blocking between events) or
``async for`` (awaiting), from the subscriber's mailbox.

Framing (Upstash's is unknown here; see docs/pubsub.md): each event is ``data: <text>``
ended by a blank line, as the SSE standard has it; a payload with line breaks becomes
several ``data:`` lines of one event, which an SSE parser joins back with ``\\n``.
Payloads are raw bytes, never base64. The stream ends when the client closes it
(unsubscribing at once), when the server closes (``FakeStash.close()``), when the
subscriber overflows its output buffer, or after ``Broker.idle_timeout`` seconds without
an event (so a test never hangs on a message that never comes; a door that sees its client
leave turns that off with ``keep_open()``). A stream dropped without being closed is
released too: its subscription ends when the ``EventStream`` is garbage-collected or, read
or not, once idle for that timeout (``StreamReaper`` in the broker).
"""

from __future__ import annotations

import re
import weakref
from typing import TYPE_CHECKING, Any, AsyncIterator, Callable, Iterator, TypeVar, Union

from fakestash._engine.admission import Caller, admit
from fakestash._engine.broker import Mailbox, Message, StreamReaper, broker_of
from fakestash._engine.monitor import MonitorEntry, MonitorFeed, feed_of
from fakestash._errors import CommandError, UnknownCommand
from fakestash._faults import StreamCut
from fakestash._rest.responses import error_json
from fakestash._rest.wire import RestResponse

if TYPE_CHECKING:
    from fakestash._endpoints import Endpoint
    from fakestash._rest.request import RestCall

EVENT_STREAM = "text/event-stream"
#: The error a request without ``Accept: text/event-stream`` gets (fakestash's text:
#: Upstash's answer is unknown, only that monitor "is not working" without it).
NEEDS_ACCEPT = (
    "ERR fakestash: {path} is a server-sent event stream: send 'Accept: text/event-stream'"
)
MONITOR_OK = b'data: "OK"\n\n'

Item = Union[Message, MonitorEntry]
_T = TypeVar("_T")
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")


def open_stream(
    endpoint: Endpoint,
    caller: Caller,
    call: RestCall,
    headers: dict[str, str],
    closed: bool,
    cut: int | None = None,
) -> RestResponse:
    """Start a subscription or a monitor and return its streaming response. ``closed``:
    the server is closed (the stream ends at once). ``cut``: an injected fault
    (fakestash/_faults.py) drops the stream after that many events."""
    kind = call.stream
    args = call.argvs[0]
    accept = headers.get("accept", "")  # the first, as Go reads it
    if EVENT_STREAM not in accept.lower():
        return error_json(400, NEEDS_ACCEPT.format(path="/" + kind), endpoint)
    refused = _refusal(endpoint, caller, kind, args)
    if refused is not None:
        return error_json(400, refused, endpoint)
    if kind == "monitor":
        stream = _monitor(endpoint, closed)
    else:
        stream = _subscribe(endpoint, kind, args, closed)
    stream.source.cut_after = cut
    headers_out = [
        (b"content-type", EVENT_STREAM.encode()),
        (b"cache-control", b"no-cache"),
        (b"upstash-sync-token", endpoint.sync_token().encode()),
    ]
    return RestResponse(200, headers_out, stream=stream)


def _refusal(endpoint: Endpoint, caller: Caller, kind: str, args: list[bytes]) -> str | None:
    """The path is its command (SUBSCRIBE, PSUBSCRIBE, MONITOR), declared with the others:
    its arity, then admission (the read-only token may subscribe but not monitor; an ACL
    user needs the command and its channels)."""
    cmd = endpoint.database.registry.command(kind)
    argv = [kind.upper().encode(), *args]
    try:
        if cmd is None:
            raise UnknownCommand(kind.upper())
        cmd.check_arity(len(argv))
        admit(caller, cmd, argv)
    except CommandError as exc:
        return exc.text
    return None


def _subscribe(endpoint: Endpoint, kind: str, channels: list[bytes], closed: bool) -> EventStream:
    db = endpoint.database
    broker = broker_of(db)
    sub = broker.new_subscriber(name=f"sse {kind}")
    if closed:
        sub.mailbox.close("server closed")
    watched = db.extensions.get("monitor")
    if isinstance(watched, MonitorFeed):  # MONITOR shows the SUBSCRIBE, as Redis does
        watched.feed([kind.upper().encode(), *channels])
    if kind == "psubscribe":
        broker.psubscribe(sub, channels)
    else:
        broker.subscribe(sub, channels)
    unsubscribe = b"PUNSUBSCRIBE" if kind == "psubscribe" else b"UNSUBSCRIBE"

    def close(by_client: bool) -> None:
        if by_client and not sub.closed:
            # Upstash bills the UNSUBSCRIBE a closed stream makes (its Realtime pricing
            # lists reconnection as UNSUBSCRIBE, XRANGE, SUBSCRIBE).
            endpoint.meter.record_commands([[unsubscribe, *channels]])
        broker.drop(sub)

    return _stream(endpoint, [], sub.mailbox, close, broker.reaper)


def _monitor(endpoint: Endpoint, closed: bool) -> EventStream:
    feed = feed_of(endpoint.database)
    box = feed.watch(idle_timeout=broker_of(endpoint.database).idle_timeout)
    if closed:
        box.close("server closed")

    def close(by_client: bool) -> None:
        feed.unwatch(box)

    return _stream(endpoint, [MONITOR_OK], box, close, feed.reaper)


def _stream(
    endpoint: Endpoint,
    prologue: list[bytes],
    mailbox: Mailbox[Message] | Mailbox[MonitorEntry],
    close: Callable[[bool], None],
    reaper: StreamReaper,
) -> EventStream:
    source = _Source(endpoint, prologue, mailbox, close, mailbox.idle_timeout)  # type: ignore[arg-type]
    stream = EventStream(source)
    # Dropped unclosed: the reaper closes it at its next safe point (never from the GC).
    source.finalizer = weakref.finalize(stream, reaper.abandon, source.close)
    return stream


# ---- rendering ---------------------------------------------------------------------------


def render(item: Item) -> bytes:
    """One SSE event (``data:`` lines and the blank line that ends it)."""
    if isinstance(item, MonitorEntry):
        return b"data: " + item.line.encode() + b"\n\n"
    return _data_lines(event_data(item))


def event_data(message: Message) -> bytes:
    """Upstash's comma-separated event text, e.g. ``message,<channel>,<payload>``."""
    kind = message.kind.encode()
    if message.count is not None:
        return b"%s,%s,%d" % (kind, message.channel, message.count)
    if message.pattern is not None:
        return b",".join((kind, message.pattern, message.channel, message.data))
    return b",".join((kind, message.channel, message.data))


def _data_lines(data: bytes) -> bytes:
    if b"\n" not in data and b"\r" not in data:
        return b"data: " + data + b"\n\n"
    return b"".join(b"data: " + line + b"\n" for line in _LINE_BREAK.split(data)) + b"\n"


# ---- the stream ---------------------------------------------------------------------------


class _Source:
    """A stream's state: the prologue, the mailbox, closing and metering. Kept apart from
    the ``EventStream`` a door holds, so that dropping that object releases this one."""

    def __init__(
        self,
        endpoint: Endpoint,
        prologue: list[bytes],
        mailbox: Mailbox[Item],
        close: Callable[[bool], None],
        idle_timeout: float | None,
    ) -> None:
        self.endpoint = endpoint
        self.prologue = prologue
        self.mailbox = mailbox
        self.idle_timeout = idle_timeout
        self.finalizer: weakref.finalize[..., Any] | None = None
        self._close = close
        self._closed = False
        #: Events to send before an injected cut (``Fault.cut_stream``); None: no cut.
        self.cut_after: int | None = None
        self._sent = 0

    def chunk(self, items: list[Item]) -> bytes:
        data = b"".join(render(item) for item in items)
        self.endpoint.meter.record_bytes_out(len(data))
        return data

    def first(self) -> bytes:
        data = b"".join(self._allowed(self.prologue)[0])
        if data:
            self.endpoint.meter.record_bytes_out(len(data))
        return data

    def cut_at_once(self) -> bool:
        return self.cut_after is not None and self.cut_after <= len(self.prologue)

    def take(self, items: list[Item]) -> tuple[list[Item], bool]:
        """The items to send, and whether an injected cut comes right after them."""
        return self._allowed(items)

    def _allowed(self, events: list[_T]) -> tuple[list[_T], bool]:
        if self.cut_after is None:
            return events, False
        room = max(self.cut_after - self._sent, 0)
        sent = events[:room]
        self._sent += len(sent)
        return sent, self._sent >= self.cut_after

    def cut(self) -> StreamCut:
        """End the stream as a dropped connection: the server side lets go, the reader
        gets the error a body cut short raises."""
        self.close(by_client=False)
        return StreamCut(
            "peer closed connection without sending complete message body: incomplete "
            f"chunked read (fakestash fault: stream cut after {self.cut_after} events)"
        )

    def close(self, by_client: bool = True) -> None:
        if not self._closed:
            self._closed = True
            if self.finalizer is not None:
                self.finalizer.detach()
            self._close(by_client and not self.mailbox.closed)


class EventStream:
    """The body of an SSE response: ``for chunk in stream`` blocks its thread between
    events, ``async for chunk in stream`` awaits; ``close()`` unsubscribes at once.

    Raises ``StreamCut`` where an injected fault drops the stream."""

    def __init__(self, source: _Source) -> None:
        self.source = source

    def __iter__(self) -> Iterator[bytes]:
        source = self.source
        first = source.first()
        if first:
            yield first
        if source.cut_at_once():
            raise source.cut()
        while True:
            try:
                items = source.mailbox.get_batch(source.idle_timeout)
            except TimeoutError:
                break
            if not items:
                break
            items, cut = source.take(items)
            if items:
                yield source.chunk(items)
            if cut:
                raise source.cut()
        source.close(by_client=False)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        source = self.source
        first = source.first()
        if first:
            yield first
        if source.cut_at_once():
            raise source.cut()
        while True:
            try:
                items = await source.mailbox.aget_batch(source.idle_timeout)
            except TimeoutError:
                break
            if not items:
                break
            items, cut = source.take(items)
            if items:
                yield source.chunk(items)
            if cut:
                raise source.cut()
        source.close(by_client=False)

    def close(self) -> None:
        self.source.close()

    async def aclose(self) -> None:
        self.source.close()

    def keep_open(self) -> None:
        """No idle timeout: the stream waits for events until it is closed."""
        self.source.idle_timeout = None
        self.source.mailbox.idle_timeout = None
