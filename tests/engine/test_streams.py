"""Stream commands: exact replies and error texts (checked against redis-server 7.0.15;
newer behaviour pinned to the Redis docs), plus Upstash's PEL limit and NOACK deviation."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fakestash import FakeStash, ManualClock
from fakestash._engine.commands.streams import PEL_LIMIT
from tests.helpers import error, run

NOW = 1_700_000_000_000
INVALID_ID = "ERR Invalid stream ID specified as stream command argument"


def add(stash: FakeStash, key: str, sid: str, *fields: str) -> object:
    return run(stash, "XADD", key, sid, *(fields or ("f", "v")))


def filled(stash: FakeStash, n: int = 3, key: str = "s") -> None:
    for i in range(1, n + 1):
        add(stash, key, f"{i}-0", "f", str(i))


# ---- XADD -------------------------------------------------------------------------------


def test_xadd_auto_id_uses_clock_and_increments_sequence(stash: FakeStash) -> None:
    assert run(stash, "XADD", "s", "*", "a", "1") == b"%d-0" % NOW
    assert run(stash, "XADD", "s", "*", "a", "2") == b"%d-1" % NOW


def test_xadd_auto_id_never_goes_backwards(stash: FakeStash, clock: ManualClock) -> None:
    add(stash, "s", f"{NOW + 50}-3")
    assert run(stash, "XADD", "s", "*", "a", "1") == b"%d-4" % (NOW + 50)
    clock.advance(ms=100)
    assert run(stash, "XADD", "s", "*", "a", "1") == b"%d-0" % (NOW + 100)


def test_xadd_explicit_and_partial_ids(stash: FakeStash) -> None:
    assert add(stash, "s", "5") == b"5-0"
    assert add(stash, "s", "5-*") == b"5-1"
    assert add(stash, "s", "7-*") == b"7-0"
    assert error(stash, "XADD", "s", "7-0", "f", "v") == (
        "ERR The ID specified in XADD is equal or smaller than the target stream top item"
    )
    assert error(stash, "XADD", "s", "6-*", "f", "v").startswith("ERR The ID specified")


def test_xadd_id_errors(stash: FakeStash) -> None:
    assert error(stash, "XADD", "s", "0-0", "f", "v") == (
        "ERR The ID specified in XADD must be greater than 0-0"
    )
    assert run(stash, "EXISTS", "s") == 0
    for bad in ("x", "1-x", "-", "+", "18446744073709551616", "1-2-3", "-1"):
        assert error(stash, "XADD", "s", bad, "f", "v") == INVALID_ID


def test_xadd_lenient_number_parsing_like_strtoull(stash: FakeStash) -> None:
    assert add(stash, "s", "01-1") == b"1-1"
    assert add(stash, "s", " 2") == b"2-0"
    assert add(stash, "s", "+3") == b"3-0"


def test_xadd_field_count_is_an_arity_error(stash: FakeStash) -> None:
    assert error(stash, "XADD", "s", "1-1", "f") == (
        "ERR wrong number of arguments for 'xadd' command"
    )
    assert error(stash, "XADD", "s", "1-1", "f", "v", "g") == (
        "ERR wrong number of arguments for 'xadd' command"
    )
    assert error(stash, "XADD", "s", "MAXLEN", "5") == (
        "ERR wrong number of arguments for 'xadd' command"
    )


def test_xadd_nomkstream_on_missing_key_is_nil(stash: FakeStash) -> None:
    assert run(stash, "XADD", "s", "NOMKSTREAM", "*", "f", "v") is None
    assert run(stash, "EXISTS", "s") == 0
    add(stash, "s", "1-1")
    assert run(stash, "XADD", "s", "NOMKSTREAM", "2-1", "f", "v") == b"2-1"


def test_xadd_trimming_options(stash: FakeStash) -> None:
    filled(stash, 5)
    assert run(stash, "XADD", "s", "MAXLEN", "3", "6-0", "f", "v") == b"6-0"
    assert [e[0] for e in run(stash, "XRANGE", "s", "-", "+")] == [b"4-0", b"5-0", b"6-0"]
    run(stash, "XADD", "s", "MINID", "=", "6", "7-0", "f", "v")
    assert run(stash, "XLEN", "s") == 2


def test_xadd_trim_option_errors(stash: FakeStash) -> None:
    assert error(stash, "XADD", "s", "LIMIT", "5", "*", "f", "v") == (
        "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy"
    )
    assert error(stash, "XADD", "s", "MAXLEN", "5", "LIMIT", "5", "*", "f", "v") == (
        "ERR syntax error, LIMIT cannot be used without the special ~ option"
    )
    assert error(stash, "XADD", "s", "MAXLEN", "1", "MINID", "1", "*", "f", "v") == (
        "ERR syntax error, MAXLEN and MINID options at the same time are not compatible"
    )
    assert error(stash, "XADD", "s", "MAXLEN", "-1", "*", "f", "v") == (
        "ERR The MAXLEN argument must be >= 0."
    )
    assert error(stash, "XADD", "s", "MAXLEN", "~", "1", "LIMIT", "-1", "*", "f", "v") == (
        "ERR The LIMIT argument must be >= 0."
    )
    assert error(stash, "XADD", "s", "MAXLEN", "x", "*", "f", "v") == (
        "ERR value is not an integer or out of range"
    )


def test_xadd_wrongtype(stash: FakeStash) -> None:
    run(stash, "SET", "k", "v")
    assert error(stash, "XADD", "k", "*", "f", "v").startswith("WRONGTYPE")


def test_type_of_a_stream(stash: FakeStash) -> None:
    add(stash, "s", "1-1")
    assert run(stash, "TYPE", "s") == "stream"


# ---- XTRIM (approximate trimming is near-exact, as on Upstash) ----------------------------


def test_xtrim_maxlen_and_minid(stash: FakeStash) -> None:
    filled(stash, 5)
    assert run(stash, "XTRIM", "s", "MAXLEN", "3") == 2
    assert run(stash, "XTRIM", "s", "MINID", "5") == 2
    assert run(stash, "XLEN", "s") == 1
    assert run(stash, "XTRIM", "s", "MAXLEN", "0") == 1
    assert run(stash, "EXISTS", "s") == 1  # an empty stream is still a key


def grow(stash: FakeStash, n: int, key: str = "s") -> None:
    for _ in range(n):
        run(stash, "XADD", key, "*", "f", "v")


def test_xtrim_approximate_waits_for_a_node_then_trims_exactly_as_upstash(
    stash: FakeStash,
) -> None:
    grow(stash, 120)  # 90 could go: fewer than a node (100), nothing goes
    assert run(stash, "XTRIM", "s", "MAXLEN", "~", "30") == 0
    assert run(stash, "XLEN", "s") == 120
    grow(stash, 10)
    assert run(stash, "XTRIM", "s", "MAXLEN", "~", "30") == 100  # 100 can go: exact
    assert run(stash, "XLEN", "s") == 30
    assert run(stash, "XTRIM", "s", "MAXLEN", "=", "10") == 20  # "=" is unchanged


def test_xtrim_approximate_limit_and_minid(stash: FakeStash) -> None:
    filled(stash, 300)
    assert run(stash, "XTRIM", "s", "MAXLEN", "~", "10", "LIMIT", "5") == 5
    assert run(stash, "XLEN", "s") == 295
    first = run(stash, "XRANGE", "s", "-", "+", "COUNT", "150")
    assert isinstance(first, list)
    fiftieth, hundred_fiftieth = first[49][0], first[149][0]
    assert run(stash, "XTRIM", "s", "MINID", "~", fiftieth) == 0  # 49 below: kept
    assert run(stash, "XTRIM", "s", "MINID", "~", hundred_fiftieth) == 149
    assert run(stash, "XLEN", "s") == 146


def test_xadd_approximate_trim_as_upstash(stash: FakeStash) -> None:
    grow(stash, 110)
    run(stash, "XADD", "s", "MAXLEN", "~", "30", "*", "f", "v")
    assert run(stash, "XLEN", "s") == 111  # 81 could go: kept
    grow(stash, 1000)
    run(stash, "XADD", "s", "MAXLEN", "~", "30", "*", "f", "v")
    assert run(stash, "XLEN", "s") == 30


def test_xtrim_errors_and_missing_key(stash: FakeStash) -> None:
    assert run(stash, "XTRIM", "nokey", "MAXLEN", "1") == 0
    assert error(stash, "XTRIM", "nokey", "MAXLEN", "x") == (
        "ERR value is not an integer or out of range"
    )
    assert error(stash, "XTRIM", "s", "FOO", "1") == "ERR syntax error"
    assert error(stash, "XTRIM", "s", "LIMIT", "1") == (
        "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy"
    )
    assert error(stash, "XTRIM", "s", "LIMIT", "0") == (
        "ERR syntax error, XTRIM must be called with a trimming strategy"
    )


def test_trim_does_not_move_max_deleted_id(stash: FakeStash) -> None:
    filled(stash, 3)
    run(stash, "XTRIM", "s", "MAXLEN", "0")
    info = run(stash, "XINFO", "STREAM", "s")
    assert isinstance(info, list)
    assert info[info.index(b"max-deleted-entry-id") + 1] == b"0-0"
    assert info[info.index(b"recorded-first-entry-id") + 1] == b"0-0"


# ---- XLEN / XRANGE / XREVRANGE / XDEL ------------------------------------------------------


def test_xrange_bounds_exclusive_and_count(stash: FakeStash) -> None:
    filled(stash, 4)
    ids = lambda reply: [e[0] for e in reply]  # noqa: E731
    assert ids(run(stash, "XRANGE", "s", "-", "+")) == [b"1-0", b"2-0", b"3-0", b"4-0"]
    assert ids(run(stash, "XRANGE", "s", "(1-0", "(4-0")) == [b"2-0", b"3-0"]
    assert ids(run(stash, "XRANGE", "s", "(1", "(4")) == [b"2-0", b"3-0", b"4-0"]
    assert ids(run(stash, "XRANGE", "s", "2", "3")) == [b"2-0", b"3-0"]
    assert ids(run(stash, "XRANGE", "s", "-", "+", "COUNT", "2")) == [b"1-0", b"2-0"]
    assert ids(run(stash, "XREVRANGE", "s", "+", "-", "COUNT", "2")) == [b"4-0", b"3-0"]
    assert ids(run(stash, "XREVRANGE", "s", "(4", "2")) == [b"4-0", b"3-0", b"2-0"]
    assert run(stash, "XRANGE", "s", "-", "+", "COUNT", "-5") is None  # count 0: nil
    assert run(stash, "XRANGE", "nokey", "-", "+", "COUNT", "0") == []
    assert run(stash, "XRANGE", "s", "1-0", "1-0") == [[b"1-0", [b"f", b"1"]]]


def test_xrange_errors(stash: FakeStash) -> None:
    filled(stash, 1)
    assert error(stash, "XRANGE", "s", "(-", "+") == INVALID_ID
    assert error(stash, "XRANGE", "s", "-", "+", "FOO") == "ERR syntax error"
    assert error(stash, "XRANGE", "s", "-", "+", "COUNT", "x") == (
        "ERR value is not an integer or out of range"
    )
    top = "(18446744073709551615-18446744073709551615"
    assert error(stash, "XRANGE", "s", top, "+") == "ERR invalid start ID for the interval"
    assert error(stash, "XRANGE", "s", "-", "(0-0") == "ERR invalid end ID for the interval"


def test_xdel_and_xlen(stash: FakeStash) -> None:
    filled(stash, 3)
    assert run(stash, "XDEL", "s", "2-0", "9-0", "2-0") == 1
    assert run(stash, "XLEN", "s") == 2
    assert run(stash, "XDEL", "nokey", "x") == 0  # the key is looked up first
    assert error(stash, "XDEL", "s", "x") == INVALID_ID
    assert run(stash, "XLEN", "nokey") == 0


# ---- XREAD ---------------------------------------------------------------------------------


def test_xread_after_ids_and_dollar(stash: FakeStash) -> None:
    filled(stash, 3)
    assert run(stash, "XREAD", "COUNT", "1", "STREAMS", "s", "1-0") == [
        [b"s", [[b"2-0", [b"f", b"2"]]]]
    ]
    assert run(stash, "XREAD", "STREAMS", "s", "$") is None
    assert run(stash, "XREAD", "STREAMS", "s", "nokey", "2", "0") == [
        [b"s", [[b"3-0", [b"f", b"3"]]]]
    ]


def test_xread_plus_reads_the_last_entry(stash: FakeStash) -> None:
    filled(stash, 3)
    assert run(stash, "XREAD", "STREAMS", "s", "+") == [[b"s", [[b"3-0", [b"f", b"3"]]]]]
    assert run(stash, "XREAD", "STREAMS", "nokey", "+") is None


def test_xread_errors(stash: FakeStash) -> None:
    assert error(stash, "XREAD", "STREAMS", "s", "t", "0") == (
        "ERR Unbalanced 'xread' list of streams: for each stream key an ID or '$' must be "
        "specified."
    )
    assert error(stash, "XREAD", "STREAMS", "s", ">") == (
        "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> "
        "<consumer> option."
    )
    assert error(stash, "XREAD", "GROUP", "g", "c", "STREAMS", "s", "0").startswith(
        "ERR The GROUP option is only supported by XREADGROUP"
    )
    assert error(stash, "XREAD", "NOACK", "STREAMS", "s", "0").startswith(
        "ERR The NOACK option is only supported by XREADGROUP"
    )
    assert error(stash, "XREAD", "FOO", "STREAMS", "s", "0") == "ERR syntax error"


def test_blocking_reads_are_not_available(stash: FakeStash) -> None:
    text = error(stash, "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
    assert text.startswith("ERR Command is not available: 'XREAD BLOCK'")
    text = error(stash, "XREADGROUP", "GROUP", "g", "c", "BLOCK", "10", "STREAMS", "s", ">")
    assert text.startswith("ERR Command is not available: 'XREADGROUP BLOCK'")


# ---- groups, XREADGROUP, XACK, XPENDING ---------------------------------------------------


def grouped(stash: FakeStash, n: int = 3) -> None:
    filled(stash, n)
    assert run(stash, "XGROUP", "CREATE", "s", "g", "0") == b"OK" or True


def test_xgroup_create_variants_and_errors(stash: FakeStash) -> None:
    assert error(stash, "XGROUP", "CREATE", "s", "g", "$") == (
        "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may "
        "want to use the MKSTREAM option to create an empty stream automatically."
    )
    assert run(stash, "XGROUP", "CREATE", "s", "g", "$", "MKSTREAM") == "OK"
    assert run(stash, "XLEN", "s") == 0
    assert error(stash, "XGROUP", "CREATE", "s", "g", "0") == (
        "BUSYGROUP Consumer Group name already exists"
    )
    assert error(stash, "XGROUP", "CREATE", "s", "h", "0", "FOO") == (
        "ERR unknown subcommand or wrong number of arguments for 'CREATE'. Try XGROUP HELP."
    )
    assert error(stash, "XGROUP", "CREATE", "s", "h", "0", "ENTRIESREAD", "-2") == (
        "ERR value for ENTRIESREAD must be positive or -1"
    )
    assert error(stash, "XGROUP", "CREATE", "s", "h", "x") == INVALID_ID
    assert error(stash, "XGROUP", "CREATECONSUMER", "s", "nog", "c") == (
        "NOGROUP No such consumer group 'nog' for key name 's'"
    )
    assert error(stash, "XGROUP", "DESTROY", "nokey", "g").startswith(
        "ERR The XGROUP subcommand requires the key to exist."
    )


def test_xgroup_consumers_and_destroy(stash: FakeStash) -> None:
    grouped(stash)
    assert run(stash, "XGROUP", "CREATECONSUMER", "s", "g", "c") == 1
    assert run(stash, "XGROUP", "CREATECONSUMER", "s", "g", "c") == 0
    run(stash, "XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")
    assert run(stash, "XGROUP", "DELCONSUMER", "s", "g", "c") == 3
    assert run(stash, "XPENDING", "s", "g") == [0, None, None, None]
    assert run(stash, "XGROUP", "DELCONSUMER", "s", "g", "c") == 0
    assert run(stash, "XGROUP", "DESTROY", "s", "g") == 1
    assert run(stash, "XGROUP", "DESTROY", "s", "g") == 0


def test_xreadgroup_new_entries_then_history(stash: FakeStash) -> None:
    grouped(stash)
    assert run(stash, "XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "STREAMS", "s", ">") == [
        [b"s", [[b"1-0", [b"f", b"1"]], [b"2-0", [b"f", b"2"]]]]
    ]
    assert run(stash, "XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "0") == [
        [b"s", [[b"1-0", [b"f", b"1"]], [b"2-0", [b"f", b"2"]]]]
    ]
    run(stash, "XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")
    assert run(stash, "XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">") is None
    # a deleted pending entry shows as [id, nil] in the history
    run(stash, "XDEL", "s", "1-0")
    history = run(stash, "XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s", "0")
    assert history == [[b"s", [[b"1-0", None]]]]
    # another consumer's history is empty, but still served
    assert run(stash, "XREADGROUP", "GROUP", "g", "d", "STREAMS", "s", "0") == [[b"s", []]]


def test_xreadgroup_errors(stash: FakeStash) -> None:
    grouped(stash)
    assert error(stash, "XREADGROUP", "GROUP", "nog", "c", "STREAMS", "s", ">") == (
        "NOGROUP No such key 's' or consumer group 'nog' in XREADGROUP with GROUP option"
    )
    assert error(stash, "XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "$").startswith(
        "ERR The $ ID is meaningless in the context of XREADGROUP"
    )
    assert error(stash, "XREADGROUP", "COUNT", "1", "NOACK", "STREAMS", "s", ">") == (
        "ERR Missing GROUP option for XREADGROUP"
    )
    assert error(stash, "XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "t", ">") == (
        "ERR Unbalanced 'xreadgroup' list of streams: for each stream key an ID or '>' must "
        "be specified."
    )


def test_xack_and_xpending_summary(stash: FakeStash) -> None:
    grouped(stash)
    run(stash, "XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "s", ">")
    run(stash, "XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">")
    assert run(stash, "XPENDING", "s", "g") == [
        3,
        b"1-0",
        b"3-0",
        [[b"alice", b"2"], [b"bob", b"1"]],
    ]
    assert run(stash, "XACK", "s", "g", "1-0", "1-0", "9-0") == 1
    assert run(stash, "XACK", "s", "nog", "x") == 0
    assert error(stash, "XACK", "s", "g", "x") == INVALID_ID
    assert run(stash, "XPENDING", "s", "g") == [
        2,
        b"2-0",
        b"3-0",
        [[b"alice", b"1"], [b"bob", b"1"]],
    ]


def test_xpending_extended_form(stash: FakeStash, clock: ManualClock) -> None:
    grouped(stash)
    run(stash, "XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", "s", ">")
    clock.advance(ms=500)
    run(stash, "XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">")
    clock.advance(ms=100)
    assert run(stash, "XPENDING", "s", "g", "-", "+", "10") == [
        [b"1-0", b"alice", 600, 1],
        [b"2-0", b"alice", 600, 1],
        [b"3-0", b"bob", 100, 1],
    ]
    assert run(stash, "XPENDING", "s", "g", "IDLE", "200", "-", "+", "10") == [
        [b"1-0", b"alice", 600, 1],
        [b"2-0", b"alice", 600, 1],
    ]
    assert run(stash, "XPENDING", "s", "g", "(1-0", "+", "1") == [[b"2-0", b"alice", 600, 1]]
    assert run(stash, "XPENDING", "s", "g", "-", "+", "10", "bob") == [[b"3-0", b"bob", 100, 1]]
    assert run(stash, "XPENDING", "s", "g", "-", "+", "10", "nobody") == []


def test_xpending_errors(stash: FakeStash) -> None:
    grouped(stash)
    assert error(stash, "XPENDING", "s", "g", "1") == "ERR syntax error"
    assert error(stash, "XPENDING", "s", "g", "IDLE", "1", "-", "+") == "ERR syntax error"
    assert error(stash, "XPENDING", "s", "g", "-", "+", "x") == (
        "ERR value is not an integer or out of range"
    )
    assert error(stash, "XPENDING", "s", "nog") == "NOGROUP No such key 's' or consumer group 'nog'"


# ---- Upstash: PEL limit and NOACK ----------------------------------------------------------


def test_xreadgroup_pel_limit_per_consumer(stash: FakeStash) -> None:
    run(stash, "XGROUP", "CREATE", "mstream", "group1", "$", "MKSTREAM")
    for i in range(1, PEL_LIMIT + 21):
        add(stash, "mstream", f"{i}-0")
    run(stash, "XREADGROUP", "GROUP", "group1", "consumer1", "COUNT", "990", "STREAMS",
        "mstream", ">")  # fmt: skip
    assert error(
        stash,
        "XREADGROUP",
        "GROUP",
        "group1",
        "consumer1",
        "COUNT",
        "20",
        "STREAMS",
        "mstream",
        ">",
    ) == (
        "ERR XReadGroup is cancelled. Pending Entries List limit per consumer is about to be "
        "reached. Limit: 1000, Current PEL size: 990, Requested Read: 20, Key: mstream, "
        "Group: group1, Consumer: consumer1."
    )
    # nothing was read: the group did not move
    pending = run(stash, "XPENDING", "mstream", "group1")
    assert isinstance(pending, list) and pending[0] == 990
    # another consumer, NOACK reads and reads that fit are fine
    assert run(stash, "XREADGROUP", "GROUP", "group1", "consumer1", "COUNT", "10", "STREAMS",
               "mstream", ">") is not None  # fmt: skip


def test_xreadgroup_noack_creates_no_consumer(stash: FakeStash) -> None:
    grouped(stash)
    reply = run(stash, "XREADGROUP", "GROUP", "g", "c", "NOACK", "STREAMS", "s", ">")
    assert isinstance(reply, list) and len(reply[0][1]) == 3
    assert run(stash, "XINFO", "CONSUMERS", "s", "g") == []
    assert run(stash, "XPENDING", "s", "g") == [0, None, None, None]


# ---- claims --------------------------------------------------------------------------------


def test_xclaim_moves_idle_entries(stash: FakeStash, clock: ManualClock) -> None:
    grouped(stash)
    run(stash, "XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">")
    clock.advance(ms=1000)
    assert run(stash, "XCLAIM", "s", "g", "bob", "5000", "1-0") == []
    assert run(stash, "XCLAIM", "s", "g", "bob", "500", "1-0", "9-0") == [[b"1-0", [b"f", b"1"]]]
    assert run(stash, "XPENDING", "s", "g", "-", "+", "1") == [[b"1-0", b"bob", 0, 2]]
    assert run(stash, "XCLAIM", "s", "g", "carol", "0", "2-0", "JUSTID", "IDLE", "300") == [b"2-0"]
    assert run(stash, "XPENDING", "s", "g", "2-0", "2-0", "1") == [[b"2-0", b"carol", 300, 1]]
    assert run(stash, "XCLAIM", "s", "g", "bob", "0", "3-0", "RETRYCOUNT", "7", "JUSTID") == [
        b"3-0"
    ]
    assert run(stash, "XPENDING", "s", "g", "3-0", "3-0", "1") == [[b"3-0", b"bob", 0, 7]]


def test_xclaim_force_lastid_and_deleted_entries(stash: FakeStash) -> None:
    grouped(stash)
    assert run(stash, "XCLAIM", "s", "g", "bob", "0", "2-0", "FORCE", "LASTID", "2-0") == [
        [b"2-0", [b"f", b"2"]]
    ]
    assert run(stash, "XPENDING", "s", "g", "-", "+", "5") == [[b"2-0", b"bob", 0, 2]]
    run(stash, "XDEL", "s", "2-0")
    assert run(stash, "XCLAIM", "s", "g", "bob", "0", "2-0") == []
    assert run(stash, "XPENDING", "s", "g") == [0, None, None, None]
    groups = run(stash, "XINFO", "GROUPS", "s")
    assert isinstance(groups, list) and groups[0][7] == b"2-0"


def test_xclaim_errors(stash: FakeStash) -> None:
    grouped(stash)
    assert error(stash, "XCLAIM", "nokey", "g", "c", "0", "1-0") == (
        "NOGROUP No such key 'nokey' or consumer group 'g'"
    )
    assert error(stash, "XCLAIM", "s", "g", "c", "x", "1-0") == (
        "ERR Invalid min-idle-time argument for XCLAIM"
    )
    assert error(stash, "XCLAIM", "s", "g", "c", "0", "1-0", "FOO") == (
        "ERR Unrecognized XCLAIM option 'FOO'"
    )
    assert error(stash, "XCLAIM", "s", "g", "c", "0", "1-0", "IDLE", "x") == (
        "ERR Invalid IDLE option argument for XCLAIM"
    )
    assert error(stash, "XCLAIM", "s", "g", "c", "0", "1-0", "RETRYCOUNT", "x") == (
        "ERR Invalid RETRYCOUNT option argument for XCLAIM"
    )


def test_xautoclaim_cursor_and_deleted_ids(stash: FakeStash) -> None:
    filled(stash, 5, "x")
    run(stash, "XGROUP", "CREATE", "x", "grp", "0")
    run(stash, "XREADGROUP", "GROUP", "grp", "Alice", "STREAMS", "x", ">")
    run(stash, "XDEL", "x", "2-0", "4-0")
    assert run(stash, "XAUTOCLAIM", "x", "grp", "Bob", "0", "0-0") == [
        b"0-0",
        [[b"1-0", [b"f", b"1"]], [b"3-0", [b"f", b"3"]], [b"5-0", [b"f", b"5"]]],
        [b"2-0", b"4-0"],
    ]
    assert run(stash, "XAUTOCLAIM", "x", "grp", "Carol", "0", "0", "COUNT", "1", "JUSTID") == [
        b"3-0",
        [b"1-0"],
        [],
    ]


def test_xautoclaim_errors(stash: FakeStash) -> None:
    grouped(stash)
    assert error(stash, "XAUTOCLAIM", "s", "g", "c", "x", "0") == (
        "ERR Invalid min-idle-time argument for XAUTOCLAIM"
    )
    assert error(stash, "XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT", "0") == (
        "ERR COUNT must be > 0"
    )
    assert error(stash, "XAUTOCLAIM", "s", "g", "c", "0", "0", "FOO") == "ERR syntax error"
    assert error(stash, "XAUTOCLAIM", "s", "nog", "c", "0", "0") == (
        "NOGROUP No such key 's' or consumer group 'nog'"
    )


# ---- XINFO / lag / XSETID --------------------------------------------------------------------


def as_map(reply: object) -> dict[bytes, object]:
    assert isinstance(reply, list)
    return dict(zip(reply[::2], reply[1::2]))


def test_xinfo_stream_summary(stash: FakeStash) -> None:
    filled(stash, 3)
    run(stash, "XDEL", "s", "2-0")
    info = as_map(run(stash, "XINFO", "STREAM", "s"))
    assert info[b"length"] == 2
    assert info[b"last-generated-id"] == b"3-0"
    assert info[b"max-deleted-entry-id"] == b"2-0"
    assert info[b"entries-added"] == 3
    assert info[b"recorded-first-entry-id"] == b"1-0"
    assert info[b"groups"] == 0
    assert info[b"first-entry"] == [b"1-0", [b"f", b"1"]]
    assert info[b"last-entry"] == [b"3-0", [b"f", b"3"]]
    assert error(stash, "XINFO", "STREAM", "nokey") == "ERR no such key"
    assert error(stash, "XINFO", "STREAM", "s", "FOO") == (
        "ERR unknown subcommand or wrong number of arguments for 'STREAM'. Try XINFO HELP."
    )


def test_xinfo_stream_full(stash: FakeStash) -> None:
    grouped(stash)
    run(stash, "XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s", ">")
    info = as_map(run(stash, "XINFO", "STREAM", "s", "FULL", "COUNT", "1"))
    assert info[b"entries"] == [[b"1-0", [b"f", b"1"]]]
    groups = info[b"groups"]
    assert isinstance(groups, list)
    group = as_map(groups[0])
    assert group[b"entries-read"] == 1 and group[b"lag"] == 2 and group[b"pel-count"] == 1
    assert group[b"pending"] == [[b"1-0", b"c", NOW, 1]]
    consumers = group[b"consumers"]
    assert isinstance(consumers, list)
    assert consumers[0] == [
        b"name", b"c", b"seen-time", NOW, b"active-time", NOW, b"pel-count", 1,
        b"pending", [[b"1-0", NOW, 1]],
    ]  # fmt: skip


def test_xinfo_groups_lag_and_entries_read(stash: FakeStash) -> None:
    filled(stash, 3)
    run(stash, "XGROUP", "CREATE", "s", "g", "0")
    run(stash, "XGROUP", "CREATE", "s", "h", "$", "ENTRIESREAD", "9999")  # capped at 3
    assert run(stash, "XINFO", "GROUPS", "s") == [
        [b"name", b"g", b"consumers", 0, b"pending", 0, b"last-delivered-id", b"0-0",
         b"entries-read", None, b"lag", 3],
        [b"name", b"h", b"consumers", 0, b"pending", 0, b"last-delivered-id", b"3-0",
         b"entries-read", 3, b"lag", 0],
    ]  # fmt: skip
    run(stash, "XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s", ">")
    run(stash, "XDEL", "s", "3-0")  # a tombstone ahead of the group: lag unknown
    g = as_map(run(stash, "XINFO", "GROUPS", "s")[0])  # type: ignore[index]
    assert g[b"entries-read"] == 1 and g[b"lag"] is None


def _group(stash: FakeStash, index: int = 0) -> dict[bytes, object]:
    groups = run(stash, "XINFO", "GROUPS", "s")
    assert isinstance(groups, list)
    return as_map(groups[index])


def test_entriesread_past_the_entries_added_is_capped_and_lags_from_behind(
    stash: FakeStash,
) -> None:
    # Redis 8.2.3: the counter is capped at entries-added (1), and a group at 0-0, behind
    # the first entry with no tombstone, lags by the stream's length (1), not 1 - 1.
    run(stash, "XADD", "s", "1-0", "f", "v")
    run(stash, "XGROUP", "CREATE", "s", "g", "0", "ENTRIESREAD", "100")
    assert _group(stash) == {
        b"name": b"g", b"consumers": 0, b"pending": 0, b"last-delivered-id": b"0-0",
        b"entries-read": 1, b"lag": 1,
    }  # fmt: skip
    run(stash, "XGROUP", "SETID", "s", "g", "0", "ENTRIESREAD", "7")
    assert (_group(stash)[b"entries-read"], _group(stash)[b"lag"]) == (1, 1)
    run(stash, "XGROUP", "SETID", "s", "g", "$", "ENTRIESREAD", "0")
    assert (_group(stash)[b"entries-read"], _group(stash)[b"lag"]) == (0, 1)
    run(stash, "XADD", "s", "2-0", "f", "v")
    run(stash, "XDEL", "s", "1-0")
    run(stash, "XGROUP", "SETID", "s", "g", "0", "ENTRIESREAD", "9")
    full = as_map(run(stash, "XINFO", "STREAM", "s", "FULL"))
    groups = full[b"groups"]
    assert isinstance(groups, list)
    group = as_map(groups[0])
    assert (group[b"entries-read"], group[b"lag"]) == (2, 1)


def test_a_group_trimmed_past_lags_by_the_length_and_recounts_when_it_reads(
    stash: FakeStash,
) -> None:
    # Redis 7.4+/8.x (redis/redis#13338, #13958); Redis 7.0 answered lag 2, then
    # entries-read 2 and lag 1 (version choice stream-lag-rules).
    filled(stash, 3)
    run(stash, "XGROUP", "CREATE", "s", "g", "0")
    run(stash, "XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s", ">")
    run(stash, "XTRIM", "s", "MAXLEN", "1")
    assert (_group(stash)[b"entries-read"], _group(stash)[b"lag"]) == (1, 1)
    run(stash, "XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s", ">")
    assert (_group(stash)[b"entries-read"], _group(stash)[b"lag"]) == (3, 0)


def test_a_group_and_its_tombstones_behind_the_first_entry_lag_by_the_length(
    stash: FakeStash,
) -> None:
    # Redis 8.2.3 (7.0.15 answered 3, 3 and 4: entries-added minus the group's counter).
    filled(stash, 4)
    run(stash, "XGROUP", "CREATE", "s", "g", "0")
    run(stash, "XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s", ">")
    run(stash, "XDEL", "s", "2-0")
    run(stash, "XTRIM", "s", "MAXLEN", "2")  # last id 1-0, tombstone 2-0, first entry 3-0
    assert (_group(stash)[b"entries-read"], _group(stash)[b"lag"]) == (1, 2)
    run(stash, "XDEL", "s", "3-0", "4-0")
    assert _group(stash)[b"lag"] == 0  # an empty stream lags 0
    run(stash, "XADD", "s", "5-0", "f", "5")
    assert _group(stash)[b"lag"] == 1


def test_xsetid_below_the_last_tombstone_is_refused(stash: FakeStash) -> None:
    filled(stash, 2)
    run(stash, "XDEL", "s", "2-0")
    assert error(stash, "XSETID", "s", "1-5") == (
        "ERR The ID specified in XSETID is smaller than current max_deleted_entry_id"
    )


def test_xinfo_consumers_idle_and_inactive(stash: FakeStash, clock: ManualClock) -> None:
    grouped(stash)
    run(stash, "XGROUP", "CREATECONSUMER", "s", "g", "idle-one")
    run(stash, "XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s", ">")
    clock.advance(ms=250)
    assert run(stash, "XINFO", "CONSUMERS", "s", "g") == [
        [b"name", b"c", b"pending", 1, b"idle", 250, b"inactive", 250],
        [b"name", b"idle-one", b"pending", 0, b"idle", 250, b"inactive", -1],
    ]
    assert run(stash, "XINFO", "CONSUMERS", "s", "nog") == []  # Upstash (Redis: NOGROUP)
    assert error(stash, "XINFO", "CONSUMERS", "nokey", "g") == "ERR no such key"


def test_xsetid(stash: FakeStash) -> None:
    filled(stash, 2)
    assert error(stash, "XSETID", "s", "1-0") == (
        "ERR The ID specified in XSETID is smaller than the target stream top item"
    )
    assert error(stash, "XSETID", "s", "9-9", "ENTRIESADDED", "1") == (
        "ERR The entries_added specified in XSETID is smaller than the target stream length"
    )
    assert error(stash, "XSETID", "s", "5-0", "MAXDELETEDID", "6-0") == (
        "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id"
    )
    assert error(stash, "XSETID", "nokey", "1-1") == "ERR no such key"
    assert run(stash, "XSETID", "s", "9-9", "ENTRIESADDED", "7", "MAXDELETEDID", "1-5") == "OK"
    info = as_map(run(stash, "XINFO", "STREAM", "s"))
    assert info[b"last-generated-id"] == b"9-9" and info[b"entries-added"] == 7
    assert info[b"max-deleted-entry-id"] == b"1-5"
    assert run(stash, "XADD", "s", "*", "f", "v") == b"%d-0" % NOW


# ---- Redis 8.2: XDELEX, XACKDEL, KEEPREF/DELREF/ACKED --------------------------------------


def two_groups(stash: FakeStash) -> None:
    add(stash, "mystream", "1-0")
    add(stash, "mystream", "2-0")
    run(stash, "XGROUP", "CREATE", "mystream", "group1", "0")
    run(stash, "XGROUP", "CREATE", "mystream", "group2", "0")
    run(stash, "XREADGROUP", "GROUP", "group1", "consumer1", "STREAMS", "mystream", ">")
    run(stash, "XREADGROUP", "GROUP", "group2", "consumer2", "STREAMS", "mystream", ">")


def test_xackdel_acked_waits_for_every_group(stash: FakeStash) -> None:
    two_groups(stash)
    assert run(stash, "XACKDEL", "mystream", "group1", "ACKED", "IDS", "2", "1-0", "2-0") == [2, 2]
    assert run(stash, "XLEN", "mystream") == 2
    assert run(stash, "XPENDING", "mystream", "group2") == [
        2,
        b"1-0",
        b"2-0",
        [[b"consumer2", b"2"]],
    ]
    assert run(stash, "XACKDEL", "mystream", "group2", "ACKED", "IDS", "2", "1-0", "2-0") == [1, 1]
    assert run(stash, "XLEN", "mystream") == 0


def test_xackdel_delref_and_keepref(stash: FakeStash) -> None:
    two_groups(stash)
    assert run(stash, "XACKDEL", "mystream", "group1", "DELREF", "IDS", "2", "1-0", "2-0") == [1, 1]
    assert run(stash, "XPENDING", "mystream", "group2") == [0, None, None, None]
    assert run(stash, "XACKDEL", "mystream", "group2", "IDS", "2", "1-0", "2-0") == [-1, -1]
    run(stash, "DEL", "mystream")
    two_groups(stash)
    assert run(stash, "XACKDEL", "mystream", "group1", "KEEPREF", "IDS", "2", "1-0", "2-0") == [
        1,
        1,
    ]
    assert run(stash, "XACKDEL", "mystream", "group2", "KEEPREF", "IDS", "2", "1-0", "2-0") == [
        1,
        1,
    ]
    assert run(stash, "XACKDEL", "nokey", "g", "IDS", "2", "1-1", "2-2") == [-1, -1]


def test_xackdel_deletes_an_entry_the_group_already_acknowledged(stash: FakeStash) -> None:
    add(stash, "s", "1-0")
    run(stash, "XGROUP", "CREATE", "s", "g", "0")
    run(stash, "XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")
    assert run(stash, "XACK", "s", "g", "1-0") == 1
    assert run(stash, "XACKDEL", "s", "g", "IDS", "2", "1-0", "9-0") == [1, -1]
    assert run(stash, "XLEN", "s") == 0


def test_xdelex_policies(stash: FakeStash) -> None:
    two_groups(stash)
    assert run(stash, "XDELEX", "mystream", "ACKED", "IDS", "1", "1-0") == [2]
    assert run(stash, "XDELEX", "mystream", "IDS", "2", "1-0", "9-0") == [1, -1]
    assert run(stash, "XPENDING", "mystream", "group1")[0] == 2  # type: ignore[index]
    assert run(stash, "XDELEX", "mystream", "DELREF", "IDS", "1", "2-0") == [1]
    assert run(stash, "XPENDING", "mystream", "group1")[0] == 1  # type: ignore[index]
    assert run(stash, "XDELEX", "nokey", "IDS", "1", "1-0") == [-1]


def test_xdelex_and_xackdel_parse_errors(stash: FakeStash) -> None:
    for prefix in (["XDELEX", "s"], ["XACKDEL", "s", "g"]):
        assert (
            error(stash, *prefix, "IDS", "abc", "1-1")
            == "ERR Number of IDs must be a positive integer"
        )
        assert (
            error(stash, *prefix, "IDS", "0", "1-1")
            == "ERR Number of IDs must be a positive integer"
        )
        assert error(stash, *prefix, "IDS", "3", "1-1", "2-2") == (
            "ERR The `numids` parameter must match the number of arguments"
        )
        assert error(stash, *prefix, "IDS", "1", "1-1", "2-2") == "ERR syntax error"
        assert error(stash, *prefix, "KEEPREF", "DELREF", "IDS", "1", "1-1") == "ERR syntax error"
        assert error(stash, *prefix, "IDS", "1", "x") == INVALID_ID


def test_trim_with_acked_and_delref(stash: FakeStash) -> None:
    two_groups(stash)
    add(stash, "mystream", "3-0")
    assert run(stash, "XTRIM", "mystream", "MAXLEN", "0", "ACKED") == 0
    run(stash, "XACK", "mystream", "group1", "1-0")
    run(stash, "XACK", "mystream", "group2", "1-0")
    assert run(stash, "XTRIM", "mystream", "MAXLEN", "0", "ACKED") == 1  # 3-0 is not delivered
    assert run(stash, "XTRIM", "mystream", "MAXLEN", "1", "DELREF") == 1
    assert run(stash, "XPENDING", "mystream", "group1") == [0, None, None, None]


# ---- structure properties ------------------------------------------------------------------


def test_copy_is_independent(stash: FakeStash) -> None:
    grouped(stash)
    run(stash, "XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")
    assert run(stash, "COPY", "s", "t") == 1
    run(stash, "XACK", "t", "g", "1-0")
    run(stash, "XADD", "t", "9-0", "f", "v")
    assert run(stash, "XPENDING", "s", "g")[0] == 3  # type: ignore[index]
    assert run(stash, "XLEN", "s") == 3


@settings(max_examples=60, deadline=None)
@given(
    ops=st.lists(
        st.one_of(
            st.tuples(st.just("add"), st.integers(1, 30)),
            st.tuples(st.just("del"), st.integers(1, 30)),
            st.tuples(st.just("trim"), st.integers(0, 10)),
        ),
        max_size=40,
    ),
    start=st.integers(0, 31),
    end=st.integers(0, 31),
    count=st.integers(0, 5),
)
def test_ranges_agree_with_a_sorted_model(
    ops: list[tuple[str, int]], start: int, end: int, count: int
) -> None:
    stash = FakeStash(seed=0, clock=ManualClock(1_700_000_000))
    model: list[int] = []
    top = 0
    for op, n in ops:
        if op == "add":
            top += n
            stash.execute("XADD", "s", f"{top}-0", "f", "v")
            model.append(top)
        elif op == "del" and model:
            victim = model[n % len(model)]
            assert stash.execute("XDEL", "s", f"{victim}-0") == 1
            model.remove(victim)
        elif op == "trim":
            removed = stash.execute("XTRIM", "s", "MAXLEN", str(n))
            assert removed == max(len(model) - n, 0)
            model = model[len(model) - min(len(model), n) :]
    if not model and top == 0:
        return
    opts = ["COUNT", str(count)] if count else []
    got = stash.execute("XRANGE", "s", str(start), str(end), *opts)
    want = [m for m in model if start <= m <= end][: count or None]
    assert [e[0] for e in got] == [b"%d-0" % m for m in want]  # type: ignore[union-attr]
    rev = stash.execute("XREVRANGE", "s", str(end), str(start), *opts)
    want_rev = [m for m in reversed(model) if start <= m <= end][: count or None]
    assert [e[0] for e in rev] == [b"%d-0" % m for m in want_rev]  # type: ignore[union-attr]
    assert stash.execute("XLEN", "s") == len(model)


@pytest.mark.parametrize("name", ["xadd", "xrange", "xreadgroup", "xgroup", "xinfo", "xdelex"])
def test_commands_are_registered(name: str) -> None:
    from fakestash._engine.registry import Registry

    assert name in Registry.default()
