"""Per-database usage meter: requests, commands and bytes, as Upstash bills them.

Upstash bills every command, including each command of a pipeline or transaction, and
not "operational" ones (AUTH, INFO, PING, QUIT, COMMAND). The REST face records each
request here; a test reads the counts, resets them, or asserts a budget::

    stash.meter.reset()
    handler()
    stash.meter.assert_at_most(commands=3)

    with stash.meter.budget(commands=3, requests=1):
        handler()
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from itertools import count
from types import TracebackType
from typing import Iterable, Sequence

#: Commands Upstash does not charge for (docs: "Operational commands like AUTH, INFO, PING,
#: QUIT, COMMAND are not charged").
UNBILLED = frozenset({b"auth", b"info", b"ping", b"quit", b"command"})

#: How many commands the meter keeps for budget failure messages.
LOG_SIZE = 10_000


def billable(argvs: Iterable[Sequence[bytes]]) -> list[Sequence[bytes]]:
    """The commands of a request Upstash charges for (empty rows are not commands)."""
    return [argv for argv in argvs if argv and argv[0].lower() not in UNBILLED]


@dataclass(frozen=True)
class Usage:
    """Counts at one moment; subtract two to get what happened in between."""

    requests: int = 0
    commands: int = 0
    bytes_in: int = 0
    bytes_out: int = 0

    def __sub__(self, other: Usage) -> Usage:
        return Usage(
            self.requests - other.requests,
            self.commands - other.commands,
            self.bytes_in - other.bytes_in,
            self.bytes_out - other.bytes_out,
        )


class BudgetExceeded(AssertionError):
    """A metered block cost more than its budget."""


class Meter:
    """Counts since creation (or the last ``reset()``); read them in a test.

    ``bytes_in`` is request bodies plus paths; ``bytes_out`` is response bodies, including
    what SSE streams sent so far.
    """

    def __init__(self) -> None:
        self.requests = 0
        self.commands = 0
        self.bytes_in = 0
        self.bytes_out = 0
        self._log: deque[tuple[int, Sequence[bytes]]] = deque(maxlen=LOG_SIZE)  # (seq, argv)
        self._seq = 0
        self._lock = threading.Lock()
        #: Faults injected with ``stash.faults`` (docs/faults.md), and what they were.
        self.faults = 0
        self._fault_log: deque[str] = deque(maxlen=LOG_SIZE)

    # ---- recording (the REST face calls these) -------------------------------------------

    def record_request(
        self,
        *,
        commands: int,
        bytes_in: int,
        bytes_out: int,
        argvs: Sequence[Sequence[bytes]] | None = None,
    ) -> None:
        """One HTTP request: its billed commands (and, for messages, which they were)."""
        with self._lock:
            self.requests += 1
            self.commands += commands
            self.bytes_in += bytes_in
            self.bytes_out += bytes_out
            self._remember(argvs or ())

    def record_commands(self, argvs: Sequence[Sequence[bytes]]) -> None:
        """Commands billed outside a request (the UNSUBSCRIBE when a stream closes)."""
        with self._lock:
            self.commands += len(argvs)
            self._remember(argvs)

    def record_bytes_out(self, count: int) -> None:
        """Bytes an open stream sent."""
        with self._lock:
            self.bytes_out += count

    def record_fault(self, description: str) -> None:
        """A fault injected into a request (not a billed command)."""
        with self._lock:
            self.faults += 1
            self._fault_log.append(description)

    @property
    def faulted(self) -> list[str]:
        """The injected faults since the last reset, described: ``connect error on / GET``."""
        with self._lock:
            return list(self._fault_log)

    def _remember(self, argvs: Sequence[Sequence[bytes]]) -> None:
        # (sequence number, argv) pairs into a bounded deque: the oldest fall off.
        self._log.extend(zip(count(self._seq + 1), argvs))
        self._seq += len(argvs)

    # ---- reading ---------------------------------------------------------------------------

    def snapshot(self) -> Usage:
        with self._lock:
            return Usage(self.requests, self.commands, self.bytes_in, self.bytes_out)

    @property
    def seen(self) -> list[list[str]]:
        """The billed commands since the last reset (the last ``LOG_SIZE``), as text."""
        with self._lock:
            return [_text(argv) for _, argv in self._log]

    def _seen_since(self, seq: int) -> list[Sequence[bytes]]:
        with self._lock:
            return [argv for number, argv in self._log if number > seq]

    def reset(self) -> None:
        with self._lock:
            self.requests = self.commands = self.bytes_in = self.bytes_out = 0
            self._log.clear()
            self.faults = 0
            self._fault_log.clear()

    # ---- budgets -----------------------------------------------------------------------

    def assert_at_most(
        self,
        commands: int | None = None,
        *,
        requests: int | None = None,
        bytes_in: int | None = None,
        bytes_out: int | None = None,
    ) -> None:
        """Fail (``BudgetExceeded``, an AssertionError) if the counts since the last reset
        exceed any given limit; the message lists the commands seen."""
        _check(
            self.snapshot(),
            Budget(commands, requests, bytes_in, bytes_out),
            [argv for _, argv in self._log_copy()],
        )

    def budget(
        self,
        commands: int | None = None,
        *,
        requests: int | None = None,
        bytes_in: int | None = None,
        bytes_out: int | None = None,
    ) -> BudgetBlock:
        """A context manager: what runs inside may cost at most this much."""
        return BudgetBlock(self, Budget(commands, requests, bytes_in, bytes_out))

    def _log_copy(self) -> list[tuple[int, Sequence[bytes]]]:
        with self._lock:
            return list(self._log)

    def _last_seq(self) -> int:
        with self._lock:
            return self._seq

    def __repr__(self) -> str:
        return (
            f"Meter(requests={self.requests}, commands={self.commands}, "
            f"bytes_in={self.bytes_in}, bytes_out={self.bytes_out})"
        )


@dataclass(frozen=True)
class Budget:
    commands: int | None = None
    requests: int | None = None
    bytes_in: int | None = None
    bytes_out: int | None = None


class BudgetBlock:
    """``with meter.budget(commands=3): ...``; ``usage`` holds what the block cost."""

    def __init__(self, meter: Meter, budget: Budget) -> None:
        self.meter = meter
        self.limit = budget
        self.usage = Usage()
        self._start = Usage()
        self._seq = 0

    def __enter__(self) -> BudgetBlock:
        self._start = self.meter.snapshot()
        self._seq = self.meter._last_seq()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.usage = self.meter.snapshot() - self._start
        if exc_type is None:
            _check(self.usage, self.limit, self.meter._seen_since(self._seq))


def _check(usage: Usage, budget: Budget, seen: list[Sequence[bytes]]) -> None:
    over = [
        f"{name} {getattr(usage, name)} > {limit}"
        for name in ("commands", "requests", "bytes_in", "bytes_out")
        if (limit := getattr(budget, name)) is not None and getattr(usage, name) > limit
    ]
    if not over:
        return
    lines = [f"over budget: {', '.join(over)}", f"commands seen ({len(seen)}):"]
    lines += [f"  {index}. {' '.join(_text(argv))}" for index, argv in enumerate(seen, 1)]
    raise BudgetExceeded("\n".join(lines))


def _text(argv: Sequence[bytes]) -> list[str]:
    return [arg.decode("utf-8", "replace") for arg in argv]
