"""Differential: sorted-set commands (doubles normalised from Redis 7.0, see normalise.py)."""

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

MEMBERS = st.sampled_from(["a", "b", "c", "d", "e"])
SCORES = st.one_of(
    st.sampled_from(["0", "1", "-1", "2.5", "1.1", "0.1", "+inf", "-inf", "1e300", "3", "x",
                     "nan", "-0", "1e-7", "100000000000000000000"]),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6).map(repr),
)  # fmt: skip
SCORE_BOUNDS = st.sampled_from(["-inf", "+inf", "0", "1", "(1", "2.5", "(2.5", "-1", "x", "(x"])
LEX_BOUNDS = st.sampled_from(["-", "+", "[a", "(a", "[c", "(c", "[z", "a", "("])
INDEX = st.one_of(SMALL_INTS, st.sampled_from(["-100", "100", "x"]))
ZADD_FLAGS = options(["NX"], ["XX"], ["GT"], ["LT"], ["CH"], ["INCR"])
LIMIT = st.sampled_from([[], ["LIMIT", "0", "2"], ["LIMIT", "1", "-1"], ["LIMIT", "-1", "1"],
                         ["LIMIT", "x", "1"]])  # fmt: skip
COMBINE_OPTS = options(["WEIGHTS", "2", "0.5", "1"], ["WEIGHTS", "1"], ["AGGREGATE", "MIN"],
                       ["AGGREGATE", "MAX"], ["AGGREGATE", "SUM"], ["AGGREGATE", "X"])  # fmt: skip


class ZsetsMachine(DifferentialMachine):
    @rule(key=KEYS, flags=ZADD_FLAGS, pairs=st.lists(st.tuples(SCORES, MEMBERS), max_size=3))
    def zadd(self, key: str, flags: list[str], pairs: list[tuple[str, str]]) -> None:
        self.c("ZADD", key, *flags, *[x for pair in pairs for x in pair])

    @rule(key=KEYS, by=SCORES, member=MEMBERS)
    def zincrby(self, key: str, by: str, member: str) -> None:
        self.c("ZINCRBY", key, by, member)

    @rule(key=KEYS, members=st.lists(MEMBERS, max_size=3))
    def zrem(self, key: str, members: list[str]) -> None:
        self.c("ZREM", key, *members)

    @rule(key=KEYS, member=MEMBERS, which=st.sampled_from(["ZSCORE", "ZRANK", "ZREVRANK"]))
    def member_info(self, key: str, member: str, which: str) -> None:
        self.c(which, key, member)

    # Redis 7.2+ (``zrank-withscore``): compared on the 8.2 oracle only.
    @rule(key=KEYS, member=MEMBERS, rev=st.booleans(),
          extra=st.sampled_from([["WITHSCORE"], ["withscore"], ["WITHSCORES"], ["x", "y"]]))  # fmt: skip
    def rank_withscore(self, key: str, member: str, rev: bool, extra: list[str]) -> None:
        self.c("ZREVRANK" if rev else "ZRANK", key, member, *extra)

    @rule(key=KEYS, members=st.lists(MEMBERS, max_size=3))
    def zmscore(self, key: str, members: list[str]) -> None:
        self.c("ZMSCORE", key, *members)

    @rule(key=KEYS)
    def zcard(self, key: str) -> None:
        self.c("ZCARD", key)

    @rule(key=KEYS, lo=SCORE_BOUNDS, hi=SCORE_BOUNDS)
    def zcount(self, key: str, lo: str, hi: str) -> None:
        self.c("ZCOUNT", key, lo, hi)

    @rule(key=KEYS, lo=LEX_BOUNDS, hi=LEX_BOUNDS)
    def zlexcount(self, key: str, lo: str, hi: str) -> None:
        self.c("ZLEXCOUNT", key, lo, hi)

    @rule(key=KEYS, start=INDEX, stop=INDEX, rev=st.booleans(), scores=st.booleans(),
          limit=LIMIT)  # fmt: skip
    def zrange_by_rank(self, key: str, start: str, stop: str, rev: bool, scores: bool,
                       limit: list[str]) -> None:  # fmt: skip
        self.c("ZRANGE", key, start, stop, *(["REV"] if rev else []), *limit,
               *(["WITHSCORES"] if scores else []))  # fmt: skip

    @rule(key=KEYS, lo=SCORE_BOUNDS, hi=SCORE_BOUNDS, rev=st.booleans(), scores=st.booleans(),
          limit=LIMIT, legacy=st.booleans())  # fmt: skip
    def zrange_by_score(self, key: str, lo: str, hi: str, rev: bool, scores: bool,
                        limit: list[str], legacy: bool) -> None:  # fmt: skip
        tail = [*limit, *(["WITHSCORES"] if scores else [])]
        if legacy:
            self.c("ZREVRANGEBYSCORE" if rev else "ZRANGEBYSCORE", key, lo, hi, *tail)
        else:
            self.c("ZRANGE", key, lo, hi, "BYSCORE", *(["REV"] if rev else []), *tail)

    @rule(key=KEYS, lo=LEX_BOUNDS, hi=LEX_BOUNDS, rev=st.booleans(), limit=LIMIT,
          legacy=st.booleans())  # fmt: skip
    def zrange_by_lex(self, key: str, lo: str, hi: str, rev: bool, limit: list[str],
                      legacy: bool) -> None:  # fmt: skip
        if legacy:
            self.c("ZREVRANGEBYLEX" if rev else "ZRANGEBYLEX", key, lo, hi, *limit)
        else:
            self.c("ZRANGE", key, lo, hi, "BYLEX", *(["REV"] if rev else []), *limit)

    @rule(key=KEYS, start=INDEX, stop=INDEX, scores=st.booleans())
    def zrevrange(self, key: str, start: str, stop: str, scores: bool) -> None:
        self.c("ZREVRANGE", key, start, stop, *(["WITHSCORES"] if scores else []))

    @rule(dst=KEYS, src=KEYS, lo=SCORE_BOUNDS, hi=SCORE_BOUNDS, by=st.sampled_from(["BYSCORE", ""]))
    def zrangestore(self, dst: str, src: str, lo: str, hi: str, by: str) -> None:
        if by:
            self.c("ZRANGESTORE", dst, src, lo, hi, by)
        else:
            self.c("ZRANGESTORE", dst, src, "0", "-1")

    @rule(key=KEYS, start=INDEX, stop=INDEX)
    def zremrangebyrank(self, key: str, start: str, stop: str) -> None:
        self.c("ZREMRANGEBYRANK", key, start, stop)

    @rule(key=KEYS, lo=SCORE_BOUNDS, hi=SCORE_BOUNDS)
    def zremrangebyscore(self, key: str, lo: str, hi: str) -> None:
        self.c("ZREMRANGEBYSCORE", key, lo, hi)

    @rule(key=KEYS, lo=LEX_BOUNDS, hi=LEX_BOUNDS)
    def zremrangebylex(self, key: str, lo: str, hi: str) -> None:
        self.c("ZREMRANGEBYLEX", key, lo, hi)

    @rule(key=KEYS, count=st.sampled_from([None, "0", "1", "2", "10", "-1", "x"]),
          low=st.booleans())  # fmt: skip
    def zpop(self, key: str, count: str | None, low: bool) -> None:
        self.c("ZPOPMIN" if low else "ZPOPMAX", key, *([] if count is None else [count]))

    @rule(keys=st.lists(KEYS, min_size=1, max_size=3), low=st.booleans(),
          count=st.sampled_from([[], ["COUNT", "2"], ["COUNT", "0"]]))  # fmt: skip
    def zmpop(self, keys: list[str], low: bool, count: list[str]) -> None:
        self.c("ZMPOP", len(keys), *keys, "MIN" if low else "MAX", *count)

    @rule(key=KEYS, count=st.sampled_from([None, "1", "3", "-2", "0"]), scores=st.booleans())
    def zrandmember(self, key: str, count: str | None, scores: bool) -> None:
        args = [] if count is None else [count] + (["WITHSCORES"] if scores else [])
        self.c("ZRANDMEMBER", key, *args)

    @rule(keys=st.lists(KEYS, min_size=1, max_size=3), opts=COMBINE_OPTS,
          which=st.sampled_from(["ZUNION", "ZINTER", "ZDIFF"]), scores=st.booleans())  # fmt: skip
    def combine(self, keys: list[str], opts: list[str], which: str, scores: bool) -> None:
        if which == "ZDIFF":
            opts = []
        self.c(which, len(keys), *keys, *opts, *(["WITHSCORES"] if scores else []))

    @rule(dst=KEYS, keys=st.lists(KEYS, min_size=1, max_size=3), opts=COMBINE_OPTS,
          which=st.sampled_from(["ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"]))  # fmt: skip
    def store(self, dst: str, keys: list[str], opts: list[str], which: str) -> None:
        if which == "ZDIFFSTORE":
            opts = []
        self.c(which, dst, len(keys), *keys, *opts)

    @rule(keys=st.lists(KEYS, min_size=1, max_size=3),
          limit=st.sampled_from([[], ["LIMIT", "1"], ["LIMIT", "0"]]))  # fmt: skip
    def zintercard(self, keys: list[str], limit: list[str]) -> None:
        self.c("ZINTERCARD", len(keys), *keys, *limit)

    @rule(key=KEYS, opts=st.sampled_from([[], ["MATCH", "[ab]"], ["COUNT", "1"]]))
    def zscan(self, key: str, opts: list[str]) -> None:
        self.d.check_scan("ZSCAN", key, *opts, pairs=True)


@require("zadd", "zrange", "zrangestore", "zmpop", "zunion", "zscan")
def test_zsets_match_redis(differential: Differential) -> None:
    run_machine(ZsetsMachine, differential)
