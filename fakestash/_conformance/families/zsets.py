"""Sorted sets: scores (doubles normalised from Redis 7.0), ranks, ranges by rank, score and
lex, stores, pops, combinations, ZSCAN."""

from __future__ import annotations

from fakestash._conformance.draw import doubles, lists, one_of, options, sampled
from fakestash._conformance.sequence import SMALL_INTS, Family, Seq

MEMBERS = sampled(["a", "b", "c", "d", "e"])
SCORES = one_of(
    sampled(["0", "1", "-1", "2.5", "1.1", "0.1", "+inf", "-inf", "1e300", "3", "x", "nan",
             "-0", "1e-7", "100000000000000000000"]),
    doubles(-1e6, 1e6),
)  # fmt: skip
SCORE_BOUNDS = sampled(["-inf", "+inf", "0", "1", "(1", "2.5", "(2.5", "-1", "x", "(x"])
LEX_BOUNDS = sampled(["-", "+", "[a", "(a", "[c", "(c", "[z", "a", "("])
INDEX = one_of(SMALL_INTS, sampled(["-100", "100", "x"]))
ZADD_FLAGS = options(["NX"], ["XX"], ["GT"], ["LT"], ["CH"], ["INCR"])
LIMIT = sampled([[], ["LIMIT", "0", "2"], ["LIMIT", "1", "-1"], ["LIMIT", "-1", "1"],
                 ["LIMIT", "x", "1"]])  # fmt: skip
COMBINE_OPTS = options(["WEIGHTS", "2", "0.5", "1"], ["WEIGHTS", "1"], ["AGGREGATE", "MIN"],
                       ["AGGREGATE", "MAX"], ["AGGREGATE", "SUM"], ["AGGREGATE", "X"])  # fmt: skip


def _scores(s: Seq) -> list[str]:
    return ["WITHSCORES"] if s.d.boolean() else []


def _rev(s: Seq) -> list[str]:
    return ["REV"] if s.d.boolean() else []


def zadd(s: Seq) -> None:
    key, flags = s.key(), ZADD_FLAGS(s.d)
    pairs = [x for _ in range(s.d.integer(0, 3)) for x in (SCORES(s.d), MEMBERS(s.d))]
    s.c("ZADD", key, *flags, *pairs)


def zincrby(s: Seq) -> None:
    s.c("ZINCRBY", s.key(), SCORES(s.d), MEMBERS(s.d))


def zrem(s: Seq) -> None:
    s.c("ZREM", s.key(), *lists(MEMBERS, 0, 3)(s.d))


def member_info(s: Seq) -> None:
    key, member = s.key(), MEMBERS(s.d)
    s.c(s.d.choice(["ZSCORE", "ZRANK", "ZREVRANK"]), key, member)


def rank_withscore(s: Seq) -> None:
    """Redis 7.2+ (``zrank-withscore``): compared on newer servers only."""
    key, member, rev = s.key(), MEMBERS(s.d), s.d.boolean()
    extra = s.d.choice([["WITHSCORE"], ["withscore"], ["WITHSCORES"], ["x", "y"]])
    s.c("ZREVRANK" if rev else "ZRANK", key, member, *extra)


def zmscore(s: Seq) -> None:
    s.c("ZMSCORE", s.key(), *lists(MEMBERS, 0, 3)(s.d))


def zcard(s: Seq) -> None:
    s.c("ZCARD", s.key())


def zcount(s: Seq) -> None:
    s.c("ZCOUNT", s.key(), SCORE_BOUNDS(s.d), SCORE_BOUNDS(s.d))


def zlexcount(s: Seq) -> None:
    s.c("ZLEXCOUNT", s.key(), LEX_BOUNDS(s.d), LEX_BOUNDS(s.d))


def zrange_by_rank(s: Seq) -> None:
    key, start, stop = s.key(), INDEX(s.d), INDEX(s.d)
    s.c("ZRANGE", key, start, stop, *_rev(s), *LIMIT(s.d), *_scores(s))


def zrange_by_score(s: Seq) -> None:
    key, lo, hi = s.key(), SCORE_BOUNDS(s.d), SCORE_BOUNDS(s.d)
    rev, tail = s.d.boolean(), [*LIMIT(s.d), *_scores(s)]
    if s.d.boolean():
        s.c("ZREVRANGEBYSCORE" if rev else "ZRANGEBYSCORE", key, lo, hi, *tail)
    else:
        s.c("ZRANGE", key, lo, hi, "BYSCORE", *(["REV"] if rev else []), *tail)


def zrange_by_lex(s: Seq) -> None:
    key, lo, hi = s.key(), LEX_BOUNDS(s.d), LEX_BOUNDS(s.d)
    rev, limit = s.d.boolean(), LIMIT(s.d)
    if s.d.boolean():
        s.c("ZREVRANGEBYLEX" if rev else "ZRANGEBYLEX", key, lo, hi, *limit)
    else:
        s.c("ZRANGE", key, lo, hi, "BYLEX", *(["REV"] if rev else []), *limit)


def zrevrange(s: Seq) -> None:
    s.c("ZREVRANGE", s.key(), INDEX(s.d), INDEX(s.d), *_scores(s))


def zrangestore(s: Seq) -> None:
    dst, src, lo, hi = s.key(), s.key(), SCORE_BOUNDS(s.d), SCORE_BOUNDS(s.d)
    if s.d.boolean():
        s.c("ZRANGESTORE", dst, src, lo, hi, "BYSCORE")
    else:
        s.c("ZRANGESTORE", dst, src, "0", "-1")


def zremrangebyrank(s: Seq) -> None:
    s.c("ZREMRANGEBYRANK", s.key(), INDEX(s.d), INDEX(s.d))


def zremrangebyscore(s: Seq) -> None:
    s.c("ZREMRANGEBYSCORE", s.key(), SCORE_BOUNDS(s.d), SCORE_BOUNDS(s.d))


def zremrangebylex(s: Seq) -> None:
    s.c("ZREMRANGEBYLEX", s.key(), LEX_BOUNDS(s.d), LEX_BOUNDS(s.d))


def zpop(s: Seq) -> None:
    key, count = s.key(), s.d.choice([None, "0", "1", "2", "10", "-1", "x"])
    s.c("ZPOPMIN" if s.d.boolean() else "ZPOPMAX", key, *([] if count is None else [count]))


def zmpop(s: Seq) -> None:
    keys, low = s.keys(1, 3), s.d.boolean()
    count = s.d.choice([[], ["COUNT", "2"], ["COUNT", "0"]])
    s.c("ZMPOP", len(keys), *keys, "MIN" if low else "MAX", *count)


def zrandmember(s: Seq) -> None:
    key, count = s.key(), s.d.choice([None, "1", "3", "-2", "0"])
    args = [] if count is None else [count, *_scores(s)]
    s.c("ZRANDMEMBER", key, *args)


def combine(s: Seq) -> None:
    keys, opts = s.keys(1, 3), COMBINE_OPTS(s.d)
    which = s.d.choice(["ZUNION", "ZINTER", "ZDIFF"])
    s.c(which, len(keys), *keys, *([] if which == "ZDIFF" else opts), *_scores(s))


def store(s: Seq) -> None:
    dst, keys, opts = s.key(), s.keys(1, 3), COMBINE_OPTS(s.d)
    which = s.d.choice(["ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"])
    s.c(which, dst, len(keys), *keys, *([] if which == "ZDIFFSTORE" else opts))


def zintercard(s: Seq) -> None:
    keys = s.keys(1, 3)
    s.c("ZINTERCARD", len(keys), *keys, *s.d.choice([[], ["LIMIT", "1"], ["LIMIT", "0"]]))


def zscan(s: Seq) -> None:
    s.scan("ZSCAN", s.key(), *s.d.choice([[], ["MATCH", "[ab]"], ["COUNT", "1"]]), pairs=True)


FAMILY = Family(
    "zsets",
    "sorted-set commands (doubles compared in Redis 7.2's shortest form)",
    (zadd, zincrby, zrem, member_info, rank_withscore, zmscore, zcard, zcount, zlexcount,
     zrange_by_rank, zrange_by_score, zrange_by_lex, zrevrange, zrangestore, zremrangebyrank,
     zremrangebyscore, zremrangebylex, zpop, zmpop, zrandmember, combine, store, zintercard,
     zscan),
)  # fmt: skip
