"""The differential harness: one command, through the REST face, to the fake and to Redis.

``Differential.check(*args)`` sends the command as an Upstash client would (``POST /`` with a
JSON body, RESP2 response format, so reply types stay exact) to two ``FakeStash`` servers:
one on the in-memory engine, one whose database is a real Redis (``RealRedisDatabase``).
Before anything goes to Redis the harness consults ``fakestash.deviations``; replies are
then compared after the rules in ``normalise.py`` and a mismatch fails with the argv and
both replies.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass, field
from hashlib import sha1
from typing import Any, Sequence

import httpx

from fakestash import FakeStash
from fakestash.backends.real_redis import RealRedisDatabase, real_redis_factory
from fakestash.deviations import Deviation, find, version_choice
from fakestash.engine.replies import ErrorReply, Reply, Status
from fakestash.engine.table import TABLE
from tests.conformance import normalise

#: A command that must not run within this many seconds of a short TTL's deadline.
EXPIRY_GUARD = 0.05


@dataclass
class Outcome:
    """What a request came back with: the HTTP status and the decoded reply."""

    status: int
    reply: Reply

    def __repr__(self) -> str:
        return f"{self.status} {self.reply!r}"


class Mismatch(AssertionError):
    """The fake and Redis disagree; the message has the argv and both replies."""


def to_bytes(arg: Any) -> bytes:
    if isinstance(arg, bytes):
        return arg
    if isinstance(arg, str):
        return arg.encode()
    if isinstance(arg, float):
        return repr(arg).encode()
    return str(arg).encode()


@dataclass
class Differential:
    fake: FakeStash
    real: FakeStash
    redis_version: str = ""
    #: Short TTLs the machines set, as (earliest, latest) deadline (time.time()): the sides
    #: set them a moment apart. No command runs close to one.
    deadlines: list[tuple[float, float]] = field(default_factory=list)
    _pending_ttl_ms: int | None = None
    #: Deviation ids met, and commands the fake does not know (both sides refuse them).
    deviations_seen: dict[str, int] = field(default_factory=dict)
    #: Version choices met on an oracle older than them (sent to neither side), by id.
    versions_skipped: dict[str, int] = field(default_factory=dict)
    unregistered: set[str] = field(default_factory=set)
    commands_sent: int = 0
    #: The last commands sent (time, argv): shown with a mismatch, for timing-related ones.
    history: list[tuple[float, list[bytes]]] = field(default_factory=list)

    @classmethod
    def connect(cls, host: str, port: int) -> Differential:
        fake = FakeStash(seed=0)
        real = FakeStash(seed=0, database_factory=real_redis_factory(host, port, allow_flush=True))
        diff = cls(fake, real)
        info = diff.redis.send([b"INFO", b"server"])
        assert isinstance(info, bytes)
        for line in info.split(b"\r\n"):
            if line.startswith(b"redis_version:"):
                diff.redis_version = line.split(b":", 1)[1].decode()
        return diff

    @property
    def redis(self) -> RealRedisDatabase:
        database = self.real.database
        assert isinstance(database, RealRedisDatabase)
        return database

    def close(self) -> None:
        self.redis.close()

    def reset(self) -> None:
        """Empty both sides: keys, scripts (and functions, once that family exists)."""
        self.deadlines.clear()
        self.history.clear()
        self.fake.flush()
        self.real.flush()
        self.redis.send([b"SCRIPT", b"FLUSH"])
        self.redis.send([b"FUNCTION", b"FLUSH"])
        if "script" in TABLE:
            self._quietly(self.fake, [b"SCRIPT", b"FLUSH"])
        if "function" in TABLE:
            self._quietly(self.fake, [b"FUNCTION", b"FLUSH"])

    @staticmethod
    def _quietly(stash: FakeStash, argv: list[bytes]) -> None:
        try:
            stash.database.execute(argv)
        except Exception:
            pass

    # ---- time ------------------------------------------------------------------------

    def expire_soon(self, ms: int) -> None:
        """The next command sets a TTL of ``ms`` milliseconds: note its deadline window."""
        self._pending_ttl_ms = ms

    def wait_for_expiry(self) -> None:
        """Sleep until every short TTL set so far has passed (plus the guard)."""
        if self.deadlines:
            delay = max(hi for _, hi in self.deadlines) + EXPIRY_GUARD - time.time()
            if delay > 0:
                time.sleep(delay)
            self.deadlines.clear()
            self._reap_redis()

    def _guard(self) -> None:
        """Keep commands out of [earliest deadline - guard, latest deadline + guard]: the two
        sides set and read a short TTL at slightly different moments."""
        now = time.time()
        for lo, hi in sorted(self.deadlines):
            if lo - EXPIRY_GUARD <= now <= hi + EXPIRY_GUARD:
                time.sleep(hi + EXPIRY_GUARD - now)
                now = time.time()
        live = [(lo, hi) for lo, hi in self.deadlines if hi + EXPIRY_GUARD > now]
        if len(live) < len(self.deadlines):
            self._reap_redis()
        self.deadlines = live

    def _note_deadline(self, before: float, after: float) -> None:
        ms, self._pending_ttl_ms = self._pending_ttl_ms, None
        if ms is not None:
            self.deadlines.append((before + ms / 1000, after + ms / 1000))

    def _reap_redis(self) -> None:
        """Make Redis drop keys whose TTL passed (a full SCAN expires what it meets).

        Redis' DBSIZE counts expired keys until they are reclaimed; the engine counts live
        keys only (DESIGN: an expired key is gone for every command). See normalise.py.
        """
        cursor = b"0"
        while True:
            reply = self.redis.send([b"SCAN", cursor, b"COUNT", b"1000"])
            assert isinstance(reply, list) and isinstance(reply[0], bytes)
            cursor = reply[0]
            if cursor == b"0":
                return

    # ---- one command ----------------------------------------------------------------

    def check(self, *args: Any) -> Reply:
        """Run a command on both sides, compare, and return the fake's reply."""
        argv = [to_bytes(a) for a in args]
        if self._too_new(argv):
            return None
        self._guard()
        self._remember(argv)
        name = normalise.command_name(argv)
        if name not in TABLE:
            self.unregistered.add(name)
        deviation = find(argv)
        before = time.time()
        fake = post_command(self.fake, argv)
        if deviation is not None:
            self.deviations_seen[deviation.id] = self.deviations_seen.get(deviation.id, 0) + 1
            real = self._deviating(deviation, argv)
        else:
            real = post_command(self.real, argv)
        self._note_deadline(before, time.time())
        if real is None:
            return fake.reply
        self.compare(argv, fake, real)
        return fake.reply

    def _too_new(self, argv: Sequence[bytes]) -> bool:
        """A command whose behaviour this Redis predates (``deviations.VERSION_CHOICES``):
        counted, and sent to neither side, so the two stay in step."""
        choice = version_choice(argv, self.redis_version)
        if choice is None:
            return False
        self.versions_skipped[choice.id] = self.versions_skipped.get(choice.id, 0) + 1
        return True

    def at_least(self, version: str) -> bool:
        """This oracle is Redis ``version`` or newer."""
        have = [int(p) for p in self.redis_version.split(".")[:2]]
        return have >= [int(p) for p in version.split(".")[:2]]

    def _remember(self, argv: list[bytes]) -> None:
        self.commands_sent += 1
        self.history.append((time.time(), argv))
        del self.history[:-12]

    def _deviating(self, deviation: Deviation, argv: list[bytes]) -> Outcome | None:
        if deviation.upstash_reply is not None:
            return Outcome(200, deviation.upstash_reply(argv))
        if deviation.redis_argv is None:
            return None
        redis_argv = deviation.redis_argv(argv)
        real = post_command(self.real, redis_argv)
        if deviation.adjust is not None and real.status == 200:
            real = Outcome(200, deviation.adjust(argv, real.reply))
        if isinstance(real.reply, ErrorReply):
            real = Outcome(real.status, ErrorReply(_as_sent(argv, redis_argv, real.reply.text)))
        return real

    def compare(self, argv: Sequence[bytes], fake: Outcome, real: Outcome) -> None:
        fake_reply = normalise.normalise(argv, fake.reply)
        real_reply = normalise.normalise(argv, normalise.redis70_to_current(argv, real.reply))
        same = fake.status == real.status and normalise.equivalent(argv, fake_reply, real_reply)
        if not same:
            raise Mismatch(self.describe(argv, fake, real))

    def describe(self, argv: Sequence[bytes], fake: Outcome, real: Outcome) -> str:
        start = self.history[0][0] if self.history else 0.0
        recent = "".join(
            f"\n    {1000 * (when - start):8.1f} ms  {_shown(past)}" for when, past in self.history
        )
        return (
            f"\n  command: {_shown(argv)}"
            f"\n  fake:    {fake!r}"
            f"\n  redis:   {real!r}   (Redis {self.redis_version})"
            f"\n  last commands sent (this machine run):{recent}"
        )

    # ---- batches ---------------------------------------------------------------------

    def check_batch(self, kind: str, rows: Sequence[Sequence[Any]]) -> list[Reply]:
        """A /pipeline or /multi-exec request on both sides; items compared one by one."""
        argvs = [[to_bytes(a) for a in row] for row in rows]
        if any(self._too_new(argv) for argv in argvs):
            return []
        self._guard()
        self.commands_sent += len(argvs)
        real_argvs = []
        for argv in argvs:
            deviation = find(argv)
            if deviation is not None and deviation.redis_argv is None:
                raise AssertionError(f"do not batch deviating commands: {argv!r}")
            real_argvs.append(deviation.redis_argv(argv) if deviation else argv)
        fake = post_batch(self.fake, kind, argvs)
        real = post_batch(self.real, kind, real_argvs)
        if not isinstance(fake.reply, list) or not isinstance(real.reply, list):
            if fake.status != real.status or fake.reply != real.reply:
                raise Mismatch(self.describe([kind.encode()], fake, real))
            return []
        if len(fake.reply) != len(real.reply):
            raise Mismatch(self.describe([kind.encode()], fake, real))
        for argv, fake_item, real_item in zip(argvs, fake.reply, real.reply):
            deviation = find(argv)
            if deviation is not None and deviation.adjust is not None:
                real_item = deviation.adjust(argv, real_item)
            self.compare(argv, Outcome(fake.status, fake_item), Outcome(real.status, real_item))
        return list(fake.reply)

    # ---- SCAN-style iteration -----------------------------------------------------------

    def check_scan(self, *args: Any, pairs: bool = False) -> list[Reply]:
        """Iterate a SCAN/HSCAN/SSCAN/ZSCAN to the end on each side; compare the union."""
        argv = [to_bytes(a) for a in args]
        self._guard()
        fake = scan_all(self.fake, argv, pairs)
        real = scan_all(self.real, argv, pairs)
        if isinstance(real, list):
            real = [normalise.redis70_to_current(argv, item) for item in real]
        if fake != real:
            raise Mismatch(self.describe(argv, Outcome(0, fake), Outcome(0, real)))
        return fake


def _as_sent(argv: Sequence[bytes], redis_argv: Sequence[bytes], text: str) -> str:
    """An error text about a rewritten script names it by the SHA1 of the script as sent
    (Redis saw it without the Upstash-only shebang flag, so its SHA differs)."""
    for sent, rewritten in zip(argv, redis_argv):
        if sent != rewritten:
            text = text.replace(sha1(rewritten).hexdigest(), sha1(sent).hexdigest())
    return text


def _shown(argv: Sequence[bytes]) -> str:
    return " ".join(json.dumps(a.decode("utf-8", "replace")) for a in argv)


def scan_all(stash: FakeStash, argv: list[bytes], pairs: bool) -> Reply:
    """Every element a full SCAN-style iteration returns, de-duplicated and sorted."""
    cursor_at = 1 if normalise.command_name(argv) == "scan" else 2
    cursor = b"0"
    seen: set[Any] = set()
    for _ in range(10_000):
        call = list(argv)
        call.insert(cursor_at, cursor)
        outcome = post_command(stash, call)
        if outcome.status != 200:
            return outcome.reply
        reply = outcome.reply
        assert isinstance(reply, list) and len(reply) == 2, reply
        cursor, items = reply
        assert isinstance(cursor, bytes) and isinstance(items, list)
        if pairs:
            seen.update(zip(items[::2], items[1::2]))
        else:
            seen.update(items)  # type: ignore[arg-type]
        if cursor == b"0":
            ordered = sorted(seen)
            if pairs:
                return [list(pair) for pair in ordered]
            return ordered
    raise AssertionError(f"{argv!r} did not finish in 10000 calls on {stash!r}")


# ---- the REST face as a client sees it -------------------------------------------------------


def _json_args(argv: Sequence[bytes]) -> list[str]:
    return [a.decode("utf-8", "surrogateescape") for a in argv]


def _request(stash: FakeStash, path: str, body: Any, headers: dict[str, str]) -> httpx.Response:
    content = json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogateescape")
    request = httpx.Request(
        "POST",
        stash.url + path,
        content=content,
        headers={"authorization": f"Bearer {stash.token}", **headers},
    )
    return stash.handle_request(request)


def post_command(stash: FakeStash, argv: Sequence[bytes]) -> Outcome:
    """``POST /`` with ``Upstash-Response-Format: resp2``: exact reply types."""
    response = _request(stash, "/", _json_args(argv), {"upstash-response-format": "resp2"})
    if response.headers.get("content-type") != "application/octet-stream":
        return Outcome(response.status_code, ErrorReply(f"(json) {response.text}"))
    reply, rest = parse_resp2(response.content)
    assert rest == b"", rest
    return Outcome(response.status_code, reply)


def post_batch(stash: FakeStash, kind: str, argvs: Sequence[Sequence[bytes]]) -> Outcome:
    """``/pipeline`` in RESP2 (exact types); ``/multi-exec`` in base64 JSON (RESP2 is
    refused there), decoded back to bytes."""
    body = [_json_args(argv) for argv in argvs]
    if kind == "pipeline":
        response = _request(stash, "/pipeline", body, {"upstash-response-format": "resp2"})
        if response.headers.get("content-type") != "application/octet-stream":
            return Outcome(response.status_code, ErrorReply(f"(json) {response.text}"))
        items: list[Reply] = []
        data = response.content
        while data:
            item, data = parse_resp2(data)
            items.append(item)
        return Outcome(response.status_code, items)
    response = _request(stash, "/multi-exec", body, {"upstash-encoding": "base64"})
    data = response.json()
    if isinstance(data, dict):
        return Outcome(response.status_code, ErrorReply(str(data.get("error"))))
    return Outcome(response.status_code, [_from_base64_item(item) for item in data])


def _from_base64_item(item: dict[str, Any]) -> Reply:
    if "error" in item:
        return ErrorReply(item["error"])
    return _from_base64(item["result"])


def _from_base64(value: Any) -> Reply:
    if isinstance(value, str):
        return Status("OK") if value == "OK" else base64.b64decode(value)
    if isinstance(value, list):
        return [_from_base64(v) for v in value]
    assert value is None or isinstance(value, int), value
    return value  # type: ignore[no-any-return]


def parse_resp2(data: bytes) -> tuple[Reply, bytes]:
    """One RESP2 value from the front of ``data``; returns it and the rest."""
    line, _, rest = data.partition(b"\r\n")
    kind, body = line[:1], line[1:]
    if kind == b"+":
        return Status(body.decode()), rest
    if kind == b"-":
        return ErrorReply(body.decode("utf-8", "replace")), rest
    if kind == b":":
        return int(body), rest
    if kind == b"$":
        size = int(body)
        if size < 0:
            return None, rest
        return rest[:size], rest[size + 2 :]
    if kind == b"*":
        count = int(body)
        if count < 0:
            return None, rest
        items = []
        for _ in range(count):
            item, rest = parse_resp2(rest)
            items.append(item)
        return items, rest
    raise ValueError(f"not RESP2: {data[:50]!r}")
