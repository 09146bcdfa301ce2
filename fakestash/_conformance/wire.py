"""The REST API as a client sees it: one endpoint (``Side``), and commands sent to it exactly
as Upstash's clients send them, with the replies decoded back to engine values.

A ``Side`` is an endpoint's URL and token and a function that answers an ``httpx.Request``:
an ``httpx.Client`` for a network endpoint (Upstash, ``fakestash serve``, a REST proxy over
Redis), or a ``FakeStash``'s own ``handle_request`` for one in this process (the fake, or the
REST face over a real Redis server).

Commands go as ``POST /`` with a JSON body; replies come back in RESP2
(``Upstash-Response-Format: resp2``), which keeps reply types exact (a status is not a bulk
string, an error inside an array stays an error). An endpoint that does not answer RESP2 is
read in base64 JSON instead (``Side.resp2 = False``): the same bytes, but statuses other than
``OK`` read as bulk strings. ``/multi-exec`` is always base64 JSON (RESP2 is refused there).
"""

from __future__ import annotations

import base64
import binascii
import json
import socket
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

import httpx

from fakestash._backends.resp2 import ProtocolError, parse, parse_all
from fakestash._engine.replies import ErrorReply, Reply, Status

if TYPE_CHECKING:
    from fakestash._server import FakeStash

RESP2_TYPE = "application/octet-stream"


@dataclass
class Outcome:
    """What a request came back with: the HTTP status and the decoded reply."""

    status: int
    reply: Reply

    def __repr__(self) -> str:
        return f"{self.status} {self.reply!r}"


@dataclass
class Side:
    """One REST endpoint: its URL, the token to send, and what answers its requests."""

    label: str
    url: str
    token: str
    answer: Callable[[httpx.Request], httpx.Response]
    #: A client for streamed responses (SSE); the same transport as ``answer``.
    client: httpx.Client
    #: Replies are read in RESP2 (else base64 JSON; see the module's docstring).
    resp2: bool = True
    #: Commands sent (a batch counts its rows), and the slowest request in seconds.
    commands: int = 0
    slowest: float = 0.0
    #: Called with the number of commands a request is about to send (the run's budget).
    before_send: Callable[[int], None] | None = field(default=None, repr=False)

    @classmethod
    def of_fake(cls, stash: FakeStash, label: str = "fake", *, token: str | None = None) -> Side:
        """A FakeStash in this process, answered without a network (``token``: another of
        its tokens, e.g. the read-only one)."""
        client = httpx.Client(transport=stash.transport(), base_url=stash.url)
        return cls(label, stash.url, token or stash.token, stash.handle_request, client)

    @classmethod
    def of_url(
        cls,
        url: str,
        token: str,
        label: str = "endpoint",
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
    ) -> Side:
        """An endpoint over HTTP (``transport``: answer through this instead, in tests)."""
        if transport is None:
            # Without TCP_NODELAY a request's headers and body (two writes) meet Nagle's
            # algorithm and the server's delayed ACK: 40 ms a request on Linux.
            nodelay = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
            transport = httpx.HTTPTransport(socket_options=nodelay)
        client = httpx.Client(transport=transport, timeout=timeout)
        return cls(label, url.rstrip("/"), token, client.send, client)

    def close(self) -> None:
        self.client.close()

    @contextmanager
    def unmetered(self) -> Iterator[None]:
        """Requests in this block are not held to the run's budget (clean-up is never
        refused); they are still counted."""
        before_send, self.before_send = self.before_send, None
        try:
            yield
        finally:
            self.before_send = before_send

    # ---- requests --------------------------------------------------------------------

    def build(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        token: str | None = None,
    ) -> httpx.Request:
        """A request to ``path`` (which may carry a query), authorised with the side's
        token unless ``headers`` set ``authorization`` themselves."""
        if body is not None:
            content = json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogateescape")
        sent = {"authorization": f"Bearer {token or self.token}"}
        sent.update({name.lower(): value for name, value in (headers or {}).items()})
        if sent["authorization"] == "":
            del sent["authorization"]
        return httpx.Request(method, self.url + path, content=content, headers=sent)

    def request(
        self, method: str, path: str, *, commands: int = 1, **kwargs: Any
    ) -> httpx.Response:
        """Send a request; ``commands``: how many commands it carries (for the count)."""
        if self.before_send is not None:
            self.before_send(commands)
        self.commands += commands
        started = time.monotonic()
        response = self.answer(self.build(method, path, **kwargs))
        response.read()
        self.slowest = max(self.slowest, time.monotonic() - started)
        return response

    def stream(
        self, path: str, headers: dict[str, str] | None = None, timeout: float = 30.0
    ) -> StreamReader:
        """Open a server-sent event stream (one billed command); a read waits at most
        ``timeout`` seconds for the next bytes."""
        if self.before_send is not None:
            self.before_send(1)
        self.commands += 1
        accept = {"accept": "text/event-stream", **(headers or {})}
        request = self.build("POST", path, headers=accept)
        request.extensions["timeout"] = httpx.Timeout(30.0, read=timeout).as_dict()
        return StreamReader(self.client.send(request, stream=True))

    # ---- commands, decoded -----------------------------------------------------------

    def command(self, argv: Sequence[bytes]) -> Outcome:
        """``POST /`` with the argv as a JSON array, the reply decoded (see the module)."""
        if not self.resp2:
            response = self.request("POST", "/", body=json_args(argv),
                                    headers={"upstash-encoding": "base64"})  # fmt: skip
            return _json_outcome(response)
        response = self.request("POST", "/", body=json_args(argv),
                                headers={"upstash-response-format": "resp2"})  # fmt: skip
        if not response.headers.get("content-type", "").startswith(RESP2_TYPE):
            return Outcome(response.status_code, ErrorReply(f"(json) {response.text}"))
        return Outcome(response.status_code, _parse_body(response.content))

    def batch(self, kind: str, argvs: Sequence[Sequence[bytes]]) -> Outcome:
        """``/pipeline`` (RESP2 when the side speaks it) or ``/multi-exec`` (base64 JSON,
        as RESP2 is refused there); the reply is the list of items."""
        body = [json_args(argv) for argv in argvs]
        path, count = "/" + kind, len(argvs)
        if kind == "pipeline" and self.resp2:
            response = self.request("POST", path, body=body, commands=count,
                                    headers={"upstash-response-format": "resp2"})  # fmt: skip
            if not response.headers.get("content-type", "").startswith(RESP2_TYPE):
                return Outcome(response.status_code, ErrorReply(f"(json) {response.text}"))
            try:
                return Outcome(response.status_code, parse_all(response.content))
            except ProtocolError as exc:
                return Outcome(response.status_code, ErrorReply(f"(not RESP2: {exc})"))
        response = self.request("POST", path, body=body, commands=count,
                                headers={"upstash-encoding": "base64"})  # fmt: skip
        data = _json(response)
        if isinstance(data, dict):
            return Outcome(response.status_code, ErrorReply(str(data.get("error"))))
        if not isinstance(data, list):
            return Outcome(response.status_code, ErrorReply(f"(json) {response.text}"))
        return Outcome(response.status_code, [_from_base64_item(item) for item in data])


def _parse_body(content: bytes) -> Reply:
    try:
        reply, end = parse(content)
    except ProtocolError as exc:
        return ErrorReply(f"(not RESP2: {exc})")
    if end != len(content):
        return ErrorReply(f"(RESP2 with {len(content) - end} bytes more)")
    return reply


def json_args(argv: Sequence[bytes]) -> list[str]:
    """An argv as the JSON array a client sends (bytes that are not UTF-8 go as they are)."""
    return [a.decode("utf-8", "surrogateescape") for a in argv]


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _json_outcome(response: httpx.Response) -> Outcome:
    data = _json(response)
    if isinstance(data, dict) and "error" in data:
        return Outcome(response.status_code, ErrorReply(str(data["error"])))
    if isinstance(data, dict) and "result" in data:
        return Outcome(response.status_code, _from_base64(data["result"]))
    return Outcome(response.status_code, ErrorReply(f"(json) {response.text}"))


def _from_base64_item(item: Any) -> Reply:
    if isinstance(item, dict) and "error" in item:
        return ErrorReply(str(item["error"]))
    if isinstance(item, dict) and "result" in item:
        return _from_base64(item["result"])
    return ErrorReply(f"(json item) {item!r}")


def _from_base64(value: Any) -> Reply:
    """Base64 JSON back to engine values: ``OK`` stays a status, other strings are base64
    (an error inside an array is sent as plain text: kept as an error)."""
    if isinstance(value, str):
        if value == "OK":
            return Status("OK")
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            return ErrorReply(value)
    if isinstance(value, list):
        return [_from_base64(v) for v in value]
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    return ErrorReply(f"(json value) {value!r}")


class StreamReader:
    """The lines of a server-sent event stream, read as they come; close it when done."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._chunks: Iterator[bytes] | None = None
        self._buffer = b""

    @property
    def status(self) -> int:
        return self.response.status_code

    def line(self) -> bytes | None:
        """The next line without its line break; None when the stream ended."""
        if self._chunks is None:
            self._chunks = self.response.iter_raw()
        while b"\n" not in self._buffer:
            chunk = next(self._chunks, None)
            if chunk is None:
                rest, self._buffer = self._buffer, b""
                return rest or None
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line[:-1] if line.endswith(b"\r") else line

    def close(self) -> None:
        self.response.close()
