"""Bitmap commands: replies and error texts as Redis gives them (checked against Redis 7.0.15;
BITOP DIFF/DIFF1/ANDOR/ONE against the Redis 8.2 docs), a naive bit-list model, and a random
comparison with a real redis-server (skipped when none is on PATH)."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fakestash import FakeStash
from fakestash._engine.commands.bitmaps import get_field, set_field
from tests.helpers import error, run

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
NOT_INT = "ERR value is not an integer or out of range"
SYNTAX = "ERR syntax error"
BAD_OFFSET = "ERR bit offset is not an integer or out of range"
BAD_BIT = "ERR bit is not an integer or out of range"
BAD_TYPE = (
    "ERR Invalid bitfield type. Use something like i16 u8. "
    "Note that u64 is not supported but i64 is."
)


@pytest.fixture
def with_list(stash: FakeStash) -> FakeStash:
    run(stash, "LPUSH", "l", "x")
    return stash


# ---- SETBIT / GETBIT ------------------------------------------------------------------------


def test_setbit_creates_and_grows_with_zero_bytes(stash: FakeStash) -> None:
    assert run(stash, "SETBIT", "k", "7", "1") == 0
    assert run(stash, "GET", "k") == b"\x01"
    assert run(stash, "SETBIT", "k", "17", "1") == 0
    assert run(stash, "GET", "k") == b"\x01\x00\x40"
    assert run(stash, "SETBIT", "k", "7", "0") == 1
    assert run(stash, "GET", "k") == b"\x00\x00\x40"


def test_setbit_zero_on_a_missing_key_still_creates_it(stash: FakeStash) -> None:
    assert run(stash, "SETBIT", "k", "20", "0") == 0
    assert run(stash, "GET", "k") == b"\x00\x00\x00"


def test_setbit_keeps_the_ttl(stash: FakeStash) -> None:
    run(stash, "SET", "k", "a", "EX", "100")
    run(stash, "SETBIT", "k", "100", "1")
    assert run(stash, "TTL", "k") == 100


def test_getbit_reads_msb_first_and_zero_past_the_end(stash: FakeStash) -> None:
    run(stash, "SET", "k", "`")  # 0110 0000
    assert [run(stash, "GETBIT", "k", str(i)) for i in range(8)] == [0, 1, 1, 0, 0, 0, 0, 0]
    assert run(stash, "GETBIT", "k", "100") == 0
    assert run(stash, "GETBIT", "missing", "0") == 0


@pytest.mark.parametrize(
    "offset", ["-1", "x", "", "1.5", "+1", "4294967296", "99999999999999999999"]
)
def test_bad_offsets(stash: FakeStash, offset: str) -> None:
    assert error(stash, "SETBIT", "k", offset, "1") == BAD_OFFSET
    assert error(stash, "GETBIT", "k", offset) == BAD_OFFSET


@pytest.mark.parametrize("bit", ["2", "-1", "x", "", "01"])
def test_bad_bit_values(stash: FakeStash, bit: str) -> None:
    assert error(stash, "SETBIT", "k", "1", bit) == BAD_BIT
    assert run(stash, "EXISTS", "k") == 0


def test_the_offset_is_checked_before_the_bit(stash: FakeStash) -> None:
    assert error(stash, "SETBIT", "k", "x", "2") == BAD_OFFSET


def test_bitmaps_on_other_types_are_wrongtype(with_list: FakeStash) -> None:
    for argv in (
        ["SETBIT", "l", "0", "1"], ["GETBIT", "l", "0"], ["BITCOUNT", "l"],
        ["BITCOUNT", "l", "0", "1"], ["BITPOS", "l", "1"], ["BITOP", "AND", "d", "l"],
        ["BITFIELD", "l", "GET", "u8", "0"], ["BITFIELD", "l", "SET", "u8", "0", "1"],
        ["BITFIELD_RO", "l", "GET", "u8", "0"], ["BITFIELD", "l"],
    ):  # fmt: skip
        assert error(with_list, *argv) == WRONGTYPE, argv


def test_bitop_may_overwrite_another_type(with_list: FakeStash) -> None:
    run(with_list, "SET", "s", "a")
    assert run(with_list, "BITOP", "NOT", "l", "s") == 1
    assert run(with_list, "GET", "l") == b"\x9e"


# ---- BITCOUNT ---------------------------------------------------------------------------------


def test_bitcount_docs_example(stash: FakeStash) -> None:
    run(stash, "SET", "mykey", "foobar")
    assert run(stash, "BITCOUNT", "mykey") == 26
    assert run(stash, "BITCOUNT", "mykey", "0", "0") == 4
    assert run(stash, "BITCOUNT", "mykey", "1", "1") == 6
    assert run(stash, "BITCOUNT", "mykey", "1", "1", "BYTE") == 6
    assert run(stash, "BITCOUNT", "mykey", "5", "30", "BIT") == 17


def test_bitcount_ranges_and_negative_indexes(stash: FakeStash) -> None:
    run(stash, "SET", "k", b"\xff\xf0\x00")
    assert run(stash, "BITCOUNT", "k", "-2", "-1") == 4
    assert run(stash, "BITCOUNT", "k", "-100", "100") == 12
    assert run(stash, "BITCOUNT", "k", "-1", "-2") == 0
    assert run(stash, "BITCOUNT", "k", "2", "1") == 0
    assert run(stash, "BITCOUNT", "k", "5", "12", "bit") == 7
    assert run(stash, "BITCOUNT", "k", "-3", "-1", "BIT") == 0
    assert run(stash, "BITCOUNT", "missing", "0", "-1") == 0
    run(stash, "SET", "e", "")
    assert run(stash, "BITCOUNT", "e", "0", "0") == 0


def test_bitcount_argument_errors(stash: FakeStash) -> None:
    run(stash, "SET", "k", "foobar")
    assert error(stash, "BITCOUNT", "k", "0") == SYNTAX
    assert error(stash, "BITCOUNT", "k", "0", "1", "BIT", "x") == SYNTAX
    assert error(stash, "BITCOUNT", "k", "0", "1", "bits") == SYNTAX
    assert error(stash, "BITCOUNT", "k", "a", "1") == NOT_INT
    assert error(stash, "BITCOUNT", "k", "1", "b") == NOT_INT


def test_bitcount_checks_arguments_even_for_missing_keys(stash: FakeStash) -> None:
    # Redis 7.2+ (Redis 7.0 answered 0 before parsing the range).
    assert error(stash, "BITCOUNT", "missing", "0") == SYNTAX
    assert error(stash, "BITCOUNT", "missing", "a", "b") == NOT_INT
    assert error(stash, "BITCOUNT", "missing", "-1", "-2", "bits") == SYNTAX


# ---- BITPOS -------------------------------------------------------------------------------------


def test_bitpos_docs_example(stash: FakeStash) -> None:
    run(stash, "SET", "mykey", b"\xff\xf0\x00")
    assert run(stash, "BITPOS", "mykey", "0") == 12
    run(stash, "SET", "mykey", b"\x00\xff\xf0")
    assert run(stash, "BITPOS", "mykey", "1", "0") == 8
    assert run(stash, "BITPOS", "mykey", "1", "2") == 16
    assert run(stash, "BITPOS", "mykey", "1", "2", "-1", "BYTE") == 16
    assert run(stash, "BITPOS", "mykey", "1", "7", "15", "BIT") == 8
    run(stash, "SET", "mykey", b"\x00\x00\x00")
    assert run(stash, "BITPOS", "mykey", "1") == -1
    assert run(stash, "BITPOS", "mykey", "1", "7", "-3", "BIT") == -1


def test_bitpos_zero_past_the_end_unless_an_end_is_given(stash: FakeStash) -> None:
    run(stash, "SET", "k", b"\xff\xff")
    assert run(stash, "BITPOS", "k", "0") == 16
    assert run(stash, "BITPOS", "k", "0", "0") == 16
    assert run(stash, "BITPOS", "k", "0", "0", "-1") == -1
    assert run(stash, "BITPOS", "k", "0", "3", "9", "BIT") == -1
    assert run(stash, "BITPOS", "k", "1", "3", "9", "BIT") == 3


def test_bitpos_missing_and_empty(stash: FakeStash) -> None:
    assert run(stash, "BITPOS", "missing", "0") == 0
    assert run(stash, "BITPOS", "missing", "1") == -1
    run(stash, "SET", "e", "")
    assert run(stash, "BITPOS", "e", "0") == -1
    assert run(stash, "BITPOS", "e", "1") == -1


def test_bitpos_bit_ranges_within_bytes(stash: FakeStash) -> None:
    run(stash, "SET", "f", b"\xff\xf0\x00")
    assert run(stash, "BITPOS", "f", "1", "5", "12", "bit") == 5
    assert run(stash, "BITPOS", "f", "0", "5", "12", "bit") == 12
    assert run(stash, "BITPOS", "f", "0", "12", "30", "bit") == 12
    assert run(stash, "BITPOS", "f", "1", "7", "7", "bit") == 7
    assert run(stash, "BITPOS", "f", "0", "0", "0") == -1
    assert run(stash, "BITPOS", "f", "0", "0", "1") == 12
    assert run(stash, "BITPOS", "f", "1", "5", "3") == -1


def test_bitpos_argument_errors(stash: FakeStash) -> None:
    run(stash, "SET", "k", "a")
    assert error(stash, "BITPOS", "k", "2") == "ERR The bit argument must be 1 or 0."
    assert error(stash, "BITPOS", "k", "x") == NOT_INT
    assert error(stash, "BITPOS", "k", "1", "0", "1", "BIT", "x") == SYNTAX
    assert error(stash, "BITPOS", "k", "1", "0", "1", "bits") == SYNTAX
    assert error(stash, "BITPOS", "k", "1", "x") == NOT_INT
    assert error(stash, "BITPOS", "k", "1", "0", "x") == NOT_INT
    assert error(stash, "BITPOS", "missing", "1", "x") == NOT_INT  # Redis 7.2+ order


# ---- BITOP ------------------------------------------------------------------------------------


def test_bitop_and_or_xor_not(stash: FakeStash) -> None:
    run(stash, "SET", "key1", "foobar")
    run(stash, "SET", "key2", "abcdef")
    assert run(stash, "BITOP", "AND", "dest", "key1", "key2") == 6
    assert run(stash, "GET", "dest") == b"`bc`ab"
    assert run(stash, "BITOP", "or", "dest", "key1", "key2") == 6
    assert run(stash, "GET", "dest") == b"goofev"
    assert run(stash, "BITOP", "XOR", "dest", "key1", "key2") == 6
    assert run(stash, "GET", "dest") == b"\x07\r\x0c\x06\x04\x14"
    assert run(stash, "BITOP", "NOT", "dest", "key1") == 6
    assert run(stash, "GET", "dest") == bytes(~b & 0xFF for b in b"foobar")


def test_bitop_pads_shorter_and_missing_sources_with_zeros(stash: FakeStash) -> None:
    run(stash, "SET", "a", b"\xff\xff\xff")
    run(stash, "SET", "b", b"\x0f")
    assert run(stash, "BITOP", "AND", "d", "a", "b", "missing") == 3
    assert run(stash, "GET", "d") == b"\x00\x00\x00"
    assert run(stash, "BITOP", "AND", "d", "a", "b") == 3
    assert run(stash, "GET", "d") == b"\x0f\x00\x00"
    assert run(stash, "BITOP", "OR", "d", "b", "a") == 3
    assert run(stash, "GET", "d") == b"\xff\xff\xff"


def test_bitop_with_empty_result_deletes_the_destination(stash: FakeStash) -> None:
    run(stash, "SET", "d", "x", "EX", "100")
    assert run(stash, "BITOP", "AND", "d", "missing", "nope") == 0
    assert run(stash, "EXISTS", "d") == 0
    run(stash, "SET", "d", "x", "EX", "100")
    run(stash, "SET", "src", "a")
    assert run(stash, "BITOP", "OR", "d", "src") == 1
    assert run(stash, "TTL", "d") == -1


def test_bitop_argument_errors(stash: FakeStash) -> None:
    assert error(stash, "BITOP", "NOT", "d", "a", "b") == (
        "ERR BITOP NOT must be called with a single source key."
    )
    assert error(stash, "BITOP", "nand", "d", "a") == SYNTAX
    for op in ("DIFF", "diff1", "AndOr"):
        assert error(stash, "BITOP", op, "d", "a") == (
            f"ERR BITOP {op.upper()} must be called with at least two source keys."
        )
    assert error(stash, "BITOP", "AND", "d") == "ERR wrong number of arguments for 'bitop' command"


# The Redis 8.2 docs' bitmap tutorial (develop/data-types/bitmaps): A=11011000, B=00011001,
# C=01101100, built with SETBIT.
@pytest.fixture
def abc(stash: FakeStash) -> FakeStash:
    for key, bits in (("A", (0, 1, 3, 4)), ("B", (3, 4, 7)), ("C", (1, 2, 4, 5))):
        for bit in bits:
            assert run(stash, "SETBIT", key, str(bit), "1") == 0
    assert [run(stash, "GET", k) for k in "ABC"] == [b"\xd8", b"\x19", b"l"]
    return stash


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["AND", "R", "A", "B", "C"], b"\x08"),
        (["OR", "R", "A", "B", "C"], b"\xfd"),
        (["XOR", "R", "A", "B"], b"\xc1"),
        (["NOT", "R", "A"], b"'"),
        (["DIFF", "R", "A", "B", "C"], b"\x80"),  # in A, in neither B nor C
        (["DIFF1", "R", "A", "B", "C"], b"%"),  # not in A, in B or C
        (["ANDOR", "R", "A", "B", "C"], b"X"),  # in A and in B or C
        (["ONE", "R", "A", "B", "C"], b"\xa5"),  # in exactly one of them
    ],
)
def test_bitop_docs_tutorial(abc: FakeStash, argv: list[str], expected: bytes) -> None:
    assert run(abc, "BITOP", *argv) == 1
    assert run(abc, "GET", "R") == expected


def test_bitop_one_of_a_single_key_copies_it(abc: FakeStash) -> None:
    assert run(abc, "BITOP", "ONE", "R", "A") == 1
    assert run(abc, "GET", "R") == b"\xd8"
    run(abc, "SET", "D", b"\x01\x02")
    assert run(abc, "BITOP", "ONE", "R", "A", "D", "missing") == 2
    assert run(abc, "GET", "R") == b"\xd9\x02"


def test_bitop_diff_pads_the_first_key(stash: FakeStash) -> None:
    run(stash, "SET", "x", b"\xf0")
    run(stash, "SET", "y", b"\x10\xff")
    assert run(stash, "BITOP", "DIFF", "r", "x", "y") == 2
    assert run(stash, "GET", "r") == b"\xe0\x00"
    assert run(stash, "BITOP", "DIFF1", "r", "x", "y") == 2
    assert run(stash, "GET", "r") == b"\x00\xff"


# ---- BITFIELD -------------------------------------------------------------------------------------


def test_bitfield_docs_examples(stash: FakeStash) -> None:
    assert run(stash, "BITFIELD", "mykey", "INCRBY", "i5", "100", "1", "GET", "u4", "0") == [1, 0]
    assert run(
        stash, "BITFIELD", "mystring", "SET", "i8", "#0", "100", "SET", "i8", "#1", "200"
    ) == [0, 0]
    assert run(stash, "GET", "mystring") == b"d\xc8"
    assert run(stash, "BITFIELD", "mystring", "GET", "i8", "#1", "GET", "u8", "#1") == [-56, 200]
    replies = []
    for _ in range(4):
        replies.append(run(stash, "BITFIELD", "ov", "INCRBY", "u2", "100", "1",
                           "OVERFLOW", "SAT", "INCRBY", "u2", "102", "1"))  # fmt: skip
    assert replies == [[1, 1], [2, 2], [3, 3], [0, 3]]
    assert run(stash, "BITFIELD", "f", "OVERFLOW", "FAIL", "INCRBY", "u2", "102", "4") == [None]


def test_bitfield_overflow_modes(stash: FakeStash) -> None:
    assert run(stash, "BITFIELD", "bf", "OVERFLOW", "FAIL", "SET", "u8", "0", "256",
               "SET", "u8", "8", "255", "INCRBY", "u8", "8", "1") == [None, 0, None]  # fmt: skip
    assert run(stash, "GET", "bf") == b"\x00\xff"
    assert run(stash, "BITFIELD", "bf", "OVERFLOW", "SAT", "SET", "u8", "0", "-1",
               "SET", "i8", "8", "-1000", "INCRBY", "i8", "8", "-1000",
               "INCRBY", "i64", "16", "9223372036854775807",
               "INCRBY", "i64", "16", "9223372036854775807") == [
        0, -1, -128, 9223372036854775807, 9223372036854775807,
    ]  # fmt: skip
    assert run(stash, "BITFIELD", "w", "SET", "i8", "0", "200", "GET", "i8", "0",
               "INCRBY", "u3", "8", "-1", "SET", "u8", "16", "-1", "GET", "u8", "16") == [
        0, -56, 7, 0, 255,
    ]  # fmt: skip
    assert run(stash, "BITFIELD", "w64", "SET", "i64", "3", "-9223372036854775808",
               "INCRBY", "i64", "3", "-1", "GET", "i64", "3", "GET", "u63", "3") == [
        0, 9223372036854775807, 9223372036854775807, 4611686018427387903,
    ]  # fmt: skip


def test_bitfield_grows_the_string_even_when_every_write_fails(stash: FakeStash) -> None:
    assert run(stash, "BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u2", "100", "10") == [None]
    assert run(stash, "GET", "k") == bytes(13)


def test_bitfield_hash_offsets_multiply_by_the_width(stash: FakeStash) -> None:
    assert run(stash, "BITFIELD", "k", "SET", "u4", "#3", "15") == [0]
    assert run(stash, "GET", "k") == b"\x00\x0f"
    assert run(stash, "BITFIELD", "k", "GET", "u4", "12") == [15]


def test_bitfield_gets_alone_never_create_the_key(stash: FakeStash) -> None:
    assert run(stash, "BITFIELD", "k", "GET", "u8", "0", "OVERFLOW", "SAT") == [0]
    assert run(stash, "BITFIELD", "k") == []
    assert run(stash, "EXISTS", "k") == 0


@pytest.mark.parametrize(
    "args, text",
    [
        (["GET", "u64", "0"], BAD_TYPE),
        (["GET", "i65", "0"], BAD_TYPE),
        (["GET", "i0", "0"], BAD_TYPE),
        (["GET", "I8", "0"], BAD_TYPE),
        (["GET", "i08", "0"], BAD_TYPE),
        (["GET", "x8", "0"], BAD_TYPE),
        (["GET", "i", "0"], BAD_TYPE),
        (["GET", "i8", "-1"], BAD_OFFSET),
        (["GET", "i8", "#-1"], BAD_OFFSET),
        (["GET", "i8", "#"], BAD_OFFSET),
        (["GET", "i8", "#536870912"], BAD_OFFSET),
        (["GET", "i64", "#9223372036854775807"], BAD_OFFSET),  # wraps negative in C
        (["GET", "i8", "4294967296"], BAD_OFFSET),
        (["SET", "i8", "0", "x"], NOT_INT),
        (["INCRBY", "i8", "0", "1.5"], NOT_INT),
        (["SET", "i8"], SYNTAX),
        (["GET", "i8"], SYNTAX),
        (["OVERFLOW"], SYNTAX),
        (["OVERFLOW", "x"], "ERR Invalid OVERFLOW type specified"),
        (["bogus", "i8", "0"], SYNTAX),
        (["GET", "i8", "0", "extra"], SYNTAX),
    ],
)
def test_bitfield_errors(stash: FakeStash, args: list[str], text: str) -> None:
    assert error(stash, "BITFIELD", "k", *args) == text
    assert run(stash, "EXISTS", "k") == 0


def test_bitfield_stops_parsing_the_width_at_a_nul_as_c_does(stash: FakeStash) -> None:
    assert run(stash, "BITFIELD", "k", "GET", b"i8\x00junk", "0") == [0]


def test_bitfield_ro_only_gets(stash: FakeStash) -> None:
    run(stash, "SET", "k", b"\x80")
    assert run(stash, "BITFIELD_RO", "k", "GET", "i8", "0", "GET", "u1", "0") == [-128, 1]
    assert run(stash, "BITFIELD_RO", "k") == []
    assert error(stash, "BITFIELD_RO", "k", "INCRBY", "i8", "0", "1") == (
        "ERR BITFIELD_RO only supports the GET subcommand"
    )
    assert error(stash, "BITFIELD_RO", "k", "SET", "i8", "0", "x") == NOT_INT


def test_bitfield_ro_refuses_writes_before_looking_at_the_key(with_list: FakeStash) -> None:
    assert error(with_list, "BITFIELD_RO", "l", "SET", "i8", "0", "1") == (
        "ERR BITFIELD_RO only supports the GET subcommand"
    )


def test_bitfield_keeps_the_ttl(stash: FakeStash) -> None:
    run(stash, "SET", "k", "a", "EX", "100")
    run(stash, "BITFIELD", "k", "SET", "u8", "64", "1")
    assert run(stash, "TTL", "k") == 100


# ---- properties against a naive model ----------------------------------------------------------------


def bits_of(value: bytes) -> list[int]:
    return [(byte >> (7 - i)) & 1 for byte in value for i in range(8)]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 200), st.integers(0, 1)), max_size=40))
def test_setbit_agrees_with_a_bit_list(writes: list[tuple[int, int]]) -> None:
    stash = FakeStash(seed=0)
    model: list[int] = []
    for offset, bit in writes:
        size = (offset // 8 + 1) * 8
        model += [0] * max(0, size - len(model))
        assert run(stash, "SETBIT", "k", str(offset), str(bit)) == model[offset]
        model[offset] = bit
    value = run(stash, "GET", "k") or b""
    assert isinstance(value, bytes)
    assert bits_of(value) == model
    assert run(stash, "BITCOUNT", "k") == sum(model)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=6), st.integers(-60, 60), st.integers(-60, 60), st.booleans())
def test_bitcount_and_bitpos_in_bit_ranges_agree_with_a_bit_list(
    value: bytes, start: int, end: int, bit: bool
) -> None:
    stash = FakeStash(seed=0)
    run(stash, "SET", "k", value)
    bits = bits_of(value)
    n = len(bits)
    lo = max(start + n if start < 0 else start, 0)
    hi = min(max(end + n if end < 0 else end, 0), n - 1)
    if start < 0 and end < 0 and start > end:
        expected_count = 0
    else:
        expected_count = sum(bits[lo : hi + 1]) if lo <= hi else 0
    assert run(stash, "BITCOUNT", "k", str(start), str(end), "BIT") == expected_count
    wanted = int(bit)
    found = [i for i in range(lo, hi + 1) if bits[i] == wanted]
    assert run(stash, "BITPOS", "k", str(wanted), str(start), str(end), "BIT") == (
        found[0] if found else -1
    )


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=10), st.integers(0, 80), st.integers(1, 64), st.integers(0, 2**64 - 1))
def test_bitfield_set_then_get_round_trips(value: bytes, offset: int, bits: int, raw: int) -> None:
    data = bytearray(value.ljust((offset + bits + 7) // 8, b"\x00"))
    before = bits_of(bytes(data))
    set_field(data, offset, bits, raw)
    assert get_field(data, offset, bits, False) == raw & ((1 << bits) - 1)
    after = bits_of(bytes(data))
    assert after[:offset] == before[:offset]
    assert after[offset + bits :] == before[offset + bits :]


# ---- a real redis-server ---------------------------------------------------------------------------




def _random_command(rng: random.Random, keys: list[str]) -> list[str]:
    key = rng.choice(keys)
    small = lambda: str(rng.randrange(-20, 40))  # noqa: E731
    kind = rng.randrange(9)
    if kind == 0:
        return ["SETBIT", key, str(rng.randrange(0, 90)), rng.choice(["0", "1"])]
    if kind == 1:
        return ["GETBIT", key, str(rng.randrange(0, 90))]
    if kind == 2:
        tail = rng.choice([[], [small(), small()], [small(), small(), rng.choice(["BIT", "byte"])]])
        return ["BITCOUNT", key, *tail]
    if kind == 3:
        tail = rng.choice([[], [small()], [small(), small()], [small(), small(), "BIT"]])
        return ["BITPOS", key, rng.choice(["0", "1"]), *tail]
    if kind == 4:
        op = rng.choice(["AND", "OR", "XOR", "NOT"])
        count = 1 if op == "NOT" else rng.randrange(1, 4)
        return ["BITOP", op, rng.choice(keys), *[rng.choice([*keys, "z"]) for _ in range(count)]]
    if kind in (5, 6):
        argv = [rng.choice(["BITFIELD", "BITFIELD", "BITFIELD_RO"]), key]
        for _ in range(rng.randrange(1, 4)):
            sub = rng.choice(["GET", "SET", "INCRBY", "OVERFLOW"])
            width = rng.choice(["i1", "u1", "i8", "u8", "i13", "u31", "i64", "u63"])
            offset = rng.choice([str(rng.randrange(0, 80)), f"#{rng.randrange(0, 4)}"])
            number = str(rng.choice([rng.randrange(-300, 300), rng.randrange(-(2**63), 2**63)]))
            if sub == "OVERFLOW":
                argv += [sub, rng.choice(["WRAP", "SAT", "FAIL"])]
            elif sub == "GET":
                argv += [sub, width, offset]
            else:
                argv += [sub, width, offset, number]
        return argv
    if kind == 7:
        return ["SET", key, rng.choice(["", "foobar", "\x00\x0f", "123", "a" * 20])]
    return ["DEL", key]


def _redis_error_text(text: str) -> str:
    """redis-py drops the ``ERR `` of an error (and keeps codes such as ``WRONGTYPE``)."""
    code = text.split(" ", 1)[0]
    return text if code.isalpha() and code.isupper() else "ERR " + text


@pytest.mark.real_redis
@pytest.mark.parametrize("seed", range(4))
def test_random_bitmap_commands_match_real_redis(real_redis: Any, seed: int) -> None:
    """Valid-argument sequences (where Redis 7.0 and 7.2+ agree): same replies, same bytes."""
    redis = pytest.importorskip("redis")
    real_redis.flushall()
    stash = FakeStash(seed=0)
    rng = random.Random(seed)
    keys = ["a", "b", "c"]
    for _ in range(400):
        argv = _random_command(rng, keys)
        try:
            expected: Any = real_redis.execute_command(*argv)
        except redis.ResponseError as exc:
            assert error(stash, *argv) == _redis_error_text(str(exc)), argv
            continue
        got = run(stash, *argv)
        if argv[0] in ("SET",):
            continue
        assert got == expected, argv
        for key in keys:
            assert run(stash, "GET", key) == real_redis.get(key), (argv, key)
