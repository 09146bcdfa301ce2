"""Strings: SET and its options, GET*, counters, ranges, LCS, and batches of them."""

from __future__ import annotations

from typing import Callable

from fakestash._conformance.draw import doubles, ints, one_of, options, sampled
from fakestash._conformance.sequence import (
    LONG_TTL_S,
    NUMBERS,
    SMALL_INTS,
    VALUES,
    Family,
    Seq,
)

SET_OPTIONS = options(
    ["NX"], ["XX"], ["GET"], ["KEEPTTL"], ["EX", "1000"], ["PX", "500000"], ["EX", "0"],
    ["EX", "-5"], ["PX", "abc"], ["EXAT", "99999999999"], ["PXAT", "99999999999999"], ["EX"],
)  # fmt: skip
GETEX_OPTIONS = options(["PERSIST"], ["EX", "1000"], ["PX", "900000"], ["EX", "0"], ["EX"])
INCREMENTS = one_of(NUMBERS, ints(-(2**63), 2**63 - 1))
FLOATS = one_of(NUMBERS, doubles())
RANGE_INT = one_of(SMALL_INTS, sampled(["-100", "100", "x", "9223372036854775807"]))
TTLS = one_of(lambda d: str(LONG_TTL_S(d)), sampled(["0", "-1", "x"]))
LCS_OPTIONS = options(["LEN"], ["IDX"], ["MINMATCHLEN", "1"], ["WITHMATCHLEN"])


def set_(s: Seq) -> None:
    s.c("SET", s.key(), VALUES(s.d), *SET_OPTIONS(s.d))


def get(s: Seq) -> None:
    s.c("GET", s.key())


def getset(s: Seq) -> None:
    s.c("GETSET", s.key(), VALUES(s.d))


def getdel(s: Seq) -> None:
    s.c("GETDEL", s.key())


def getex(s: Seq) -> None:
    s.c("GETEX", s.key(), *GETEX_OPTIONS(s.d))


def setnx(s: Seq) -> None:
    s.c("SETNX", s.key(), VALUES(s.d))


def setex(s: Seq) -> None:
    key, ttl, value, millis = s.key(), TTLS(s.d), VALUES(s.d), s.d.boolean()
    if millis and ttl.lstrip("-").isdigit() and int(ttl) > 0:
        ttl = str(int(ttl) * 1000)
    s.c("PSETEX" if millis else "SETEX", key, ttl, value)


def mset(s: Seq) -> None:
    pairs = [(s.key(), VALUES(s.d)) for _ in range(s.d.integer(0, 3))]
    s.c("MSETNX" if s.d.boolean() else "MSET", *[x for pair in pairs for x in pair])


def mget(s: Seq) -> None:
    s.c("MGET", *s.keys(0, 4))


def append(s: Seq) -> None:
    s.c("APPEND", s.key(), VALUES(s.d))


def strlen(s: Seq) -> None:
    s.c("STRLEN", s.key())


def getrange(s: Seq) -> None:
    key, start, end = s.key(), RANGE_INT(s.d), RANGE_INT(s.d)
    s.c("SUBSTR" if s.d.boolean() else "GETRANGE", key, start, end)


def setrange(s: Seq) -> None:
    offset = s.d.choice(["0", "1", "3", "10", "-1", "x"])
    s.c("SETRANGE", s.key(), offset, VALUES(s.d))


def incr(s: Seq) -> None:
    s.c("INCR" if s.d.boolean() else "DECR", s.key())


def incrby(s: Seq) -> None:
    key, by = s.key(), INCREMENTS(s.d)
    s.c("INCRBY" if s.d.boolean() else "DECRBY", key, by)


def incrbyfloat(s: Seq) -> None:
    s.c("INCRBYFLOAT", s.key(), FLOATS(s.d))


def lcs(s: Seq) -> None:
    s.c("LCS", s.key(), s.key(), *LCS_OPTIONS(s.d))


def ttl(s: Seq) -> None:
    s.c("TTL", s.key())


ROWS: tuple[Callable[[Seq], tuple[str, ...]], ...] = (
    lambda s: ("SET", s.key(), VALUES(s.d)),
    lambda s: ("INCR", s.key()),
    lambda s: ("GET", s.key()),
    lambda s: ("APPEND", s.key(), VALUES(s.d)),
    lambda s: ("INCRBYFLOAT", s.key(), FLOATS(s.d)),
)


def batch(s: Seq) -> None:
    kind = s.d.choice(["pipeline", "multi-exec"])
    rows = [s.d.choice(ROWS)(s) for _ in range(s.d.integer(1, 4))]
    s.batch(kind, rows)


FAMILY = Family(
    "strings",
    "string commands, and pipelines and transactions of them",
    (set_, get, getset, getdel, getex, setnx, setex, mset, mget, append, strlen, getrange,
     setrange, incr, incrby, incrbyfloat, lcs, ttl, batch),
)  # fmt: skip
