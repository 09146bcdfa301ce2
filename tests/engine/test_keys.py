"""Generic key commands: replies and error texts as Redis 7.0 gives them, with Upstash's
deviations (UNLINK with no key, COPY k k, SCAN WITHTYPE)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fakestash import FakeStash, ManualClock
from fakestash._engine.replies import Status
from tests.helpers import error, run

NOW_MS = 1_700_000_000_000
NOT_INT = "ERR value is not an integer or out of range"


class Bag:
    """A stand-in collection value with its own type name."""

    def __init__(self, type_name: str = "set", items: Any = ("x",)) -> None:
        self.type_name = type_name
        self.items = list(items)

    def __len__(self) -> int:
        return len(self.items)

    def copy(self) -> Bag:
        return Bag(self.type_name, self.items)


def put(stash: FakeStash, key: str, value: Any) -> None:
    stash.database.put(key.encode(), value)


# ---- DEL UNLINK EXISTS TOUCH TYPE ----------------------------------------------------------


def test_del_counts_keys_that_existed(stash: FakeStash) -> None:
    run(stash, "MSET", "a", "1", "b", "2")
    put(stash, "s", Bag())
    assert run(stash, "DEL", "a", "a", "s", "zz") == 2
    assert run(stash, "EXISTS", "a", "s", "b") == 1


def test_unlink_with_no_key_answers_zero_on_upstash(stash: FakeStash) -> None:
    assert run(stash, "UNLINK") == 0
    run(stash, "SET", "a", "1")
    assert run(stash, "UNLINK", "a", "b") == 1


def test_del_with_no_key_is_an_arity_error(stash: FakeStash) -> None:
    assert error(stash, "DEL") == "ERR wrong number of arguments for 'del' command"
    assert error(stash, "EXISTS") == "ERR wrong number of arguments for 'exists' command"


def test_exists_and_touch_count_repeats(stash: FakeStash) -> None:
    run(stash, "SET", "a", "1")
    assert run(stash, "EXISTS", "a", "a", "b") == 2
    assert run(stash, "TOUCH", "a", "a", "b") == 2


def test_type_names(stash: FakeStash) -> None:
    run(stash, "SET", "s", "v")
    put(stash, "h", Bag("hash"))
    put(stash, "x", Bag("ReJSON-RL"))
    assert run(stash, "TYPE", "s") == Status("string")
    assert run(stash, "TYPE", "h") == Status("hash")
    assert run(stash, "TYPE", "x") == Status("ReJSON-RL")
    assert run(stash, "TYPE", "zz") == Status("none")


def test_expired_keys_are_gone_for_every_command(stash: FakeStash, clock: ManualClock) -> None:
    run(stash, "SET", "k", "v", "PX", "100")
    clock.advance(ms=100)
    assert run(stash, "EXISTS", "k") == 1  # Redis: expired only once now > expiry
    clock.advance(ms=1)
    assert run(stash, "EXISTS", "k") == 0
    assert run(stash, "TYPE", "k") == Status("none")
    assert run(stash, "KEYS", "*") == []


# ---- EXPIRE family -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options, text",
    [
        (("NX", "XX"), "ERR NX and XX, GT or LT options at the same time are not compatible"),
        (("NX", "GT"), "ERR NX and XX, GT or LT options at the same time are not compatible"),
        (("lt", "nx"), "ERR NX and XX, GT or LT options at the same time are not compatible"),
        (("GT", "LT"), "ERR GT and LT options at the same time are not compatible"),
        (("FOO",), "ERR Unsupported option FOO"),
        (("nx", "foo"), "ERR Unsupported option foo"),
    ],
)
def test_expire_option_errors(stash: FakeStash, options: tuple[str, ...], text: str) -> None:
    run(stash, "SET", "k", "v")
    for name in ("EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"):
        assert error(stash, name, "k", "100", *options) == text


def test_expire_options_are_checked_before_the_number(stash: FakeStash) -> None:
    assert error(stash, "EXPIRE", "k", "x", "FOO") == "ERR Unsupported option FOO"
    assert error(stash, "EXPIRE", "k", "x") == NOT_INT


@pytest.mark.parametrize(
    "name, when",
    [
        ("expire", "9223372036854775"),  # ms fit, but now + ms overflows
        ("expire", "9223372036854776"),
        ("expire", "-9223372036854776"),
        ("pexpire", "9223372036854775807"),
        ("expireat", "9223372036854776"),
    ],
)
def test_expire_overflow_texts(stash: FakeStash, name: str, when: str) -> None:
    run(stash, "SET", "k", "v")
    assert error(stash, name.upper(), "k", when) == f"ERR invalid expire time in '{name}' command"


def test_expire_far_future_absolute_times_are_fine(stash: FakeStash) -> None:
    run(stash, "SET", "k", "v")
    assert run(stash, "PEXPIREAT", "k", "9223372036854775807") == 1
    assert run(stash, "EXPIREAT", "k", "9223372036854775") == 1
    assert run(stash, "EXPIRETIME", "k") == 9223372036854775


def test_expire_missing_key_answers_zero(stash: FakeStash) -> None:
    assert run(stash, "EXPIRE", "zz", "10") == 0
    assert run(stash, "PERSIST", "zz") == 0


def test_expire_sets_ttl_in_each_unit(stash: FakeStash) -> None:
    run(stash, "MSET", "a", "1", "b", "2", "c", "3", "d", "4")
    assert run(stash, "EXPIRE", "a", "10") == 1
    assert run(stash, "PEXPIRE", "b", "1500") == 1
    assert run(stash, "EXPIREAT", "c", str(NOW_MS // 1000 + 20)) == 1
    assert run(stash, "PEXPIREAT", "d", str(NOW_MS + 2500)) == 1
    assert [run(stash, "PTTL", k) for k in "abcd"] == [10_000, 1500, 20_000, 2500]


def test_expire_in_the_past_deletes(stash: FakeStash) -> None:
    run(stash, "MSET", "a", "1", "b", "2", "c", "3")
    assert run(stash, "EXPIRE", "a", "-1") == 1
    assert run(stash, "PEXPIREAT", "b", str(NOW_MS)) == 1
    assert run(stash, "EXPIRE", "c", "0") == 1
    assert run(stash, "EXISTS", "a", "b", "c") == 0


def test_expire_nx_xx_gt_lt(stash: FakeStash) -> None:
    run(stash, "SET", "k", "v")
    assert run(stash, "EXPIRE", "k", "100", "XX") == 0  # no expiry yet
    assert run(stash, "EXPIRE", "k", "100", "GT") == 0  # no expiry counts as infinite
    assert run(stash, "EXPIRE", "k", "100", "LT") == 1
    assert run(stash, "EXPIRE", "k", "50", "NX") == 0
    assert run(stash, "EXPIRE", "k", "200", "GT") == 1
    assert run(stash, "EXPIRE", "k", "150", "GT") == 0
    assert run(stash, "EXPIRE", "k", "150", "LT", "XX") == 1
    assert run(stash, "TTL", "k") == 150
    assert run(stash, "EXPIRE", "k", "150", "LT") == 0  # not strictly less
    run(stash, "PERSIST", "k")
    assert run(stash, "EXPIRE", "k", "-5", "GT") == 0  # GT never beats "no expiry"
    assert run(stash, "EXISTS", "k") == 1


def test_ttl_and_pttl(stash: FakeStash, clock: ManualClock) -> None:
    run(stash, "SET", "k", "v")
    assert run(stash, "TTL", "zz") == -2
    assert run(stash, "PTTL", "zz") == -2
    assert run(stash, "TTL", "k") == -1
    assert run(stash, "PTTL", "k") == -1
    run(stash, "PEXPIRE", "k", "1499")
    assert run(stash, "TTL", "k") == 1  # rounded to the nearest second
    run(stash, "PEXPIRE", "k", "1500")
    assert run(stash, "TTL", "k") == 2
    clock.advance(ms=1500)
    assert run(stash, "PTTL", "k") == 0  # its last millisecond
    assert run(stash, "TTL", "k") == 0


def test_expiretime_and_pexpiretime(stash: FakeStash) -> None:
    run(stash, "SET", "k", "v")
    assert run(stash, "EXPIRETIME", "zz") == -2
    assert run(stash, "PEXPIRETIME", "k") == -1
    assert run(stash, "EXPIRETIME", "k") == -1
    run(stash, "PEXPIREAT", "k", "9999999999999")
    assert run(stash, "PEXPIRETIME", "k") == 9999999999999
    assert run(stash, "EXPIRETIME", "k") == 10000000000  # Redis rounds this too


def test_persist(stash: FakeStash) -> None:
    run(stash, "SET", "k", "v", "EX", "10")
    assert run(stash, "PERSIST", "k") == 1
    assert run(stash, "PERSIST", "k") == 0
    assert run(stash, "TTL", "k") == -1


# ---- RENAME / RENAMENX -----------------------------------------------------------------------


def test_rename_moves_value_and_ttl(stash: FakeStash) -> None:
    run(stash, "SET", "a", "v", "PX", "5000")
    run(stash, "SET", "b", "old", "EX", "99")
    assert run(stash, "RENAME", "a", "b") == Status("OK")
    assert run(stash, "GET", "b") == b"v"
    assert run(stash, "PTTL", "b") == 5000
    assert run(stash, "EXISTS", "a") == 0


def test_rename_without_ttl_clears_the_targets(stash: FakeStash) -> None:
    run(stash, "SET", "a", "v")
    run(stash, "SET", "b", "old", "EX", "99")
    run(stash, "RENAME", "a", "b")
    assert run(stash, "TTL", "b") == -1


def test_rename_any_type(stash: FakeStash) -> None:
    bag = Bag("zset")
    put(stash, "z", bag)
    assert run(stash, "RENAMENX", "z", "z2") == 1
    assert stash.database.data[b"z2"] is bag
    assert run(stash, "TYPE", "z2") == Status("zset")


def test_rename_same_key_and_missing_key(stash: FakeStash) -> None:
    assert error(stash, "RENAME", "zz", "zz") == "ERR no such key"
    assert error(stash, "RENAMENX", "zz", "yy") == "ERR no such key"
    run(stash, "SET", "k", "v", "EX", "10")
    assert run(stash, "RENAME", "k", "k") == Status("OK")
    assert run(stash, "RENAMENX", "k", "k") == 0
    assert run(stash, "TTL", "k") == 10


def test_renamenx_refuses_an_existing_target(stash: FakeStash) -> None:
    run(stash, "MSET", "a", "1", "b", "2")
    assert run(stash, "RENAMENX", "a", "b") == 0
    assert run(stash, "MGET", "a", "b") == [b"1", b"2"]


# ---- COPY ----------------------------------------------------------------------------------


def test_copy_copies_value_and_ttl(stash: FakeStash) -> None:
    run(stash, "SET", "a", "v", "PX", "7000")
    assert run(stash, "COPY", "a", "b") == 1
    assert run(stash, "GET", "b") == b"v"
    assert run(stash, "PTTL", "b") == 7000


def test_copy_refuses_existing_target_unless_replace(stash: FakeStash) -> None:
    run(stash, "MSET", "a", "1", "b", "2")
    run(stash, "EXPIRE", "b", "50")
    assert run(stash, "COPY", "a", "b") == 0
    assert run(stash, "COPY", "a", "b", "REPLACE") == 1
    assert run(stash, "GET", "b") == b"1"
    assert run(stash, "TTL", "b") == -1
    assert run(stash, "COPY", "zz", "b", "REPLACE") == 0


def test_copy_gives_an_independent_collection(stash: FakeStash) -> None:
    put(stash, "s", Bag("set", ["a"]))
    assert run(stash, "COPY", "s", "t", "DB", "0") == 1
    copied = stash.database.data[b"t"]
    assert isinstance(copied, Bag) and copied is not stash.database.data[b"s"]
    copied.items.append("b")
    assert stash.database.data[b"s"].items == ["a"]


def test_copy_same_key_answers_zero_on_upstash(stash: FakeStash) -> None:
    run(stash, "SET", "k", "v")
    assert run(stash, "COPY", "k", "k") == 0


@pytest.mark.parametrize(
    "options, text",
    [
        (("DB", "1"), "ERR DB index is out of range"),
        (("DB", "-1"), "ERR DB index is out of range"),
        (("DB", "x"), NOT_INT),
        (("DB", "99999999999"), "ERR value is out of range, value must between -2147483648 and 2147483647"),
        (("DB",), "ERR syntax error"),
        (("FOO",), "ERR syntax error"),
    ],
)  # fmt: skip
def test_copy_option_errors(stash: FakeStash, options: tuple[str, ...], text: str) -> None:
    run(stash, "SET", "k", "v")
    assert error(stash, "COPY", "k", "k2", *options) == text


# ---- KEYS / SCAN / RANDOMKEY -----------------------------------------------------------------


@pytest.fixture
def named(stash: FakeStash) -> FakeStash:
    run(stash, "MSET", "k1", "1", "k2", "2", "key3", "3", "other", "4", "h[a]llo", "5")
    run(stash, "MSET", "hallo", "6", "hbllo", "7", "a*b", "8")
    return stash


@pytest.mark.parametrize(
    "pattern, expected",
    [
        ("k?", {b"k1", b"k2"}),
        ("k*", {b"k1", b"k2", b"key3"}),
        ("*3", {b"key3"}),
        ("h[ab]llo", {b"hallo", b"hbllo"}),
        ("h[^a]llo", {b"hbllo"}),
        ("h\\[a\\]llo", {b"h[a]llo"}),
        ("a\\*b", {b"a*b"}),
        ("K*", set()),
    ],
)
def test_keys_glob_patterns(named: FakeStash, pattern: str, expected: set[bytes]) -> None:
    reply = run(named, "KEYS", pattern)
    assert isinstance(reply, list)
    assert set(reply) == expected and len(reply) == len(expected)


def test_keys_star_lists_everything(named: FakeStash) -> None:
    reply = run(named, "KEYS", "*")
    assert isinstance(reply, list) and len(reply) == 8


def _scan_all(stash: FakeStash, *options: str) -> list[Any]:
    cursor, seen = b"0", []
    while True:
        reply = run(stash, "SCAN", cursor, *options)
        assert isinstance(reply, list) and isinstance(reply[0], bytes)
        cursor, page = reply[0], reply[1]
        assert isinstance(page, list)
        seen.extend(page)
        if cursor == b"0":
            return seen


def test_scan_visits_every_key_once(stash: FakeStash) -> None:
    for i in range(57):
        run(stash, "SET", f"key:{i}", i)
    seen = _scan_all(stash, "COUNT", "7")
    assert sorted(seen) == sorted(f"key:{i}".encode() for i in range(57))


def test_scan_cursor_is_a_bulk_string(stash: FakeStash) -> None:
    for i in range(130):
        run(stash, "SET", f"k{i}", i)
    reply = run(stash, "SCAN", 0)
    assert isinstance(reply, list) and len(reply) == 2
    assert isinstance(reply[0], bytes) and reply[0] != b"0"
    assert isinstance(reply[1], list) and len(reply[1]) == 100  # Upstash's default COUNT


def test_scan_match_and_type(stash: FakeStash) -> None:
    run(stash, "MSET", "user:1", "a", "user:2", "b", "other", "c")
    put(stash, "user:set", Bag("set"))
    assert sorted(_scan_all(stash, "MATCH", "user:*", "COUNT", "2")) == [
        b"user:1",
        b"user:2",
        b"user:set",
    ]
    assert _scan_all(stash, "TYPE", "set") == [b"user:set"]
    assert sorted(_scan_all(stash, "TYPE", "STRING", "MATCH", "user:*")) == [b"user:1", b"user:2"]
    assert _scan_all(stash, "TYPE", "nosuchtype") == []


def test_scan_withtype_pairs_keys_with_types(stash: FakeStash) -> None:
    run(stash, "SET", "s", "v")
    put(stash, "h", Bag("hash"))
    flat = _scan_all(stash, "WITHTYPE", "COUNT", "100")
    pairs = dict(zip(flat[::2], flat[1::2]))
    assert pairs == {b"s": b"string", b"h": b"hash"}
    assert _scan_all(stash, "TYPE", "hash", "WITHTYPE") == [b"h", b"hash"]


@pytest.mark.parametrize(
    "args, text",
    [
        (("0", "COUNT", "0"), "ERR syntax error"),
        (("0", "COUNT", "-1"), "ERR syntax error"),
        (("0", "COUNT", "x"), NOT_INT),
        (("x",), "ERR invalid cursor"),
        (("0", "MATCH"), "ERR syntax error"),
        (("0", "TYPE"), "ERR syntax error"),
        (("0", "FOO"), "ERR syntax error"),
    ],
)
def test_scan_errors(stash: FakeStash, args: tuple[str, ...], text: str) -> None:
    assert error(stash, "SCAN", *args) == text


def test_scan_skips_expired_keys(stash: FakeStash, clock: ManualClock) -> None:
    run(stash, "SET", "a", "1", "PX", "10")
    run(stash, "SET", "b", "2")
    clock.advance(ms=11)
    assert _scan_all(stash) == [b"b"]


def test_randomkey_is_seeded_and_deterministic(clock: ManualClock) -> None:
    def picks(seed: int) -> list[Any]:
        stash = FakeStash(seed=seed, clock=clock)
        for i in range(20):
            run(stash, "SET", f"k{i}", i)
        return [run(stash, "RANDOMKEY") for _ in range(10)]

    first = picks(7)
    assert first == picks(7)
    assert len(set(first)) > 1
    assert all(isinstance(k, bytes) and k.startswith(b"k") for k in first)


def test_randomkey_empty_and_expired(stash: FakeStash, clock: ManualClock) -> None:
    assert run(stash, "RANDOMKEY") is None
    run(stash, "SET", "gone", "v", "PX", "1")
    run(stash, "SET", "kept", "v")
    clock.advance(ms=5)
    assert {run(stash, "RANDOMKEY") for _ in range(10)} == {b"kept"}
    assert error(stash, "RANDOMKEY", "x") == "ERR wrong number of arguments for 'randomkey' command"


# ---- DUMP / RESTORE --------------------------------------------------------------------------

HELLO = b"\x00\x05hello\n\x00cr\xdfve4 \n"  # what Redis 7.0 DUMPs for "hello"


def test_dump_string_matches_redis_bytes(stash: FakeStash) -> None:
    run(stash, "SET", "k", "hello")
    assert run(stash, "DUMP", "k") == HELLO
    assert run(stash, "DUMP", "zz") is None


def test_restore_round_trip_with_ttl(stash: FakeStash) -> None:
    assert run(stash, "RESTORE", "k", "2500", HELLO) == Status("OK")
    assert run(stash, "GET", "k") == b"hello"
    assert run(stash, "PTTL", "k") == 2500
    assert run(stash, "RESTORE", "a", str(NOW_MS + 9000), HELLO, "ABSTTL") == Status("OK")
    assert run(stash, "PTTL", "a") == 9000


def test_restore_busykey_and_replace(stash: FakeStash) -> None:
    run(stash, "SET", "k", "old", "EX", "10")
    assert error(stash, "RESTORE", "k", "0", HELLO) == "BUSYKEY Target key name already exists."
    assert run(stash, "RESTORE", "k", "0", HELLO, "REPLACE") == Status("OK")
    assert run(stash, "GET", "k") == b"hello"
    assert run(stash, "TTL", "k") == -1


def test_restore_with_a_past_absolute_ttl_creates_nothing(stash: FakeStash) -> None:
    run(stash, "SET", "k", "old")
    assert run(stash, "RESTORE", "k", "1", HELLO, "ABSTTL", "REPLACE") == Status("OK")
    assert run(stash, "EXISTS", "k") == 0


@pytest.mark.parametrize(
    "options, text",
    [
        (("FOO",), "ERR syntax error"),
        (("IDLETIME",), "ERR syntax error"),
        (("IDLETIME", "-1"), "ERR Invalid IDLETIME value, must be >= 0"),
        (("IDLETIME", "x"), NOT_INT),
        (("FREQ", "256"), "ERR Invalid FREQ value, must be >= 0 and <= 255"),
        (("FREQ", "-1"), "ERR Invalid FREQ value, must be >= 0 and <= 255"),
        (("FREQ", "1", "IDLETIME", "1"), "ERR syntax error"),
        (("IDLETIME", "1", "FREQ", "1"), "ERR syntax error"),
    ],
)
def test_restore_option_errors(stash: FakeStash, options: tuple[str, ...], text: str) -> None:
    assert error(stash, "RESTORE", "k", "0", HELLO, *options) == text


def test_restore_accepts_idletime_and_freq(stash: FakeStash) -> None:
    assert run(stash, "RESTORE", "a", "0", HELLO, "IDLETIME", "5", "REPLACE") == Status("OK")
    assert run(stash, "RESTORE", "b", "0", HELLO, "FREQ", "255") == Status("OK")


def test_restore_payload_errors(stash: FakeStash) -> None:
    wrong = "ERR DUMP payload version or checksum are wrong"
    assert error(stash, "RESTORE", "k", "0", HELLO[:-1] + b"\x00") == wrong
    assert error(stash, "RESTORE", "k", "0", b"short") == wrong
    assert error(stash, "RESTORE", "k", "-1", HELLO) == "ERR Invalid TTL value, must be >= 0"
    assert error(stash, "RESTORE", "k", "x", HELLO) == NOT_INT
    run(stash, "SET", "k", "v")
    assert error(stash, "RESTORE", "k", "x", HELLO) == "BUSYKEY Target key name already exists."


# ---- properties ----------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "c", "d"]), max_size=12), st.data())
def test_rename_chains_preserve_values(names: list[str], data: st.DataObject) -> None:
    stash = FakeStash()
    model: dict[str, bytes] = {}
    for i, name in enumerate(names):
        run(stash, "SET", name, str(i))
        model[name] = str(i).encode()
        dst = data.draw(st.sampled_from(["a", "b", "c", "d"]))
        run(stash, "RENAME", name, dst)
        model[dst] = model.pop(name)
    reply = run(stash, "KEYS", "*")
    assert isinstance(reply, list)
    assert sorted(reply) == sorted(k.encode() for k in model)  # type: ignore[type-var]
    for key, value in model.items():
        assert run(stash, "GET", key) == value
