"""Differential: HyperLogLog commands against a real Redis, replies and the stored bytes
(GET of an HLL key is Redis' own encoding, sparse or dense)."""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import rule

from tests.conformance.harness import Differential
from tests.conformance.machine import KEYS, DifferentialMachine, require, run_machine

ELEMENTS = st.lists(st.one_of(st.binary(max_size=8), st.integers(0, 5000).map(str)), max_size=8)


class HyperLogLogMachine(DifferentialMachine):
    @rule(key=KEYS, elements=ELEMENTS)
    def pfadd(self, key: str, elements: list[object]) -> None:
        self.c("PFADD", key, *elements)

    @rule(key=KEYS, start=st.integers(0, 10**6), count=st.sampled_from([50, 400, 2500]))
    def pfadd_many(self, key: str, start: int, count: int) -> None:
        self.c("PFADD", key, *[f"e{i}" for i in range(start, start + count)])

    @rule(keys=st.lists(st.one_of(KEYS, st.just("nokey")), min_size=1, max_size=3))
    def pfcount(self, keys: list[str]) -> None:
        self.c("PFCOUNT", *keys)

    @rule(dest=KEYS, sources=st.lists(st.one_of(KEYS, st.just("nokey")), max_size=3))
    def pfmerge(self, dest: str, sources: list[str]) -> None:
        self.c("PFMERGE", dest, *sources)

    @rule(key=KEYS)
    def get(self, key: str) -> None:
        self.c("GET", key)

    @rule(key=KEYS, offset=st.integers(16, 60), value=st.binary(min_size=1, max_size=2))
    def corrupt(self, key: str, offset: int, value: bytes) -> None:
        self.c("SETRANGE", key, str(offset), value)

    @rule(key=KEYS)
    def make_a_list(self, key: str) -> None:
        self.c("RPUSH", key, "x")


@require("pfadd", "pfcount", "pfmerge")
def test_hyperloglog_matches_redis(differential: Differential) -> None:
    run_machine(HyperLogLogMachine, differential)
