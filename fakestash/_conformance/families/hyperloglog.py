"""HyperLogLog: PFADD, PFCOUNT, PFMERGE, and the stored bytes (GET of an HLL key is Redis'
own sparse or dense encoding), corrupted ones included."""

from __future__ import annotations

from fakestash._conformance.draw import binaries, ints, lists, one_of, sampled
from fakestash._conformance.sequence import Family, Seq

ELEMENTS = lists(one_of(binaries(8), ints(0, 5000)), 0, 8)


def _some_keys(s: Seq, least: int) -> list[str]:
    picks = lists(sampled(["key", "nokey"]), least, 3)(s.d)
    return [s.key() if pick == "key" else s.named("nokey") for pick in picks]


def pfadd(s: Seq) -> None:
    s.c("PFADD", s.key(), *ELEMENTS(s.d))


def pfadd_many(s: Seq) -> None:
    key, start, count = s.key(), s.d.integer(0, 10**6), s.d.choice([50, 400, 2500])
    s.c("PFADD", key, *[f"e{i}" for i in range(start, start + count)])


def pfcount(s: Seq) -> None:
    s.c("PFCOUNT", *_some_keys(s, 1))


def pfmerge(s: Seq) -> None:
    s.c("PFMERGE", s.key(), *_some_keys(s, 0))


def get(s: Seq) -> None:
    s.c("GET", s.key())


def corrupt(s: Seq) -> None:
    key, offset = s.key(), s.d.integer(16, 60)
    s.c("SETRANGE", key, str(offset), s.d.binary(2, 1))


def make_a_list(s: Seq) -> None:
    s.c("RPUSH", s.key(), "x")


FAMILY = Family(
    "hyperloglog",
    "HyperLogLog commands, replies and the stored bytes",
    (pfadd, pfadd_many, pfcount, pfmerge, get, corrupt, make_a_list),
)
