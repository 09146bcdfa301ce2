"""``stash.snapshot()`` / ``stash.restore()``: the data set as JSON, and back, exactly."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakestash import FakeStash, ManualClock
from fakestash._snapshot import SnapshotError

URL = "https://snap.upstash.io"

members = st.binary(min_size=0, max_size=6) | st.sampled_from(
    [b"a", b"b", b"1", b"\xff", b"\xc3\xa9"]
)


def fresh() -> FakeStash:
    return FakeStash(clock=ManualClock(1_700_000_000), url=URL)


def round_trip(stash: FakeStash) -> FakeStash:
    other = fresh()
    other.restore(json.loads(json.dumps(stash.snapshot())))
    return other


def dumps(stash: FakeStash) -> dict[bytes, Any]:
    """Each key's DUMP payload and PTTL: what a snapshot must keep."""
    keys = stash.execute("KEYS", "*")
    assert isinstance(keys, list)
    return {key: (stash.execute("DUMP", key), stash.execute("PTTL", key)) for key in keys}


commands = st.one_of(
    st.tuples(st.just("SET"), members, members),
    st.tuples(st.just("RPUSH"), members, members, members),
    st.tuples(st.just("SADD"), members, members),
    st.tuples(
        st.just("ZADD"), members, st.sampled_from(["1", "-2.5", "inf", "-inf", "0.1"]), members
    ),
    st.tuples(st.just("HSET"), members, members, members),
    st.tuples(st.just("PEXPIRE"), members, st.integers(1, 10**6).map(str)),
    st.tuples(
        st.just("HPEXPIRE"),
        members,
        st.integers(1, 10**6).map(str),
        st.just("FIELDS"),
        st.just("1"),
        members,
    ),
)


@settings(
    max_examples=60, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(st.lists(commands, max_size=25))
def test_a_snapshot_restores_every_key_exactly(script: list[tuple[Any, ...]]) -> None:
    stash = fresh()
    for command in script:
        try:
            stash.execute(*command)
        except Exception:  # WRONGTYPE and the like: the data set is what it is
            pass
    copy = round_trip(stash)
    assert dumps(copy) == dumps(stash)
    assert copy.snapshot() == stash.snapshot()


def test_every_type_has_a_form() -> None:
    stash = fresh()
    stash.execute("SET", b"\xff", "x", "EX", "100")
    stash.execute("RPUSH", "l", "1", b"\x80")
    stash.execute("SADD", "s", "a")
    stash.execute("ZADD", "z", "1.5", "m", "-inf", "n", "3", "o")
    stash.execute("HSET", "h", "f", "v", "g", "w")
    stash.execute("HEXPIRE", "h", "50", "FIELDS", "1", "g")
    stash.execute("JSON.SET", "j", "$", '{"a":[1,2.0,"x"]}')
    stash.execute("XADD", "x", "1-1", "f", "v")
    keys = stash.snapshot()["databases"][0]["keys"]
    assert keys[:-1] == [
        {
            "key": {"base64": "/w=="},
            "type": "string",
            "value": "x",
            "expires_at_ms": 1_700_000_100_000,
        },
        {"key": "l", "type": "list", "value": ["1", {"base64": "gA=="}], "expires_at_ms": None},
        {"key": "s", "type": "set", "value": ["a"], "expires_at_ms": None},
        {
            "key": "z",
            "type": "zset",
            "value": [["n", "-inf"], ["m", 1.5], ["o", 3]],
            "expires_at_ms": None,
        },
        {
            "key": "h",
            "type": "hash",
            "value": [["g", "w", 1_700_000_050_000], ["f", "v"]],
            "expires_at_ms": None,
        },
        {"key": "j", "type": "ReJSON-RL", "value": '{"a":[1,2.0,"x"]}', "expires_at_ms": None},
    ]
    assert keys[-1]["type"] == "stream" and set(keys[-1]) == {"key", "type", "rdb", "expires_at_ms"}
    copy = round_trip(stash)
    assert copy.execute("XRANGE", "x", "-", "+") == [[b"1-1", [b"f", b"v"]]]
    assert copy.execute("HTTL", "h", "FIELDS", "2", "g", "f") == [50, -1]
    assert copy.execute("JSON.GET", "j") == b'{"a":[1,2.0,"x"]}'


def test_expired_keys_are_not_in_a_snapshot_nor_restored() -> None:
    stash = fresh()
    stash.execute("SET", "short", "v", "PX", "10")
    snapshot = stash.snapshot()
    assert len(snapshot["databases"][0]["keys"]) == 1
    stash.clock.advance(ms=11)  # type: ignore[attr-defined]
    assert stash.snapshot()["databases"][0]["keys"] == []
    stash.restore(snapshot)  # its deadline has passed here too
    assert stash.execute("EXISTS", "short") == 0


def test_restore_replaces_and_counts_as_a_write() -> None:
    stash = fresh()
    stash.execute("SET", "old", "v")
    snapshot = fresh().snapshot()
    version = stash.database.version
    stash.restore(snapshot)
    assert stash.execute("DBSIZE") == 0
    assert stash.database.version == version + 1  # the Upstash-Sync-Token moves


def test_several_databases_by_index() -> None:
    stash = fresh()
    stash.add_database(url="https://eu.upstash.io")
    stash.execute("SET", "where", "eu", db=1)
    snapshot = stash.snapshot()
    assert [table["url"] for table in snapshot["databases"]] == [URL, "https://eu.upstash.io"]
    other = fresh()
    other.add_database(url="https://eu.upstash.io")
    other.restore(snapshot)
    assert other.execute("GET", "where", db=1) == b"eu"
    with pytest.raises(SnapshotError, match=r"^the snapshot has 2 databases; this server has 1 "):
        fresh().restore(snapshot)


BAD = [
    ([], 'not a fakestash snapshot: expected an object with "fakestash_snapshot": 1'),
    ({"fakestash_snapshot": 2, "databases": []}, "snapshot version 2; this fakestash reads 1"),
    ({"fakestash_snapshot": 1}, "snapshot.databases: expected a list"),
    ({"fakestash_snapshot": 1, "databases": [3]}, "databases[0]: expected an object"),
    ({"fakestash_snapshot": 1, "databases": [{"keys": [{"type": "string", "value": "v"}]}]},
     'databases[0].keys[0].key: expected a string or {"base64": "..."}'),
    ({"fakestash_snapshot": 1, "databases": [{"keys": [{"key": {"base64": "*"}, "type": "string", "value": "v"}]}]},
     "databases[0].keys[0].key: not valid base64"),
    ({"fakestash_snapshot": 1, "databases": [{"keys": [{"key": "k", "type": "string", "value": "v", "expires_at_ms": "soon"}]}]},
     "databases[0].keys[0].expires_at_ms: expected an integer or null"),
    ({"fakestash_snapshot": 1, "databases": [{"keys": [{"key": "k", "type": "zset", "value": [["m"]]}]}]},
     "databases[0].keys[0].value[0]: expected [member, score]"),
    ({"fakestash_snapshot": 1, "databases": [{"keys": [{"key": "k", "type": "hash", "value": [["f", "v", -1]]}]}]},
     "databases[0].keys[0].value[0][2]: expected an expiry in ms since the epoch"),
    ({"fakestash_snapshot": 1, "databases": [{"keys": [{"key": "k", "type": "set", "value": ["a", "a"]}]}]},
     "databases[0].keys[0]: not a valid set (duplicate elements)"),
    ({"fakestash_snapshot": 1, "databases": [{"keys": [{"key": "k", "type": "stream", "value": []}]}]},
     "databases[0].keys[0].value: no readable form for type 'stream'; give its \"rdb\""),
    ({"fakestash_snapshot": 1, "databases": [{"keys": [{"key": "k", "type": "list", "rdb": "AAAA"}]}]},
     "databases[0].keys[0].rdb: the DUMP payload's version or checksum is wrong"),
]  # fmt: skip


@pytest.mark.parametrize(("snapshot", "error"), BAD)
def test_a_bad_snapshot_says_where_and_changes_nothing(snapshot: Any, error: str) -> None:
    stash = fresh()
    stash.execute("SET", "kept", "v")
    with pytest.raises(SnapshotError) as raised:
        stash.restore(snapshot)
    assert str(raised.value) == error
    assert stash.execute("GET", "kept") == b"v"


def test_a_dump_payload_of_the_wrong_type_is_refused() -> None:
    stash = fresh()
    stash.execute("RPUSH", "l", "a")
    payload = stash.snapshot()["databases"][0]["keys"][0]
    from base64 import b64encode

    dump = stash.execute("DUMP", "l")
    assert isinstance(dump, bytes)
    entry = {**payload, "type": "set", "rdb": b64encode(dump).decode()}
    del entry["value"]
    with pytest.raises(SnapshotError, match=r"\.rdb: the payload holds a list, not a set$"):
        stash.restore({"fakestash_snapshot": 1, "databases": [{"keys": [entry]}]})
