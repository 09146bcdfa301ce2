"""Clocks: where the engine reads the time, so tests control expiry without sleeping."""

from __future__ import annotations

import time
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    """Anything with ``time_ms()``: milliseconds since the Unix epoch."""

    def time_ms(self) -> int: ...


class SystemClock:
    """Reads ``time.time()`` through the ``time`` module at every call.

    Looking the function up on the module each time (rather than binding it once) is what
    lets freezegun and time-machine move this clock.
    """

    def time_ms(self) -> int:
        return int(time.time() * 1000)

    def time_us(self) -> int:
        return int(time.time() * 1_000_000)

    def __repr__(self) -> str:
        return "SystemClock()"


class ManualClock:
    """A clock that stands still until a test moves it.

    >>> clock = ManualClock(1_700_000_000)
    >>> clock.advance(seconds=30)
    """

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._us = round(start * 1_000_000)

    def time_ms(self) -> int:
        return self._us // 1000

    def time_us(self) -> int:
        return self._us

    def time(self) -> float:
        """The current time in seconds, like ``time.time()``."""
        return self._us / 1_000_000

    def set(self, seconds: float) -> None:
        self._us = round(seconds * 1_000_000)

    def advance(self, seconds: float = 0.0, *, ms: float = 0.0) -> None:
        if seconds < 0 or ms < 0:
            raise ValueError("a ManualClock only moves forward; use set() to go back")
        self._us += round(seconds * 1_000_000 + ms * 1000)

    def __repr__(self) -> str:
        return f"ManualClock({self.time()!r})"


def time_us(clock: Clock) -> int:
    """Microseconds from any clock (for TIME and MONITOR timestamps)."""
    precise = getattr(clock, "time_us", None)
    if precise is not None:
        return int(precise())
    return clock.time_ms() * 1000
