"""RESP2 both ways: a command as Redis reads it, a reply as the engine's values.

Replies become what the engine's handlers return (``fakestash/engine/replies.py``): a bulk
string is ``bytes``, a simple string ``Status``, an integer ``int``, a nil ``None``, an array a
``list``, an error an ``ErrorReply`` (at any depth; the caller decides whether a top-level one
raises). Nothing is decoded as text except statuses and errors, so binary values survive.

``parse`` reads a reply from the front of a byte string (an HTTP body in
``Upstash-Response-Format: resp2``); ``read_reply`` reads one from a buffered socket file.
"""

from __future__ import annotations

from typing import BinaryIO, Sequence

from fakestash.engine.replies import ErrorReply, Reply, Status

#: Arrays nested deeper than this are refused (Redis' own replies stay far below it).
MAX_DEPTH = 1000


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
    return _parse(data, start, 0)


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


def _parse(data: bytes, start: int, depth: int) -> tuple[Reply, int]:
    line, at = _line(data, start)
    kind, body = line[:1], line[1:]
    if kind in (b"$", b"*"):
        size = _integer(body, line)
        if size < 0:
            return None, at
        if kind == b"$":
            if at + size + 2 > len(data):
                raise Incomplete(f"bulk string of {size} bytes cut short")
            if data[at + size : at + size + 2] != b"\r\n":
                raise ProtocolError(f"bulk string of {size} bytes not ended by CRLF")
            return data[at : at + size], at + size + 2
        if depth >= MAX_DEPTH:
            raise ProtocolError(f"arrays nested deeper than {MAX_DEPTH}")
        items: list[Reply] = []
        for _ in range(size):
            item, at = _parse(data, at, depth + 1)
            items.append(item)
        return items, at
    return _simple(kind, body, line), at


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


def read_reply(stream: BinaryIO, depth: int = 0) -> Reply:
    """One reply from a buffered binary stream (``socket.makefile("rb")``)."""
    raw = stream.readline()
    if not raw.endswith(b"\r\n"):
        raise ConnectionError("the server closed the connection" if not raw else "cut reply")
    line = raw[:-2]
    kind, body = line[:1], line[1:]
    if kind == b"$":
        size = _integer(body, line)
        if size < 0:
            return None
        data = stream.read(size + 2)
        if len(data) != size + 2:
            raise ConnectionError("the server closed the connection in a bulk string")
        return data[:-2]
    if kind == b"*":
        size = _integer(body, line)
        if size < 0:
            return None
        if depth >= MAX_DEPTH:
            raise ProtocolError(f"arrays nested deeper than {MAX_DEPTH}")
        return [read_reply(stream, depth + 1) for _ in range(size)]
    return _simple(kind, body, line)
