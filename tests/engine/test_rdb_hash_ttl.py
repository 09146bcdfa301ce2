"""DUMP/RESTORE of hashes whose fields have TTLs: Redis 7.4+'s RDB_TYPE_HASH_METADATA (what
we write, at RDB 12) and RDB_TYPE_HASH_LISTPACK_EX (read), checked against Redis 8.2."""

from __future__ import annotations

import pytest

from fakestash import FakeStash, ManualClock
from fakestash._engine import rdb
from fakestash._engine.replies import Status
from tests.conftest import Oracle
from tests.helpers import error, run

T = 4102444800000  # 2100-01-01, ms
VALUE_70 = bytes(range(33, 103))  # 70 bytes: a hashtable hash, and nothing for LZF to find

# redis-server 8.2.3: HSET s a 1 b 2 c 300; HPEXPIREAT s T+5000 FIELDS 1 b;
# HPEXPIREAT s T+3000 FIELDS 1 c  ->  RDB_TYPE_HASH_LISTPACK_EX, RDB 12.
LISTPACK_EX = bytes.fromhex(
    "1988ebc32cbb0300002d2d0000000900816302c12c02f4b8e3c32cbb030000098162020201f488ebc32cbb03"
    "00000981610201010001ff0c0078dfc32028779efd"
)
# redis-server 8.2.3: HSET h f VALUE_70 g plain; HPEXPIREAT h T FIELDS 1 f  ->
# RDB_TYPE_HASH_METADATA (a hashtable hash), RDB 12.
METADATA = bytes.fromhex(
    "1800d8c32cbb0300000201016640462122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d"
    "3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f60616263646566000167"
    "05706c61696e0c006ba40cff6c3776f3"
)


def test_restores_redis_listpack_ex_hashes(stash: FakeStash) -> None:
    assert run(stash, "RESTORE", "s", "0", LISTPACK_EX) == Status("OK")
    assert run(stash, "HGETALL", "s") == [b"c", b"300", b"b", b"2", b"a", b"1"]
    assert run(stash, "HPEXPIRETIME", "s", "FIELDS", "3", "a", "b", "c") == [-1, T + 5000, T + 3000]


def test_restores_redis_hash_metadata(stash: FakeStash) -> None:
    assert run(stash, "RESTORE", "h", "0", METADATA) == Status("OK")
    assert run(stash, "HGETALL", "h") == [b"f", VALUE_70, b"g", b"plain"]
    assert run(stash, "HPEXPIRETIME", "h", "FIELDS", "2", "f", "g") == [T, -1]


def test_dump_is_redis_hash_metadata_byte_for_byte(stash: FakeStash) -> None:
    run(stash, "HSET", "h", "f", VALUE_70, "g", "plain")
    run(stash, "HPEXPIREAT", "h", T, "FIELDS", "1", "f")
    assert run(stash, "DUMP", "h") == METADATA


def test_dump_layout_base_time_and_deltas(stash: FakeStash) -> None:
    run(stash, "HSET", "h", "a", "1", "b", "2", "c", "3")
    run(stash, "HPEXPIREAT", "h", T + 7, "FIELDS", "1", "b")
    run(stash, "HPEXPIREAT", "h", T, "FIELDS", "1", "a")
    body = (
        T.to_bytes(8, "little") + b"\x03"  # the earliest expiry, 3 fields
        + b"\x01\x01a\xc0\x01"  # a: T (delta 0, written +1)
        + b"\x08\x01b\xc0\x02"  # b: T + 7
        + b"\x00\x01c\xc0\x03"  # c: no TTL
    )  # fmt: skip
    assert run(stash, "DUMP", "h") == rdb.make_payload(rdb.RDB_TYPE_HASH_METADATA, body, 12)


def test_a_hash_without_field_ttls_is_still_plain_rdb_10(stash: FakeStash) -> None:
    run(stash, "HSET", "h", "f", "v")
    assert run(stash, "DUMP", "h") == rdb.make_payload(rdb.RDB_TYPE_HASH, b"\x01\x01f\x01v")


def test_round_trip_keeps_values_ttls_and_order(stash: FakeStash, clock: ManualClock) -> None:
    run(stash, "HSET", "h", *[f"f{i}" for i in range(200) for _ in (0, 1)])
    run(stash, "HEXPIRE", "h", "50", "FIELDS", "2", "f7", "f3")
    run(stash, "HPEXPIRE", "h", "20", "FIELDS", "1", "f150")
    run(stash, "RESTORE", "copy", "0", run(stash, "DUMP", "h"))
    assert run(stash, "HGETALL", "copy") == run(stash, "HGETALL", "h")
    fields = ["f3", "f7", "f150", "f0"]
    assert run(stash, "HPEXPIRETIME", "copy", "FIELDS", "4", *fields) == run(
        stash, "HPEXPIRETIME", "h", "FIELDS", "4", *fields
    )
    clock.advance(seconds=60)
    assert run(stash, "HLEN", "copy") == 197
    assert run(stash, "HEXISTS", "copy", "f7") == 0


def test_restore_drops_fields_already_expired(stash: FakeStash, clock: ManualClock) -> None:
    run(stash, "HSET", "h", "gone", "1", "kept", "2", "plain", "3")
    run(stash, "HPEXPIRE", "h", "100", "FIELDS", "1", "gone")
    run(stash, "HPEXPIRE", "h", "900", "FIELDS", "1", "kept")
    payload = run(stash, "DUMP", "h")
    clock.advance(ms=500)
    run(stash, "RESTORE", "r", "0", payload)
    assert run(stash, "HGETALL", "r") == [b"kept", b"2", b"plain", b"3"]
    assert run(stash, "DBSIZE") == 2  # h lost a field too; both still there
    clock.advance(ms=1000)
    assert run(stash, "HKEYS", "r") == [b"plain"]


def test_restore_of_a_hash_whose_fields_all_expired_creates_nothing(
    stash: FakeStash, clock: ManualClock
) -> None:
    run(stash, "HSET", "h", "f", "1")
    run(stash, "HPEXPIRE", "h", "100", "FIELDS", "1", "f")
    payload = run(stash, "DUMP", "h")
    clock.advance(seconds=1)
    run(stash, "SET", "r", "old")
    assert run(stash, "RESTORE", "r", "0", payload, "REPLACE") == Status("OK")
    assert run(stash, "EXISTS", "r") == 0  # REPLACE deleted the old value all the same


def _lp_ex(*triplets: bytes | int) -> bytes:
    blob = rdb.build_listpack(list(triplets))
    return rdb.make_payload(
        rdb.RDB_TYPE_HASH_LISTPACK_EX, rdb.encode_ms_time(T) + rdb.encode_string(blob), 12
    )


@pytest.mark.parametrize(
    "payload",
    [
        _lp_ex(b"f", b"v"),  # not triplets
        _lp_ex(b"f", b"v", b"soon"),  # a TTL that is not a number
        _lp_ex(b"f", b"v", 0, b"f", b"w", 0),  # the same field twice
        rdb.make_payload(22, b"\x01\x00\x01f\x01v", 12),  # 7.4 release candidates' types
        rdb.make_payload(23, rdb.encode_string(rdb.build_listpack([b"f", b"v", 0])), 12),
    ],
)
def test_malformed_field_ttl_hashes_are_bad_data(stash: FakeStash, payload: bytes) -> None:
    assert error(stash, "RESTORE", "h", "0", payload) == "ERR Bad data format"


def test_listpack_ex_ttl_zero_means_none(stash: FakeStash) -> None:
    run(stash, "RESTORE", "h", "0", _lp_ex(b"f", b"v", T, b"g", b"12", 0))
    assert run(stash, "HPEXPIRETIME", "h", "FIELDS", "2", "f", "g") == [T, -1]
    assert run(stash, "HGET", "h", "g") == b"12"


# ---- real servers --------------------------------------------------------------------------


@pytest.mark.real_redis
def test_real_redis_and_fakestash_exchange_field_ttl_hashes(oracle: Oracle) -> None:
    stash = FakeStash(seed=0)
    run(stash, "HSET", "h", "a", "1", "b", "x" * 100, "c", "3")
    run(stash, "HPEXPIREAT", "h", T, "FIELDS", "2", "a", "b")
    ours = run(stash, "DUMP", "h")
    client = oracle.client
    client.flushall()
    if oracle.major < 8:  # Redis 7.0 has no field TTLs: it refuses RDB 12 outright
        with pytest.raises(Exception, match="DUMP payload version or checksum are wrong"):
            client.restore("h", 0, ours)
        return
    client.restore("h", 0, ours)
    assert client.hgetall("h") == {b"a": b"1", b"b": b"x" * 100, b"c": b"3"}
    assert client.execute_command("HPEXPIRETIME", "h", "FIELDS", 3, "a", "b", "c") == [T, T, -1]
    for key, fields in (("small", 3), ("big", 200)):
        client.hset(key, mapping={f"f{i}": str(i) for i in range(fields)})
        client.execute_command("HPEXPIREAT", key, T + 9, "FIELDS", 2, "f1", "f0")
        run(stash, "RESTORE", key, "0", client.dump(key))
        names = [f"f{i}" for i in range(fields)]
        assert run(stash, "HPEXPIRETIME", key, "FIELDS", fields, *names) == client.execute_command(
            "HPEXPIRETIME", key, "FIELDS", fields, *names
        )
        assert dict(zip(*[iter(run(stash, "HGETALL", key))] * 2)) == client.hgetall(key)
