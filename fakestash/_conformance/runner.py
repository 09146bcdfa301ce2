"""A conformance run: look at the endpoint, count what will be sent, check it is safe, run
the wire checks and the command families against the endpoint and a fake side by side, clean
up, report.

The order, and why:

1. **Look** (four read-only commands, announced before they go): PING (does it answer RESP2?
   is the token good?), INFO (which Redis it reports), DBSIZE (how big the database is), and
   the first SCAN over the run's random prefix (a read-only token is refused SCAN: then the
   run is read-only).
2. **Count**: the whole run is played once against a second in-process fake on a manual
   clock (no waiting), which counts the commands it would send; the count is printed, and a
   run over ``max_commands`` stops here (Upstash bills per command).
3. **Check the prefix**: the rest of the SCAN; a prefix that holds keys stops the run.
4. **Run**: wire checks and open questions, then each family's sequences. A sequence runs on
   a fresh fake, under its own prefix, and stops at its first difference; its keys (and
   function libraries) are removed from the endpoint when it ends.
5. **Clean up**: a last SCAN over the prefix removes anything left (never FLUSHALL).
"""

from __future__ import annotations

import time
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from fakestash._conformance.checks import CHECKS, STREAM_TIMEOUT, Check, Probe
from fakestash._conformance.differential import (
    Differential,
    ManualTime,
    Mismatch,
    Timekeeper,
    WallClock,
    shown,
)
from fakestash._conformance.draw import Draw, seeded
from fakestash._conformance.families import FAMILIES
from fakestash._conformance.report import CheckResult, Difference, FamilyResult, Report, show
from fakestash._conformance.scope import Scope, name_tag, run_prefix
from fakestash._conformance.sequence import Family, Seq, run_sequence
from fakestash._conformance.wire import Outcome, Side
from fakestash._engine.replies import ErrorReply
from fakestash.deviations import find

if TYPE_CHECKING:
    from fakestash._clock import Clock
    from fakestash._server import FakeStash

#: Builds the fake for a sequence: (seed, clock or None for the system clock).
FakeFactory = Callable[[int, "Clock | None"], "FakeStash"]
#: Keys longer than this are removed one per command (Upstash refuses a longer key in a
#: command, and with it the whole UNLINK).
LONG_KEY = 32 * 1024
#: Keys a SCAN call reads (Upstash: exactly; Redis: about).
SCAN_COUNT = 1000


class RunError(Exception):
    """The run cannot start or go on; the text says why and what to do."""


class BudgetExceeded(RunError):
    """The endpoint was about to receive more commands than allowed."""


@dataclass
class Options:
    """What to run. ``families``/``checks``: None means all of them."""

    seed: int = 0
    sequences: int = 10
    steps: int = 30
    families: tuple[str, ...] | None = None
    checks: tuple[str, ...] | None = None
    #: Run only this sequence (by number) of each family: a reproduction.
    sequence: int | None = None
    max_commands: int = 10_000
    exclusive: bool = False
    read_only: bool = False

    def selected_families(self) -> list[Family]:
        names = list(FAMILIES) if self.families is None else list(self.families)
        unknown = [name for name in names if name not in FAMILIES]
        if unknown:
            raise RunError(f"unknown families: {', '.join(unknown)}; known: {', '.join(FAMILIES)}")
        return [FAMILIES[name] for name in names]

    def selected_checks(self) -> list[Check]:
        if self.checks is None:
            return list(CHECKS)
        known = {c.id: c for c in CHECKS}
        unknown = [name for name in self.checks if name not in known]
        if unknown:
            raise RunError(f"unknown checks: {', '.join(unknown)}; known: {', '.join(known)}")
        return [known[name] for name in self.checks]

    def sequence_numbers(self) -> range:
        if self.sequence is not None:
            return range(self.sequence, self.sequence + 1)
        return range(self.sequences)


@dataclass
class Target:
    """The endpoint under test, as the run reaches it."""

    side: Side
    #: What it behaves like: "redis" or "upstash".
    against: str
    #: Its address as the report shows it (no secrets) and a reproduction line names it.
    display: str
    #: It serves server-sent event streams (pub/sub, MONITOR).
    streams: bool = True
    closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        self.side.close()
        for closer in self.closers:
            closer()


def open_target(
    url: str,
    token: str | None = None,
    *,
    against: str | None = None,
    transport: Any = None,
) -> Target:
    """The endpoint at ``url``: ``http(s)://`` (Upstash, ``fakestash serve``, a REST proxy)
    with ``token``, or ``redis://``/``rediss://``/``unix://``: a Redis server reached
    through fakestash's own REST face (``fakestash/_backends/real_redis.py``)."""
    if url.startswith(("redis://", "rediss://", "unix://")):
        from fakestash._backends.connection import RedisAddress
        from fakestash._backends.real_redis import real_redis_factory
        from fakestash._server import FakeStash

        address = RedisAddress.from_url(url)
        stash = FakeStash(seed=0, database_factory=real_redis_factory(address))
        side = Side.of_fake(stash, label="redis")
        closers = [stash.close, *(db.close for db in _redis_databases(stash))]
        return Target(side, against or "redis", str(address), streams=False, closers=closers)
    if not url.startswith(("http://", "https://")):
        raise RunError(f"not an endpoint URL (http://, https://, redis://, rediss://): {url!r}")
    if not token:
        raise RunError(f"{url} needs a token: --token, or UPSTASH_REDIS_REST_TOKEN")
    side = Side.of_url(url, token, transport=transport)
    return Target(side, against or "upstash", url.rstrip("/"))


def _redis_databases(stash: FakeStash) -> list[Any]:
    from fakestash._backends.real_redis import RealRedisDatabase

    return [e.database for e in stash.endpoints if isinstance(e.database, RealRedisDatabase)]


def default_fake(seed: int, clock: Clock | None) -> FakeStash:
    from fakestash._server import FakeStash

    return FakeStash(seed=seed, clock=clock)


def _no_reproduction(*words: str) -> str:
    return ""


@dataclass
class Session:
    """What every check and sequence of one pass needs: the endpoint's side and what it is,
    the run's prefix and clock, and how to make a fake."""

    other: Side
    against: str = "redis"
    version: str = ""
    read_only: bool = False
    exclusive: bool = False
    streams: bool = True
    prefix: str = field(default_factory=run_prefix)
    time: Timekeeper = field(default_factory=WallClock)
    clock: Clock | None = None
    fake_factory: FakeFactory = default_fake
    reproduce: Callable[..., str] = _no_reproduction
    seed: int = 0

    def fake_side(self, seed: int) -> tuple[FakeStash, Side]:
        stash = self.fake_factory(seed, self.clock)
        stash.broker().idle_timeout = STREAM_TIMEOUT  # a stream waits no longer than the other
        side = Side.of_fake(stash, token=stash.readonly_token if self.read_only else None)
        side.resp2 = self.other.resp2
        return stash, side

    def scope(self, where: str, number: int) -> Scope:
        tag = f"{name_tag(self.prefix)}_{where.replace('-', '_')}_{number}"
        return Scope(f"{self.prefix}{where}:{number}:", tag, exclusive=self.exclusive)


class Runner:
    """One run against one target; ``run()`` returns the report (``RunError`` when the run
    cannot start or was stopped for safety)."""

    def __init__(
        self,
        target: Target,
        options: Options,
        *,
        fake_factory: FakeFactory = default_fake,
        say: Callable[[str], None] = print,
        prefix: str | None = None,
        repro_flags: Iterable[str] = (),
    ) -> None:
        self.target = target
        self.options = options
        self.fake_factory = fake_factory
        self.say = say
        self.prefix = prefix or run_prefix()
        self.repro_flags = list(repro_flags)
        self.limit: int | None = None
        self.report = Report(target.display, target.against, seed=options.seed,
                             sequences=len(options.sequence_numbers()), steps=options.steps,
                             exclusive=options.exclusive, read_only=options.read_only)  # fmt: skip

    # ---- the budget ----------------------------------------------------------------------

    def _spend(self, commands: int) -> None:
        if self.limit is not None and self.target.side.commands + commands > self.limit:
            raise BudgetExceeded(f"--max-commands {self.limit} reached")

    # ---- the run -----------------------------------------------------------------------

    def run(self) -> Report:
        families, checks = self.options.selected_families(), self.options.selected_checks()
        side = self.target.side
        side.before_send = self._spend
        self.say(f"Looking at {self.target.display}: PING, INFO, DBSIZE, SCAN (4 commands)")
        keys_at_start, cursor = self._look()
        session = self._session(self.target.side, WallClock(), None)
        planned = self._plan(families, checks)
        pages = keys_at_start // SCAN_COUNT + 1
        sweeps = 0 if self.report.read_only else pages + (0 if cursor == b"0" else pages)
        total = planned + sweeps
        self.report.planned_commands = side.commands + total
        self.say(f"The run will send about {total} more commands to the endpoint ({planned} "
                 f"for the checks and sequences, clean-up included; {sweeps} SCAN call(s) to "
                 f"check the prefix; seed {self.options.seed})")  # fmt: skip
        if self.report.planned_commands > self.options.max_commands:
            raise RunError(
                f"the run would send about {self.report.planned_commands} commands, more "
                f"than --max-commands "
                f"{self.options.max_commands}: lower --sequences or --steps, pick --families, "
                "or raise --max-commands"
            )
        if not self.report.read_only:
            self._check_prefix(cursor)
        self.limit = self.options.max_commands
        try:
            self._run(session, families, checks)
        finally:
            self.limit = None
            self.report.commands_sent = side.commands
            if not self.report.read_only:
                self._sweep()
            self.report.commands_sent = side.commands
        return self.report

    def _run(self, session: Session, families: list[Family], checks: list[Check]) -> None:
        try:
            for check in checks:
                self.report.checks.append(run_check(session, check))
            for family in families:
                self.say(f"  {family.name} …")
                result = FamilyResult(family.name, family.summary)
                self.report.families.append(result)  # in the report even if cut short
                run_family(session, family, self.options, result)
        except BudgetExceeded as exc:
            self.report.notes.append(f"stopped early: {exc}; what had not run is missing")

    def _session(self, other: Side, clock: Timekeeper, fake_clock: Clock | None) -> Session:
        return Session(
            other, self.target.against, self.report.version, self.report.read_only,
            self.options.exclusive, self.target.streams, self.prefix, clock, fake_clock,
            self.fake_factory, self.reproduce, self.options.seed,
        )  # fmt: skip

    # ---- 1. look ---------------------------------------------------------------------------

    def _look(self) -> tuple[int, bytes]:
        side = self.target.side
        pong = side.command([b"PING"])
        if pong.status == 200 and pong.reply == "PONG":
            side.resp2 = True
        else:
            side.resp2 = False
            pong = side.command([b"PING"])
            if pong.status == 401:
                raise RunError(f"{self.target.display} refused the token: {pong.reply!r}")
            if pong.status != 200:
                raise RunError(f"{self.target.display} answered PING with {pong!r}")
        self.report.resp2 = side.resp2
        self.report.version = _version(side.command([b"INFO", b"server"]).reply)
        size = side.command([b"DBSIZE"]).reply
        keys_at_start = size if isinstance(size, int) else 0
        if self.options.exclusive and keys_at_start:
            raise RunError(
                f"--exclusive needs a database of the run's own, and this one holds "
                f"{keys_at_start} keys: run without --exclusive"
            )
        first = self._scan_prefix(b"0")
        if isinstance(first.reply, ErrorReply) or first.status != 200:
            if "NOPERM" not in str(first.reply):
                raise RunError(f"SCAN over the run's prefix failed: {first!r}")
            self.report.read_only = True  # a read-only token: nothing will be written
            return keys_at_start, b"0"
        self.report.read_only = self.options.read_only
        cursor, found = _scan_page(first.reply)
        if found:
            raise RunError(f"the prefix {self.prefix!r} already holds keys: {found[:5]!r}")
        return keys_at_start, cursor

    def _scan_prefix(self, cursor: bytes) -> Outcome:
        pattern = self.prefix.encode() + b"*"
        count = str(SCAN_COUNT).encode()
        return self.target.side.command([b"SCAN", cursor, b"MATCH", pattern, b"COUNT", count])

    # ---- 2. count --------------------------------------------------------------------------

    def _plan(self, families: list[Family], checks: list[Check]) -> int:
        """The commands the run would send, counted against an in-process fake on a manual
        clock (waiting for TTLs moves the clock, so this takes no time)."""
        from fakestash._clock import ManualClock
        from fakestash._server import FakeStash

        clock = ManualClock(time.time())
        stand_in = FakeStash(seed=0, clock=clock)
        other = Side.of_fake(stand_in, label="plan")
        other.resp2 = self.target.side.resp2
        session = self._session(other, ManualTime(clock), clock)
        try:
            for check in checks:
                run_check(session, check)
            for family in families:
                run_family(session, family, self.options)
        finally:
            other.close()
            stand_in.close()
        return other.commands

    # ---- 3. the prefix, 5. the last sweep ------------------------------------------------

    def _check_prefix(self, cursor: bytes) -> None:
        while cursor != b"0":
            page = self._scan_prefix(cursor)
            cursor, found = _scan_page(page.reply)
            if found:
                raise RunError(f"the prefix {self.prefix!r} already holds keys: {found[:5]!r}")

    def _sweep(self) -> None:
        """Remove whatever the run left under its prefix (never FLUSHALL)."""
        cursor, removed = b"0", 0
        try:
            while True:
                cursor, found = _scan_page(self._scan_prefix(cursor).reply)
                removed += remove_keys(self.target.side, found)
                if cursor == b"0":
                    break
        except Exception as exc:  # report it, whatever it is: the keys may still be there
            self.report.notes.append(f"clean-up failed ({exc}): remove keys {self.prefix}*")
            return
        if removed:
            self.report.notes.append(f"clean-up: removed {removed} keys left under the prefix")

    # ---- reproduction lines -----------------------------------------------------------------

    def reproduce(self, *words: str) -> str:
        flags = [*self.repro_flags, f"--seed {self.options.seed}", *words]
        return " ".join(["fakestash conformance", self.target.display, *flags])


def _version(info: Any) -> str:
    if isinstance(info, bytes):
        for line in info.split(b"\r\n"):
            if line.startswith(b"redis_version:"):
                return line.split(b":", 1)[1].decode("ascii", "replace").strip()
    return ""


def _scan_page(reply: Any) -> tuple[bytes, list[bytes]]:
    if isinstance(reply, list) and len(reply) == 2 and isinstance(reply[0], bytes):
        items = reply[1] if isinstance(reply[1], list) else []
        return reply[0], [item for item in items if isinstance(item, bytes)]
    raise RunError(f"SCAN answered {reply!r}")


def remove_keys(side: Side, keys: Iterable[bytes | str]) -> int:
    """UNLINK the keys (long ones one by one); the number the endpoint removed. Clean-up
    is not held to the run's budget."""
    raw = sorted({k.encode() if isinstance(k, str) else k for k in keys})
    short = [k for k in raw if len(k) <= LONG_KEY]
    removed = 0
    batches = [short[i : i + 500] for i in range(0, len(short), 500)]
    with side.unmetered():
        for batch in batches + [[k] for k in raw if len(k) > LONG_KEY]:
            reply = side.command([b"UNLINK", *batch]).reply
            removed += reply if isinstance(reply, int) else 0
    return removed


# ---- the checks -------------------------------------------------------------------------------


def run_check(session: Session, check: Check) -> CheckResult:
    result = CheckResult(check.id, check.title, "skipped", check.question)
    reason = _check_skip(session, check)
    if reason is not None:
        result.reason = reason
        return result
    stash, fake = session.fake_side(0)
    scope = session.scope("checks", 0)
    other = Probe(session.other, scope, check.id)
    try:
        result.fake = _observe(check, Probe(fake, scope, check.id))
        result.endpoint = _observe(check, other)
    finally:
        fake.close()
        stash.close()
        if not session.read_only:
            remove_keys(session.other, scope.keys)
    result.outcome = "matched" if result.fake == result.endpoint else "differed"
    if result.outcome == "differed":
        result.reproduce = session.reproduce(f"--checks {check.id}")
        if session.against == "redis":
            found = [d for d in (find(argv) for argv in other.sent) if d is not None]
            result.explained_by = found[0].id if found else None
    return result


def _check_skip(session: Session, check: Check) -> str | None:
    if check.needs_write_token and session.read_only:
        return "the token is read-only"
    if check.read_only and not session.read_only:
        return "needs a read-only token (run again with one to check it)"
    if check.streams and not session.streams:
        return "the endpoint serves no event streams (a Redis server behind fakestash's face)"
    if session.against == "redis" and check.since and _older(session.version, check.since):
        return f"shows Redis {check.since}'s answer; the endpoint is {session.version}"
    return None


def _observe(check: Check, probe: Probe) -> Any:
    import json

    try:
        observed = check.observe(probe)
    except BudgetExceeded:
        raise
    except Exception as exc:  # an observation too: the other side may not raise
        observed = {"raised": f"{type(exc).__name__}: {exc}"}
    return json.loads(json.dumps(observed, default=str))


# ---- the families -----------------------------------------------------------------------------


def run_family(
    session: Session, family: Family, options: Options, result: FamilyResult | None = None
) -> FamilyResult:
    """Run a family's sequences (into ``result`` if given) and return what happened."""
    result = result or FamilyResult(family.name, family.summary)
    if (
        session.against == "redis"
        and family.since is not None
        and session.version
        and _older(session.version, family.since)
    ):
        result.skipped_because = f"needs Redis {family.since}; the endpoint is {session.version}"
        return result
    for number in options.sequence_numbers():
        run_one(session, family, number, options.steps, result)
    return result


def _older(version: str, since: str) -> bool:
    def parts(text: str) -> list[int]:
        return [int(p) for p in text.split(".")[:2] if p.isdigit()]

    return parts(version) < parts(since)


def fake_seed(seed: int, family: str, number: int) -> int:
    """The seed of a sequence's fake (its random picks): a function of the three only."""
    return zlib.crc32(f"{seed}:{family}:{number}".encode())


@contextmanager
def sequence_pair(
    session: Session, family: Family, number: int, draw: Draw | None = None
) -> Iterator[Seq]:
    """A sequence ready to run: a fresh fake, the sequence's names, its draw (by default
    the run's seeded one). What it made on the endpoint is removed when the block ends."""
    stash, fake = session.fake_side(fake_seed(session.seed, family.name, number))
    scope = session.scope(family.name, number)
    diff = Differential(fake, session.other, session.against, session.version, scope,
                        session.read_only, session.time)  # fmt: skip
    try:
        yield Seq(diff, draw or seeded(session.seed, family.name, number), scope, family)
    finally:
        fake.close()
        stash.close()
        if not session.read_only:
            _clean(session.other, scope)


def run_one(
    session: Session, family: Family, number: int, steps: int, result: FamilyResult
) -> None:
    """Run sequence ``number`` of ``family`` and add what happened to ``result``."""
    result.sequences += 1
    with sequence_pair(session, family, number) as seq:
        try:
            run_sequence(family, seq, steps)
            result.matched += 1
        except Mismatch as mismatch:
            result.differed += 1
            result.differences.append(_difference(session, family, number, mismatch, seq.scope))
        except AssertionError as failed:  # a rule's own check on the fake's replies
            result.differed += 1
            result.differences.append(_failed_rule(session, family, number, failed, seq))
        finally:
            _merge(result, seq.diff)


def _merge(result: FamilyResult, diff: Differential) -> None:
    result.compared += diff.compared
    for reason, count in diff.skipped.items():
        result.skipped[reason] = result.skipped.get(reason, 0) + count
    for name, count in diff.deviations_seen.items():
        result.deviations[name] = result.deviations.get(name, 0) + count


def _clean(side: Side, scope: Scope) -> None:
    """Remove what a sequence made: its keys and its function libraries."""
    remove_keys(side, scope.keys)
    with side.unmetered():
        for library in sorted(scope.libraries):
            side.command([b"FUNCTION", b"DELETE", library.encode()])


def _hide(text: str, scope: Scope) -> str:
    return text.replace(scope.prefix, "<p>")


def _difference(
    session: Session, family: Family, number: int, mismatch: Mismatch, scope: Scope
) -> Difference:
    return Difference(
        where=f"{family.name} sequence {number}",
        command=_hide(shown(mismatch.argv), scope),
        fake=_hide(_outcome(mismatch.fake), scope),
        endpoint=_hide(_outcome(mismatch.other), scope),
        reproduce=session.reproduce(f"--family {family.name}", f"--sequence {number}"),
        explained_by=mismatch.explained_by.id if mismatch.explained_by else None,
        recent=[_hide(shown(argv), scope) for argv in mismatch.recent[:-1]],
    )


def _failed_rule(
    session: Session, family: Family, number: int, failed: AssertionError, seq: Seq
) -> Difference:
    recent, scope = [argv for _, argv in seq.diff.history], seq.scope
    return Difference(
        where=f"{family.name} sequence {number}",
        command=_hide(shown(recent[-1]) if recent else "", scope),
        fake=_hide(f"inconsistent: {failed}", scope),
        endpoint="(not compared)",
        reproduce=session.reproduce(f"--family {family.name}", f"--sequence {number}"),
        recent=[_hide(shown(argv), scope) for argv in recent[:-1]],
    )


def _outcome(outcome: Outcome) -> str:
    status = "" if outcome.status == 200 else f"HTTP {outcome.status} "
    return status + show(outcome.reply)
