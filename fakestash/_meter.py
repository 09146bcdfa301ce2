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
from itertools import chain
from operator import itemgetter
from types import TracebackType
from typing import Callable, Iterator, NamedTuple, Sequence, Union

#: Commands Upstash does not charge for (docs: "Operational commands like AUTH, INFO, PING,
#: QUIT, COMMAND are not charged").
UNBILLED = frozenset({b"auth", b"info", b"ping", b"quit", b"command"})

#: How many commands the meter keeps for ``seen`` and budget failure messages...
LOG_SIZE = 10_000
#: ...and how many bytes of their arguments, at most (the oldest fall off first).
LOG_BYTES = 4 * 1024 * 1024
#: A request whose arguments cannot exceed this many bytes is kept as it came (abbreviated
#: when read); a larger one is abbreviated at once, so its values are never kept.
KEEP_AS_IS = 64 * 1024
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


#: The lengths of the unbilled names: a name of another length needs no closer look.
_UNBILLED_LENGTHS = frozenset(len(name) for name in UNBILLED)


def billable(argvs: Sequence[Sequence[bytes]]) -> Sequence[Sequence[bytes]]:
    """The commands of a request Upstash charges for (empty rows are not commands)."""
    lengths = _UNBILLED_LENGTHS
    try:
        names = set(map(itemgetter(0), argvs))
    except IndexError:  # an empty row
        pass
    else:  # the usual request: a few distinct names, none of them unbilled
        if not any(len(name) in lengths and name.lower() in UNBILLED for name in names):
            return argvs
    return [
        argv
        for argv in argvs
        if argv and (len(argv[0]) not in lengths or argv[0].lower() not in UNBILLED)
    ]


Rows = Sequence[Sequence[bytes]]
#: Where a batch's rows come from: the rows, or a function that reads them again (from the
#: request they came in: a body is one object to keep, its rows hundreds).
Source = Union[Rows, Callable[[], Rows]]


class _Batch(NamedTuple):
    first: int  #: sequence number of the first row kept
    source: Source
    skip: int  #: rows of the source dropped from its front (the log's oldest)
    kept: int  #: rows kept
    size: int  #: bytes counted
    short: bool  #: rows already abbreviated

    def rows(self) -> Rows:
        rows = self.source() if callable(self.source) else self.source
        return rows[self.skip : self.skip + self.kept]


def _dropping(batch: _Batch, oldest: int) -> _Batch:
    """``batch`` without its ``oldest`` rows."""
    return batch._replace(
        first=batch.first + oldest, skip=batch.skip + oldest, kept=batch.kept - oldest
    )


class RecentCommands:
    """The last billed commands, at most ``LOG_SIZE`` of them and ``LOG_BYTES`` of their
    arguments (the oldest go first), read abbreviated as SLOWLOG shows them.

    One batch per request: a request known to be small (``bound``, an upper bound of its
    argument bytes) is kept as it came, costing no pass over its arguments, and counted at
    its bound (with ``reread``, a way to read its rows again, only that is kept: its rows
    die young, as the request's other objects do, instead of thousands of requests later);
    any other is abbreviated at once and counted exactly. Not locked: the meter calls it
    under its lock."""

    def __init__(self) -> None:
        self._batches: deque[_Batch] = deque()
        self.count = 0
        self.size = 0
        self.last = 0  #: sequence number of the newest command (never reset)

    def add(
        self,
        argvs: Rows,
        bound: int | None = None,
        reread: Callable[[], Rows] | None = None,
    ) -> None:
        if not argvs:
            return
        count = len(argvs)
        if bound is not None and bound <= KEEP_AS_IS:
            source: Source = reread if reread is not None else tuple(argvs)
            size, short = bound + ENTRY_OVERHEAD * count, False
        else:
            source = tuple(abbreviated(argv) for argv in argvs)
            size = sum(map(len, chain.from_iterable(source))) + ENTRY_OVERHEAD * count
            short = True
        self._batches.append(_Batch(self.last + 1, source, 0, count, size, short))
        self.last += count
        self.count += count
        self.size += size
        self._trim()

    def _trim(self) -> None:
        while self.count > LOG_SIZE or self.size > LOG_BYTES:
            batch = self._batches.popleft()
            self.count -= batch.kept
            self.size -= batch.size
            tail = self._tail(batch)  # the newest rows of it that still fit
            if tail is not None:
                self._batches.appendleft(tail)
                self.count += tail.kept
                self.size += tail.size
                return

    def _tail(self, batch: _Batch) -> _Batch | None:
        """The newest rows of ``batch`` that still fit, or None."""
        room_count, room_bytes = LOG_SIZE - self.count, LOG_BYTES - self.size
        if room_count <= 0:
            return None
        if batch.size <= room_bytes:  # bytes cannot bind: kept by count, counted as before
            return _dropping(batch, batch.kept - min(room_count, batch.kept))
        kept = size = 0
        for row in reversed(batch.rows()):
            row_size = sum(map(len, row)) + ENTRY_OVERHEAD
            if kept == room_count or size + row_size > room_bytes:
                break
            kept += 1
            size += row_size
        if not kept:
            return None
        return _dropping(batch, batch.kept - kept)._replace(size=size)

    def __iter__(self) -> Iterator[tuple[int, Sequence[bytes]]]:
        """(sequence number, abbreviated argv), oldest first."""
        for batch in self._batches:
            rows = batch.rows()
            yield from enumerate(rows if batch.short else map(abbreviated, rows), batch.first)

    def clear(self) -> None:
        self._batches.clear()
        self.count = self.size = 0


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
    """A metered block cost more than its budget.

    An ``AssertionError``, so pytest reports a failure, with the commands seen:
    ``over budget: commands 3 > 2`` followed by the numbered commands.
    Raised by ``stash.meter.assert_at_most(...)`` and ``with stash.meter.budget(...):``.
    """


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
        self._log = RecentCommands()
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
        argument_bytes_at_most: int | None = None,
        reread: Callable[[], Rows] | None = None,
    ) -> None:
        """One HTTP request: its billed commands (and, for messages, which they were).
        ``argument_bytes_at_most``, when the caller knows it, spares a pass over them;
        ``reread``, a function that returns the same commands again (from the request),
        lets the log keep that instead of them."""
        with self._lock:
            self.requests += 1
            self.commands += commands
            self.bytes_in += bytes_in
            self.bytes_out += bytes_out
            self._log.add(argvs or (), bound=argument_bytes_at_most, reread=reread)

    def record_commands(self, argvs: Sequence[Sequence[bytes]]) -> None:
        """Commands billed outside a request (the UNSUBSCRIBE when a stream closes)."""
        with self._lock:
            self.commands += len(argvs)
            self._log.add(argvs)

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

    # ---- reading ---------------------------------------------------------------------------

    def snapshot(self) -> Usage:
        with self._lock:
            return Usage(self.requests, self.commands, self.bytes_in, self.bytes_out)

    @property
    def seen(self) -> list[list[str]]:
        """The billed commands since the last reset, as text: the last ``LOG_SIZE`` (fewer
        if their arguments pass ``LOG_BYTES``), long ones abbreviated as SLOWLOG does."""
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
            return self._log.last

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
