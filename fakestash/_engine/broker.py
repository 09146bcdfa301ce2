"""The per-database pub/sub broker: subscriptions, glob patterns, bounded mailboxes.

Redis' model, in process. A ``Subscriber`` is one subscribed client (an SSE stream or a
test-side collector): its channels, patterns and shard channels, and a ``Mailbox`` of what
was sent to it. ``Broker.publish`` runs inside PUBLISH, under the database lock, and only
appends to mailboxes; readers wait on the mailbox, never on the database, so a publish from
any thread or asyncio loop wakes a reader in any other (``threading.Condition`` for threads,
``loop.call_soon_threadsafe`` for coroutines).

A mailbox is bounded as Redis' ``client-output-buffer-limit pubsub 32mb 8mb 60`` bounds a
subscriber: past the hard limit, or above the soft limit for longer than its seconds (on
the database clock), the subscriber is dropped and its stream ends.

A stream nobody holds any more is released by a ``StreamReaper``: when its response is
garbage-collected, or when it has been idle (no event queued, none read) for its idle
timeout, read or not, so a dropped stream neither stays subscribed nor counts in PUBLISH.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Callable, Generic, Iterable, Protocol, TypeVar

from fakestash._engine.glob import glob_match

if TYPE_CHECKING:
    import asyncio

    from fakestash._clock import Clock

T = TypeVar("T")
E = TypeVar("E")


class Host(Protocol):
    """What a broker needs of its database (``fakestash._engine.database.Database``): its
    clock, its lock, its closers, and a place to keep the broker."""

    clock: Clock
    lock: threading.RLock
    closers: list[Callable[[], None]]

    def extension(self, name: str, factory: Callable[[], E]) -> E: ...

#: Redis' default ``client-output-buffer-limit pubsub 32mb 8mb 60``.
HARD_LIMIT = 32 * 1024 * 1024
SOFT_LIMIT = 8 * 1024 * 1024
SOFT_SECONDS = 60
#: An idle SSE stream ends after this many (wall-clock) seconds without an event, so a test
#: that waits for a message that never comes fails instead of hanging. None: wait forever.
IDLE_TIMEOUT = 30.0
#: Rough per-message framing bytes, so an empty payload still costs something.
OVERHEAD = 32

# Why a subscriber stopped.
CLOSED_BY_CLIENT = "closed by client"
CLOSED_BY_SERVER = "server closed"
OVERFLOW = "output buffer limit reached"
IDLE = "idle timeout"


@dataclass(frozen=True)
class BufferLimit:
    """Bytes a reader may fall behind by: ``hard`` at once, or ``soft`` for ``seconds``."""

    hard: int | None = HARD_LIMIT
    soft: int | None = SOFT_LIMIT
    seconds: float = SOFT_SECONDS


UNLIMITED = BufferLimit(hard=None, soft=None)


@dataclass(frozen=True)
class Message:
    """One pub/sub event as Redis pushes it.

    ``kind``: subscribe, psubscribe, ssubscribe, unsubscribe, punsubscribe, sunsubscribe
    (``channel`` is the channel or pattern, ``count`` the subscriptions left), or message,
    pmessage, smessage (``channel``, ``data``, and ``pattern`` for pmessage).
    """

    kind: str
    channel: bytes
    data: bytes = b""
    pattern: bytes | None = None
    count: int | None = None

    @property
    def size(self) -> int:
        """About the bytes Redis would buffer for this event."""
        return len(self.channel) + len(self.data) + len(self.pattern or b"") + OVERHEAD

    @property
    def is_message(self) -> bool:
        return self.kind in ("message", "pmessage", "smessage")

    @property
    def text(self) -> str:
        """The payload as text (invalid UTF-8 replaced)."""
        return self.data.decode("utf-8", "replace")


class Mailbox(Generic[T]):
    """A closable queue with one reader, written from any thread.

    ``get``/``aget`` return the next item, ``None`` once the box is closed and drained, and
    raise ``TimeoutError`` when nothing came within ``timeout`` seconds. With
    ``keep_history`` every item is also kept in ``history`` (test-side collectors). A box
    with an ``idle_timeout`` (a stream's) records when it was last active (an item queued,
    taken, or waited for), so a ``StreamReaper`` can end it once idle.
    """

    def __init__(
        self,
        limit: BufferLimit = UNLIMITED,
        clock: Clock | None = None,
        *,
        keep_history: bool = False,
        history_limit: int | None = None,
        idle_timeout: float | None = None,
    ) -> None:
        self.limit = limit
        self.clock = clock
        self.idle_timeout = idle_timeout
        self.last_active = time.monotonic()
        #: A collector's record (the last ``history_limit`` items, or all).
        self.history: deque[T] | None = deque(maxlen=history_limit) if keep_history else None
        self.closed = False
        self.close_reason: str | None = None
        self._queue: deque[tuple[T, int]] = deque()
        self._queued_bytes = 0
        self._soft_since: int | None = None
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._sleepers = 0  # threads blocked in get_batch / wait_until
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []

    # ---- writer side -------------------------------------------------------------------

    def put(self, item: T, size: int) -> bool:
        """Queue ``item``; False if the box is closed, or closes now for overflowing."""
        with self._lock:
            if self.closed:
                return False
            self.last_active = time.monotonic()
            if self.history is not None:  # a collector reads its history, never the queue
                self.history.append(item)
            else:
                self._queue.append((item, size))
                self._queued_bytes += size
            limit = self.limit
            if (limit.hard is not None and self._queued_bytes > limit.hard) or (
                limit.soft is not None and self._over_soft_limit()
            ):
                self._close(OVERFLOW, drop=True)
                return False
            if self._sleepers or self._waiters:
                self._wake()
            return True

    def close(self, reason: str = CLOSED_BY_CLIENT, *, drop: bool = False) -> None:
        """End the box. Readers still get what is queued unless ``drop``."""
        with self._cond:
            if not self.closed:
                self._close(reason, drop=drop)

    def _close(self, reason: str, *, drop: bool) -> None:
        self.closed = True
        self.close_reason = reason
        if drop:
            self._queue.clear()
            self._queued_bytes = 0
        self._wake()

    def _over_soft_limit(self) -> bool:
        """Above the soft limit for longer than its seconds (database clock)."""
        limit = self.limit
        if limit.soft is None or self._queued_bytes <= limit.soft:
            self._soft_since = None
            return False
        now = self.clock.time_ms() if self.clock is not None else int(time.time() * 1000)
        if self._soft_since is None:
            self._soft_since = now
        return now - self._soft_since > limit.seconds * 1000

    def _wake(self) -> None:
        """Called with the condition held: wake thread readers and coroutine readers."""
        self._cond.notify_all()
        waiters, self._waiters = self._waiters, []
        for loop, future in waiters:
            try:
                loop.call_soon_threadsafe(_resolve, future)
            except RuntimeError:  # that loop is closed: its reader is gone
                pass

    # ---- reader side -------------------------------------------------------------------

    @property
    def pending(self) -> int:
        """Bytes queued and not yet read."""
        return self._queued_bytes

    def get(self, timeout: float | None = None) -> T | None:
        """The next item (blocking); None when closed and drained."""
        items = self.get_batch(timeout, limit=1)
        return items[0] if items else None

    def get_batch(self, timeout: float | None = None, limit: int | None = None) -> list[T]:
        """Everything queued (at least one item, blocking); [] when closed and drained."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            self.last_active = time.monotonic()
            while not self._queue:
                if self.closed:
                    return []
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise TimeoutError("no event within the timeout")
                self._sleepers += 1
                try:
                    self._cond.wait(remaining)
                finally:
                    self._sleepers -= 1
            return self._take(limit)

    async def aget(self, timeout: float | None = None) -> T | None:
        items = await self.aget_batch(timeout, limit=1)
        return items[0] if items else None

    async def aget_batch(self, timeout: float | None = None, limit: int | None = None) -> list[T]:
        """``get_batch`` for coroutines: waits without blocking the event loop."""
        import asyncio  # loaded already when a coroutine runs; not at import (it costs ~15 ms)

        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        self.last_active = time.monotonic()
        while True:
            with self._cond:
                if self._queue:
                    return self._take(limit)
                if self.closed:
                    return []
                future: asyncio.Future[None] = loop.create_future()
                self._waiters.append((loop, future))
            remaining = None if deadline is None else deadline - loop.time()
            try:
                if remaining is not None and remaining <= 0:
                    raise TimeoutError("no event within the timeout")
                await asyncio.wait_for(future, remaining)
            except asyncio.TimeoutError:
                raise TimeoutError("no event within the timeout") from None
            finally:
                with self._cond:
                    if (loop, future) in self._waiters:
                        self._waiters.remove((loop, future))

    def _take(self, limit: int | None) -> list[T]:
        self.last_active = time.monotonic()
        count = len(self._queue) if limit is None else min(limit, len(self._queue))
        items = []
        for _ in range(count):
            item, size = self._queue.popleft()
            self._queued_bytes -= size
            items.append(item)
        if self._queued_bytes <= (self.limit.soft or 0):
            self._soft_since = None
        return items

    def wait_until(self, predicate: object, timeout: float) -> bool:
        """Block until ``predicate()`` holds (checked on every put/close) or the timeout."""
        assert callable(predicate)
        with self._cond:
            self._sleepers += 1
            try:
                self._cond.wait_for(lambda: bool(predicate()) or self.closed, timeout)
            finally:
                self._sleepers -= 1
            return bool(predicate())

    async def await_until(self, predicate: object, timeout: float) -> bool:
        """``wait_until`` for coroutines."""
        import asyncio  # loaded already when a coroutine runs

        assert callable(predicate)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            with self._cond:
                if predicate():
                    return True
                if self.closed:
                    return False
                future: asyncio.Future[None] = loop.create_future()
                self._waiters.append((loop, future))
            remaining = deadline - loop.time()
            try:
                if remaining <= 0:
                    return False
                await asyncio.wait_for(future, remaining)
            except asyncio.TimeoutError:
                return bool(predicate())
            finally:
                with self._cond:
                    if (loop, future) in self._waiters:
                        self._waiters.remove((loop, future))

    def snapshot(self) -> list[T]:
        """A copy of the history (``keep_history`` boxes)."""
        with self._cond:
            return list(self.history or [])


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class StreamReaper:
    """Ends the streams nobody can read any more, at safe points of its owner (a broker or
    a monitor feed: ``reap`` runs under the database lock, before a publish or a count).

    A garbage-collected stream only queues its closer here (``abandon``, called by a
    ``weakref.finalize``): a finalizer may run inside any code, even code holding the very
    locks closing takes, so it takes none. Idle streams are found by a pass over the owner's
    mailboxes, made only once the earliest idle deadline has come.
    """

    def __init__(self) -> None:
        self._abandoned: deque[Callable[[], None]] = deque()  # append/popleft: atomic
        self._next_check: float | None = None

    def abandon(self, closer: Callable[[], None]) -> None:
        """A stream's response was garbage-collected: close it at the next safe point."""
        self._abandoned.append(closer)

    def watch(self, box: Mailbox[T]) -> None:
        """Track a stream's mailbox for idleness (a box without an idle timeout is not)."""
        if box.idle_timeout is not None:
            self._schedule(box.last_active + box.idle_timeout)

    def reap(self, boxes: Iterable[tuple[Mailbox[T], Callable[[], None]]]) -> None:
        """Run the queued closers, then expire each (box, expire) whose box is idle."""
        while self._abandoned:
            self._abandoned.popleft()()
        if self._next_check is None or time.monotonic() < self._next_check:
            return
        self._next_check = None
        now = time.monotonic()
        for box, expire in list(boxes):
            if box.idle_timeout is None or box.closed:
                continue
            deadline = box.last_active + box.idle_timeout
            if now >= deadline:
                expire()
            else:
                self._schedule(deadline)

    def _schedule(self, deadline: float) -> None:
        if self._next_check is None or deadline < self._next_check:
            self._next_check = deadline


class Subscriber:
    """One client in subscribed state: what it listens to, and its mailbox."""

    def __init__(self, mailbox: Mailbox[Message], name: str = "") -> None:
        self.mailbox = mailbox
        self.name = name
        self.channels: dict[bytes, None] = {}
        self.patterns: dict[bytes, None] = {}
        self.shard_channels: dict[bytes, None] = {}

    @property
    def count(self) -> int:
        """Redis' subscription count for (p)subscribe replies: channels plus patterns."""
        return len(self.channels) + len(self.patterns)

    @property
    def closed(self) -> bool:
        return self.mailbox.closed

    def __repr__(self) -> str:
        return f"Subscriber({self.name!r}, channels={list(self.channels)!r})"


class Broker:
    """Subscriptions of one database. Mutations happen under the database lock, the same
    lock PUBLISH runs under, so a publish sees a consistent set of subscribers."""

    def __init__(self, db: Host) -> None:
        self.db = db
        self.channels: dict[bytes, dict[Subscriber, None]] = {}
        self.patterns: dict[bytes, dict[Subscriber, None]] = {}
        self.shard_channels: dict[bytes, dict[Subscriber, None]] = {}
        #: Every open subscriber (streams and collectors), subscribed to something or not.
        self.subscribers: dict[Subscriber, None] = {}
        #: Settings for new SSE subscribers (change them on ``stash.broker()``).
        self.buffer_limit = BufferLimit()
        self.idle_timeout: float | None = IDLE_TIMEOUT
        self.closed = False
        #: Releases streams dropped without being closed, and idle ones.
        self.reaper = StreamReaper()
        #: Told of every PUBLISH and SPUBLISH (under the database lock): kind ("publish",
        #: "spublish"), channel, payload, receivers. Test-side recorders (``PublishLog``).
        self.listeners: list[Callable[[str, bytes, bytes, int], None]] = []
        self._changed = threading.Condition(threading.Lock())
        db.closers.append(self.close_all)

    # ---- subscribing -------------------------------------------------------------------

    def new_subscriber(self, *, collector: bool = False, name: str = "") -> Subscriber:
        """A subscriber with a bounded mailbox (streams) or a recording one (collectors)."""
        if collector:
            mailbox: Mailbox[Message] = Mailbox(UNLIMITED, self.db.clock, keep_history=True)
        else:
            mailbox = Mailbox(self.buffer_limit, self.db.clock, idle_timeout=self.idle_timeout)
        subscriber = Subscriber(mailbox, name)
        with self.db.lock:
            self._reap()
            if self.closed:
                mailbox.close(CLOSED_BY_SERVER)
            else:
                self.subscribers[subscriber] = None
                self.reaper.watch(mailbox)
        return subscriber

    def subscribe(self, sub: Subscriber, channels: Iterable[bytes]) -> None:
        self._add(sub, channels, self.channels, sub.channels, "subscribe")

    def psubscribe(self, sub: Subscriber, patterns: Iterable[bytes]) -> None:
        self._add(sub, patterns, self.patterns, sub.patterns, "psubscribe")

    def ssubscribe(self, sub: Subscriber, channels: Iterable[bytes]) -> None:
        self._add(sub, channels, self.shard_channels, sub.shard_channels, "ssubscribe")

    def unsubscribe(self, sub: Subscriber, channels: Iterable[bytes] | None = None) -> None:
        self._remove(sub, channels, self.channels, sub.channels, "unsubscribe")

    def punsubscribe(self, sub: Subscriber, patterns: Iterable[bytes] | None = None) -> None:
        self._remove(sub, patterns, self.patterns, sub.patterns, "punsubscribe")

    def sunsubscribe(self, sub: Subscriber, channels: Iterable[bytes] | None = None) -> None:
        self._remove(sub, channels, self.shard_channels, sub.shard_channels, "sunsubscribe")

    def drop(self, sub: Subscriber, reason: str = CLOSED_BY_CLIENT) -> None:
        """Forget every subscription of ``sub`` at once (its stream closed) and close it;
        what is queued stays readable when the server ends it (closed or idle)."""
        with self.db.lock:
            self._forget(sub)
        sub.mailbox.close(reason, drop=reason not in (CLOSED_BY_SERVER, IDLE))

    def _reap(self) -> None:
        """Release dropped and idle streams (under the database lock): they no longer
        count in PUBLISH, PUBSUB or ``wait_for_subscribers``."""
        subs = self.subscribers
        with self.db.lock:
            self.reaper.reap((sub.mailbox, partial(self.drop, sub, IDLE)) for sub in subs)

    def _add(
        self,
        sub: Subscriber,
        names: Iterable[bytes],
        registry: dict[bytes, dict[Subscriber, None]],
        own: dict[bytes, None],
        kind: str,
    ) -> None:
        with self.db.lock:
            if sub.closed:
                return
            for name in names:
                own[name] = None
                registry.setdefault(name, {})[sub] = None
                count = len(own) if kind == "ssubscribe" else sub.count
                sub.mailbox.put(Message(kind, name, count=count), len(name) + OVERHEAD)
        self._notify_change()

    def _remove(
        self,
        sub: Subscriber,
        names: Iterable[bytes] | None,
        registry: dict[bytes, dict[Subscriber, None]],
        own: dict[bytes, None],
        kind: str,
    ) -> None:
        with self.db.lock:
            for name in list(own) if names is None else list(names):
                own.pop(name, None)
                _discard(registry, name, sub)
                count = len(own) if kind == "sunsubscribe" else sub.count
                sub.mailbox.put(Message(kind, name, count=count), len(name) + OVERHEAD)
        self._notify_change()

    def _forget(self, sub: Subscriber) -> None:
        for name in sub.channels:
            _discard(self.channels, name, sub)
        for name in sub.patterns:
            _discard(self.patterns, name, sub)
        for name in sub.shard_channels:
            _discard(self.shard_channels, name, sub)
        sub.channels.clear()
        sub.patterns.clear()
        sub.shard_channels.clear()
        self.subscribers.pop(sub, None)
        self._notify_change()

    # ---- publishing (called by PUBLISH / SPUBLISH under the database lock) --------------

    def publish(self, channel: bytes, data: bytes) -> int:
        """Deliver to channel subscribers, then to each matching pattern; the number of
        deliveries is PUBLISH's reply (a client matching twice counts twice, as in Redis)."""
        self._reap()
        receivers = 0
        overflowed: list[Subscriber] = []
        subs = self.channels.get(channel)
        if subs:
            message = Message("message", channel, data)
            size = message.size
            for sub in list(subs):
                receivers += 1
                if not sub.mailbox.put(message, size):
                    overflowed.append(sub)
        for pattern, subs in list(self.patterns.items()):
            if glob_match(pattern, channel):
                message = Message("pmessage", channel, data, pattern=pattern)
                size = message.size
                for sub in list(subs):
                    receivers += 1
                    if not sub.mailbox.put(message, size):
                        overflowed.append(sub)
        for sub in overflowed:
            self._forget(sub)
        for listener in self.listeners:
            listener("publish", channel, data, receivers)
        return receivers

    def spublish(self, channel: bytes, data: bytes) -> int:
        """Shard-channel publish: only SSUBSCRIBE subscribers, never patterns."""
        self._reap()
        receivers = 0
        subs = self.shard_channels.get(channel)
        if subs:
            message = Message("smessage", channel, data)
            size = message.size
            for sub in list(subs):
                receivers += 1
                if not sub.mailbox.put(message, size):
                    self._forget(sub)
        for listener in self.listeners:
            listener("spublish", channel, data, receivers)
        return receivers

    # ---- introspection -------------------------------------------------------------------

    def active_channels(self, pattern: bytes | None = None, *, shard: bool = False) -> list[bytes]:
        """Channels with at least one subscriber, sorted, optionally matching a glob."""
        self._reap()
        registry = self.shard_channels if shard else self.channels
        names = sorted(name for name, subs in registry.items() if subs)
        if pattern is None:
            return names
        return [name for name in names if glob_match(pattern, name)]

    def numsub(self, channel: bytes, *, shard: bool = False) -> int:
        self._reap()
        return len((self.shard_channels if shard else self.channels).get(channel, ()))

    def numpat(self) -> int:
        """Distinct patterns with at least one subscriber (Redis 7 counts patterns)."""
        self._reap()
        return sum(1 for subs in self.patterns.values() if subs)

    def wait_for_subscribers(
        self, channel: bytes, count: int = 1, timeout: float = 5.0, *, pattern: bool = False
    ) -> bool:
        """Block until ``channel`` (or ``pattern``) has ``count`` subscribers: lets a test
        publish only once a subscriber in another thread or task is listening."""
        registry = self.patterns if pattern else self.channels
        self._reap()
        with self._changed:
            return self._changed.wait_for(lambda: len(registry.get(channel, ())) >= count, timeout)

    def _notify_change(self) -> None:
        with self._changed:
            self._changed.notify_all()

    # ---- teardown --------------------------------------------------------------------------

    def close_all(self) -> None:
        """End every subscriber (``FakeStash.close()``): streams end after what is queued."""
        with self.db.lock:
            self.closed = True
            subs = list(self.subscribers)
            for sub in subs:
                self._forget(sub)
        for sub in subs:
            sub.mailbox.close(CLOSED_BY_SERVER)


def _discard(registry: dict[bytes, dict[Subscriber, None]], name: bytes, sub: Subscriber) -> None:
    subs = registry.get(name)
    if subs is None:
        return
    subs.pop(sub, None)
    if not subs:
        del registry[name]


def broker_of(db: Host) -> Broker:
    """The database's broker, created on first use."""
    return db.extension("pubsub", lambda: Broker(db))
