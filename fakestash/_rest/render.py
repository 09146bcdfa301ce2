"""Render engine replies as Upstash does: JSON (plain or base64) or raw RESP2.

Every text that reaches the wire passes here, and arbitrary bytes in it (a bulk reply, an
error text naming an argument, a status a script made) follow Go's UTF-8 rule
(``fakestash/_rest/utf8.py``): U+FFFD in JSON, the bytes as they are in RESP2 and base64.
"""

from __future__ import annotations

import json
from base64 import b64encode
from typing import Any, Sequence

from fakestash._engine.replies import OK, ErrorReply, Reply, Status
from fakestash._rest.utf8 import raw_bytes, text_of, valid_text

_dumps = json.JSONEncoder(separators=(",", ":")).encode


def to_json(reply: Reply) -> Any:
    """A reply as JSON data: bulk strings as text (each invalid UTF-8 byte as U+FFFD)."""
    if isinstance(reply, bytes):
        return text_of(reply)
    if isinstance(reply, list):
        return [to_json(item) for item in reply]
    if isinstance(reply, ErrorReply):
        return valid_text(reply.text)
    if isinstance(reply, Status):
        return valid_text(reply)
    return reply  # int, None


def to_base64_json(reply: Reply) -> Any:
    """Base64 mode: every string at any depth is base64, except the ``OK`` status."""
    if isinstance(reply, bytes):
        return b64encode(reply).decode("ascii")
    if isinstance(reply, Status):
        return "OK" if reply == "OK" else b64encode(raw_bytes(reply)).decode("ascii")
    if isinstance(reply, list):
        return [to_base64_json(item) for item in reply]
    if isinstance(reply, ErrorReply):
        return valid_text(reply.text)
    return reply


def result_body(reply: Reply, base64: bool) -> dict[str, Any]:
    return {"result": to_base64_json(reply) if base64 else to_json(reply)}


def error_body(text: str) -> dict[str, Any]:
    return {"error": valid_text(text)}


def encode_json(data: Any) -> bytes:
    return _dumps(data).encode()


_OK_ITEM = '{"result":"OK"}'
_NULL_ITEM = '{"result":null}'


def batch_items(items: Sequence[Reply | ErrorReply], base64: bool) -> list[str]:
    """Every pipeline/transaction item as JSON text (``OK``, most writes' reply, without a
    call)."""
    return [_OK_ITEM if item is OK else batch_item(item, base64) for item in items]


def batch_item(item: Reply | ErrorReply, base64: bool) -> str:
    """One pipeline/transaction item as JSON text. The usual replies (OK, integers, nil,
    errors) are written directly; anything else goes through the JSON encoder."""
    if isinstance(item, Status) and item == "OK":
        return _OK_ITEM  # OK stays OK in base64 mode too
    if isinstance(item, int):
        return '{"result":' + str(item) + "}"
    if item is None:
        return _NULL_ITEM
    if isinstance(item, ErrorReply):
        return '{"error":' + _dumps(valid_text(item.text)) + "}"
    return _dumps({"result": to_base64_json(item) if base64 else to_json(item)})


def to_resp2(reply: Reply) -> bytes:
    """A reply in the RESP2 wire format."""
    out: list[bytes] = []
    _resp2(reply, out)
    return b"".join(out)


def resp2_error(text: str) -> bytes:
    return b"-" + _one_line(text) + b"\r\n"


def _one_line(text: str) -> bytes:
    """A simple string or error on one RESP line: each CR and LF becomes a space, as Redis
    does to error and status texts (``addReplyErrorFormat``, scripts' status/error replies:
    ``sdsmapchars(s, "\r\n", "  ", 2)``)."""
    return raw_bytes(text).translate(_CR_LF_TO_SPACE)


_CR_LF_TO_SPACE = bytes.maketrans(b"\r\n", b"  ")


def _resp2(reply: Reply, out: list[bytes]) -> None:
    if isinstance(reply, bytes):
        out.append(b"$%d\r\n%s\r\n" % (len(reply), reply))
    elif isinstance(reply, Status):
        out.append(b"+" + _one_line(reply) + b"\r\n")
    elif isinstance(reply, bool):
        out.append(b":1\r\n" if reply else b":0\r\n")
    elif isinstance(reply, int):
        out.append(b":%d\r\n" % reply)
    elif reply is None:
        out.append(b"$-1\r\n")
    elif isinstance(reply, ErrorReply):
        out.append(resp2_error(reply.text))
    else:
        out.append(b"*%d\r\n" % len(reply))
        for item in reply:
            _resp2(item, out)
