"""Route the fake's hosts for every httpx client in the process; pass other hosts through.

The Upstash SDK builds its own ``httpx.Client``, so a test cannot hand it a transport.
``route(stash)`` answers requests to the fake's hosts in-process, from every client, and
passes every other host on untouched.

Where the patch sits, and why (docs/coexistence.md has the long version)
    Test suites already mock httpx: pytest-httpx patches ``HTTPTransport.handle_request``,
    respx patches httpcore's connection pools (its default) or ``Client._transport_for_url``
    (``using="httpx"``). Whoever patches last sees a request first, so a fake patched at
    any of those levels is swallowed by a mocker installed after it. We patch one level
    above all of them, ``Client._send_single_request`` (and the async twin), which none of
    them touches: a request to a fake's host is answered before any mocker sees it,
    whatever order they were installed in, and every other request goes down the chain
    unchanged.

The rule with respx
    A respx route that matches a request to a fake's host answers it (explicit mocks win:
    that is how a test makes one call fail); a pass-through route, or no route, leaves it
    to the fake. pytest-httpx never sees a fake's requests.

Installing and removing
    The first active ``route`` installs a dispatcher; the last one to end removes it,
    restoring exactly what it found, but only if the attribute still holds our dispatcher.
    If another patcher wrapped it meanwhile, ours stays in their chain as a pass-through
    (it answers nothing once no route is active) and ``tidy()`` removes it once it is on
    top again (the plugin calls it after each test, when pytest's monkeypatch has undone
    everything). Each dispatcher keeps the function it wrapped for life and is never
    re-pointed, so no chain can loop back on itself.

This module holds the process's one piece of routing state, empty whenever no ``route``
block is active. It imports nothing from the engine: the session guard (an empty
``route()``) costs an httpx import and no more.
"""

from __future__ import annotations

import json
import sys
import threading
import weakref
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Protocol

import httpx

from fakestash._hosts import normal_host
from fakestash._transport import AsyncFakestashTransport, FakestashTransport


class Routable(Protocol):
    """What the router needs of a server (``fakestash.FakeStash``): its hosts and its
    httpx door."""

    @property
    def hosts(self) -> list[str]: ...

    def transport(self) -> FakestashTransport: ...

    def async_transport(self) -> AsyncFakestashTransport: ...

UPSTASH_SUFFIX = ".upstash.io"
_METHOD = "_send_single_request"
#: Transports that never reach the network: a client built on one is left alone.
_IN_PROCESS = (httpx.MockTransport, httpx.ASGITransport, httpx.WSGITransport)

Layer = tuple[dict[str, "Routable"], bool]


class _Router:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.layers: list[Layer] = []
        self.hosts: dict[str, Routable] = {}
        self.strict = False

    # ---- layers ------------------------------------------------------------------------

    def push(self, stashes: tuple[Routable, ...], strict: bool) -> Layer:
        layer: Layer = ({host: stash for stash in stashes for host in stash.hosts}, strict)
        with self.lock:
            self.layers.append(layer)
            self._rebuild()
            _install(self)
        return layer

    def pop(self, layer: Layer) -> None:
        with self.lock:
            for index in range(len(self.layers) - 1, -1, -1):
                if self.layers[index] is layer:
                    del self.layers[index]
                    break
            self._rebuild()
            if self.layers:
                _install(self)  # heal a dispatcher another patcher displaced
            else:
                _release()

    def add_host(self, host: str, stash: Routable) -> None:
        """A database added while routed becomes reachable at once."""
        with self.lock:
            for hosts, _ in self.layers:
                if stash in hosts.values():
                    hosts[host] = stash
            self._rebuild()

    def _rebuild(self) -> None:
        merged: dict[str, Routable] = {}
        for hosts, _ in self.layers:
            merged.update(hosts)  # later layers win
        self.hosts = merged
        self.strict = any(strict for _, strict in self.layers)

    # ---- decisions ---------------------------------------------------------------------

    def target(self, client: Any, request: httpx.Request) -> Routable | None:
        """The fake that answers this request, if any (the hot path: one dict lookup for
        a host no fake serves)."""
        hosts = self.hosts
        if not hosts:
            return None
        url = request.url
        stash = hosts.get(url.netloc.decode("ascii").lower())
        if stash is None:  # DB.upstash.io., :443 and the like name the same database
            stash = hosts.get(normal_host(url.host, url.port, url.scheme))
        if stash is None or _in_process(client, request.url):
            return None
        return stash

    def refusal(self, client: Any, request: httpx.Request) -> httpx.Response | None:
        """In strict mode, an Upstash host no fake serves gets a clear error instead of
        reaching a real database by accident."""
        host = request.url.host
        if not (self.strict and host.lower().rstrip(".").endswith(UPSTASH_SUFFIX)):
            return None
        if _in_process(client, request.url):
            return None
        served = ", ".join(sorted(self.hosts)) or "none"
        text = (
            f"fakestash: no fake database serves {host} (served here: {served}). "
            "Point the client at the fake's URL (e.g. the UPSTASH_REDIS_REST_URL the "
            "fixture sets), add the URL with stash.add_database(url=...), or route with "
            "strict=False to let it through."
        )
        content = json.dumps({"error": text}).encode()
        return httpx.Response(502, content=content, headers={"content-type": "application/json"})


_ROUTER = _Router()


# ---- the dispatchers ------------------------------------------------------------------------


def _make_sync(router: _Router, wrapped: Callable[..., Any]) -> Callable[..., Any]:
    def _send_single_request(client: Any, request: httpx.Request) -> httpx.Response:
        stash = router.target(client, request)
        if stash is not None:
            answer = _respx_answer(request)
            if answer is not None:
                return _deliver(client, request, _Fixed(answer), wrapped)
            return _deliver(client, request, stash.transport(), wrapped)
        if router.strict:
            refused = router.refusal(client, request)
            if refused is not None and not _respx_claims(request):
                return _deliver(client, request, _Fixed(refused), wrapped)
        return wrapped(client, request)  # type: ignore[no-any-return]

    return _mark(_send_single_request, wrapped)


def _make_async(router: _Router, wrapped: Callable[..., Any]) -> Callable[..., Any]:
    async def _send_single_request(client: Any, request: httpx.Request) -> httpx.Response:
        stash = router.target(client, request)
        if stash is not None:
            answer = await _respx_answer_async(request)
            if answer is not None:
                return await _deliver_async(client, request, _Fixed(answer), wrapped)
            return await _deliver_async(client, request, stash.async_transport(), wrapped)
        if router.strict:
            refused = router.refusal(client, request)
            if refused is not None and not _respx_claims(request):
                return await _deliver_async(client, request, _Fixed(refused), wrapped)
        return await wrapped(client, request)  # type: ignore[no-any-return]

    return _mark(_send_single_request, wrapped)


#: Every dispatcher made in this process, by identity (a foreign wrapper made with
#: ``functools.wraps`` copies our attributes, so an attribute cannot tell ours apart).
_OURS: weakref.WeakSet[Callable[..., Any]] = weakref.WeakSet()


def _mark(function: Callable[..., Any], wrapped: Callable[..., Any]) -> Callable[..., Any]:
    function._fakestash_wraps = wrapped  # type: ignore[attr-defined]
    function.__qualname__ = f"fakestash._routing.{_METHOD}"
    _OURS.add(function)
    return function


def _is_ours(function: Any) -> bool:
    try:
        return function in _OURS
    except TypeError:  # not weak-referenceable: not a function of ours
        return False


_TARGETS = ((httpx.Client, _make_sync), (httpx.AsyncClient, _make_async))


def _install(router: _Router) -> None:
    """Put a dispatcher on top of each client class, unless one of ours is there."""
    for cls, make in _TARGETS:
        current = getattr(cls, _METHOD)
        if not _is_ours(current):
            setattr(cls, _METHOD, make(router, current))


def _release() -> None:
    """Restore what our dispatchers wrapped, where one of ours is on top."""
    for cls, _ in _TARGETS:
        current = getattr(cls, _METHOD)
        while _is_ours(current):
            current = current._fakestash_wraps
            setattr(cls, _METHOD, current)


def tidy() -> None:
    """Remove dispatchers left inactive in another patcher's chain once they are on top
    again. A no-op while any route is active."""
    with _ROUTER.lock:
        if not _ROUTER.layers:
            _release()


# ---- answering in-process ---------------------------------------------------------------


class _Via:
    """The client as httpx's own ``_send_single_request`` sees it, with the transport
    chosen by us: httpx then does everything it does after a transport answers (binding
    the stream, cookies, timing, the log line), whatever its version."""

    __slots__ = ("_chosen", "_client")

    def __init__(self, client: Any, transport: Any) -> None:
        self._client = client
        self._chosen = transport

    def _transport_for_url(self, url: httpx.URL) -> Any:
        return self._chosen

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


class _Fixed(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """A transport that hands back one prepared response."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.response

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return self.response


def _httpx_own(wrapped: Callable[..., Any]) -> Callable[..., Any] | None:
    """httpx's own ``_send_single_request`` under ``wrapped`` (found by following our
    dispatchers and ``functools.wraps`` links), or None if it cannot be found."""
    seen: set[int] = set()
    function: Any = wrapped
    while function is not None and id(function) not in seen:
        seen.add(id(function))
        if getattr(function, "__module__", None) == "httpx._client":
            return function  # type: ignore[no-any-return]
        function = getattr(function, "_fakestash_wraps", None) or getattr(
            function, "__wrapped__", None
        )
    return None


def _deliver(
    client: Any, request: httpx.Request, transport: Any, wrapped: Callable[..., Any]
) -> httpx.Response:
    own = _httpx_own(wrapped) or wrapped
    return own(_Via(client, transport), request)  # type: ignore[no-any-return]


async def _deliver_async(
    client: Any, request: httpx.Request, transport: Any, wrapped: Callable[..., Any]
) -> httpx.Response:
    own = _httpx_own(wrapped) or wrapped
    return await own(_Via(client, transport), request)  # type: ignore[no-any-return]


def _in_process(client: Any, url: httpx.URL) -> bool:
    """Whether the client would send this URL to an in-process transport (a
    ``MockTransport``, an ASGI/WSGI app, a fakestash transport): those are left alone."""
    transport = client._transport
    for pattern, mounted in client._mounts.items():
        if pattern.matches(url):
            transport = transport if mounted is None else mounted
            break
    return isinstance(transport, (*_IN_PROCESS, FakestashTransport, AsyncFakestashTransport))


# ---- respx: a route that matches a fake's request answers it ------------------------------


def _respx_routers() -> list[Any]:
    """The respx routers currently mocking (``respx.mock``, ``respx_mock``), any mocker."""
    mocks = sys.modules.get("respx.mocks")
    if mocks is None:
        return []
    registry = getattr(getattr(mocks, "Mocker", None), "registry", {})
    return [router for mocker in registry.values() for router in list(mocker.routers)]


def _first_match(request: httpx.Request) -> tuple[Any, Any] | None:
    """(router, route) of the first route matching ``request``, in the order respx itself
    resolves (routers as registered, routes as added), or None."""
    for router in _respx_routers():
        for candidate in router.routes:
            if candidate.pattern.match(request):
                return router, candidate
    return None


def _respx_claims(request: httpx.Request) -> bool:
    """Whether respx will answer this request itself (a matching route that does not
    pass it through to the network)."""
    if not _respx_routers():
        return False
    match = _first_match(_read(request))
    return match is not None and not match[1].is_pass_through


def _read(request: httpx.Request) -> httpx.Request:
    if isinstance(request.stream, httpx.SyncByteStream):
        request.read()
    return request


def _respx_answer(request: httpx.Request) -> httpx.Response | None:
    """respx's answer when one of its routes matches; None leaves it to the fake (no
    match, or a pass-through, which respx records as a call the way it always does)."""
    if not _respx_routers():
        return None
    match = _first_match(_read(request))
    if match is None:
        return None
    try:
        return match[0].handler(request)  # type: ignore[no-any-return]
    except Exception as exc:
        if _is_pass_through(exc):
            return None
        raise


async def _respx_answer_async(request: httpx.Request) -> httpx.Response | None:
    if not _respx_routers():
        return None
    await request.aread()
    match = _first_match(request)
    if match is None:
        return None
    try:
        return await match[0].async_handler(request)  # type: ignore[no-any-return]
    except Exception as exc:
        if _is_pass_through(exc):
            return None
        raise


def _is_pass_through(exc: Exception) -> bool:
    models = sys.modules.get("respx.models")
    return models is not None and isinstance(exc, getattr(models, "PassThrough", ()))


# ---- public API -------------------------------------------------------------------------


@contextmanager
def route(*stashes: Routable, strict: bool = True) -> Iterator[None]:
    """Answer requests to these servers' hosts from them, for every httpx client.

    A context manager: ``with route(us, eu): ...``. The Upstash SDK builds its own httpx
    client, so this is how it reaches a fake; ``with stash:`` is ``route(stash)``. Other
    hosts pass through untouched, to the network or to pytest-httpx and respx, which can
    be active at the same time in any order. Routes nest; for one host the most recent
    wins.

    Args:
        *stashes: The servers whose hosts (one per database) are answered in-process.
        strict: Refuse requests to other ``*.upstash.io`` hosts with an error naming the
            hosts served, so a test never reaches a real database. ``route()`` with no
            server and ``strict=True`` is that guard alone.
    """
    layer = _ROUTER.push(stashes, strict)
    try:
        yield
    finally:
        _ROUTER.pop(layer)


def routed_hosts() -> dict[str, Routable]:
    """The hosts currently answered in-process (for diagnostics)."""
    return dict(_ROUTER.hosts)


def notify_new_host(host: str, stash: Routable) -> None:
    _ROUTER.add_host(host, stash)
