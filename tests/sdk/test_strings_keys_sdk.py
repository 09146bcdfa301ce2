"""The upstash-redis SDK drives the string, key and server commands through the plugin."""

from __future__ import annotations

from typing import Any

import pytest
from upstash_redis.errors import UpstashError

from fakestash import FakeStash

pytestmark = pytest.mark.fakestash(clock="manual")


def test_set_and_get_with_every_option(redis: Any, fakestash: FakeStash) -> None:
    assert redis.set("k", "v") is True
    assert redis.get("k") == "v"
    assert redis.set("k", "w", nx=True) is False
    assert redis.set("k", "w", xx=True, get=True) == "v"
    assert redis.set("k", "x", ex=100) is True
    assert redis.ttl("k") == 100
    assert redis.set("k", "y", keepttl=True) is True
    assert redis.ttl("k") == 100
    assert redis.set("k", "z", px=5000) is True
    assert redis.pttl("k") == 5000
    now = fakestash.clock.time_ms() // 1000
    assert redis.set("k", "a", exat=now + 50) is True
    assert redis.ttl("k") == 50
    assert redis.set("k", "b", pxat=(now + 60) * 1000) is True
    assert redis.ttl("k") == 60


def test_string_commands(redis: Any) -> None:
    assert redis.setnx("s", "hello") is True
    assert redis.setnx("s", "x") is False
    assert redis.append("s", " world") == 11
    assert redis.strlen("s") == 11
    assert redis.getrange("s", 0, 4) == "hello"
    assert redis.substr("s", -5, -1) == "world"
    assert redis.setrange("s", 6, "there") == 11
    assert redis.get("s") == "hello there"
    assert redis.getset("s", "new") == "hello there"
    assert redis.getdel("s") == "new"
    assert redis.get("s") is None
    assert redis.mset({"a": "1", "b": "2"}) is True
    assert redis.mget("a", "b", "missing") == ["1", "2", None]
    assert redis.msetnx({"a": "x", "c": "3"}) == 0
    assert redis.setex("e", 10, "v") is True
    assert redis.psetex("p", 1500, "v") is True
    assert redis.pttl("p") == 1500
    assert redis.getex("e", persist=True) == "v"
    assert redis.ttl("e") == -1


def test_counters(redis: Any) -> None:
    assert redis.incr("n") == 1
    assert redis.incrby("n", 10) == 11
    assert redis.decr("n") == 10
    assert redis.decrby("n", 4) == 6
    assert redis.incrbyfloat("f", 1.5) == 1.5
    assert redis.incrbyfloat("f", 2) == 3.5
    redis.set("s", "abc")
    with pytest.raises(UpstashError, match="ERR value is not an integer or out of range"):
        redis.incr("s")


def test_lcs_through_execute(redis: Any) -> None:
    redis.mset({"k1": "ohmytext", "k2": "mynewtext"})
    assert redis.execute(["LCS", "k1", "k2"]) == "mytext"
    assert redis.execute(["LCS", "k1", "k2", "LEN"]) == 6


def test_key_commands(redis: Any, fakestash: FakeStash) -> None:
    redis.mset({"a": "1", "b": "2", "c": "3"})
    assert redis.exists("a", "b", "nope") == 2
    assert redis.type("a") == "string"
    assert redis.touch("a", "nope") == 1
    assert redis.expire("a", 100) is True
    assert redis.expire("a", 50, gt=True) is False
    assert redis.ttl("a") == 100
    assert redis.pexpire("a", 200_000) is True
    assert redis.pttl("a") == 200_000
    assert redis.persist("a") is True
    assert redis.ttl("a") == -1
    assert redis.ttl("nope") == -2
    now = fakestash.clock.time_ms() // 1000
    assert redis.expireat("b", now + 30) is True
    assert redis.execute(["EXPIRETIME", "b"]) == now + 30
    assert redis.pexpireat("b", (now + 40) * 1000) is True
    assert redis.execute(["PEXPIRETIME", "b"]) == (now + 40) * 1000
    assert redis.rename("c", "d") is True
    assert redis.renamenx("d", "a") is False
    assert redis.copy("a", "a2") is True
    assert redis.get("a2") == "1"
    assert sorted(redis.keys("*")) == ["a", "a2", "b", "d"]
    assert redis.delete("a", "nope") == 1
    assert redis.unlink("a2") == 1
    assert redis.randomkey() in {"b", "d"}
    assert redis.dbsize() == 2


def test_scan_walks_every_key(redis: Any) -> None:
    redis.mset({f"user:{i}": str(i) for i in range(25)})
    redis.set("other", "x")
    seen: list[str] = []
    cursor = 0
    while True:
        cursor, keys = redis.scan(cursor, match="user:*", count=5)
        seen.extend(keys)
        if cursor == 0:
            break
    assert sorted(seen) == sorted(f"user:{i}" for i in range(25))
    cursor, found = redis.scan(0, type="hash", count=1000)
    assert (cursor, found) == (0, [])


def test_scan_withtype(redis: Any) -> None:
    redis.set("s", "1")
    assert redis.execute(["SCAN", "0", "WITHTYPE"]) == (0, ["s", "string"])


def test_dump_and_restore_through_execute(redis: Any, fakestash: FakeStash) -> None:
    fakestash.execute("SET", "src", "payload")
    payload = fakestash.execute("DUMP", "src")
    assert isinstance(payload, bytes)
    fakestash.execute("RESTORE", "dst", "0", payload)
    assert redis.get("dst") == "payload"


def test_expired_keys_vanish_under_a_manual_clock(redis: Any, fakestash: FakeStash) -> None:
    redis.set("k", "v", ex=1)
    fakestash.clock.advance(seconds=2)
    assert redis.get("k") is None


def test_ttl_follows_the_manual_clock(redis: Any, fakestash: FakeStash) -> None:
    redis.set("k", "v", ex=10)
    fakestash.clock.advance(seconds=9)
    assert redis.ttl("k") == 1
    fakestash.clock.advance(seconds=1.001)
    assert redis.get("k") is None
    assert redis.dbsize() == 0
    assert redis.keys("*") == []


@pytest.mark.fakestash(clock="system")
def test_ttl_follows_freezegun(redis: Any) -> None:
    from freezegun import freeze_time

    with freeze_time("2026-01-01 00:00:00") as frozen:
        redis.set("k", "v", ex=10)
        frozen.tick(10.001)
        assert redis.get("k") is None


@pytest.mark.fakestash(clock="system")
def test_ttl_follows_time_machine(redis: Any) -> None:
    import time_machine

    with time_machine.travel(1_800_000_000, tick=False) as traveller:
        redis.set("k", "v", ex=10)
        traveller.shift(9)
        assert redis.ttl("k") == 1
        traveller.shift(2)
        assert redis.exists("k") == 0


def test_server_commands(redis: Any) -> None:
    assert redis.ping() == "PONG"
    assert redis.ping("hi") == "hi"
    assert redis.echo("x") == "x"
    seconds, micros = redis.time()
    assert seconds > 1_600_000_000 and 0 <= micros < 1_000_000
    redis.set("k", "v")
    assert redis.flushdb() is True
    assert redis.dbsize() == 0
    redis.set("k", "v")
    assert redis.flushall() is True
    assert redis.dbsize() == 0
    assert redis.execute(["SELECT", "0"]) == "OK"
    assert redis.execute(["COMMAND"]) == []
    assert "redis_version:" in redis.execute(["INFO"])


def test_errors_come_back_as_upstash_errors(redis: Any) -> None:
    with pytest.raises(UpstashError, match="ERR wrong number of arguments for 'get' command"):
        redis.execute(["GET"])
    with pytest.raises(UpstashError, match="ERR Command is not available: 'NOPE'"):
        redis.execute(["NOPE"])
    with pytest.raises(UpstashError, match="ERR DB index is out of range"):
        redis.execute(["SELECT", "1"])


def test_pipeline_object(redis: Any) -> None:
    pipe = redis.pipeline()
    pipe.set("a", 1).incr("a").get("a").mget("a", "b")
    assert pipe.exec() == [True, 2, "2", ["2", None]]


def test_transaction_object(redis: Any) -> None:
    tx = redis.multi()
    tx.set("balance", 1000)
    tx.decrby("balance", 100)
    tx.incrby("other", 100)
    tx.get("balance")
    assert tx.exec() == [True, 900, 100, "900"]


def test_pipeline_error_raises_the_first_error(redis: Any) -> None:
    pipe = redis.pipeline()
    pipe.set("s", "x")
    pipe.incr("s")
    with pytest.raises(UpstashError, match="not an integer"):
        pipe.exec()


def test_async_client(aredis: Any) -> None:
    import asyncio

    async def main() -> list[Any]:
        await aredis.set("k", "v", ex=100)
        pipe = aredis.pipeline()
        pipe.get("k")
        pipe.ttl("k")
        tx = aredis.multi()
        tx.incr("n")
        tx.incr("n")
        return [await aredis.get("k"), await pipe.exec(), await tx.exec()]

    assert asyncio.run(main()) == ["v", ["v", 100], [1, 2]]
