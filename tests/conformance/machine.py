"""Shared pieces of the differential state machines: the base class, strategies, skips."""

from __future__ import annotations

from typing import Any, Callable

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule, run_state_machine_as_test

from fakestash.engine.registry import Registry
from tests.conformance.harness import Differential
from tests.conformance.profiles import machine_settings

TABLE = Registry.default()  # the commands the fake serves

KEYS = st.sampled_from(["k1", "k2", "k3"])
#: Numbers as text, chosen for the parsing edges (sign, spaces, overflow, floats).
NUMBERS = st.sampled_from(
    [
        "0", "1", "-1", "7", "10", "+3", "-0", "007", " 1", "1 ", "3.5", "-2.25", "1e3", "0x10",
        "abc", "", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
        "inf", "-inf", "nan", "1e308", "2.5e-3",
    ]
)  # fmt: skip
SMALL_INTS = st.integers(min_value=-6, max_value=6).map(str)
TEXT = st.text(alphabet="abcxyz", max_size=4)
VALUES = st.one_of(TEXT, NUMBERS, st.integers(-1000, 1000).map(str))
LONG_TTL_S = st.integers(min_value=100, max_value=100_000)


def require(*commands: str) -> pytest.MarkDecorator:
    """Skip a family's machine, naming what is missing, until its commands are registered."""
    missing = [name for name in commands if name not in TABLE]
    return pytest.mark.skipif(
        bool(missing),
        reason=f"not registered in the command table yet: {', '.join(missing)}",
    )


def registered(*commands: str) -> bool:
    return all(name in TABLE for name in commands)


def run_machine(machine: Callable[[Differential], DifferentialMachine], diff: Differential) -> None:
    """Run a machine with the ``ci``/``deep`` profile on a prepared differential pair."""
    run_state_machine_as_test(lambda: machine(diff), settings=machine_settings())


class DifferentialMachine(RuleBasedStateMachine):
    """Each instance starts from two empty databases; every rule sends commands to both."""

    def __init__(self, diff: Differential) -> None:
        super().__init__()
        self.d = diff
        diff.reset()

    def c(self, *args: Any) -> Any:
        return self.d.check(*args)

    # Every machine can put a value of another type in the way (WRONGTYPE paths).
    @rule(key=KEYS, value=VALUES)
    def put_a_string(self, key: str, value: str) -> None:
        self.c("SET", key, value)

    @rule(key=KEYS)
    def delete(self, key: str) -> None:
        self.c("DEL", key)

    @rule(key=KEYS)
    def type_of(self, key: str) -> None:
        self.c("TYPE", key)


def options(*choices: list[str]) -> st.SearchStrategy[list[str]]:
    """A random selection of option groups, in random order (valid and invalid mixes)."""
    return st.lists(st.sampled_from(choices), max_size=3).map(
        lambda groups: [word for group in groups for word in group]
    )
