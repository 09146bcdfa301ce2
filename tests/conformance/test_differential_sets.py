"""Differential: set commands (random picks compared by shape, see normalise.py)."""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import rule

from tests.conformance.harness import Differential
from tests.conformance.machine import KEYS, DifferentialMachine, require, run_machine

#: Integers too, so Redis' intset encoding (and its conversions) is exercised.
MEMBERS = st.sampled_from(["a", "b", "c", "1", "2", "10", "-3"])


class SetsMachine(DifferentialMachine):
    @rule(key=KEYS, members=st.lists(MEMBERS, max_size=4))
    def sadd(self, key: str, members: list[str]) -> None:
        self.c("SADD", key, *members)

    @rule(key=KEYS, members=st.lists(MEMBERS, max_size=3))
    def srem(self, key: str, members: list[str]) -> None:
        self.c("SREM", key, *members)

    @rule(key=KEYS, which=st.sampled_from(["SMEMBERS", "SCARD"]))
    def whole(self, key: str, which: str) -> None:
        self.c(which, key)

    @rule(key=KEYS, member=MEMBERS)
    def sismember(self, key: str, member: str) -> None:
        self.c("SISMEMBER", key, member)

    @rule(key=KEYS, members=st.lists(MEMBERS, max_size=3))
    def smismember(self, key: str, members: list[str]) -> None:
        self.c("SMISMEMBER", key, *members)

    @rule(src=KEYS, dst=KEYS, member=MEMBERS)
    def smove(self, src: str, dst: str, member: str) -> None:
        self.c("SMOVE", src, dst, member)

    @rule(key=KEYS, count=st.sampled_from([None, "0", "1", "3", "-2", "x"]))
    def srandmember(self, key: str, count: str | None) -> None:
        reply = self.c("SRANDMEMBER", key, *([] if count is None else [count]))
        members = self.c("SMEMBERS", key)
        if isinstance(reply, list) and isinstance(members, list):
            assert set(reply) <= set(members), (reply, members)

    @rule(key=KEYS, extra=st.sampled_from([None, "0", "5", "x", "-1"]))
    def spop_everything(self, key: str, extra: str | None) -> None:
        """SPOP picks at random: pop whole sets (or one-member sets) so both sides agree."""
        size = self.c("SCARD", key)
        if not isinstance(size, int):  # WRONGTYPE: any SPOP form just fails the same way
            self.c("SPOP", key, *([] if extra is None else [extra]))
            return
        if extra is None:
            if size <= 1:
                self.c("SPOP", key)
            return
        count = extra if not extra.isdigit() or extra == "0" else str(int(extra) + size)
        reply = self.c("SPOP", key, count)
        assert not isinstance(reply, list) or len(reply) == (size if count != "0" else 0)

    @rule(keys=st.lists(KEYS, min_size=1, max_size=3),
          which=st.sampled_from(["SINTER", "SUNION", "SDIFF"]))  # fmt: skip
    def combine(self, keys: list[str], which: str) -> None:
        self.c(which, *keys)

    @rule(dst=KEYS, keys=st.lists(KEYS, min_size=1, max_size=3),
          which=st.sampled_from(["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"]))  # fmt: skip
    def store(self, dst: str, keys: list[str], which: str) -> None:
        self.c(which, dst, *keys)

    @rule(keys=st.lists(KEYS, min_size=1, max_size=3),
          limit=st.sampled_from([[], ["LIMIT", "0"], ["LIMIT", "1"], ["LIMIT", "-1"]]),
          numkeys=st.sampled_from([None, "0", "5", "x"]))  # fmt: skip
    def sintercard(self, keys: list[str], limit: list[str], numkeys: str | None) -> None:
        self.c("SINTERCARD", numkeys if numkeys is not None else len(keys), *keys, *limit)

    @rule(key=KEYS, opts=st.sampled_from([[], ["MATCH", "[ab]"], ["COUNT", "1"]]))
    def sscan(self, key: str, opts: list[str]) -> None:
        self.d.check_scan("SSCAN", key, *opts)


@require("sadd", "smembers", "sintercard", "spop", "srandmember", "sscan")
def test_sets_match_redis(differential: Differential) -> None:
    run_machine(SetsMachine, differential)
