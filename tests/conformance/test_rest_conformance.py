"""REST conformance: the wire behaviour of Upstash's REST API, checked on the fake by default
and on a real Upstash database on demand.

    UPSTASH_REDIS_REST_URL=https://….upstash.io UPSTASH_REDIS_REST_TOKEN=… \\
    FAKESTASH_LIVE_UPSTASH=1 pytest tests/conformance/test_rest_conformance.py -rA

Every test runs once per target (``fake``, and ``upstash`` when the three variables are
set). Each asserts what the fake does; a failure on ``upstash`` shows what the real service
answered, which settles the question. Tests marked ``open_question`` pin behaviour no source
documents (spec "Open questions"); run only those with ``-m open_question``. Against a live
database the tests touch only keys under a random ``fakestash-conformance:`` prefix and
delete them afterwards (never FLUSHALL).
"""

from __future__ import annotations

import base64
import os
import uuid
from typing import Any, Iterator

import httpx
import pytest

from fakestash import FakeStash
from fakestash.engine.registry import Registry
from fakestash.rest import texts

LIVE_FLAG = "FAKESTASH_LIVE_UPSTASH"


def _live_configured() -> bool:
    return bool(
        os.environ.get(LIVE_FLAG) == "1"
        and os.environ.get("UPSTASH_REDIS_REST_URL")
        and os.environ.get("UPSTASH_REDIS_REST_TOKEN")
    )


TARGETS = ["fake"] + (["upstash"] if _live_configured() else [])
needs = pytest.mark.skipif(
    not all(name in Registry.default() for name in ("set", "get", "incr", "zadd", "zscore", "del")),
    reason="strings/keys/zsets not registered yet",
)


class Rest:
    """A REST client for one target, with a private key prefix."""

    def __init__(self, target: str, client: httpx.Client, token: str) -> None:
        self.target = target
        self.client = client
        self.token = token
        self.prefix = f"fakestash-conformance:{uuid.uuid4().hex[:12]}:"
        self.used: set[str] = set()

    def key(self, name: str) -> str:
        key = self.prefix + name
        self.used.add(key)
        return key

    def post(self, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        if body is not None:
            kwargs["json"] = body
        return self.client.post(path, **kwargs)

    def cmd(self, *args: Any, **kwargs: Any) -> httpx.Response:
        return self.post("/", list(args), **kwargs)

    def result(self, *args: Any) -> Any:
        response = self.cmd(*args)
        assert response.status_code == 200, response.text
        return response.json()["result"]

    def cleanup(self) -> None:
        if self.used:
            self.cmd("DEL", *sorted(self.used))


@pytest.fixture(params=TARGETS)
def rest(request: pytest.FixtureRequest) -> Iterator[Rest]:
    if request.param == "fake":
        stash = FakeStash(seed=0)
        client = httpx.Client(
            transport=stash.transport(),
            base_url=stash.url,
            headers={"Authorization": f"Bearer {stash.token}"},
        )
        token = stash.token
    else:
        token = os.environ["UPSTASH_REDIS_REST_TOKEN"]
        client = httpx.Client(
            base_url=os.environ["UPSTASH_REDIS_REST_URL"].rstrip("/"),
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
    target = Rest(request.param, client, token)
    try:
        yield target
    finally:
        target.cleanup()
        client.close()


def _pipeline_items(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    items = response.json()
    assert isinstance(items, list)
    return items


# ---- request forms ----------------------------------------------------------------------


@needs
def test_body_form_round_trip(rest: Rest) -> None:
    k = rest.key("body")
    assert rest.cmd("SET", k, "v").json() == {"result": "OK"}
    assert rest.cmd("GET", k).json() == {"result": "v"}


@needs
def test_path_form_and_command_names_are_case_insensitive(rest: Rest) -> None:
    k = rest.key("path")
    assert rest.client.get(f"/set/{k}/hello").json() == {"result": "OK"}
    assert rest.client.post(f"/GeT/{k}").json() == {"result": "hello"}


@needs
def test_path_form_body_is_the_last_argument_and_query_pairs_follow(rest: Rest) -> None:
    k = rest.key("query")
    response = rest.client.post(f"/set/{k}?EX=100", content=b"raw value")
    assert response.json() == {"result": "OK"}
    assert rest.result("GET", k) == "raw value"
    assert rest.result("TTL", k) == 100


@needs
def test_token_may_come_in_the_query(rest: Rest) -> None:
    url = f"/get/{rest.key('q')}?_token={rest.token}"
    response = rest.client.post(url, headers={"Authorization": ""})
    assert response.json() == {"result": None}


@needs
def test_numbers_and_booleans_in_the_body_are_stringified(rest: Rest) -> None:
    k = rest.key("num")
    assert rest.result("SET", k, 10) == "OK"
    assert rest.result("INCR", k) == 11
    assert rest.result("SET", k, True) == "OK"
    assert rest.result("GET", k) == "true"


# ---- encodings ----------------------------------------------------------------------------


@needs
def test_base64_encodes_strings_but_not_the_ok_status(rest: Rest) -> None:
    k = rest.key("b64")
    headers = {"Upstash-Encoding": "base64"}
    assert rest.cmd("SET", k, "OK", headers=headers).json() == {"result": "OK"}
    assert rest.cmd("GET", k, headers=headers).json() == {"result": "T0s="}
    assert rest.cmd("PING", headers=headers).json() == {"result": "UE9ORw=="}
    assert rest.cmd("EXISTS", k, headers=headers).json() == {"result": 1}


@needs
def test_doubles_are_strings(rest: Rest) -> None:
    k = rest.key("z")
    assert rest.result("ZADD", k, 1.5, "m") == 1
    assert rest.result("ZSCORE", k, "m") == "1.5"
    assert rest.result("ZINCRBY", k, 0.1, "m") == "1.6"


@needs
def test_resp2_response_format(rest: Rest) -> None:
    k = rest.key("resp2")
    rest.result("SET", k, "bar")
    response = rest.cmd("GET", k, headers={"Upstash-Response-Format": "resp2"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/octet-stream")
    assert response.content == b"$3\r\nbar\r\n"


@needs
def test_invalid_utf8_is_replaced_in_json_and_exact_in_base64(rest: Rest) -> None:
    k = rest.key("bin")
    rest.result("SET", k, "x")
    rest.result("SETRANGE", k, 0, "\u00ff")  # two UTF-8 bytes: c3 bf
    rest.result("SETRANGE", k, 1, "A")  # leaves a lone c3
    assert rest.result("GET", k) == "\ufffdA"
    encoded = rest.cmd("GET", k, headers={"Upstash-Encoding": "base64"}).json()["result"]
    assert base64.b64decode(encoded) == b"\xc3A"


# ---- errors and statuses -----------------------------------------------------------------


def test_bad_token_is_401_wrongpass(rest: Rest) -> None:
    response = rest.client.post("/", json=["PING"], headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert response.json() == {"error": texts.WRONGPASS}


def test_unknown_command_is_400_not_available(rest: Rest) -> None:
    response = rest.cmd("NOTACOMMAND")
    assert response.status_code == 400
    assert response.json() == {
        "error": "ERR Command is not available: 'NOTACOMMAND'. "
        "See https://upstash.com/docs/redis/overall/rediscompatibility for details"
    }


def test_wrong_arity_is_400_with_redis_text(rest: Rest) -> None:
    response = rest.cmd("GET")
    assert response.status_code == 400
    assert response.json() == {"error": "ERR wrong number of arguments for 'get' command"}


def test_null_argument_is_refused(rest: Rest) -> None:
    response = rest.post("/", ["GET", None])
    assert response.status_code == 400
    assert response.json() == {"error": texts.NULL_ARG}


def test_nested_array_argument_is_refused(rest: Rest) -> None:
    response = rest.post("/", [["GET", "k"]])
    assert response.status_code == 400
    assert response.json() == {"error": texts.unsupported_arg("[")}


def test_other_methods_are_405_with_an_empty_body(rest: Rest) -> None:
    response = rest.client.delete("/")
    assert response.status_code == 405
    assert response.content == b""


def test_head_with_a_valid_token_is_200_and_empty(rest: Rest) -> None:
    response = rest.client.head("/")
    assert response.status_code == 200
    assert response.content == b""


@pytest.mark.parametrize("name", ["MULTI", "EXEC", "SUBSCRIBE", "WATCH"])
def test_rest_restricted_commands(rest: Rest, name: str) -> None:
    response = rest.cmd(name, *(["ch"] if name in ("SUBSCRIBE", "WATCH") else []))
    assert response.status_code == 400
    assert response.json() == {
        "error": f'ERR Command "{name}" is not allowed in REST or it has a special context path'
    }


@needs
def test_every_response_carries_a_sync_token_that_writes_move(rest: Rest) -> None:
    k = rest.key("sync")
    first = rest.cmd("GET", k).headers.get("upstash-sync-token")
    assert first
    written = rest.cmd("SET", k, "v").headers.get("upstash-sync-token")
    assert written and written != first


# ---- pipeline and multi-exec --------------------------------------------------------------


@needs
def test_pipeline_keeps_going_after_an_error(rest: Rest) -> None:
    k = rest.key("pipe")
    items = _pipeline_items(
        rest.post("/pipeline", [["SET", k, "1"], ["INCR", k], ["NOTACMD"], ["GET", k]])
    )
    assert items[0] == {"result": "OK"}
    assert items[1] == {"result": 2}
    assert set(items[2]) == {"error"}
    assert items[2]["error"].startswith("ERR Command is not available: 'NOTACMD'")
    assert items[3] == {"result": "2"}


@needs
def test_pipeline_items_have_exactly_one_of_result_or_error(rest: Rest) -> None:
    k = rest.key("pipe1")
    items = _pipeline_items(rest.post("/pipeline", [["SET", k, "a"], ["INCR", k], ["GET", k]]))
    assert [sorted(item) for item in items] == [["result"], ["error"], ["result"]]
    assert items[1]["error"] == "ERR value is not an integer or out of range"


@needs
def test_multi_exec_runtime_errors_are_items(rest: Rest) -> None:
    k = rest.key("tx")
    items = _pipeline_items(rest.post("/multi-exec", [["SET", k, "a"], ["INCR", k], ["GET", k]]))
    assert items == [
        {"result": "OK"},
        {"error": "ERR value is not an integer or out of range"},
        {"result": "a"},
    ]


@needs
def test_multi_exec_with_an_unknown_command_is_discarded_whole(rest: Rest) -> None:
    k = rest.key("txbad")
    response = rest.post("/multi-exec", [["SET", k, "a"], ["NOTACMD"]])
    assert response.status_code == 400
    assert set(response.json()) == {"error"}
    assert rest.result("EXISTS", k) == 0


@needs
def test_base64_applies_to_pipeline_items_but_not_errors(rest: Rest) -> None:
    k = rest.key("pipe64")
    response = rest.post(
        "/pipeline", [["SET", k, "v"], ["GET", k], ["INCR", k]],
        headers={"Upstash-Encoding": "base64"},
    )  # fmt: skip
    assert _pipeline_items(response) == [
        {"result": "OK"},
        {"result": "dg=="},
        {"error": "ERR value is not an integer or out of range"},
    ]


# ---- open questions (spec "Open questions"): the fake's choice, settled by a live run ------


@pytest.mark.open_question
def test_open_empty_pipeline(rest: Rest) -> None:
    """Q2: an empty /pipeline body ``[]``."""
    response = rest.post("/pipeline", [])
    assert (response.status_code, response.json()) == (200, [])


@pytest.mark.open_question
def test_open_empty_command(rest: Rest) -> None:
    """Q2: an empty command ``[]``."""
    response = rest.post("/", [])
    assert (response.status_code, response.json()) == (400, {"error": texts.EMPTY_COMMAND})


@pytest.mark.open_question
def test_open_select_other_database(rest: Rest) -> None:
    """Q3: the text of SELECT 1."""
    response = rest.cmd("SELECT", 1)
    assert (response.status_code, response.json()) == (
        400,
        {"error": "ERR DB index is out of range"},
    )


@pytest.mark.open_question
def test_open_invalid_response_format_header(rest: Rest) -> None:
    """Q3: the 400 text of an unknown Upstash-Response-Format."""
    response = rest.cmd("PING", headers={"Upstash-Response-Format": "xml"})
    assert (response.status_code, response.json()) == (
        400,
        {"error": texts.bad_response_format("xml")},
    )


@pytest.mark.open_question
def test_open_resp2_with_base64(rest: Rest) -> None:
    """Q3: resp2 together with base64."""
    headers = {"Upstash-Response-Format": "resp2", "Upstash-Encoding": "base64"}
    response = rest.cmd("PING", headers=headers)
    assert (response.status_code, response.json()) == (400, {"error": texts.RESP2_WITH_BASE64})


@needs
@pytest.mark.open_question
def test_open_percent_decoding_of_path_segments(rest: Rest) -> None:
    """Q1: are path segments percent-decoded? (the fake: yes)."""
    k = rest.key("pct")
    assert rest.client.post(f"/set/{k}/a%20b%3Ac").json() == {"result": "OK"}
    assert rest.result("GET", k) == "a b:c"


@needs
@pytest.mark.open_question
def test_open_json_number_spelling(rest: Rest) -> None:
    """Q9: JSON numbers become arguments as spelled (1.50 stays "1.50")."""
    k = rest.key("spell")
    response = rest.client.post("/", content=f'["SET","{k}",1.50]'.encode())
    assert response.json() == {"result": "OK"}
    assert rest.result("GET", k) == "1.50"


@needs
@pytest.mark.open_question
def test_open_copy_to_the_same_key(rest: Rest) -> None:
    """Deviation copy-same-key (fakestash/deviations.py): COPY k k → 0."""
    k = rest.key("copy")
    rest.result("SET", k, "v")
    assert rest.result("COPY", k, k) == 0
