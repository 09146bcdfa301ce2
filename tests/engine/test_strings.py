"""String commands: replies and error texts as Redis gives them (checked against Redis 7.0;
SET IF*/DIGEST/DELEX against the Redis 8.4 docs)."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fakestash import FakeStash, ManualClock
from fakestash._engine.commands import strings
from fakestash._engine.replies import Status
from tests.helpers import error, run

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
NOT_INT = "ERR value is not an integer or out of range"
NOW_MS = 1_700_000_000_000
needs_xxhash = pytest.mark.skipif(
    importlib.util.find_spec("xxhash") is None, reason="DIGEST needs the xxhash package"
)


class Other:
    """A stand-in collection value (any non-string type)."""

    type_name = "list"

    def __init__(self, items: Any = ("x",)) -> None:
        self.items = list(items)

    def __len__(self) -> int:
        return len(self.items)

    def copy(self) -> Other:
        return Other(self.items)


@pytest.fixture
def with_list(stash: FakeStash) -> FakeStash:
    stash.database.put(b"l", Other())
    return stash


# ---- GET / SET ---------------------------------------------------------------------------


def test_get_missing_key_is_nil(stash: FakeStash) -> None:
    assert run(stash, "GET", "k") is None


def test_set_then_get_round_trips_bytes(stash: FakeStash) -> None:
    assert run(stash, "SET", "k", b"\x00\xffv") == Status("OK")
    assert run(stash, "GET", "k") == b"\x00\xffv"


def test_get_on_other_type_is_wrongtype(with_list: FakeStash) -> None:
    assert error(with_list, "GET", "l") == WRONGTYPE


def test_set_overwrites_any_type_and_clears_ttl(with_list: FakeStash) -> None:
    run(with_list, "SET", "k", "v", "EX", "100")
    run(with_list, "SET", "k", "w")
    assert run(with_list, "PTTL", "k") == -1
    assert run(with_list, "SET", "l", "v") == Status("OK")
    assert run(with_list, "GET", "l") == b"v"


def test_set_nx_and_xx(stash: FakeStash) -> None:
    assert run(stash, "SET", "k", "1", "XX") is None
    assert run(stash, "SET", "k", "1", "NX") == Status("OK")
    assert run(stash, "SET", "k", "2", "NX") is None
    assert run(stash, "SET", "k", "3", "xx") == Status("OK")
    assert run(stash, "GET", "k") == b"3"


def test_set_get_returns_the_old_value(stash: FakeStash) -> None:
    assert run(stash, "SET", "k", "1", "GET") is None
    assert run(stash, "SET", "k", "2", "GET") == b"1"
    assert run(stash, "SET", "k", "3", "NX", "GET") == b"2"  # not set, old value shown
    assert run(stash, "GET", "k") == b"2"
    assert run(stash, "SET", "new", "x", "XX", "GET") is None
    assert run(stash, "EXISTS", "new") == 0


def test_set_get_on_other_type_is_wrongtype_and_sets_nothing(with_list: FakeStash) -> None:
    assert error(with_list, "SET", "l", "x", "GET") == WRONGTYPE
    assert error(with_list, "SET", "l", "x", "NX", "GET") == WRONGTYPE
    assert run(with_list, "TYPE", "l") == Status("list")


@pytest.mark.parametrize(
    "options",
    [
        ("NX", "XX"),
        ("XX", "NX"),
        ("EX", "10", "PX", "10"),
        ("EX", "10", "KEEPTTL"),
        ("KEEPTTL", "PXAT", "10"),
        ("EXAT", "10", "EX", "10"),
        ("EX",),
        ("PERSIST",),
        ("FOO",),
        ("IFEQ",),
        ("NX", "IFEQ", "v"),
        ("IFEQ", "v", "XX"),
        ("IFEQ", "v", "IFNE", "w"),
    ],
)
def test_set_option_conflicts_are_syntax_errors(stash: FakeStash, options: tuple[str, ...]) -> None:
    assert error(stash, "SET", "k", "v", *options) == "ERR syntax error"


def test_set_repeated_options_are_allowed(stash: FakeStash) -> None:
    assert run(stash, "SET", "k", "v", "NX", "NX", "GET", "GET") is None
    assert run(stash, "SET", "k", "v", "EX", "10", "EX", "20") == Status("OK")
    assert run(stash, "TTL", "k") == 20


@pytest.mark.parametrize(
    "options",
    [
        ("EX", "0"),
        ("EX", "-1"),
        ("PX", "0"),
        ("EXAT", "0"),
        ("PXAT", "0"),
        ("EX", "9223372036854775807"),
        ("EX", "9223372036854775"),  # fits as ms, overflows once "now" is added
        ("PX", "9223372036854775807"),
    ],
)
def test_set_bad_expire_times(stash: FakeStash, options: tuple[str, ...]) -> None:
    assert error(stash, "SET", "k", "v", *options) == "ERR invalid expire time in 'set' command"
    assert run(stash, "EXISTS", "k") == 0


def test_set_expire_must_be_an_integer(stash: FakeStash) -> None:
    assert error(stash, "SET", "k", "v", "EX", "1.5") == NOT_INT


def test_set_expiry_forms(stash: FakeStash) -> None:
    run(stash, "SET", "a", "v", "EX", "10")
    run(stash, "SET", "b", "v", "PX", "1500")
    run(stash, "SET", "c", "v", "EXAT", str(NOW_MS // 1000 + 60))
    run(stash, "SET", "d", "v", "PXAT", str(NOW_MS + 2500))
    assert [run(stash, "PTTL", k) for k in "abcd"] == [10_000, 1500, 60_000, 2500]


def test_set_with_a_past_absolute_time_leaves_no_key(stash: FakeStash) -> None:
    run(stash, "SET", "k", "old")
    assert run(stash, "SET", "k", "v", "EXAT", "1", "GET") == b"old"
    assert run(stash, "EXISTS", "k") == 0


def test_set_keepttl_keeps_the_ttl(stash: FakeStash) -> None:
    run(stash, "SET", "k", "v", "PX", "5000")
    run(stash, "SET", "k", "w", "KEEPTTL")
    assert run(stash, "PTTL", "k") == 5000


def test_set_plain_form_keeps_nothing_of_the_old_key(stash: FakeStash, clock: ManualClock) -> None:
    run(stash, "SET", "k", "v", "PX", "10")
    run(stash, "SET", "k", "w")
    clock.advance(seconds=1)
    assert run(stash, "GET", "k") == b"w"


def test_set_ifeq_and_ifne(stash: FakeStash) -> None:
    assert run(stash, "SET", "k", "v", "IFEQ", "x") is None  # missing key: IFEQ never creates
    assert run(stash, "EXISTS", "k") == 0
    assert run(stash, "SET", "k", "v", "IFNE", "x") == Status("OK")  # IFNE does
    assert run(stash, "SET", "k", "w", "IFEQ", "nope") is None
    assert run(stash, "SET", "k", "w", "ifeq", "v", "GET") == b"v"
    assert run(stash, "SET", "k", "z", "IFNE", "w") is None
    assert run(stash, "GET", "k") == b"w"


def test_set_conditions_on_other_types_are_wrongtype(with_list: FakeStash) -> None:
    assert error(with_list, "SET", "l", "v", "IFNE", "x") == WRONGTYPE


@needs_xxhash
def test_set_ifdeq_and_ifdne_compare_digests(stash: FakeStash) -> None:
    run(stash, "SET", "k", "Hello world")
    good = "b6acb9d84a38ff74"
    assert run(stash, "SET", "k", "v", "IFDNE", good) is None
    assert run(stash, "SET", "k", "v", "IFDEQ", good.upper()) == Status("OK")
    assert run(stash, "SET", "k", "w", "IFDEQ", good) is None
    assert run(stash, "SET", "new", "v", "IFDEQ", good) is None
    assert run(stash, "SET", "new", "v", "IFDNE", good) == Status("OK")


# ---- SETNX SETEX PSETEX GETSET GETDEL GETEX ------------------------------------------------


def test_setnx(stash: FakeStash) -> None:
    assert run(stash, "SETNX", "k", "1") == 1
    assert run(stash, "SETNX", "k", "2") == 0
    assert run(stash, "GET", "k") == b"1"


@pytest.mark.parametrize("name, unit", [("SETEX", 1000), ("PSETEX", 1)])
def test_setex_and_psetex(stash: FakeStash, name: str, unit: int) -> None:
    assert run(stash, name, "k", "7", "v") == Status("OK")
    assert run(stash, "PTTL", "k") == 7 * unit
    lower = name.lower()
    for bad in ("0", "-1", "9223372036854775807"):
        assert error(stash, name, "k", bad, "v") == f"ERR invalid expire time in '{lower}' command"
    assert error(stash, name, "k", "x", "v") == NOT_INT


def test_getset_returns_old_value_and_clears_ttl(with_list: FakeStash) -> None:
    assert run(with_list, "GETSET", "k", "1") is None
    run(with_list, "EXPIRE", "k", "100")
    assert run(with_list, "GETSET", "k", "2") == b"1"
    assert run(with_list, "TTL", "k") == -1
    assert error(with_list, "GETSET", "l", "x") == WRONGTYPE


def test_getdel(with_list: FakeStash) -> None:
    run(with_list, "SET", "k", "v")
    assert run(with_list, "GETDEL", "k") == b"v"
    assert run(with_list, "GETDEL", "k") is None
    assert error(with_list, "GETDEL", "l") == WRONGTYPE
    assert run(with_list, "EXISTS", "l") == 1


def test_getex_sets_and_removes_ttl(stash: FakeStash) -> None:
    run(stash, "SET", "k", "v")
    assert run(stash, "GETEX", "k") == b"v"
    assert run(stash, "GETEX", "k", "PX", "1500") == b"v"
    assert run(stash, "PTTL", "k") == 1500
    assert run(stash, "GETEX", "k", "EXAT", str(NOW_MS // 1000 + 9)) == b"v"
    assert run(stash, "PTTL", "k") == 9000
    assert run(stash, "GETEX", "k", "PERSIST") == b"v"
    assert run(stash, "PTTL", "k") == -1
    assert run(stash, "GETEX", "k", "PXAT", "1") == b"v"  # in the past: the key goes
    assert run(stash, "EXISTS", "k") == 0


def test_getex_errors_in_redis_order(with_list: FakeStash) -> None:
    assert run(with_list, "GETEX", "missing", "EX", "0") is None  # nil before the range check
    assert error(with_list, "GETEX", "l", "EX", "0") == WRONGTYPE
    run(with_list, "SET", "k", "v")
    assert error(with_list, "GETEX", "k", "EX", "0") == "ERR invalid expire time in 'getex' command"
    for options in (
        ("PERSIST", "EX", "4"),
        ("EX", "4", "PERSIST"),
        ("KEEPTTL",),
        ("NX",),
        ("GET",),
        ("EX",),
    ):
        assert error(with_list, "GETEX", "k", *options) == "ERR syntax error"


# ---- MGET MSET MSETNX ------------------------------------------------------------------------


def test_mget_gives_nil_for_missing_and_other_types(with_list: FakeStash) -> None:
    run(with_list, "MSET", "a", "1", "b", "2")
    assert run(with_list, "MGET", "a", "l", "zz", "b") == [b"1", None, None, b"2"]


def test_mset_needs_pairs(stash: FakeStash) -> None:
    assert error(stash, "MSET", "a", "1", "b") == "ERR wrong number of arguments for 'mset' command"
    assert error(stash, "MSETNX", "a") == "ERR wrong number of arguments for 'msetnx' command"


def test_mset_clears_ttls(stash: FakeStash) -> None:
    run(stash, "SET", "a", "0", "EX", "10")
    run(stash, "MSET", "a", "1")
    assert run(stash, "TTL", "a") == -1


def test_msetnx_is_all_or_nothing(stash: FakeStash) -> None:
    assert run(stash, "MSETNX", "a", "1", "b", "2") == 1
    assert run(stash, "MSETNX", "b", "x", "c", "3") == 0
    assert run(stash, "MGET", "a", "b", "c") == [b"1", b"2", None]


# ---- APPEND STRLEN GETRANGE SETRANGE ---------------------------------------------------------


def test_append_creates_and_extends_keeping_ttl(with_list: FakeStash) -> None:
    assert run(with_list, "APPEND", "k", "ab") == 2
    run(with_list, "EXPIRE", "k", "50")
    assert run(with_list, "APPEND", "k", "cde") == 5
    assert run(with_list, "GET", "k") == b"abcde"
    assert run(with_list, "TTL", "k") == 50
    assert error(with_list, "APPEND", "l", "x") == WRONGTYPE


def test_append_past_the_size_limit(stash: FakeStash, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(strings, "MAX_STRING", 8)
    run(stash, "SET", "k", "12345")
    assert run(stash, "APPEND", "k", "678") == 8
    assert error(stash, "APPEND", "k", "9") == (
        "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
    )


def test_strlen(with_list: FakeStash) -> None:
    run(with_list, "SET", "k", "héllo")
    assert run(with_list, "STRLEN", "k") == 6  # bytes, not characters
    assert run(with_list, "STRLEN", "zz") == 0
    assert error(with_list, "STRLEN", "l") == WRONGTYPE


@pytest.mark.parametrize(
    "start, end, expected",
    [
        (0, 4, b"Hello"),
        (-5, -1, b"World"),
        (0, -1, b"Hello World"),
        (0, -100, b"H"),  # Redis clamps a far-negative end to 0
        (-100, -99, b"H"),
        (-100, -101, b""),
        (1, -100, b""),
        (5, 2, b""),
        (100, 200, b""),
        (-1, -3, b""),
        (6, 1000, b"World"),
    ],
)
def test_getrange(stash: FakeStash, start: int, end: int, expected: bytes) -> None:
    run(stash, "SET", "s", "Hello World")
    assert run(stash, "GETRANGE", "s", start, end) == expected
    assert run(stash, "SUBSTR", "s", start, end) == expected


def test_getrange_missing_key_and_errors(with_list: FakeStash) -> None:
    assert run(with_list, "GETRANGE", "zz", 0, -1) == b""
    assert error(with_list, "GETRANGE", "l", 0, 1) == WRONGTYPE
    assert error(with_list, "GETRANGE", "l", "x", 1) == NOT_INT  # numbers are read first
    assert error(with_list, "GETRANGE", "zz", "-0", 1) == NOT_INT


def test_setrange_overwrites_and_pads(stash: FakeStash) -> None:
    run(stash, "SET", "s", "Hello World")
    assert run(stash, "SETRANGE", "s", 6, "Redis") == 11
    assert run(stash, "GET", "s") == b"Hello Redis"
    assert run(stash, "SETRANGE", "s", 13, "!") == 14
    assert run(stash, "GET", "s") == b"Hello Redis\x00\x00!"
    assert run(stash, "SETRANGE", "new", 2, "ab") == 4
    assert run(stash, "GET", "new") == b"\x00\x00ab"


def test_setrange_with_empty_value_creates_nothing(stash: FakeStash) -> None:
    assert run(stash, "SETRANGE", "k", 3, "") == 0
    assert run(stash, "EXISTS", "k") == 0
    run(stash, "SET", "k", "abc")
    assert run(stash, "SETRANGE", "k", 100, "") == 3


def test_setrange_errors(with_list: FakeStash) -> None:
    assert error(with_list, "SETRANGE", "k", -1, "x") == "ERR offset is out of range"
    assert error(with_list, "SETRANGE", "k", "x", "x") == NOT_INT
    assert error(with_list, "SETRANGE", "l", 0, "x") == WRONGTYPE
    assert error(with_list, "SETRANGE", "k", 536870912, "a") == (
        "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
    )
    assert run(with_list, "SETRANGE", "k", 536870912, "") == 0


# ---- counters --------------------------------------------------------------------------------


def test_incr_family(stash: FakeStash) -> None:
    assert run(stash, "INCR", "c") == 1
    assert run(stash, "INCRBY", "c", "10") == 11
    assert run(stash, "DECR", "c") == 10
    assert run(stash, "DECRBY", "c", "-5") == 15
    assert run(stash, "GET", "c") == b"15"


def test_incr_keeps_ttl(stash: FakeStash) -> None:
    run(stash, "SET", "c", "1", "EX", "30")
    run(stash, "INCR", "c")
    assert run(stash, "TTL", "c") == 30


@pytest.mark.parametrize("stored", ["abc", " 5", "05", "5.0", "+1", "", "9223372036854775808"])
def test_incr_refuses_non_integers(stash: FakeStash, stored: str) -> None:
    run(stash, "SET", "c", stored)
    assert error(stash, "INCR", "c") == NOT_INT


@pytest.mark.parametrize("delta", ["x", "1.5", "+1", " 1", "9223372036854775808"])
def test_incrby_refuses_bad_increments(stash: FakeStash, delta: str) -> None:
    assert error(stash, "INCRBY", "c", delta) == NOT_INT


def test_incr_overflow_texts(with_list: FakeStash) -> None:
    run(with_list, "SET", "c", "9223372036854775806")
    assert run(with_list, "INCR", "c") == 9223372036854775807
    assert error(with_list, "INCR", "c") == "ERR increment or decrement would overflow"
    run(with_list, "SET", "c", "-9223372036854775807")
    assert run(with_list, "DECR", "c") == -9223372036854775808
    assert error(with_list, "DECR", "c") == "ERR increment or decrement would overflow"
    assert error(with_list, "DECRBY", "c", "-9223372036854775808") == "ERR decrement would overflow"
    assert error(with_list, "INCR", "l") == WRONGTYPE


@pytest.mark.parametrize(
    "stored, increment, expected",
    [
        ("10.50", "0.1", b"10.6"),
        ("5.0e3", "0", b"5000"),
        (None, "3.0e3", b"3000"),
        ("0.1", "0.2", b"0.3"),
        ("17179869184", "1.5", b"17179869185.5"),
        ("1", "0.0000000000000000001", b"1"),
        ("0", "-0.0", b"0"),
        ("0", "1e-20", b"0"),
        ("1e2", "1.5e2", b"250"),
        ("1", "0x1.8p1", b"4"),
        ("3", ".5", b"3.5"),
        ("3", "5.", b"8"),
        ("3", "+1", b"4"),
        ("-1", "0.9999999999999999999999", b"0"),
        ("1.1", "-1.1", b"0"),
        ("0", "0.00000000000000001", b"0.00000000000000001"),
    ],
)
def test_incrbyfloat_renders_like_redis(
    stash: FakeStash, stored: str | None, increment: str, expected: bytes
) -> None:
    if stored is not None:
        run(stash, "SET", "f", stored)
    assert run(stash, "INCRBYFLOAT", "f", increment) == expected
    assert run(stash, "GET", "f") == expected


def test_incrbyfloat_huge_values_print_every_digit(stash: FakeStash) -> None:
    run(stash, "SET", "f", "1e300")
    reply = run(stash, "INCRBYFLOAT", "f", "1")
    assert isinstance(reply, bytes)
    assert reply.startswith(b"10000000000000000000089973240795591938705239442732907479382600823")
    assert len(reply) == 301


@pytest.mark.parametrize(
    "stored, increment",
    [("1", "abc"), ("1", "nan"), ("1", " 1"), ("1", "1 "), ("1", "1e5000"), ("1", "1e-5000"),
     ("1", "0x"), ("1", "1_000"), ("1", "1e"), (" 3", "0"), ("", "1")],
)  # fmt: skip
def test_incrbyfloat_refuses_non_floats(stash: FakeStash, stored: str, increment: str) -> None:
    run(stash, "SET", "f", stored)
    assert error(stash, "INCRBYFLOAT", "f", increment) == "ERR value is not a valid float"


@pytest.mark.parametrize(
    "stored, increment", [("1", "inf"), ("1", "-infinity"), ("inf", "1"), ("1e4932", "1e4932")]
)
def test_incrbyfloat_refuses_infinite_results(
    stash: FakeStash, stored: str, increment: str
) -> None:
    run(stash, "SET", "f", stored)
    assert error(stash, "INCRBYFLOAT", "f", increment) == (
        "ERR increment would produce NaN or Infinity"
    )
    assert run(stash, "GET", "f") == stored.encode()


def test_incrbyfloat_keeps_ttl_and_checks_type(with_list: FakeStash) -> None:
    run(with_list, "SET", "f", "1", "EX", "40")
    run(with_list, "INCRBYFLOAT", "f", "1.5")
    assert run(with_list, "TTL", "f") == 40
    assert error(with_list, "INCRBYFLOAT", "l", "1") == WRONGTYPE


# ---- LCS -------------------------------------------------------------------------------------


@pytest.fixture
def lcs_pair(stash: FakeStash) -> FakeStash:
    run(stash, "MSET", "a", "ohmytext", "b", "mynewtext")
    return stash


def test_lcs_string_and_len(lcs_pair: FakeStash) -> None:
    assert run(lcs_pair, "LCS", "a", "b") == b"mytext"
    assert run(lcs_pair, "LCS", "a", "b", "LEN") == 6


def test_lcs_idx_reply_shape(lcs_pair: FakeStash) -> None:
    assert run(lcs_pair, "LCS", "a", "b", "IDX") == [
        b"matches", [[[4, 7], [5, 8]], [[2, 3], [0, 1]]], b"len", 6
    ]  # fmt: skip
    assert run(lcs_pair, "LCS", "a", "b", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN") == [
        b"matches", [[[4, 7], [5, 8], 4]], b"len", 6
    ]  # fmt: skip
    assert run(lcs_pair, "LCS", "a", "b", "WITHMATCHLEN") == b"mytext"


def test_lcs_errors(lcs_pair: FakeStash) -> None:
    assert error(lcs_pair, "LCS", "a", "b", "LEN", "IDX") == (
        "ERR If you want both the length and indexes, please just use IDX."
    )
    assert error(lcs_pair, "LCS", "a", "b", "MINMATCHLEN") == "ERR syntax error"
    assert error(lcs_pair, "LCS", "a", "b", "MINMATCHLEN", "x") == NOT_INT
    assert error(lcs_pair, "LCS", "a", "b", "FOO") == "ERR syntax error"
    lcs_pair.database.data[b"l"] = Other()
    assert error(lcs_pair, "LCS", "a", "l") == "ERR The specified keys must contain string values"


def test_lcs_missing_keys_are_empty(lcs_pair: FakeStash) -> None:
    assert run(lcs_pair, "LCS", "a", "zz") == b""
    assert run(lcs_pair, "LCS", "zz", "yy", "IDX") == [b"matches", [], b"len", 0]


_small_words = st.lists(st.sampled_from(b"abc"), max_size=14).map(bytes)


def _naive_lcs_len(a: bytes, b: bytes) -> int:
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


def _is_subsequence(small: bytes, big: bytes) -> bool:
    it = iter(big)
    return all(c in it for c in small)


@settings(max_examples=60, deadline=None)
@given(_small_words, _small_words)
def test_lcs_is_a_longest_common_subsequence(a: bytes, b: bytes) -> None:
    stash = FakeStash()
    run(stash, "MSET", "a", a, "b", b)
    text = run(stash, "LCS", "a", "b")
    assert isinstance(text, bytes)
    assert len(text) == _naive_lcs_len(a, b) == run(stash, "LCS", "a", "b", "LEN")
    assert _is_subsequence(text, a) and _is_subsequence(text, b)
    reply: Any = run(stash, "LCS", "a", "b", "IDX", "WITHMATCHLEN")
    matches = reply[1]
    for a_range, b_range, length in matches:
        assert a[a_range[0] : a_range[1] + 1] == b[b_range[0] : b_range[1] + 1]
        assert length == a_range[1] - a_range[0] + 1
    assert sum(m[2] for m in matches) == len(text)


# ---- properties --------------------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(min_value=-(2**40), max_value=2**40), max_size=20))
def test_incrby_agrees_with_integer_addition(deltas: list[int]) -> None:
    stash = FakeStash()
    total = 0
    for delta in deltas:
        total += delta
        assert run(stash, "INCRBY", "c", delta) == total
    assert run(stash, "GET", "c") == (str(total).encode() if deltas else None)


def _model_getrange(value: bytes, start: int, end: int) -> bytes:
    n = len(value)
    if start < 0 and end < 0 and start > end:
        return b""
    start = max(n + start, 0) if start < 0 else start
    end = max(n + end, 0) if end < 0 else end
    end = min(end, n - 1)
    return b"" if start > end or n == 0 else value[start : end + 1]


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=12), st.integers(-20, 20), st.integers(-20, 20))
def test_getrange_agrees_with_model(value: bytes, start: int, end: int) -> None:
    stash = FakeStash()
    run(stash, "SET", "s", value)
    assert run(stash, "GETRANGE", "s", start, end) == _model_getrange(value, start, end)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=10), st.integers(0, 15), st.binary(min_size=1, max_size=6))
def test_setrange_then_getrange_reads_the_patch(value: bytes, offset: int, patch: bytes) -> None:
    stash = FakeStash()
    run(stash, "SET", "s", value)
    expected = bytearray(value.ljust(offset, b"\x00"))
    expected[offset : offset + len(patch)] = patch
    assert run(stash, "SETRANGE", "s", offset, patch) == len(expected)
    assert run(stash, "GET", "s") == bytes(expected)
    assert run(stash, "GETRANGE", "s", offset, offset + len(patch) - 1) == patch


# ---- DIGEST / DELEX ------------------------------------------------------------------------------


@needs_xxhash
def test_digest_is_the_xxh3_hex_of_the_value(with_list: FakeStash) -> None:
    run(with_list, "SET", "k", "Hello world")  # the example on redis.io/commands/digest
    assert run(with_list, "DIGEST", "k") == b"b6acb9d84a38ff74"
    run(with_list, "SET", "k", "test")
    assert run(with_list, "DIGEST", "k") == b"9ec9f7918d7dfc40"
    assert run(with_list, "DIGEST", "zz") is None
    assert error(with_list, "DIGEST", "l") == WRONGTYPE


def test_delex_without_condition_deletes_any_type(with_list: FakeStash) -> None:
    assert run(with_list, "DELEX", "l") == 1
    assert run(with_list, "DELEX", "l") == 0


def test_delex_ifeq_and_ifne(stash: FakeStash) -> None:
    run(stash, "SET", "k", "v")
    assert run(stash, "DELEX", "k", "IFEQ", "x") == 0
    assert run(stash, "DELEX", "k", "IFNE", "v") == 0
    assert run(stash, "DELEX", "k", "ifeq", "v") == 1
    assert run(stash, "DELEX", "k", "IFNE", "v") == 0  # missing key
    run(stash, "SET", "k", "v")
    assert run(stash, "DELEX", "k", "IFNE", "x") == 1


@needs_xxhash
def test_delex_digest_conditions(stash: FakeStash) -> None:
    run(stash, "SET", "k", "Hello world")
    assert run(stash, "DELEX", "k", "IFDNE", "b6acb9d84a38ff74") == 0
    assert run(stash, "DELEX", "k", "IFDEQ", "0000000000000000") == 0
    assert run(stash, "DELEX", "k", "IFDEQ", "B6ACB9D84A38FF74") == 1


def test_delex_errors(with_list: FakeStash) -> None:
    assert error(with_list, "DELEX", "l", "IFEQ", "x") == WRONGTYPE
    assert error(with_list, "DELEX", "k", "IFEQ") == "ERR syntax error"
    assert error(with_list, "DELEX", "k", "FOO", "x") == "ERR syntax error"
    assert error(with_list, "DELEX", "k", "IFEQ", "x", "y") == "ERR syntax error"
    assert error(with_list, "DELEX") == "ERR wrong number of arguments for 'delex' command"


# ---- MSETEX (Redis 8.4) -----------------------------------------------------------------------


def test_msetex_sets_every_key_with_one_expiry(stash: FakeStash, clock: ManualClock) -> None:
    assert run(stash, "MSETEX", "2", "a", "1", "b", "2", "EX", "60") == 1
    assert run(stash, "MGET", "a", "b") == [b"1", b"2"]
    assert run(stash, "TTL", "a") == 60 and run(stash, "TTL", "b") == 60
    assert run(stash, "MSETEX", "1", "a", "x", "PX", "1500") == 1
    assert run(stash, "PTTL", "a") == 1500
    assert run(stash, "MSETEX", "1", "a", "y", "KEEPTTL") == 1
    assert run(stash, "GET", "a") == b"y" and run(stash, "PTTL", "a") == 1500
    assert run(stash, "MSETEX", "1", "a", "z") == 1  # no expiry option: the TTL goes
    assert run(stash, "TTL", "a") == -1
    at = clock.time_ms() // 1000 + 30
    assert run(stash, "MSETEX", "1", "c", "v", "EXAT", str(at)) == 1
    assert run(stash, "TTL", "c") == 30
    assert run(stash, "MSETEX", "1", "c", "v", "PXAT", "1") == 1  # past: the key is gone
    assert run(stash, "EXISTS", "c") == 0


def test_msetex_nx_and_xx_look_at_every_key(stash: FakeStash) -> None:
    run(stash, "SET", "a", "old")
    assert run(stash, "MSETEX", "2", "a", "1", "b", "2", "NX") == 0
    assert run(stash, "EXISTS", "b") == 0
    assert run(stash, "MSETEX", "2", "a", "1", "b", "2", "XX") == 0
    assert run(stash, "GET", "a") == b"old"
    assert run(stash, "MSETEX", "2", "c", "1", "d", "2", "NX", "EX", "5") == 1
    assert run(stash, "MSETEX", "2", "c", "3", "d", "4", "EX", "5", "XX") == 1
    assert run(stash, "MGET", "c", "d") == [b"3", b"4"]
    run(stash, "LPUSH", "l", "x")
    assert run(stash, "MSETEX", "1", "l", "v") == 1  # overwrites any type, as MSET
    assert run(stash, "GET", "l") == b"v"


@pytest.mark.parametrize(
    ("argv", "text"),
    [
        (("MSETEX", "key1", "val1", "ex", "10"), "ERR invalid numkeys value"),
        (("MSETEX", "0", "a", "1"), "ERR invalid numkeys value"),
        (("MSETEX", "2147483648", "a", "1"), "ERR invalid numkeys value"),
        (("MSETEX", "2147483647", "a", "1"), "ERR wrong number of key-value pairs"),
        (("MSETEX", "2", "a", "1", "b"), "ERR wrong number of key-value pairs"),
        (("MSETEX", "1", "a", "1", "invalid_flag"), "ERR syntax error"),
        (("MSETEX", "1", "a", "1", "NX", "XX"), "ERR syntax error"),
        (("MSETEX", "1", "a", "1", "EX", "10", "PX", "5000"), "ERR syntax error"),
        (("MSETEX", "1", "a", "1", "KEEPTTL", "EX", "10"), "ERR syntax error"),
        (("MSETEX", "1", "a", "1", "GET"), "ERR syntax error"),
        (("MSETEX", "1", "a", "1", "IFEQ", "x"), "ERR syntax error"),
        (("MSETEX", "1", "a", "1", "EX", "0"), "ERR invalid expire time in 'msetex' command"),
        (("MSETEX", "1", "a", "1", "EX", "x"), "ERR value is not an integer or out of range"),
        (("MSETEX", "1", "a"), "ERR wrong number of arguments for 'msetex' command"),
    ],
)
def test_msetex_errors(stash: FakeStash, argv: tuple[str, ...], text: str) -> None:
    assert error(stash, *argv) == text
    assert run(stash, "EXISTS", "a") == 0
