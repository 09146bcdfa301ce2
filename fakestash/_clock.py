"""Clocks: where the engine reads the time, so tests control expiry without sleeping."""

from __future__ import annotations

import time
from typing import Any, NoReturn, Protocol, runtime_checkable

#: The clocks a name can ask for (``FakeStash(clock="manual")``, the marker, the ini file).
CLOCK_NAMES = ("system", "manual")
#: Where a ``ManualClock`` starts when not told: 2023-11-14 22:13:20 UTC.
MANUAL_START = 1_700_000_000.0

_MANUAL_ADVICE = (
    'For a clock a test moves by hand, use FakeStash(clock="manual") or '
    '@pytest.mark.fakestash(clock="manual") (or fakestash_clock = manual in the ini '
    "file), then fakestash.clock.advance(seconds=...); to move the system clock, use "
    "freezegun or time-machine."
)


@runtime_checkable
class Clock(Protocol):
    """Anything with ``time_ms()``: milliseconds since the Unix epoch.

    ``FakeStash(clock=...)`` takes any such object, so a test can drive the fake from its
    own time source. A ``time_us()`` method, when present, gives ``TIME`` and MONITOR
    their microseconds.
    """

    def time_ms(self) -> int: ...


class SystemClock:
    """Reads ``time.time()`` through the ``time`` module at every call.

    Looking the function up on the module each time (rather than binding it once) is what
    lets freezegun and time-machine move this clock. It is the default clock.
    """

    def time_ms(self) -> int:
        """``time.time()`` in whole milliseconds."""
        return int(time.time() * 1000)

    def time_us(self) -> int:
        """``time.time()`` in whole microseconds."""
        return int(time.time() * 1_000_000)

    def advance(self, seconds: float = 0.0, *, ms: float = 0.0) -> NoReturn:
        """A SystemClock cannot be moved: this says what to use instead."""
        raise TypeError(
            f"a SystemClock follows the real time and cannot be advanced. {_MANUAL_ADVICE}"
        )

    def set(self, seconds: float) -> NoReturn:
        """A SystemClock cannot be set: this says what to use instead."""
        raise TypeError(f"a SystemClock follows the real time and cannot be set. {_MANUAL_ADVICE}")

    def __repr__(self) -> str:
        return "SystemClock()"


class ManualClock:
    """A clock that stands still until a test moves it.

    It starts at ``start`` seconds since the epoch, by default 1,700,000,000
    (2023-11-14 22:13:20 UTC), whatever the real time is.

    >>> clock = ManualClock(1_700_000_000)
    >>> clock.advance(seconds=30)
    >>> clock.time()
    1700000030.0

    Time is kept in whole microseconds, so advancing by ``ms=1`` a thousand times lands
    exactly one second later. Pass the same clock to code that must agree with the fake
    (a rate limiter reading ``time.time()``): see the time guide.

    Args:
        start: Seconds since the Unix epoch to start at.
    """

    def __init__(self, start: float = MANUAL_START) -> None:
        self._us = round(start * 1_000_000)

    def time_ms(self) -> int:
        """The current time in milliseconds since the epoch (what expiry reads)."""
        return self._us // 1000

    def time_us(self) -> int:
        """The current time in microseconds since the epoch."""
        return self._us

    def time(self) -> float:
        """The current time in seconds, like ``time.time()``."""
        return self._us / 1_000_000

    def set(self, seconds: float) -> None:
        """Jump to ``seconds`` since the epoch, forward or back."""
        self._us = round(seconds * 1_000_000)

    def advance(self, seconds: float = 0.0, *, ms: float = 0.0) -> None:
        """Move forward by ``seconds`` plus ``ms`` milliseconds.

        A key is still there at its deadline and gone one millisecond later, as in Redis.

        Raises:
            ValueError: A negative amount (use ``set()`` to go back).
        """
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


def make_clock(value: Any) -> Clock:
    """The clock ``value`` asks for: None or ``"system"`` (a ``SystemClock``), ``"manual"``
    (a new ``ManualClock``), names in any case; or a clock object, used as it is.

    Anything else is refused here, with the choices, rather than failing at the first
    command."""
    if value is None:
        return SystemClock()
    if isinstance(value, str):
        name = value.strip().lower()
        if name == "system":
            return SystemClock()
        if name == "manual":
            return ManualClock()
        _refuse(value)
    if callable(getattr(value, "time_ms", None)):
        return value  # type: ignore[no-any-return]
    _refuse(value)


def _refuse(value: Any) -> NoReturn:
    choices = (
        '"system", "manual", or a clock object with time_ms() (ManualClock(start), SystemClock())'
    )
    hint = ""
    if isinstance(value, str):
        import difflib  # only for this message

        close = difflib.get_close_matches(value.strip().lower(), CLOCK_NAMES, n=1)
        hint = f' (did you mean "{close[0]}"?)' if close else ""
    raise ValueError(f"clock must be {choices}; got {value!r}{hint}")
