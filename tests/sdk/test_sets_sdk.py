"""The upstash-redis SDK drives the set commands through the plugin."""

from __future__ import annotations

import asyncio
from typing import Any, Callable

import pytest
from upstash_redis.errors import UpstashError

from fakestash import FakeStash

pytestmark = pytest.mark.fakestash(clock="manual")

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def test_sadd_srem_smembers_scard(redis: Any) -> None:
    assert redis.sadd("s", "a", "b", "c") == 3
    assert redis.sadd("s", "a", "d", "d") == 1
    members = redis.smembers("s")
    assert isinstance(members, list) and sorted(members) == ["a", "b", "c", "d"]
    assert redis.scard("s") == 4
    assert redis.srem("s", "a", "zz", "a") == 1
    assert redis.scard("s") == 3
    assert redis.smembers("missing") == []
    assert redis.scard("missing") == 0
    assert redis.srem("missing", "a") == 0
    assert redis.srem("s", "b", "c", "d") == 3
    assert redis.exists("s") == 0


def test_members_round_trip_numbers_and_unicode(redis: Any) -> None:
    assert redis.sadd("s", 1, 2.5, "ßet ✓") == 3
    assert sorted(redis.smembers("s")) == ["1", "2.5", "ßet ✓"]
    assert redis.sismember("s", 1) is True


def test_sismember_and_smismember_are_bools(redis: Any) -> None:
    redis.sadd("s", "a", "b")
    assert redis.sismember("s", "a") is True
    assert redis.sismember("s", "zz") is False
    assert redis.sismember("missing", "a") is False
    assert redis.smismember("s", "a", "zz", "b") == [True, False, True]
    assert redis.smismember("missing", "a") == [False]


def test_algebra_and_store_variants(redis: Any) -> None:
    redis.sadd("s1", "a", "b", "c", "d")
    redis.sadd("s2", "c", "d", "e")
    redis.sadd("s3", "d", "x")
    assert sorted(redis.sinter("s1", "s2")) == ["c", "d"]
    assert redis.sinter("s1", "s2", "s3") == ["d"]
    assert redis.sinter("s1", "missing") == []
    assert sorted(redis.sunion("s1", "s2", "missing")) == ["a", "b", "c", "d", "e"]
    assert sorted(redis.sdiff("s1", "s2")) == ["a", "b"]
    assert redis.sdiff("s1", "s2", "s3", "s1") == []
    assert redis.sdiff("missing", "s1") == []
    assert redis.sinterstore("dst", "s1", "s2") == 2
    assert sorted(redis.smembers("dst")) == ["c", "d"]
    assert redis.sunionstore("dst", "s2", "s3") == 4
    assert sorted(redis.smembers("dst")) == ["c", "d", "e", "x"]
    assert redis.sdiffstore("dst", "s1", "s2") == 2
    assert sorted(redis.smembers("dst")) == ["a", "b"]
    assert redis.sinterstore("dst", "s1", "missing") == 0
    assert redis.exists("dst") == 0


def test_store_overwrites_any_type_and_drops_the_ttl(redis: Any) -> None:
    redis.set("dst", "string", ex=100)
    redis.sadd("s1", "a")
    assert redis.sunionstore("dst", "s1") == 1
    assert redis.type("dst") == "set"
    assert redis.ttl("dst") == -1


def test_sintercard_through_execute(redis: Any) -> None:
    redis.sadd("s1", "a", "b", "c")
    redis.sadd("s2", "b", "c", "d")
    assert redis.execute(["SINTERCARD", "2", "s1", "s2"]) == 2
    assert redis.execute(["SINTERCARD", "2", "s1", "s2", "LIMIT", "1"]) == 1
    assert redis.execute(["SINTERCARD", "2", "s1", "s2", "LIMIT", "0"]) == 2
    assert redis.execute(["SINTERCARD", "2", "s1", "missing"]) == 0
    with pytest.raises(UpstashError, match="ERR numkeys should be greater than 0"):
        redis.execute(["SINTERCARD", "0", "s1"])
    with pytest.raises(
        UpstashError, match="ERR Number of keys can't be greater than number of args"
    ):
        redis.execute(["SINTERCARD", "3", "s1", "s2"])
    with pytest.raises(UpstashError, match="ERR LIMIT can't be negative"):
        redis.execute(["SINTERCARD", "2", "s1", "s2", "LIMIT", "-1"])


def test_smove(redis: Any) -> None:
    redis.sadd("src", "a", "b")
    assert redis.smove("src", "dst", "a") is True
    assert redis.smove("src", "dst", "a") is False
    assert redis.smove("missing", "dst", "a") is False
    assert redis.smove("src", "src", "b") is True
    assert redis.smove("src", "dst", "b") is True
    assert redis.exists("src") == 0
    assert sorted(redis.smembers("dst")) == ["a", "b"]


def test_spop_shapes(redis: Any) -> None:
    members = {"a", "b", "c", "d", "e"}
    redis.sadd("s", *sorted(members))
    one = redis.spop("s")
    assert one in members
    two = redis.spop("s", 2)
    assert isinstance(two, list) and len(two) == 2 and one not in two
    assert set(two) <= members
    assert redis.spop("s", 0) == []
    rest = redis.spop("s", 10)
    assert sorted([one, *two, *rest]) == sorted(members)
    assert redis.exists("s") == 0
    assert redis.spop("missing") is None
    assert redis.spop("missing", 2) == []
    redis.sadd("s", "a")
    with pytest.raises(UpstashError, match="ERR value is out of range, must be positive"):
        redis.spop("s", -1)


def test_srandmember_shapes(redis: Any) -> None:
    members = {"a", "b", "c"}
    redis.sadd("s", *sorted(members))
    assert redis.srandmember("s") in members
    distinct = redis.srandmember("s", 2)
    assert len(distinct) == 2 and len(set(distinct)) == 2 and set(distinct) <= members
    assert sorted(redis.srandmember("s", 10)) == ["a", "b", "c"]
    repeated = redis.srandmember("s", -8)
    assert len(repeated) == 8 and set(repeated) <= members
    assert redis.srandmember("s", 0) == []
    assert redis.scard("s") == 3
    assert redis.srandmember("missing") is None
    assert redis.srandmember("missing", 3) == []


def strings(reply: Any) -> list[str]:
    """A raw engine array of bulk strings, decoded."""
    assert isinstance(reply, list)
    return [item.decode() for item in reply]


def test_random_replies_are_seeded(redis: Any, fakestash: FakeStash) -> None:
    redis.sadd("s", *[f"m{i}" for i in range(30)])
    got = [redis.srandmember("s", -4), redis.spop("s", 3)]
    other = FakeStash(seed=fakestash.seed, clock=fakestash.clock)
    try:
        other.execute("SADD", "s", *[f"m{i}" for i in range(30)])
        again = [
            strings(other.execute("SRANDMEMBER", "s", "-4")),
            strings(other.execute("SPOP", "s", "3")),
        ]
    finally:
        other.close()
    assert got == again


def test_sscan_returns_int_cursor_and_list(redis: Any) -> None:
    redis.sadd("s", *[f"m:{i}" for i in range(200)], "other")
    seen: list[str] = []
    cursor = 0
    pages = 0
    while True:
        pages += 1
        cursor, page = redis.sscan("s", cursor, match="m:*", count=6)
        assert isinstance(cursor, int) and isinstance(page, list)
        seen.extend(page)
        if cursor == 0:
            break
    assert pages > 1  # past 128 members Redis pages by cursor
    assert sorted(seen) == sorted(f"m:{i}" for i in range(200))
    redis.sadd("small", "x", "y")
    cursor, page = redis.sscan("small")
    assert cursor == 0 and sorted(page) == ["x", "y"]
    assert redis.sscan("small", 0, match="y") == (0, ["y"])
    assert redis.sscan("missing", 0) == (0, [])
    with pytest.raises(UpstashError, match="ERR invalid cursor"):
        redis.execute(["SSCAN", "s", "abc"])


def test_wrongtype_on_set_commands(redis: Any) -> None:
    redis.set("str", "x")
    redis.sadd("s", "a")
    calls: list[Callable[[], Any]] = [
        lambda: redis.sadd("str", "a"),
        lambda: redis.smembers("str"),
        lambda: redis.sismember("str", "a"),
        lambda: redis.smismember("str", "a"),
        lambda: redis.sinter("s", "str"),
        lambda: redis.sunion("s", "str"),
        lambda: redis.sdiff("s", "str"),
        lambda: redis.smove("s", "str", "a"),
        lambda: redis.spop("str"),
        lambda: redis.srandmember("str"),
        lambda: redis.sscan("str", 0),
        lambda: redis.execute(["SINTERCARD", "2", "s", "str"]),
    ]
    for call in calls:
        with pytest.raises(UpstashError, match=WRONGTYPE):
            call()
    assert redis.smembers("s") == ["a"]
    assert redis.type("s") == "set"


def test_set_commands_in_a_pipeline(redis: Any) -> None:
    pipe = redis.pipeline()
    pipe.sadd("s", "a", "b")
    pipe.sismember("s", "a")
    pipe.smismember("s", "a", "c")
    pipe.smove("s", "t", "b")
    pipe.sscan("s", 0)
    pipe.smembers("t")
    pipe.scard("nope")
    assert pipe.exec() == [2, True, [True, False], True, (0, ["a"]), ["b"], 0]


def test_set_commands_in_a_transaction(redis: Any) -> None:
    redis.sadd("t", "x")
    tx = redis.multi()
    tx.sadd("s", "a", "x")
    tx.sinterstore("both", "s", "t")
    tx.sdiff("s", "t")
    tx.srem("s", "a", "x")
    tx.exists("s")
    assert tx.exec() == [2, 1, ["a"], 2, 0]


def test_async_set_commands(aredis: Any) -> None:
    async def main() -> list[Any]:
        await aredis.sadd("s", "a", "b")
        pipe = aredis.pipeline()
        pipe.sismember("s", "b")
        pipe.sunion("s", "nope")
        tx = aredis.multi()
        tx.smove("s", "t", "a")
        tx.smembers("t")
        return [
            await aredis.smismember("s", "a", "z"),
            await aredis.sscan("s", 0, match="a"),
            await pipe.exec(),
            await tx.exec(),
            await aredis.scard("s"),
        ]

    result = asyncio.run(main())
    result[2][1] = sorted(result[2][1])
    assert result == [[True, False], (0, ["a"]), [True, ["a", "b"]], [True, ["a"]], 1]


def test_integer_like_and_empty_members(redis: Any) -> None:
    assert redis.sadd("s", "10", "2", "-1", "", "007") == 5
    assert sorted(redis.smembers("s")) == ["", "-1", "007", "10", "2"]
    assert redis.sismember("s", "7") is False
    assert redis.sismember("s", "007") is True
    assert redis.smismember("s", "", "2") == [True, True]
    assert redis.srem("s", "") == 1
    assert redis.scard("s") == 4


def test_smove_to_a_key_of_another_type(redis: Any) -> None:
    redis.sadd("s", "a")
    redis.set("str", "x")
    with pytest.raises(UpstashError, match=WRONGTYPE):
        redis.smove("s", "str", "a")
    assert redis.smembers("s") == ["a"]
