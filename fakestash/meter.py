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
from types import TracebackType
from typing import Iterable, Sequence

#: Commands Upstash does not charge for (docs: "Operational commands like AUTH, INFO, PING,
#: QUIT, COMMAND are not charged").
UNBILLED = frozenset({b"auth", b"info", b"ping", b"quit", b"command"})

#: How many commands the meter keeps for ``seen`` and budget failure messages...
LOG_SIZE = 10_000
#: ...and how many bytes of their arguments, at most (the oldest fall off first).
LOG_BYTES = 1024 * 1024
#: Each command is kept as Redis' SLOWLOG keeps one (``slowlogCreateEntry``): at most 32
#: arguments, the last saying "... (N more arguments)", each cut to 128 bytes followed by
#: "... (N more bytes)". A log of 1 MiB-values then costs bytes, not megabytes, per entry.
MAX_ARGS = 32
MAX_ARG_BYTES = 128
#: Bytes an entry counts for besides its arguments (roughly: the tuple and its objects).
ENTRY_OVERHEAD = 64


def abbreviated(argv: Sequence[bytes]) -> tuple[bytes, ...]:
    """The argv as the log keeps it: SLOWLOG's abbreviation of long commands."""
    if len(argv) <= MAX_ARGS and max(map(len, argv), default=0) <= MAX_ARG_BYTES:
        return tuple(argv)
    kept = list(argv[:MAX_ARGS])
    if len(argv) > MAX_ARGS:
        kept[-1] = b"... (%d more arguments)" % (len(argv) - MAX_ARGS + 1)
    return tuple(
        arg[:MAX_ARG_BYTES] + b"... (%d more bytes)" % (len(arg) - MAX_ARG_BYTES)
        if len(arg) > MAX_ARG_BYTES
        else arg
        for arg in kept
    )


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
    what SSE streams sent so far. The commands themselves are kept abbreviated and bounded
    (``LOG_SIZE`` commands, ``LOG_BYTES`` bytes), never the values a test sent.
    """

    def __init__(self) -> None:
        self.requests = 0
        self.commands = 0
        self.bytes_in = 0
        self.bytes_out = 0
        self._log: deque[tuple[int, tuple[bytes, ...], int]] = deque()  # (seq, argv, bytes)
        self._log_bytes = 0
        self._seq = 0
        self._lock = threading.Lock()

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

    def _remember(self, argvs: Sequence[Sequence[bytes]]) -> None:
        # (sequence number, abbreviated argv, its size); the oldest fall off past a bound.
        log = self._log
        for argv in argvs:
            self._seq += 1
            entry = abbreviated(argv)
            size = sum(map(len, entry)) + ENTRY_OVERHEAD
            log.append((self._seq, entry, size))
            self._log_bytes += size
        while len(log) > LOG_SIZE or self._log_bytes > LOG_BYTES:
            self._log_bytes -= log.popleft()[2]

    # ---- reading ---------------------------------------------------------------------------

    def snapshot(self) -> Usage:
        with self._lock:
            return Usage(self.requests, self.commands, self.bytes_in, self.bytes_out)

    @property
    def seen(self) -> list[list[str]]:
        """The billed commands since the last reset, as text: the last ``LOG_SIZE`` (fewer
        if their arguments pass ``LOG_BYTES``), long ones abbreviated as SLOWLOG does."""
        with self._lock:
            return [_text(argv) for _, argv, _ in self._log]

    def _seen_since(self, seq: int) -> list[Sequence[bytes]]:
        with self._lock:
            return [argv for number, argv, _ in self._log if number > seq]

    def reset(self) -> None:
        with self._lock:
            self.requests = self.commands = self.bytes_in = self.bytes_out = 0
            self._log.clear()
            self._log_bytes = 0

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
            [argv for _, argv, _ in self._log_copy()],
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

    def _log_copy(self) -> list[tuple[int, tuple[bytes, ...], int]]:
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
