"""Hash field TTLs (HEXPIRE … HPERSIST, HGETEX, HSETEX, HGETDEL, HSCAN NOVALUES): Redis 8.0+.

Times are absolute and far from now (year 2100 and on), or relative and long, so nothing
expires while a sequence runs and replies compare exactly; a time in the past deletes the
field at once (reply 2), which Redis and the fake both do.
"""

from __future__ import annotations

from fakestash._conformance.draw import Draw, lists, one_of, sampled
from fakestash._conformance.sequence import LONG_TTL_S, VALUES, Family, Seq

FIELDS = sampled(["f1", "f2", "f3"])
FIELD_LISTS = lists(FIELDS, 1, 3)
AT_S = one_of(lambda d: str(d.integer(4_102_444_800, 4_102_444_900)), lambda d: "1")
CONDITIONS = sampled([[], ["NX"], ["XX"], ["GT"], ["LT"], ["nx"], ["NX", "XX"]])


def _fields(fields: list[str], count: int | None = None) -> list[str]:
    return ["FIELDS", str(len(fields) if count is None else count), *fields]


def _pairs(d: Draw, most: int) -> list[str]:
    return [x for _ in range(d.integer(1, most)) for x in (FIELDS(d), VALUES(d))]


def hset(s: Seq) -> None:
    s.c("HSET", s.key(), *_pairs(s.d, 3))


def hexpire(s: Seq) -> None:
    key, seconds, fields = s.key(), LONG_TTL_S(s.d), FIELD_LISTS(s.d)
    cond, unit = CONDITIONS(s.d), s.d.choice(["HEXPIRE", "HPEXPIRE"])
    amount = seconds if unit == "HEXPIRE" else seconds * 1000
    s.c(unit, key, amount, *cond, *_fields(fields))


def hexpireat(s: Seq) -> None:
    key, at, fields, cond, ms = s.key(), AT_S(s.d), FIELD_LISTS(s.d), CONDITIONS(s.d), s.d.boolean()
    when = f"{at}123" if ms else at
    s.c("HPEXPIREAT" if ms else "HEXPIREAT", key, when, *cond, *_fields(fields))


def hexpire_bad_counts(s: Seq) -> None:
    key, fields, count = s.key(), FIELD_LISTS(s.d), s.d.choice([None, 0, 5, -1])
    s.c("HEXPIRE", key, "100", *_fields(fields, count))


def field_times(s: Seq) -> None:
    key, fields = s.key(), FIELD_LISTS(s.d)
    s.c(s.d.choice(["HEXPIRETIME", "HPEXPIRETIME", "HPERSIST"]), key, *_fields(fields))


def field_ttls(s: Seq) -> None:
    key, fields = s.key(), FIELD_LISTS(s.d)
    s.c(s.d.choice(["HTTL", "HPTTL"]), key, *_fields(fields))


def hgetex(s: Seq) -> None:
    key, fields = s.key(), FIELD_LISTS(s.d)
    option = s.d.choice([[], ["PERSIST"], ["EX", "500"], ["PXAT", "4102444800999"],
                         ["EXAT", "4102444801"], ["EX", "0"], ["PX", "x"]])  # fmt: skip
    s.c("HGETEX", key, *option, *_fields(fields))


def hsetex(s: Seq) -> None:
    key, flat = s.key(), _pairs(s.d, 2)
    cond = s.d.choice([[], ["FNX"], ["FXX"]])
    option = s.d.choice([[], ["KEEPTTL"], ["EX", "300"], ["EXAT", "4102444802"], ["PX", "0"]])
    s.c("HSETEX", key, *cond, *option, "FIELDS", str(len(flat) // 2), *flat)


def hgetdel(s: Seq) -> None:
    key, fields = s.key(), FIELD_LISTS(s.d)
    s.c("HGETDEL", key, *_fields(fields))


def hincrby_keeps_ttl(s: Seq) -> None:
    s.c("HINCRBY", s.key(), FIELDS(s.d), s.d.choice(["1", "-2", "x"]))


def whole(s: Seq) -> None:
    s.c(s.d.choice(["HGETALL", "HLEN", "HKEYS"]), s.key())


def hscan(s: Seq) -> None:
    key, novalues = s.key(), s.d.boolean()
    s.scan("HSCAN", key, *(["NOVALUES"] if novalues else []), pairs=not novalues)


FAMILY = Family(
    "hash-ttl",
    "hash field TTLs, HGETEX, HSETEX, HGETDEL (Redis 8.0 and later)",
    (hset, hexpire, hexpireat, hexpire_bad_counts, field_times, field_ttls, hgetex, hsetex,
     hgetdel, hincrby_keeps_ttl, whole, hscan),
    since="8.0",
)  # fmt: skip
