"""Commands newer than the Debian redis-server (7.0), pinned to the examples in Redis' docs.

The differential suite cannot check these against a real server, so each test replays the
example of the command's page on redis.io (cited above it) on the fake engine, with a
manual clock standing in for the seconds that pass in the docs' transcripts.
"""

from __future__ import annotations

import pytest

from fakestash import FakeStash, ManualClock
from tests.helpers import run


# https://redis.io/docs/latest/commands/hgetdel/ (Redis 8.0)
def test_hgetdel_returns_values_and_deletes_the_key_with_its_last_field(stash: FakeStash) -> None:
    assert run(stash, "HSET", "mykey", "field1", "Hello", "field2", "World", "field3", "!") == 3
    assert run(stash, "HGETDEL", "mykey", "FIELDS", "2", "field3", "field4") == [b"!", None]
    assert run(stash, "HGETALL", "mykey") == [b"field1", b"Hello", b"field2", b"World"]
    assert run(stash, "HGETDEL", "mykey", "FIELDS", "2", "field1", "field2") == [
        b"Hello",
        b"World",
    ]
    assert run(stash, "EXISTS", "mykey") == 0


# https://redis.io/docs/latest/commands/hgetex/ (Redis 8.0)
def test_hgetex_sets_field_ttls_that_then_expire(stash: FakeStash, clock: ManualClock) -> None:
    assert run(stash, "HSET", "mykey", "field1", "Hello", "field2", "World") == 2
    assert run(stash, "HGETEX", "mykey", "EX", "120", "FIELDS", "1", "field1") == [b"Hello"]
    assert run(stash, "HGETEX", "mykey", "EX", "100", "FIELDS", "1", "field2") == [b"World"]
    clock.advance(seconds=29)
    assert run(stash, "HTTL", "mykey", "FIELDS", "3", "field1", "field2", "field3") == [91, 71, -2]
    clock.advance(seconds=121)
    assert run(stash, "HTTL", "mykey", "FIELDS", "2", "field1", "field2") == [-2, -2]
    assert run(stash, "HGETALL", "mykey") == []


# https://redis.io/docs/latest/commands/hgetex/ — PERSIST removes the fields' TTLs
def test_hgetex_persist_removes_field_ttls(stash: FakeStash) -> None:
    run(stash, "HSET", "h", "f", "v")
    run(stash, "HGETEX", "h", "EX", "100", "FIELDS", "1", "f")
    assert run(stash, "HGETEX", "h", "PERSIST", "FIELDS", "1", "f") == [b"v"]
    assert run(stash, "HTTL", "h", "FIELDS", "1", "f") == [-1]


# https://redis.io/docs/latest/commands/hsetex/ (Redis 8.0): 1 if all fields were set, 0 if
# none (FNX: none may exist; FXX: all must exist).
def test_hsetex_conditions_and_keepttl(stash: FakeStash) -> None:
    assert (
        run(stash, "HSETEX", "mykey", "EX", "60", "FIELDS", "2", "f1", "Hello", "f2", "World") == 1
    )
    assert run(stash, "HTTL", "mykey", "FIELDS", "2", "f1", "f2") == [60, 60]
    assert (
        run(stash, "HSETEX", "mykey", "FNX", "EX", "60", "FIELDS", "2", "f1", "a", "f2", "b") == 0
    )
    assert run(stash, "HSETEX", "mykey", "FXX", "KEEPTTL", "FIELDS", "2", "f1", "x", "f2", "y") == 1
    assert run(stash, "HTTL", "mykey", "FIELDS", "2", "f1", "f2") == [60, 60]
    assert run(stash, "HMGET", "mykey", "f1", "f2") == [b"x", b"y"]


# https://redis.io/docs/latest/commands/hexpire/ (Redis 7.4): per field -2 no such field,
# 0 condition not met, 1 expiry set, 2 deleted (0 seconds / past time).
def test_hexpire_reply_codes(stash: FakeStash, clock: ManualClock) -> None:
    assert run(stash, "HEXPIRE", "no-key", "20", "NX", "FIELDS", "2", "field1", "field2") == [
        -2,
        -2,
    ]
    run(stash, "HSET", "mykey", "field1", "hello", "field2", "world")
    assert run(stash, "HEXPIRE", "mykey", "10", "FIELDS", "3", "field1", "field2", "field3") == [
        1,
        1,
        -2,
    ]
    assert run(stash, "HEXPIRE", "mykey", "5", "GT", "FIELDS", "1", "field1") == [0]
    assert run(stash, "HPERSIST", "mykey", "FIELDS", "2", "field1", "nofield") == [1, -2]
    assert run(stash, "HTTL", "mykey", "FIELDS", "2", "field1", "field2") == [-1, 10]
    assert run(stash, "HEXPIRE", "mykey", "0", "FIELDS", "1", "field1") == [2]
    clock.advance(seconds=11)
    assert run(stash, "EXISTS", "mykey") == 0


# https://redis.io/docs/latest/commands/hpexpire/, hpttl, hexpiretime (Redis 7.4)
def test_millisecond_and_absolute_field_ttls(stash: FakeStash, clock: ManualClock) -> None:
    run(stash, "HSET", "h", "f", "v")
    assert run(stash, "HPEXPIRE", "h", "2000", "FIELDS", "1", "f") == [1]
    assert run(stash, "HPTTL", "h", "FIELDS", "1", "f") == [2000]
    now_ms = clock.time_ms()
    assert run(stash, "HPEXPIRETIME", "h", "FIELDS", "1", "f") == [now_ms + 2000]
    assert run(stash, "HEXPIRETIME", "h", "FIELDS", "1", "f") == [(now_ms + 2000) // 1000]


# https://redis.io/docs/latest/commands/zrank/ — WITHSCORE (Redis 7.2)
def test_zrank_withscore(stash: FakeStash) -> None:
    run(stash, "ZADD", "myzset", "1", "one", "2", "two", "3", "three")
    assert run(stash, "ZRANK", "myzset", "three") == 2
    assert run(stash, "ZRANK", "myzset", "four") is None
    assert run(stash, "ZRANK", "myzset", "three", "WITHSCORE") == [2, b"3"]
    assert run(stash, "ZRANK", "myzset", "four", "WITHSCORE") is None
    assert run(stash, "ZREVRANK", "myzset", "one", "WITHSCORE") == [2, b"1"]


# https://redis.io/docs/latest/commands/set/ — IFEQ (Redis 8.4)
def test_set_ifeq_only_replaces_a_matching_value(stash: FakeStash) -> None:
    run(stash, "SET", "k", "old")
    assert run(stash, "SET", "k", "new", "IFEQ", "other") is None
    assert run(stash, "GET", "k") == b"old"
    assert run(stash, "SET", "k", "new", "IFEQ", "old") == "OK"
    assert run(stash, "GET", "k") == b"new"


# https://redis.io/docs/latest/commands/delex/ and /digest/ (Redis 8.4)
def test_delex_by_value_and_by_digest(stash: FakeStash) -> None:
    run(stash, "SET", "k", "v")
    assert run(stash, "DELEX", "k", "IFEQ", "other") == 0
    assert run(stash, "DELEX", "k", "IFEQ", "v") == 1
    run(stash, "SET", "k", "v")
    digest = run(stash, "DIGEST", "k")
    assert isinstance(digest, bytes) and len(digest) == 16
    assert run(stash, "DELEX", "k", "IFDNE", digest) == 0
    assert run(stash, "DELEX", "k", "IFDEQ", digest) == 1
    assert run(stash, "DIGEST", "k") is None


# https://redis.io/docs/latest/commands/bitop/ — DIFF, DIFF1, ANDOR, ONE (Redis 8.2)
@pytest.mark.parametrize(
    ("op", "expected"),
    [("DIFF", b"\x01"), ("DIFF1", b"\x0c"), ("ANDOR", b"\x02"), ("ONE", b"\x0d")],
)
def test_bitop_new_operations(stash: FakeStash, op: str, expected: bytes) -> None:
    # X = 0b0011, Y = 0b0110, Z = 0b1010 (one byte each)
    run(stash, "SET", "x", b"\x03")
    run(stash, "SET", "y", b"\x06")
    run(stash, "SET", "z", b"\x0a")
    assert run(stash, "BITOP", op, "dest", "x", "y", "z") == 1
    assert run(stash, "GET", "dest") == expected
