"""Every request form Upstash accepts: path, body, query pairs, JSON array, methods."""

from __future__ import annotations

import httpx
import pytest

from fakestash import FakeStash


def test_path_form_runs_segments_as_argv(client: httpx.Client) -> None:
    assert client.get("/set/foo/bar").json() == {"result": "OK"}
    assert client.get("/get/foo").json() == {"result": "bar"}


def test_command_names_are_case_insensitive_in_the_path(client: httpx.Client) -> None:
    assert client.get("/SET/foo/bar").json() == {"result": "OK"}
    assert client.get("/GeT/foo").json() == {"result": "bar"}


def test_path_segments_are_percent_decoded(client: httpx.Client) -> None:
    client.get("/set/a%2Fb/hello%20world")
    assert client.post("/", json=["GET", "a/b"]).json() == {"result": "hello world"}


def test_plus_in_a_path_segment_stays_a_plus(client: httpx.Client) -> None:
    client.get("/set/k/a+b")
    assert client.get("/get/k").json() == {"result": "a+b"}


def test_post_body_is_appended_as_the_last_argument(client: httpx.Client) -> None:
    value = '{"user":"alice","role":"admin"}'
    assert client.post("/set/user:1", content=value).json() == {"result": "OK"}
    assert client.get("/get/user:1").json() == {"result": value}


def test_binary_post_body_round_trips(client: httpx.Client, stash: FakeStash) -> None:
    blob = bytes(range(256))
    client.post("/set/blob", content=blob)
    assert stash.execute("GET", "blob") == blob


def test_query_pairs_become_extra_arguments_in_url_order(
    client: httpx.Client, stash: FakeStash
) -> None:
    assert client.post("/set/session?EX=100", content="v").json() == {"result": "OK"}
    assert stash.execute("TTL", "session") == 100


def test_token_query_parameter_is_not_an_argument(stash: FakeStash) -> None:
    with httpx.Client(transport=stash.transport(), base_url=stash.url) as c:
        assert c.get(f"/echo/hi?_token={stash.token}").json() == {"result": "hi"}


def test_json_array_body_at_root(client: httpx.Client) -> None:
    assert client.post("/", json=["SET", "foo", "bar", "EX", 100]).json() == {"result": "OK"}
    assert client.post("/", json=["TTL", "foo"]).json() == {"result": 100}


def test_json_numbers_keep_their_spelling(client: httpx.Client, stash: FakeStash) -> None:
    client.post("/", content=b'["SET", "f", 1.50]')
    client.post("/", content=b'["SET", "i", 10]')
    assert stash.execute("GET", "f") == b"1.50"
    assert stash.execute("GET", "i") == b"10"


def test_json_booleans_become_true_and_false(client: httpx.Client, stash: FakeStash) -> None:
    client.post("/", json=["SET", "b", True])
    assert stash.execute("GET", "b") == b"true"


def test_put_works_like_post(client: httpx.Client) -> None:
    assert client.put("/", json=["ECHO", "x"]).json() == {"result": "x"}


def test_head_with_a_valid_token_is_200_with_no_body(client: httpx.Client) -> None:
    response = client.head("/")
    assert response.status_code == 200
    assert response.content == b""


@pytest.mark.parametrize("method", ["DELETE", "PATCH", "OPTIONS"])
def test_other_methods_get_405_with_an_empty_body(client: httpx.Client, method: str) -> None:
    response = client.request(method, "/get/foo")
    assert response.status_code == 405
    assert response.content == b""


def test_every_response_carries_a_sync_token_that_moves_on_writes(client: httpx.Client) -> None:
    first = client.post("/", json=["GET", "k"]).headers["upstash-sync-token"]
    second = client.post("/", json=["GET", "k"]).headers["upstash-sync-token"]
    third = client.post("/", json=["SET", "k", "v"]).headers["upstash-sync-token"]
    assert first == second != third


def test_telemetry_and_sync_headers_are_accepted(client: httpx.Client) -> None:
    headers = {
        "Upstash-Telemetry-Sdk": "py-upstash-redis@v1.8.0",
        "Upstash-Telemetry-Runtime": "python@v3.11.7",
        "Upstash-Telemetry-Platform": "unknown",
        "Upstash-Sync-Token": "",
    }
    assert client.post("/", json=["PING"], headers=headers).json() == {"result": "PONG"}


def test_responses_are_json(client: httpx.Client) -> None:
    assert client.post("/", json=["PING"]).headers["content-type"] == "application/json"


def test_several_databases_each_with_their_own_url_and_tokens() -> None:
    stash = FakeStash()
    eu = stash.add_database(url="https://eu-1.upstash.io", token="eu-token")
    with httpx.Client(transport=stash.transport()) as c:
        c.post(
            stash.url, json=["SET", "k", "us"], headers={"Authorization": f"Bearer {stash.token}"}
        )
        c.post(eu.url, json=["SET", "k", "eu"], headers={"Authorization": "Bearer eu-token"})
        wrong = c.post(
            eu.url, json=["GET", "k"], headers={"Authorization": f"Bearer {stash.token}"}
        )
    assert stash.execute("GET", "k") == b"us"
    assert stash.execute("GET", "k", db=1) == b"eu"
    assert wrong.status_code == 401


def test_responses_read_and_stream_like_any_httpx_response(client: httpx.Client) -> None:
    client.post("/", json=["SET", "k", "v" * 1000])
    response = client.post("/", json=["GET", "k"])
    assert response.headers["content-length"] == str(len(response.content))
    assert response.json() == {"result": "v" * 1000}
    with client.stream("POST", "/", json=["GET", "k"]) as streamed:
        assert b"".join(streamed.iter_bytes()) == response.content


async def test_async_responses_read_and_stream(stash: FakeStash) -> None:
    async with httpx.AsyncClient(
        transport=stash.async_transport(),
        base_url=stash.url,
        headers={"Authorization": f"Bearer {stash.token}"},
    ) as c:
        assert (await c.post("/", json=["ECHO", "hi"])).json() == {"result": "hi"}
        async with c.stream("POST", "/", json=["ECHO", "hi"]) as streamed:
            assert b"".join([chunk async for chunk in streamed.aiter_bytes()]) == b'{"result":"hi"}'
