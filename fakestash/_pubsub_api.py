"""Test-side pub/sub and MONITOR: collectors that need no HTTP streaming.

``stash.subscribe("chat")`` is a real subscriber (PUBLISH counts it) that records every
message; ``stash.monitor()`` records every command the database runs. Both are context
managers, both wait without sleeping (``wait_for`` in threads, ``await wait_for_async``
in coroutines), and ``stash.close()`` ends them::

    with stash.subscribe("chat") as chat:
        post_message(client, "hi")          # code under test publishes
        assert chat.wait_for(1) == ["hi"]

    with stash.monitor() as log:
        handler()
        assert log.commands == [["GET", "user:1"], ["SET", "user:1", "x"]]
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

from fakestash._engine.args import to_arg
from fakestash._engine.broker import Broker, Message, Subscriber, broker_of
from fakestash._engine.monitor import MonitorEntry, feed_of

if TYPE_CHECKING:
    from fakestash._engine.broker import Mailbox
    from fakestash._engine.database import Database

#: How long ``wait_for`` waits by default (seconds of wall time).
DEFAULT_WAIT = 5.0


class StreamClosed(RuntimeError):
    """``wait_for`` on a collector that is closed (by the test, by ``stash.close()``, or
    for overflowing) before enough arrived: nothing more can come, so it fails at once."""


def _arg(value: Any) -> bytes:
    return to_arg(value)


class _Recorder:
    """Shared by both collectors: waiting, closing, context management."""

    _box: Mailbox[Any]

    def _close(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Stop receiving (unsubscribe / stop monitoring). What was received stays."""
        self._close()

    @property
    def closed(self) -> bool:
        return self._box.closed

    def __enter__(self) -> Any:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _wait(self, count_now: Callable[[], int], count: int, timeout: float, what: str) -> None:
        if not self._box.wait_until(lambda: count_now() >= count, timeout):
            raise self._failure(count_now(), count, timeout, what)

    async def _await(
        self, count_now: Callable[[], int], count: int, timeout: float, what: str
    ) -> None:
        if not await self._box.await_until(lambda: count_now() >= count, timeout):
            raise self._failure(count_now(), count, timeout, what)

    def _failure(self, got: int, count: int, timeout: float, what: str) -> Exception:
        if self.closed:
            reason = self._box.close_reason or "closed"
            return StreamClosed(
                f"this {type(self).__name__} was closed ({reason}) with {got} of the "
                f"{count} {what} waited for; nothing more can arrive: {self!r}"
            )
        return TimeoutError(f"waited {timeout:g}s for {count} {what}, got {got}: {self!r}")


class Collector(_Recorder):
    """Messages received by a test-side subscription, in arrival order."""

    def __init__(self, broker: Broker, sub: Subscriber) -> None:
        self.broker = broker
        self.subscriber = sub
        self._box = sub.mailbox

    # ---- what arrived -----------------------------------------------------------------

    @property
    def events(self) -> list[Message]:
        """Everything, subscribe confirmations included."""
        return self._box.snapshot()

    @property
    def messages(self) -> list[Message]:
        """Published messages only (message, pmessage, smessage)."""
        return [event for event in self._box.snapshot() if event.is_message]

    @property
    def payloads(self) -> list[bytes]:
        return [message.data for message in self.messages]

    @property
    def texts(self) -> list[str]:
        """Payloads as text: what most assertions want."""
        return [message.text for message in self.messages]

    def __len__(self) -> int:
        return len(self.messages)

    def _count(self) -> int:
        # Called with the mailbox lock held (as a wait predicate): read without locking.
        return sum(1 for event in list(self._box.history or ()) if event.is_message)

    def __iter__(self) -> Iterator[Message]:
        return iter(self.messages)

    # ---- waiting ----------------------------------------------------------------------

    def wait_for(self, count: int = 1, timeout: float = DEFAULT_WAIT) -> list[str]:
        """Block until ``count`` messages arrived in all; return all texts so far.
        Raises ``TimeoutError`` (listing what did arrive) after ``timeout`` seconds."""
        self._wait(self._count, count, timeout, "messages")
        return self.texts

    async def wait_for_async(self, count: int = 1, timeout: float = DEFAULT_WAIT) -> list[str]:
        """``wait_for`` for coroutines (does not block the event loop)."""
        await self._await(self._count, count, timeout, "messages")
        return self.texts

    # ---- subscriptions ----------------------------------------------------------------

    def subscribe(self, *channels: Any) -> Collector:
        self.broker.subscribe(self.subscriber, [_arg(c) for c in channels])
        return self

    def psubscribe(self, *patterns: Any) -> Collector:
        self.broker.psubscribe(self.subscriber, [_arg(p) for p in patterns])
        return self

    def ssubscribe(self, *channels: Any) -> Collector:
        self.broker.ssubscribe(self.subscriber, [_arg(c) for c in channels])
        return self

    def unsubscribe(self, *channels: Any) -> None:
        """Leave some channels (all with no argument); still open for the others."""
        self.broker.unsubscribe(self.subscriber, [_arg(c) for c in channels] or None)

    def punsubscribe(self, *patterns: Any) -> None:
        self.broker.punsubscribe(self.subscriber, [_arg(p) for p in patterns] or None)

    def _close(self) -> None:
        self.broker.drop(self.subscriber, reason="closed by test")

    def __repr__(self) -> str:
        sub = self.subscriber
        names = [n.decode("utf-8", "replace") for n in (*sub.channels, *sub.patterns)]
        return f"Collector({names!r}, texts={self.texts!r})"


class CommandLog(_Recorder):
    """Commands a database ran while this log was open (the test-side MONITOR)."""

    def __init__(self, db: Database, limit: int | None = None) -> None:
        self.feed = feed_of(db)
        self._box = self.feed.watch(collector=True, history_limit=limit)

    @property
    def entries(self) -> list[MonitorEntry]:
        return self._box.snapshot()

    @property
    def commands(self) -> list[list[str]]:
        """Each command as text, e.g. ``[["SET", "k", "v"], ["GET", "k"]]``."""
        return [entry.command for entry in self.entries]

    @property
    def names(self) -> list[str]:
        """Command names, upper case: ``["SET", "GET"]``."""
        return [entry.name for entry in self.entries]

    @property
    def lines(self) -> list[str]:
        """Redis' MONITOR lines."""
        return [entry.line for entry in self.entries]

    def __len__(self) -> int:
        return len(self._box.snapshot())

    def _count(self) -> int:
        return len(self._box.history or ())

    def __iter__(self) -> Iterator[MonitorEntry]:
        return iter(self.entries)

    def clear(self) -> None:
        """Forget what was recorded so far (keep recording)."""
        with self._box._cond:
            assert self._box.history is not None
            self._box.history.clear()

    def wait_for(self, count: int = 1, timeout: float = DEFAULT_WAIT) -> list[list[str]]:
        """Block until ``count`` commands ran in all; return them."""
        self._wait(self._count, count, timeout, "commands")
        return self.commands

    async def wait_for_async(
        self, count: int = 1, timeout: float = DEFAULT_WAIT
    ) -> list[list[str]]:
        await self._await(self._count, count, timeout, "commands")
        return self.commands

    def _close(self) -> None:
        self.feed.unwatch(self._box, reason="closed by test")

    def __repr__(self) -> str:
        return f"CommandLog({self.commands!r})"


# ---- entry points (``FakeStash.subscribe`` etc. delegate here) ---------------------------


def subscribe(db: Database, channels: Sequence[Any]) -> Collector:
    broker = broker_of(db)
    return Collector(broker, broker.new_subscriber(collector=True, name="test")).subscribe(
        *channels
    )


def psubscribe(db: Database, patterns: Sequence[Any]) -> Collector:
    broker = broker_of(db)
    return Collector(broker, broker.new_subscriber(collector=True, name="test")).psubscribe(
        *patterns
    )


def ssubscribe(db: Database, channels: Sequence[Any]) -> Collector:
    broker = broker_of(db)
    return Collector(broker, broker.new_subscriber(collector=True, name="test")).ssubscribe(
        *channels
    )


def monitor(db: Database, limit: int | None = None) -> CommandLog:
    return CommandLog(db, limit)


# ---- published messages ------------------------------------------------------------------


@dataclass(frozen=True)
class Published:
    """One PUBLISH (or SPUBLISH) the database ran."""

    channel: bytes
    data: bytes
    #: PUBLISH's reply: how many subscribers received it.
    receivers: int
    #: When, in ms since the epoch on the server's clock.
    time_ms: int
    #: Sent with SPUBLISH (to a shard channel).
    shard: bool = False

    @property
    def text(self) -> str:
        """The payload as text (invalid UTF-8 replaced)."""
        return self.data.decode("utf-8", "replace")


class PublishLog:
    """Every message published on a database while this log is open, subscribers or not:
    ``with stash.record_published() as log: ...; log.texts("chat")``.

    It is not a subscriber: PUBLISH's count is unchanged. ``limit`` keeps the last so many.
    """

    def __init__(self, db: Database, limit: int | None = None) -> None:
        self.broker = broker_of(db)
        self._db = db
        self._log: deque[Published] = deque(maxlen=limit)
        self.broker.listeners.append(self._record)

    def _record(self, kind: str, channel: bytes, data: bytes, receivers: int) -> None:
        shard = kind == "spublish"
        self._log.append(Published(channel, data, receivers, self._db.now_ms, shard))

    @property
    def messages(self) -> list[Published]:
        """Every message recorded, in order."""
        with self._db.lock:
            return list(self._log)

    def on(self, channel: Any) -> list[Published]:
        """The messages published to ``channel``."""
        name = _arg(channel)
        return [message for message in self.messages if message.channel == name]

    def texts(self, channel: Any) -> list[str]:
        """The payloads published to ``channel``, as text."""
        return [message.text for message in self.on(channel)]

    @property
    def channels(self) -> list[bytes]:
        """The channels published to, in order of first use."""
        return list(dict.fromkeys(message.channel for message in self.messages))

    def __len__(self) -> int:
        return len(self._log)

    def clear(self) -> None:
        """Forget what was recorded so far (keep recording)."""
        with self._db.lock:
            self._log.clear()

    def close(self) -> None:
        """Stop recording (what was recorded stays)."""
        with self._db.lock:
            if self._record in self.broker.listeners:
                self.broker.listeners.remove(self._record)

    def __enter__(self) -> PublishLog:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        shown = [(m.channel.decode("utf-8", "replace"), m.text) for m in self.messages]
        return f"PublishLog({shown!r})"


def record_published(db: Database, limit: int | None = None) -> PublishLog:
    return PublishLog(db, limit)
