"""Upstash's error texts and HTTP statuses for bad requests and failed commands."""

from __future__ import annotations

import httpx
import pytest

from fakestash import FakeStash, Limits

NOT_AVAILABLE = (
    "ERR Command is not available: '{}'. "
    "See https://upstash.com/docs/redis/overall/rediscompatibility for details"
)
WRONGPASS = (
    "WRONGPASS invalid or missing auth token. "
    "See https://docs.upstash.com/redis/troubleshooting/http_unauthorized for details."
)


def test_unknown_command_is_400_with_upstash_text(client: httpx.Client) -> None:
    response = client.post("/", json=["notacmd", "x"])
    assert response.status_code == 400
    assert response.json() == {"error": NOT_AVAILABLE.format("NOTACMD")}


def test_unknown_path_is_taken_as_a_command(client: httpx.Client) -> None:
    response = client.get("/rest/foo")
    assert response.status_code == 400
    assert response.json() == {"error": NOT_AVAILABLE.format("REST")}


def test_blocking_commands_are_not_available(client: httpx.Client) -> None:
    assert client.post("/", json=["BLPOP", "q", "0"]).json() == {
        "error": NOT_AVAILABLE.format("BLPOP")
    }


@pytest.mark.parametrize(
    "name", ["MULTI", "EXEC", "WATCH", "SUBSCRIBE", "AUTH", "CLIENT", "MONITOR"]
)
def test_rest_restricted_commands(client: httpx.Client, name: str) -> None:
    response = client.post("/", json=[name, "x"])
    assert response.status_code == 400
    assert response.json() == {
        "error": f'ERR Command "{name}" is not allowed in REST or it has a special context path'
    }


def test_wrong_arity_text(client: httpx.Client) -> None:
    assert client.post("/", json=["GET"]).json() == {
        "error": "ERR wrong number of arguments for 'get' command"
    }


def test_a_failing_command_is_400(client: httpx.Client) -> None:
    client.post("/", json=["SET", "s", "v"])
    response = client.post("/", json=["INCR", "s"])
    assert response.status_code == 400
    assert response.json() == {"error": "ERR value is not an integer or out of range"}


def test_null_argument(client: httpx.Client) -> None:
    response = client.post("/", content=b'["SET", "k", null]')
    assert response.status_code == 400
    assert response.json() == {"error": "ERR null args are not supported"}


def test_nested_array_argument(client: httpx.Client) -> None:
    response = client.post("/", json=[["SET", "k", "v"]])
    assert response.status_code == 400
    assert response.json() == {"error": 'ERR unsupported arg type: "[": json.Delim'}


def test_object_argument(client: httpx.Client) -> None:
    response = client.post("/", json=["SET", "k", {"a": 1}])
    assert response.json() == {"error": 'ERR unsupported arg type: "{": json.Delim'}


def test_empty_body_is_eof(client: httpx.Client) -> None:
    response = client.post("/")
    assert response.status_code == 400
    assert response.json() == {"error": "EOF"}


def test_body_that_is_not_an_array(client: httpx.Client) -> None:
    response = client.post("/", json={"cmd": "GET"})
    assert response.status_code == 400
    assert response.json() == {"error": "expected JSON array"}


def test_malformed_json_is_400(client: httpx.Client) -> None:
    response = client.post("/", content=b'["SET", ')
    assert response.status_code == 400
    assert response.json()["error"].startswith("ERR invalid JSON body")


def test_empty_command(client: httpx.Client) -> None:
    response = client.post("/", json=[])
    assert response.status_code == 400
    assert response.json() == {"error": "ERR empty command"}


def test_missing_token_is_401(stash: FakeStash) -> None:
    with httpx.Client(transport=stash.transport(), base_url=stash.url) as c:
        response = c.post("/", json=["PING"])
    assert response.status_code == 401
    assert response.json() == {"error": WRONGPASS}


def test_wrong_token_is_401(stash: FakeStash) -> None:
    with httpx.Client(transport=stash.transport(), base_url=stash.url) as c:
        response = c.post("/", json=["PING"], headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert response.json() == {"error": WRONGPASS}


def test_token_without_bearer_prefix_is_accepted(stash: FakeStash) -> None:
    with httpx.Client(transport=stash.transport(), base_url=stash.url) as c:
        assert c.post("/", json=["PING"], headers={"Authorization": stash.token}).json() == {
            "result": "PONG"
        }


def test_query_token_wins_over_the_header(stash: FakeStash) -> None:
    with httpx.Client(transport=stash.transport(), base_url=stash.url) as c:
        response = c.post(
            f"/?_token={stash.token}", json=["PING"], headers={"Authorization": "Bearer nope"}
        )
    assert response.json() == {"result": "PONG"}


def test_auth_is_checked_before_the_body(stash: FakeStash) -> None:
    with httpx.Client(transport=stash.transport(), base_url=stash.url) as c:
        assert c.post("/", content=b"not json").status_code == 401


def test_readonly_token_reads_but_cannot_write(ro_client: httpx.Client, stash: FakeStash) -> None:
    stash.execute("SET", "k", "v")
    assert ro_client.post("/", json=["GET", "k"]).json() == {"result": "v"}
    response = ro_client.post("/", json=["SET", "k", "w"])
    assert response.status_code == 400
    assert response.json() == {
        "error": "NOPERM this user has no permissions to run the 'set' command or its subcommand"
    }
    assert stash.execute("GET", "k") == b"v"


@pytest.mark.parametrize("argv", [["KEYS", "*"], ["SCAN", "0"]])
def test_readonly_token_cannot_scan_or_list_keys(ro_client: httpx.Client, argv: list[str]) -> None:
    name = argv[0].lower()
    assert ro_client.post("/", json=argv).json() == {
        "error": f"NOPERM this user has no permissions to run the '{name}' command or its subcommand"
    }


def test_request_size_limit() -> None:
    stash = FakeStash(limits=Limits(max_request_size=100))
    with httpx.Client(
        transport=stash.transport(),
        base_url=stash.url,
        headers={"Authorization": f"Bearer {stash.token}"},
    ) as c:
        response = c.post("/", json=["SET", "k", "x" * 200])
    assert response.status_code == 400
    assert response.json()["error"].startswith(
        "ERR max request size exceeded. Limit: 100 bytes, Actual: "
    )


def test_response_size_limit_applies_to_replies() -> None:
    stash = FakeStash(limits=Limits(max_request_size=100))
    stash.execute("SET", "k", "x" * 500)
    with httpx.Client(
        transport=stash.transport(),
        base_url=stash.url,
        headers={"Authorization": f"Bearer {stash.token}"},
    ) as c:
        response = c.post("/", json=["GET", "k"])
    assert response.status_code == 400
    assert response.json()["error"].startswith("ERR max request size exceeded. Limit: 100 bytes")


def test_key_size_limit(client: httpx.Client) -> None:
    key = "k" * (32 * 1024 + 1)
    response = client.post("/", json=["SET", key, "v"])
    assert response.status_code == 400
    assert response.json() == {
        "error": "ERR max key size exceeded. Limit: 32768 bytes, Actual: 32769 bytes"
    }


def test_record_size_limit_refuses_large_values_but_not_reads() -> None:
    stash = FakeStash(limits=Limits(max_record_size=10))
    with httpx.Client(
        transport=stash.transport(),
        base_url=stash.url,
        headers={"Authorization": f"Bearer {stash.token}"},
    ) as c:
        assert c.post("/", json=["SET", "k", "x" * 11]).json() == {
            "error": "ERR max single record size exceeded"
        }
        assert c.post("/", json=["SET", "k", "x" * 10]).json() == {"result": "OK"}
        assert c.post("/", json=["GET", "k"]).json() == {"result": "x" * 10}


def test_limits_can_be_switched_off() -> None:
    stash = FakeStash(limits=Limits(max_key_size=None))
    assert stash.execute("SET", "k" * 40000, "v") == "OK"
