"""Command sequences: a family's rules, and one sequence of them run on both sides.

A ``Family`` is a list of rules; a rule is a function of a ``Seq`` that draws what it needs
(``seq.d``: a ``Draw``) and sends one or a few commands through ``seq.c(...)`` (or a batch,
or a full SCAN iteration). Every key comes from ``seq.key()`` (the family's small pool of
names, under the sequence's prefix), so commands meet each other's keys, types and TTLs;
patterns, channels, scripts and functions are named through the sequence too (``scope.py``).

``run_sequence`` draws ``steps`` rules and runs them; the first difference raises
``Mismatch`` (``differential.py``). Rules are also given every family's shared ones (a
string in the way, DEL, TYPE), as the differential state machines always had.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

from fakestash._conformance.differential import Differential
from fakestash._conformance.draw import Draw, Gen, ints, one_of, sampled, texts
from fakestash._conformance.scope import Scope
from fakestash._engine.replies import Reply

Rule = Callable[["Seq"], None]

#: Numbers as text, chosen for the parsing edges (sign, spaces, overflow, floats).
NUMBERS = sampled(
    ["0", "1", "-1", "7", "10", "+3", "-0", "007", " 1", "1 ", "3.5", "-2.25", "1e3", "0x10",
     "abc", "", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
     "inf", "-inf", "nan", "1e308", "2.5e-3"]
)  # fmt: skip
SMALL_INTS = ints(-6, 6)
TEXT = texts("abcxyz", 4)
VALUES: Gen[str] = one_of(TEXT, NUMBERS, ints(-1000, 1000))
LONG_TTL_S: Gen[int] = lambda d: d.integer(100, 100_000)  # noqa: E731


@dataclass(frozen=True)
class Family:
    """A group of commands checked together, with the rules that make its sequences."""

    name: str
    summary: str
    rules: tuple[Rule, ...]
    #: The family's key names (under each sequence's prefix).
    keys: tuple[str, ...] = ("k1", "k2", "k3")
    #: The Redis release the family needs on a Redis endpoint (``None``: any).
    since: str | None = None
    #: Why the family is not run against an endpoint of this kind ("redis", "upstash").
    not_against: tuple[tuple[str, str], ...] = ()

    def all_rules(self) -> tuple[Rule, ...]:
        return (*self.rules, *SHARED_RULES)


class Seq:
    """One sequence in progress: its draw, its names and the pair it runs on."""

    def __init__(self, diff: Differential, draw: Draw, scope: Scope, family: Family) -> None:
        self.diff = diff
        self.d = draw
        self.scope = scope
        self.family = family

    # ---- names ---------------------------------------------------------------------

    def key(self) -> str:
        """One of the family's keys (drawn)."""
        return self.scope.key(self.d.choice(self.family.keys))

    def keys(self, min_size: int = 0, max_size: int = 4) -> list[str]:
        return [self.key() for _ in range(self.d.integer(min_size, max_size))]

    def named(self, name: str) -> str:
        """A key of that name (under the sequence's prefix)."""
        return self.scope.key(name)

    def pattern(self, pattern: str) -> str:
        return self.scope.pattern(pattern)

    def channel(self, name: str) -> str:
        return self.scope.channel(name)

    def script(self, body: str) -> str:
        return self.scope.script(body)

    def function(self, name: str) -> str:
        return self.scope.function(name)

    def library(self, name: str) -> str:
        return self.scope.library(name)

    # ---- sending -------------------------------------------------------------------

    def c(self, *args: Any) -> Reply:
        """Send a command to both sides and compare; the fake's reply (None: not sent)."""
        return self.diff.check(*args)

    def batch(self, kind: str, rows: Sequence[Sequence[Any]]) -> list[Reply]:
        return self.diff.check_batch(kind, rows)

    def scan(self, *args: Any, pairs: bool = False) -> Reply:
        return self.diff.check_scan(*args, pairs=pairs)

    def now(self) -> float:
        return self.diff.now()


def run_sequence(family: Family, seq: Seq, steps: int, vary: bool = False) -> int:
    """Draw and run ``steps`` rules (``vary``: a drawn number up to ``steps``, so a
    shrinking draw can shorten the sequence). Returns the number of rules run."""
    rules = family.all_rules()
    count = seq.d.integer(1, steps) if vary else steps
    for _ in range(count):
        seq.d.choice(rules)(seq)
    return count


# ---- rules every family has: something of another type in the way -----------------------


def _put_a_string(s: Seq) -> None:
    s.c("SET", s.key(), VALUES(s.d))


def _delete(s: Seq) -> None:
    s.c("DEL", s.key())


def _type_of(s: Seq) -> None:
    s.c("TYPE", s.key())


SHARED_RULES: tuple[Rule, ...] = (_put_a_string, _delete, _type_of)
