"""JSON request bodies read as Upstash's Go server reads them: any depth, no NaN, bad UTF-8
as U+FFFD, and the size limit checked before a byte is parsed."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakestash import FakeStash, Limits
from fakestash._rest.json_body import loads_iterative

DEPTH = 100_000
NESTED_ARG = 'ERR unsupported arg type: "[": json.Delim'


def deep(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


# ---- depth ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [990, DEPTH])
def test_a_deep_command_body_is_refused_like_any_nested_argument(
    client: httpx.Client, depth: int
) -> None:
    response = client.post("/", content=deep(depth))
    assert (response.status_code, response.json()) == (400, {"error": NESTED_ARG})


@pytest.mark.parametrize("depth", [990, DEPTH])
def test_a_deep_pipeline_row_fails_alone(client: httpx.Client, depth: int) -> None:
    body = b'[["SET","k","v"],' + deep(depth) + b',["GET","k"]]'
    response = client.post("/pipeline", content=body)
    assert response.status_code == 200
    assert response.json() == [{"result": "OK"}, {"error": NESTED_ARG}, {"result": "v"}]


@pytest.mark.parametrize("depth", [990, DEPTH])
def test_a_deep_transaction_is_discarded(client: httpx.Client, stash: FakeStash, depth: int) -> None:
    body = b'[["SET","k","v"],[' + deep(depth) + b"]]"
    response = client.post("/multi-exec", content=body)
    assert (response.status_code, response.json()) == (400, {"error": NESTED_ARG})
    assert stash.execute("EXISTS", "k") == 0


def test_a_deep_object_is_an_object_argument(client: httpx.Client) -> None:
    body = b'["SET","k",' + b'{"a":' * 5000 + b"1" + b"}" * 5000 + b"]"
    assert client.post("/", content=body).json() == {
        "error": 'ERR unsupported arg type: "{": json.Delim'
    }


def test_a_deep_invalid_body_is_invalid_json(client: httpx.Client) -> None:
    body = b"[" * 5000 + b"1,]" + b"]" * 4999
    assert client.post("/", content=body).json() == {
        "error": "ERR invalid JSON body: Expecting value: line 1 column 5003 (char 5002)"
    }


# ---- the size limit comes first ------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, body",
    [
        ("/", deep(600)),
        ("/pipeline", deep(600)),
        ("/multi-exec", deep(600)),
        ("/", b"[" * 1200),  # invalid and deep
        ("/pipeline", b"not json at all" * 80),  # invalid
    ],
)
def test_an_over_limit_body_gets_the_size_error_deep_or_invalid(path: str, body: bytes) -> None:
    stash = FakeStash(limits=Limits(max_request_size=1000))
    with httpx.Client(transport=stash.transport(), base_url=stash.url) as client:
        response = client.post(path, content=body, headers={"Authorization": stash.token})
    size = len(body) + len(path)
    assert response.status_code == 400
    assert response.json() == {
        "error": f"ERR max request size exceeded. Limit: 1000 bytes, Actual: {size} bytes"
    }
    assert (stash.meter.requests, stash.meter.commands) == (1, 0)


# ---- numbers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number, column", [("NaN", 12), ("Infinity", 12), ("-Infinity", 12), ("-NaN", 12)]
)
def test_nan_and_infinities_are_not_json(client: httpx.Client, number: str, column: int) -> None:
    response = client.post("/", content=f'["SET","k",{number}]')
    assert response.status_code == 400
    assert response.json() == {
        "error": f"ERR invalid JSON body: Expecting value: line 1 column {column} "
        f"(char {column - 1})"
    }


def test_nan_in_a_pipeline_fails_the_whole_request(client: httpx.Client) -> None:
    response = client.post("/pipeline", content=b'[["SET","a","1"],["SET","b",NaN]]')
    assert (response.status_code, response.json()) == (
        400,
        {"error": "ERR invalid JSON body: Expecting value: line 1 column 29 (char 28)"},
    )


def test_big_and_exponent_numbers_keep_their_spelling(client: httpx.Client, stash: FakeStash) -> None:
    client.post("/", content=b'["SET","k",1e400]')
    assert stash.execute("GET", "k") == b"1e400"
    client.post("/", content=b'["SET","k",-0.0]')
    assert stash.execute("GET", "k") == b"-0.0"


# ---- UTF-8 ---------------------------------------------------------------------------------------


def test_invalid_utf8_in_a_string_becomes_u_fffd_per_byte(
    client: httpx.Client, stash: FakeStash
) -> None:
    assert client.post("/", content=b'["SET","k","a\xff\xfeb\xe2\x82"]').json() == {
        "result": "OK"
    }
    assert stash.execute("GET", "k") == "a\ufffd\ufffdb\ufffd\ufffd".encode()


def test_an_unpaired_surrogate_escape_becomes_u_fffd(client: httpx.Client, stash: FakeStash) -> None:
    client.post("/", content=b'["SET","k","\\ud800x\\udcff"]')
    assert stash.execute("GET", "k") == "\ufffdx\ufffd".encode()
    client.post("/", content=b'["SET","k","\\ud83d\\ude00"]')  # a pair is one character
    assert stash.execute("GET", "k") == "\U0001f600".encode()


def test_invalid_utf8_outside_strings_is_invalid_json(client: httpx.Client) -> None:
    assert client.post("/", content=b'["PING"]\xff').json() == {
        "error": "ERR invalid JSON body: Extra data: line 1 column 9 (char 8)"
    }


# ---- the decoder with an explicit stack agrees with json.loads ----------------------------------

_PIECES = [*'[]{}",:0123456789-+.eE \\', "true", "false", "null", '"a"', "1", '{"k":[1]}', "\x01"]


def _outcome(decode: Any, text: str) -> tuple[str, Any]:
    try:
        return ("value", decode(text))
    except ValueError as exc:
        return ("error", str(exc))


@settings(max_examples=1000, derandomize=True, database=None, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_PIECES), max_size=30).map("".join))
def test_the_iterative_decoder_matches_json_loads(text: str) -> None:
    python = json.JSONDecoder(parse_float=str, parse_int=str).decode
    assert _outcome(loads_iterative, text) == _outcome(python, text)
