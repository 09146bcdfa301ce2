"""Parse an HTTP request into what the REST face runs: argv lists, token, encoding."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence
from urllib.parse import unquote_to_bytes

from fakestash._rest import json_body, texts
from fakestash._rest.utf8 import valid_text

ALLOWED_METHODS = frozenset({"HEAD", "GET", "POST", "PUT"})
BATCH_PATHS = frozenset({"pipeline", "multi-exec"})
STREAM_PATHS = frozenset({"subscribe", "psubscribe", "monitor"})


class RestError(Exception):
    """A request-level failure: its HTTP status and Upstash's error text."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text


@dataclass
class RestCall:
    """What a request asks for. ``kind``: command, pipeline, multi-exec, stream or head."""

    kind: str
    base64: bool = False
    resp2: bool = False
    argvs: list[list[bytes]] = field(default_factory=list)
    #: Per-row argument errors of a batch (index → text); the row is not run.
    row_errors: dict[int, str] = field(default_factory=dict)
    stream: str = ""  # for kind == "stream": subscribe, psubscribe or monitor
    body_size: int = 0


def parse_call(method: str, raw_path: bytes, headers: dict[str, str], body: bytes) -> RestCall:
    """Turn method, raw path (with query), headers and body into a ``RestCall``."""
    path, _, query = raw_path.partition(b"?")
    pairs = _query_pairs(query)
    call = RestCall(kind="command", body_size=request_size(raw_path, body))
    _read_format_headers(call, headers)
    if method == "HEAD":
        call.kind = "head"
        return call
    segments = _segments(path)
    extra = [arg for key, value in pairs if key != b"_token" for arg in (key, value)]
    if not segments:
        call.argvs = [_json_command(body)] if body or method != "GET" else [[]]
        return call
    first = segments[0].decode("utf-8", "replace").lower()
    if first in BATCH_PATHS and len(segments) == 1:
        call.kind = first
        call.argvs, call.row_errors = _json_batch(body)
    elif first in STREAM_PATHS:
        call.kind = "stream"
        call.stream = first
        call.argvs = [segments[1:] + extra]
    else:
        argv = segments + ([body] if body else []) + extra
        call.argvs = [argv]
    return call


def request_size(raw_path: bytes, body: bytes) -> int:
    """What the request size limit counts: the body, and the path with its query."""
    return len(body) + len(raw_path)


def _segments(path: bytes) -> list[bytes]:
    trimmed = path.strip(b"/") if path not in (b"", b"/") else b""
    if not trimmed:
        return []
    return [unquote_to_bytes(segment) for segment in trimmed.split(b"/")]


def _query_pairs(query: bytes) -> list[tuple[bytes, bytes]]:
    """Query pairs in URL order; ``+`` is a space and a key without ``=`` has value ""."""
    pairs = []
    for part in query.split(b"&"):
        if not part:
            continue
        key, _, value = part.partition(b"=")
        pairs.append((_unquote_plus(key), _unquote_plus(value)))
    return pairs


def _unquote_plus(raw: bytes) -> bytes:
    return unquote_to_bytes(raw.replace(b"+", b" "))


READ_HEADERS = frozenset(
    {b"authorization", b"upstash-encoding", b"upstash-response-format", b"accept"}
)


def read_headers(raw: Sequence[tuple[bytes, bytes]]) -> dict[str, str]:
    """The request headers the REST face reads, in one pass (lower-case names).

    A header sent twice counts once, with its first value: Upstash's server is written in
    Go, whose ``http.Header.Get`` returns the first (so two ``Authorization`` headers are
    judged by the first one)."""
    found: dict[str, str] = {}
    for name, value in raw:
        lower = name.lower()
        if lower in READ_HEADERS:
            found.setdefault(lower.decode("ascii"), value.decode("latin-1"))
    return found


def request_token(raw_path: bytes, headers: dict[str, str]) -> str | None:
    """The token a request presents: ``?_token=`` wins over ``Authorization`` (with or
    without the ``Bearer`` prefix)."""
    query = raw_path.partition(b"?")[2]
    pairs = _query_pairs(query) if b"_token" in query else []
    for key, value in pairs:
        if key == b"_token":
            return value.decode("utf-8", "replace")
    auth = headers.get("authorization")
    if auth is None:
        return None
    scheme, _, rest = auth.partition(" ")
    return rest.strip() if scheme.lower() == "bearer" else auth.strip()


def _read_format_headers(call: RestCall, headers: dict[str, str]) -> None:
    encoding = headers.get("upstash-encoding")
    call.base64 = encoding is not None and encoding.strip().lower() == "base64"
    fmt = headers.get("upstash-response-format")
    if fmt is None:
        return
    fmt = fmt.strip().lower()
    if fmt == "resp2":
        call.resp2 = True
    elif fmt != "json":
        raise RestError(400, texts.bad_response_format(fmt))


def _load_json(body: bytes) -> Any:
    if not body.strip():
        raise RestError(400, texts.EMPTY_BODY)
    try:
        return json_body.loads(body)  # Go's reading: see fakestash/_rest/json_body.py
    except ValueError as exc:
        raise RestError(400, texts.bad_json(str(exc))) from None


def _json_command(body: bytes) -> list[bytes]:
    data = _load_json(body)
    if not isinstance(data, list):
        raise RestError(400, texts.NOT_AN_ARRAY)
    return to_argv(data)


def _json_batch(body: bytes) -> tuple[list[list[bytes]], dict[int, str]]:
    compact = _compact_rows(body)
    if compact is not None:
        return compact, {}
    data = _load_json(body)
    if not isinstance(data, list):
        raise RestError(400, texts.NOT_AN_ARRAY)
    fast = _string_rows(data)
    if fast is not None:
        return fast, {}
    argvs: list[list[bytes]] = []
    errors: dict[int, str] = {}
    for index, row in enumerate(data):
        if not isinstance(row, list):
            errors[index] = texts.PIPELINE_ROW_NOT_AN_ARRAY
            argvs.append([])
            continue
        try:
            argvs.append(to_argv(row))
        except RestError as exc:
            errors[index] = exc.text
            argvs.append([])
    return argvs, errors


#: Bytes that JSON does not allow unescaped in a string (and the escape character).
_NOT_PLAIN = bytes(range(0x20)) + b"\\"


def _compact_rows(body: bytes) -> list[list[bytes]] | None:
    """The rows of the usual batch body, as the SDKs write it, read without a JSON pass:
    ``[["SET","k","v"],["GET","k"]]``, ASCII, no whitespace, no escapes, every row one or
    more strings. None for any other body (the JSON reader then takes it).

    Count the delimiters (``"],["`` between rows, ``","`` between strings): if the body
    holds exactly two quotes per string they make, no string holds a quote, so the
    delimiters are all there is between the strings: the body is that array of arrays of
    strings, split at them, and each string's bytes are its text.
    """
    if not (body.startswith(b'[["') and body.endswith(b'"]]') and body.isascii()):
        return None
    if len(body.translate(None, _NOT_PLAIN)) != len(body):
        return None
    strings = body.count(b'","') + body.count(b'"],["') + 1  # if none holds a quote
    if body.count(b'"') != 2 * strings:
        return None
    return [row.split(b'","') for row in body[3:-3].split(b'"],["')]


def _string_rows(data: list[Any]) -> list[list[bytes]] | None:
    """After the JSON reader, in one pass: every row a list of strings (else None); bodies
    in other spellings than the SDKs' (spaces, escapes, non-ASCII) come this way."""
    encode = str.encode
    try:
        rows = [list(map(encode, row)) if type(row) is list else None for row in data]
    except (TypeError, UnicodeEncodeError):  # a number, a null, a lone surrogate...
        return None
    return None if None in rows else rows  # type: ignore[return-value]


def to_argv(items: list[Any]) -> list[bytes]:
    """JSON array elements to arguments: strings as UTF-8, numbers as spelled, booleans as
    ``true``/``false``; null, arrays and objects are refused with Upstash's texts."""
    try:
        return [item.encode() for item in items]  # the common case: all strings
    except (AttributeError, UnicodeEncodeError):
        pass
    argv = []
    for item in items:
        if isinstance(item, str):  # with an unpaired surrogate escape (the rest are UTF-8)
            argv.append(valid_text(item).encode())
        elif item is True or item is False:
            argv.append(b"true" if item else b"false")
        elif item is None:
            raise RestError(400, texts.NULL_ARG)
        elif isinstance(item, list):
            raise RestError(400, texts.unsupported_arg("["))
        else:
            raise RestError(400, texts.unsupported_arg("{"))
    return argv
