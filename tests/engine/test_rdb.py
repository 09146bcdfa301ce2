"""RDB payloads for DUMP/RESTORE: the CRC, every encoding Redis writes, the codec registry,
and round trips with a real redis-server (skipped when none is on PATH)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fakestash import FakeStash
from fakestash._engine import rdb
from fakestash._engine.family import Family
from fakestash._engine.registry import Registry
from fakestash._engine.replies import Status
from tests.helpers import error, run

# Payloads DUMPed by redis-server 7.0.15 (RDB version 10).
REAL = {
    "hello": b"\x00\x05hello\n\x00cr\xdfve4 \n",
    "x*100 (LZF)": b"\x00\xc3\t@d\x01xx\xe0W\x00\x01xx\n\x00]\xb7\xf6c\xbb\x08b_",
    "list quicklist2": (
        b"\x12\x01\x02%%\x00\x00\x00\x06\x00\x81a\x02\x0c\x01\xdf\xfb\x02\xf2p\x11\x01\x04\xf4"
        b"\x00\xf2\x05*\x01\x00\x00\x00\t\x85hello\x06\xff\n\x00\xdb\xc5\xe5\xfb\xd8\x0el\x15"
    ),
    "set intset": (
        b"\x0b\x14\x04\x00\x00\x00\x03\x00\x00\x00\xfd\xff\xff\xff\x01\x00\x00\x00\xa0\x86\x01"
        b"\x00\n\x00\x8b\rFsU=\xb5\x06"
    ),
    "zset listpack": (
        b"\x11\x1a\x1a\x00\x00\x00\x06\x00\x81c\x02\xdf\xfd\x02\x81a\x02\x831.5\x04\x81b\x02"
        b"\x02\x01\xff\n\x00\x88\xc4\xc00\xf0\xae\x82v"
    ),
    "hash listpack": (
        b"\x10\x12\x12\x00\x00\x00\x04\x00\x81f\x02\x81v\x02\x81n\x02{\x01\xff\n\x00\xc8\x18"
        b"\xce\xf8\x84|\xec?"
    ),
    "set hashtable": b"\x02\x02\x01b\x01a\n\x00u\xd9\x9d\x83^\xf8_e",
}


def decode(payload: bytes) -> Any:
    """Decode a payload's object with the Reader helper that fits its type."""
    assert rdb.verify(payload)
    rdb_type, reader = payload[0], rdb.Reader(payload, 1)
    if rdb_type == rdb.RDB_TYPE_STRING:
        return reader.string()
    for kind, helper in (("list", reader.list_items), ("set", reader.set_members),
                         ("zset", reader.zset_items), ("hash", reader.hash_items)):  # fmt: skip
        if rdb_type in rdb.DEFAULT_RDB_TYPES[kind]:
            return helper(rdb_type)
    raise AssertionError(rdb_type)


# ---- format ---------------------------------------------------------------------------------


def test_crc64_is_redis_jones_crc() -> None:
    assert rdb.crc64(b"123456789") == 0xE9C6D914C4B8D9CA
    assert rdb.crc64(b"") == 0


def test_string_dump_matches_redis_byte_for_byte() -> None:
    assert rdb.dump(b"hello") == REAL["hello"]


@pytest.mark.parametrize(
    "value, encoded",
    [
        (b"12", b"\xc0\x0c"),
        (b"-128", b"\xc0\x80"),
        (b"300", b"\xc1\x2c\x01"),
        (b"70000", b"\xc2\x70\x11\x01\x00"),
        (b"12345678901", b"\x0b12345678901"),  # beyond int32: raw
        (b"007", b"\x03007"),  # not canonical: raw
        (b"", b"\x00"),
    ],
)
def test_strings_are_integer_encoded_like_redis(value: bytes, encoded: bytes) -> None:
    assert rdb.encode_string(value) == encoded
    assert rdb.Reader(encoded).string() == value


@pytest.mark.parametrize("n", [0, 63, 64, 16383, 16384, 2**32 - 1, 2**32])
def test_lengths_round_trip(n: int) -> None:
    assert rdb.Reader(rdb.encode_length(n)).length() == n


def test_payload_footer_is_version_then_crc() -> None:
    payload = rdb.dump(b"v")
    assert payload[-10:-8] == rdb.RDB_VERSION.to_bytes(2, "little") == b"\x0a\x00"
    assert payload[-8:] == rdb.crc64(payload[:-8]).to_bytes(8, "little")


def test_verify_refuses_bad_crc_short_payloads_and_newer_versions() -> None:
    good = REAL["hello"]
    assert rdb.verify(good)
    assert not rdb.verify(good[:-1] + b"\x00")
    assert not rdb.verify(b"\x00" * 9)
    assert rdb.verify(rdb.make_payload(0, b"\x01x", version=12))
    assert not rdb.verify(rdb.make_payload(0, b"\x01x", version=13))


# ---- reading what Redis writes ------------------------------------------------------------------


def test_reads_redis_compact_encodings() -> None:
    assert decode(REAL["x*100 (LZF)"]) == b"x" * 100
    assert decode(REAL["list quicklist2"]) == [
        b"a",
        b"12",
        b"-5",
        b"70000",
        b"5000000000",
        b"hello",
    ]
    assert sorted(decode(REAL["set intset"])) == [b"-3", b"1", b"100000"]
    assert decode(REAL["zset listpack"]) == [(b"c", -3.0), (b"a", 1.5), (b"b", 2.0)]
    assert decode(REAL["hash listpack"]) == [(b"f", b"v"), (b"n", b"123")]
    assert sorted(decode(REAL["set hashtable"])) == [b"a", b"b"]


def _ziplist(entries: list[bytes]) -> bytes:
    """A minimal ziplist of short strings (as Redis < 7 wrote them)."""
    body, prev = b"", 0
    for entry in entries:
        node = bytes((prev,)) + bytes((len(entry),)) + entry
        body += node
        prev = len(node)
    total = 10 + len(body) + 1
    return (
        total.to_bytes(4, "little")
        + (0).to_bytes(4, "little")
        + len(entries).to_bytes(2, "little")
        + body
        + b"\xff"
    )


def test_reads_ziplist_and_quicklist_v1() -> None:
    blob = _ziplist([b"a", b"bc"])
    zl = rdb.make_payload(rdb.RDB_TYPE_LIST_ZIPLIST, rdb.encode_string(blob))
    assert decode(zl) == [b"a", b"bc"]
    quick = rdb.encode_length(2) + rdb.encode_string(blob) + rdb.encode_string(_ziplist([b"d"]))
    assert decode(rdb.make_payload(rdb.RDB_TYPE_LIST_QUICKLIST, quick)) == [b"a", b"bc", b"d"]
    hz = rdb.make_payload(rdb.RDB_TYPE_HASH_ZIPLIST, rdb.encode_string(blob))
    assert decode(hz) == [(b"a", b"bc")]


def test_reads_ziplist_integer_entries() -> None:
    entries = b"\x00\xfe\x05" + b"\x03\xc0\x2c\x01" + b"\x04\xf3"  # int8 5, int16 300, imm 2
    blob = (
        (10 + len(entries) + 1).to_bytes(4, "little")
        + b"\x00" * 4
        + b"\x03\x00"
        + entries
        + b"\xff"
    )
    assert rdb.parse_ziplist(blob) == [5, 300, 2]


def test_reads_zipmap_hashes() -> None:
    blob = b"\x02\x01f\x01\x00v\x02ab\x02\x01xyZ\xff"  # f=v, ab=xy (with 1 free byte)
    payload = rdb.make_payload(rdb.RDB_TYPE_HASH_ZIPMAP, rdb.encode_string(blob))
    assert decode(payload) == [(b"f", b"v"), (b"ab", b"xy")]


def test_reads_old_zset_with_text_scores() -> None:
    body = rdb.encode_length(2) + b"\x01a\x031.5" + b"\x01b\xfe"
    assert decode(rdb.make_payload(rdb.RDB_TYPE_ZSET, body)) == [(b"a", 1.5), (b"b", float("inf"))]


@pytest.mark.parametrize(
    "rdb_type, body",
    [
        (rdb.RDB_TYPE_SET, b"\x02\x01a\x01a"),  # duplicate members
        (rdb.RDB_TYPE_LIST_QUICKLIST_2, b"\x01\x07\x01a"),  # unknown container
        (rdb.RDB_TYPE_HASH_LISTPACK, b"\x03abc"),  # not a listpack
        (rdb.RDB_TYPE_SET_INTSET, b"\x08\x03\x00\x00\x00\x01\x00\x00\x00"),  # bad width
    ],
)
def test_malformed_collections_raise(rdb_type: int, body: bytes) -> None:
    with pytest.raises(rdb.RdbError):
        decode(rdb.make_payload(rdb_type, body))


def test_lzf_rejects_bad_back_references() -> None:
    with pytest.raises(rdb.RdbError):
        rdb.lzf_decompress(b"\x20\x05", 3)


# ---- through the engine -------------------------------------------------------------------------


def test_restore_reads_redis_string_payloads(stash: FakeStash) -> None:
    assert run(stash, "RESTORE", "a", "0", REAL["x*100 (LZF)"]) == Status("OK")
    assert run(stash, "GET", "a") == b"x" * 100


def test_restore_object_may_run_into_the_footer(stash: FakeStash) -> None:
    # Redis reads from the whole payload, so a length reaching into the footer still loads.
    payload = rdb.make_payload(rdb.RDB_TYPE_STRING, b"\x09hi")
    assert run(stash, "RESTORE", "k", "0", payload) == Status("OK")
    reply = run(stash, "GET", "k")
    assert isinstance(reply, bytes) and reply.startswith(b"hi\n\x00") and len(reply) == 9


@pytest.mark.parametrize(
    "body",
    [b"\x07\x05hello", b"\x00\x3fhi", b"\xc9\x00", b"\x00\xc3\x05\x05\x01xx"],
)
def test_restore_bad_data_format(stash: FakeStash, body: bytes) -> None:
    assert error(stash, "RESTORE", "k", "0", rdb.make_payload(body[0], body[1:])) == (
        "ERR Bad data format"
    )


class Thing:
    """A throwaway value type for the registry tests."""

    type_name = "fakestash-test-thing"

    def __init__(self, items: list[bytes]) -> None:
        self.items = items

    def __len__(self) -> int:
        return len(self.items)

    def copy(self) -> Thing:
        return Thing(list(self.items))


class CodecThing(Thing):
    """The same, with an RDB form (object type 250, a list's body)."""

    rdb_types = (250,)

    def rdb_encode(self) -> tuple[int, bytes]:
        return 250, rdb.encode_list(self.items)[1]

    @classmethod
    def rdb_decode(cls, rdb_type: int, reader: rdb.Reader) -> CodecThing:
        return cls(reader.list_items(rdb.RDB_TYPE_LIST))


@pytest.fixture
def thing_stash() -> FakeStash:
    """A server whose registry has a family storing ``CodecThing`` values."""
    things = Family("things", group="things", values=[CodecThing])
    return FakeStash(seed=0, registry=Registry.default().with_family(things))


def test_registered_codec_dumps_and_restores(thing_stash: FakeStash) -> None:
    stash = thing_stash
    stash.database.data[b"t"] = CodecThing([b"a", b"b"])
    payload = run(stash, "DUMP", "t")
    assert isinstance(payload, bytes) and payload[0] == 250
    assert run(stash, "RESTORE", "u", "0", payload) == Status("OK")
    restored = stash.database.data[b"u"]
    assert isinstance(restored, Thing) and restored.items == [b"a", b"b"]
    assert run(stash, "TYPE", "u") == Status("fakestash-test-thing")


def test_restoring_an_empty_collection_is_bad_data(thing_stash: FakeStash) -> None:
    stash = thing_stash
    payload = rdb.make_payload(250, rdb.encode_length(0))
    assert error(stash, "RESTORE", "k", "0", payload) == "ERR Bad data format"


def test_unregistered_types_do_not_restore(stash: FakeStash) -> None:
    assert (
        error(stash, "RESTORE", "k", "0", rdb.make_payload(249, b"\x00")) == "ERR Bad data format"
    )
    stash.database.data[b"t"] = Thing([b"a"])
    assert error(stash, "DUMP", "t") == (
        "ERR DUMP of a 'fakestash-test-thing' value is not supported by fakestash"
    )


# ---- properties -----------------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=70))
def test_any_string_round_trips(value: bytes) -> None:
    assert rdb.load(rdb.dump(value)) == value


@settings(max_examples=50, deadline=None)
@given(st.lists(st.binary(max_size=20), min_size=1, max_size=20))
def test_encoded_lists_and_hashes_read_back(items: list[bytes]) -> None:
    assert decode(rdb.make_payload(*rdb.encode_list(items))) == items
    pairs = list(dict(zip(items, reversed(items))).items())
    assert decode(rdb.make_payload(*rdb.encode_hash(pairs))) == pairs


# ---- a real redis-server ------------------------------------------------------------------------------


@pytest.mark.real_redis
def test_real_redis_restores_our_payloads(real_redis: Any) -> None:
    real_redis.flushall()
    for i, value in enumerate([b"hello", b"123", b"-70000", b"x" * 200, b"\x00\xff"]):
        real_redis.restore(f"s{i}", 0, rdb.dump(value))
        assert real_redis.get(f"s{i}") == value
    real_redis.restore("l", 0, rdb.make_payload(*rdb.encode_list([b"a", b"1", b"b" * 100])))
    assert real_redis.lrange("l", 0, -1) == [b"a", b"1", b"b" * 100]
    real_redis.restore("s", 0, rdb.make_payload(*rdb.encode_set([b"a", b"7"])))
    assert real_redis.smembers("s") == {b"a", b"7"}
    real_redis.restore("z", 0, rdb.make_payload(*rdb.encode_zset([(b"a", 1.5), (b"b", -2.0)])))
    assert real_redis.zrange("z", 0, -1, withscores=True) == [(b"b", -2.0), (b"a", 1.5)]
    real_redis.restore("h", 0, rdb.make_payload(*rdb.encode_hash([(b"f", b"v"), (b"n", b"12")])))
    assert real_redis.hgetall("h") == {b"f": b"v", b"n": b"12"}


@pytest.mark.real_redis
def test_we_restore_real_redis_payloads(real_redis: Any) -> None:
    real_redis.flushall()
    real_redis.set("s", "y" * 300)
    real_redis.set("n", "-12345")
    real_redis.rpush("l", *[str(i) for i in range(150)], "z" * 70, "w" * 20000)
    real_redis.sadd("si", 1, -2, 10**10)
    real_redis.sadd("sl", *[f"m{i}" for i in range(200)])
    real_redis.zadd("z", {"a": 1.5, "b": float("inf"), "c": -3})
    real_redis.zadd("zb", {f"m{i}": i / 2 for i in range(200)})
    real_redis.hset("h", mapping={"f": "v", "n": "123"})
    real_redis.hset("hb", mapping={f"f{i}": f"v{i}" for i in range(600)})
    stash = FakeStash()
    for key in (b"s", b"n"):
        assert run(stash, "RESTORE", key, "0", real_redis.dump(key)) == Status("OK")
        assert run(stash, "GET", key) == real_redis.get(key)
    assert decode(real_redis.dump("l")) == real_redis.lrange("l", 0, -1)
    assert sorted(decode(real_redis.dump("si"))) == sorted(real_redis.smembers("si"))
    assert sorted(decode(real_redis.dump("sl"))) == sorted(real_redis.smembers("sl"))
    assert sorted(decode(real_redis.dump("z"))) == sorted(
        real_redis.zrange("z", 0, -1, withscores=True)
    )
    assert sorted(decode(real_redis.dump("zb"))) == sorted(
        real_redis.zrange("zb", 0, -1, withscores=True)
    )
    assert dict(decode(real_redis.dump("h"))) == real_redis.hgetall("h")
    assert dict(decode(real_redis.dump("hb"))) == real_redis.hgetall("hb")


@pytest.mark.real_redis
def test_our_string_dumps_equal_real_redis_dumps(real_redis: Any) -> None:
    real_redis.flushall()
    for value in (
        b"hello",
        b"0",
        b"-1",
        b"127",
        b"128",
        b"32767",
        b"2147483647",
        b"2147483648",
        b"12345678901",
    ):
        real_redis.set("k", value)
        assert rdb.dump(value) == real_redis.dump("k")
