"""Arbitrary bytes in replies and error texts reach the wire as Go writes them: U+FFFD per
bad byte in JSON, the bytes themselves in RESP2 and base64."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from fakestash import FakeStash
from fakestash._engine.replies import ErrorReply, Status
from fakestash._rest.render import batch_item, encode_json, error_body, to_resp2
from fakestash._rest.utf8 import raw_bytes, text_of, valid_text

RESP2 = {"Upstash-Response-Format": "resp2"}
BASE64 = {"Upstash-Encoding": "base64"}
SETUSER_ERROR = "ERR Error in ACL SETUSER modifier '{}': Syntax error"


def strict_json(content: bytes) -> Any:
    """Parse as a strict client would: UTF-8, and no lone surrogate escapes."""
    data = json.loads(content.decode("utf-8"))
    text = json.dumps(data, ensure_ascii=False)
    text.encode("utf-8")  # raises on a lone surrogate
    return data


@pytest.mark.parametrize("headers", [{}, BASE64])
def test_an_error_naming_bytes_that_are_not_utf8_is_json(
    client: httpx.Client, headers: dict[str, str]
) -> None:
    response = client.post("/acl/setuser/u/%ff%fe", headers=headers)
    assert response.status_code == 400
    assert strict_json(response.content) == {"error": SETUSER_ERROR.format("\ufffd\ufffd")}


def test_in_resp2_the_error_carries_the_bytes(client: httpx.Client) -> None:
    response = client.post("/acl/setuser/u/%ff%fe", headers=RESP2)
    assert response.status_code == 400
    assert response.content == b"-" + SETUSER_ERROR.format("\xff\xfe").encode("latin-1") + b"\r\n"


def test_pipeline_and_transaction_items_with_such_errors_are_json(client: httpx.Client) -> None:
    body = b'[["ECHO","\xff"],["ACL","SETUSER","u","%s"]]' % b"\\udcff"
    assert strict_json(client.post("/pipeline", content=body).content) == [
        {"result": "\ufffd"},
        {"error": SETUSER_ERROR.format("\ufffd")},
    ]
    response = client.post("/multi-exec", content=b'[["ECHO","\xff\xfe"]]')
    assert strict_json(response.content) == [{"result": "\ufffd\ufffd"}]


def test_a_bulk_reply_that_is_not_utf8_is_u_fffd_per_byte(
    client: httpx.Client, stash: FakeStash
) -> None:
    stash.execute("SET", "k", b"a\xe2\x82\xffz")
    assert strict_json(client.get("/get/k").content) == {"result": "a\ufffd\ufffd\ufffdz"}
    assert client.get("/get/k", headers=BASE64).json() == {"result": "YeKC/3o="}
    assert client.get("/get/k", headers=RESP2).content == b"$5\r\na\xe2\x82\xffz\r\n"


# ---- the renderers, on texts holding escaped bytes ------------------------------------------------

ESCAPED = b"bad \xff\xfe".decode("utf-8", "surrogateescape")  # how the engine carries bytes


def test_renderers_never_fail_on_escaped_bytes() -> None:
    assert encode_json(error_body(ESCAPED)) == b'{"error":"bad \\ufffd\\ufffd"}'
    assert batch_item(ErrorReply(ESCAPED), base64=False) == '{"error":"bad \\ufffd\\ufffd"}'
    assert batch_item(Status(ESCAPED), base64=True) == '{"result":"YmFkIP/+"}'
    assert batch_item([Status(ESCAPED)], base64=False) == '{"result":["bad \\ufffd\\ufffd"]}'
    assert to_resp2(Status(ESCAPED)) == b"+bad \xff\xfe\r\n"
    assert to_resp2([ErrorReply(ESCAPED)]) == b"*1\r\n-bad \xff\xfe\r\n"


def test_utf8_helpers() -> None:
    assert text_of(b"ok") == "ok"
    assert text_of(b"\xf0\x9f\x98") == "\ufffd\ufffd\ufffd"  # one per byte, as Go
    assert valid_text("a\ud800b" + ESCAPED) == "a\ufffdbbad \ufffd\ufffd"
    assert valid_text("caf\u00e9 \U0001f600") == "caf\u00e9 \U0001f600"
    assert raw_bytes(ESCAPED) == b"bad \xff\xfe"
    assert raw_bytes("\ud800" + ESCAPED) == "\ufffdbad \ufffd\ufffd".encode()


def test_resp2_errors_and_statuses_stay_on_one_line(client: httpx.Client) -> None:
    response = client.post("/pexpire/k/1/%0A", headers=RESP2)
    assert response.content == b"-ERR Unsupported option  \r\n"
    assert client.post("/pexpire/k/1/%0A").json() == {"error": "ERR Unsupported option \n"}
    assert to_resp2(Status("a\r\nb\rc\nd")) == b"+a  b c d\r\n"
    assert to_resp2(ErrorReply("ERR a\r\nb")) == b"-ERR a  b\r\n"
