"""Faults a test injects into a ``FakeStash``: Upstash slow, down, over quota, a stream cut.

A ``Fault`` says what happens to a request; a ``FaultRule`` says which requests it
happens to (the next N, or those matching a command, a path or a database, at a rate
drawn from the server's seed). ``stash.faults`` holds the active rules::

    from fakestash import Fault

    stash.faults.fail_next(2, Fault.connect_error())            # Upstash unreachable, twice
    stash.faults.fail(Fault.max_requests(), command="SET")      # every SET over quota
    stash.faults.fail(Fault.read_timeout(), rate=0.25)          # a quarter of requests time out
    stash.faults.fail_next(1, Fault.latency(2.5))               # a slow answer (fake clock)
    stash.faults.fail_next(1, Fault.cut_stream(after_events=3)) # an SSE stream dropped

The decision (``Faults.pick``) knows nothing of HTTP: it takes a ``FaultRequest`` (database,
path, command names, stream or not) and answers the ``Fault`` to apply, or None. The REST
face asks once per request, where a request enters the server; the httpx door turns a
transport fault into ``httpx.ConnectError`` / ``httpx.ReadTimeout``. Every fault that
fires is recorded in ``stash.faults.log`` and counted by the database's meter.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Callable, Iterable, Literal, Sequence, Union

from fakestash._clock import SystemClock

if TYPE_CHECKING:
    from fakestash._clock import Clock

FaultKind = Literal["http", "connect_error", "read_timeout", "latency", "cut_stream"]

MB = 1024 * 1024
#: Upstash's quota texts (docs/faults.md; REST spec §6, seen live). The numbers are the
#: free plan's; each constructor takes others.
MAX_REQUESTS_TEXT = (
    "ERR max requests limit exceeded. Limit: {limit}, Usage: {usage}. "
    "See https://upstash.com/docs/redis/troubleshooting/max_requests_limit for details"
)
DAILY_LIMIT_TEXT = (
    "ERR max daily request limit exceeded. Limit: {limit}, Usage: {usage}. "
    "See https://upstash.com/docs/redis/troubleshooting/max_daily_request_limit for details"
)
REQUEST_SIZE_TEXT = "ERR max request size exceeded. Limit: {limit} bytes, Actual: {actual} bytes"
DB_CAPACITY_TEXT = (
    "ERR DB capacity quota exceeded. Threshold: {limit} bytes, Usage: {usage} bytes. "
    "See https://upstash.com/docs for details"
)
#: The status of Upstash's quota errors: non-2xx, inferred 400 (REST spec §3.4).
QUOTA_STATUS = 400


@dataclass(frozen=True)
class Fault:
    """What happens to a request a rule picks. Build one with the class methods.

    >>> stash = FakeStash()
    >>> rule = stash.faults.fail_next(1, Fault.connect_error())

    The quota and size errors (``max_requests``, ``daily_limit``, ``request_too_large``,
    ``db_capacity``) answer with Upstash's texts and HTTP 400, ``http_error`` with any
    status and body; ``connect_error`` and ``read_timeout`` raise httpx's own errors;
    ``latency`` moves the fake's clock; ``cut_stream`` drops an SSE stream part-way.
    """

    kind: FaultKind
    status: int = 0
    #: The ``{"error": ...}`` text of an HTTP fault.
    error: str | None = None
    #: A raw body instead (a proxy's HTML page: not JSON, so the SDK retries).
    body: bytes | None = None
    #: Latency: seconds the fake's clock moves.
    seconds: float = 0.0
    #: Latency on a clock fakestash cannot move itself (freezegun's ``frozen.tick``).
    tick: Callable[[float], object] | None = field(default=None, compare=False)
    #: Stream cut: events delivered before the stream drops.
    events: int = 0

    # ---- Upstash answers with an error ----------------------------------------------------

    @classmethod
    def http_error(
        cls, status: int, error: str | None = None, *, body: bytes | None = None
    ) -> Fault:
        """Answer ``status`` with ``{"error": error}``, or with a raw ``body`` (not JSON)."""
        if not 100 <= status <= 599:
            raise ValueError(f"status must be an HTTP status (100-599); got {status!r}")
        if error is None and body is None:
            error = f"ERR fakestash fault: HTTP {status}"
        return cls("http", status=status, error=error, body=body)

    @classmethod
    def max_requests(cls, limit: int = 500_000, usage: int | None = None) -> Fault:
        """The monthly command quota is used up (free plan: 500,000)."""
        text = MAX_REQUESTS_TEXT.format(limit=limit, usage=limit if usage is None else usage)
        return cls("http", status=QUOTA_STATUS, error=text)

    @classmethod
    def daily_limit(cls, limit: int = 10_000, usage: int | None = None) -> Fault:
        """The daily command limit is used up (the old free tier: 10,000)."""
        text = DAILY_LIMIT_TEXT.format(limit=limit, usage=limit + 1 if usage is None else usage)
        return cls("http", status=QUOTA_STATUS, error=text)

    @classmethod
    def request_too_large(cls, limit: int = 10 * MB, actual: int | None = None) -> Fault:
        """The request is over the plan's request size (10 MB)."""
        text = REQUEST_SIZE_TEXT.format(limit=limit, actual=limit + 1 if actual is None else actual)
        return cls("http", status=400, error=text)

    @classmethod
    def db_capacity(cls, limit: int = 256 * MB, usage: int | None = None) -> Fault:
        """The database is full (free plan: 256 MB); Upstash refuses writes."""
        text = DB_CAPACITY_TEXT.format(limit=limit, usage=limit if usage is None else usage)
        return cls("http", status=QUOTA_STATUS, error=text)

    # ---- the connection fails -------------------------------------------------------------

    @classmethod
    def connect_error(cls) -> Fault:
        """``httpx.ConnectError`` at once: the request never reaches the database."""
        return cls("connect_error")

    @classmethod
    def read_timeout(cls) -> Fault:
        """``httpx.ReadTimeout`` at once, after the request ran: the database did the work
        but the answer never came (a retry runs it again)."""
        return cls("read_timeout")

    # ---- slow, or cut short ---------------------------------------------------------------

    @classmethod
    def latency(cls, seconds: float, *, tick: Callable[[float], object] | None = None) -> Fault:
        """The request takes ``seconds``: the fake's clock moves that much before it runs.
        With a ``ManualClock`` the clock advances; with the system clock pass ``tick`` (e.g.
        freezegun's ``frozen.tick``), since fakestash never sleeps."""
        if seconds < 0:
            raise ValueError(f"latency must be >= 0 seconds; got {seconds!r}")
        return cls("latency", seconds=seconds, tick=tick)

    @classmethod
    def cut_stream(cls, after_events: int = 1) -> Fault:
        """An SSE stream (subscribe, psubscribe, monitor) drops after ``after_events``
        events, as a lost connection: its reader gets ``httpx.RemoteProtocolError``."""
        if after_events < 0:
            raise ValueError(f"after_events must be >= 0; got {after_events!r}")
        return cls("cut_stream", events=after_events)

    def describe(self) -> str:
        if self.kind == "http":
            shown = self.error if self.body is None else f"{len(self.body)}-byte body"
            return f"HTTP {self.status}: {shown}"
        if self.kind == "latency":
            return f"latency {self.seconds:g}s"
        if self.kind == "cut_stream":
            return f"stream cut after {self.events} events"
        return self.kind.replace("_", " ")


DbSelector = Union[int, str]


@dataclass(frozen=True)
class FaultRule:
    """Which requests get ``fault``: an immutable spec (a marker can share it between
    tests); ``stash.faults.add(rule)`` starts counting from zero.

    >>> rule = FaultRule(Fault.max_requests(), times=None, command="SET")
    >>> stash = FakeStash(faults=[rule])

    ``stash.faults.fail_next(...)`` and ``stash.faults.fail(...)`` build and add one in a
    single call; build a ``FaultRule`` yourself for the marker
    (``@pytest.mark.fakestash(faults=[...])``) or the constructor.

    Attributes:
        fault: What happens to a picked request.
        times: How many matching requests fail; ``None``: all of them, until the rule is
            removed.
        after: Matching requests let through before the first failure.
        command: Command names (any case); a request matches if it runs one (any row of a
            pipeline or transaction).
        path: A path, matched on whole segments: ``"/pipeline"``, ``"/subscribe"`` (any
            channel), ``"/"`` (a command in the body).
        db: A database: its index in ``stash.endpoints``, its URL or its host.
        rate: The probability that a matching request fails, drawn from the server's seed.
    """

    fault: Fault
    #: How many matching requests fail; None: all of them, until the rule is removed.
    times: int | None = 1
    #: Matching requests let through before the first failure.
    after: int = 0
    #: Command names (any case); a request matches if it runs one (any pipeline row).
    command: str | tuple[str, ...] | None = None
    #: A path, matched on whole segments: "/pipeline", "/subscribe" (any channel), "/".
    path: str | None = None
    #: A database: its index in ``stash.endpoints`` (0 = the first), URL or host.
    db: DbSelector | None = None
    #: Probability that a matching request fails, drawn from the server's seed.
    rate: float = 1.0

    def __post_init__(self) -> None:
        if not isinstance(self.fault, Fault):
            raise TypeError(
                f"fault must be a Fault (Fault.connect_error(), ...); got {self.fault!r}"
            )
        if self.times is not None and self.times < 1:
            raise ValueError(f"times must be >= 1 or None (every request); got {self.times!r}")
        if self.after < 0:
            raise ValueError(f"after must be >= 0; got {self.after!r}")
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"rate must be between 0 and 1; got {self.rate!r}")
        if self.path is not None and not self.path.startswith("/"):
            raise ValueError(f"path must start with '/'; got {self.path!r}")

    @property
    def commands(self) -> frozenset[str]:
        names = (self.command,) if isinstance(self.command, str) else self.command or ()
        return frozenset(name.upper() for name in names)


def fail_next(
    times: int = 1,
    fault: Fault | None = None,
    *,
    command: str | Sequence[str] | None = None,
    path: str | None = None,
    db: DbSelector | None = None,
    rate: float = 1.0,
    after: int = 0,
) -> FaultRule:
    """A rule for the next ``times`` matching requests (default fault: a connect error)."""
    return FaultRule(fault or Fault.connect_error(), times, after, _names(command), path, db, rate)


def fail(
    fault: Fault,
    *,
    command: str | Sequence[str] | None = None,
    path: str | None = None,
    db: DbSelector | None = None,
    rate: float = 1.0,
    after: int = 0,
) -> FaultRule:
    """A rule for every matching request, until it is removed."""
    return FaultRule(fault, None, after, _names(command), path, db, rate)


def _names(command: str | Sequence[str] | None) -> str | tuple[str, ...] | None:
    return command if command is None or isinstance(command, str) else tuple(command)


@dataclass(frozen=True)
class FaultRequest:
    """What the decision needs to know of a request (no HTTP in it)."""

    db: int  # index of the database in stash.endpoints
    host: str
    path: str  # decoded, without the query
    commands: tuple[str, ...]  # upper-case names; SUBSCRIBE/PSUBSCRIBE/MONITOR for streams
    stream: bool = False


class TransportFault(Exception):
    """A connect error or read timeout the REST face raises; the httpx door raises
    httpx's own error in its place (``fakestash._transport.raise_transport_fault``)."""

    def __init__(self, fault: Fault, host: str) -> None:
        self.fault = fault
        self.host = host
        if fault.kind == "connect_error":
            text = f"fakestash fault: connection to {host} refused (injected by stash.faults)"
        else:
            text = (
                f"fakestash fault: {host} did not answer in time (injected by stash.faults; "
                "the request ran)"
            )
        super().__init__(text)


class StreamCut(Exception):
    """An SSE stream dropped by ``Fault.cut_stream``, raised by its reader; the httpx door
    raises ``httpx.RemoteProtocolError`` in its place, a server drops the connection."""


@dataclass(frozen=True)
class FaultRecord:
    """One fault that fired."""

    fault: Fault
    db: int
    path: str
    commands: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.fault.describe()} on {self.path} {' '.join(self.commands)}".rstrip()


class ActiveFault:
    """A rule added to a server: how often it fired, what is left; ``cancel()`` or use it
    as a context manager to remove it."""

    def __init__(self, owner: Faults, rule: FaultRule) -> None:
        self.rule = rule
        self.fired = 0
        self.skipped = 0
        self._owner = owner

    @property
    def remaining(self) -> int | None:
        return None if self.rule.times is None else self.rule.times - self.fired

    @property
    def done(self) -> bool:
        return self.remaining == 0

    def cancel(self) -> None:
        self._owner.remove(self)

    def __enter__(self) -> ActiveFault:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.cancel()

    def __repr__(self) -> str:
        return f"ActiveFault({self.rule!r}, fired={self.fired})"


class Faults:
    """The fault rules of one server (``stash.faults``). First added, first to match."""

    def __init__(self, seed: int, clock: Clock) -> None:
        self._rng = random.Random(f"fakestash-faults:{seed}")  # apart from the engine's
        self._clock = clock
        self._rules: list[ActiveFault] = []
        self._log: list[FaultRecord] = []
        self._lock = threading.Lock()
        #: True while any rule is pending: the face's fast path skips the rest.
        self.active = False

    # ---- adding and removing ---------------------------------------------------------------

    def add(self, rule: FaultRule) -> ActiveFault:
        if not isinstance(rule, FaultRule):
            raise TypeError(f"expected a FaultRule (fail_next(...), fail(...)); got {rule!r}")
        self._check_clock(rule.fault)
        self._check_db(rule.db)
        handle = ActiveFault(self, rule)
        with self._lock:
            self._rules.append(handle)
            self.active = True
        return handle

    def fail_next(
        self,
        times: int = 1,
        fault: Fault | None = None,
        *,
        command: str | Sequence[str] | None = None,
        path: str | None = None,
        db: DbSelector | None = None,
        rate: float = 1.0,
        after: int = 0,
    ) -> ActiveFault:
        """Fail the next ``times`` matching requests (default: a connect error)."""
        return self.add(
            fail_next(times, fault, command=command, path=path, db=db, rate=rate, after=after)
        )

    def fail(
        self,
        fault: Fault,
        *,
        command: str | Sequence[str] | None = None,
        path: str | None = None,
        db: DbSelector | None = None,
        rate: float = 1.0,
        after: int = 0,
    ) -> ActiveFault:
        """Fail every matching request until the rule is removed (``cancel()``,
        ``clear()``, or the end of its ``with`` block)."""
        return self.add(fail(fault, command=command, path=path, db=db, rate=rate, after=after))

    def extend(self, rules: Iterable[FaultRule]) -> list[ActiveFault]:
        return [self.add(rule) for rule in rules]

    def remove(self, handle: ActiveFault) -> None:
        with self._lock:
            if handle in self._rules:
                self._rules.remove(handle)
            self.active = bool(self._rules)

    def clear(self) -> None:
        """Remove every rule (the log stays)."""
        with self._lock:
            self._rules.clear()
            self.active = False

    def reset(self, seed: int) -> None:
        """Remove every rule, forget the log, and draw rates from ``seed`` afresh."""
        with self._lock:
            self._rules.clear()
            self._log.clear()
            self.active = False
            self._rng.seed(f"fakestash-faults:{seed}")

    def use_clock(self, clock: Clock) -> None:
        """Latency faults move ``clock`` from now on (``FakeStash.use_clock``)."""
        self._clock = clock

    # ---- reading -----------------------------------------------------------------------------

    @property
    def pending(self) -> list[ActiveFault]:
        with self._lock:
            return list(self._rules)

    @property
    def log(self) -> list[FaultRecord]:
        """Every fault that fired, in order."""
        with self._lock:
            return list(self._log)

    # ---- the decision (the REST face asks) --------------------------------------------------

    def pick(self, request: FaultRequest) -> FaultRecord | None:
        """The fault for this request, if a rule picks it (counted and logged)."""
        with self._lock:
            for handle in self._rules:
                if self._fires(handle, request):
                    handle.fired += 1
                    if handle.done:
                        self._rules.remove(handle)
                        self.active = bool(self._rules)
                    record = FaultRecord(
                        handle.rule.fault, request.db, request.path, request.commands
                    )
                    self._log.append(record)
                    return record
        return None

    def _fires(self, handle: ActiveFault, request: FaultRequest) -> bool:
        rule = handle.rule
        if not _matches(rule, request):
            return False
        if handle.skipped < rule.after:
            handle.skipped += 1
            return False
        return rule.rate >= 1.0 or self._rng.random() < rule.rate

    def advance(self, fault: Fault) -> None:
        """Latency: move the clock (or the given tick) by the fault's seconds."""
        if fault.tick is not None:
            fault.tick(fault.seconds)
        else:
            self._clock.advance(seconds=fault.seconds)  # type: ignore[attr-defined]

    # ---- checks when a rule is added ----------------------------------------------------------

    def _check_clock(self, fault: Fault) -> None:
        if fault.kind != "latency" or fault.tick is not None:
            return
        if isinstance(self._clock, SystemClock) or not callable(
            getattr(self._clock, "advance", None)
        ):
            raise ValueError(
                f"Fault.latency moves the fake's clock, and this server's {self._clock!r} "
                "cannot be moved without sleeping, which fakestash never does. Use "
                'FakeStash(clock="manual") (or @pytest.mark.fakestash(clock="manual")), or '
                "pass tick= a function that moves your frozen time: "
                "Fault.latency(2, tick=frozen.tick) under freezegun."
            )

    @staticmethod
    def _check_db(db: DbSelector | None) -> None:
        # Not checked against the databases: a rule may name one added later.
        if isinstance(db, bool) or not isinstance(db, (int, str, type(None))):
            raise TypeError(f"db must be a database index, URL or host; got {db!r}")
        if isinstance(db, int) and db < 0:
            raise ValueError(f"db must be an index >= 0 (0 is the first database); got {db}")


def _matches(rule: FaultRule, request: FaultRequest) -> bool:
    if rule.fault.kind == "cut_stream" and not request.stream:
        return False
    if rule.command is not None and not rule.commands.intersection(request.commands):
        return False
    if rule.path is not None and not _path_matches(rule.path, request.path):
        return False
    return rule.db is None or _db_matches(rule.db, request)


def _path_matches(pattern: str, path: str) -> bool:
    pattern = pattern.rstrip("/") or "/"
    path = path.rstrip("/") or "/"
    if pattern == "/":
        return path == "/"
    return path.lower() == pattern.lower() or path.lower().startswith(pattern.lower() + "/")


def _db_matches(db: DbSelector, request: FaultRequest) -> bool:
    if isinstance(db, int):
        return request.db == db
    wanted = db.split("://", 1)[-1].rstrip("/").lower()
    return request.host.lower() == wanted
