"""The upstash-redis SDK drives the list commands through the plugin."""

from __future__ import annotations

import asyncio
from typing import Any, Callable

import pytest
from upstash_redis.errors import UpstashError

from fakestash import FakeStash

pytestmark = pytest.mark.fakestash(clock="manual")

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def test_push_and_range(redis: Any) -> None:
    assert redis.rpush("l", "a", "b") == 2
    assert redis.lpush("l", "y", "x") == 4
    assert redis.lrange("l", 0, -1) == ["x", "y", "a", "b"]
    assert redis.lrange("l", -2, -1) == ["a", "b"]
    assert redis.lrange("l", -100, 100) == ["x", "y", "a", "b"]
    assert redis.lrange("l", 3, 1) == []
    assert redis.lrange("missing", 0, -1) == []
    assert redis.llen("l") == 4
    assert redis.llen("missing") == 0


def test_pushx_only_touches_existing_lists(redis: Any) -> None:
    assert redis.lpushx("missing", "a") == 0
    assert redis.rpushx("missing", "a", "b") == 0
    assert redis.exists("missing") == 0
    redis.rpush("l", "m")
    assert redis.lpushx("l", "b", "a") == 3
    assert redis.rpushx("l", "y", "z") == 5
    assert redis.lrange("l", 0, -1) == ["a", "b", "m", "y", "z"]


def test_numbers_and_unicode_round_trip(redis: Any) -> None:
    assert redis.rpush("l", 1, 2.5, "ünï ✓") == 3
    assert redis.lrange("l", 0, -1) == ["1", "2.5", "ünï ✓"]


def test_pop_with_and_without_count(redis: Any) -> None:
    redis.rpush("l", "a", "b", "c", "d", "e")
    assert redis.lpop("l") == "a"
    assert redis.rpop("l") == "e"
    assert redis.lpop("l", 2) == ["b", "c"]
    assert redis.lpop("l", 0) == []
    assert redis.rpop("l", 10) == ["d"]
    assert redis.exists("l") == 0
    assert redis.lpop("missing") is None
    assert redis.rpop("missing") is None
    assert redis.lpop("missing", 2) is None
    assert redis.rpop("missing", 2) is None
    redis.rpush("l", "a")
    with pytest.raises(UpstashError, match="ERR value is out of range, must be positive"):
        redis.lpop("l", -1)


def test_lindex_lset_linsert(redis: Any) -> None:
    redis.rpush("l", "a", "b", "c")
    assert redis.lindex("l", 0) == "a"
    assert redis.lindex("l", -1) == "c"
    assert redis.lindex("l", 99) is None
    assert redis.lindex("missing", 0) is None
    assert redis.lset("l", 1, "B") is True
    assert redis.lset("l", -1, "C") is True
    assert redis.lrange("l", 0, -1) == ["a", "B", "C"]
    with pytest.raises(UpstashError, match="ERR index out of range"):
        redis.lset("l", 99, "x")
    with pytest.raises(UpstashError, match="ERR no such key"):
        redis.lset("missing", 0, "x")
    assert redis.linsert("l", "BEFORE", "B", "a2") == 4
    assert redis.linsert("l", "AFTER", "C", "D") == 5
    assert redis.linsert("l", "AFTER", "zz", "x") == -1
    assert redis.linsert("missing", "AFTER", "a", "x") == 0
    assert redis.lrange("l", 0, -1) == ["a", "a2", "B", "C", "D"]
    with pytest.raises(UpstashError, match="ERR syntax error"):
        redis.linsert("l", "MIDDLE", "a", "x")


def test_lpos_with_rank_count_and_maxlen(redis: Any) -> None:
    redis.rpush("l", "a", "b", "c", "a", "b", "c", "a")
    assert redis.lpos("l", "a") == 0
    assert redis.lpos("l", "c") == 2
    assert redis.lpos("l", "a", rank=2) == 3
    assert redis.lpos("l", "a", rank=-1) == 6
    assert redis.lpos("l", "a", count=0) == [0, 3, 6]
    assert redis.lpos("l", "a", count=2) == [0, 3]
    assert redis.lpos("l", "a", rank=-2, count=5) == [3, 0]
    assert redis.lpos("l", "a", count=0, maxlen=4) == [0, 3]
    assert redis.lpos("l", "c", maxlen=2) is None
    assert redis.lpos("l", "zz") is None
    assert redis.lpos("l", "zz", count=2) == []
    assert redis.lpos("missing", "a") is None
    assert redis.lpos("missing", "a", count=1) == []
    with pytest.raises(UpstashError, match="ERR RANK can't be zero"):
        redis.lpos("l", "a", rank=0)
    with pytest.raises(UpstashError, match="ERR COUNT can't be negative"):
        redis.lpos("l", "a", count=-1)
    with pytest.raises(UpstashError, match="ERR MAXLEN can't be negative"):
        redis.lpos("l", "a", maxlen=-1)


def test_lrem_by_count_sign(redis: Any) -> None:
    redis.rpush("l", "a", "b", "a", "c", "a", "b")
    assert redis.lrem("l", 1, "a") == 1
    assert redis.lrange("l", 0, -1) == ["b", "a", "c", "a", "b"]
    assert redis.lrem("l", -1, "b") == 1
    assert redis.lrange("l", 0, -1) == ["b", "a", "c", "a"]
    assert redis.lrem("l", 0, "a") == 2
    assert redis.lrange("l", 0, -1) == ["b", "c"]
    assert redis.lrem("l", 0, "zz") == 0
    assert redis.lrem("missing", 0, "a") == 0
    assert redis.lrem("l", 0, "b") == 1
    assert redis.lrem("l", 0, "c") == 1
    assert redis.exists("l") == 0


def test_ltrim_and_empty_result_deletes(redis: Any) -> None:
    redis.rpush("l", *[str(i) for i in range(10)])
    assert redis.ltrim("l", 2, -3) == "OK"
    assert redis.lrange("l", 0, -1) == ["2", "3", "4", "5", "6", "7"]
    assert redis.ltrim("l", -3, -2) == "OK"
    assert redis.lrange("l", 0, -1) == ["5", "6"]
    assert redis.ltrim("l", 5, 1) == "OK"
    assert redis.exists("l") == 0
    assert redis.ltrim("missing", 0, 1) == "OK"


def test_lmove_every_direction(redis: Any) -> None:
    redis.rpush("src", "1", "2", "3", "4")
    assert redis.lmove("src", "dst") == "1"
    assert redis.lmove("src", "dst", "RIGHT", "LEFT") == "4"
    assert redis.lmove("src", "dst", "LEFT", "LEFT") == "2"
    assert redis.lmove("src", "dst", "RIGHT", "RIGHT") == "3"
    assert redis.lrange("dst", 0, -1) == ["2", "4", "1", "3"]
    assert redis.exists("src") == 0
    assert redis.lmove("missing", "dst") is None
    assert redis.lmove("dst", "dst", "LEFT", "RIGHT") == "2"
    assert redis.lrange("dst", 0, -1) == ["4", "1", "3", "2"]
    with pytest.raises(UpstashError, match="ERR syntax error"):
        redis.lmove("dst", "x", "UP", "LEFT")


def test_rpoplpush(redis: Any) -> None:
    redis.rpush("src", "a", "b")
    assert redis.rpoplpush("src", "dst") == "b"
    assert redis.rpoplpush("src", "dst") == "a"
    assert redis.rpoplpush("src", "dst") is None
    assert redis.lrange("dst", 0, -1) == ["a", "b"]
    assert redis.rpoplpush("dst", "dst") == "b"
    assert redis.lrange("dst", 0, -1) == ["b", "a"]


def test_lmpop_through_execute(redis: Any) -> None:
    redis.rpush("b", "1", "2", "3")
    assert redis.execute(["LMPOP", "2", "a", "b", "LEFT"]) == ["b", ["1"]]
    assert redis.execute(["LMPOP", "2", "a", "b", "RIGHT", "COUNT", "5"]) == ["b", ["3", "2"]]
    assert redis.execute(["LMPOP", "1", "b", "LEFT"]) is None
    assert redis.exists("b") == 0
    with pytest.raises(UpstashError, match="ERR numkeys should be greater than 0"):
        redis.execute(["LMPOP", "0", "a", "LEFT"])
    with pytest.raises(UpstashError, match="ERR count should be greater than 0"):
        redis.execute(["LMPOP", "1", "a", "LEFT", "COUNT", "0"])


def test_wrongtype_on_list_commands(redis: Any) -> None:
    redis.set("s", "x")
    redis.rpush("l", "a")
    calls: list[Callable[[], Any]] = [
        lambda: redis.lpush("s", "a"),
        lambda: redis.rpushx("s", "a"),
        lambda: redis.lrange("s", 0, -1),
        lambda: redis.llen("s"),
        lambda: redis.lpop("s"),
        lambda: redis.lpos("s", "a"),
        lambda: redis.lindex("s", 0),
        lambda: redis.lmove("l", "s"),
        lambda: redis.lmove("s", "l"),
        lambda: redis.rpoplpush("l", "s"),
        lambda: redis.execute(["LMPOP", "1", "s", "LEFT"]),
    ]
    for call in calls:
        with pytest.raises(UpstashError, match=WRONGTYPE):
            call()
    assert redis.lrange("l", 0, -1) == ["a"]
    assert redis.type("l") == "list"


def test_list_commands_in_a_pipeline(redis: Any) -> None:
    pipe = redis.pipeline()
    pipe.rpush("l", "a", "b", "c", "a")
    pipe.lpos("l", "a", count=0)
    pipe.lset("l", 1, "B")
    pipe.lmove("l", "m", "RIGHT", "LEFT")
    pipe.lrange("l", 0, -1)
    pipe.lpop("l", 5)
    pipe.lpop("l")
    assert pipe.exec() == [4, [0, 3], True, "a", ["a", "B", "c"], ["a", "B", "c"], None]


def test_list_commands_in_a_transaction(redis: Any) -> None:
    tx = redis.multi()
    tx.lpush("queue", "job1", "job2")
    tx.rpoplpush("queue", "processing")
    tx.llen("queue")
    tx.ltrim("queue", 1, 0)
    tx.lrange("processing", 0, -1)
    assert tx.exec() == [2, "job1", 1, "OK", ["job1"]]
    assert redis.exists("queue") == 0


def test_async_list_commands(aredis: Any, fakestash: FakeStash) -> None:
    async def main() -> list[Any]:
        await aredis.rpush("l", "a", "b", "c")
        pipe = aredis.pipeline()
        pipe.lindex("l", -1)
        pipe.linsert("l", "BEFORE", "b", "ab")
        tx = aredis.multi()
        tx.lrem("l", 0, "a")
        tx.rpop("l", 2)
        return [
            await aredis.lpos("l", "b"),
            await pipe.exec(),
            await tx.exec(),
            await aredis.lrange("l", 0, -1),
            await aredis.lmove("l", "dst", "LEFT", "LEFT"),
        ]

    assert asyncio.run(main()) == [1, ["c", 4], [1, ["c", "b"]], ["ab"], "ab"]
    assert fakestash.execute("LRANGE", "dst", "0", "-1") == [b"ab"]


def test_a_list_with_a_ttl_expires(redis: Any, fakestash: FakeStash) -> None:
    redis.rpush("l", "a")
    assert redis.expire("l", 5) is True
    assert redis.rpush("l", "b") == 2
    assert redis.ttl("l") == 5
    fakestash.clock.advance(seconds=5.001)
    assert redis.lrange("l", 0, -1) == []
    assert redis.lpushx("l", "x") == 0


def test_huge_indexes_clamp_like_redis(redis: Any) -> None:
    big, small = 2**63 - 1, -(2**63)
    redis.rpush("l", "a", "b", "c")
    assert redis.lrange("l", small, big) == ["a", "b", "c"]
    assert redis.lindex("l", small) is None
    assert redis.lpos("l", "c", count=big) == [2]
    assert redis.lpop("l", big) == ["a", "b", "c"]
    with pytest.raises(UpstashError, match="ERR value is not an integer or out of range"):
        redis.lrange("l", 0, 2**63)


def test_lpos_rank_minimum_is_refused_like_redis_7_2(redis: Any) -> None:
    redis.rpush("l", "a")
    with pytest.raises(
        UpstashError,
        match="ERR value is out of range, value must between "
        "-9223372036854775807 and 9223372036854775807",
    ):
        redis.lpos("l", "a", rank=-(2**63))


def test_empty_and_status_like_elements(redis: Any) -> None:
    assert redis.rpush("l", "", "OK", "PONG") == 3
    assert redis.lrange("l", 0, -1) == ["", "OK", "PONG"]
    assert redis.lpos("l", "") == 0
    assert redis.lrem("l", 0, "") == 1
    assert redis.lpop("l") == "OK"
