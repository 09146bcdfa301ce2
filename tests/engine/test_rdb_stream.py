"""DUMP/RESTORE of streams: Redis' payloads restore here, ours restore in Redis (7.0 and 8.2),
and the listpack nodes we write are Redis' own, byte for byte."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fakestash import FakeStash, ManualClock
from fakestash._engine import rdb
from fakestash._engine.rdb_compact import build_listpack
from fakestash._engine.replies import Status
from fakestash._engine.values import stream as rdb_stream
from tests.conftest import Oracle
from tests.helpers import error, run

# The same stream, made on each server by:
#   XADD s 1-1 a 1 b hello; XADD s 1-2 a 2 b x; XADD s 2-0 c 3; XADD s 3-0 c 4; XDEL s 1-2
#   XGROUP CREATE s g 0; XREADGROUP GROUP g alice COUNT 2 STREAMS s >
#   XGROUP CREATECONSUMER s g carol
# redis-server 7.0.15: RDB_TYPE_STREAM_LISTPACKS_2, RDB 10 (its listpack LZF-compressed, the
# deleted 1-2 still inside it as a tombstone).
REDIS70 = bytes.fromhex(
    "13011000000000000000010000000000000001c3404a40531253000000200003010101020181610281620200"
    "2009000020010b01018568656c6c6f06050103600e202002780205600a0adfff020101816302030106200f00"
    "02e0000f0004200f00ff0303000101010204010167020081ffffffffffffffff020000000000000001000000"
    "0000000001d2c94f4ea20100000100000000000000020000000000000000d2c94f4ea2010000010205616c69"
    "6365d2c94f4ea201000002000000000000000100000000000000010000000000000002000000000000000005"
    "6361726f6cd2c94f4ea2010000000a006adc51491693907d"
)
# redis-server 8.2.3: RDB_TYPE_STREAM_LISTPACKS_3, RDB 12 (consumers' active time too).
REDIS82 = bytes.fromhex(
    "15011000000000000000010000000000000001c3404a40531253000000200003010101020181610281620200"
    "2009000020010b01018568656c6c6f06050103600e202002780205600a0adfff020101816302030106200f00"
    "02e0000f0004200f00ff0303000101010204010167020081ffffffffffffffff020000000000000001000000"
    "00000000014bca4f4ea201000001000000000000000200000000000000004bca4f4ea2010000010205616c69"
    "63654bca4f4ea20100004bca4f4ea20100000200000000000000010000000000000001000000000000000200"
    "00000000000000056361726f6c4cca4f4ea2010000ffffffffffffffff000c004e68b37986508ab8"
)
T70, T82 = 1796610181586, 1796610181707  # the servers' clocks (ms) when they made them


def _full(t_alice: int, t_carol: int, carol_active: int) -> list[Any]:
    """XINFO STREAM s FULL of that stream (Redis 7.2+ layout)."""
    pending = [[b"1-1", t_alice, 1], [b"2-0", t_alice, 1]]
    alice = [b"name", b"alice", b"seen-time", t_alice, b"active-time", t_alice,
             b"pel-count", 2, b"pending", pending]  # fmt: skip
    carol = [b"name", b"carol", b"seen-time", t_carol, b"active-time", carol_active,
             b"pel-count", 0, b"pending", []]  # fmt: skip
    group = [b"name", b"g", b"last-delivered-id", b"2-0", b"entries-read", None, b"lag", None,
             b"pel-count", 2, b"pending", [[sid, b"alice", t, n] for sid, t, n in pending],
             b"consumers", [alice, carol]]  # fmt: skip
    return [
        b"length", 3, b"radix-tree-keys", 1, b"radix-tree-nodes", 2,
        b"last-generated-id", b"3-0", b"max-deleted-entry-id", b"1-2", b"entries-added", 4,
        b"recorded-first-entry-id", b"1-1",
        b"entries", [[b"1-1", [b"a", b"1", b"b", b"hello"]], [b"2-0", [b"c", b"3"]],
                     [b"3-0", [b"c", b"4"]]],
        b"groups", [group],
    ]  # fmt: skip


def make_stream(stash: FakeStash) -> None:
    for argv in (
        ("XADD", "s", "1-1", "a", "1", "b", "hello"),
        ("XADD", "s", "1-2", "a", "2", "b", "x"),
        ("XADD", "s", "2-0", "c", "3"),
        ("XADD", "s", "3-0", "c", "4"),
        ("XDEL", "s", "1-2"),
        ("XGROUP", "CREATE", "s", "g", "0"),
        ("XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "s", ">"),
        ("XGROUP", "CREATECONSUMER", "s", "g", "carol"),
    ):
        run(stash, *argv)


# ---- Redis' payloads restore here ------------------------------------------------------------


def test_restores_a_redis70_stream_with_groups_and_pels(stash: FakeStash) -> None:
    assert run(stash, "RESTORE", "s", "0", REDIS70) == Status("OK")
    # LISTPACKS_2 has no active time: a consumer is active when last seen (as Redis 7.2+).
    assert run(stash, "XINFO", "STREAM", "s", "FULL") == _full(T70, T70, T70)
    assert run(stash, "XPENDING", "s", "g") == [2, b"1-1", b"2-0", [[b"alice", b"2"]]]


def test_restores_a_redis82_stream_with_active_times(stash: FakeStash) -> None:
    assert run(stash, "RESTORE", "s", "0", REDIS82) == Status("OK")
    assert run(stash, "XINFO", "STREAM", "s", "FULL") == _full(T82, T82 + 1, -1)


def test_restored_stream_goes_on_where_it_was(stash: FakeStash) -> None:
    run(stash, "RESTORE", "s", "0", REDIS70)
    assert run(stash, "XADD", "s", "3-*", "x", "y") == b"3-1"  # last id 3-0 was kept
    assert run(stash, "XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">") == [
        [b"s", [[b"3-0", [b"c", b"4"]], [b"3-1", [b"x", b"y"]]]]
    ]
    assert run(stash, "XACK", "s", "g", "1-1", "2-0") == 2


def test_reads_the_redis5_stream_encoding(stash: FakeStash) -> None:
    # RDB_TYPE_STREAM_LISTPACKS: no first id, tombstone or counters: derived as Redis does.
    ours = rdb.dump(_stream_with_group())
    reader = rdb.Reader(ours, 1)
    nodes = [(reader.string(), reader.string()) for _ in range(reader.length())]
    body = rdb.encode_length(len(nodes))
    body += b"".join(rdb.encode_string(key) + rdb.encode_string(lp) for key, lp in nodes)
    body += b"\x02\x05\x00"  # length 2, last id 5-0
    body += b"\x01\x01g\x01\x00" + b"\x00\x00"  # group g at 1-0, empty PEL, no consumers
    run(stash, "RESTORE", "old", "0", rdb.make_payload(rdb.RDB_TYPE_STREAM_LISTPACKS, body))
    assert run(stash, "XINFO", "GROUPS", "old") == [
        [b"name", b"g", b"consumers", 0, b"pending", 0, b"last-delivered-id", b"1-0",
         b"entries-read", 1, b"lag", 1]
    ]  # fmt: skip
    assert run(stash, "XLEN", "old") == 2


def _stream_with_group() -> Any:
    stash = FakeStash(seed=0, clock=ManualClock(1_700_000_000))
    run(stash, "XADD", "s", "1-0", "f", "v")
    run(stash, "XADD", "s", "5-0", "f", "w")
    return stash.database.data[b"s"]


# ---- what we write ---------------------------------------------------------------------------


def test_dump_writes_listpacks_2_at_rdb_10(stash: FakeStash) -> None:
    make_stream(stash)
    payload = run(stash, "DUMP", "s")
    assert isinstance(payload, bytes)
    assert payload[0] == rdb.RDB_TYPE_STREAM_LISTPACKS_2
    assert payload[-10:-8] == b"\x0a\x00"


def test_dump_round_trips_everything_but_active_times(stash: FakeStash, clock: ManualClock) -> None:
    make_stream(stash)
    now = clock.time_ms()
    run(stash, "RESTORE", "t", "0", run(stash, "DUMP", "s"))
    assert run(stash, "XINFO", "STREAM", "t", "FULL") == _full(now, now, now)


SAME, DELETED = rdb_stream.FLAG_SAMEFIELDS, rdb_stream.FLAG_DELETED
#: The entries of REDIS70's node: flags, ms and seq from the master id 1-1, (field count and
#: fields unless SAMEFIELDS), values, then lp-count.
E11 = [SAME, 0, 0, b"1", b"hello", 5]
E12 = [SAME, 0, 1, b"2", b"x", 5]
E20 = [0, 1, -1, 1, b"c", b"3", 6]
E30 = [0, 2, -1, 1, b"c", b"4", 6]


def test_redis_node_is_what_we_build() -> None:
    reader = rdb.Reader(REDIS70, 1)
    assert reader.length() == 1
    assert reader.string() == rdb_stream.raw_id((1, 1))
    redis_node = reader.string()  # LZF-expanded
    deleted_12 = [SAME | DELETED, *E12[1:]]  # XDEL only flags the entry and fixes the counts
    master = [3, 1, 2, b"a", b"b", 0]  # 3 live, 1 deleted, master fields a b, 0
    assert build_listpack(master + E11 + deleted_12 + E20 + E30) == redis_node


def test_our_nodes_are_laid_out_as_stream_append_item_does() -> None:
    stash = FakeStash(seed=0)
    run(stash, "XADD", "s", "1-1", "a", "1", "b", "hello")
    run(stash, "XADD", "s", "1-2", "a", "2", "b", "x")
    run(stash, "XADD", "s", "2-0", "c", "3")
    run(stash, "XADD", "s", "3-0", "c", "4")
    ((master, blob),) = rdb_stream._nodes(stash.database.data[b"s"])
    assert master == (1, 1)
    assert blob == build_listpack([4, 0, 2, b"a", b"b", 0, *E11, *E12, *E20, *E30])


@pytest.mark.parametrize(
    "entries, sizes",
    [
        ([(i, b"v") for i in range(250)], [100, 100, 50]),  # stream-node-max-entries 100
        ([(i, b"x" * 1000) for i in range(9)], [4, 4, 1]),  # stream-node-max-bytes 4096
    ],
)
def test_nodes_split_as_redis_splits_them(
    stash: FakeStash, entries: list[tuple[int, bytes]], sizes: list[int]
) -> None:
    for ms, value in entries:
        run(stash, "XADD", "s", f"{ms + 1}-0", "f", value)
    nodes = list(rdb_stream._nodes(stash.database.data[b"s"]))
    assert [rdb.parse_listpack(blob)[0] for _, blob in nodes] == sizes


def test_an_empty_stream_round_trips(stash: FakeStash) -> None:
    run(stash, "XADD", "s", "5-5", "f", "v")
    run(stash, "XDEL", "s", "5-5")
    payload = run(stash, "DUMP", "s")
    assert run(stash, "RESTORE", "t", "0", payload) == Status("OK")
    assert run(stash, "XLEN", "t") == 0
    assert run(stash, "XINFO", "STREAM", "t")[:12] == [
        b"length", 0, b"radix-tree-keys", 0, b"radix-tree-nodes", 1,
        b"last-generated-id", b"5-5", b"max-deleted-entry-id", b"5-5", b"entries-added", 1,
    ]  # fmt: skip


ENTRY_IDS = st.lists(
    st.tuples(st.integers(1, 2**64 - 1), st.integers(0, 2**64 - 1)), min_size=1, max_size=30
)
VALUES = st.sampled_from([b"a", b"b", b"12", b"-7", b"x" * 70, b""])
FIELDS = st.lists(st.tuples(VALUES, VALUES), min_size=1, max_size=3)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(ENTRY_IDS, st.lists(FIELDS, min_size=30, max_size=30))
def test_any_stream_round_trips(
    ids: list[tuple[int, int]], fields: list[list[tuple[bytes, bytes]]]
) -> None:
    stash = FakeStash(seed=0, clock=ManualClock(1_700_000_000))
    for (ms, seq), pairs in zip(sorted(set(ids)), fields):
        run(stash, "XADD", "s", f"{ms}-{seq}", *[part for pair in pairs for part in pair])
    run(stash, "RESTORE", "t", "0", run(stash, "DUMP", "s"))
    assert run(stash, "XRANGE", "t", "-", "+") == run(stash, "XRANGE", "s", "-", "+")
    assert run(stash, "XINFO", "STREAM", "t") == run(stash, "XINFO", "STREAM", "s")


# ---- bad payloads ---------------------------------------------------------------------------


def _body(groups: bytes = b"\x00", *, length: int = 1, last: int = 1, key: bytes = b"") -> bytes:
    """A stream of one entry (1-0 f v): its length, last id (ms) and node key adjustable,
    followed by ``groups`` (their count first)."""
    node = build_listpack([1, 0, 1, b"f", 0, 2, 0, 0, b"v", 4])
    key = key or rdb_stream.raw_id((1, 0))
    return (
        b"\x01" + rdb.encode_string(key) + rdb.encode_string(node)
        + bytes((length, last, 0))  # length, last id
        + b"\x01\x00" + b"\x00\x00" + b"\x01"  # first id 1-0, max deleted 0-0, 1 added
        + groups
    )  # fmt: skip


PEL_1_0 = rdb_stream.raw_id((1, 0)) + rdb.encode_ms_time(5) + b"\x01"
GROUP_G = b"\x01g\x01\x00\x01"  # name g, last id 1-0, entries read 1


@pytest.mark.parametrize(
    "body",
    [
        _body(length=2),  # says 2 entries, holds 1
        _body(last=0),  # last id 0-0 before the entry 1-0
        _body(key=b"abc"),  # a node key of 3 bytes
        _body(b"\x01" + GROUP_G + b"\x01" + PEL_1_0 + b"\x00"),  # pending with no owner
        _body(b"\x01" + GROUP_G + b"\x00" + b"\x01\x01c" + rdb.encode_ms_time(1)
              + b"\x01" + rdb_stream.raw_id((1, 0))),  # owns a pending the group lacks
        _body(b"\x02" + GROUP_G + b"\x00\x00" + GROUP_G + b"\x00\x00"),  # g twice
        _body(b"\x01" + GROUP_G + b"\x00\x02" + (b"\x01c" + rdb.encode_ms_time(1) + b"\x00") * 2),
    ],
)  # fmt: skip
def test_malformed_streams_are_bad_data(stash: FakeStash, body: bytes) -> None:
    payload = rdb.make_payload(rdb.RDB_TYPE_STREAM_LISTPACKS_2, body)
    assert error(stash, "RESTORE", "s", "0", payload) == "ERR Bad data format"
    assert run(stash, "EXISTS", "s") == 0


def test_the_malformed_payload_helper_makes_a_good_one(stash: FakeStash) -> None:
    body = _body(b"\x01" + GROUP_G + b"\x01" + PEL_1_0 + b"\x01\x01c" + rdb.encode_ms_time(1)
                 + b"\x01" + rdb_stream.raw_id((1, 0)))  # fmt: skip
    payload = rdb.make_payload(rdb.RDB_TYPE_STREAM_LISTPACKS_2, body)
    assert run(stash, "RESTORE", "s", "0", payload) == Status("OK")
    assert run(stash, "XRANGE", "s", "-", "+") == [[b"1-0", [b"f", b"v"]]]
    assert run(stash, "XPENDING", "s", "g", "-", "+", "10") == [
        [b"1-0", b"c", 1_700_000_000_000 - 5, 1]
    ]


# ---- real servers, both ways ------------------------------------------------------------------


def _without_active_times(reply: Any) -> Any:
    """XINFO STREAM FULL as Redis 7.0 shows it (no consumer active-time)."""
    if isinstance(reply, list):
        out, i = [], 0
        while i < len(reply):
            if reply[i] == b"active-time":
                i += 2
                continue
            out.append(_without_active_times(reply[i]))
            i += 1
        return out
    return reply


def _real_full(oracle: Oracle, key: str) -> Any:
    return _comparable(_flatten(oracle.client.execute_command("XINFO", "STREAM", key, "FULL")))


def _fake_full(stash: FakeStash, key: str) -> Any:
    return _comparable(run(stash, "XINFO", "STREAM", key, "FULL"))


def _comparable(reply: Any) -> Any:
    """XINFO STREAM FULL without radix-tree-keys/-nodes: the engine keeps no radix tree (they
    are stand-ins there, see streams.py), so these say nothing about the payload."""
    assert isinstance(reply, list)
    drop = {b"radix-tree-keys", b"radix-tree-nodes"}
    return [item for i, item in enumerate(reply) if reply[i - (i % 2)] not in drop]


def _flatten(reply: Any) -> Any:
    """redis-py turns XINFO STREAM FULL into dicts; back to the RESP2 list."""
    if isinstance(reply, dict):
        return [item for key, value in reply.items() for item in (key, _flatten(value))]
    if isinstance(reply, list):
        return [_flatten(item) for item in reply]
    return reply


def _build_on(oracle: Oracle) -> None:
    client = oracle.client
    client.flushall()
    for i in range(130):  # two nodes
        client.execute_command("XADD", "s", f"{i + 1}-{i % 2}", "f", str(i), "g", "v" * (i % 9))
    client.execute_command("XADD", "s", "200-0", "other", "fields", "n", "-123456")
    client.execute_command("XDEL", "s", "3-0", "200-0")
    client.execute_command("XGROUP", "CREATE", "s", "g1", "0")
    client.execute_command("XGROUP", "CREATE", "s", "g0", "$")
    client.execute_command("XREADGROUP", "GROUP", "g1", "bob", "COUNT", "3", "STREAMS", "s", ">")
    client.execute_command("XREADGROUP", "GROUP", "g1", "al", "COUNT", "2", "STREAMS", "s", ">")
    client.execute_command("XCLAIM", "s", "g1", "al", "0", "1-1")
    client.execute_command("XACK", "s", "g1", "2-0")


@pytest.mark.real_redis
def test_redis_stream_dumps_restore_here(oracle: Oracle) -> None:
    _build_on(oracle)
    stash = FakeStash(seed=0)
    assert run(stash, "RESTORE", "s", "0", oracle.client.dump("s")) == Status("OK")
    ours = _fake_full(stash, "s")
    real = _real_full(oracle, "s")
    assert (ours if oracle.major >= 8 else _without_active_times(ours)) == real


@pytest.mark.real_redis
def test_redis_restores_our_stream_dumps(oracle: Oracle) -> None:
    _build_on(oracle)
    stash = FakeStash(seed=0)
    run(stash, "RESTORE", "s", "0", oracle.client.dump("s"))
    oracle.client.restore("ours", 0, run(stash, "DUMP", "s"))
    expected = _real_full(oracle, "s")
    if oracle.major >= 8:  # LISTPACKS_2 has no active time: Redis takes the seen time, as here
        run(stash, "RESTORE", "again", "0", run(stash, "DUMP", "s"))
        expected = _fake_full(stash, "again")
    assert _real_full(oracle, "ours") == expected


@pytest.mark.real_redis
def test_our_nodes_and_metadata_are_redis_own_bytes(oracle: Oracle) -> None:
    """Redis' DUMP and ours, read side by side: the same node keys, the same listpacks (after
    Redis' LZF), the same bytes after them. No XDEL here: Redis keeps tombstones in its nodes,
    we write the live entries only."""
    if oracle.major >= 8:
        pytest.skip("Redis 8 writes LISTPACKS_3 (active times); ours is LISTPACKS_2")
    client = oracle.client
    client.flushall()
    stash = FakeStash(seed=0)
    for i in range(260):
        fields = ("f", str(i * 37 - 500), "g", "w" * (i % 50)) if i % 7 else ("h", str(i))
        client.execute_command("XADD", "s", f"{i + 1}-{i % 3}", *fields)
        run(stash, "XADD", "s", f"{i + 1}-{i % 3}", *fields)
    client.execute_command("XGROUP", "CREATE", "s", "g", "$", "ENTRIESREAD", "260")
    run(stash, "XGROUP", "CREATE", "s", "g", "$", "ENTRIESREAD", "260")
    assert _split(run(stash, "DUMP", "s")) == _split(client.dump("s"))


def _split(payload: bytes) -> tuple[list[tuple[bytes, bytes]], bytes]:
    reader = rdb.Reader(payload, 1)
    nodes = [(reader.string(), reader.string()) for _ in range(reader.length())]
    return nodes, payload[reader.pos : -8]
