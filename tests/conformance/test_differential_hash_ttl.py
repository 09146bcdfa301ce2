"""Differential: hash field TTLs (HEXPIRE … HPERSIST, HGETEX, HSETEX, HGETDEL, HSCAN
NOVALUES) against Redis 8.2; Redis 7.0 has none of them (``hash-field-expiration`` in
``fakestash.deviations.VERSION_CHOICES``), so this machine runs on the ``redis8`` oracle only.

Times are absolute and far from now (year 2100 and on), or relative and long, so nothing
expires while the machine runs and the replies compare exactly; a time in the past deletes
the field at once (reply 2), which Redis and the fake both do.
"""

from __future__ import annotations

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import rule

from tests.conformance.harness import Differential
from tests.conformance.machine import KEYS, LONG_TTL_S, VALUES, DifferentialMachine, run_machine

FIELDS = st.sampled_from(["f1", "f2", "f3"])
FIELD_LISTS = st.lists(FIELDS, min_size=1, max_size=3)
AT_S = st.one_of(st.integers(4_102_444_800, 4_102_444_900).map(str), st.just("1"))
CONDITIONS = st.sampled_from([[], ["NX"], ["XX"], ["GT"], ["LT"], ["nx"], ["NX", "XX"]])


def _fields(fields: list[str], count: int | None = None) -> list[str]:
    return ["FIELDS", str(len(fields) if count is None else count), *fields]


class HashFieldTtlMachine(DifferentialMachine):
    @rule(key=KEYS, pairs=st.lists(st.tuples(FIELDS, VALUES), min_size=1, max_size=3))
    def hset(self, key: str, pairs: list[tuple[str, str]]) -> None:
        self.c("HSET", key, *[x for pair in pairs for x in pair])

    @rule(key=KEYS, seconds=LONG_TTL_S, fields=FIELD_LISTS, cond=CONDITIONS,
          unit=st.sampled_from(["HEXPIRE", "HPEXPIRE"]))  # fmt: skip
    def hexpire(
        self, key: str, seconds: int, fields: list[str], cond: list[str], unit: str
    ) -> None:
        amount = seconds if unit == "HEXPIRE" else seconds * 1000
        self.c(unit, key, amount, *cond, *_fields(fields))

    @rule(key=KEYS, at=AT_S, fields=FIELD_LISTS, cond=CONDITIONS, ms=st.booleans())
    def hexpireat(self, key: str, at: str, fields: list[str], cond: list[str], ms: bool) -> None:
        when = f"{at}123" if ms else at
        self.c("HPEXPIREAT" if ms else "HEXPIREAT", key, when, *cond, *_fields(fields))

    @rule(key=KEYS, fields=FIELD_LISTS, count=st.sampled_from([None, 0, 5, -1]))
    def hexpire_bad_counts(self, key: str, fields: list[str], count: int | None) -> None:
        self.c("HEXPIRE", key, "100", *_fields(fields, count))

    @rule(key=KEYS, fields=FIELD_LISTS,
          which=st.sampled_from(["HEXPIRETIME", "HPEXPIRETIME", "HPERSIST"]))  # fmt: skip
    def field_times(self, key: str, fields: list[str], which: str) -> None:
        self.c(which, key, *_fields(fields))

    @rule(key=KEYS, fields=FIELD_LISTS, which=st.sampled_from(["HTTL", "HPTTL"]))
    def field_ttls(self, key: str, fields: list[str], which: str) -> None:
        self.c(which, key, *_fields(fields))

    @rule(key=KEYS, fields=FIELD_LISTS,
          option=st.sampled_from([[], ["PERSIST"], ["EX", "500"], ["PXAT", "4102444800999"],
                                  ["EXAT", "4102444801"], ["EX", "0"], ["PX", "x"]]))  # fmt: skip
    def hgetex(self, key: str, fields: list[str], option: list[str]) -> None:
        self.c("HGETEX", key, *option, *_fields(fields))

    @rule(key=KEYS, pairs=st.lists(st.tuples(FIELDS, VALUES), min_size=1, max_size=2),
          cond=st.sampled_from([[], ["FNX"], ["FXX"]]),
          option=st.sampled_from([[], ["KEEPTTL"], ["EX", "300"], ["EXAT", "4102444802"],
                                  ["PX", "0"]]))  # fmt: skip
    def hsetex(
        self, key: str, pairs: list[tuple[str, str]], cond: list[str], option: list[str]
    ) -> None:
        flat = [x for pair in pairs for x in pair]
        self.c("HSETEX", key, *cond, *option, "FIELDS", str(len(pairs)), *flat)

    @rule(key=KEYS, fields=FIELD_LISTS)
    def hgetdel(self, key: str, fields: list[str]) -> None:
        self.c("HGETDEL", key, *_fields(fields))

    @rule(key=KEYS, field=FIELDS, by=st.sampled_from(["1", "-2", "x"]))
    def hincrby_keeps_ttl(self, key: str, field: str, by: str) -> None:
        self.c("HINCRBY", key, field, by)

    @rule(key=KEYS, which=st.sampled_from(["HGETALL", "HLEN", "HKEYS"]))
    def whole(self, key: str, which: str) -> None:
        self.c(which, key)

    @rule(key=KEYS, novalues=st.booleans())
    def hscan(self, key: str, novalues: bool) -> None:
        self.d.check_scan("HSCAN", key, *(["NOVALUES"] if novalues else []), pairs=not novalues)


def test_hash_field_ttls_match_redis(differential: Differential) -> None:
    if not differential.at_least("8.0"):
        pytest.skip(f"Redis {differential.redis_version} has no hash field TTLs")
    run_machine(HashFieldTtlMachine, differential)
