"""One command, through the REST API, to the fake and to the other endpoint, compared.

``Differential.check(*args)`` sends a command as an Upstash client would to two ``Side``s:
the in-process fake, and the endpoint under test (Upstash, ``fakestash serve``, a REST proxy
over Redis, or fakestash's own REST face over a real Redis server). Before anything is sent:

- ``Scope.refusal`` (``scope.py``) keeps the run inside its own keys; a refused command goes
  to neither side and is counted as skipped, with the reason;
- against Redis, ``fakestash.deviations`` decides how a command on which Upstash differs
  from Redis is checked: a Redis-equivalent command is sent instead, or Upstash's documented
  reply is compared, or the command is not compared; and a version choice newer than the
  server skips the command (sent to neither side, so both stay in step);
- on a read-only run, commands the read-only token may not run are skipped.

Replies are compared after the rules in ``normalise.py``. The first difference raises
``Mismatch`` with the command, both replies, the last commands sent and, when one of the
deviations recognises it, that deviation (``fakestash.deviations.explain``).
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from hashlib import sha1
from typing import TYPE_CHECKING, Any, Protocol, Sequence

from fakestash._conformance import normalise
from fakestash._conformance.scope import Scope, readonly_token_may_run
from fakestash._engine.replies import ErrorReply, Reply
from fakestash.deviations import Deviation, explain, find, version_choice

if TYPE_CHECKING:
    from fakestash._clock import ManualClock
    from fakestash._conformance.wire import Outcome, Side

#: A command must not run within this many seconds of a short TTL's deadline (plus the
#: slowest round trip seen: over a network the sides set and read TTLs further apart).
EXPIRY_GUARD = 0.05
#: The last commands a difference shows.
HISTORY = 12


class Timekeeper(Protocol):
    """What the run reads the time from and waits on."""

    def now(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class WallClock:
    """Real time: ``time.time`` and ``time.sleep``."""

    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


@dataclass
class ManualTime:
    """A manual clock shared with in-process fakes: waiting moves it (a dry run)."""

    clock: ManualClock

    def now(self) -> float:
        return self.clock.time()

    def sleep(self, seconds: float) -> None:
        self.clock.advance(seconds)


class Mismatch(AssertionError):
    """The fake and the endpoint disagree; the message has the argv and both replies."""

    def __init__(
        self,
        argv: Sequence[bytes],
        fake: Outcome,
        other: Outcome,
        text: str,
        explained_by: Deviation | None = None,
        recent: Sequence[Sequence[bytes]] = (),
    ) -> None:
        super().__init__(text)
        self.argv = list(argv)
        self.fake = fake
        self.other = other
        self.explained_by = explained_by
        self.recent = [list(a) for a in recent]


@dataclass
class Differential:
    """The fake and the endpoint under test, and what was met while comparing them.

    ``against`` is what the endpoint behaves like: ``"redis"`` (fakestash's deviations from
    Redis are applied) or ``"upstash"`` (both should answer alike, deviations and all).
    """

    fake: Side
    other: Side
    against: str = "redis"
    version: str = ""
    scope: Scope | None = None
    read_only: bool = False
    clock: Timekeeper = field(default_factory=WallClock)
    #: Short TTLs set so far, as (earliest, latest) deadline: the sides set them a moment
    #: apart. No command runs close to one.
    deadlines: list[tuple[float, float]] = field(default_factory=list)
    _pending_ttl_ms: int | None = None
    #: What was met: deviations applied, version choices skipped, commands skipped and why.
    deviations_seen: Counter[str] = field(default_factory=Counter)
    versions_skipped: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    compared: int = 0
    #: The last commands sent (time, argv): shown with a difference.
    history: list[tuple[float, list[bytes]]] = field(default_factory=list)

    @property
    def redis_like(self) -> bool:
        return self.against == "redis"

    def at_least(self, version: str) -> bool:
        """The endpoint reports Redis ``version`` or newer (unknown: assumed newest)."""
        if not self.version:
            return True
        have = [int(p) for p in self.version.split(".")[:2] if p.isdigit()]
        return have >= [int(p) for p in version.split(".")[:2]]

    # ---- time ------------------------------------------------------------------------

    def now(self) -> float:
        return self.clock.now()

    @property
    def guard(self) -> float:
        return EXPIRY_GUARD + self.other.slowest + self.fake.slowest

    def expire_soon(self, ms: int) -> None:
        """The next command sets a TTL of ``ms`` milliseconds: note its deadline window."""
        self._pending_ttl_ms = ms

    def wait_for_expiry(self) -> None:
        """Wait until every short TTL set so far has passed (plus the guard)."""
        if self.deadlines:
            delay = max(hi for _, hi in self.deadlines) + self.guard - self.now()
            if delay > 0:
                self.clock.sleep(delay)
            self.deadlines.clear()
            self._reap()

    def _keep_clear_of_deadlines(self) -> None:
        """Keep commands out of [earliest deadline - guard, latest deadline + guard]: the
        two sides set and read a short TTL at slightly different moments."""
        now, guard = self.now(), self.guard
        for lo, hi in sorted(self.deadlines):
            if lo - guard <= now <= hi + guard:
                self.clock.sleep(hi + guard - now)
                now = self.now()
        live = [(lo, hi) for lo, hi in self.deadlines if hi + guard > now]
        if len(live) < len(self.deadlines):
            self._reap()
        self.deadlines = live

    def _note_deadline(self, before: float, after: float) -> None:
        ms, self._pending_ttl_ms = self._pending_ttl_ms, None
        if ms is not None:
            self.deadlines.append((before + ms / 1000, after + ms / 1000))

    def _reap(self) -> None:
        """Make the endpoint drop keys whose TTL passed (a full SCAN expires what it meets).

        Redis' DBSIZE counts expired keys until they are reclaimed; the engine counts live
        keys only. Only DBSIZE shows the difference, and it is sent only on a database of
        the run's own, so only then (normalise.py, rule 2).
        """
        if self.scope is not None and not self.scope.exclusive:
            return
        cursor = b"0"
        for _ in range(10_000):
            reply = self.other.command([b"SCAN", cursor, b"COUNT", b"1000"]).reply
            if not isinstance(reply, list) or not reply or not isinstance(reply[0], bytes):
                return
            cursor = reply[0]
            if cursor == b"0":
                return

    # ---- what is not sent ------------------------------------------------------------

    def refusal(self, argv: Sequence[bytes]) -> str | None:
        """Why ``argv`` goes to neither side (counted under that reason), or None."""
        if self.scope is not None:
            reason = self.scope.refusal(argv)
            if reason is not None:
                return reason
        if self.read_only and not readonly_token_may_run(argv):
            return "the token is read-only"
        choice = version_choice(argv, self.version) if self.version else None
        if choice is not None:
            self.versions_skipped[choice.id] += 1
            return f"Redis {self.version} predates it (version choice {choice.id})"
        return None

    def _skip(self, argvs: Sequence[Sequence[bytes]]) -> bool:
        for argv in argvs:
            reason = self.refusal(argv)
            if reason is not None:
                self.skipped[f"{command_title(argv)}: {reason}"] += 1
                return True
        return False

    # ---- one command ----------------------------------------------------------------

    def check(self, *args: Any) -> Reply:
        """Run a command on both sides, compare, and return the fake's reply (None when
        the command was not sent)."""
        argv = [to_bytes(a) for a in args]
        if self._skip([argv]):
            return None
        self._keep_clear_of_deadlines()
        self._remember(argv)
        deviation = find(argv) if self.redis_like else None
        before = self.now()
        fake = self.fake.command(argv)
        if deviation is not None:
            self.deviations_seen[deviation.id] += 1
            other = self._deviating(deviation, argv)
        else:
            other = self.other.command(argv)
        self._note_deadline(before, self.now())
        if other is not None:
            self.compare(argv, fake, other)
        return fake.reply

    def _remember(self, argv: list[bytes]) -> None:
        self.history.append((self.now(), argv))
        del self.history[:-HISTORY]

    def _deviating(self, deviation: Deviation, argv: list[bytes]) -> Outcome | None:
        from fakestash._conformance.wire import Outcome

        if deviation.upstash_reply is not None:
            return Outcome(200, deviation.upstash_reply(argv))
        if deviation.redis_argv is None:
            return None
        redis_argv = deviation.redis_argv(argv)
        real = self.other.command(redis_argv)
        if deviation.adjust is not None and real.status == 200:
            real = Outcome(200, deviation.adjust(argv, real.reply))
        if isinstance(real.reply, ErrorReply):
            real = Outcome(real.status, ErrorReply(_as_sent(argv, redis_argv, real.reply.text)))
        return real

    def compare(self, argv: Sequence[bytes], fake: Outcome, other: Outcome) -> None:
        """Raise ``Mismatch`` unless the two outcomes are the same after normalisation."""
        self.compared += 1
        other_reply = other.reply
        if self.redis_like and not self.at_least("7.2"):
            other_reply = normalise.redis70_to_current(argv, other_reply)
        fake_reply = normalise.normalise(argv, fake.reply)
        other_reply = normalise.normalise(argv, other_reply)
        slack_ms = 1000 * (self.other.slowest + self.fake.slowest)
        if fake.status == other.status and normalise.equivalent(
            argv, fake_reply, other_reply, slack_ms
        ):
            return
        explained = explain(argv, fake.reply, other.reply, self.against)
        raise Mismatch(
            argv,
            fake,
            other,
            self.describe(argv, fake, other),
            explained,
            [past for _, past in self.history],
        )

    def describe(self, argv: Sequence[bytes], fake: Outcome, other: Outcome) -> str:
        start = self.history[0][0] if self.history else 0.0
        recent = "".join(
            f"\n    {1000 * (when - start):8.1f} ms  {shown(past)}" for when, past in self.history
        )
        version = f" (Redis {self.version})" if self.version else ""
        return (
            f"\n  command: {shown(argv)}"
            f"\n  fake:    {fake!r}"
            f"\n  {self.other.label + ':':<8} {other!r}{version}"
            f"\n  last commands sent:{recent}"
        )

    # ---- batches ---------------------------------------------------------------------

    def check_batch(self, kind: str, rows: Sequence[Sequence[Any]]) -> list[Reply]:
        """A /pipeline or /multi-exec request on both sides; items compared one by one."""
        from fakestash._conformance.wire import Outcome

        argvs = [[to_bytes(a) for a in row] for row in rows]
        if self._skip(argvs):
            return []
        self._keep_clear_of_deadlines()
        other_argvs = []
        for argv in argvs:
            self._remember(argv)
            deviation = find(argv) if self.redis_like else None
            if deviation is None:
                other_argvs.append(argv)
            elif deviation.redis_argv is None:
                raise AssertionError(f"do not batch deviating commands: {argv!r}")
            else:
                other_argvs.append(deviation.redis_argv(argv))
        fake = self.fake.batch(kind, argvs)
        other = self.other.batch(kind, other_argvs)
        marker = [f"/{kind}".encode()]
        if not isinstance(fake.reply, list) or not isinstance(other.reply, list):
            if fake.status != other.status or fake.reply != other.reply:
                self._mismatch(marker, fake, other)
            return []
        if len(fake.reply) != len(other.reply):
            self._mismatch(marker, fake, other)
        for argv, fake_item, other_item in zip(argvs, fake.reply, other.reply):
            deviation = find(argv) if self.redis_like else None
            if deviation is not None and deviation.adjust is not None:
                other_item = deviation.adjust(argv, other_item)
            self.compare(argv, Outcome(fake.status, fake_item), Outcome(other.status, other_item))
        return list(fake.reply)

    def _mismatch(self, argv: Sequence[bytes], fake: Outcome, other: Outcome) -> None:
        recent = [past for _, past in self.history]
        raise Mismatch(argv, fake, other, self.describe(argv, fake, other), None, recent)

    # ---- SCAN-style iteration -----------------------------------------------------------

    def check_scan(self, *args: Any, pairs: bool = False) -> Reply:
        """Iterate a SCAN/HSCAN/SSCAN/ZSCAN to the end on each side; compare the union."""
        from fakestash._conformance.wire import Outcome

        argv = [to_bytes(a) for a in args]
        at = 1 if normalise.command_name(argv) == "scan" else 2
        if self._skip([[*argv[:at], b"0", *argv[at:]]]):
            return None
        self._keep_clear_of_deadlines()
        self._remember(argv)
        fake = scan_all(self.fake, argv, at, pairs)
        other = scan_all(self.other, argv, at, pairs)
        if isinstance(other, list) and self.redis_like and not self.at_least("7.2"):
            other = [normalise.redis70_to_current(argv, item) for item in other]
        self.compared += 1
        if fake != other:
            self._mismatch(argv, Outcome(200, fake), Outcome(200, other))
        return fake


def scan_all(side: Side, argv: list[bytes], at: int, pairs: bool) -> Reply:
    """Every element a full SCAN-style iteration returns, de-duplicated and sorted (an error
    reply as it came)."""
    cursor = b"0"
    seen: set[Any] = set()
    for _ in range(10_000):
        outcome = side.command([*argv[:at], cursor, *argv[at:]])
        reply = outcome.reply
        if outcome.status != 200 or not isinstance(reply, list) or len(reply) != 2:
            return reply
        page_cursor, items = reply
        if not isinstance(page_cursor, bytes) or not isinstance(items, list):
            return reply
        cursor = page_cursor
        if pairs:
            seen.update(zip(items[::2], items[1::2]))
        else:
            seen.update(items)
        if cursor == b"0":
            ordered = sorted(seen)
            return [list(pair) for pair in ordered] if pairs else ordered
    return ErrorReply(f"(did not finish in 10000 calls: {shown(argv)})")


def _as_sent(argv: Sequence[bytes], redis_argv: Sequence[bytes], text: str) -> str:
    """An error text about a rewritten script names it by the SHA1 of the script as sent
    (Redis saw it without the Upstash-only shebang flag, so its SHA differs)."""
    for sent, rewritten in zip(argv, redis_argv):
        if sent != rewritten:
            text = text.replace(sha1(rewritten).hexdigest(), sha1(sent).hexdigest())
    return text


#: Commands whose second word names a subcommand (for skip reasons).
_CONTAINERS = frozenset({b"SCRIPT", b"FUNCTION", b"PUBSUB", b"CONFIG", b"CLIENT", b"OBJECT",
                         b"XINFO", b"XGROUP", b"ACL", b"MEMORY"})  # fmt: skip


def command_title(argv: Sequence[bytes]) -> str:
    """A command's name as a person writes it: ``SET``, ``SCRIPT FLUSH``."""
    words = [argv[0].upper()] if argv else [b""]
    if words[0] in _CONTAINERS and len(argv) > 1:
        words.append(argv[1].upper())
    return b" ".join(words).decode("utf-8", "replace")


def shown(argv: Sequence[bytes]) -> str:
    """A command as one line of JSON strings."""
    import json

    return " ".join(json.dumps(a.decode("utf-8", "replace")) for a in argv)


def to_bytes(arg: Any) -> bytes:
    if isinstance(arg, bytes):
        return arg
    if isinstance(arg, str):
        return arg.encode("utf-8", "surrogateescape")
    if isinstance(arg, float):
        return repr(arg).encode()
    return str(arg).encode()
