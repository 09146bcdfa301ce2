"""Keyspace notifications, event by event, against a real Redis.

Each scenario runs on the fake and on a real redis-server with the same
``notify-keyspace-events``, both subscribed to ``__key*__:*``; the published (channel,
message) sequences must be equal. Commands newer than the oracle (hash field TTLs, XACKDEL…)
are pinned to Redis' docs in tests/engine/test_notify.py.
"""

from __future__ import annotations

from typing import Any, Iterator, Sequence

import pytest

from fakestash import FakeStash, ManualClock
from fakestash._errors import CommandError
from tests.conformance.redis_process import RedisProcess

Command = Sequence[str]
END = b"__keyevent@0__:zz-end"

STRINGS: list[Command] = [
    ["SET", "k", "v"], ["SET", "k", "v2", "EX", "100"], ["SET", "k", "v3", "KEEPTTL"],
    ["SET", "k", "v", "NX"], ["SET", "k", "v", "XX", "GET"], ["SETNX", "k", "x"],
    ["SETNX", "n", "x"], ["SETEX", "e", "10", "v"], ["PSETEX", "e", "10", "v"],
    ["GETSET", "k", "z"], ["GETDEL", "k"], ["GETDEL", "k"], ["GETEX", "e", "PERSIST"],
    ["GETEX", "e", "EX", "5"], ["GETEX", "e"], ["GETEX", "nokey", "EX", "5"],
    ["MSET", "a", "1", "b", "2"], ["MSETNX", "a", "1", "c", "2"], ["MSETNX", "c", "1", "d", "2"],
    ["APPEND", "a", "x"], ["APPEND", "z", "x"], ["INCR", "i"], ["DECR", "i"],
    ["INCRBY", "i", "5"], ["DECRBY", "i", "2"], ["INCRBYFLOAT", "f", "1.5"],
    ["SETRANGE", "s", "2", "ab"], ["SETRANGE", "s2", "0", ""], ["SETRANGE", "s", "0", ""],
    ["SET", "p", "v", "EXAT", "1"], ["SET", "q", "v", "PX", "1"], ["GETEX", "e", "EXAT", "1"],
    ["SET", "k", "v", "PXAT", "99999999999999"], ["INCR", "a"], ["SET", "lst", "x"],
]  # fmt: skip

BITS_AND_HLL: list[Command] = [
    ["SETBIT", "b", "7", "1"], ["SETBIT", "b", "7", "1"], ["SETBIT", "b", "100", "0"],
    ["BITFIELD", "bf", "SET", "u8", "0", "5", "GET", "u8", "0"], ["BITFIELD", "bf", "GET", "u8", "0"],
    ["BITFIELD", "bf", "INCRBY", "u8", "0", "1"], ["BITOP", "OR", "dst", "b", "bf"],
    ["BITOP", "AND", "dst", "nokey"], ["BITOP", "AND", "none", "nokey"],
    ["PFADD", "h", "a", "b"], ["PFADD", "h", "a"], ["PFADD", "h2"], ["PFADD", "h2"],
    ["PFMERGE", "h3", "h", "h2"], ["PFCOUNT", "h", "h2"],
]  # fmt: skip

KEYS: list[Command] = [
    ["SET", "a", "1"], ["SET", "b", "2"], ["DEL", "a", "nokey", "b"], ["SET", "a", "1"],
    ["UNLINK", "a", "a"], ["SET", "t", "v"], ["EXPIRE", "t", "100"], ["EXPIRE", "t", "50", "NX"],
    ["PEXPIRE", "t", "100000"], ["EXPIREAT", "t", "99999999999"], ["PEXPIREAT", "t", "99999999999999"],
    ["PERSIST", "t"], ["PERSIST", "t"], ["EXPIRE", "nokey", "10"], ["EXPIRE", "t", "-1"],
    ["SET", "t", "v"], ["PEXPIREAT", "t", "1"], ["SET", "r", "v"], ["RENAME", "r", "r2"],
    ["SET", "r3", "x"], ["RENAME", "r2", "r3"], ["RENAMENX", "r3", "r3"], ["SET", "r4", "v"],
    ["RENAMENX", "r3", "r4"], ["RENAMENX", "r3", "r5"], ["RENAME", "r5", "r5"],
    ["COPY", "r4", "c"], ["COPY", "r4", "c"], ["COPY", "r4", "c", "REPLACE"],
    ["SET", "x", "v", "EX", "100"], ["RENAME", "x", "y"], ["FLUSHALL"],
]  # fmt: skip

LISTS: list[Command] = [
    ["LPUSH", "l", "a", "b"], ["RPUSH", "l", "c"], ["LPUSHX", "l", "d"], ["LPUSHX", "nol", "d"],
    ["RPUSHX", "l", "e"], ["LINSERT", "l", "BEFORE", "a", "x"], ["LINSERT", "l", "BEFORE", "zz", "x"],
    ["LSET", "l", "0", "q"], ["LREM", "l", "0", "zz"], ["LREM", "l", "1", "x"],
    ["LTRIM", "l", "0", "-1"], ["LTRIM", "l", "1", "-1"], ["LPOP", "l"], ["RPOP", "l", "2"],
    ["LMOVE", "l", "m", "LEFT", "RIGHT"], ["RPOPLPUSH", "m", "m"], ["LMOVE", "l", "m", "RIGHT", "LEFT"],
    ["LMPOP", "2", "nol", "m", "LEFT", "COUNT", "5"], ["RPUSH", "w", "1", "2"], ["LTRIM", "w", "5", "9"],
    ["RPUSH", "p", "1"], ["RPOP", "p"], ["LPOP", "nol"], ["RPUSH", "q", "1", "2"], ["LREM", "q", "0", "1"],
    ["LREM", "q", "0", "2"],
]  # fmt: skip

SETS: list[Command] = [
    ["SADD", "s", "a", "b", "c"], ["SADD", "s", "a"], ["SREM", "s", "zz"], ["SREM", "s", "a"],
    ["SMOVE", "s", "t", "b"], ["SMOVE", "s", "t", "zz"], ["SMOVE", "s", "s", "c"],
    ["SMOVE", "s", "t", "c"], ["SADD", "u", "1", "2"], ["SPOP", "u", "5"], ["SADD", "u", "1"],
    ["SPOP", "u"], ["SADD", "v", "x"], ["SINTERSTORE", "d", "t", "v"], ["SUNIONSTORE", "d", "t", "v"],
    ["SDIFFSTORE", "d", "t", "v"], ["SINTERSTORE", "d", "t", "v"], ["SINTERSTORE", "e", "t", "v"],
    ["SADD", "w", "1"], ["SPOP", "w", "0"], ["SREM", "w", "1"],
]  # fmt: skip

HASHES: list[Command] = [
    ["HSET", "h", "a", "1", "b", "2"], ["HSET", "h", "a", "1"], ["HSETNX", "h", "a", "9"],
    ["HSETNX", "h", "c", "3"], ["HMSET", "h", "d", "4"], ["HINCRBY", "h", "n", "2"],
    ["HINCRBYFLOAT", "h", "f", "1.5"], ["HDEL", "h", "zz"], ["HDEL", "h", "a", "b"],
    ["HDEL", "h", "c", "d", "n", "f"], ["HINCRBY", "g", "n", "1"], ["HDEL", "g", "n"],
]  # fmt: skip

ZSETS: list[Command] = [
    ["ZADD", "z", "1", "a", "2", "b", "3", "c"], ["ZADD", "z", "1", "a"], ["ZADD", "z", "5", "a"],
    ["ZADD", "z", "NX", "9", "a"], ["ZADD", "z", "XX", "9", "new"], ["ZADD", "z", "INCR", "1", "a"],
    ["ZINCRBY", "z", "1", "b"], ["ZREM", "z", "zz"], ["ZREM", "z", "a"], ["ZADD", "z", "4", "d", "5", "e"],
    ["ZREMRANGEBYRANK", "z", "9", "10"], ["ZREMRANGEBYRANK", "z", "0", "0"],
    ["ZREMRANGEBYSCORE", "z", "100", "200"], ["ZREMRANGEBYSCORE", "z", "0", "3"],
    ["ZADD", "y", "0", "a", "0", "b"], ["ZREMRANGEBYLEX", "y", "[a", "[a"], ["ZREMRANGEBYLEX", "y", "[x", "[y"],
    ["ZPOPMIN", "z"], ["ZPOPMAX", "z", "5"], ["ZPOPMIN", "nokey"], ["ZADD", "z", "1", "m", "2", "n"],
    ["ZMPOP", "2", "nokey", "z", "MIN", "COUNT", "9"], ["ZADD", "z", "1", "m"],
    ["ZUNIONSTORE", "d", "2", "y", "z"], ["ZINTERSTORE", "d", "2", "y", "z"],
    ["ZDIFFSTORE", "d", "1", "y"], ["ZRANGESTORE", "d2", "y", "0", "-1"],
    ["ZRANGESTORE", "d2", "y", "5", "9"], ["ZINTERSTORE", "d3", "2", "y", "z"],
    ["ZREM", "y", "b"],
]  # fmt: skip

STREAMS: list[Command] = [
    ["XADD", "x", "1-0", "f", "v"], ["XADD", "x", "2-0", "f", "v"], ["XADD", "x", "MAXLEN", "1", "3-0", "f", "v"],
    ["XADD", "x", "MAXLEN", "5", "4-0", "f", "v"], ["XADD", "nox", "NOMKSTREAM", "*", "f", "v"],
    ["XTRIM", "x", "MAXLEN", "9"], ["XTRIM", "x", "MAXLEN", "1"], ["XDEL", "x", "9-0"], ["XDEL", "x", "4-0"],
    ["XADD", "x", "5-0", "f", "v"], ["XGROUP", "CREATE", "x", "g", "0"], ["XGROUP", "CREATE", "y", "g", "$", "MKSTREAM"],
    ["XGROUP", "CREATECONSUMER", "x", "g", "c"], ["XGROUP", "CREATECONSUMER", "x", "g", "c"],
    ["XREADGROUP", "GROUP", "g", "c2", "STREAMS", "x", ">"], ["XREADGROUP", "GROUP", "g", "c2", "STREAMS", "x", ">"],
    ["XACK", "x", "g", "5-0"], ["XGROUP", "SETID", "x", "g", "0"], ["XCLAIM", "x", "g", "c3", "0", "5-0"],
    ["XREADGROUP", "GROUP", "g", "c2", "STREAMS", "x", ">"],
    ["XCLAIM", "x", "g", "c3", "0", "5-0"], ["XAUTOCLAIM", "x", "g", "c4", "0", "0-0"],
    ["XGROUP", "DELCONSUMER", "x", "g", "c4"], ["XGROUP", "DESTROY", "x", "g"], ["XGROUP", "DESTROY", "x", "g"],
    ["XSETID", "x", "99-0"], ["XTRIM", "x", "MINID", "9999-0"],
]  # fmt: skip

GEO: list[Command] = [
    ["GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"],
    ["GEOADD", "g", "13.361389", "38.115556", "Palermo"], ["GEOADD", "g", "XX", "1", "1", "Nowhere"],
    ["GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "ASC"],
    ["GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"],
    ["GEORADIUS", "g", "15", "37", "200", "km", "STORE", "r"],
    ["GEORADIUSBYMEMBER", "g", "Palermo", "1", "km", "STOREDIST", "r"],
    ["GEORADIUS", "nokey", "15", "37", "200", "km", "STORE", "r"],
]  # fmt: skip

KEY_MISS: list[Command] = [
    ["GET", "a"], ["EXISTS", "a"], ["TYPE", "a"], ["TTL", "a"], ["MGET", "a", "b"],
    ["HGET", "h", "f"], ["LRANGE", "l", "0", "-1"], ["SMEMBERS", "s"], ["ZSCORE", "z", "m"],
    ["XRANGE", "x", "-", "+"], ["SINTER", "s", "t"], ["PFCOUNT", "p"], ["GETBIT", "a", "0"],
    ["SET", "k", "v"], ["GET", "k"], ["INCR", "c"], ["DEL", "nokey"], ["LPOP", "nol"],
    ["GETEX", "nokey2"], ["GETDEL", "nokey3"], ["RANDOMKEY"],
]  # fmt: skip

SCENARIOS: dict[str, tuple[str, list[Command]]] = {
    "geo": ("EAn", GEO),
    "strings": ("EAn", STRINGS),
    "bits-and-hll": ("EAn", BITS_AND_HLL),
    "keys": ("EAn", KEYS),
    "lists": ("EAn", LISTS),
    "sets": ("EAn", SETS),
    "hashes": ("EAn", HASHES),
    "zsets": ("EAn", ZSETS),
    "streams": ("EAn", STREAMS),
    "keyspace-channels": ("KEA", [["SET", "k", "v"], ["DEL", "k"], ["LPUSH", "l", "a"]]),
    "keyspace-only-lists": ("Kl", [["SET", "k", "v"], ["LPUSH", "l", "a"], ["DEL", "l"]]),
    "generic-and-new": ("Egn", [["SET", "k", "v"], ["EXPIRE", "k", "9"], ["DEL", "k"]]),
    "disabled": ("", [["SET", "k", "v"], ["DEL", "k"]]),
    "key-miss": ("Em", KEY_MISS),
}


@pytest.fixture(scope="module")
def real(redis_server: RedisProcess) -> Iterator[Any]:
    redis = pytest.importorskip("redis")
    client = redis.Redis(host=redis_server.host, port=redis_server.port)
    try:
        yield client
    finally:
        client.config_set("notify-keyspace-events", "")
        client.flushall()
        client.close()


def real_events(client: Any, flags: str, commands: list[Command]) -> list[tuple[bytes, bytes]]:
    client.flushall()
    client.config_set("notify-keyspace-events", flags)
    pubsub = client.pubsub()
    pubsub.psubscribe("__key*__:*")
    assert pubsub.get_message(timeout=5)["type"] == "psubscribe"
    try:
        for cmd in commands:
            try:
                client.execute_command(*cmd)
            except Exception as exc:  # a failing command publishes nothing
                assert type(exc).__name__ == "ResponseError", exc
        client.publish(END, "end")
        events: list[tuple[bytes, bytes]] = []
        while True:
            message = pubsub.get_message(timeout=5)
            assert message is not None, "the end marker never came back"
            if message["type"] != "pmessage":
                continue
            if message["channel"] == END:
                return events
            events.append((message["channel"], message["data"]))
    finally:
        pubsub.close()
        client.config_set("notify-keyspace-events", "")


def fake_events(flags: str, commands: list[Command]) -> list[tuple[bytes, bytes]]:
    stash = FakeStash(seed=0, clock=ManualClock(1_700_000_000))
    db = stash.database
    db.execute([b"CONFIG", b"SET", b"notify-keyspace-events", flags.encode()])
    with stash.psubscribe("__key*__:*") as collector:
        for cmd in commands:
            try:
                db.execute([part.encode() for part in cmd])
            except CommandError:
                pass
        return [(m.channel, m.data) for m in collector.messages]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_events_match_redis(real: Any, name: str) -> None:
    flags, commands = SCENARIOS[name]
    want = real_events(real, flags, commands)
    got = fake_events(flags, commands)
    assert got == want, _diff(got, want)


def _diff(got: list[tuple[bytes, bytes]], want: list[tuple[bytes, bytes]]) -> str:
    for i, (a, b) in enumerate(zip(got, want)):
        if a != b:
            return f"first difference at event {i}: fake {a!r}, Redis {b!r}; Redis: {want!r}"
    return f"fake sent {len(got)} events, Redis {len(want)}; Redis: {want!r}"
