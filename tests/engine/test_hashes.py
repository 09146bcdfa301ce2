"""Hash commands: replies, errors and order as Redis gives them, and field expiration."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fakestash import FakeStash, ManualClock
from fakestash._engine.args import is_int
from fakestash._engine.values.list import ListValue
from tests.helpers import error, run

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
NOW_MS = 1_700_000_000_000


def make_list(stash: FakeStash, key: str = "l") -> None:
    stash.database.put(key.encode(), ListValue([b"x"]))


def flat(*pairs: str) -> list[bytes]:
    return [p.encode() for p in pairs]


# ---- HSET / HGET / HMSET / HSETNX ---------------------------------------------------------


def test_hset_counts_only_new_fields_and_keeps_insertion_order(stash: FakeStash) -> None:
    assert run(stash, "HSET", "h", "a", "1", "b", "2", "a", "3") == 2
    assert run(stash, "HSET", "h", "b", "9", "c", "4") == 1
    assert run(stash, "HGETALL", "h") == flat("a", "3", "b", "9", "c", "4")


def test_hset_with_odd_pairs_is_an_arity_error(stash: FakeStash) -> None:
    assert error(stash, "HSET", "h", "f") == "ERR wrong number of arguments for 'hset' command"
    assert error(stash, "HSET", "h", "f", "v", "g") == (
        "ERR wrong number of arguments for 'hset' command"
    )
    assert error(stash, "HMSET", "h", "f", "v", "g") == (
        "ERR wrong number of arguments for 'hmset' command"
    )


def test_hmset_replies_ok(stash: FakeStash) -> None:
    assert str(run(stash, "HMSET", "h", "a", "1", "b", "2")) == "OK"
    assert run(stash, "HMGET", "h", "a", "nope", "b") == [b"1", None, b"2"]


def test_hsetnx_sets_only_missing_fields(stash: FakeStash) -> None:
    assert run(stash, "HSETNX", "h", "a", "1") == 1
    assert run(stash, "HSETNX", "h", "a", "2") == 0
    assert run(stash, "HGET", "h", "a") == b"1"


def test_reads_of_a_missing_key(stash: FakeStash) -> None:
    assert run(stash, "HGET", "nokey", "a") is None
    assert run(stash, "HMGET", "nokey", "a", "b") == [None, None]
    assert run(stash, "HGETALL", "nokey") == []
    assert run(stash, "HKEYS", "nokey") == []
    assert run(stash, "HVALS", "nokey") == []
    assert run(stash, "HLEN", "nokey") == 0
    assert run(stash, "HSTRLEN", "nokey", "a") == 0
    assert run(stash, "HEXISTS", "nokey", "a") == 0
    assert run(stash, "HDEL", "nokey", "a") == 0


@pytest.mark.parametrize(
    "args",
    [
        ("HSET", "l", "f", "v"),
        ("HSETNX", "l", "f", "v"),
        ("HMSET", "l", "f", "v"),
        ("HGET", "l", "f"),
        ("HMGET", "l", "f"),
        ("HGETALL", "l"),
        ("HKEYS", "l"),
        ("HVALS", "l"),
        ("HDEL", "l", "f"),
        ("HLEN", "l"),
        ("HSTRLEN", "l", "f"),
        ("HEXISTS", "l", "f"),
        ("HINCRBY", "l", "f", "1"),
        ("HINCRBYFLOAT", "l", "f", "1"),
        ("HRANDFIELD", "l"),
        ("HRANDFIELD", "l", "2"),
        ("HSCAN", "l", "0"),
        ("HEXPIRE", "l", "10", "FIELDS", "1", "f"),
        ("HTTL", "l", "FIELDS", "1", "f"),
        ("HPERSIST", "l", "FIELDS", "1", "f"),
        ("HGETDEL", "l", "FIELDS", "1", "f"),
        ("HGETEX", "l", "FIELDS", "1", "f"),
        ("HSETEX", "l", "FIELDS", "1", "f", "v"),
    ],
)
def test_hash_commands_refuse_other_types(stash: FakeStash, args: tuple[str, ...]) -> None:
    make_list(stash)
    assert error(stash, *args) == WRONGTYPE


def test_hdel_removes_the_key_with_its_last_field(stash: FakeStash) -> None:
    run(stash, "HSET", "h", "a", "1", "b", "2")
    assert run(stash, "HDEL", "h", "a", "nope", "a") == 1
    assert run(stash, "HDEL", "h", "b", "c") == 1
    assert stash.database.data == {}


def test_readded_field_goes_to_the_end(stash: FakeStash) -> None:
    run(stash, "HSET", "h", "a", "1", "b", "2", "c", "3")
    run(stash, "HDEL", "h", "a")
    run(stash, "HSET", "h", "a", "4", "b", "5")
    assert run(stash, "HKEYS", "h") == flat("b", "c", "a")
    assert run(stash, "HVALS", "h") == flat("5", "3", "4")


def test_hstrlen_hexists_hlen(stash: FakeStash) -> None:
    run(stash, "HSET", "h", "a", "hello", "e", "")
    assert run(stash, "HSTRLEN", "h", "a") == 5
    assert run(stash, "HSTRLEN", "h", "e") == 0
    assert run(stash, "HSTRLEN", "h", "nope") == 0
    assert run(stash, "HEXISTS", "h", "e") == 1
    assert run(stash, "HEXISTS", "h", "nope") == 0
    assert run(stash, "HLEN", "h") == 2


def test_binary_fields_and_values_round_trip(stash: FakeStash) -> None:
    run(stash, "HSET", "h", b"\x00\xff", b"\xfe\x00")
    assert run(stash, "HGETALL", "h") == [b"\x00\xff", b"\xfe\x00"]


# ---- HINCRBY / HINCRBYFLOAT --------------------------------------------------------------


def test_hincrby_creates_and_adds(stash: FakeStash) -> None:
    assert run(stash, "HINCRBY", "h", "n", "5") == 5
    assert run(stash, "HINCRBY", "h", "n", "-7") == -2
    assert run(stash, "HGET", "h", "n") == b"-2"


@pytest.mark.parametrize(
    ("stored", "increment", "text"),
    [
        (None, "x", "ERR value is not an integer or out of range"),
        (None, "1.5", "ERR value is not an integer or out of range"),
        ("abc", "1", "ERR hash value is not an integer"),
        (" 1", "1", "ERR hash value is not an integer"),
        ("+5", "1", "ERR hash value is not an integer"),
        ("-0", "1", "ERR hash value is not an integer"),
        ("12345678901234567890", "1", "ERR hash value is not an integer"),
        ("9223372036854775807", "1", "ERR increment or decrement would overflow"),
        ("-9223372036854775808", "-1", "ERR increment or decrement would overflow"),
    ],
)
def test_hincrby_errors(stash: FakeStash, stored: str | None, increment: str, text: str) -> None:
    if stored is not None:
        run(stash, "HSET", "h", "f", stored)
    assert error(stash, "HINCRBY", "h", "f", increment) == text
    if stored is None:
        assert stash.database.data == {}


@pytest.mark.parametrize(
    ("stored", "increment", "reply"),
    [
        ("0.1", "0.2", b"0.3"),  # long double arithmetic, as Redis
        ("10.5", "0.1", b"10.6"),
        ("5.0e3", "0", b"5000"),
        ("0", "1.5e20", b"150000000000000000000"),
        ("0", "-1e-20", b"0"),
        ("+5", "1", b"6"),
        ("0x10", "1", b"17"),
        ("0", ".5", b"0.5"),
        ("0", "1e-5", b"0.00001"),
        ("3", "-3", b"0"),
    ],
)
def test_hincrbyfloat_formats_like_redis(
    stash: FakeStash, stored: str, increment: str, reply: bytes
) -> None:
    run(stash, "HSET", "h", "f", stored)
    assert run(stash, "HINCRBYFLOAT", "h", "f", increment) == reply
    assert run(stash, "HGET", "h", "f") == reply


def test_hincrbyfloat_prints_huge_values_in_full(stash: FakeStash) -> None:
    run(stash, "HINCRBYFLOAT", "h", "z", "1e308")
    reply = run(stash, "HINCRBYFLOAT", "h", "z", "1e308")
    assert isinstance(reply, bytes) and len(reply) == 309
    assert reply.startswith(b"19999999999999999999337")


@pytest.mark.parametrize(
    ("stored", "increment", "text"),
    [
        (None, "nan", "ERR value is not a valid float"),
        (None, "abc", "ERR value is not a valid float"),
        (None, " 1", "ERR value is not a valid float"),
        (None, "inf", "ERR value is NaN or Infinity"),
        (None, "-infinity", "ERR value is NaN or Infinity"),
        ("abc", "1", "ERR hash value is not a float"),
        (" 1", "1", "ERR hash value is not a float"),
        ("inf", "1", "ERR increment would produce NaN or Infinity"),
    ],
)
def test_hincrbyfloat_errors(
    stash: FakeStash, stored: str | None, increment: str, text: str
) -> None:
    if stored is not None:
        run(stash, "HSET", "h", "f", stored)
    assert error(stash, "HINCRBYFLOAT", "h", "f", increment) == text


# ---- HRANDFIELD --------------------------------------------------------------------------


def test_hrandfield_on_missing_key(stash: FakeStash) -> None:
    assert run(stash, "HRANDFIELD", "nokey") is None
    assert run(stash, "HRANDFIELD", "nokey", "5") == []
    assert run(stash, "HRANDFIELD", "nokey", "-5", "WITHVALUES") == []


def test_hrandfield_count_zero_and_whole_hash(stash: FakeStash) -> None:
    run(stash, "HSET", "h", "a", "1", "b", "2", "c", "3")
    assert run(stash, "HRANDFIELD", "h", "0") == []
    assert run(stash, "HRANDFIELD", "h", "3") == flat("a", "b", "c")
    assert run(stash, "HRANDFIELD", "h", "10", "withvalues") == flat("a", "1", "b", "2", "c", "3")


def test_hrandfield_positive_count_is_distinct_and_in_hash_order(stash: FakeStash) -> None:
    fields = [f"f{i}" for i in range(20)]
    for f in fields:
        run(stash, "HSET", "h", f, f.upper())
    for _ in range(20):
        reply = run(stash, "HRANDFIELD", "h", "5")
        assert isinstance(reply, list) and len(reply) == 5
        names = [r.decode() for r in reply if isinstance(r, bytes)]
        assert len(set(names)) == 5
        assert names == sorted(names, key=fields.index)


def test_hrandfield_negative_count_may_repeat(stash: FakeStash) -> None:
    run(stash, "HSET", "h", "a", "1", "b", "2")
    reply = run(stash, "HRANDFIELD", "h", "-50", "WITHVALUES")
    assert isinstance(reply, list) and len(reply) == 100
    pairs = list(zip(reply[::2], reply[1::2]))
    assert set(pairs) == {(b"a", b"1"), (b"b", b"2")}


def test_hrandfield_is_deterministic_for_a_seed(clock: ManualClock) -> None:
    def replies() -> list[Any]:
        stash = FakeStash(seed=7, clock=clock)
        run(stash, "HSET", "h", *[str(i) for i in range(40)])
        return [run(stash, "HRANDFIELD", "h", n) for n in ("3", "-6", "1")]

    assert replies() == replies()


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (("x",), "ERR value is not an integer or out of range"),
        (("1", "withvalue"), "ERR syntax error"),
        (("1", "withvalues", "x"), "ERR syntax error"),
        (
            ("-9223372036854775808",),
            "ERR value is out of range, value must between "
            "-9223372036854775807 and 9223372036854775807",
        ),
        (("4611686018427387904", "WITHVALUES"), "ERR value is out of range"),
        (("-4611686018427387904", "WITHVALUES"), "ERR value is out of range"),
    ],
)
def test_hrandfield_errors(stash: FakeStash, args: tuple[str, ...], text: str) -> None:
    run(stash, "HSET", "h", "a", "1")
    assert error(stash, "HRANDFIELD", "h", *args) == text
    assert error(stash, "HRANDFIELD", "nokey", *args) == text


# ---- HSCAN -------------------------------------------------------------------------------


def test_hscan_answers_a_hash_that_fits_one_page_whole_in_its_order(stash: FakeStash) -> None:
    run(stash, "HSET", "h", "a", "1", "b", "2", "ab", "3")
    assert run(stash, "HSCAN", "h", "0") == [b"0", flat("a", "1", "b", "2", "ab", "3")]
    assert run(stash, "HSCAN", "h", "0", "MATCH", "a*") == [b"0", flat("a", "1", "ab", "3")]
    assert run(stash, "HSCAN", "h", "0", "NOVALUES") == [b"0", flat("a", "b", "ab")]


def test_hscan_count_is_an_exact_page_size_as_on_upstash(stash: FakeStash) -> None:
    run(stash, "HSET", "h", "a", "1", "b", "2", "ab", "3")
    first = run(stash, "HSCAN", "h", "0", "COUNT", "1")
    assert isinstance(first, list) and first[0] != b"0" and len(first[1]) == 2
    second = run(stash, "HSCAN", "h", first[0], "COUNT", "2")
    assert isinstance(second, list) and second[0] == b"0" and len(second[1]) == 4
    assert sorted(first[1][::2] + second[1][::2]) == [b"a", b"ab", b"b"]


def test_hscan_pages_a_big_hash_and_visits_each_field_once(stash: FakeStash) -> None:
    fields = {f"field:{i}".encode() for i in range(300)}
    for f in fields:
        run(stash, "HSET", "h", f, b"v")
    seen: list[bytes] = []
    cursor = b"0"
    for _ in range(1000):
        reply = run(stash, "HSCAN", "h", cursor, "COUNT", "25", "NOVALUES")
        assert isinstance(reply, list)
        cursor, page = reply[0], reply[1]
        assert isinstance(cursor, bytes) and isinstance(page, list)
        seen.extend(p for p in page if isinstance(p, bytes))
        if cursor == b"0":
            break
    assert sorted(seen) == sorted(fields)


def test_hscan_of_missing_key_skips_option_checks(stash: FakeStash) -> None:
    assert run(stash, "HSCAN", "nokey", "0", "COUNT", "0") == [b"0", []]


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (("x",), "ERR invalid cursor"),
        (("18446744073709551616",), "ERR invalid cursor"),
        (("0", "COUNT", "0"), "ERR syntax error"),
        (("0", "COUNT", "x"), "ERR value is not an integer or out of range"),
        (("0", "MATCH"), "ERR syntax error"),
        (("0", "TYPE", "string"), "ERR syntax error"),
    ],
)
def test_hscan_errors(stash: FakeStash, args: tuple[str, ...], text: str) -> None:
    run(stash, "HSET", "h", "a", "1")
    assert error(stash, "HSCAN", "h", *args) == text


def test_hscan_accepts_strtoul_cursors(stash: FakeStash) -> None:
    run(stash, "HSET", "h", "a", "1")
    for cursor in ("-1", "+5", "", "00"):
        assert run(stash, "HSCAN", "h", cursor) == [b"0", flat("a", "1")]


# ---- field expiration --------------------------------------------------------------------


def test_hexpire_sets_ttls_and_reports_per_field(stash: FakeStash) -> None:
    run(stash, "HSET", "h", "a", "1", "b", "2")
    assert run(stash, "HEXPIRE", "h", "10", "FIELDS", "3", "a", "b", "nope") == [1, 1, -2]
    assert run(stash, "HTTL", "h", "FIELDS", "3", "a", "b", "nope") == [10, 10, -2]
    assert run(stash, "HPTTL", "h", "FIELDS", "1", "a") == [10_000]
    assert run(stash, "HEXPIRETIME", "h", "FIELDS", "1", "a") == [NOW_MS // 1000 + 10]
    assert run(stash, "HPEXPIRETIME", "h", "FIELDS", "1", "a") == [NOW_MS + 10_000]


def test_hexpiretime_never_rounds_up_as_upstash(stash: FakeStash, clock: ManualClock) -> None:
    clock.advance(ms=700)  # t = NOW + 0.7 s
    run(stash, "HSET", "h", "a", "1")
    run(stash, "HEXPIRE", "h", "5", "FIELDS", "1", "a")
    assert run(stash, "HEXPIRETIME", "h", "FIELDS", "1", "a") == [NOW_MS // 1000 + 5]
    assert run(stash, "HPEXPIRETIME", "h", "FIELDS", "1", "a") == [NOW_MS + 5_700]
    assert run(stash, "HTTL", "h", "FIELDS", "1", "a") == [5]
    clock.advance(ms=100)
    assert run(stash, "HTTL", "h", "FIELDS", "1", "a") == [5]  # 4.9 s left: rounded up


def test_expired_fields_vanish_and_take_the_key_with_them(
    stash: FakeStash, clock: ManualClock
) -> None:
    run(stash, "HSET", "h", "a", "1", "b", "2")
    run(stash, "HPEXPIRE", "h", "100", "FIELDS", "1", "a")
    clock.advance(ms=100)
    assert run(stash, "HGET", "h", "a") == b"1"  # expired only once now > when
    clock.advance(ms=1)
    assert run(stash, "HGET", "h", "a") is None
    assert run(stash, "HLEN", "h") == 1
    assert run(stash, "HGETALL", "h") == flat("b", "2")
    run(stash, "HPEXPIRE", "h", "50", "FIELDS", "1", "b")
    clock.advance(ms=51)
    db = stash.database
    db.now_ms = clock.time_ms()
    assert db.size() == 0 and list(db.keys()) == [] and db.lookup(b"h") is None


def test_every_hash_read_hides_expired_fields(stash: FakeStash, clock: ManualClock) -> None:
    run(stash, "HSET", "h", "gone", "1", "kept", "2")
    run(stash, "HEXPIRE", "h", "1", "FIELDS", "1", "gone")
    clock.advance(seconds=2)
    assert run(stash, "HMGET", "h", "gone", "kept") == [None, b"2"]
    assert run(stash, "HEXISTS", "h", "gone") == 0
    assert run(stash, "HSTRLEN", "h", "gone") == 0
    assert run(stash, "HKEYS", "h") == [b"kept"]
    assert run(stash, "HVALS", "h") == [b"2"]
    assert run(stash, "HRANDFIELD", "h", "5") == [b"kept"]
    assert run(stash, "HSCAN", "h", "0") == [b"0", flat("kept", "2")]
    assert run(stash, "HTTL", "h", "FIELDS", "1", "gone") == [-2]
    assert run(stash, "HSETNX", "h", "gone", "new") == 1
    assert run(stash, "HGET", "h", "gone") == b"new"


def test_hexpire_zero_or_past_deletes_fields(stash: FakeStash) -> None:
    run(stash, "HSET", "h", "a", "1", "b", "2")
    assert run(stash, "HEXPIRE", "h", "0", "FIELDS", "1", "a") == [2]
    assert run(stash, "HEXPIREAT", "h", "1", "FIELDS", "2", "b", "a") == [2, -2]
    assert stash.database.data == {}


def test_hexpire_conditions(stash: FakeStash) -> None:
    run(stash, "HSET", "h", "a", "1", "b", "2")
    assert run(stash, "HEXPIRE", "h", "100", "XX", "FIELDS", "1", "a") == [0]
    assert run(stash, "HEXPIRE", "h", "100", "GT", "FIELDS", "1", "a") == [0]  # no TTL = inf
    assert run(stash, "HEXPIRE", "h", "100", "LT", "FIELDS", "1", "a") == [1]
    assert run(stash, "HEXPIRE", "h", "100", "NX", "FIELDS", "2", "a", "b") == [0, 1]
    assert run(stash, "HEXPIRE", "h", "50", "gt", "FIELDS", "1", "a") == [0]
    assert run(stash, "HEXPIRE", "h", "200", "GT", "FIELDS", "1", "a") == [1]
    assert run(stash, "HEXPIRE", "h", "200", "LT", "FIELDS", "1", "a") == [0]
    assert run(stash, "HEXPIRE", "h", "150", "lt", "FIELDS", "1", "a") == [1]
    assert run(stash, "HEXPIRE", "h", "300", "XX", "FIELDS", "1", "b") == [1]
    assert run(stash, "HTTL", "h", "FIELDS", "2", "a", "b") == [150, 300]


def test_field_ttls_in_every_unit(stash: FakeStash) -> None:
    run(stash, "HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4")
    assert run(stash, "HPEXPIRE", "h", "1500", "FIELDS", "1", "a") == [1]
    assert run(stash, "HEXPIREAT", "h", str(NOW_MS // 1000 + 7), "FIELDS", "1", "b") == [1]
    assert run(stash, "HPEXPIREAT", "h", str(NOW_MS + 2500), "FIELDS", "1", "c") == [1]
    assert run(stash, "HTTL", "h", "FIELDS", "4", "a", "b", "c", "d") == [2, 7, 3, -1]
    assert run(stash, "HPTTL", "h", "FIELDS", "3", "a", "b", "c") == [1500, 7000, 2500]


def test_hexpire_on_missing_key_reports_no_field(stash: FakeStash) -> None:
    assert run(stash, "HEXPIRE", "nokey", "10", "FIELDS", "2", "a", "b") == [-2, -2]
    assert run(stash, "HTTL", "nokey", "FIELDS", "1", "a") == [-2]
    assert run(stash, "HPERSIST", "nokey", "FIELDS", "1", "a") == [-2]
    assert stash.database.data == {}


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (("x", "FIELDS", "1", "a"), "ERR value is not an integer or out of range"),
        (("-1", "FIELDS", "1", "a"), "ERR invalid expire time, must be >= 0"),
        (
            ("10", "FIELD", "1", "a"),
            "ERR Mandatory argument FIELDS is missing or not at the right position",
        ),
        (
            ("10", "NX", "XX", "FIELDS", "1", "a"),
            "ERR Mandatory argument FIELDS is missing or not at the right position",
        ),
        (("10", "FIELDS", "0", "a"), "ERR Parameter `numFields` should be greater than 0"),
        (("10", "FIELDS", "x", "a"), "ERR Parameter `numFields` should be greater than 0"),
        (
            ("10", "FIELDS", "2", "a"),
            "ERR The `numfields` parameter must match the number of arguments",
        ),
        (
            ("10", "NX", "FIELDS", "1", "a", "b"),
            "ERR The `numfields` parameter must match the number of arguments",
        ),
        (
            ("9223372036854775807", "FIELDS", "1", "a"),
            "ERR invalid expire time in 'hexpire' command",
        ),
    ],
)
def test_hexpire_errors(stash: FakeStash, args: tuple[str, ...], text: str) -> None:
    run(stash, "HSET", "h", "a", "1")
    assert error(stash, "HEXPIRE", "h", *args) == text


def test_hexpire_arity(stash: FakeStash) -> None:
    assert error(stash, "HEXPIRE", "h", "10", "FIELDS", "1") == (
        "ERR wrong number of arguments for 'hexpire' command"
    )
    assert error(stash, "HTTL", "h", "FIELDS", "1") == (
        "ERR wrong number of arguments for 'httl' command"
    )


def test_hexpireat_accepts_huge_timestamps_as_upstash_does(stash: FakeStash) -> None:
    run(stash, "HSET", "h", "a", "1")
    assert run(stash, "HEXPIREAT", "h", "1700000000000", "FIELDS", "1", "a") == [1]
    assert run(stash, "HPEXPIRETIME", "h", "FIELDS", "1", "a") == [1_700_000_000_000_000]


@pytest.mark.parametrize("command", ["HTTL", "HPTTL", "HEXPIRETIME", "HPEXPIRETIME", "HPERSIST"])
def test_field_ttl_readers_check_the_fields_block(stash: FakeStash, command: str) -> None:
    run(stash, "HSET", "h", "a", "1")
    assert error(stash, command, "h", "FIELDZ", "1", "a") == (
        "ERR Mandatory argument FIELDS is missing or not at the right position"
    )
    assert error(stash, command, "h", "FIELDS", "-1", "a") == (
        "ERR Number of fields must be a positive integer"
    )
    assert error(stash, command, "h", "FIELDS", "3", "a", "b") == (
        "ERR The `numfields` parameter must match the number of arguments"
    )


def test_hpersist_codes_and_clears_ttl(stash: FakeStash, clock: ManualClock) -> None:
    run(stash, "HSET", "h", "a", "1", "b", "2")
    run(stash, "HEXPIRE", "h", "5", "FIELDS", "1", "a")
    assert run(stash, "HPERSIST", "h", "FIELDS", "3", "a", "b", "c") == [1, -1, -2]
    clock.advance(seconds=10)
    assert run(stash, "HGET", "h", "a") == b"1"
    assert run(stash, "HTTL", "h", "FIELDS", "1", "a") == [-1]


def test_hset_drops_a_field_ttl_but_hincrby_keeps_it(stash: FakeStash) -> None:
    run(stash, "HSET", "h", "a", "1", "n", "1")
    run(stash, "HEXPIRE", "h", "100", "FIELDS", "2", "a", "n")
    run(stash, "HSET", "h", "a", "2")
    run(stash, "HINCRBY", "h", "n", "1")
    run(stash, "HINCRBYFLOAT", "h", "n", "0.5")
    assert run(stash, "HTTL", "h", "FIELDS", "2", "a", "n") == [-1, 100]


def test_key_level_ttl_and_field_ttls_are_independent(stash: FakeStash, clock: ManualClock) -> None:
    run(stash, "HSET", "h", "a", "1", "b", "2")
    stash.database.expire_at(b"h", NOW_MS + 5000)
    run(stash, "HEXPIRE", "h", "2", "FIELDS", "1", "a")
    clock.advance(seconds=3)
    assert run(stash, "HGETALL", "h") == flat("b", "2")
    clock.advance(seconds=3)
    assert run(stash, "HGETALL", "h") == []


def test_fields_with_ttls_come_first_ordered_by_expiry(stash: FakeStash) -> None:
    run(stash, "HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4")
    run(stash, "HEXPIRE", "h", "50", "FIELDS", "1", "c")
    run(stash, "HEXPIRE", "h", "10", "FIELDS", "1", "d")
    assert run(stash, "HKEYS", "h") == flat("d", "c", "a", "b")
    run(stash, "HEXPIRE", "h", "50", "FIELDS", "1", "a")  # same time: the newest goes first
    assert run(stash, "HKEYS", "h") == flat("d", "a", "c", "b")
    run(stash, "HPERSIST", "h", "FIELDS", "1", "d")  # losing its TTL moves it to the end
    assert run(stash, "HKEYS", "h") == flat("a", "c", "b", "d")


def test_copying_a_hash_keeps_field_ttls(stash: FakeStash, clock: ManualClock) -> None:
    run(stash, "HSET", "h", "a", "1", "b", "2")
    run(stash, "HEXPIRE", "h", "1", "FIELDS", "1", "a")
    db = stash.database
    db.put(b"h2", db.data[b"h"].copy())
    run(stash, "HPERSIST", "h", "FIELDS", "1", "a")
    clock.advance(seconds=2)
    assert run(stash, "HGETALL", "h2") == flat("b", "2")
    assert run(stash, "HGETALL", "h") == flat("b", "2", "a", "1")


# ---- HGETDEL / HGETEX / HSETEX -----------------------------------------------------------


def test_hgetdel_returns_and_removes(stash: FakeStash) -> None:
    run(stash, "HSET", "h", "a", "1", "b", "2")
    assert run(stash, "HGETDEL", "h", "FIELDS", "3", "a", "nope", "a") == [b"1", None, None]
    assert run(stash, "HGETALL", "h") == flat("b", "2")
    assert run(stash, "HGETDEL", "h", "FIELDS", "1", "b") == [b"2"]
    assert stash.database.data == {}
    assert run(stash, "HGETDEL", "h", "FIELDS", "2", "a", "b") == [None, None]


def test_hgetdel_errors(stash: FakeStash) -> None:
    assert error(stash, "HGETDEL", "h", "FIELD", "1", "a") == (
        "ERR Mandatory argument FIELDS is missing or not at the right position"
    )
    assert error(stash, "HGETDEL", "h", "FIELDS", "0", "a") == (
        "ERR Number of fields must be a positive integer"
    )
    assert error(stash, "HGETDEL", "h", "FIELDS", "2", "a") == (
        "ERR The `numfields` parameter must match the number of arguments"
    )


def test_hgetex_sets_ttls_on_existing_fields(stash: FakeStash) -> None:
    run(stash, "HSET", "h", "a", "1", "b", "2")
    assert run(stash, "HGETEX", "h", "EX", "20", "FIELDS", "2", "a", "nope") == [b"1", None]
    assert run(stash, "HTTL", "h", "FIELDS", "2", "a", "b") == [20, -1]
    assert run(stash, "HGETEX", "h", "PX", "1500", "FIELDS", "1", "b") == [b"2"]
    assert run(stash, "HPTTL", "h", "FIELDS", "1", "b") == [1500]
    run(stash, "HGETEX", "h", "EXAT", str(NOW_MS // 1000 + 9), "FIELDS", "1", "a")
    assert run(stash, "HTTL", "h", "FIELDS", "1", "a") == [9]
    run(stash, "HGETEX", "h", "PXAT", str(NOW_MS + 42), "FIELDS", "1", "a")
    assert run(stash, "HPTTL", "h", "FIELDS", "1", "a") == [42]
    assert run(stash, "HGETEX", "h", "PERSIST", "FIELDS", "1", "a") == [b"1"]
    assert run(stash, "HTTL", "h", "FIELDS", "1", "a") == [-1]
    assert run(stash, "HGETEX", "h", "FIELDS", "1", "a") == [b"1"]


def test_hgetex_with_past_time_deletes_after_reading(stash: FakeStash) -> None:
    run(stash, "HSET", "h", "a", "1")
    assert run(stash, "HGETEX", "h", "EX", "0", "FIELDS", "1", "a") == [b"1"]
    assert stash.database.data == {}
    assert run(stash, "HGETEX", "h", "EX", "10", "FIELDS", "1", "a") == [None]


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (("EX", "x", "FIELDS", "1", "a"), "ERR value is not an integer or out of range"),
        (("PX", "-1", "FIELDS", "1", "a"), "ERR invalid expire time, must be >= 0"),
        (
            ("KEEPTTL", "FIELDS", "1", "a"),
            "ERR Mandatory argument FIELDS is missing or not at the right position",
        ),
        (
            ("EX", "10", "10", "FIELDS", "1"),
            "ERR Mandatory argument FIELDS is missing or not at the right position",
        ),
        (("FIELDS", "0", "a"), "ERR Number of fields must be a positive integer"),
        (
            ("PERSIST", "FIELDS", "2", "a"),
            "ERR The `numfields` parameter must match the number of arguments",
        ),
        (
            ("EX", "9223372036854775807", "FIELDS", "1", "a"),
            "ERR invalid expire time in 'hgetex' command",
        ),
    ],
)
def test_hgetex_errors(stash: FakeStash, args: tuple[str, ...], text: str) -> None:
    run(stash, "HSET", "h", "a", "1")
    assert error(stash, "HGETEX", "h", *args) == text


def test_hsetex_sets_fields_with_a_ttl(stash: FakeStash) -> None:
    assert run(stash, "HSETEX", "h", "EX", "30", "FIELDS", "2", "a", "1", "b", "2") == 1
    assert run(stash, "HGETALL", "h") == flat("b", "2", "a", "1")
    assert run(stash, "HTTL", "h", "FIELDS", "2", "a", "b") == [30, 30]


def test_hsetex_keepttl_and_plain_overwrite(stash: FakeStash) -> None:
    run(stash, "HSETEX", "h", "PX", "5000", "FIELDS", "2", "a", "1", "b", "2")
    assert run(stash, "HSETEX", "h", "KEEPTTL", "FIELDS", "1", "a", "9") == 1
    assert run(stash, "HSETEX", "h", "FIELDS", "1", "b", "8") == 1
    assert run(stash, "HPTTL", "h", "FIELDS", "2", "a", "b") == [5000, -1]
    assert run(stash, "HMGET", "h", "a", "b") == [b"9", b"8"]


def test_hsetex_fnx_and_fxx_are_all_or_nothing(stash: FakeStash) -> None:
    assert run(stash, "HSETEX", "h", "FXX", "FIELDS", "1", "a", "1") == 0
    assert stash.database.data == {}
    assert run(stash, "HSETEX", "h", "FNX", "FIELDS", "1", "a", "1") == 1
    assert run(stash, "HSETEX", "h", "FNX", "FIELDS", "2", "b", "2", "a", "3") == 0
    assert (
        run(
            stash,
            "HSETEX",
            "h",
            "FXX",
            "EXAT",
            str(NOW_MS // 1000 + 3),
            "FIELDS",
            "2",
            "a",
            "4",
            "b",
            "5",
        )
        == 0
    )
    assert (
        run(stash, "HSETEX", "h", "FXX", "EXAT", str(NOW_MS // 1000 + 3), "FIELDS", "1", "a", "4")
        == 1
    )
    assert run(stash, "HGETALL", "h") == flat("a", "4")
    assert run(stash, "HTTL", "h", "FIELDS", "1", "a") == [3]


def test_hsetex_in_the_past_deletes_what_it_sets(stash: FakeStash) -> None:
    assert run(stash, "HSETEX", "h", "PXAT", "1", "FIELDS", "1", "a", "1") == 1
    assert stash.database.data == {}


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (
            ("EX", "1", "PX", "1", "FIELDS", "1", "a", "1"),
            "ERR Only one of EX, PX, EXAT, PXAT or KEEPTTL arguments can be specified",
        ),
        (
            ("KEEPTTL", "EX", "1", "FIELDS", "1", "a", "1"),
            "ERR Only one of EX, PX, EXAT, PXAT or KEEPTTL arguments can be specified",
        ),
        (
            ("FNX", "FXX", "FIELDS", "1", "a", "1"),
            "ERR Only one of FXX or FNX arguments can be specified",
        ),
        (("BOGUS", "FIELDS", "1", "a", "1"), "ERR unknown argument: BOGUS"),
        (("FIELDS", "0", "a", "1"), "ERR invalid number of fields"),
        (("FIELDS", "x", "a", "1"), "ERR invalid number of fields"),
        (("FIELDS", "2", "a", "1"), "ERR wrong number of arguments for 'hsetex' command"),
        (("FIELDS", "1", "a", "1", "b"), "ERR wrong number of arguments for 'hsetex' command"),
        (("EX", "-1", "FIELDS", "1", "a", "1"), "ERR invalid expire time, must be >= 0"),
        (("EX", "x", "FIELDS", "1", "a", "1"), "ERR value is not an integer or out of range"),
        (("FNX", "FIELDS", "1", "a"), "ERR wrong number of arguments for 'hsetex' command"),
    ],
)
def test_hsetex_errors(stash: FakeStash, args: tuple[str, ...], text: str) -> None:
    assert error(stash, "HSETEX", "h", *args) == text


def test_hsetex_reports_the_first_bad_option(stash: FakeStash) -> None:
    assert error(stash, "HSETEX", "h", "FNX", "KEEPTTL", "EX", "1") == (
        "ERR Only one of EX, PX, EXAT, PXAT or KEEPTTL arguments can be specified"
    )
    assert error(stash, "HSETEX", "h", "FNX", "FNX", "x", "EX") == (
        "ERR Only one of FXX or FNX arguments can be specified"
    )
    assert error(stash, "HSETEX", "h", "FNX", "x", "y", "EX") == "ERR unknown argument: x"


# ---- the model test ----------------------------------------------------------------------

FIELDS = st.sampled_from([b"a", b"b", b"c", b"d", b"e"])
VALUES = st.sampled_from([b"", b"1", b"x", b"-7", b"v" * 70])
OPS = st.one_of(
    st.tuples(st.just("HSET"), st.lists(st.tuples(FIELDS, VALUES), min_size=1, max_size=4)),
    st.tuples(st.just("HSETNX"), st.tuples(FIELDS, VALUES)),
    st.tuples(st.just("HDEL"), st.lists(FIELDS, min_size=1, max_size=3)),
    st.tuples(st.just("HINCRBY"), st.tuples(FIELDS, st.integers(-1000, 1000))),
    st.tuples(st.just("HGETDEL"), st.lists(FIELDS, min_size=1, max_size=3)),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(OPS, max_size=30))
def test_hashes_agree_with_a_dict_model(ops: list[tuple[str, Any]]) -> None:
    stash = FakeStash(seed=0, clock=ManualClock(1_700_000_000))
    model: dict[bytes, bytes] = {}
    for name, arg in ops:
        if name == "HSET":
            flat_args = [x for pair in arg for x in pair]
            new = len({f for f, _ in arg} - model.keys())
            assert run(stash, "HSET", "h", *flat_args) == new
            for f, v in arg:
                model[f] = v
        elif name == "HSETNX":
            f, v = arg
            assert run(stash, "HSETNX", "h", f, v) == int(f not in model)
            model.setdefault(f, v)
        elif name == "HDEL":
            assert run(stash, "HDEL", "h", *arg) == len(set(arg) & model.keys())
            for f in arg:
                model.pop(f, None)
        elif name == "HINCRBY":
            f, n = arg
            current = model.get(f, b"0")
            if is_int(current):
                assert run(stash, "HINCRBY", "h", f, n) == int(current) + n
                model[f] = str(int(current) + n).encode()
            else:
                assert error(stash, "HINCRBY", "h", f, n) == "ERR hash value is not an integer"
        else:
            expected = []
            for f in arg:
                expected.append(model.pop(f, None))
            assert run(stash, "HGETDEL", "h", "FIELDS", len(arg), *arg) == expected
        assert run(stash, "HLEN", "h") == len(model)
        assert run(stash, "HKEYS", "h") == list(model)
        assert run(stash, "HVALS", "h") == list(model.values())
        assert (b"h" in stash.database.data) == bool(model)


# ---- the keyspace and DUMP/RESTORE -------------------------------------------------------


def test_a_hash_whose_last_field_expires_is_gone_from_the_keyspace(
    stash: FakeStash, clock: ManualClock
) -> None:
    run(stash, "HSET", "h", "a", "1")
    run(stash, "HPEXPIRE", "h", "10", "FIELDS", "1", "a")
    assert str(run(stash, "TYPE", "h")) == "hash"
    clock.advance(ms=11)
    assert str(run(stash, "TYPE", "h")) == "none"
    assert run(stash, "EXISTS", "h") == 0
    assert run(stash, "DBSIZE") == 0
    assert run(stash, "KEYS", "*") == []


def test_dbsize_sweeps_hashes_it_has_not_looked_at(stash: FakeStash, clock: ManualClock) -> None:
    run(stash, "HSET", "h", "a", "1")
    run(stash, "HPEXPIRE", "h", "10", "FIELDS", "1", "a")
    run(stash, "HSET", "k", "a", "1")
    clock.advance(ms=11)
    assert run(stash, "DBSIZE") == 1
    assert run(stash, "KEYS", "*") == [b"k"]


def test_dump_and_restore_round_trip(stash: FakeStash) -> None:
    run(stash, "HSET", "h", "a", "1", "b", "-70000", "c", "x" * 100)
    payload = run(stash, "DUMP", "h")
    assert isinstance(payload, bytes) and payload[0] == 4  # RDB_TYPE_HASH
    assert str(run(stash, "RESTORE", "h2", "0", payload)) == "OK"
    assert run(stash, "HGETALL", "h2") == run(stash, "HGETALL", "h")


def test_restore_reads_a_listpack_hash_from_redis(stash: FakeStash) -> None:
    # DUMP of HSET h a 1 b hello on redis-server 7.0.15 (RDB_TYPE_HASH_LISTPACK)
    payload = bytes.fromhex("101616000000040081610201018162028568656c6c6f06ff0a00e8c5fe99ee07955d")
    assert str(run(stash, "RESTORE", "h", "0", payload)) == "OK"
    assert run(stash, "HGETALL", "h") == flat("a", "1", "b", "hello")
