"""Where Upstash is not Redis, through the upstash-redis SDK (issue 13): SCAN's COUNT, JSON's
path order and JSON.SET, stream trimming and XINFO/XACKDEL, ZRANGESTORE LIMIT, HEXPIRETIME,
and the commands added for Upstash (SDIFFCARD, SUNIONCARD, MSETEX, JSON.DEBUG, CONFIG with
keyspace notifications)."""

from __future__ import annotations

import math
from typing import Any

import pytest
from upstash_redis.errors import UpstashError

from fakestash import FakeStash

pytestmark = pytest.mark.fakestash(clock="manual")


def seed_like_the_sdk_suite(redis: Any) -> None:
    """What upstash-redis' own test suite stores before its SCAN tests (29 keys)."""
    redis.mset({f"string_{i}": "test" for i in range(21)})
    redis.hset("hash", values={"field_1": "test_1", "field_2": "test_2"})
    redis.lpush("list", "element_1", "element_2")
    redis.sadd("set", "test_set_value_1", "test_set_value_2")
    redis.zadd("sorted_set", {"member_1": 1, "member_2": 2})
    redis.geoadd("test_geo_index", (13.361389, 38.115556, "Palermo"))
    redis.pfadd("hyperloglog", "element_1", "element_2")
    redis.pfadd("hyperloglog_for_pfmerge_1", "1", "2", "3", "4")
    redis.pfadd("hyperloglog_for_pfmerge_2", "1", "2", "3")


# ---- SCAN's COUNT --------------------------------------------------------------------------


def test_scan_answers_a_small_database_in_one_call(redis: Any) -> None:
    seed_like_the_sdk_suite(redis)
    assert redis.scan(cursor=0, match="hash") == (0, ["hash"])
    assert redis.scan(cursor=0, type="hash") == (0, ["hash"])
    cursor, keys = redis.scan(cursor=0)
    assert cursor == 0 and len(keys) == 29


def test_scan_count_one_answers_one_key_and_a_cursor(redis: Any) -> None:
    seed_like_the_sdk_suite(redis)
    cursor, keys = redis.scan(cursor=0, count=1)
    assert cursor != 0 and len(keys) == 1
    seen = list(keys)
    while cursor != 0:
        cursor, keys = redis.scan(cursor=cursor, count=5)
        assert len(keys) == 5 or cursor == 0
        seen += keys
    assert len(seen) == 29 and len(set(seen)) == 29


def test_hscan_sscan_zscan_count_is_a_page_size(redis: Any) -> None:
    redis.hset("h", values={f"f{i}": str(i) for i in range(4)})
    redis.sadd("s", "apple", "banana", "cherry", "avocado", "apricot")
    redis.zadd("z", {"apple": 1, "banana": 2, "cherry": 3, "mango": 4, "orange": 5})
    assert redis.hscan("h", 0) == (0, {f"f{i}": str(i) for i in range(4)})
    cursor, fields = redis.hscan("h", 0, count=1)
    assert cursor != 0 and len(fields) == 1
    cursor, members = redis.sscan("s", 0, count=2)
    assert cursor != 0 and len(members) == 2
    assert redis.sscan("s", 0, count=5) == (
        0,
        ["apple", "banana", "cherry", "avocado", "apricot"],
    )
    assert redis.zscan("z", 0, match="m*") == (0, [("mango", 4.0)])
    cursor, page = redis.zscan("z", 0, count=2)
    assert cursor != 0 and len(page) == 2


# ---- JSON ------------------------------------------------------------------------------------


def test_json_recursive_descent_answers_deeper_matches_first(redis: Any) -> None:
    assert redis.json.set("j", "$", {"a": 1, "o": {"a": 2}}) is True
    assert redis.json.get("j", "$..a") == [2, 1]
    assert redis.json.type("j", "$..a") == ["integer", "integer"]
    assert redis.json.numincrby("j", "$..a", 10) == [12, 11]
    assert redis.json.toggle("j", "$..a") == [None, None]
    assert redis.json.set("k", "$", {"a": [3], "nested": {"a": {"b": 2, "c": 1}}}) is True
    assert redis.json.objlen("k", "$..a") == [2, None]
    assert redis.json.arrlen("k", "$..a") == [None, 1]
    assert redis.json.mget(["j", "k"], "$..a") == [[12, 11], [{"b": 2, "c": 1}, [3]]]


def test_json_set_under_a_missing_parent_is_an_error(redis: Any) -> None:
    assert redis.json.set("j", "$", {"int": 1}) is True
    with pytest.raises(UpstashError, match=r"^ERR missing key at non-terminal path level$"):
        redis.json.set("j", "$.nonexisting_key.str", "test")
    assert redis.json.get("j") == [{"int": 1}]
    assert redis.json.set("j", "$.nonexisting_key.str", "test", xx=True) is False


def test_json_debug(redis: Any) -> None:
    redis.json.set("j", "$", {"s": "hello"})
    assert redis.execute(["JSON.DEBUG", "MEMORY", "j", "$.s"]) == [29]
    assert redis.execute(["JSON.DEBUG", "MEMORY", "nokey"]) == 0


# ---- streams ---------------------------------------------------------------------------------


def test_approximate_trimming_as_upstash(redis: Any) -> None:
    for i in range(110):
        redis.xadd("a", "*", {"field": f"value{i}"})
    redis.xadd("a", "*", {"field": "new_value"}, maxlen=30, approximate_trim=True)
    assert redis.xlen("a") == 111
    for i in range(120):
        redis.xadd("b", "*", {"field": f"value{i}"})
    assert redis.xtrim("b", maxlen=30, approximate=True) == 0
    for i in range(1000):
        redis.xadd("c", "*", {"field": f"value{i}"})
    assert redis.xtrim("c", maxlen=30, approximate=True) == 970
    assert redis.xlen("c") == 30
    assert redis.xtrim("b", maxlen=30, approximate=False) == 90


def test_xinfo_consumers_of_a_missing_group_is_empty(redis: Any) -> None:
    redis.xadd("s", "1-0", {"f": "v"})
    redis.xgroup_create("s", "g", "0")
    assert redis.xinfo_consumers("s", "missing-group") == []
    with pytest.raises(UpstashError, match=r"^ERR no such key$"):
        redis.xinfo_consumers("nokey", "g")


def test_xackdel_deletes_an_entry_already_acknowledged(redis: Any) -> None:
    redis.xadd("s", "1-0", {"f": "v"})
    redis.xgroup_create("s", "g", "0")
    redis.xreadgroup("g", "c", {"s": ">"})
    assert redis.xack("s", "g", "1-0") == 1
    assert redis.xackdel("s", "g", "1-0") == [1]
    assert redis.xlen("s") == 0
    assert redis.xackdel("s", "g", "1-0") == [-1]


# ---- sorted sets and hashes ------------------------------------------------------------------


def test_zrangestore_limit_on_a_rank_range(redis: Any) -> None:
    redis.zadd("src", {"a": 1, "b": 2, "c": 3, "d": 4})
    assert redis.zrangestore("dst", "src", 0, 2, offset=1, count=1) == 1
    assert redis.zrange("dst", 0, -1, withscores=True) == [("b", 2.0)]


def test_hexpiretime_never_rounds_up(redis: Any, fakestash: FakeStash) -> None:
    fakestash.clock.advance(ms=700)  # type: ignore[attr-defined]
    now = fakestash.clock.time_ms()
    redis.hset("h", "f", "v")
    assert redis.hexpire("h", "f", 5) == [1]
    assert redis.hexpiretime("h", "f") == [now // 1000 + 5]
    assert redis.hpexpiretime("h", "f") == [now + 5000]
    assert redis.httl("h", "f") == [5]


# ---- the commands added for Upstash ----------------------------------------------------------


def test_sdiffcard_sunioncard_msetex(redis: Any) -> None:
    redis.sadd("set1", "a", "b", "c")
    redis.sadd("set2", "c", "d", "e")
    assert redis.execute(["SDIFFCARD", 2, "set1", "set2"]) == 2
    assert redis.execute(["SDIFFCARD", 2, "set1", "set2", "LIMIT", 1]) == 1
    assert redis.execute(["SUNIONCARD", 2, "set1", "set2"]) == 5
    assert redis.execute(["SUNIONCARD", 2, "set1", "set2", "APPROX", "LIMIT", 3]) == 3
    assert redis.execute(["MSETEX", 2, "k1", "v1", "k2", "v2", "EX", 60]) == 1
    assert redis.mget("k1", "k2") == ["v1", "v2"]
    assert redis.ttl("k2") == 60
    assert redis.execute(["MSETEX", 1, "k1", "x", "NX"]) == 0
    with pytest.raises(UpstashError, match=r"^ERR wrong number of key-value pairs$"):
        redis.execute(["MSETEX", 2, "k1", "v1"])


def test_config_and_keyspace_notifications(redis: Any, fakestash: FakeStash) -> None:
    assert redis.execute(["CONFIG", "GET", "notify-keyspace-events"]) == [
        "notify-keyspace-events",
        "",
    ]
    assert redis.execute(["CONFIG", "SET", "notify-keyspace-events", "KEA"]) == "OK"
    assert redis.execute(["CONFIG", "GET", "notify*"]) == ["notify-keyspace-events", "AKE"]
    assert redis.execute(["CONFIG", "GET", "maxmemory"]) == []
    with pytest.raises(UpstashError, match=r"CONFIG SET - 'maxmemory'$"):
        redis.execute(["CONFIG", "SET", "maxmemory", "1mb"])
    with fakestash.psubscribe("__keyevent@0__:*") as events:
        redis.set("k", "v", ex=10)
        redis.lpush("l", "a")
        redis.delete("k")
        assert events.wait_for(4) == ["k", "k", "l", "k"]
        assert [m.channel for m in events.messages] == [
            b"__keyevent@0__:set",
            b"__keyevent@0__:expire",
            b"__keyevent@0__:lpush",
            b"__keyevent@0__:del",
        ]


def test_sunioncard_approx_is_an_estimate(redis: Any) -> None:
    redis.sadd("big", *[f"m{i}" for i in range(3000)])
    estimate = redis.execute(["SUNIONCARD", 1, "big", "APPROX"])
    assert isinstance(estimate, int) and math.isclose(estimate, 3000, rel_tol=0.02)
