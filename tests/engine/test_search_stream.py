"""SEARCH.CREATE … ON STREAM: an index over the entries of one stream (Upstash docs
redis/search/streams.mdx), through the engine and raw REST (the SDK: tests/sdk/test_search_sdk.py)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from fakestash import FakeStash
from tests.helpers import error, run

SCHEMA = ["SCHEMA", "message", "TEXT", "service", "KEYWORD", "severity", "U64", "FAST",
          "occurredAt", "DATE", "FAST"]  # fmt: skip
ENTRY_1 = ["message", "Payment authorization failed", "service", "checkout", "severity", "4",
           "occurredAt", "2026-08-24T09:30:00Z"]  # fmt: skip
ENTRY_2 = ["message", "Order completed", "service", "checkout", "severity", "1",
           "occurredAt", "2026-08-24T09:31:00Z"]  # fmt: skip


def ids(reply: Any) -> list[bytes]:
    assert isinstance(reply, list)
    return [hit[0] for hit in reply]


@pytest.fixture
def events(stash: FakeStash) -> FakeStash:
    assert run(stash, "SEARCH.CREATE", "event-search", "ON", "STREAM", "events", *SCHEMA) == 1
    run(stash, "XADD", "events", "1-0", *ENTRY_1)
    run(stash, "XADD", "events", "2-0", *ENTRY_2)
    return stash


def test_the_docs_example(events: FakeStash) -> None:
    filter_ = json.dumps({"message": "authorization", "severity": {"$gte": 3}})
    reply = run(events, "SEARCH.QUERY", "event-search", filter_,
                "SELECT", "3", "message", "service", "severity")  # fmt: skip
    assert isinstance(reply, list) and len(reply) == 1
    key, _, content = reply[0]
    assert key == b"1-0"
    assert content == [[b"message", b"Payment authorization failed"], [b"service", b"checkout"],
                       [b"severity", b"4"]]  # fmt: skip


def test_content_is_the_whole_entry_and_nocontent_works(events: FakeStash) -> None:
    reply = run(events, "SEARCH.QUERY", "event-search", json.dumps({"message": "order"}))
    assert reply == [[b"2-0", reply[0][1], [[ENTRY_2[i].encode(), ENTRY_2[i + 1].encode()]
                                            for i in range(0, 8, 2)]]]  # fmt: skip
    nocontent = run(events, "SEARCH.QUERY", "event-search", "{}", "NOCONTENT")
    assert ids(nocontent) == [b"1-0", b"2-0"]


def test_sorting_counting_and_aggregating(events: FakeStash) -> None:
    reply = run(events, "SEARCH.QUERY", "event-search", "{}", "ORDERBY", "severity", "ASC",
                "NOCONTENT")  # fmt: skip
    assert reply == [[b"2-0", b"1"], [b"1-0", b"4"]]
    assert run(events, "SEARCH.COUNT", "event-search", json.dumps({"service": "checkout"})) == 2
    aggs = json.dumps({"top": {"$max": {"field": "severity"}}})
    assert run(events, "SEARCH.AGGREGATE", "event-search", "{}", aggs) == [b"top", [b"value", b"4"]]


def test_highlighting_an_entry_field(events: FakeStash) -> None:
    reply = run(events, "SEARCH.QUERY", "event-search", json.dumps({"message": "payment"}),
                "HIGHLIGHT", "FIELDS", "1", "message", "TAGS", "[", "]")  # fmt: skip
    assert reply[0][2][0] == [b"message", b"[Payment] authorization failed"]


def test_json_array_values_are_several_values(events: FakeStash) -> None:
    run(events, "XADD", "events", "3-0", "message", "Payment retried",
        "service", '["checkout","payments"]', "severity", "[2, 9]")  # fmt: skip
    reply = run(events, "SEARCH.QUERY", "event-search", json.dumps({"service": "payments"}))
    assert ids(reply) == [b"3-0"]
    assert reply[0][2][1] == [b"service", b'["checkout","payments"]']  # the stored text
    assert ids(run(events, "SEARCH.QUERY", "event-search", json.dumps({"severity": 9}))) == [b"3-0"]


def test_entries_without_a_valid_schema_field_are_not_documents(events: FakeStash) -> None:
    run(events, "XADD", "events", "3-0", "other", "x", "severity", "not-a-number")
    run(events, "XADD", "events", "4-0", "message", "", "severity", "7")
    assert ids(run(events, "SEARCH.QUERY", "event-search", "{}", "NOCONTENT")) == [
        b"1-0", b"2-0", b"4-0"
    ]  # fmt: skip
    assert run(events, "SEARCH.DESCRIBE", "event-search")[9] == 3  # indexSize


def test_the_index_follows_deletes_trims_and_the_key(events: FakeStash) -> None:
    run(events, "XADD", "events", "3-0", *ENTRY_1)
    run(events, "XDEL", "events", "1-0")
    assert ids(run(events, "SEARCH.QUERY", "event-search", "{}", "NOCONTENT")) == [b"2-0", b"3-0"]
    run(events, "XTRIM", "events", "MAXLEN", "1")
    assert ids(run(events, "SEARCH.QUERY", "event-search", "{}", "NOCONTENT")) == [b"3-0"]
    run(events, "DEL", "events")
    assert run(events, "SEARCH.COUNT", "event-search", "{}") == 0
    assert run(events, "SEARCH.DESCRIBE", "event-search")[5] == [b"events"]  # definition kept
    run(events, "XADD", "events", "9-0", *ENTRY_2)  # a recreated stream is indexed again
    assert ids(run(events, "SEARCH.QUERY", "event-search", "{}", "NOCONTENT")) == [b"9-0"]


def test_the_stream_need_not_exist_and_other_types_are_ignored(stash: FakeStash) -> None:
    assert run(stash, "SEARCH.CREATE", "i", "ON", "STREAM", "s", *SCHEMA) == 1
    assert run(stash, "SEARCH.COUNT", "i", "{}") == 0
    run(stash, "SET", "s", "not a stream")
    assert run(stash, "SEARCH.COUNT", "i", "{}") == 0


def test_skipinitialscan_and_reindex(stash: FakeStash) -> None:
    run(stash, "XADD", "events", "1-0", *ENTRY_1)
    run(stash, "SEARCH.CREATE", "i", "SKIPINITIALSCAN", "ON", "STREAM", "events", *SCHEMA)
    run(stash, "XADD", "events", "2-0", *ENTRY_2)
    assert ids(run(stash, "SEARCH.QUERY", "i", "{}", "NOCONTENT")) == [b"2-0"]
    assert run(stash, "SEARCH.REINDEX", "i") == 1
    assert ids(run(stash, "SEARCH.QUERY", "i", "{}", "NOCONTENT")) == [b"1-0", b"2-0"]


def test_from_exposes_a_stream_field_under_another_name(stash: FakeStash) -> None:
    run(stash, "SEARCH.CREATE", "i", "ON", "STREAM", "events",
        "SCHEMA", "description", "TEXT", "FROM", "message")  # fmt: skip
    run(stash, "XADD", "events", "1-0", *ENTRY_1)
    reply = run(stash, "SEARCH.QUERY", "i", json.dumps({"description": "payment"}),
                "SELECT", "1", "message")  # fmt: skip
    assert reply == [[b"1-0", reply[0][1], [[b"message", b"Payment authorization failed"]]]]


def test_describe_listindexes_and_existsok(events: FakeStash) -> None:
    described = run(events, "SEARCH.DESCRIBE", "event-search")
    assert described[:8] == [b"name", b"event-search", b"type", b"STREAM",
                             b"prefixes", [b"events"], b"language", b"english"]  # fmt: skip
    assert run(events, "SEARCH.LISTINDEXES") == [[b"name", b"event-search", b"type", b"STREAM"]]
    again = ["SEARCH.CREATE", "event-search", "EXISTSOK", "ON", "STREAM", "events", *SCHEMA]
    assert run(events, *again) == 0


@pytest.mark.parametrize(
    "argv, text",
    [
        (["ON", "STREAM", "events", "PREFIX", "1", "e", *SCHEMA],
         "ERR PREFIX is not supported for stream indexes"),
        (["ON", "STREAM", *SCHEMA], "ERR ON STREAM needs the stream key"),
        (["ON", "STREAM", "events", *SCHEMA],
         "ERR stream 'events' is already bound to index 'event-search'"),
        (["ON", "LIST", "PREFIX", "1", "l", *SCHEMA],
         "ERR unknown data type 'LIST' (expected HASH, JSON, STRING or STREAM)"),
    ],
)  # fmt: skip
def test_create_errors(events: FakeStash, argv: list[str], text: str) -> None:
    assert error(events, "SEARCH.CREATE", "second", *argv) == text


def test_dropping_the_index_frees_the_stream(events: FakeStash) -> None:
    assert run(events, "SEARCH.DROP", "event-search") == 1
    assert run(events, "XLEN", "events") == 2  # the entries stay
    assert run(events, "SEARCH.CREATE", "second", "ON", "STREAM", "events", *SCHEMA) == 1
    assert run(events, "SEARCH.COUNT", "second", "{}") == 2


# ---- raw REST and the SDK -----------------------------------------------------------------------


def test_over_rest(stash: FakeStash) -> None:
    with httpx.Client(transport=stash.transport(), base_url=stash.url,
                      headers={"Authorization": f"Bearer {stash.token}"}) as client:  # fmt: skip
        created = client.post("/", json=["SEARCH.CREATE", "ev", "ON", "STREAM", "events", *SCHEMA])
        assert created.json() == {"result": 1}
        client.post("/", json=["XADD", "events", "1-0", *ENTRY_1])
        query = ["SEARCH.QUERY", "ev", json.dumps({"service": "checkout"}), "SELECT", "1",
                 "service"]  # fmt: skip
        reply = client.post("/", json=query).json()["result"]
        assert [[hit[0], hit[2]] for hit in reply] == [["1-0", [["service", "checkout"]]]]
