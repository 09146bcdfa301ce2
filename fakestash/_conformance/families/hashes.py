"""Hashes: fields, counters, random fields and HSCAN (field TTLs are the hash-ttl family)."""

from __future__ import annotations

from fakestash._conformance.draw import doubles, ints, lists, one_of, sampled
from fakestash._conformance.sequence import NUMBERS, VALUES, Family, Seq

FIELDS = sampled(["f1", "f2", "f3", "f4"])
FLOATS = one_of(NUMBERS, doubles())
INCREMENTS = one_of(NUMBERS, ints(-(2**63), 2**63 - 1))


def hset(s: Seq) -> None:
    key, legacy = s.key(), s.d.boolean()
    pairs = [(FIELDS(s.d), VALUES(s.d)) for _ in range(s.d.integer(0, 3))]
    s.c("HMSET" if legacy else "HSET", key, *[x for pair in pairs for x in pair])


def hsetnx(s: Seq) -> None:
    s.c("HSETNX", s.key(), FIELDS(s.d), VALUES(s.d))


def hget(s: Seq) -> None:
    s.c("HGET", s.key(), FIELDS(s.d))


def hmget(s: Seq) -> None:
    s.c("HMGET", s.key(), *lists(FIELDS, 0, 3)(s.d))


def hdel(s: Seq) -> None:
    s.c("HDEL", s.key(), *lists(FIELDS, 0, 3)(s.d))


def field_info(s: Seq) -> None:
    s.c(s.d.choice(["HEXISTS", "HSTRLEN"]), s.key(), FIELDS(s.d))


def whole(s: Seq) -> None:
    s.c(s.d.choice(["HLEN", "HKEYS", "HVALS", "HGETALL"]), s.key())


def hincrby(s: Seq) -> None:
    s.c("HINCRBY", s.key(), FIELDS(s.d), INCREMENTS(s.d))


def hincrbyfloat(s: Seq) -> None:
    s.c("HINCRBYFLOAT", s.key(), FIELDS(s.d), FLOATS(s.d))


def hrandfield(s: Seq) -> None:
    key = s.key()
    count = s.d.choice([None, "0", "1", "2", "10", "-3", "x"])
    withvalues = s.d.boolean()
    args = [] if count is None else [count] + (["WITHVALUES"] if withvalues else [])
    s.c("HRANDFIELD", key, *args)


def hscan(s: Seq) -> None:
    s.scan("HSCAN", s.key(), *s.d.choice([[], ["MATCH", "f[12]"], ["COUNT", "1"]]), pairs=True)


FAMILY = Family(
    "hashes",
    "hash commands (random fields compared by shape)",
    (hset, hsetnx, hget, hmget, hdel, field_info, whole, hincrby, hincrbyfloat, hrandfield,
     hscan),
)  # fmt: skip
