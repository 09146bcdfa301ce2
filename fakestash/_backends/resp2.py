"""RESP2 both ways: a command as Redis reads it, a reply as the engine's values.

Replies become what the engine's handlers return (``fakestash/_engine/replies.py``): a bulk
string is ``bytes``, a simple string ``Status``, an integer ``int``, a nil ``None``, an array a
``list``, an error an ``ErrorReply`` (at any depth; the caller decides whether a top-level one
raises). Nothing is decoded as text except statuses and errors, so binary values survive.

``parse`` reads a reply from the front of a byte string (an HTTP body in
``Upstash-Response-Format: resp2``); ``read_reply`` reads one from a buffered socket file.
"""

from __future__ import annotations

from typing import BinaryIO, Callable, Sequence

from fakestash._engine.replies import ErrorReply, Reply, Status


class ProtocolError(ValueError):
    """The bytes are not a RESP2 reply."""


class Incomplete(ProtocolError):
    """The bytes end before the reply does."""


def pack(argv: Sequence[bytes]) -> bytes:
    """A command as a RESP2 array of bulk strings."""
    parts = [b"*%d\r\n" % len(argv)]
    for arg in argv:
        parts.append(b"$%d\r\n" % len(arg))
        parts.append(arg)
        parts.append(b"\r\n")
    return b"".join(parts)


def parse(data: bytes, start: int = 0) -> tuple[Reply, int]:
    """One reply from ``data`` at ``start``: the reply and where the next one begins."""
    at = start

    def item() -> tuple[bytes, bytes, Reply | None]:
        nonlocal at
        line, at = _line(data, at)
        kind, body = line[:1], line[1:]
        if kind != b"$":
            return kind, body, None
        size = _integer(body, line)
        if size < 0:
            return b"", b"", None
        if at + size + 2 > len(data):
            raise Incomplete(f"bulk string of {size} bytes cut short")
        if data[at + size : at + size + 2] != b"\r\n":
            raise ProtocolError(f"bulk string of {size} bytes not ended by CRLF")
        value, at = data[at : at + size], at + size + 2
        return b"$", b"", value

    return _assemble(item), at


def read_reply(stream: BinaryIO) -> Reply:
    """One reply from a buffered binary stream (``socket.makefile("rb")``)."""

    def item() -> tuple[bytes, bytes, Reply | None]:
        raw = stream.readline()
        if not raw.endswith(b"\r\n"):
            raise ConnectionError("the server closed the connection" if not raw else "cut reply")
        line = raw[:-2]
        kind, body = line[:1], line[1:]
        if kind != b"$":
            return kind, body, None
        size = _integer(body, line)
        if size < 0:
            return b"", b"", None
        value = stream.read(size + 2)
        if len(value) != size + 2:
            raise ConnectionError("the server closed the connection in a bulk string")
        return b"$", b"", value[:-2]

    return _assemble(item)


def _assemble(next_item: Callable[[], tuple[bytes, bytes, Reply | None]]) -> Reply:
    """Build one reply from its items, arrays with an explicit stack (any depth).

    ``next_item`` returns (kind, rest of the line, value): ``$`` with the bulk string, an
    empty kind for a nil, else the kind and the line for ``_simple`` or an array header.
    """
    stack: list[tuple[list[Reply], int]] = []  # open arrays and how many items they await
    while True:
        kind, body, value = next_item()
        if kind == b"*":
            size = _integer(body, kind + body)
            if size > 0:
                stack.append(([], size))
                continue
            reply: Reply = None if size < 0 else []
        elif kind in (b"$", b""):
            reply = value
        else:
            reply = _simple(kind, body, kind + body)
        while True:
            if not stack:
                return reply
            items, size = stack[-1]
            items.append(reply)
            if len(items) < size:
                break
            stack.pop()
            reply = items


def parse_all(data: bytes) -> list[Reply]:
    """Every reply in ``data`` (a pipeline's body in RESP2)."""
    replies, at = [], 0
    while at < len(data):
        reply, at = parse(data, at)
        replies.append(reply)
    return replies


def _line(data: bytes, start: int) -> tuple[bytes, int]:
    end = data.find(b"\r\n", start)
    if end < 0:
        raise Incomplete(f"no line end after byte {start}")
    return data[start:end], end + 2


def _simple(kind: bytes, body: bytes, line: bytes) -> Reply:
    if kind == b"+":
        return Status(body.decode("utf-8", "surrogateescape"))
    if kind == b"-":
        return ErrorReply(body.decode("utf-8", "replace"))
    if kind == b":":
        return _integer(body, line)
    raise ProtocolError(f"not a RESP2 reply: {line[:60]!r}")


def _integer(body: bytes, line: bytes) -> int:
    try:
        return int(body)
    except ValueError:
        raise ProtocolError(f"not a RESP2 integer: {line[:60]!r}") from None
