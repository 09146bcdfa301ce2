"""Lists: pushes, pops, ranges, LPOS, LMOVE, LMPOP (the blocking ones are not served over
REST)."""

from __future__ import annotations

from fakestash._conformance.draw import lists, one_of, options, sampled
from fakestash._conformance.sequence import SMALL_INTS, Family, Seq

ITEMS = sampled(["a", "b", "c", "1", "2"])
INDEX = one_of(SMALL_INTS, sampled(["-100", "100", "x"]))
COUNTS = sampled([None, "0", "1", "2", "5", "-1", "x"])
ENDS = sampled(["LEFT", "RIGHT"])
LPOS_OPTIONS = options(
    ["RANK", "1"], ["RANK", "-1"], ["RANK", "2"], ["RANK", "0"], ["COUNT", "0"], ["COUNT", "2"],
    ["MAXLEN", "2"], ["COUNT", "-1"], ["FOO"], ["RANK", "-9223372036854775808"],
)  # fmt: skip


def push(s: Seq) -> None:
    key, items = s.key(), lists(ITEMS, 0, 4)(s.d)
    s.c(s.d.choice(["LPUSH", "RPUSH", "LPUSHX", "RPUSHX"]), key, *items)


def pop(s: Seq) -> None:
    key, count, left = s.key(), COUNTS(s.d), s.d.boolean()
    s.c("LPOP" if left else "RPOP", key, *([] if count is None else [count]))


def lrange(s: Seq) -> None:
    s.c("LRANGE", s.key(), INDEX(s.d), INDEX(s.d))


def lindex(s: Seq) -> None:
    s.c("LINDEX", s.key(), INDEX(s.d))


def lset(s: Seq) -> None:
    s.c("LSET", s.key(), INDEX(s.d), ITEMS(s.d))


def linsert(s: Seq) -> None:
    where = s.d.choice(["BEFORE", "AFTER", "MIDDLE"])
    s.c("LINSERT", s.key(), where, ITEMS(s.d), ITEMS(s.d))


def lrem(s: Seq) -> None:
    s.c("LREM", s.key(), INDEX(s.d), ITEMS(s.d))


def ltrim(s: Seq) -> None:
    s.c("LTRIM", s.key(), INDEX(s.d), INDEX(s.d))


def llen(s: Seq) -> None:
    s.c("LLEN", s.key())


def lpos(s: Seq) -> None:
    # RANK -9223372036854775808 is refused since 7.2: compared on Redis 7.2+ only
    # (lpos-rank-range in fakestash.deviations.VERSION_CHOICES).
    s.c("LPOS", s.key(), ITEMS(s.d), *LPOS_OPTIONS(s.d))


def lmove(s: Seq) -> None:
    s.c("LMOVE", s.key(), s.key(), ENDS(s.d), ENDS(s.d))


def rpoplpush(s: Seq) -> None:
    s.c("RPOPLPUSH", s.key(), s.key())


def lmpop(s: Seq) -> None:
    keys, end = s.keys(1, 3), ENDS(s.d)
    count = s.d.choice([[], ["COUNT", "2"], ["COUNT", "0"], ["COUNT", "x"]])
    numkeys = s.d.choice([None, "0", "-1", "9"])
    s.c("LMPOP", numkeys if numkeys is not None else str(len(keys)), *keys, end, *count)


FAMILY = Family(
    "lists",
    "list commands (not the blocking ones, which REST does not serve)",
    (push, pop, lrange, lindex, lset, linsert, lrem, ltrim, llen, lpos, lmove, rpoplpush,
     lmpop),
)  # fmt: skip
