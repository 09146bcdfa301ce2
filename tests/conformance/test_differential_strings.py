"""Differential: string commands (and batches of them) against a real Redis."""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import rule

from tests.conformance.harness import Differential
from tests.conformance.machine import (
    KEYS,
    LONG_TTL_S,
    NUMBERS,
    SMALL_INTS,
    VALUES,
    DifferentialMachine,
    options,
    require,
    run_machine,
)

SET_OPTIONS = options(
    ["NX"], ["XX"], ["GET"], ["KEEPTTL"], ["EX", "1000"], ["PX", "500000"], ["EX", "0"],
    ["EX", "-5"], ["PX", "abc"], ["EXAT", "99999999999"], ["PXAT", "99999999999999"], ["EX"],
)  # fmt: skip
GETEX_OPTIONS = options(["PERSIST"], ["EX", "1000"], ["PX", "900000"], ["EX", "0"], ["EX"])
INCREMENTS = st.one_of(NUMBERS, st.integers(-(2**63), 2**63 - 1).map(str))
FLOATS = st.one_of(NUMBERS, st.floats(allow_nan=False, allow_infinity=False, width=64).map(repr))
RANGE_INT = st.one_of(SMALL_INTS, st.sampled_from(["-100", "100", "x", "9223372036854775807"]))


class StringsMachine(DifferentialMachine):
    @rule(key=KEYS, value=VALUES, opts=SET_OPTIONS)
    def set(self, key: str, value: str, opts: list[str]) -> None:
        self.c("SET", key, value, *opts)

    @rule(key=KEYS)
    def get(self, key: str) -> None:
        self.c("GET", key)

    @rule(key=KEYS, value=VALUES)
    def getset(self, key: str, value: str) -> None:
        self.c("GETSET", key, value)

    @rule(key=KEYS)
    def getdel(self, key: str) -> None:
        self.c("GETDEL", key)

    @rule(key=KEYS, opts=GETEX_OPTIONS)
    def getex(self, key: str, opts: list[str]) -> None:
        self.c("GETEX", key, *opts)

    @rule(key=KEYS, value=VALUES)
    def setnx(self, key: str, value: str) -> None:
        self.c("SETNX", key, value)

    @rule(key=KEYS, ttl=st.one_of(LONG_TTL_S.map(str), st.sampled_from(["0", "-1", "x"])),
          value=VALUES, millis=st.booleans())  # fmt: skip
    def setex(self, key: str, ttl: str, value: str, millis: bool) -> None:
        if millis and ttl.lstrip("-").isdigit() and int(ttl) > 0:
            ttl = str(int(ttl) * 1000)
        self.c("PSETEX" if millis else "SETEX", key, ttl, value)

    @rule(pairs=st.lists(st.tuples(KEYS, VALUES), max_size=3), nx=st.booleans())
    def mset(self, pairs: list[tuple[str, str]], nx: bool) -> None:
        self.c("MSETNX" if nx else "MSET", *[x for pair in pairs for x in pair])

    @rule(keys=st.lists(KEYS, min_size=0, max_size=4))
    def mget(self, keys: list[str]) -> None:
        self.c("MGET", *keys)

    @rule(key=KEYS, value=VALUES)
    def append(self, key: str, value: str) -> None:
        self.c("APPEND", key, value)

    @rule(key=KEYS)
    def strlen(self, key: str) -> None:
        self.c("STRLEN", key)

    @rule(key=KEYS, start=RANGE_INT, end=RANGE_INT, substr=st.booleans())
    def getrange(self, key: str, start: str, end: str, substr: bool) -> None:
        self.c("SUBSTR" if substr else "GETRANGE", key, start, end)

    @rule(key=KEYS, offset=st.sampled_from(["0", "1", "3", "10", "-1", "x"]), value=VALUES)
    def setrange(self, key: str, offset: str, value: str) -> None:
        self.c("SETRANGE", key, offset, value)

    @rule(key=KEYS, up=st.booleans())
    def incr(self, key: str, up: bool) -> None:
        self.c("INCR" if up else "DECR", key)

    @rule(key=KEYS, by=INCREMENTS, up=st.booleans())
    def incrby(self, key: str, by: str, up: bool) -> None:
        self.c("INCRBY" if up else "DECRBY", key, by)

    @rule(key=KEYS, by=FLOATS)
    def incrbyfloat(self, key: str, by: str) -> None:
        self.c("INCRBYFLOAT", key, by)

    @rule(a=KEYS, b=KEYS, opts=options(["LEN"], ["IDX"], ["MINMATCHLEN", "1"], ["WITHMATCHLEN"]))
    def lcs(self, a: str, b: str, opts: list[str]) -> None:
        self.c("LCS", a, b, *opts)

    @rule(key=KEYS)
    def ttl(self, key: str) -> None:
        self.c("TTL", key)

    @rule(
        kind=st.sampled_from(["pipeline", "multi-exec"]),
        rows=st.lists(
            st.one_of(
                st.tuples(st.just("SET"), KEYS, VALUES),
                st.tuples(st.just("INCR"), KEYS),
                st.tuples(st.just("GET"), KEYS),
                st.tuples(st.just("APPEND"), KEYS, VALUES),
                st.tuples(st.just("INCRBYFLOAT"), KEYS, FLOATS),
            ),
            min_size=1,
            max_size=4,
        ),
    )
    def batch(self, kind: str, rows: list[tuple[str, ...]]) -> None:
        self.d.check_batch(kind, rows)


@require("set", "get", "incr", "append", "getex", "lcs")
def test_strings_match_redis(differential: Differential) -> None:
    run_machine(StringsMachine, differential)
