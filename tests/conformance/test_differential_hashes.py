"""Differential: hash commands (field TTL commands are newer than Redis 7.0: unit tests)."""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import rule

from tests.conformance.harness import Differential
from tests.conformance.machine import (
    KEYS,
    NUMBERS,
    VALUES,
    DifferentialMachine,
    require,
    run_machine,
)

FIELDS = st.sampled_from(["f1", "f2", "f3", "f4"])
PAIRS = st.lists(st.tuples(FIELDS, VALUES), max_size=3)
FLOATS = st.one_of(NUMBERS, st.floats(allow_nan=False, allow_infinity=False).map(repr))


class HashesMachine(DifferentialMachine):
    @rule(key=KEYS, pairs=PAIRS, legacy=st.booleans())
    def hset(self, key: str, pairs: list[tuple[str, str]], legacy: bool) -> None:
        self.c("HMSET" if legacy else "HSET", key, *[x for pair in pairs for x in pair])

    @rule(key=KEYS, field=FIELDS, value=VALUES)
    def hsetnx(self, key: str, field: str, value: str) -> None:
        self.c("HSETNX", key, field, value)

    @rule(key=KEYS, field=FIELDS)
    def hget(self, key: str, field: str) -> None:
        self.c("HGET", key, field)

    @rule(key=KEYS, fields=st.lists(FIELDS, max_size=3))
    def hmget(self, key: str, fields: list[str]) -> None:
        self.c("HMGET", key, *fields)

    @rule(key=KEYS, fields=st.lists(FIELDS, max_size=3))
    def hdel(self, key: str, fields: list[str]) -> None:
        self.c("HDEL", key, *fields)

    @rule(key=KEYS, field=FIELDS, which=st.sampled_from(["HEXISTS", "HSTRLEN"]))
    def field_info(self, key: str, field: str, which: str) -> None:
        self.c(which, key, field)

    @rule(key=KEYS, which=st.sampled_from(["HLEN", "HKEYS", "HVALS", "HGETALL"]))
    def whole(self, key: str, which: str) -> None:
        self.c(which, key)

    @rule(key=KEYS, field=FIELDS, by=st.one_of(NUMBERS, st.integers(-(2**63), 2**63 - 1).map(str)))
    def hincrby(self, key: str, field: str, by: str) -> None:
        self.c("HINCRBY", key, field, by)

    @rule(key=KEYS, field=FIELDS, by=FLOATS)
    def hincrbyfloat(self, key: str, field: str, by: str) -> None:
        self.c("HINCRBYFLOAT", key, field, by)

    @rule(key=KEYS, count=st.sampled_from([None, "0", "1", "2", "10", "-3", "x"]),
          withvalues=st.booleans())  # fmt: skip
    def hrandfield(self, key: str, count: str | None, withvalues: bool) -> None:
        args = [] if count is None else [count] + (["WITHVALUES"] if withvalues else [])
        self.c("HRANDFIELD", key, *args)

    @rule(key=KEYS, match=st.sampled_from([[], ["MATCH", "f[12]"], ["COUNT", "1"]]))
    def hscan(self, key: str, match: list[str]) -> None:
        self.d.check_scan("HSCAN", key, *match, pairs=True)


@require("hset", "hget", "hgetall", "hincrbyfloat", "hrandfield", "hscan")
def test_hashes_match_redis(differential: Differential) -> None:
    run_machine(HashesMachine, differential)
