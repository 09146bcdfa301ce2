"""Where the sequences' choices come from: a seeded ``random.Random``, or anything else that
draws the same primitives (the repository's tests draw them from hypothesis, to shrink).

A family's rules never touch a random generator directly: they ask a ``Draw`` for an
integer, a choice, a boolean, a double, bytes or text, and build everything else from those
with the small combinators below (``sampled``, ``one_of``, ``lists``, ``options``...). The same
seed therefore gives the same commands in any process, and a hypothesis ``Draw`` gets
hypothesis' shrinking for free.
"""

from __future__ import annotations

import math
import random
import struct
from typing import Callable, Protocol, Sequence, TypeVar

T = TypeVar("T")


class Draw(Protocol):
    """The primitive choices a sequence is made of."""

    def integer(self, lo: int, hi: int) -> int:
        """An integer in ``[lo, hi]``."""

    def choice(self, options: Sequence[T]) -> T:
        """One of ``options`` (not empty)."""

    def boolean(self) -> bool:
        """True or False."""

    def double(self, lo: float | None = None, hi: float | None = None) -> float:
        """A finite double, within ``[lo, hi]`` when given."""

    def binary(self, max_size: int, min_size: int = 0) -> bytes:
        """Bytes, any values."""

    def text(self, alphabet: str, max_size: int) -> str:
        """Text over ``alphabet``."""


#: Doubles worth hitting more often than a uniform draw would.
_EDGE_DOUBLES = (
    0.0, -0.0, 1.0, -1.0, 0.5, 1.5, 0.1, 1.1, 2.5, -2.25, 1e-7, 1e-300, 5e-324, 1e300,
    1.7976931348623157e308, -1.7976931348623157e308, 2.0**53, 2.0**53 + 2, 2.0**63, 1e21,
    123456789.125, 3.141592653589793,
)  # fmt: skip


class RandomDraw:
    """A ``Draw`` on ``random.Random``: the same seed, the same choices, in any process."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def integer(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def choice(self, options: Sequence[T]) -> T:
        return options[self.rng.randrange(len(options))]

    def boolean(self) -> bool:
        return self.rng.random() < 0.5

    def double(self, lo: float | None = None, hi: float | None = None) -> float:
        for _ in range(100):
            value = self._any_double()
            if (lo is None or value >= lo) and (hi is None or value <= hi):
                return value
        low = -1e6 if lo is None else lo
        return self.rng.uniform(low, low + 1e6 if hi is None else hi)

    def _any_double(self) -> float:
        roll = self.rng.random()
        if roll < 0.3:
            return self.choice(_EDGE_DOUBLES)
        if roll < 0.5:
            return float(self.rng.randint(-1000, 1000))
        if roll < 0.8:
            return self.rng.uniform(-1e6, 1e6)
        value: float = struct.unpack("<d", self.rng.getrandbits(64).to_bytes(8, "little"))[0]
        return value if math.isfinite(value) else 0.0

    def binary(self, max_size: int, min_size: int = 0) -> bytes:
        size = self.rng.randint(min_size, max_size)
        pool = b"abcxyz019 \x00\x7f\x80\xc3\xbf\xff\xe2\x82\xac"
        return bytes(self.choice(pool) if self.boolean() else self.rng.randrange(256)
                     for _ in range(size))  # fmt: skip

    def text(self, alphabet: str, max_size: int) -> str:
        return "".join(self.choice(alphabet) for _ in range(self.rng.randint(0, max_size)))


def seeded(seed: int, family: str, sequence: int) -> RandomDraw:
    """The draw of one sequence: a function of the run's seed, the family and the number
    only, so ``--seed S --family F --sequence N`` replays it alone."""
    return RandomDraw(random.Random(f"fakestash-conformance:{seed}:{family}:{sequence}"))


# ---- combinators: a ``Gen[T]`` is any function of a Draw --------------------------------------

Gen = Callable[[Draw], T]


def sampled(options: Sequence[T]) -> Gen[T]:
    """One of a fixed list."""
    fixed = tuple(options)
    return lambda d: d.choice(fixed)


def just(value: T) -> Gen[T]:
    return lambda d: value


def one_of(*gens: Gen[T]) -> Gen[T]:
    """One of several generators, picked first."""
    return lambda d: d.choice(gens)(d)


def lists(gen: Gen[T], min_size: int = 0, max_size: int = 4) -> Gen[list[T]]:
    return lambda d: [gen(d) for _ in range(d.integer(min_size, max_size))]


def maybe(gen: Gen[T]) -> Gen[T | None]:
    """None, or a value."""
    return lambda d: gen(d) if d.boolean() else None


def ints(lo: int, hi: int) -> Gen[str]:
    """An integer in ``[lo, hi]``, as its decimal text."""
    return lambda d: str(d.integer(lo, hi))


def doubles(lo: float | None = None, hi: float | None = None) -> Gen[str]:
    """A finite double as Python prints it (``repr``: the shortest text that reads back)."""
    return lambda d: repr(d.double(lo, hi))


def texts(alphabet: str, max_size: int) -> Gen[str]:
    return lambda d: d.text(alphabet, max_size)


def binaries(max_size: int, min_size: int = 0) -> Gen[bytes]:
    return lambda d: d.binary(max_size, min_size)


def options(*groups: list[str]) -> Gen[list[str]]:
    """Up to three option groups, in the order drawn (valid and invalid mixes alike)."""
    chosen = lists(sampled(groups), 0, 3)
    return lambda d: [word for group in chosen(d) for word in group]
