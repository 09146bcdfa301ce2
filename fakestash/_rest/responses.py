"""Complete (non-streaming) responses as the face writes them: body, length, type, sync token."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fakestash._rest.render import encode_json, error_body, resp2_error
from fakestash._rest.wire import RestResponse

if TYPE_CHECKING:
    from fakestash._endpoints import Endpoint
    from fakestash._rest.request import RestCall

JSON_TYPE = b"application/json"
RESP2_TYPE = b"application/octet-stream"


def make_response(
    status: int, content: bytes, content_type: bytes | None, endpoint: Endpoint | None
) -> RestResponse:
    """A complete response: its body, its length, its type and the sync token."""
    headers = [(b"content-length", b"%d" % len(content))]
    if content_type is not None:
        headers.append((b"content-type", content_type))
    if endpoint is not None:
        headers.append((b"upstash-sync-token", endpoint.sync_token().encode()))
    return RestResponse(status, headers, content)


def json_response(status: int, data: object, endpoint: Endpoint | None) -> RestResponse:
    return make_response(status, encode_json(data), JSON_TYPE, endpoint)


def raw_response(status: int, content: bytes, endpoint: Endpoint) -> RestResponse:
    return make_response(status, content, RESP2_TYPE, endpoint)


def error_response(call: RestCall, text: str, endpoint: Endpoint) -> RestResponse:
    """A command's error: JSON ``{"error": text}``, or a RESP2 error line."""
    if call.resp2:
        return raw_response(400, resp2_error(text), endpoint)
    return json_response(400, error_body(text), endpoint)


def error_json(status: int, text: str, endpoint: Endpoint | None) -> RestResponse:
    """``{"error": text}`` with ``status``."""
    return json_response(status, error_body(text), endpoint)
