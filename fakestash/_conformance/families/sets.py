"""Sets: members, moves, combinations, SINTERCARD, SSCAN; random picks compared by shape
(and checked to be members), SPOP only where it empties a set so both sides stay equal."""

from __future__ import annotations

from fakestash._conformance.draw import lists, sampled
from fakestash._conformance.sequence import Family, Seq

#: Integers too, so Redis' intset encoding (and its conversions) is exercised.
MEMBERS = sampled(["a", "b", "c", "1", "2", "10", "-3"])


def sadd(s: Seq) -> None:
    s.c("SADD", s.key(), *lists(MEMBERS, 0, 4)(s.d))


def srem(s: Seq) -> None:
    s.c("SREM", s.key(), *lists(MEMBERS, 0, 3)(s.d))


def whole(s: Seq) -> None:
    s.c(s.d.choice(["SMEMBERS", "SCARD"]), s.key())


def sismember(s: Seq) -> None:
    s.c("SISMEMBER", s.key(), MEMBERS(s.d))


def smismember(s: Seq) -> None:
    s.c("SMISMEMBER", s.key(), *lists(MEMBERS, 0, 3)(s.d))


def smove(s: Seq) -> None:
    s.c("SMOVE", s.key(), s.key(), MEMBERS(s.d))


def srandmember(s: Seq) -> None:
    key, count = s.key(), s.d.choice([None, "0", "1", "3", "-2", "x"])
    reply = s.c("SRANDMEMBER", key, *([] if count is None else [count]))
    members = s.c("SMEMBERS", key)
    if isinstance(reply, list) and isinstance(members, list):
        assert set(reply) <= set(members), (reply, members)


def spop_everything(s: Seq) -> None:
    """SPOP picks at random: pop whole sets (or one-member sets) so both sides agree."""
    key, extra = s.key(), s.d.choice([None, "0", "5", "x", "-1"])
    size = s.c("SCARD", key)
    if not isinstance(size, int):  # WRONGTYPE (or not sent): any SPOP form fails alike
        s.c("SPOP", key, *([] if extra is None else [extra]))
        return
    if extra is None:
        if size <= 1:
            s.c("SPOP", key)
        return
    count = extra if not extra.isdigit() or extra == "0" else str(int(extra) + size)
    reply = s.c("SPOP", key, count)
    assert not isinstance(reply, list) or len(reply) == (size if count != "0" else 0)


def combine(s: Seq) -> None:
    keys = s.keys(1, 3)
    s.c(s.d.choice(["SINTER", "SUNION", "SDIFF"]), *keys)


def store(s: Seq) -> None:
    dst, keys = s.key(), s.keys(1, 3)
    s.c(s.d.choice(["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"]), dst, *keys)


def sintercard(s: Seq) -> None:
    keys = s.keys(1, 3)
    limit = s.d.choice([[], ["LIMIT", "0"], ["LIMIT", "1"], ["LIMIT", "-1"]])
    numkeys = s.d.choice([None, "0", "5", "x"])
    s.c("SINTERCARD", numkeys if numkeys is not None else len(keys), *keys, *limit)


def sscan(s: Seq) -> None:
    s.scan("SSCAN", s.key(), *s.d.choice([[], ["MATCH", "[ab]"], ["COUNT", "1"]]))


FAMILY = Family(
    "sets",
    "set commands (random picks compared by shape)",
    (sadd, srem, whole, sismember, smismember, smove, srandmember, spop_everything, combine,
     store, sintercard, sscan),
)  # fmt: skip
