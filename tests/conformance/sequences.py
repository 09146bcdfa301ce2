"""The shipped command families (``fakestash._conformance.families``) driven by hypothesis:
the same rules and sequences ``fakestash conformance`` runs with a seeded generator, drawn
here from hypothesis so a difference shrinks to a short sequence."""

from __future__ import annotations

from typing import Sequence, TypeVar

from hypothesis import given
from hypothesis import strategies as st

from fakestash._conformance.families import FAMILIES
from fakestash._conformance.runner import Session, sequence_pair
from fakestash._conformance.sequence import run_sequence
from tests.conformance.profiles import machine_settings

T = TypeVar("T")


class HypothesisDraw:
    """A ``fakestash._conformance.draw.Draw`` whose choices hypothesis makes (and shrinks)."""

    def __init__(self, data: st.DataObject) -> None:
        self.data = data

    def integer(self, lo: int, hi: int) -> int:
        return self.data.draw(st.integers(lo, hi))

    def choice(self, options: Sequence[T]) -> T:
        return self.data.draw(st.sampled_from(options))

    def boolean(self) -> bool:
        return self.data.draw(st.booleans())

    def double(self, lo: float | None = None, hi: float | None = None) -> float:
        floats = st.floats(lo, hi, allow_nan=False, allow_infinity=False, width=64)
        return self.data.draw(floats)

    def binary(self, max_size: int, min_size: int = 0) -> bytes:
        return self.data.draw(st.binary(min_size=min_size, max_size=max_size))

    def text(self, alphabet: str, max_size: int) -> str:
        return self.data.draw(st.text(alphabet=alphabet, max_size=max_size))


def check_family(name: str, session: Session) -> None:
    """Run the ``ci``/``deep`` profile's number of sequences of a family; the first
    difference fails with the command, both replies and the commands before it."""
    family, settings = FAMILIES[name], machine_settings()
    numbers = iter(range(10**9))

    @settings
    @given(data=st.data())
    def sequences(data: st.DataObject) -> None:
        with sequence_pair(session, family, next(numbers), HypothesisDraw(data)) as seq:
            run_sequence(family, seq, settings.stateful_step_count, vary=True)

    sequences()
