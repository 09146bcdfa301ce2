"""Upstash's REST-level error texts, in one place (see the wire spec, §1–§6).

Where Upstash's exact text is unknown, the text here is our choice; docs/rest-api.md lists
which ones are choices, so a run against a real database can settle them.
"""

from __future__ import annotations

WRONGPASS = (
    "WRONGPASS invalid or missing auth token. "
    "See https://docs.upstash.com/redis/troubleshooting/http_unauthorized for details."
)
NULL_ARG = "ERR null args are not supported"
EMPTY_BODY = "EOF"
NOT_AN_ARRAY = "expected JSON array"
EMPTY_COMMAND = "ERR empty command"
PIPELINE_ROW_NOT_AN_ARRAY = "ERR pipeline and multi-exec commands must be JSON arrays"  # choice


def unsupported_arg(kind: str) -> str:
    """A nested array or object as an argument: Go's json.Delim leaks into the text."""
    return f'ERR unsupported arg type: "{kind}": json.Delim'


def bad_json(detail: str) -> str:  # choice: Upstash's exact text for malformed JSON is unknown
    return f"ERR invalid JSON body: {detail}"


def request_too_large(limit: int, actual: int) -> str:
    return f"ERR max request size exceeded. Limit: {limit} bytes, Actual: {actual} bytes"


# Response-format header errors (choices: the real texts are unknown).
RESP2_WITH_BASE64 = "ERR resp2 response format can not be used with base64 encoding"
RESP2_WITH_MULTI_EXEC = "ERR resp2 response format is not supported for multi-exec"


def bad_response_format(value: str) -> str:
    return f"ERR invalid response format: {value}"
