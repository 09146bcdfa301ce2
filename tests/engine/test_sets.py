"""Set commands: replies, error texts and member order, checked against Redis 7.0/7.2."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fakestash import FakeStash
from fakestash._engine.values.set import RedisSet
from tests.helpers import error, run

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


@pytest.fixture
def with_string(stash: FakeStash) -> FakeStash:
    stash.database.put(b"str", b"x")
    return stash


# ---- SADD SREM SMEMBERS SCARD SISMEMBER SMISMEMBER -------------------------------------------


def test_sadd_counts_only_new_members(stash: FakeStash) -> None:
    assert run(stash, "SADD", "s", "a", "b", "a") == 2
    assert run(stash, "SADD", "s", "b", "c") == 1
    assert run(stash, "SCARD", "s") == 3


def test_integer_sets_reply_in_numeric_order_like_an_intset(stash: FakeStash) -> None:
    run(stash, "SADD", "s", "5", "3", "10", "-1")
    assert run(stash, "SMEMBERS", "s") == [b"-1", b"3", b"5", b"10"]
    assert stash.database.data[b"s"].encoding == "intset"


def test_non_integer_sets_reply_in_insertion_order_like_a_listpack(stash: FakeStash) -> None:
    run(stash, "SADD", "s", "b", "a", "10", "c")
    assert run(stash, "SMEMBERS", "s") == [b"b", b"a", b"10", b"c"]
    assert stash.database.data[b"s"].encoding == "listpack"


def test_an_intset_that_gets_a_string_keeps_numeric_order_then_insertion(stash: FakeStash) -> None:
    run(stash, "SADD", "s", "5", "3", "10")
    run(stash, "SADD", "s", "a", "1")
    assert run(stash, "SMEMBERS", "s") == [b"3", b"5", b"10", b"a", b"1"]


def test_members_that_only_look_like_integers_are_strings(stash: FakeStash) -> None:
    run(stash, "SADD", "s", "2", "007", "1.0", "1")
    assert run(stash, "SMEMBERS", "s") == [b"2", b"007", b"1.0", b"1"]


def test_encodings_follow_redis_limits(stash: FakeStash) -> None:
    run(stash, "SADD", "ints", *range(512))
    assert stash.database.data[b"ints"].encoding == "intset"
    run(stash, "SADD", "ints", 512)
    assert stash.database.data[b"ints"].encoding == "hashtable"
    run(stash, "SADD", "long", "x" * 65)
    assert stash.database.data[b"long"].encoding == "hashtable"
    run(stash, "SADD", "many", *[f"m{i}" for i in range(129)])
    assert stash.database.data[b"many"].encoding == "hashtable"


def test_srem_deletes_the_key_with_its_last_member(stash: FakeStash) -> None:
    run(stash, "SADD", "s", "a", "b")
    assert run(stash, "SREM", "s", "a", "zz") == 1
    assert run(stash, "SREM", "s", "b") == 1
    assert b"s" not in stash.database.data
    assert run(stash, "SREM", "s", "b") == 0


def test_membership(stash: FakeStash) -> None:
    run(stash, "SADD", "s", "a")
    assert run(stash, "SISMEMBER", "s", "a") == 1
    assert run(stash, "SISMEMBER", "s", "b") == 0
    assert run(stash, "SISMEMBER", "nokey", "a") == 0
    assert run(stash, "SMISMEMBER", "s", "a", "b") == [1, 0]
    assert run(stash, "SMISMEMBER", "nokey", "a", "b") == [0, 0]


def test_missing_keys_read_as_empty(stash: FakeStash) -> None:
    assert run(stash, "SMEMBERS", "nokey") == []
    assert run(stash, "SCARD", "nokey") == 0


@pytest.mark.parametrize(
    "argv",
    [
        ("SADD", "str", "a"),
        ("SREM", "str", "a"),
        ("SMEMBERS", "str"),
        ("SCARD", "str"),
        ("SISMEMBER", "str", "a"),
        ("SMISMEMBER", "str", "a"),
        ("SPOP", "str"),
        ("SPOP", "str", "2"),
        ("SRANDMEMBER", "str"),
        ("SRANDMEMBER", "str", "2"),
        ("SSCAN", "str", "0"),
        ("SINTER", "nokey", "str"),
        ("SUNION", "str"),
        ("SDIFF", "nokey", "str"),
        ("SINTERCARD", "2", "nokey", "str"),
        ("SINTERSTORE", "d", "nokey", "str"),
    ],
)
def test_wrongtype(with_string: FakeStash, argv: tuple[str, ...]) -> None:
    assert error(with_string, *argv) == WRONGTYPE


@pytest.mark.parametrize(
    ("argv", "name"),
    [
        (("SADD", "s"), "sadd"),
        (("SREM", "s"), "srem"),
        (("SMEMBERS",), "smembers"),
        (("SISMEMBER", "s"), "sismember"),
        (("SMISMEMBER", "s"), "smismember"),
        (("SCARD",), "scard"),
        (("SPOP",), "spop"),
        (("SMOVE", "a", "b"), "smove"),
        (("SINTERCARD", "1"), "sintercard"),
        (("SINTERSTORE", "d"), "sinterstore"),
        (("SSCAN", "s"), "sscan"),
    ],
)
def test_arity(stash: FakeStash, argv: tuple[str, ...], name: str) -> None:
    assert error(stash, *argv) == f"ERR wrong number of arguments for '{name}' command"


# ---- SPOP SRANDMEMBER ----------------------------------------------------------------------


def test_spop_single_and_missing(stash: FakeStash) -> None:
    assert run(stash, "SPOP", "nokey") is None
    assert run(stash, "SPOP", "nokey", "2") == []
    run(stash, "SADD", "s", "a")
    assert run(stash, "SPOP", "s") == b"a"
    assert b"s" not in stash.database.data


def test_spop_count_takes_distinct_members_and_deletes_when_all_gone(stash: FakeStash) -> None:
    run(stash, "SADD", "s", *range(10))
    popped = run(stash, "SPOP", "s", "4")
    assert isinstance(popped, list) and len(set(popped)) == 4
    assert run(stash, "SCARD", "s") == 6
    rest = run(stash, "SMEMBERS", "s")
    assert run(stash, "SPOP", "s", "100") == rest
    assert b"s" not in stash.database.data


def test_spop_count_zero_and_errors(stash: FakeStash) -> None:
    run(stash, "SADD", "s", "a")
    assert run(stash, "SPOP", "s", "0") == []
    assert error(stash, "SPOP", "s", "-1") == "ERR value is out of range, must be positive"
    assert error(stash, "SPOP", "s", "x") == "ERR value is out of range, must be positive"
    assert error(stash, "SPOP", "nokey", "-1") == "ERR value is out of range, must be positive"
    assert error(stash, "SPOP", "s", "1", "2") == "ERR syntax error"


def test_srandmember_counts(stash: FakeStash) -> None:
    run(stash, "SADD", "s", "a", "b", "c")
    assert run(stash, "SRANDMEMBER", "s", "0") == []
    assert run(stash, "SRANDMEMBER", "s", "3") == [b"a", b"b", b"c"]
    assert run(stash, "SRANDMEMBER", "s", "10") == [b"a", b"b", b"c"]
    two = run(stash, "SRANDMEMBER", "s", "2")
    assert isinstance(two, list) and len(set(two)) == 2
    many = run(stash, "SRANDMEMBER", "s", "-20")
    assert isinstance(many, list) and len(many) == 20 and set(many) <= {b"a", b"b", b"c"}
    assert run(stash, "SCARD", "s") == 3


def test_srandmember_negative_count_repeats(stash: FakeStash) -> None:
    run(stash, "SADD", "s", "only")
    assert run(stash, "SRANDMEMBER", "s", "-3") == [b"only"] * 3


def test_srandmember_missing_and_errors(stash: FakeStash) -> None:
    assert run(stash, "SRANDMEMBER", "nokey") is None
    assert run(stash, "SRANDMEMBER", "nokey", "3") == []
    assert error(stash, "SRANDMEMBER", "s", "x") == "ERR value is not an integer or out of range"
    assert error(stash, "SRANDMEMBER", "s", "1", "2") == "ERR syntax error"
    assert error(stash, "SRANDMEMBER", "s", "-9223372036854775808") == (
        "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
    )


def test_random_replies_depend_only_on_the_seed(clock: object) -> None:
    def session() -> list[object]:
        stash = FakeStash(seed=42)
        run(stash, "SADD", "s", *[f"m{i}" for i in range(50)])
        return [
            run(stash, "SRANDMEMBER", "s"),
            run(stash, "SRANDMEMBER", "s", "5"),
            run(stash, "SRANDMEMBER", "s", "40"),
            run(stash, "SRANDMEMBER", "s", "-5"),
            run(stash, "SPOP", "s", "3"),
            run(stash, "SPOP", "s"),
        ]

    assert session() == session()


def test_spop_after_many_removals_still_picks_live_members(stash: FakeStash) -> None:
    run(stash, "SADD", "s", *[f"m{i}" for i in range(200)])
    for i in range(190):
        run(stash, "SREM", "s", f"m{i}")
    picks = {run(stash, "SRANDMEMBER", "s") for _ in range(50)}
    assert picks <= {f"m{i}".encode() for i in range(190, 200)}
    assert run(stash, "SMEMBERS", "s") == [f"m{i}".encode() for i in range(190, 200)]


# ---- SMOVE ---------------------------------------------------------------------------------


def test_smove(stash: FakeStash) -> None:
    run(stash, "SADD", "src", "a", "b")
    assert run(stash, "SMOVE", "src", "dst", "a") == 1
    assert run(stash, "SMEMBERS", "dst") == [b"a"]
    assert run(stash, "SMOVE", "src", "dst", "zz") == 0
    assert run(stash, "SMOVE", "src", "dst", "b") == 1
    assert b"src" not in stash.database.data
    assert run(stash, "SMEMBERS", "dst") == [b"a", b"b"]


def test_smove_to_itself_reports_membership(stash: FakeStash) -> None:
    run(stash, "SADD", "s", "a")
    assert run(stash, "SMOVE", "s", "s", "a") == 1
    assert run(stash, "SMOVE", "s", "s", "b") == 0


def test_smove_wrongtype_rules(with_string: FakeStash) -> None:
    run(with_string, "SADD", "s", "a")
    assert run(with_string, "SMOVE", "nokey", "str", "a") == 0  # missing source wins
    assert error(with_string, "SMOVE", "s", "str", "a") == WRONGTYPE
    assert error(with_string, "SMOVE", "str", "s", "a") == WRONGTYPE


# ---- SINTER SUNION SDIFF and STORE, SINTERCARD ----------------------------------------------


@pytest.fixture
def three(stash: FakeStash) -> FakeStash:
    run(stash, "SADD", "a", "1", "2", "3", "4")
    run(stash, "SADD", "b", "3", "4", "5")
    run(stash, "SADD", "c", "x", "4", "3")
    return stash


def test_sinter_follows_the_smallest_set_order(three: FakeStash) -> None:
    assert run(three, "SINTER", "a", "c") == [b"4", b"3"]
    assert run(three, "SINTER", "a", "b") == [b"3", b"4"]
    assert run(three, "SINTER", "a", "nokey") == []
    assert run(three, "SINTER", "a") == [b"1", b"2", b"3", b"4"]


def test_sunion_and_sdiff(three: FakeStash) -> None:
    assert run(three, "SUNION", "a", "b") == [b"1", b"2", b"3", b"4", b"5"]
    assert run(three, "SUNION", "c", "b") == [b"x", b"4", b"3", b"5"]
    assert run(three, "SDIFF", "a", "b") == [b"1", b"2"]
    assert run(three, "SDIFF", "a", "nokey") == [b"1", b"2", b"3", b"4"]
    assert run(three, "SDIFF", "nokey", "a") == []
    assert run(three, "SDIFF", "a", "a") == []


def test_store_forms_replace_and_delete(three: FakeStash, clock: object) -> None:
    run(three, "SADD", "d", "old")
    three.database.expires[b"d"] = 10**15
    assert run(three, "SINTERSTORE", "d", "a", "b") == 2
    assert run(three, "SMEMBERS", "d") == [b"3", b"4"]
    assert b"d" not in three.database.expires  # a fresh value, no TTL
    assert run(three, "SUNIONSTORE", "d", "a", "b") == 5
    assert run(three, "SDIFFSTORE", "d", "a", "b") == 2
    assert run(three, "SMEMBERS", "d") == [b"1", b"2"]
    assert run(three, "SINTERSTORE", "d", "a", "nokey") == 0
    assert b"d" not in three.database.data
    assert run(three, "SUNIONSTORE", "a", "a", "b") == 5  # destination among the sources


def test_sintercard(three: FakeStash) -> None:
    assert run(three, "SINTERCARD", "2", "a", "b") == 2
    assert run(three, "SINTERCARD", "2", "a", "b", "LIMIT", "1") == 1
    assert run(three, "SINTERCARD", "2", "a", "b", "LIMIT", "0") == 2
    assert run(three, "SINTERCARD", "2", "a", "b", "LIMIT", "1", "LIMIT", "5") == 2
    assert run(three, "SINTERCARD", "2", "a", "nokey") == 0


@pytest.mark.parametrize(
    ("argv", "text"),
    [
        (("SINTERCARD", "0", "a"), "ERR numkeys should be greater than 0"),
        (("SINTERCARD", "x", "a"), "ERR numkeys should be greater than 0"),
        (("SINTERCARD", "3", "a"), "ERR Number of keys can't be greater than number of args"),
        (("SINTERCARD", "1", "a", "LIMIT", "-1"), "ERR LIMIT can't be negative"),
        (("SINTERCARD", "1", "a", "LIMIT", "x"), "ERR LIMIT can't be negative"),
        (("SINTERCARD", "1", "a", "LIMIT"), "ERR syntax error"),
        (("SINTERCARD", "1", "a", "foo"), "ERR syntax error"),
    ],
)
def test_sintercard_errors(stash: FakeStash, argv: tuple[str, ...], text: str) -> None:
    assert error(stash, *argv) == text


def test_sintercard_key_positions_come_from_numkeys() -> None:
    from fakestash._engine.registry import Registry

    cmd = Registry.default().get("sintercard")
    assert cmd is not None
    assert cmd.keys([b"SINTERCARD", b"2", b"a", b"b", b"LIMIT", b"1"]) == [b"a", b"b"]


# ---- SSCAN ---------------------------------------------------------------------------------


def test_sscan_answers_a_set_that_fits_one_page_whole_in_its_order(stash: FakeStash) -> None:
    run(stash, "SADD", "s", "b", "a", "ab")
    assert run(stash, "SSCAN", "s", "0") == [b"0", [b"b", b"a", b"ab"]]
    assert run(stash, "SSCAN", "s", "0", "MATCH", "a*", "COUNT", "3") == [b"0", [b"a", b"ab"]]
    assert run(stash, "SSCAN", "s", "123", "COUNT", "3") == [b"0", [b"b", b"a", b"ab"]]


def test_sscan_count_smaller_than_the_set_pages_exactly(stash: FakeStash) -> None:
    run(stash, "SADD", "s", "b", "a", "ab")
    first = run(stash, "SSCAN", "s", "0", "COUNT", "1")
    assert isinstance(first, list) and first[0] != b"0" and len(first[1]) == 1
    rest = run(stash, "SSCAN", "s", first[0], "COUNT", "1")
    last = run(stash, "SSCAN", "s", rest[0], "COUNT", "1")
    assert last[0] == b"0"
    assert sorted(first[1] + rest[1] + last[1]) == [b"a", b"ab", b"b"]


def test_sscan_big_sets_page_through_every_member(stash: FakeStash) -> None:
    members = {f"member:{i}".encode() for i in range(300)}
    run(stash, "SADD", "s", *sorted(members))
    seen: list[bytes] = []
    cursor = b"0"
    calls = 0
    while True:
        reply = run(stash, "SSCAN", "s", cursor, "COUNT", "25")
        assert isinstance(reply, list)
        cursor, page = reply[0], reply[1]
        assert isinstance(page, list) and isinstance(cursor, bytes)
        seen.extend(page)  # type: ignore[arg-type]
        calls += 1
        if cursor == b"0":
            break
    assert sorted(seen) == sorted(members) and len(seen) == 300
    assert calls > 5


def test_sscan_missing_key_ignores_options(stash: FakeStash) -> None:
    assert run(stash, "SSCAN", "nokey", "0", "COUNT", "0") == [b"0", []]


@pytest.mark.parametrize(
    ("argv", "text"),
    [
        (("SSCAN", "s", "x"), "ERR invalid cursor"),
        (("SSCAN", "s", "0", "COUNT", "0"), "ERR syntax error"),
        (("SSCAN", "s", "0", "COUNT", "x"), "ERR value is not an integer or out of range"),
        (("SSCAN", "s", "0", "MATCH"), "ERR syntax error"),
        (("SSCAN", "s", "0", "TYPE", "string"), "ERR syntax error"),
        (("SSCAN", "s", "0", "NOVALUES"), "ERR syntax error"),
    ],
)
def test_sscan_errors(stash: FakeStash, argv: tuple[str, ...], text: str) -> None:
    run(stash, "SADD", "s", "a")
    assert error(stash, *argv) == text


# ---- values, COPY-ability, DUMP/RESTORE ---------------------------------------------------------


def test_copy_is_independent() -> None:
    value = RedisSet([b"a", b"b"])
    other = value.copy()
    other.add(b"c")
    other.remove(b"a")
    assert list(value) == [b"a", b"b"]
    assert list(other) == [b"b", b"c"]
    assert value.type_name == "set"


def test_dump_restore_round_trip(stash: FakeStash) -> None:
    from fakestash._engine import rdb
    from fakestash._engine.registry import Registry

    run(stash, "SADD", "s", "3", "1", "a", "")
    payload = rdb.dump(stash.database.data[b"s"])
    assert payload[0] == rdb.RDB_TYPE_SET
    restored = rdb.load(payload, Registry.default().readers)
    assert isinstance(restored, RedisSet)
    assert list(restored) == [b"1", b"3", b"a", b""]


def test_restores_a_payload_dumped_by_redis_7_intset() -> None:
    from fakestash._engine import rdb
    from fakestash._engine.registry import Registry

    # DUMP of `SADD s 5 1 3` on redis-server 7.0.15 (RDB_TYPE_SET_INTSET).
    payload = bytes.fromhex("0b0e02000000030000000100030005000a00586ee8b158667caf")
    assert rdb.verify(payload)
    restored = rdb.load(payload, Registry.default().readers)
    assert list(restored) == [b"1", b"3", b"5"]


# ---- properties ------------------------------------------------------------------------------

MEMBERS = st.sampled_from([b"a", b"b", b"c", b"", b"1", b"2", b"-3", b"10", b"007", b"x" * 70])


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["add", "rem", "pop", "move"]), st.lists(MEMBERS, max_size=4)),
        max_size=40,
    )
)
def test_sets_agree_with_a_model(ops: list[tuple[str, list[bytes]]]) -> None:
    stash = FakeStash(seed=3)
    model: dict[bytes, list[bytes]] = {b"s": [], b"t": []}  # insertion-ordered members
    for op, members in ops:
        if op == "add" and members:
            added = run(stash, "SADD", "s", *members)
            new = [m for m in dict.fromkeys(members) if m not in model[b"s"]]
            model[b"s"].extend(new)
            assert added == len(new)
        elif op == "rem" and members:
            removed = run(stash, "SREM", "s", *members)
            gone = [m for m in dict.fromkeys(members) if m in model[b"s"]]
            model[b"s"] = [m for m in model[b"s"] if m not in gone]
            assert removed == len(gone)
        elif op == "pop":
            popped = run(stash, "SPOP", "s", 2)
            assert isinstance(popped, list)
            assert set(popped) <= set(model[b"s"]) and len(set(popped)) == len(popped)
            model[b"s"] = [m for m in model[b"s"] if m not in popped]
        elif op == "move" and members:
            moved = run(stash, "SMOVE", "s", "t", members[0])
            assert moved == int(members[0] in model[b"s"])
            if moved:
                model[b"s"].remove(members[0])
                if members[0] not in model[b"t"]:
                    model[b"t"].append(members[0])
        for key in (b"s", b"t"):
            reply = run(stash, "SMEMBERS", key)
            assert isinstance(reply, list)
            assert sorted(reply) == sorted(model[key])  # type: ignore[type-var]
            assert run(stash, "SCARD", key) == len(model[key])
            assert (key in stash.database.data) == bool(model[key])
        inter = run(stash, "SINTER", "s", "t")
        assert isinstance(inter, list)
        assert sorted(inter) == sorted(set(model[b"s"]) & set(model[b"t"]))  # type: ignore[type-var]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.integers(-1000, 1000).map(lambda i: b"%d" % i), MEMBERS), max_size=30))
def test_reply_order_rule(members: list[bytes]) -> None:
    """Integers only: numeric order. Otherwise numeric order of the integers added before the
    first non-integer, then insertion order."""
    from fakestash._engine.args import is_int

    value = RedisSet(members)
    unique = list(dict.fromkeys(members))
    first_str = next((i for i, m in enumerate(unique) if not is_int(m)), len(unique))
    expected = sorted(unique[:first_str], key=int) + unique[first_str:]
    assert list(value) == expected


# ---- SDIFFCARD / SUNIONCARD (Upstash) -------------------------------------------------------


def test_sdiffcard_counts_the_difference_up_to_limit(stash: FakeStash) -> None:
    run(stash, "SADD", "set1", "a", "b", "c")
    run(stash, "SADD", "set2", "c", "d", "e")
    assert run(stash, "SDIFFCARD", "2", "set1", "set2") == 2
    assert run(stash, "SDIFFCARD", "2", "set1", "set2", "LIMIT", "1") == 1
    assert run(stash, "SDIFFCARD", "2", "set1", "set2", "LIMIT", "0") == 2
    assert run(stash, "SDIFFCARD", "1", "set1", "LIMIT", "2") == 2
    assert run(stash, "SDIFFCARD", "2", "nokey", "set1") == 0
    assert run(stash, "SDIFFCARD", "2", "set1", "set1") == 0
    assert run(stash, "SDIFFCARD", "2", "set1", "nokey") == 3


def test_sunioncard_counts_distinct_members_exactly_or_approximately(stash: FakeStash) -> None:
    run(stash, "SADD", "set1", "a", "b", "c")
    run(stash, "SADD", "set2", "c", "d", "e")
    assert run(stash, "SUNIONCARD", "2", "set1", "set2") == 5
    assert run(stash, "SUNIONCARD", "2", "set1", "set2", "LIMIT", "3") == 3
    assert run(stash, "SUNIONCARD", "2", "set1", "set2", "LIMIT", "0") == 5
    assert run(stash, "SUNIONCARD", "2", "nokey", "other") == 0
    assert run(stash, "SUNIONCARD", "2", "set1", "set2", "APPROX") == 5
    assert run(stash, "SUNIONCARD", "2", "set1", "set2", "LIMIT", "4", "APPROX") == 4
    run(stash, "SADD", "big", *[f"m{i}" for i in range(5000)])
    run(stash, "PFADD", "hll", *[f"m{i}" for i in range(5000)], "a", "b", "c")
    assert run(stash, "SUNIONCARD", "2", "big", "set1", "APPROX") == run(stash, "PFCOUNT", "hll")


@pytest.mark.parametrize("name", ["SDIFFCARD", "SUNIONCARD"])
def test_card_commands_errors(stash: FakeStash, name: str) -> None:
    run(stash, "SET", "str", "v")
    assert error(stash, name, "0", "a") == "ERR numkeys should be greater than 0"
    assert error(stash, name, "x", "a") == "ERR numkeys should be greater than 0"
    assert error(stash, name, "3", "a", "b") == (
        "ERR Number of keys can't be greater than number of args"
    )
    assert error(stash, name, "1", "a", "LIMIT", "-1") == "ERR LIMIT can't be negative"
    assert error(stash, name, "1", "a", "LIMIT") == "ERR syntax error"
    assert error(stash, name, "1", "a", "BOGUS") == "ERR syntax error"
    assert error(stash, name, "1", "str") == (
        "WRONGTYPE Operation against a key holding the wrong kind of value"
    )
    assert error(stash, name) == f"ERR wrong number of arguments for '{name.lower()}' command"
