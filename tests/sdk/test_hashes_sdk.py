"""The upstash-redis SDK drives the hash commands (and hash-field TTLs) through the plugin."""

from __future__ import annotations

import asyncio
import datetime
from typing import Any, Callable

import pytest
from upstash_redis.errors import UpstashError

from fakestash import FakeStash

pytestmark = pytest.mark.fakestash(clock="manual")

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def now_s(fakestash: FakeStash) -> int:
    return fakestash.clock.time_ms() // 1000


def test_hset_hget_hmget_and_hgetall_dict(redis: Any) -> None:
    assert redis.hset("h", "f1", "v1") == 1
    assert redis.hset("h", values={"f1": "new", "f2": "v2", "f3": "v3"}) == 2
    assert redis.hget("h", "f1") == "new"
    assert redis.hget("h", "nope") is None
    assert redis.hget("missing", "f1") is None
    assert redis.hmget("h", "f1", "nope", "f3") == ["new", None, "v3"]
    assert redis.hmget("missing", "a", "b") == [None, None]
    assert redis.hgetall("h") == {"f1": "new", "f2": "v2", "f3": "v3"}
    assert redis.hgetall("missing") == {}
    assert redis.hmset("h", {"f4": "v4", "f1": "again"}) is True
    assert redis.hgetall("h") == {"f1": "again", "f2": "v2", "f3": "v3", "f4": "v4"}


def test_hash_values_round_trip_numbers_and_unicode(redis: Any) -> None:
    assert redis.hset("h", values={"int": 42, "float": 1.5, "uni": "héllo ✓"}) == 3
    assert redis.hgetall("h") == {"int": "42", "float": "1.5", "uni": "héllo ✓"}
    assert redis.hstrlen("h", "uni") == len("héllo ✓".encode())


def test_hkeys_hvals_keep_insertion_order(redis: Any) -> None:
    redis.hset("h", values={"b": "2", "a": "1", "c": "3"})
    assert redis.hkeys("h") == ["b", "a", "c"]
    assert redis.hvals("h") == ["2", "1", "3"]
    assert redis.hkeys("missing") == []
    assert redis.hvals("missing") == []


def test_hlen_hexists_hstrlen_hsetnx(redis: Any) -> None:
    redis.hset("h", values={"f": "hello", "g": ""})
    assert redis.hlen("h") == 2
    assert redis.hlen("missing") == 0
    assert redis.hexists("h", "f") is True
    assert redis.hexists("h", "nope") is False
    assert redis.hexists("missing", "f") is False
    assert redis.hstrlen("h", "f") == 5
    assert redis.hstrlen("h", "g") == 0
    assert redis.hstrlen("h", "nope") == 0
    assert redis.hsetnx("h", "f", "other") is False
    assert redis.hsetnx("h", "new", "x") is True
    assert redis.hget("h", "f") == "hello"
    assert redis.hsetnx("fresh", "f", "v") is True
    assert redis.hgetall("fresh") == {"f": "v"}


def test_hdel_counts_and_removes_the_empty_hash(redis: Any) -> None:
    redis.hset("h", values={"a": "1", "b": "2"})
    assert redis.hdel("h", "a", "nope", "a") == 1
    assert redis.exists("h") == 1
    assert redis.hdel("h", "b") == 1
    assert redis.exists("h") == 0
    assert redis.hdel("missing", "a") == 0


def test_hincrby_and_hincrbyfloat(redis: Any) -> None:
    assert redis.hincrby("h", "n", 5) == 5
    assert redis.hincrby("h", "n", -7) == -2
    assert redis.hincrbyfloat("h", "f", 10.5) == 10.5
    result = redis.hincrbyfloat("h", "f", 0.1)
    assert isinstance(result, float) and result == 10.6
    assert redis.hincrbyfloat("h", "n", 2) == 0.0
    assert redis.hget("h", "n") == "0"
    assert redis.hincrbyfloat("h", "big", 5.0e3) == 5000.0
    assert redis.hget("h", "big") == "5000"
    redis.hset("h", "s", "abc")
    with pytest.raises(UpstashError, match="ERR hash value is not an integer"):
        redis.hincrby("h", "s", 1)
    with pytest.raises(UpstashError, match="ERR hash value is not a float"):
        redis.hincrbyfloat("h", "s", 1.0)
    redis.hset("h", "max", str(2**63 - 1))
    with pytest.raises(UpstashError, match="ERR increment or decrement would overflow"):
        redis.hincrby("h", "max", 1)


def test_hrandfield_shapes(redis: Any) -> None:
    fields = {"a": "1", "b": "2", "c": "3"}
    redis.hset("h", values=fields)
    single = redis.hrandfield("h")
    assert single in fields
    distinct = redis.hrandfield("h", count=2)
    assert isinstance(distinct, list) and len(distinct) == 2
    assert len(set(distinct)) == 2 and set(distinct) <= set(fields)
    assert sorted(redis.hrandfield("h", count=10)) == ["a", "b", "c"]
    repeated = redis.hrandfield("h", count=-7)
    assert len(repeated) == 7 and set(repeated) <= set(fields)
    with_values = redis.hrandfield("h", count=2, withvalues=True)
    assert isinstance(with_values, dict) and len(with_values) == 2
    assert all(fields[f] == v for f, v in with_values.items())
    assert redis.hrandfield("h", count=5, withvalues=True) == fields
    assert redis.hrandfield("h", count=0) == []
    assert redis.hrandfield("missing") is None
    assert redis.hrandfield("missing", count=3) == []
    assert redis.hrandfield("missing", count=3, withvalues=True) == {}


def strings(reply: Any) -> list[str]:
    """A raw engine array of bulk strings, decoded."""
    assert isinstance(reply, list)
    return [item.decode() for item in reply]


def test_hrandfield_is_deterministic_per_seed(redis: Any, fakestash: FakeStash) -> None:
    redis.hset("h", values={f"f{i}": str(i) for i in range(20)})
    first = [redis.hrandfield("h", count=-5) for _ in range(3)]
    other = FakeStash(seed=fakestash.seed, clock=fakestash.clock)
    try:
        other.execute("HSET", "h", *[x for i in range(20) for x in (f"f{i}", str(i))])
        again = [strings(other.execute("HRANDFIELD", "h", "-5")) for _ in range(3)]
    finally:
        other.close()
    assert first == again


def test_hscan_returns_int_cursor_and_dict(redis: Any) -> None:
    redis.hset("h", values={f"field:{i}": str(i) for i in range(200)})
    redis.hset("h", "other", "x")
    seen: dict[str, str] = {}
    cursor = 0
    pages = 0
    while True:
        pages += 1
        cursor, page = redis.hscan("h", cursor, match="field:*", count=7)
        assert isinstance(cursor, int) and isinstance(page, dict)
        seen.update(page)
        if cursor == 0:
            break
    assert pages > 1  # past 128 members Redis pages by cursor
    assert seen == {f"field:{i}": str(i) for i in range(200)}
    small = redis.hset("small", values={"a": "1", "b": "2"})
    assert small == 2
    assert redis.hscan("small", 0) == (0, {"a": "1", "b": "2"})
    assert redis.hscan("small", 0, match="b") == (0, {"b": "2"})
    assert redis.hscan("missing", 0) == (0, {})


def test_hexpire_family_with_every_condition(redis: Any, fakestash: FakeStash) -> None:
    redis.hset("h", values={"a": "1", "b": "2", "c": "3"})
    assert redis.hexpire("h", ["a", "b", "nope"], 100) == [1, 1, -2]
    assert redis.httl("h", ["a", "b", "c", "nope"]) == [100, 100, -1, -2]
    assert redis.hpttl("h", "a") == [100_000]
    assert redis.hexpiretime("h", ["a", "c"]) == [now_s(fakestash) + 100, -1]
    assert redis.hpexpiretime("h", "b") == [(now_s(fakestash) + 100) * 1000]
    assert redis.hexpire("h", ["a", "c"], 50, nx=True) == [0, 1]
    assert redis.hexpire("h", "a", 200, xx=True) == [1]
    assert redis.hexpire("h", ["a", "b"], 150, gt=True) == [0, 1]
    assert redis.hexpire("h", ["a", "b"], 120, lt=True) == [1, 1]
    assert redis.httl("h", ["a", "b", "c"]) == [120, 120, 50]
    assert redis.hpexpire("h", "a", 5_500) == [1]
    assert redis.hpttl("h", "a") == [5_500]
    assert redis.httl("h", "a") == [6]
    assert redis.hpexpire("h", "b", datetime.timedelta(seconds=7)) == [1]
    assert redis.hpttl("h", "b") == [7_000]
    assert redis.hexpire("h", "c", datetime.timedelta(minutes=1)) == [1]
    assert redis.httl("h", "c") == [60]
    assert redis.hpersist("h", ["a", "b", "nope"]) == [1, 1, -2]
    assert redis.hpersist("h", "a") == [-1]
    assert redis.httl("h", ["a", "b"]) == [-1, -1]


def test_hexpireat_and_hpexpireat(redis: Any, fakestash: FakeStash) -> None:
    now = now_s(fakestash)
    redis.hset("h", values={"a": "1", "b": "2"})
    assert redis.hexpireat("h", "a", now + 30) == [1]
    assert redis.hexpiretime("h", "a") == [now + 30]
    at = datetime.datetime.fromtimestamp(now + 40, tz=datetime.timezone.utc)
    assert redis.hexpireat("h", "b", at) == [1]
    assert redis.httl("h", "b") == [40]
    assert redis.hpexpireat("h", "a", (now + 20) * 1000 + 500) == [1]
    assert redis.hpexpiretime("h", "a") == [(now + 20) * 1000 + 500]
    assert redis.hpexpireat("h", ["a", "b"], at, gt=True) == [1, 0]
    assert redis.hpexpiretime("h", ["a", "b"]) == [(now + 40) * 1000] * 2
    assert redis.hexpireat("h", "a", now - 1) == [2]
    assert redis.hgetall("h") == {"b": "2"}


def test_expired_fields_vanish_and_the_hash_with_them(redis: Any, fakestash: FakeStash) -> None:
    redis.hset("h", values={"a": "1", "b": "2"})
    assert redis.hexpire("h", "a", 10) == [1]
    assert redis.hpexpire("h", "b", 20_000) == [1]
    fakestash.clock.advance(seconds=9)
    assert redis.httl("h", ["a", "b"]) == [1, 11]
    fakestash.clock.advance(seconds=1.001)
    assert redis.hget("h", "a") is None
    assert redis.hgetall("h") == {"b": "2"}
    assert redis.hlen("h") == 1
    assert redis.httl("h", ["a", "b"]) == [-2, 10]
    fakestash.clock.advance(seconds=10)
    assert redis.exists("h") == 0
    assert redis.hgetall("h") == {}


def test_hexpire_zero_deletes_the_field_immediately(redis: Any) -> None:
    redis.hset("h", values={"a": "1", "b": "2"})
    assert redis.hexpire("h", "a", 0) == [2]
    assert redis.hkeys("h") == ["b"]
    assert redis.hpexpire("h", "b", 0) == [2]
    assert redis.exists("h") == 0


def test_field_ttl_commands_on_a_missing_key(redis: Any) -> None:
    assert redis.hexpire("missing", ["a", "b"], 10) == [-2, -2]
    assert redis.httl("missing", ["a", "b"]) == [-2, -2]
    assert redis.hpttl("missing", "a") == [-2]
    assert redis.hexpiretime("missing", "a") == [-2]
    assert redis.hpexpiretime("missing", "a") == [-2]
    assert redis.hpersist("missing", "a") == [-2]


def test_field_ttl_errors(redis: Any) -> None:
    redis.hset("h", "a", "1")
    # Redis reads one condition word; a second one sits where FIELDS belongs.
    with pytest.raises(
        UpstashError, match="ERR Mandatory argument FIELDS is missing or not at the right position"
    ):
        redis.hexpire("h", "a", 10, nx=True, xx=True)
    with pytest.raises(UpstashError, match="ERR invalid expire time, must be >= 0"):
        redis.hexpire("h", "a", -1)
    with pytest.raises(UpstashError, match="ERR Parameter `numFields` should be greater than 0"):
        redis.execute(["HEXPIRE", "h", "10", "FIELDS", "0", "a"])
    with pytest.raises(
        UpstashError, match="ERR The `numfields` parameter must match the number of arguments"
    ):
        redis.execute(["HTTL", "h", "FIELDS", "2", "a"])


def test_hgetdel_returns_values_and_deletes(redis: Any) -> None:
    redis.hset("h", values={"a": "1", "b": "2", "c": "3"})
    assert redis.hgetdel("h", "a", "nope") == ["1", None]
    assert redis.hgetall("h") == {"b": "2", "c": "3"}
    assert redis.hgetdel("h", "b", "c") == ["2", "3"]
    assert redis.exists("h") == 0
    assert redis.hgetdel("missing", "a", "b") == [None, None]


def test_hgetex_sets_and_clears_field_ttls(redis: Any, fakestash: FakeStash) -> None:
    now = now_s(fakestash)
    redis.hset("h", values={"a": "1", "b": "2"})
    assert redis.hgetex("h", "a", "nope") == ["1", None]
    assert redis.httl("h", "a") == [-1]
    assert redis.hgetex("h", "a", "b", ex=100) == ["1", "2"]
    assert redis.httl("h", ["a", "b"]) == [100, 100]
    assert redis.hgetex("h", "a", px=2_500) == ["1"]
    assert redis.hpttl("h", "a") == [2_500]
    assert redis.hgetex("h", "b", exat=now + 70) == ["2"]
    assert redis.hexpiretime("h", "b") == [now + 70]
    assert redis.hgetex("h", "b", pxat=(now + 80) * 1000) == ["2"]
    assert redis.hpexpiretime("h", "b") == [(now + 80) * 1000]
    assert redis.hgetex("h", "a", "b", persist=True) == ["1", "2"]
    assert redis.httl("h", ["a", "b"]) == [-1, -1]
    assert redis.hgetex("missing", "a", ex=10) == [None]


def test_hsetex_conditions_and_ttl_options(redis: Any, fakestash: FakeStash) -> None:
    now = now_s(fakestash)
    assert redis.hsetex("h", "a", "1") == 1
    assert redis.httl("h", "a") == [-1]
    assert redis.hsetex("h", values={"b": "2", "c": "3"}, ex=100) == 1
    assert redis.httl("h", ["b", "c"]) == [100, 100]
    assert redis.hsetex("h", "b", "22", fnx=True) == 0
    assert redis.hsetex("h", values={"d": "4", "e": "5"}, fnx=True, px=1_500) == 1
    assert redis.hpttl("h", ["d", "e"]) == [1_500, 1_500]
    assert redis.hsetex("h", values={"a": "x", "zz": "y"}, fxx=True) == 0
    assert redis.hsetex("h", values={"a": "11", "b": "22"}, fxx=True, exat=now + 30) == 1
    assert redis.hexpiretime("h", ["a", "b"]) == [now + 30, now + 30]
    assert redis.hsetex("h", "b", "222", keepttl=True) == 1
    assert redis.hexpiretime("h", "b") == [now + 30]
    assert redis.hsetex("h", "b", "2222") == 1
    assert redis.httl("h", "b") == [-1]
    assert redis.hsetex("h", "c", "33", pxat=(now + 50) * 1000) == 1
    assert redis.hpexpiretime("h", "c") == [(now + 50) * 1000]
    assert redis.hgetall("h") == {"a": "11", "b": "2222", "c": "33", "d": "4", "e": "5"}


def test_hsetex_fields_expire_under_the_manual_clock(redis: Any, fakestash: FakeStash) -> None:
    assert redis.hsetex("h", values={"a": "1", "b": "2"}, ex=5) == 1
    assert redis.hset("h", "keep", "k") == 1
    fakestash.clock.advance(seconds=5.001)
    assert redis.hgetall("h") == {"keep": "k"}


def test_hstrlen_and_hash_commands_through_execute(redis: Any) -> None:
    redis.hset("h", values={"f": "value"})
    assert redis.execute(["HSTRLEN", "h", "f"]) == 5
    assert redis.execute(["HGETALL", "h"]) == {"f": "value"}
    assert redis.execute(["HRANDFIELD", "h", "1", "WITHVALUES"]) == {"f": "value"}


def test_wrongtype_on_every_kind_of_hash_command(redis: Any) -> None:
    redis.set("s", "x")
    calls: list[Callable[[], Any]] = [
        lambda: redis.hset("s", "f", "v"),
        lambda: redis.hget("s", "f"),
        lambda: redis.hgetall("s"),
        lambda: redis.hincrby("s", "f", 1),
        lambda: redis.hrandfield("s"),
        lambda: redis.hscan("s", 0),
        lambda: redis.hexpire("s", "f", 10),
        lambda: redis.httl("s", "f"),
        lambda: redis.hgetdel("s", "f"),
        lambda: redis.hgetex("s", "f", ex=1),
        lambda: redis.hsetex("s", "f", "v"),
    ]
    for call in calls:
        with pytest.raises(UpstashError, match=WRONGTYPE):
            call()
    redis.hset("h", "f", "v")
    with pytest.raises(UpstashError, match=WRONGTYPE):
        redis.get("h")
    assert redis.type("h") == "hash"


def test_hash_commands_in_a_pipeline(redis: Any) -> None:
    pipe = redis.pipeline()
    pipe.hset("h", values={"a": "1", "b": "2"})
    pipe.hgetall("h")
    pipe.hincrbyfloat("h", "a", 0.5)
    pipe.hexists("h", "b")
    pipe.hsetnx("h", "a", "x")
    pipe.hscan("h", 0)
    pipe.hrandfield("h", count=5, withvalues=True)
    pipe.hexpire("h", "a", 10)
    pipe.httl("h", ["a", "b"])
    assert pipe.exec() == [
        2,
        {"a": "1", "b": "2"},
        1.5,
        True,
        False,
        (0, {"a": "1.5", "b": "2"}),
        {"a": "1.5", "b": "2"},
        [1],
        [10, -1],
    ]


def test_hash_commands_in_a_transaction(redis: Any) -> None:
    tx = redis.multi()
    tx.hset("h", "n", "1")
    tx.hincrby("h", "n", 9)
    tx.hgetdel("h", "n")
    tx.hgetall("h")
    tx.exists("h")
    assert tx.exec() == [1, 10, ["10"], {}, 0]


def test_transaction_with_a_wrongtype_item_keeps_going(redis: Any) -> None:
    redis.set("s", "x")
    tx = redis.multi()
    tx.hset("h", "a", "1")
    tx.hget("s", "a")
    tx.hget("h", "a")
    with pytest.raises(UpstashError, match=WRONGTYPE):
        tx.exec()
    assert redis.hget("h", "a") == "1"


def test_async_hash_commands(aredis: Any) -> None:
    async def main() -> list[Any]:
        await aredis.hset("h", values={"a": "1", "b": "2"})
        pipe = aredis.pipeline()
        pipe.hgetall("h")
        pipe.hincrbyfloat("h", "b", 0.25)
        tx = aredis.multi()
        tx.hexpire("h", "a", 30)
        tx.httl("h", "a")
        return [
            await aredis.hgetall("h"),
            await aredis.hmget("h", "a", "zz"),
            await aredis.hscan("h", 0, match="a"),
            await pipe.exec(),
            await tx.exec(),
            await aredis.hgetex("h", "a", persist=True),
            await aredis.hsetex("h", "c", "3", ex=5),
        ]

    assert asyncio.run(main()) == [
        {"a": "1", "b": "2"},
        ["1", None],
        (0, {"a": "1"}),
        [{"a": "1", "b": "2"}, 2.25],
        [[1], [30]],
        ["1"],
        1,
    ]


def test_field_ttl_conditions_on_fields_without_a_ttl(redis: Any) -> None:
    redis.hset("h", values={"a": "1", "b": "2", "c": "3", "d": "4"})
    assert redis.hexpire("h", "a", 100, xx=True) == [0]
    assert redis.hexpire("h", "a", 100, gt=True) == [0]
    assert redis.hexpire("h", "a", 100, lt=True) == [1]
    assert redis.hexpire("h", "b", 100, nx=True) == [1]
    assert redis.hexpire("h", "b", 0, nx=True) == [0]
    assert redis.hexpire("h", "c", 0, xx=True) == [0]
    assert redis.httl("h", ["a", "b", "c", "d"]) == [100, 100, -1, -1]


def test_writes_keep_or_drop_a_field_ttl_like_redis_8(redis: Any) -> None:
    redis.hset("h", values={"n": "1", "f": "1.5", "s": "x"})
    assert redis.hexpire("h", ["n", "f", "s"], 100) == [1, 1, 1]
    assert redis.hincrby("h", "n", 1) == 2
    assert redis.hincrbyfloat("h", "f", 1) == 2.5
    assert redis.hset("h", "s", "y") == 0
    assert redis.httl("h", ["n", "f", "s"]) == [100, 100, -1]
    assert redis.hsetnx("h", "n", "z") is False
    assert redis.httl("h", "n") == [100]


def test_hgetex_and_hsetex_with_a_zero_ttl_delete_at_once(redis: Any) -> None:
    redis.hset("h", values={"a": "1", "b": "2"})
    assert redis.hgetex("h", "a", ex=0) == ["1"]
    assert redis.hgetall("h") == {"b": "2"}
    assert redis.hgetex("h", "b", px=0) == ["2"]
    assert redis.exists("h") == 0
    assert redis.hsetex("h", "a", "1", ex=0) == 1
    assert redis.exists("h") == 0
    with pytest.raises(UpstashError, match="ERR invalid expire time, must be >= 0"):
        redis.hgetex("h", "a", ex=-1)
    with pytest.raises(UpstashError, match="ERR invalid expire time, must be >= 0"):
        redis.hsetex("h", "a", "1", px=-5)


def test_hsetex_option_errors(redis: Any) -> None:
    with pytest.raises(UpstashError, match="ERR Only one of FXX or FNX arguments can be specified"):
        redis.execute(["HSETEX", "h", "FNX", "FXX", "FIELDS", "1", "a", "1"])
    with pytest.raises(
        UpstashError,
        match="ERR Only one of EX, PX, EXAT, PXAT or KEEPTTL arguments can be specified",
    ):
        redis.execute(["HSETEX", "h", "EX", "10", "KEEPTTL", "FIELDS", "1", "a", "1"])
    with pytest.raises(UpstashError, match="ERR wrong number of arguments for 'hsetex' command"):
        redis.execute(["HSETEX", "h", "FIELDS", "2", "a", "1"])
    with pytest.raises(UpstashError, match="ERR invalid number of fields"):
        redis.execute(["HSETEX", "h", "FIELDS", "0", "a", "1"])
    with pytest.raises(UpstashError, match="ERR unknown argument: NOPE"):
        redis.execute(["HSETEX", "h", "NOPE", "FIELDS", "1", "a", "1"])
    assert redis.exists("h") == 0


def test_hash_values_that_look_special(redis: Any) -> None:
    redis.hset("h", values={"": "", "ok": "OK", "n": str(2**63 - 1), "neg": "-0"})
    assert redis.hgetall("h") == {"": "", "ok": "OK", "n": str(2**63 - 1), "neg": "-0"}
    assert redis.hget("h", "ok") == "OK"
    assert redis.hincrby("h", "n", -(2**63 - 1)) == 0
    assert redis.hincrby("h", "big", 2**62) == 2**62
    assert redis.hstrlen("h", "") == 0
