"""``FakeStash``: the fake Upstash service. Databases by URL, tokens, clock, seed, one lock."""

from __future__ import annotations

import random
import secrets
import threading
from typing import TYPE_CHECKING, Any, Callable, Iterable

from fakestash._clock import Clock, make_clock
from fakestash._endpoints import Endpoint, Endpoints
from fakestash._engine.acl import register_builtin_tokens
from fakestash._engine.args import to_arg
from fakestash._engine.database import Database
from fakestash._engine.registry import Registry
from fakestash._faults import FaultRule, Faults
from fakestash._limits import DEFAULT_LIMITS, Limits
from fakestash._rest.face import Face

if TYPE_CHECKING:
    import httpx

    from fakestash._engine.broker import Broker
    from fakestash._engine.replies import Reply
    from fakestash._meter import Meter
    from fakestash._pubsub_api import Collector, CommandLog, PublishLog
    from fakestash._snapshot import Snapshot
    from fakestash._transport import AsyncFakestashTransport, FakestashTransport

__all__ = ["Endpoint", "FakeStash", "to_arg"]


#: Builds a database from keyword args ``clock``, ``rng``, ``lock``, ``name``, ``registry``.
DatabaseFactory = Callable[..., Database]


def _normalise_url(url: str) -> str:
    url = url.rstrip("/")
    if "://" not in url:
        url = "https://" + url
    return url


class FakeStash:
    """An in-memory Upstash Redis service with one or more databases.

    >>> stash = FakeStash(seed=1)
    >>> stash.execute("SET", "greeting", "hi")
    Status('OK')

    Reach it over HTTP by routing it (``with stash:``, or the pytest plugin's
    ``fakestash`` fixture, which does that for each test) or through an explicit
    transport (``httpx.Client(transport=stash.transport())``). Each instance is
    independent: its own databases, clock, random generator and lock.

    Args:
        seed: Seeds every random choice (SPOP, RANDOMKEY, a fault's ``rate``...): the same
            seed and commands give the same replies in any process.
        clock: ``"system"`` (the default, also ``None``: reads ``time.time()``, so
            freezegun and time-machine move it), ``"manual"`` (a new ``ManualClock``) or
            a clock object. Anything else raises ``ValueError`` with the choices.
        url: The first database's URL; generated (``https://fakestash-<hex>.upstash.io``)
            when not given. Pass your app's own to serve it.
        token: The first database's standard token; generated when not given.
        readonly_token: Its read-only token; generated when not given.
        limits: Size limits for the databases (default: the free plan's).
        database_factory: Builds each database; the conformance tests pass a real-Redis
            backend here. Leave it out.
        faults: ``FaultRule``s applied from the first request (see ``faults``).
        registry: The commands served (default: every family fakestash has,
            ``Registry.default()``); ``Registry.default().without("eval")`` serves fewer,
            ``.with_family(family)`` more.

    Attributes:
        seed: The seed given.
        clock: The clock every database reads: ``stash.clock.advance(seconds=5)`` when it
            is a ``ManualClock``.
        endpoints: The databases, in the order they were made (``db=i`` is index ``i``).
        faults: Injected failures: ``stash.faults.fail_next(2, Fault.connect_error())``,
            ``stash.faults.fail(Fault.max_requests(), command="SET")``; ``.pending``,
            ``.log``, ``.clear()``.
    """

    def __init__(
        self,
        seed: int = 0,
        clock: Clock | str | None = None,
        url: str | None = None,
        token: str | None = None,
        readonly_token: str | None = None,
        limits: Limits | None = None,
        database_factory: DatabaseFactory | None = None,
        faults: Iterable[FaultRule] = (),
        registry: Registry | None = None,
    ) -> None:
        _check_types(seed=seed, url=url, token=token, readonly_token=readonly_token)
        self.seed = seed
        #: Builds each database (keyword args: clock, rng, lock, name, registry). The default
        #: is the in-memory ``Database``; conformance tests pass a real-Redis backend here.
        self.database_factory: DatabaseFactory = database_factory or Database
        #: The commands every database of this server runs.
        self.registry = registry or Registry.default()
        self.clock: Clock = make_clock(clock)
        self.rng = random.Random(seed)
        self.lock = threading.RLock()
        self.limits = limits or DEFAULT_LIMITS
        self._endpoints = Endpoints()
        #: Injected failures (docs/faults.md): ``stash.faults.fail_next(2, Fault.connect_error())``.
        self.faults = Faults(seed, self.clock)
        self.faults.extend(faults)
        #: The REST face over these databases: what every door (transport, router, ASGI
        #: app) asks, ``face.handle(RestRequest) -> RestResponse``.
        self.face = Face(self._endpoints, self.faults)
        self.add_database(url=url, token=token, readonly_token=readonly_token)

    # ---- databases -------------------------------------------------------------------

    def add_database(
        self,
        url: str | None = None,
        token: str | None = None,
        readonly_token: str | None = None,
        limits: Limits | None = None,
    ) -> Endpoint:
        """Another database with its own URL and tokens (multi-region setups use three).

        It is served at once, routed too if the server is. Commands reach it with
        ``db=len(stash.endpoints) - 1`` (``execute``, ``subscribe``, ``monitor``...).

        Args:
            url: Its URL; generated when not given.
            token: Its standard token; generated when not given.
            readonly_token: Its read-only token; generated when not given.
            limits: Its size limits (default: the server's).

        Returns:
            The new database's ``Endpoint``.

        Raises:
            ValueError: This server already serves that host.
        """
        url = _normalise_url(url or f"https://fakestash-{secrets.token_hex(4)}.upstash.io")
        endpoint = Endpoint(
            url=url,
            token=token or "fs_" + secrets.token_urlsafe(24),
            readonly_token=readonly_token or "fs_ro_" + secrets.token_urlsafe(24),
            database=self._new_database(len(self.endpoints)),
            limits=limits or self.limits,
        )
        self._endpoints.add(endpoint)  # ValueError if the host is served already
        register_builtin_tokens(endpoint.database, endpoint.token, endpoint.readonly_token)
        if len(self.endpoints) > 1:
            from fakestash._routing import notify_new_host

            notify_new_host(endpoint.host, self)
        return endpoint

    def _new_database(self, index: int) -> Database:
        return self.database_factory(
            clock=self.clock,
            rng=self.rng,
            lock=self.lock,
            name=f"db{index}",
            registry=self.registry,
        )

    @property
    def endpoints(self) -> list[Endpoint]:
        """The databases, in the order they were made (``db=i`` is index ``i``)."""
        return self._endpoints.all

    def endpoint_for(self, host: str, scheme: str = "https") -> Endpoint | None:
        """The database at ``host`` (``host[:port]``, any spelling of the same address)."""
        return self._endpoints.at_host(host, scheme)

    def authenticate(
        self, host: str, token: str | None, scheme: str = "https"
    ) -> tuple[Endpoint, bool] | None:
        """The database and read-only-ness a request's token grants, or None (HTTP 401).

        The host picks the database; a request to a host this server does not know (a
        respx route on another URL) is matched to a database by its token alone.
        """
        return self._endpoints.authenticate(host, token, scheme)

    def misdirected(self, host: str, scheme: str = "https") -> str | None:
        """Why a request to ``host`` reaches no database although its host name is one of
        ours (another port: Upstash serves REST on 443 only); None when that is not so."""
        return self._endpoints.misdirected(host, scheme)

    @property
    def hosts(self) -> list[str]:
        """The hosts this server answers (one per database), in normal form."""
        return self._endpoints.hosts

    @property
    def url(self) -> str:
        """The first database's URL (``UPSTASH_REDIS_REST_URL``)."""
        return self.endpoints[0].url

    @property
    def token(self) -> str:
        """The first database's standard token (``UPSTASH_REDIS_REST_TOKEN``)."""
        return self.endpoints[0].token

    @property
    def readonly_token(self) -> str:
        """The first database's read-only token."""
        return self.endpoints[0].readonly_token

    @property
    def database(self) -> Database:
        """The first database's engine (``stash.endpoints[0].database``)."""
        return self.endpoints[0].database

    # ---- direct use --------------------------------------------------------------------

    def execute(self, *args: Any, db: int = 0) -> Reply:
        """Run a command directly on a database (no HTTP), e.g. to arrange or inspect state.

        Not a request: it is not metered, no fault applies, no token is checked.

        Args:
            *args: The command and its arguments: ``str`` (sent as UTF-8), ``bytes``,
                ``int`` or ``float`` (sent as their decimal text).
            db: Which database: its index in ``endpoints`` (0 is the first).

        Returns:
            The reply as the engine makes it: ``bytes`` for bulk strings, ``int``,
                ``None``, lists, ``Status("OK")`` for simple strings.

        Raises:
            CommandError: The command failed; ``.text`` is Redis' or Upstash's exact error
                text (``WRONGTYPE Operation against a key holding the wrong kind of value``).
        """
        return self.endpoints[db].database.execute([to_arg(a) for a in args])

    def environ(self) -> dict[str, str]:
        """The environment variables ``Redis.from_env()`` reads, for the first database."""
        return {
            "UPSTASH_REDIS_REST_URL": self.url,
            "UPSTASH_REDIS_REST_TOKEN": self.token,
        }

    def flush(self) -> None:
        """Empty every database."""
        with self.lock:
            for endpoint in self.endpoints:
                endpoint.database.flush()

    # ---- state as a whole: snapshot, reset, seed, clock ------------------------------------

    def snapshot(self) -> Snapshot:
        """Every database's keys, values and expiry times as JSON data (``json.dumps`` it).

        Binary keys and values round-trip (``{"base64": ...}``); ``restore`` loads it back.
        The format is in docs/serve.md. Only keys: scripts, functions, search indexes and
        ACL users are not in it.
        """
        from fakestash._snapshot import take

        with self.lock:
            return take([(e.url, e.database) for e in self.endpoints])

    def restore(self, snapshot: Snapshot) -> None:
        """Replace every database's keys with a snapshot's (``snapshot()``'s form).

        Raises:
            SnapshotError: The snapshot is malformed (the message says where); nothing
                was changed.
        """
        from fakestash._snapshot import load

        with self.lock:
            load([endpoint.database for endpoint in self.endpoints], snapshot)

    def reset(self, seed: int | None = None) -> None:
        """Start afresh, as a new ``FakeStash`` with the same URLs, tokens and clock would:
        every database empty (scripts, functions, ACL users and CONFIG too), open streams
        and recorders ended, meters and faults cleared, the random generator reseeded with
        ``seed`` (default: the server's seed)."""
        with self.lock:
            for endpoint in self.endpoints:
                old = endpoint.database
                for closer in list(old.closers):
                    closer()
                endpoint.database = self._new_database(self.endpoints.index(endpoint))
                register_builtin_tokens(endpoint.database, endpoint.token, endpoint.readonly_token)
                endpoint.meter.reset()
            self.reseed(self.seed if seed is None else seed)

    def reseed(self, seed: int) -> None:
        """Draw every random choice from ``seed`` from now on (SPOP, fault rates...)."""
        _check_types(seed=seed)
        with self.lock:
            self.seed = seed
            self.rng.seed(seed)
            self.faults.reset(seed)

    def use_clock(self, clock: Clock | str) -> Clock:
        """Switch every database to another clock: ``"system"``, ``"manual"`` (a new
        ``ManualClock`` starting at the current time of the old clock) or a clock object.
        Returns the clock now in use (also ``stash.clock``)."""
        if isinstance(clock, str) and clock.strip().lower() == "manual":
            from fakestash._clock import ManualClock, time_us

            new: Clock = ManualClock(time_us(self.clock) / 1_000_000)
        else:
            new = make_clock(clock)
        with self.lock:
            self.clock = new
            for endpoint in self.endpoints:
                endpoint.database.clock = new
            self.faults.use_clock(new)
        return new

    def close(self) -> None:
        """End open streams (pub/sub, monitor) so nothing waits on this server."""
        self.face.closed = True
        for endpoint in self.endpoints:
            for closer in list(endpoint.database.closers):
                closer()

    @property
    def closed(self) -> bool:
        """Whether ``close()`` was called."""
        return self.face.closed

    # ---- pub/sub, monitor, meter (test side; fakestash/_pubsub_api.py) ----------------------

    def subscribe(self, *channels: Any, db: int = 0) -> Collector:
        """A test-side subscriber recording every message: ``stash.subscribe("chat")``.

        It is a real subscriber (``PUBLISH`` counts it), with no HTTP streaming. Use it as
        a context manager; read ``.texts``, ``.messages``, ``.events``; wait with
        ``.wait_for(n, timeout=5)`` or ``await .wait_for_async(n)``.
        """
        from fakestash import _pubsub_api as pubsub_api

        return pubsub_api.subscribe(self.endpoints[db].database, channels)

    def psubscribe(self, *patterns: Any, db: int = 0) -> Collector:
        """A test-side pattern subscriber (``PSUBSCRIBE``): ``stash.psubscribe("cache:*")``."""
        from fakestash import _pubsub_api as pubsub_api

        return pubsub_api.psubscribe(self.endpoints[db].database, patterns)

    def ssubscribe(self, *channels: Any, db: int = 0) -> Collector:
        """A test-side shard-channel subscriber (``SSUBSCRIBE``), for ``SPUBLISH``."""
        from fakestash import _pubsub_api as pubsub_api

        return pubsub_api.ssubscribe(self.endpoints[db].database, channels)

    def monitor(self, db: int = 0, *, limit: int | None = None) -> CommandLog:
        """Record every command the database runs: ``with stash.monitor() as log: ...``.

        ``log.commands`` lists them as sent (lists of ``str``), ``log.names`` their
        upper-case names, ``log.lines`` Redis' MONITOR lines. ``limit`` keeps the last so
        many (a long-running server's log).
        """
        from fakestash import _pubsub_api as pubsub_api

        return pubsub_api.monitor(self.endpoints[db].database, limit)

    def record_published(self, db: int = 0, *, limit: int | None = None) -> PublishLog:
        """Record every message published on the database (PUBLISH, SPUBLISH), whoever
        listens: ``with stash.record_published() as log: ...; log.texts("chat")``.

        Not a subscriber: PUBLISH's reply is unchanged. ``limit`` keeps the last so many.
        """
        from fakestash import _pubsub_api as pubsub_api

        return pubsub_api.record_published(self.endpoints[db].database, limit)

    def broker(self, db: int = 0) -> Broker:
        """The database's pub/sub broker (buffer limits, idle timeout, subscriber waits)."""
        from fakestash._engine.broker import broker_of

        return broker_of(self.endpoints[db].database)

    @property
    def meter(self) -> Meter:
        """The first database's usage meter (others: ``stash.endpoints[i].meter``)."""
        return self.endpoints[0].meter

    # ---- HTTP ----------------------------------------------------------------------------

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Answer one ``httpx.Request`` (what the sync transport does)."""
        return self.transport().handle_request(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Answer one ``httpx.Request`` from async code (the async transport)."""
        return await self.async_transport().handle_async_request(request)

    def transport(self) -> FakestashTransport:
        """``httpx.Client(transport=stash.transport())``: explicit, patch-free mounting.

        Faults that raise (a connect error, a read timeout) raise httpx's own errors.
        """
        from fakestash._transport import FakestashTransport

        return FakestashTransport(self.face)

    def async_transport(self) -> AsyncFakestashTransport:
        """``httpx.AsyncClient(transport=stash.async_transport())``: the async twin."""
        from fakestash._transport import AsyncFakestashTransport

        return AsyncFakestashTransport(self.face)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        """A FakeStash is a respx side effect: ``respx.post(...).mock(side_effect=stash)``."""
        return self.handle_request(request)

    def __enter__(self) -> FakeStash:
        """Route this server (``with stash:``) for every httpx client, the SDK's included;
        on exit, stop routing it and ``close()`` it."""
        from fakestash._routing import route

        self._route = route(self)
        self._route.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._route.__exit__(*exc)
        self.close()

    def __repr__(self) -> str:
        return f"FakeStash(seed={self.seed}, url={self.url!r})"


def _check_types(seed: Any, **texts: Any) -> None:
    """Refuse a wrong type at construction, where the message can say what was meant."""
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TypeError(f"seed must be an int; got {seed!r}")
    for name, value in texts.items():
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{name} must be a str; got {value!r}")
