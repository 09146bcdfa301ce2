"""Where Upstash is not Redis, over raw REST (issue 13): exact JSON bodies and error texts for
SCAN's COUNT, JSON's path order and JSON.SET, stream trimming, XINFO CONSUMERS, XACKDEL,
ZRANGESTORE LIMIT, HEXPIRETIME, the commands added for Upstash, and CONFIG with keyspace
notifications delivered on the SSE ``/psubscribe`` stream."""

from __future__ import annotations

from typing import Any, Iterator

import httpx
import pytest

from fakestash import FakeStash, ManualClock

SSE = {"Accept": "text/event-stream"}


@pytest.fixture(autouse=True)
def _close_streams(stash: FakeStash) -> Iterator[None]:
    yield
    stash.close()


def call(client: httpx.Client, *argv: Any) -> Any:
    response = client.post("/", json=list(argv))
    assert response.status_code == 200, response.text
    return response.json()["result"]


def fails(client: httpx.Client, *argv: Any) -> str:
    response = client.post("/", json=list(argv))
    assert response.status_code == 400, response.text
    body = response.json()
    assert set(body) == {"error"}
    return str(body["error"])


def lines_of(response: httpx.Response, count: int) -> list[str]:
    out: list[str] = []
    for line in response.iter_lines():
        if line.startswith("data: "):
            out.append(line[len("data: ") :])
            if len(out) == count:
                return out
    raise AssertionError(f"the stream ended after {out!r}")


# ---- SCAN family -----------------------------------------------------------------------------


def test_scan_count_semantics(client: httpx.Client) -> None:
    call(client, "MSET", *[x for i in range(30) for x in (f"string_{i}", "v")])
    call(client, "HSET", "hash", "f", "v")
    assert call(client, "SCAN", "0", "MATCH", "hash") == ["0", ["hash"]]
    assert call(client, "SCAN", "0", "TYPE", "hash") == ["0", ["hash"]]
    assert call(client, "SCAN", "0", "TYPE", "hash", "WITHTYPE") == ["0", ["hash", "hash"]]
    cursor, keys = call(client, "SCAN", "0", "COUNT", "1")
    assert cursor != "0" and len(keys) == 1
    cursor, keys = call(client, "SCAN", cursor, "COUNT", 10)
    assert cursor != "0" and len(keys) == 10
    assert fails(client, "SCAN", "0", "COUNT", "0") == "ERR syntax error"


def test_collection_scans(client: httpx.Client) -> None:
    call(client, "SADD", "s", "apple", "banana", "cherry")
    assert call(client, "SSCAN", "s", "0") == ["0", ["apple", "banana", "cherry"]]
    cursor, members = call(client, "SSCAN", "s", "0", "COUNT", "1")
    assert cursor != "0" and len(members) == 1
    call(client, "HSET", "h", "a", "1", "b", "2")
    assert call(client, "HSCAN", "h", "0", "NOVALUES") == ["0", ["a", "b"]]
    call(client, "ZADD", "z", "1", "a", "2", "b")
    assert call(client, "ZSCAN", "z", "0", "MATCH", "b") == ["0", ["b", "2"]]


def test_scan_in_base64_mode(stash: FakeStash) -> None:
    with httpx.Client(
        transport=stash.transport(),
        base_url=stash.url,
        headers={"Authorization": f"Bearer {stash.token}", "Upstash-Encoding": "base64"},
    ) as client:
        client.post("/", json=["SET", "k", "v"])
        assert client.post("/", json=["SCAN", "0", "COUNT", "1"]).json() == {
            "result": ["MA==", ["aw=="]]
        }


# ---- JSON ------------------------------------------------------------------------------------


def test_json_paths_answer_deeper_matches_first(client: httpx.Client) -> None:
    assert call(client, "JSON.SET", "k", "$", '{"a":1,"o":{"a":2}}') == "OK"
    assert call(client, "JSON.GET", "k", "$..a") == "[2,1]"
    assert call(client, "JSON.MGET", "k", "$..a") == ["[2,1]"]
    assert call(client, "JSON.NUMMULTBY", "k", "$..a", "3") == "[6,3]"
    assert call(client, "JSON.STRLEN", "k", "$..a") == [None, None]


def test_json_set_under_a_missing_parent(client: httpx.Client) -> None:
    assert call(client, "JSON.SET", "k", "$", '{"int":1}') == "OK"
    assert fails(client, "JSON.SET", "k", "$.nonexisting.str", '"x"') == (
        "ERR missing key at non-terminal path level"
    )
    assert call(client, "JSON.SET", "k", "$.nonexisting.str", '"x"', "XX") is None
    assert call(client, "JSON.GET", "k") == '{"int":1}'


def test_json_debug(client: httpx.Client) -> None:
    call(client, "JSON.SET", "k", "$", '{"n":[1,2]}')
    assert call(client, "JSON.DEBUG", "MEMORY", "k", "$.n") == [40]
    assert call(client, "JSON.DEBUG", "HELP") == [
        "MEMORY <key> [path] - reports memory usage",
        "HELP                - this message",
    ]
    assert fails(client, "JSON.DEBUG", "X") == "ERR unknown subcommand - try `JSON.DEBUG HELP`"


# ---- streams ---------------------------------------------------------------------------------


def test_approximate_trimming(client: httpx.Client) -> None:
    pipeline = [["XADD", "s", "*", "f", "v"]] * 120
    assert client.post("/pipeline", json=pipeline).status_code == 200
    assert call(client, "XTRIM", "s", "MAXLEN", "~", "30") == 0
    assert call(client, "XLEN", "s") == 120
    client.post("/pipeline", json=[["XADD", "s", "*", "f", "v"]] * 880)
    assert call(client, "XTRIM", "s", "MAXLEN", "~", "30") == 970
    assert call(client, "XLEN", "s") == 30


def test_xinfo_consumers_and_xackdel(client: httpx.Client) -> None:
    call(client, "XADD", "s", "1-0", "f", "v")
    call(client, "XGROUP", "CREATE", "s", "g", "0")
    assert call(client, "XINFO", "CONSUMERS", "s", "missing-group") == []
    assert fails(client, "XINFO", "CONSUMERS", "nokey", "g") == "ERR no such key"
    call(client, "XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")
    assert call(client, "XACK", "s", "g", "1-0") == 1
    assert call(client, "XACKDEL", "s", "g", "IDS", "1", "1-0") == [1]
    assert call(client, "XLEN", "s") == 0


# ---- sorted sets, hashes ---------------------------------------------------------------------


def test_zrangestore_limit_without_byscore(client: httpx.Client) -> None:
    call(client, "ZADD", "src", "1", "a", "2", "b", "3", "c")
    assert call(client, "ZRANGESTORE", "dst", "src", "0", "2", "LIMIT", "1", "1") == 1
    assert call(client, "ZRANGE", "dst", "0", "-1", "WITHSCORES") == ["b", "2"]
    assert fails(client, "ZREVRANGE", "src", "0", "-1", "LIMIT", "0", "1") == (
        "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
    )


def test_hexpiretime_floors(client: httpx.Client, clock: ManualClock) -> None:
    clock.advance(ms=999)
    now = clock.time_ms()
    call(client, "HSET", "h", "f", "v")
    assert call(client, "HEXPIRE", "h", "5", "FIELDS", "1", "f") == [1]
    assert call(client, "HEXPIRETIME", "h", "FIELDS", "1", "f") == [now // 1000 + 5]
    assert call(client, "HPEXPIRETIME", "h", "FIELDS", "1", "f") == [now + 5000]


# ---- added commands --------------------------------------------------------------------------


def test_set_cardinalities_and_msetex(client: httpx.Client) -> None:
    call(client, "SADD", "set1", "a", "b", "c")
    call(client, "SADD", "set2", "c", "d", "e")
    assert call(client, "SDIFFCARD", 2, "set1", "set2") == 2
    assert call(client, "SUNIONCARD", 2, "set1", "set2", "LIMIT", 4) == 4
    assert fails(client, "SDIFFCARD", 0, "set1") == "ERR numkeys should be greater than 0"
    assert call(client, "MSETEX", 2, "a", "1", "b", "2", "PX", 1500) == 1
    assert call(client, "PTTL", "b") == 1500
    assert fails(client, "MSETEX", "x", "a", "1") == "ERR invalid numkeys value"


def test_readonly_token_cannot_config_set(stash: FakeStash, ro_client: httpx.Client) -> None:
    response = ro_client.post("/", json=["CONFIG", "SET", "notify-keyspace-events", "KEA"])
    assert response.json() == {
        "error": "NOPERM this user has no permissions to run the 'config' command or its "
        "subcommand"
    }
    assert stash.database.notify_flags == 0


@pytest.mark.timeout(30)
def test_config_set_turns_on_notifications_on_the_sse_stream(client: httpx.Client) -> None:
    assert call(client, "CONFIG", "SET", "notify-keyspace-events", "KEA") == "OK"
    assert call(client, "CONFIG", "GET", "notify-keyspace-events") == [
        "notify-keyspace-events",
        "AKE",
    ]
    with client.stream("POST", "/psubscribe/__key*__:*", headers=SSE) as response:
        assert call(client, "SET", "k", "v") == "OK"
        assert call(client, "DEL", "k") == 1
        assert lines_of(response, 5) == [
            "psubscribe,__key*__:*,1",
            "pmessage,__key*__:*,__keyspace@0__:k,set",
            "pmessage,__key*__:*,__keyevent@0__:set,k",
            "pmessage,__key*__:*,__keyspace@0__:k,del",
            "pmessage,__key*__:*,__keyevent@0__:del,k",
        ]


@pytest.mark.timeout(30)
def test_keyevent_subscription_sees_expiry(client: httpx.Client, clock: ManualClock) -> None:
    call(client, "CONFIG", "SET", "notify-keyspace-events", "Ex")
    call(client, "SET", "session", "v", "PX", "10")
    clock.advance(ms=11)
    with client.stream("POST", "/subscribe/__keyevent@0__:expired", headers=SSE) as response:
        assert call(client, "GET", "session") is None
        assert lines_of(response, 2) == [
            "subscribe,__keyevent@0__:expired,1",
            "message,__keyevent@0__:expired,session",
        ]
