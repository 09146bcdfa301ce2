"""The upstash-redis SDK drives the sorted-set commands through the plugin."""

from __future__ import annotations

import asyncio
import math
from typing import Any, Callable

import pytest
from upstash_redis.errors import UpstashError

from fakestash import FakeStash

pytestmark = pytest.mark.fakestash(clock="manual")

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
SCORES = {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5}


def seed(redis: Any, key: str = "z", scores: dict[str, float] | None = None) -> None:
    assert redis.zadd(key, scores or SCORES) == len(scores or SCORES)


def test_zadd_counts_and_options(redis: Any) -> None:
    assert redis.zadd("z", {"a": 1, "b": 2.5}) == 2
    assert redis.zadd("z", {"a": 1, "c": 3}) == 1
    assert redis.zadd("z", {"a": 10, "d": 4}, nx=True) == 1
    assert redis.zscore("z", "a") == 1.0
    assert redis.zadd("z", {"a": 11, "zz": 7}, xx=True) == 0
    assert redis.zscore("z", "a") == 11.0
    assert redis.zscore("z", "zz") is None
    assert redis.zadd("z", {"a": 12, "b": 2.5, "e": 5}, ch=True) == 2
    assert redis.zadd("z", {"a": 1, "b": 20}, gt=True, ch=True) == 1
    assert redis.zadd("z", {"c": 30, "d": 0.5}, lt=True, ch=True) == 1
    assert redis.zrange("z", 0, -1, withscores=True) == [
        ("d", 0.5),
        ("c", 3.0),
        ("e", 5.0),
        ("a", 12.0),
        ("b", 20.0),
    ]


def test_zadd_incr_returns_a_float_or_none(redis: Any) -> None:
    result = redis.zadd("z", {"a": 1.5}, incr=True)
    assert isinstance(result, float) and result == 1.5
    assert redis.zadd("z", {"a": 2}, incr=True) == 3.5
    assert redis.zadd("z", {"a": 1}, incr=True, nx=True) is None
    assert redis.zadd("z", {"new": 1}, incr=True, xx=True) is None
    assert redis.zadd("z", {"a": -1}, incr=True, gt=True) is None
    assert redis.zadd("z", {"a": 0.25}, incr=True, gt=True) == 3.75


def test_zadd_errors(redis: Any) -> None:
    with pytest.raises(UpstashError, match="ERR INCR option supports a single increment"):
        redis.zadd("z", {"a": 1, "b": 2}, incr=True)
    with pytest.raises(UpstashError, match="ERR value is not a valid float"):
        redis.execute(["ZADD", "z", "abc", "a"])
    with pytest.raises(
        UpstashError,
        match="ERR GT, LT, and/or NX options at the same time are not compatible",
    ):
        redis.execute(["ZADD", "z", "NX", "GT", "1", "a"])
    with pytest.raises(
        UpstashError, match="ERR XX and NX options at the same time are not compatible"
    ):
        redis.execute(["ZADD", "z", "NX", "XX", "1", "a"])
    with pytest.raises(UpstashError, match="ERR syntax error"):
        redis.execute(["ZADD", "z", "1", "a", "2"])
    assert redis.exists("z") == 0


def test_scores_are_floats_including_infinities_and_exponents(redis: Any) -> None:
    redis.execute(["ZADD", "z", "-inf", "low", "+inf", "high", "1e20", "big", "0.1", "tenth"])
    assert redis.zscore("z", "low") == -math.inf
    assert redis.zscore("z", "high") == math.inf
    assert redis.zscore("z", "big") == 1e20
    assert redis.zscore("z", "tenth") == 0.1
    assert redis.zadd("z", {"float": 1e-7, "int": 3}) == 2
    assert redis.zrange("z", 0, -1, withscores=True) == [
        ("low", -math.inf),
        ("float", 1e-7),
        ("tenth", 0.1),
        ("int", 3.0),
        ("big", 1e20),
        ("high", math.inf),
    ]
    assert redis.execute(["ZSCORE", "z", "big"]) == 1e20
    assert redis.zincrby("z", 0.2, "tenth") == pytest.approx(0.3)
    assert redis.execute(["ZINCRBY", "z", "0", "tenth"]) == 0.30000000000000004


def test_zincrby_zscore_zmscore(redis: Any) -> None:
    result = redis.zincrby("z", 2.5, "a")
    assert isinstance(result, float) and result == 2.5
    assert redis.zincrby("z", -1, "a") == 1.5
    assert redis.zscore("z", "a") == 1.5
    assert redis.zscore("z", "nope") is None
    assert redis.zscore("missing", "a") is None
    redis.zadd("z", {"b": 2})
    assert redis.zmscore("z", ["a", "nope", "b"]) == [1.5, None, 2.0]
    assert redis.zmscore("missing", ["a"]) == [None]
    with pytest.raises(UpstashError, match="ERR value is not a valid float"):
        redis.execute(["ZINCRBY", "z", "abc", "a"])
    redis.execute(["ZADD", "z", "+inf", "x"])
    with pytest.raises(UpstashError, match="ERR resulting score is not a number \\(NaN\\)"):
        redis.execute(["ZINCRBY", "z", "-inf", "x"])


def test_zcard_zcount_zlexcount(redis: Any) -> None:
    seed(redis)
    assert redis.zcard("z") == 5
    assert redis.zcard("missing") == 0
    assert redis.zcount("z", "-inf", "+inf") == 5
    assert redis.zcount("z", "(1", 3) == 2
    assert redis.zcount("z", 2, "(2") == 0
    assert redis.zcount("missing", 0, 1) == 0
    with pytest.raises(UpstashError, match="ERR min or max is not a float"):
        redis.zcount("z", "abc", 1)
    seed(redis, "lex", {m: 0 for m in "abcde"})
    assert redis.zlexcount("lex", "-", "+") == 5
    assert redis.zlexcount("lex", "[b", "(d") == 2
    with pytest.raises(UpstashError, match="ERR min or max not valid string range item"):
        redis.execute(["ZLEXCOUNT", "lex", "b", "d"])


def test_zrange_by_rank_score_and_lex(redis: Any) -> None:
    seed(redis)
    assert redis.zrange("z", 0, 2) == ["a", "b", "c"]
    assert redis.zrange("z", -2, -1, withscores=True) == [("d", 4.0), ("e", 5.0)]
    assert redis.zrange("z", 0, -1, rev=True) == ["e", "d", "c", "b", "a"]
    assert redis.zrange("z", 10, 20) == []
    assert redis.zrange("z", "(1", 4, sortby="BYSCORE") == ["b", "c", "d"]
    assert redis.zrange("z", 4, "(1", sortby="BYSCORE", rev=True, withscores=True) == [
        ("d", 4.0),
        ("c", 3.0),
        ("b", 2.0),
    ]
    assert redis.zrange(
        "z", "-inf", "+inf", sortby="BYSCORE", offset=1, count=2, withscores=True
    ) == [("b", 2.0), ("c", 3.0)]
    seed(redis, "lex", {m: 0 for m in "abcde"})
    assert redis.zrange("lex", "[b", "(d", sortby="BYLEX") == ["b", "c"]
    assert redis.zrange("lex", "+", "-", sortby="BYLEX", rev=True, offset=0, count=2) == [
        "e",
        "d",
    ]
    assert redis.zrange("missing", 0, -1, withscores=True) == []
    with pytest.raises(UpstashError, match="ERR min or max not valid string range item"):
        redis.execute(["ZRANGE", "lex", "a", "c", "BYLEX"])


def test_zrange_limit_without_byscore_is_accepted_like_upstash(redis: Any) -> None:
    seed(redis)
    # Redis refuses LIMIT without BYSCORE/BYLEX; Upstash (and the fake) accept it.
    assert redis.zrange("z", 0, -1, offset=1, count=2) == ["b", "c"]


def test_deprecated_range_commands(redis: Any) -> None:
    seed(redis)
    assert redis.zrangebyscore("z", 2, 4) == ["b", "c", "d"]
    assert redis.zrangebyscore("z", "(1", "+inf", withscores=True) == [
        ("b", 2.0),
        ("c", 3.0),
        ("d", 4.0),
        ("e", 5.0),
    ]
    assert redis.zrangebyscore("z", "-inf", "+inf", offset=1, count=2) == ["b", "c"]
    assert redis.zrangebyscore("z", "-inf", "+inf", offset=3, count=-1) == ["d", "e"]
    assert redis.zrevrangebyscore("z", 5, 1, withscores=True, offset=1, count=1) == [("d", 4.0)]
    assert redis.zrevrangebyscore("z", "(5", "(1") == ["d", "c", "b"]
    assert redis.zrevrange("z", 0, 1) == ["e", "d"]
    assert redis.zrevrange("z", 0, 1, withscores=True) == [("e", 5.0), ("d", 4.0)]
    seed(redis, "lex", {m: 0 for m in "abcde"})
    assert redis.zrangebylex("lex", "[b", "(d") == ["b", "c"]
    assert redis.zrangebylex("lex", "-", "+", offset=1, count=2) == ["b", "c"]
    assert redis.zrevrangebylex("lex", "+", "-", offset=0, count=2) == ["e", "d"]
    assert redis.zrevrangebylex("lex", "(d", "[a") == ["c", "b", "a"]


def test_zrangestore(redis: Any) -> None:
    seed(redis)
    assert redis.zrangestore("dst", "z", 0, 1) == 2
    assert redis.zrange("dst", 0, -1, withscores=True) == [("a", 1.0), ("b", 2.0)]
    assert redis.zrangestore("dst", "z", "(2", "+inf", sortby="BYSCORE", offset=0, count=2) == 2
    assert redis.zrange("dst", 0, -1) == ["c", "d"]
    assert redis.zrangestore("dst", "z", 5, 1, sortby="BYSCORE", rev=True) == 5
    assert redis.zrangestore("dst", "z", 100, 200, sortby="BYSCORE") == 0
    assert redis.exists("dst") == 0
    seed(redis, "lex", {m: 0 for m in "abcde"})
    assert redis.zrangestore("dst", "lex", "+", "[d", sortby="BYLEX", rev=True) == 2
    assert redis.zrange("dst", 0, -1) == ["d", "e"]


def test_zrank_and_zrevrank(redis: Any) -> None:
    seed(redis)
    assert redis.zrank("z", "a") == 0
    assert redis.zrank("z", "e") == 4
    assert redis.zrevrank("z", "a") == 4
    assert redis.zrank("z", "nope") is None
    assert redis.zrevrank("missing", "a") is None
    assert redis.execute(["ZRANK", "z", "c", "WITHSCORE"]) == [2, "3"]
    assert redis.execute(["ZREVRANK", "z", "c", "WITHSCORE"]) == [2, "3"]
    assert redis.execute(["ZRANK", "z", "nope", "WITHSCORE"]) is None


def test_zrem_and_zremrange(redis: Any) -> None:
    seed(redis)
    assert redis.zrem("z", "a", "nope", "a") == 1
    assert redis.zremrangebyrank("z", 0, 0) == 1
    assert redis.zremrangebyscore("z", "(3", 4) == 1
    assert redis.zrange("z", 0, -1) == ["c", "e"]
    assert redis.zremrangebyscore("z", "-inf", "+inf") == 2
    assert redis.exists("z") == 0
    seed(redis, "lex", {m: 0 for m in "abcde"})
    assert redis.zremrangebylex("lex", "[a", "(c") == 2
    assert redis.zremrangebylex("lex", "-", "+") == 3
    assert redis.exists("lex") == 0
    assert redis.zrem("missing", "a") == 0
    assert redis.zremrangebyrank("missing", 0, -1) == 0


def test_zpopmin_and_zpopmax_return_tuples(redis: Any) -> None:
    seed(redis)
    assert redis.zpopmin("z") == [("a", 1.0)]
    assert redis.zpopmax("z") == [("e", 5.0)]
    assert redis.zpopmin("z", 2) == [("b", 2.0), ("c", 3.0)]
    assert redis.zpopmax("z", 0) == []
    assert redis.zpopmax("z", 10) == [("d", 4.0)]
    assert redis.exists("z") == 0
    assert redis.zpopmin("missing") == []
    assert redis.zpopmax("missing", 3) == []
    redis.zadd("z", {"a": 1})
    with pytest.raises(UpstashError, match="ERR value is out of range, must be positive"):
        redis.zpopmin("z", -1)


def test_zmpop_through_execute(redis: Any) -> None:
    seed(redis, "b")
    assert redis.execute(["ZMPOP", "2", "a", "b", "MIN"]) == ["b", [["a", "1"]]]
    assert redis.execute(["ZMPOP", "1", "b", "MAX", "COUNT", "2"]) == [
        "b",
        [["e", "5"], ["d", "4"]],
    ]
    assert redis.execute(["ZMPOP", "1", "a", "MIN"]) is None
    with pytest.raises(UpstashError, match="ERR numkeys should be greater than 0"):
        redis.execute(["ZMPOP", "0", "b", "MIN"])
    with pytest.raises(UpstashError, match="ERR count should be greater than 0"):
        redis.execute(["ZMPOP", "1", "b", "MIN", "COUNT", "0"])


def test_zrandmember_shapes(redis: Any) -> None:
    seed(redis)
    assert redis.zrandmember("z") in SCORES
    distinct = redis.zrandmember("z", 3)
    assert len(distinct) == 3 and len(set(distinct)) == 3 and set(distinct) <= set(SCORES)
    assert sorted(redis.zrandmember("z", 10)) == sorted(SCORES)
    repeated = redis.zrandmember("z", -8)
    assert len(repeated) == 8 and set(repeated) <= set(SCORES)
    pairs = redis.zrandmember("z", 2, withscores=True)
    assert len(pairs) == 2
    assert all(isinstance(s, float) and SCORES[m] == s for m, s in pairs)
    assert sorted(redis.zrandmember("z", 5, withscores=True)) == [
        (m, float(s)) for m, s in SCORES.items()
    ]
    assert redis.zrandmember("z", 0) == []
    assert redis.zrandmember("missing") is None
    assert redis.zrandmember("missing", 2) == []
    assert redis.zrandmember("missing", 2, withscores=True) == []


def test_zunion_zinter_zdiff_with_weights_and_aggregates(redis: Any) -> None:
    seed(redis, "u1", {"a": 1, "b": 2, "c": 3})
    seed(redis, "u2", {"b": 10, "c": 20, "d": 30})
    assert redis.zunion(["u1", "u2"]) == ["a", "b", "c", "d"]
    assert redis.zunion(["u1", "u2"], withscores=True) == [
        ("a", 1.0),
        ("b", 12.0),
        ("c", 23.0),
        ("d", 30.0),
    ]
    assert redis.zunion(["u1", "u2"], weights=[2, 0.5], withscores=True) == [
        ("a", 2.0),
        ("b", 9.0),
        ("d", 15.0),
        ("c", 16.0),
    ]
    assert redis.zunion(["u1", "u2"], aggregate="MAX", withscores=True) == [
        ("a", 1.0),
        ("b", 10.0),
        ("c", 20.0),
        ("d", 30.0),
    ]
    assert redis.zinter(["u1", "u2"], withscores=True) == [("b", 12.0), ("c", 23.0)]
    assert redis.zinter(["u1", "u2"], aggregate="MIN") == ["b", "c"]
    assert redis.zinter(["u1", "u2"], weights=[1, -1], withscores=True) == [
        ("c", -17.0),
        ("b", -8.0),
    ]
    assert redis.zdiff(["u1", "u2"]) == ["a"]
    assert redis.zdiff(["u1", "u2"], withscores=True) == [("a", 1.0)]
    assert redis.zdiff(["missing", "u1"]) == []
    assert redis.zinter(["u1", "missing"]) == []


def test_set_algebra_accepts_plain_sets_as_score_one(redis: Any) -> None:
    seed(redis, "u1", {"a": 5})
    redis.sadd("plain", "x", "a")
    assert redis.zunion(["u1", "plain"], withscores=True) == [("x", 1.0), ("a", 6.0)]
    assert redis.zinterstore("dst", ["u1", "plain"], weights=[2, 3]) == 1
    assert redis.zscore("dst", "a") == 13.0


def test_store_variants(redis: Any) -> None:
    seed(redis, "u1", {"a": 1, "b": 2, "c": 3})
    seed(redis, "u2", {"b": 10, "c": 20, "d": 30})
    assert redis.zunionstore("out", ["u1", "u2"]) == 4
    assert redis.zrange("out", 0, -1, withscores=True) == [
        ("a", 1.0),
        ("b", 12.0),
        ("c", 23.0),
        ("d", 30.0),
    ]
    assert redis.zunionstore("out", ["u1", "u2"], weights=[1, 2], aggregate="MIN") == 4
    assert redis.zscore("out", "b") == 2.0
    assert redis.zinterstore("out", ["u1", "u2"], aggregate="MAX") == 2
    assert redis.zrange("out", 0, -1, withscores=True) == [("b", 10.0), ("c", 20.0)]
    assert redis.zdiffstore("out", ["u1", "u2"]) == 1
    assert redis.zrange("out", 0, -1, withscores=True) == [("a", 1.0)]
    assert redis.zinterstore("out", ["u1", "missing"]) == 0
    assert redis.exists("out") == 0


def test_set_algebra_errors(redis: Any) -> None:
    seed(redis, "u1", {"a": 1})
    with pytest.raises(UpstashError, match="ERR syntax error"):
        redis.execute(["ZUNION", "2", "u1", "u1", "WEIGHTS", "1"])
    with pytest.raises(UpstashError, match="ERR weight value is not a float"):
        redis.execute(["ZUNION", "1", "u1", "WEIGHTS", "x"])
    with pytest.raises(UpstashError, match="ERR syntax error"):
        redis.execute(["ZUNION", "1", "u1", "AGGREGATE", "AVG"])
    with pytest.raises(
        UpstashError, match="ERR at least 1 input key is needed for 'zunionstore' command"
    ):
        redis.execute(["ZUNIONSTORE", "out", "0", "u1"])


def test_zintercard_through_execute(redis: Any) -> None:
    seed(redis, "u1", {"a": 1, "b": 2, "c": 3})
    seed(redis, "u2", {"b": 10, "c": 20, "d": 30})
    assert redis.execute(["ZINTERCARD", "2", "u1", "u2"]) == 2
    assert redis.execute(["ZINTERCARD", "2", "u1", "u2", "LIMIT", "1"]) == 1
    assert redis.execute(["ZINTERCARD", "2", "u1", "missing"]) == 0
    with pytest.raises(
        UpstashError, match="ERR at least 1 input key is needed for 'zintercard' command"
    ):
        redis.execute(["ZINTERCARD", "0", "u1"])
    with pytest.raises(UpstashError, match="ERR LIMIT can't be negative"):
        redis.execute(["ZINTERCARD", "2", "u1", "u2", "LIMIT", "-1"])


def test_zscan_returns_int_cursor_and_score_tuples(redis: Any) -> None:
    seed(redis, "z", {f"m:{i}": i for i in range(200)} | {"other": 0.5})
    seen: dict[str, float] = {}
    cursor = 0
    pages = 0
    while True:
        pages += 1
        cursor, page = redis.zscan("z", cursor, match="m:*", count=7)
        assert isinstance(cursor, int)
        assert all(isinstance(m, str) and isinstance(s, float) for m, s in page)
        seen.update(page)
        if cursor == 0:
            break
    assert pages > 1  # past 128 members Redis pages by cursor
    assert seen == {f"m:{i}": float(i) for i in range(200)}
    seed(redis, "small", {"x": 1.5, "y": 2})
    assert redis.zscan("small", 0) == (0, [("x", 1.5), ("y", 2.0)])
    assert redis.zscan("small", 0, match="y") == (0, [("y", 2.0)])
    assert redis.zscan("missing", 0) == (0, [])


def test_wrongtype_on_sorted_set_commands(redis: Any) -> None:
    redis.set("str", "x")
    seed(redis)
    calls: list[Callable[[], Any]] = [
        lambda: redis.zadd("str", {"a": 1}),
        lambda: redis.zscore("str", "a"),
        lambda: redis.zrange("str", 0, -1),
        lambda: redis.zrank("str", "a"),
        lambda: redis.zincrby("str", 1, "a"),
        lambda: redis.zpopmin("str"),
        lambda: redis.zrandmember("str"),
        lambda: redis.zscan("str", 0),
        lambda: redis.zunion(["z", "str"]),
        lambda: redis.zunionstore("out", ["z", "str"]),
        lambda: redis.zrangestore("out", "str", 0, -1),
        lambda: redis.execute(["ZMPOP", "1", "str", "MIN"]),
        lambda: redis.execute(["ZINTERCARD", "1", "str"]),
    ]
    for call in calls:
        with pytest.raises(UpstashError, match=WRONGTYPE):
            call()
    assert redis.zcard("z") == 5
    assert redis.type("z") == "zset"
    assert redis.exists("out") == 0


def test_sorted_set_commands_in_a_pipeline(redis: Any) -> None:
    pipe = redis.pipeline()
    pipe.zadd("z", {"a": 1, "b": 2})
    pipe.zadd("z", {"a": 0.5}, incr=True)
    pipe.zscore("z", "a")
    pipe.zrange("z", 0, -1, withscores=True)
    pipe.zmscore("z", ["a", "nope"])
    pipe.zscan("z", 0)
    pipe.zpopmax("z")
    pipe.zrank("z", "a")
    assert pipe.exec() == [
        2,
        1.5,
        1.5,
        [("a", 1.5), ("b", 2.0)],
        [1.5, None],
        (0, [("a", 1.5), ("b", 2.0)]),
        [("b", 2.0)],
        0,
    ]


def test_sorted_set_commands_in_a_transaction(redis: Any) -> None:
    tx = redis.multi()
    tx.zadd("board", {"ann": 10, "bob": 20})
    tx.zincrby("board", 15, "ann")
    tx.zrevrange("board", 0, -1, withscores=True)
    tx.zunionstore("copy", ["board"], weights=[2])
    tx.zrangebyscore("copy", 45, "+inf", withscores=True)
    assert tx.exec() == [2, 25.0, [("ann", 25.0), ("bob", 20.0)], 2, [("ann", 50.0)]]


def test_async_sorted_set_commands(aredis: Any) -> None:
    async def main() -> list[Any]:
        await aredis.zadd("z", {"a": 1, "b": 2, "c": 3})
        pipe = aredis.pipeline()
        pipe.zrange("z", "(1", "+inf", sortby="BYSCORE", withscores=True)
        pipe.zcount("z", "-inf", 2)
        tx = aredis.multi()
        tx.zpopmin("z", 2)
        tx.zinter(["z", "z"], withscores=True)
        return [
            await aredis.zscore("z", "b"),
            await aredis.zscan("z", 0, match="c"),
            await pipe.exec(),
            await tx.exec(),
            await aredis.zcard("z"),
        ]

    assert asyncio.run(main()) == [
        2.0,
        (0, [("c", 3.0)]),
        [[("b", 2.0), ("c", 3.0)], 2],
        [[("a", 1.0), ("b", 2.0)], [("c", 6.0)]],
        1,
    ]


def test_a_sorted_set_with_a_ttl_expires(redis: Any, fakestash: FakeStash) -> None:
    seed(redis)
    assert redis.expire("z", 3) is True
    assert redis.zadd("z", {"f": 6}) == 1
    fakestash.clock.advance(seconds=2)
    assert redis.ttl("z") == 1
    fakestash.clock.advance(seconds=1.001)
    assert redis.zcard("z") == 0
    assert redis.zrange("z", 0, -1, withscores=True) == []


def test_ties_and_lex_ranges_order_bytewise(redis: Any) -> None:
    assert redis.zadd("lex", {"z": 0, "é": 0, "a": 0, "B": 0, "ab": 0, "": 0}) == 6
    assert redis.zrange("lex", 0, -1) == ["", "B", "a", "ab", "z", "é"]
    assert redis.zrangebylex("lex", "[a", "+") == ["a", "ab", "z", "é"]
    assert redis.zrangebylex("lex", "(a", "(z") == ["ab"]
    assert redis.zlexcount("lex", "[\u00e9", "+") == 1
    assert redis.zadd("ties", {"b": 1, "a": 1, "c": 0.5}) == 3
    assert redis.zrange("ties", 0, -1, withscores=True) == [("c", 0.5), ("a", 1.0), ("b", 1.0)]
    assert redis.zrevrange("ties", 0, -1) == ["b", "a", "c"]


def test_integer_scores_beyond_2_53_are_doubles(redis: Any, fakestash: FakeStash) -> None:
    assert redis.zadd("z", {"big": 2**53 + 1}) == 1
    assert redis.zscore("z", "big") == float(2**53)
    assert fakestash.execute("ZSCORE", "z", "big") == b"9007199254740992"


def test_zrandmember_negative_count_with_scores_repeats(redis: Any) -> None:
    seed(redis, "z", {"a": 1, "b": 2})
    pairs = redis.zrandmember("z", -6, withscores=True)
    assert len(pairs) == 6
    assert all(pair in [("a", 1.0), ("b", 2.0)] for pair in pairs)


def test_zrangebyscore_exclusive_and_infinite_bounds(redis: Any) -> None:
    redis.execute(["ZADD", "z", "-inf", "lo", "0", "zero", "+inf", "hi"])
    assert redis.zrangebyscore("z", "-inf", "+inf") == ["lo", "zero", "hi"]
    assert redis.zrangebyscore("z", "(-inf", "(+inf") == ["zero"]
    assert redis.zcount("z", "(0", "+inf") == 1
    assert redis.zrevrangebyscore("z", "+inf", "-inf", withscores=True) == [
        ("hi", math.inf),
        ("zero", 0.0),
        ("lo", -math.inf),
    ]
    assert redis.zremrangebyscore("z", "-inf", "(0") == 1


def test_zpopmin_with_extra_arguments_is_a_syntax_error(redis: Any) -> None:
    seed(redis)
    with pytest.raises(UpstashError, match=r"^ERR syntax error$"):
        redis.execute(["ZPOPMIN", "z", "1", "2"])
    with pytest.raises(UpstashError, match=r"^ERR syntax error$"):
        redis.execute(["ZPOPMAX", "z", "1", "2"])
