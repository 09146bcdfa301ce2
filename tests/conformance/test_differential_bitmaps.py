"""Differential: bitmap commands against a real Redis.

Range shapes on which Redis 7.0 and 7.2+ disagree (7.0 answered BITCOUNT/BITPOS on a missing
key before parsing the range, 7.2+ parse first) and BITOP DIFF/DIFF1/ANDOR/ONE (Redis 8.2)
are sent too: they are compared on the Redis 8.2 oracle and skipped on 7.0
(``bit-range-parsed-first``, ``bitop-diff-andor-one`` in ``fakestash.deviations``).
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import rule

from tests.conformance.harness import Differential
from tests.conformance.machine import KEYS, DifferentialMachine, require, run_machine

OFFSETS = st.one_of(
    st.integers(0, 70).map(str),
    st.sampled_from(["-1", "x", "4294967296", "4294967295x"]),
)
RANGE = st.integers(-20, 20).map(str)
#: Range words 7.0 and 8.x answer differently on a missing key: a start and no end, words
#: that are not integers, a bad unit, one word too many.
ODD_RANGES = st.sampled_from(
    [["1"], ["x", "2"], ["0", "y"], ["0", "-1", "BITS"], ["0", "-1", "BIT", "x"], ["+1", "2"]]
)
WIDTHS = st.sampled_from(["i1", "u1", "i5", "u8", "i8", "i16", "u31", "i64", "u63"])
BAD_WIDTHS = st.sampled_from(["u64", "i65", "i0", "I8", "x"])
FIELD_OFFSETS = st.one_of(
    st.integers(0, 60).map(str), st.integers(0, 4).map(lambda n: f"#{n}"), st.just("-1")
)
NUMBERS = st.one_of(
    st.integers(-300, 300),
    st.integers(-(2**63), 2**63 - 1),
    st.sampled_from([2**63 - 1, -(2**63)]),
).map(str)
BYTES = st.binary(max_size=6)


@st.composite
def field_ops(draw: st.DrawFn) -> list[str]:
    words: list[str] = []
    for _ in range(draw(st.integers(0, 4))):
        sub = draw(st.sampled_from(["GET", "SET", "INCRBY", "OVERFLOW", "incrby"]))
        if sub == "OVERFLOW":
            words += [sub, draw(st.sampled_from(["WRAP", "SAT", "FAIL", "fail"]))]
            continue
        width = draw(st.one_of(WIDTHS, WIDTHS, WIDTHS, BAD_WIDTHS))
        words += [sub, width, draw(FIELD_OFFSETS)]
        if sub != "GET":
            words.append(draw(NUMBERS))
    return words


class BitmapsMachine(DifferentialMachine):
    @rule(key=KEYS, value=BYTES)
    def set_bytes(self, key: str, value: bytes) -> None:
        self.c("SET", key, value)

    @rule(key=KEYS, offset=OFFSETS, bit=st.sampled_from(["0", "1", "1", "2", "x"]))
    def setbit(self, key: str, offset: str, bit: str) -> None:
        self.c("SETBIT", key, offset, bit)

    @rule(key=KEYS, offset=OFFSETS)
    def getbit(self, key: str, offset: str) -> None:
        self.c("GETBIT", key, offset)

    @rule(key=KEYS, bounds=st.one_of(st.just([]), st.lists(RANGE, min_size=2, max_size=2)),
          unit=st.sampled_from([[], ["BIT"], ["byte"]]))  # fmt: skip
    def bitcount(self, key: str, bounds: list[str], unit: list[str]) -> None:
        self.c("BITCOUNT", key, *bounds, *(unit if bounds else []))

    @rule(key=st.one_of(KEYS, st.just("nokey")), words=ODD_RANGES, pos=st.booleans())
    def odd_ranges(self, key: str, words: list[str], pos: bool) -> None:
        if pos:
            self.c("BITPOS", key, "1", *words)
        else:
            self.c("BITCOUNT", key, *words)

    @rule(op=st.sampled_from(["DIFF", "diff1", "ANDOR", "ONE"]), dest=KEYS,
          sources=st.lists(st.one_of(KEYS, st.just("nokey")), min_size=1, max_size=3))  # fmt: skip
    def bitop_82(self, op: str, dest: str, sources: list[str]) -> None:
        self.c("BITOP", op, dest, *sources)

    @rule(key=KEYS, bit=st.sampled_from(["0", "1"]), bounds=st.lists(RANGE, max_size=2),
          bit_unit=st.booleans())  # fmt: skip
    def bitpos(self, key: str, bit: str, bounds: list[str], bit_unit: bool) -> None:
        unit = ["BIT"] if bit_unit and len(bounds) == 2 else []
        self.c("BITPOS", key, bit, *bounds, *unit)

    @rule(op=st.sampled_from(["AND", "or", "XOR", "NOT"]), dest=KEYS,
          sources=st.lists(st.one_of(KEYS, st.just("nokey")), min_size=1, max_size=3))  # fmt: skip
    def bitop(self, op: str, dest: str, sources: list[str]) -> None:
        self.c("BITOP", op, dest, *sources)

    @rule(key=KEYS, ops=field_ops(), readonly=st.booleans())
    def bitfield(self, key: str, ops: list[str], readonly: bool) -> None:
        self.c("BITFIELD_RO" if readonly else "BITFIELD", key, *ops)

    @rule(key=KEYS)
    def get(self, key: str) -> None:
        self.c("GET", key)

    @rule(key=KEYS)
    def make_a_list(self, key: str) -> None:
        self.c("RPUSH", key, "x")


@require("setbit", "getbit", "bitcount", "bitpos", "bitop", "bitfield", "bitfield_ro")
def test_bitmaps_match_redis(differential: Differential) -> None:
    run_machine(BitmapsMachine, differential)
