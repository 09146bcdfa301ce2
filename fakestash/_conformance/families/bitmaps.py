"""Bitmaps: SETBIT/GETBIT, BITCOUNT and BITPOS ranges (with the shapes Redis 7.0 answered
before parsing), BITOP (DIFF/DIFF1/ANDOR/ONE: Redis 8.2), BITFIELD and BITFIELD_RO."""

from __future__ import annotations

from fakestash._conformance.draw import Draw, binaries, ints, lists, one_of, sampled
from fakestash._conformance.sequence import Family, Seq

OFFSETS = one_of(ints(0, 70), sampled(["-1", "x", "4294967296", "4294967295x"]))
RANGE = ints(-20, 20)
#: Range words 7.0 and 8.x answer differently on a missing key: a start and no end, words
#: that are not integers, a bad unit, one word too many.
ODD_RANGES = sampled(
    [["1"], ["x", "2"], ["0", "y"], ["0", "-1", "BITS"], ["0", "-1", "BIT", "x"], ["+1", "2"]]
)
WIDTHS = sampled(["i1", "u1", "i5", "u8", "i8", "i16", "u31", "i64", "u63"])
BAD_WIDTHS = sampled(["u64", "i65", "i0", "I8", "x"])
FIELD_OFFSETS = one_of(ints(0, 60), lambda d: f"#{d.integer(0, 4)}", lambda d: "-1")
NUMBERS = one_of(ints(-300, 300), ints(-(2**63), 2**63 - 1),
                 sampled([str(2**63 - 1), str(-(2**63))]))  # fmt: skip
BYTES = binaries(6)
SOURCES = lists(sampled(["key", "nokey"]), 1, 3)


def field_ops(d: Draw) -> list[str]:
    words: list[str] = []
    for _ in range(d.integer(0, 4)):
        sub = d.choice(["GET", "SET", "INCRBY", "OVERFLOW", "incrby"])
        if sub == "OVERFLOW":
            words += [sub, d.choice(["WRAP", "SAT", "FAIL", "fail"])]
            continue
        width = one_of(WIDTHS, WIDTHS, WIDTHS, BAD_WIDTHS)(d)
        words += [sub, width, FIELD_OFFSETS(d)]
        if sub != "GET":
            words.append(NUMBERS(d))
    return words


def _sources(s: Seq) -> list[str]:
    return [s.key() if pick == "key" else s.named("nokey") for pick in SOURCES(s.d)]


def set_bytes(s: Seq) -> None:
    s.c("SET", s.key(), BYTES(s.d))


def setbit(s: Seq) -> None:
    s.c("SETBIT", s.key(), OFFSETS(s.d), s.d.choice(["0", "1", "1", "2", "x"]))


def getbit(s: Seq) -> None:
    s.c("GETBIT", s.key(), OFFSETS(s.d))


def bitcount(s: Seq) -> None:
    key = s.key()
    bounds = [RANGE(s.d), RANGE(s.d)] if s.d.boolean() else []
    unit = s.d.choice([[], ["BIT"], ["byte"]])
    s.c("BITCOUNT", key, *bounds, *(unit if bounds else []))


def odd_ranges(s: Seq) -> None:
    key = s.key() if s.d.boolean() else s.named("nokey")
    words = ODD_RANGES(s.d)
    if s.d.boolean():
        s.c("BITPOS", key, "1", *words)
    else:
        s.c("BITCOUNT", key, *words)


def bitop_82(s: Seq) -> None:
    op = s.d.choice(["DIFF", "diff1", "ANDOR", "ONE"])
    s.c("BITOP", op, s.key(), *_sources(s))


def bitpos(s: Seq) -> None:
    key, bit = s.key(), s.d.choice(["0", "1"])
    bounds = lists(RANGE, 0, 2)(s.d)
    unit = ["BIT"] if s.d.boolean() and len(bounds) == 2 else []
    s.c("BITPOS", key, bit, *bounds, *unit)


def bitop(s: Seq) -> None:
    op = s.d.choice(["AND", "or", "XOR", "NOT"])
    s.c("BITOP", op, s.key(), *_sources(s))


def bitfield(s: Seq) -> None:
    key, ops = s.key(), field_ops(s.d)
    s.c("BITFIELD_RO" if s.d.boolean() else "BITFIELD", key, *ops)


def get(s: Seq) -> None:
    s.c("GET", s.key())


def make_a_list(s: Seq) -> None:
    s.c("RPUSH", s.key(), "x")


FAMILY = Family(
    "bitmaps",
    "bitmap commands, BITFIELD and BITFIELD_RO",
    (set_bytes, setbit, getbit, bitcount, odd_ranges, bitop_82, bitpos, bitop, bitfield, get,
     make_a_list),
)  # fmt: skip
