"""List commands: replies, errors and edge cases as Redis 7.0 gives them, and a model test."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fakestash import FakeStash, ManualClock
from fakestash._engine.values.hash import HashValue
from tests.helpers import error, run

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def b(*items: str) -> list[bytes]:
    return [i.encode() for i in items]


def make_hash(stash: FakeStash, key: str = "h") -> None:
    value = HashValue()
    value.set(b"f", b"v")
    stash.database.put(key.encode(), value)


# ---- push and pop ------------------------------------------------------------------------


def test_pushes_build_the_list_from_both_ends(stash: FakeStash) -> None:
    assert run(stash, "LPUSH", "l", "a", "b", "c") == 3
    assert run(stash, "RPUSH", "l", "d", "e") == 5
    assert run(stash, "LRANGE", "l", "0", "-1") == b("c", "b", "a", "d", "e")


def test_pushx_only_on_existing_lists(stash: FakeStash) -> None:
    assert run(stash, "LPUSHX", "l", "a") == 0
    assert run(stash, "RPUSHX", "l", "a") == 0
    assert stash.database.data == {}
    run(stash, "RPUSH", "l", "m")
    assert run(stash, "LPUSHX", "l", "a", "b") == 3
    assert run(stash, "RPUSHX", "l", "z") == 4
    assert run(stash, "LRANGE", "l", "0", "-1") == b("b", "a", "m", "z")


def test_pop_single_and_counted(stash: FakeStash) -> None:
    run(stash, "RPUSH", "l", "a", "b", "c", "d", "e")
    assert run(stash, "LPOP", "l") == b"a"
    assert run(stash, "RPOP", "l") == b"e"
    assert run(stash, "LPOP", "l", "0") == []
    assert run(stash, "LPOP", "l", "2") == b("b", "c")
    assert run(stash, "RPOP", "l", "5") == b("d")
    assert stash.database.data == {}


def test_pop_on_missing_key(stash: FakeStash) -> None:
    assert run(stash, "LPOP", "l") is None
    assert run(stash, "RPOP", "l", "0") is None
    assert run(stash, "LPOP", "l", "3") is None


@pytest.mark.parametrize("command", ["LPOP", "RPOP"])
def test_pop_count_errors(stash: FakeStash, command: str) -> None:
    run(stash, "RPUSH", "l", "a")
    assert error(stash, command, "l", "-1") == "ERR value is out of range, must be positive"
    assert error(stash, command, "l", "x") == "ERR value is out of range, must be positive"
    assert error(stash, command, "nokey", "-1") == "ERR value is out of range, must be positive"
    assert error(stash, command, "l", "1", "2") == (
        f"ERR wrong number of arguments for '{command.lower()}' command"
    )


@pytest.mark.parametrize(
    "args",
    [
        ("LPUSH", "h", "a"),
        ("RPUSH", "h", "a"),
        ("LPUSHX", "h", "a"),
        ("RPUSHX", "h", "a"),
        ("LPOP", "h"),
        ("RPOP", "h", "2"),
        ("LLEN", "h"),
        ("LRANGE", "h", "0", "-1"),
        ("LINDEX", "h", "0"),
        ("LSET", "h", "0", "x"),
        ("LINSERT", "h", "BEFORE", "a", "b"),
        ("LREM", "h", "0", "a"),
        ("LTRIM", "h", "0", "1"),
        ("LPOS", "h", "a"),
        ("LMOVE", "h", "l", "LEFT", "LEFT"),
        ("RPOPLPUSH", "h", "l"),
        ("LMPOP", "1", "h", "LEFT"),
    ],
)
def test_list_commands_refuse_other_types(stash: FakeStash, args: tuple[str, ...]) -> None:
    make_hash(stash)
    assert error(stash, *args) == WRONGTYPE


# ---- reading -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "stop", "expected"),
    [
        ("0", "-1", "abcde"),
        ("1", "2", "bc"),
        ("-3", "-1", "cde"),
        ("-100", "100", "abcde"),
        ("3", "1", ""),
        ("5", "10", ""),
        ("0", "-100", ""),
        ("4", "4", "e"),
        ("-1", "-1", "e"),
    ],
)
def test_lrange_clamps_like_redis(stash: FakeStash, start: str, stop: str, expected: str) -> None:
    run(stash, "RPUSH", "l", *"abcde")
    assert run(stash, "LRANGE", "l", start, stop) == b(*expected)


def test_lrange_errors_and_missing_key(stash: FakeStash) -> None:
    assert run(stash, "LRANGE", "nokey", "0", "-1") == []
    assert error(stash, "LRANGE", "nokey", "x", "1") == (
        "ERR value is not an integer or out of range"
    )


def test_lrange_walks_from_the_nearer_end_of_a_long_list(stash: FakeStash) -> None:
    run(stash, "RPUSH", "l", *[str(i) for i in range(1000)])
    assert run(stash, "LRANGE", "l", "-3", "-1") == b("997", "998", "999")
    assert run(stash, "LRANGE", "l", "995", "997") == b("995", "996", "997")
    assert run(stash, "LRANGE", "l", "1", "2") == b("1", "2")


def test_lindex(stash: FakeStash) -> None:
    run(stash, "RPUSH", "l", "a", "b", "c")
    assert run(stash, "LINDEX", "l", "0") == b"a"
    assert run(stash, "LINDEX", "l", "-1") == b"c"
    assert run(stash, "LINDEX", "l", "3") is None
    assert run(stash, "LINDEX", "l", "-4") is None
    assert run(stash, "LINDEX", "nokey", "x") is None  # the key is looked up first
    assert error(stash, "LINDEX", "l", "x") == "ERR value is not an integer or out of range"


def test_llen(stash: FakeStash) -> None:
    assert run(stash, "LLEN", "l") == 0
    run(stash, "RPUSH", "l", "a", "b")
    assert run(stash, "LLEN", "l") == 2


# ---- LSET / LINSERT / LREM / LTRIM -------------------------------------------------------


def test_lset(stash: FakeStash) -> None:
    run(stash, "RPUSH", "l", "a", "b", "c")
    assert str(run(stash, "LSET", "l", "0", "A")) == "OK"
    assert str(run(stash, "LSET", "l", "-1", "C")) == "OK"
    assert run(stash, "LRANGE", "l", "0", "-1") == b("A", "b", "C")
    assert error(stash, "LSET", "l", "3", "x") == "ERR index out of range"
    assert error(stash, "LSET", "l", "-4", "x") == "ERR index out of range"
    assert error(stash, "LSET", "l", "x", "x") == "ERR value is not an integer or out of range"
    assert error(stash, "LSET", "nokey", "x", "x") == "ERR no such key"
    assert error(stash, "LSET", "nokey", "0", "x") == "ERR no such key"


def test_linsert(stash: FakeStash) -> None:
    run(stash, "RPUSH", "l", "a", "b", "a")
    assert run(stash, "LINSERT", "l", "before", "a", "X") == 4
    assert run(stash, "LINSERT", "l", "AFTER", "b", "Y") == 5
    assert run(stash, "LRANGE", "l", "0", "-1") == b("X", "a", "b", "Y", "a")
    assert run(stash, "LINSERT", "l", "BEFORE", "nope", "Z") == -1
    assert run(stash, "LINSERT", "nokey", "BEFORE", "a", "Z") == 0
    assert error(stash, "LINSERT", "nokey", "MIDDLE", "a", "Z") == "ERR syntax error"


def test_lrem_directions(stash: FakeStash) -> None:
    run(stash, "RPUSH", "l", *"abacada")
    assert run(stash, "LREM", "l", "-2", "a") == 2
    assert run(stash, "LRANGE", "l", "0", "-1") == b(*"abacd")
    assert run(stash, "LREM", "l", "1", "a") == 1
    assert run(stash, "LRANGE", "l", "0", "-1") == b(*"bacd")
    assert run(stash, "LREM", "l", "0", "zz") == 0
    assert run(stash, "LREM", "l", "0", "a") == 1
    assert run(stash, "LREM", "nokey", "1", "a") == 0
    assert error(stash, "LREM", "nokey", "x", "a") == "ERR value is not an integer or out of range"
    run(stash, "LREM", "l", "0", "b")
    run(stash, "LREM", "l", "0", "c")
    run(stash, "LREM", "l", "0", "d")
    assert stash.database.data == {}


@pytest.mark.parametrize(
    ("start", "stop", "expected"),
    [
        ("1", "-2", "bcd"),
        ("-3", "-1", "cde"),
        ("0", "100", "abcde"),
        ("-100", "0", "a"),
        ("3", "3", "d"),
    ],
)
def test_ltrim(stash: FakeStash, start: str, stop: str, expected: str) -> None:
    run(stash, "RPUSH", "l", *"abcde")
    assert str(run(stash, "LTRIM", "l", start, stop)) == "OK"
    assert run(stash, "LRANGE", "l", "0", "-1") == b(*expected)


def test_ltrim_to_nothing_removes_the_key(stash: FakeStash) -> None:
    run(stash, "RPUSH", "l", *"abc")
    assert str(run(stash, "LTRIM", "l", "5", "1")) == "OK"
    assert stash.database.data == {}
    assert str(run(stash, "LTRIM", "l", "0", "1")) == "OK"
    assert error(stash, "LTRIM", "l", "x", "1") == "ERR value is not an integer or out of range"


# ---- LPOS --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ((), 0),
        (("RANK", "2"), 3),
        (("RANK", "-1"), 6),
        (("RANK", "-2"), 3),
        (("RANK", "4"), None),
        (("COUNT", "0"), [0, 3, 6]),
        (("COUNT", "2"), [0, 3]),
        (("COUNT", "0", "RANK", "-1"), [6, 3, 0]),
        (("COUNT", "2", "RANK", "2"), [3, 6]),
        (("MAXLEN", "3"), 0),
        (("RANK", "2", "MAXLEN", "3"), None),
        (("RANK", "-1", "MAXLEN", "1"), 6),
        (("RANK", "-1", "MAXLEN", "1", "COUNT", "0"), [6]),
        (("rank", "9223372036854775807"), None),
    ],
)
def test_lpos(stash: FakeStash, options: tuple[str, ...], expected: Any) -> None:
    run(stash, "RPUSH", "l", *"abcabca")
    assert run(stash, "LPOS", "l", "a", *options) == expected


def test_lpos_without_match_or_key(stash: FakeStash) -> None:
    run(stash, "RPUSH", "l", "a")
    assert run(stash, "LPOS", "l", "z") is None
    assert run(stash, "LPOS", "l", "z", "COUNT", "0") == []
    assert run(stash, "LPOS", "nokey", "a") is None
    assert run(stash, "LPOS", "nokey", "a", "COUNT", "1") == []


@pytest.mark.parametrize(
    ("options", "text"),
    [
        (
            ("RANK", "0"),
            "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second "
            "... or use negative to start from the end of the list",
        ),
        (("RANK", "x"), "ERR value is not an integer or out of range"),
        (
            ("RANK", "-9223372036854775808"),
            "ERR value is out of range, value must between "
            "-9223372036854775807 and 9223372036854775807",
        ),
        (("COUNT", "-1"), "ERR COUNT can't be negative"),
        (("COUNT", "x"), "ERR COUNT can't be negative"),
        (("MAXLEN", "-1"), "ERR MAXLEN can't be negative"),
        (("MAXLEN", "x"), "ERR MAXLEN can't be negative"),
        (("BOGUS", "1"), "ERR syntax error"),
        (("RANK",), "ERR syntax error"),
    ],
)
def test_lpos_errors_even_without_a_key(
    stash: FakeStash, options: tuple[str, ...], text: str
) -> None:
    assert error(stash, "LPOS", "nokey", "a", *options) == text


# ---- LMOVE / RPOPLPUSH / LMPOP -----------------------------------------------------------


def test_lmove_between_lists(stash: FakeStash) -> None:
    run(stash, "RPUSH", "src", "a", "b", "c")
    assert run(stash, "LMOVE", "src", "dst", "LEFT", "RIGHT") == b"a"
    assert run(stash, "LMOVE", "src", "dst", "right", "left") == b"c"
    assert run(stash, "RPOPLPUSH", "src", "dst") == b"b"
    assert run(stash, "LRANGE", "dst", "0", "-1") == b("b", "c", "a")
    assert b"src" not in stash.database.data
    assert run(stash, "LMOVE", "src", "dst", "LEFT", "LEFT") is None
    assert run(stash, "RPOPLPUSH", "src", "dst") is None


def test_lmove_rotates_a_single_list(stash: FakeStash) -> None:
    run(stash, "RPUSH", "l", "a", "b", "c")
    assert run(stash, "LMOVE", "l", "l", "LEFT", "RIGHT") == b"a"
    assert run(stash, "LRANGE", "l", "0", "-1") == b("b", "c", "a")
    assert run(stash, "RPOPLPUSH", "l", "l") == b"a"
    assert run(stash, "LRANGE", "l", "0", "-1") == b("a", "b", "c")
    run(stash, "RPUSH", "one", "x")
    assert run(stash, "LMOVE", "one", "one", "LEFT", "LEFT") == b"x"
    assert run(stash, "LRANGE", "one", "0", "-1") == [b"x"]


def test_lmove_checks(stash: FakeStash) -> None:
    make_hash(stash)
    run(stash, "RPUSH", "l", "a")
    assert run(stash, "LMOVE", "nokey", "h", "LEFT", "LEFT") is None  # nothing to move
    assert error(stash, "LMOVE", "l", "h", "LEFT", "LEFT") == WRONGTYPE
    assert run(stash, "LRANGE", "l", "0", "-1") == [b"a"]  # nothing moved
    assert error(stash, "LMOVE", "l", "m", "MIDDLE", "LEFT") == "ERR syntax error"
    assert error(stash, "LMOVE", "l", "m", "LEFT", "UP") == "ERR syntax error"


def test_lmpop(stash: FakeStash) -> None:
    run(stash, "RPUSH", "b", "1", "2", "3")
    assert run(stash, "LMPOP", "2", "a", "b", "LEFT") == [b"b", [b"1"]]
    assert run(stash, "LMPOP", "2", "a", "b", "RIGHT", "COUNT", "5") == [b"b", b("3", "2")]
    assert b"b" not in stash.database.data
    assert run(stash, "LMPOP", "2", "a", "b", "left") is None


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (("0", "l", "LEFT"), "ERR numkeys should be greater than 0"),
        (("x", "l", "LEFT"), "ERR numkeys should be greater than 0"),
        (("2", "l", "LEFT"), "ERR syntax error"),
        (("1", "l", "MIDDLE"), "ERR syntax error"),
        (("1", "l", "LEFT", "COUNT"), "ERR syntax error"),
        (("1", "l", "LEFT", "COUNT", "0"), "ERR count should be greater than 0"),
        (("1", "l", "LEFT", "COUNT", "x"), "ERR count should be greater than 0"),
        (("1", "l", "LEFT", "COUNT", "1", "COUNT", "1"), "ERR syntax error"),
        (("1", "l", "LEFT", "bogus"), "ERR syntax error"),
    ],
)
def test_lmpop_errors(stash: FakeStash, args: tuple[str, ...], text: str) -> None:
    assert error(stash, "LMPOP", *args) == text


def test_lmpop_stops_at_a_wrong_type(stash: FakeStash) -> None:
    make_hash(stash)
    run(stash, "RPUSH", "l", "a")
    assert error(stash, "LMPOP", "2", "h", "l", "LEFT") == WRONGTYPE
    assert run(stash, "LMPOP", "2", "l", "h", "LEFT") == [b"l", [b"a"]]


def test_lmpop_key_positions() -> None:
    from fakestash._engine.registry import Registry

    cmd = Registry.default().get("lmpop")
    assert cmd is not None
    assert cmd.keys([b"LMPOP", b"2", b"a", b"b", b"LEFT"]) == [b"a", b"b"]
    assert cmd.keys([b"LMPOP", b"x", b"a"]) == []


@pytest.mark.parametrize(
    "args",
    [
        ("BLPOP", "l", "0"),
        ("BRPOP", "l", "0"),
        ("BRPOPLPUSH", "a", "b", "0"),
        ("BLMOVE", "a", "b", "LEFT", "LEFT", "0"),
        ("BLMPOP", "0", "1", "l", "LEFT"),
    ],
)
def test_blocking_list_commands_are_not_available(stash: FakeStash, args: tuple[str, ...]) -> None:
    assert error(stash, *args) == (
        f"ERR Command is not available: '{args[0]}'. "
        "See https://upstash.com/docs/redis/overall/rediscompatibility for details"
    )


def test_empty_string_elements_are_elements(stash: FakeStash) -> None:
    run(stash, "LPUSH", "e", "")
    assert run(stash, "LRANGE", "e", "0", "-1") == [b""]
    assert run(stash, "LPOP", "e") == b""
    assert stash.database.data == {}


def test_copy_is_independent(stash: FakeStash) -> None:
    run(stash, "RPUSH", "l", "a")
    db = stash.database
    db.put(b"m", db.data[b"l"].copy())
    run(stash, "RPUSH", "l", "b")
    assert run(stash, "LRANGE", "m", "0", "-1") == [b"a"]
    assert db.data[b"m"].type_name == "list"


# ---- the model test ----------------------------------------------------------------------

ELEMENTS = st.sampled_from([b"a", b"b", b"c", b""])
INDEXES = st.integers(-8, 8)
OPS = st.one_of(
    st.tuples(st.sampled_from(["LPUSH", "RPUSH"]), st.lists(ELEMENTS, min_size=1, max_size=3)),
    st.tuples(st.sampled_from(["LPOP", "RPOP"]), st.one_of(st.none(), st.integers(0, 4))),
    st.tuples(st.just("LSET"), st.tuples(INDEXES, ELEMENTS)),
    st.tuples(st.just("LREM"), st.tuples(st.integers(-3, 3), ELEMENTS)),
    st.tuples(st.just("LTRIM"), st.tuples(INDEXES, INDEXES)),
    st.tuples(st.just("LINSERT"), st.tuples(st.booleans(), ELEMENTS, ELEMENTS)),
    st.tuples(st.just("LMOVE"), st.tuples(st.booleans(), st.booleans())),
)


def _clamp(items: list[bytes], start: int, stop: int) -> list[bytes]:
    n = len(items)
    start = start + n if start < 0 else start
    stop = stop + n if stop < 0 else stop
    start = max(start, 0)
    if start > stop or start >= n:
        return []
    return items[start : min(stop, n - 1) + 1]


def _apply(stash: FakeStash, model: list[bytes], name: str, arg: Any) -> list[bytes]:
    if name in ("LPUSH", "RPUSH"):
        assert run(stash, name, "l", *arg) == len(model) + len(arg)
        return [*reversed(arg), *model] if name == "LPUSH" else [*model, *arg]
    if name in ("LPOP", "RPOP"):
        left = name == "LPOP"
        if arg is None:
            expected: Any = (model[0] if left else model[-1]) if model else None
            assert run(stash, name, "l") == expected
            return model[1:] if left else model[:-1]
        taken = model[:arg] if left else model[::-1][:arg]
        assert run(stash, name, "l", arg) == (taken if model else None)
        return model[len(taken) :] if left else model[: len(model) - len(taken)]
    if name == "LSET":
        index, element = arg
        if not model:
            assert error(stash, "LSET", "l", index, element) == "ERR no such key"
        elif not -len(model) <= index < len(model):
            assert error(stash, "LSET", "l", index, element) == "ERR index out of range"
        else:
            model = list(model)
            model[index] = element
            run(stash, "LSET", "l", index, element)
        return model
    if name == "LREM":
        count, element = arg
        walk = model if count >= 0 else model[::-1]
        limit = abs(count) or len(model)
        kept, removed = [], 0
        for item in walk:
            if item == element and removed < limit:
                removed += 1
            else:
                kept.append(item)
        assert run(stash, "LREM", "l", count, element) == removed
        return kept if count >= 0 else kept[::-1]
    if name == "LTRIM":
        run(stash, "LTRIM", "l", *arg)
        return _clamp(model, *arg)
    if name == "LINSERT":
        before, pivot, element = arg
        where = "BEFORE" if before else "AFTER"
        reply = run(stash, "LINSERT", "l", where, pivot, element)
        if not model:
            assert reply == 0
            return model
        if pivot not in model:
            assert reply == -1
            return model
        i = model.index(pivot) + (0 if before else 1)
        model = [*model[:i], element, *model[i:]]
        assert reply == len(model)
        return model
    from_left, to_left = arg
    sides = ("LEFT" if from_left else "RIGHT", "LEFT" if to_left else "RIGHT")
    reply = run(stash, "LMOVE", "l", "l", *sides)
    if not model:
        assert reply is None
        return model
    item = model[0] if from_left else model[-1]
    assert reply == item
    rest = model[1:] if from_left else model[:-1]
    return [item, *rest] if to_left else [*rest, item]


@settings(max_examples=200, deadline=None)
@given(st.lists(OPS, max_size=30))
def test_lists_agree_with_a_python_list(ops: list[tuple[str, Any]]) -> None:
    stash = FakeStash(seed=0, clock=ManualClock(1_700_000_000))
    model: list[bytes] = []
    for name, arg in ops:
        model = _apply(stash, model, name, arg)
        assert run(stash, "LRANGE", "l", "0", "-1") == model
        assert run(stash, "LLEN", "l") == len(model)
        assert (b"l" in stash.database.data) == bool(model)
        for i in (-1, 0, 1, len(model) - 1):
            expected = model[i] if model and -len(model) <= i < len(model) else None
            assert run(stash, "LINDEX", "l", i) == expected


def test_dump_and_restore_round_trip(stash: FakeStash) -> None:
    run(stash, "RPUSH", "l", "a", "12", "x" * 100)
    payload = run(stash, "DUMP", "l")
    assert isinstance(payload, bytes) and payload[0] == 1  # RDB_TYPE_LIST
    assert str(run(stash, "RESTORE", "m", "0", payload)) == "OK"
    assert run(stash, "LRANGE", "m", "0", "-1") == b("a", "12", "x" * 100)


def test_restore_reads_a_quicklist_from_redis(stash: FakeStash) -> None:
    # DUMP of RPUSH l a 1 hello on redis-server 7.0.15 (RDB_TYPE_LIST_QUICKLIST_2)
    payload = bytes.fromhex("1201021313000000030081610201018568656c6c6f06ff0a00a21038a516cf7d51")
    assert str(run(stash, "RESTORE", "l", "0", payload)) == "OK"
    assert run(stash, "LRANGE", "l", "0", "-1") == b("a", "1", "hello")
