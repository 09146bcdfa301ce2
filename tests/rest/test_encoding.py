"""Response encodings: JSON, base64 (every string but the OK status), RESP2."""

from __future__ import annotations

import httpx

from fakestash import FakeStash

B64 = {"Upstash-Encoding": "base64"}
RESP2 = {"Upstash-Response-Format": "resp2"}


def test_base64_encodes_bulk_strings(client: httpx.Client) -> None:
    client.post("/", json=["SET", "k", "bar"])
    assert client.post("/", json=["GET", "k"], headers=B64).json() == {"result": "YmFy"}


def test_base64_leaves_the_ok_status_alone_but_encodes_a_stored_ok(client: httpx.Client) -> None:
    assert client.post("/", json=["SET", "k", "OK"], headers=B64).json() == {"result": "OK"}
    assert client.post("/", json=["GET", "k"], headers=B64).json() == {"result": "T0s="}


def test_base64_encodes_other_statuses(client: httpx.Client) -> None:
    assert client.post("/", json=["PING"], headers=B64).json() == {"result": "UE9ORw=="}
    client.post("/", json=["SET", "k", "v"])
    assert client.post("/", json=["TYPE", "k"], headers=B64).json() == {"result": "c3RyaW5n"}


def test_base64_recurses_into_arrays_and_keeps_ints_and_nulls(client: httpx.Client) -> None:
    client.post("/", json=["SET", "a", "1"])
    reply = client.post("/", json=["MGET", "a", "missing"], headers=B64).json()
    assert reply == {"result": ["MQ==", None]}
    assert client.post("/", json=["DBSIZE"], headers=B64).json() == {"result": 1}


def test_base64_never_encodes_errors(client: httpx.Client) -> None:
    response = client.post("/", json=["GET"], headers=B64)
    assert response.json() == {"error": "ERR wrong number of arguments for 'get' command"}


def test_base64_applies_to_pipelines_and_path_form(client: httpx.Client) -> None:
    client.get("/set/k/v")
    assert client.get("/get/k", headers=B64).json() == {"result": "dg=="}
    items = client.post("/pipeline", json=[["GET", "k"], ["GET"]], headers=B64).json()
    assert items == [
        {"result": "dg=="},
        {"error": "ERR wrong number of arguments for 'get' command"},
    ]


def test_invalid_utf8_is_replaced_in_json_mode_and_exact_in_base64(
    client: httpx.Client, stash: FakeStash
) -> None:
    stash.execute("SET", "bin", b"\xff\xfeA")
    assert client.post("/", json=["GET", "bin"]).json() == {"result": "\ufffd\ufffdA"}
    assert client.post("/", json=["GET", "bin"], headers=B64).json() == {"result": "//5B"}


def test_doubles_are_strings(client: httpx.Client) -> None:
    assert client.post("/", json=["INCRBYFLOAT", "f", "1.5"]).json() == {"result": "1.5"}


def test_resp2_format_returns_raw_resp_bytes(client: httpx.Client) -> None:
    ok = client.post("/", json=["SET", "foo", "bar"], headers=RESP2)
    assert ok.content == b"+OK\r\n"
    assert ok.headers["content-type"] == "application/octet-stream"
    assert client.post("/", json=["GET", "foo"], headers=RESP2).content == b"$3\r\nbar\r\n"
    assert client.post("/", json=["GET", "nope"], headers=RESP2).content == b"$-1\r\n"
    assert client.post("/", json=["MGET", "foo"], headers=RESP2).content == b"*1\r\n$3\r\nbar\r\n"


def test_resp2_errors_are_resp_errors_with_status_400(client: httpx.Client) -> None:
    response = client.post("/", json=["GET"], headers=RESP2)
    assert response.status_code == 400
    assert response.content == b"-ERR wrong number of arguments for 'get' command\r\n"


def test_resp2_pipeline_concatenates_replies(client: httpx.Client) -> None:
    response = client.post("/pipeline", json=[["SET", "a", "1"], ["INCR", "a"]], headers=RESP2)
    assert response.content == b"+OK\r\n:2\r\n"


def test_resp2_with_base64_is_refused(client: httpx.Client) -> None:
    response = client.post("/", json=["PING"], headers={**RESP2, **B64})
    assert response.status_code == 400
    assert "error" in response.json()


def test_resp2_does_not_apply_to_multi_exec(client: httpx.Client) -> None:
    response = client.post("/multi-exec", json=[["PING"]], headers=RESP2)
    assert response.status_code == 400


def test_unknown_response_format_is_400(client: httpx.Client) -> None:
    response = client.post("/", json=["PING"], headers={"Upstash-Response-Format": "xml"})
    assert response.status_code == 400
    assert response.json() == {"error": "ERR invalid response format: xml"}


def test_json_format_header_is_the_default(client: httpx.Client) -> None:
    assert client.post("/", json=["PING"], headers={"Upstash-Response-Format": "json"}).json() == {
        "result": "PONG"
    }
