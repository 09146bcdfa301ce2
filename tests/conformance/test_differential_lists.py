"""Differential: list commands (the blocking ones are not served over REST)."""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import rule

from tests.conformance.harness import Differential
from tests.conformance.machine import (
    KEYS,
    SMALL_INTS,
    DifferentialMachine,
    options,
    require,
    run_machine,
)

ITEMS = st.sampled_from(["a", "b", "c", "1", "2"])
INDEX = st.one_of(SMALL_INTS, st.sampled_from(["-100", "100", "x"]))
COUNT = st.sampled_from([None, "0", "1", "2", "5", "-1", "x"])
ENDS = st.sampled_from(["LEFT", "RIGHT"])


class ListsMachine(DifferentialMachine):
    @rule(key=KEYS, items=st.lists(ITEMS, max_size=4),
          which=st.sampled_from(["LPUSH", "RPUSH", "LPUSHX", "RPUSHX"]))  # fmt: skip
    def push(self, key: str, items: list[str], which: str) -> None:
        self.c(which, key, *items)

    @rule(key=KEYS, count=COUNT, left=st.booleans())
    def pop(self, key: str, count: str | None, left: bool) -> None:
        self.c("LPOP" if left else "RPOP", key, *([] if count is None else [count]))

    @rule(key=KEYS, start=INDEX, stop=INDEX)
    def lrange(self, key: str, start: str, stop: str) -> None:
        self.c("LRANGE", key, start, stop)

    @rule(key=KEYS, index=INDEX)
    def lindex(self, key: str, index: str) -> None:
        self.c("LINDEX", key, index)

    @rule(key=KEYS, index=INDEX, item=ITEMS)
    def lset(self, key: str, index: str, item: str) -> None:
        self.c("LSET", key, index, item)

    @rule(key=KEYS, where=st.sampled_from(["BEFORE", "AFTER", "MIDDLE"]), pivot=ITEMS, item=ITEMS)
    def linsert(self, key: str, where: str, pivot: str, item: str) -> None:
        self.c("LINSERT", key, where, pivot, item)

    @rule(key=KEYS, count=INDEX, item=ITEMS)
    def lrem(self, key: str, count: str, item: str) -> None:
        self.c("LREM", key, count, item)

    @rule(key=KEYS, start=INDEX, stop=INDEX)
    def ltrim(self, key: str, start: str, stop: str) -> None:
        self.c("LTRIM", key, start, stop)

    @rule(key=KEYS)
    def llen(self, key: str) -> None:
        self.c("LLEN", key)

    @rule(key=KEYS, item=ITEMS,
          opts=options(["RANK", "1"], ["RANK", "-1"], ["RANK", "2"], ["RANK", "0"], ["COUNT", "0"],
                       ["COUNT", "2"], ["MAXLEN", "2"], ["COUNT", "-1"], ["FOO"],
                       ["RANK", "-9223372036854775808"]))  # fmt: skip
    def lpos(self, key: str, item: str, opts: list[str]) -> None:
        # RANK -9223372036854775808 is refused since 7.2: compared on Redis 8.2 only
        # (lpos-rank-range in fakestash.deviations.VERSION_CHOICES).
        self.c("LPOS", key, item, *opts)

    @rule(src=KEYS, dst=KEYS, a=ENDS, b=ENDS)
    def lmove(self, src: str, dst: str, a: str, b: str) -> None:
        self.c("LMOVE", src, dst, a, b)

    @rule(src=KEYS, dst=KEYS)
    def rpoplpush(self, src: str, dst: str) -> None:
        self.c("RPOPLPUSH", src, dst)

    @rule(keys=st.lists(KEYS, min_size=1, max_size=3), end=ENDS,
          count=st.sampled_from([[], ["COUNT", "2"], ["COUNT", "0"], ["COUNT", "x"]]),
          numkeys=st.sampled_from([None, "0", "-1", "9"]))  # fmt: skip
    def lmpop(self, keys: list[str], end: str, count: list[str], numkeys: str | None) -> None:
        self.c("LMPOP", numkeys if numkeys is not None else str(len(keys)), *keys, end, *count)


@require("lpush", "lrange", "lpos", "lmove", "lmpop", "linsert")
def test_lists_match_redis(differential: Differential) -> None:
    run_machine(ListsMachine, differential)
