"""The pytest plugin: a fresh fake Upstash database per test, routed for every httpx client.

Fixtures
    ``fakestash``            the ``FakeStash`` server, fresh per test, routed, env vars set
    ``upstash_redis``        a real ``upstash_redis.Redis`` pointed at it (built once per
                             session, put back to its state as built for each test)
    ``async_upstash_redis``  the ``upstash_redis.asyncio.Redis`` twin
    ``fakestash_clients``    the cache those come from, for clients with other options
Marker
    ``@pytest.mark.fakestash(seed=..., clock=..., url=..., token=..., readonly_token=...,
    limits=..., faults=..., strict=...)``: keyword arguments mirror ``FakeStash(...)``
    (plus ``strict``); the closest marker wins. ``clock="manual"`` gives each test its own
    ``ManualClock``; a clock object given here is copied for each test.
ini options
    ``fakestash_seed``, ``fakestash_url``, ``fakestash_token``, ``fakestash_readonly_token``,
    ``fakestash_clock`` (``system`` or ``manual``), ``fakestash_strict``, and for the whole
    session: ``fakestash_env`` (set ``UPSTASH_REDIS_REST_URL``/``TOKEN`` to the fake's
    before test modules are imported) and ``fakestash_guard`` (no request reaches a real
    ``*.upstash.io`` host during the run, fixture or not).

Everything here is a thin layer over library calls (``FakeStash``, ``route``,
``ClientCache``), usable without pytest.
"""

from __future__ import annotations

import copy
import os
import sys
from typing import TYPE_CHECKING, Any, Generator, Iterator

import pytest

if TYPE_CHECKING:  # imported in the fixtures: a test run that never asks for them pays nothing
    from fakestash import FakeStash
    from fakestash._sdk import ClientCache

DEFAULT_URL = "https://fakestash.upstash.io"
DEFAULT_TOKEN = "fakestash-token"
DEFAULT_READONLY_TOKEN = "fakestash-readonly-token"
SERVER_KWARGS = frozenset({"seed", "clock", "url", "token", "readonly_token", "limits", "faults"})
MARKER_KWARGS = SERVER_KWARGS | {"strict"}
ENV_NAMES = ("UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN")

_SESSION_KEY = pytest.StashKey[dict[str, Any]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("fakestash_seed", "seed of the fake's random choices", default="0")
    parser.addini("fakestash_url", "URL the fake database answers", default=DEFAULT_URL)
    parser.addini("fakestash_token", "standard token", default=DEFAULT_TOKEN)
    parser.addini("fakestash_readonly_token", "read-only token", default=DEFAULT_READONLY_TOKEN)
    parser.addini(
        "fakestash_clock", "system (follows freezegun/time-machine) or manual", default="system"
    )
    parser.addini(
        "fakestash_strict",
        "refuse *.upstash.io hosts no fake serves, while a fake is routed (true/false)",
        default="true",
    )
    parser.addini(
        "fakestash_env",
        "set UPSTASH_REDIS_REST_URL/TOKEN to fakestash_url/fakestash_token for the whole "
        "run, before conftest files and test modules are imported (true/false)",
        default="false",
    )
    parser.addini(
        "fakestash_guard",
        "refuse every request to a *.upstash.io host no fake serves, for the whole run, "
        "in every test (true/false)",
        default="false",
    )


def _flag(config: pytest.Config, name: str) -> bool:
    value = str(config.getini(name)).strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise pytest.UsageError(f"{name} must be true or false, not {value!r}")


# ---- the session: import-time clients and the guard ---------------------------------------


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(
    early_config: pytest.Config, parser: pytest.Parser, args: list[str]
) -> None:
    """``fakestash_env``: set the variables before conftest files import the app."""
    _session_env(early_config)


def _session_env(config: pytest.Config) -> None:
    state = config.stash.setdefault(_SESSION_KEY, {})
    if "env" in state or not _flag(config, "fakestash_env"):
        return
    state["env"] = {name: os.environ.get(name) for name in ENV_NAMES}
    os.environ["UPSTASH_REDIS_REST_URL"] = str(config.getini("fakestash_url"))
    os.environ["UPSTASH_REDIS_REST_TOKEN"] = str(config.getini("fakestash_token"))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "fakestash(**kwargs): configure the fake Upstash server of this test; keyword "
        "arguments mirror fakestash.FakeStash(...) plus strict=",
    )
    _session_env(config)  # when the ini was not read early (e.g. plugins loaded with -p)
    if _flag(config, "fakestash_guard"):
        from fakestash._routing import route

        guard = route(strict=True)
        guard.__enter__()
        config.stash.setdefault(_SESSION_KEY, {})["guard"] = guard


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(_SESSION_KEY, {})
    guard = state.pop("guard", None)
    if guard is not None:
        guard.__exit__(None, None, None)
    saved = state.pop("env", None)
    for name, value in (saved or {}).items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, None, None]:
    yield
    # After every fixture and monkeypatch undo: drop a routing dispatcher that another
    # patcher kept in its chain while the test ran (see fakestash/_routing.py).
    routing = sys.modules.get("fakestash._routing")
    if routing is not None:
        routing.tidy()


# ---- options ----------------------------------------------------------------------------------


def server_options(config: pytest.Config, marker: pytest.Mark | None) -> dict[str, Any]:
    """FakeStash(...) keyword arguments: ini defaults, overridden by the closest marker."""
    options: dict[str, Any] = {
        "seed": _ini_seed(config),
        "url": config.getini("fakestash_url"),
        "token": config.getini("fakestash_token"),
        "readonly_token": config.getini("fakestash_readonly_token"),
        "clock": _checked_clock(config.getini("fakestash_clock"), "fakestash_clock"),
        "strict": _flag(config, "fakestash_strict"),
    }
    if marker is not None:
        _check_marker(marker)
        options.update(marker.kwargs)
        if "clock" in marker.kwargs:
            # A clock object in a marker is copied for each test: a module-level mark is
            # evaluated once, and its clock would carry one test's time into the next.
            where = "@pytest.mark.fakestash(clock=...)"
            options["clock"] = copy.copy(_checked_clock(marker.kwargs["clock"], where))
    if not isinstance(options["strict"], bool):
        pytest.fail(
            f"@pytest.mark.fakestash(strict=...) takes True or False, not {options['strict']!r}",
            pytrace=False,
        )
    return options


def _ini_seed(config: pytest.Config) -> int:
    value = str(config.getini("fakestash_seed")).strip()
    try:
        return int(value)
    except ValueError:
        pytest.fail(f"fakestash_seed must be an integer, not {value!r}", pytrace=False)


def _checked_clock(value: Any, where: str) -> Any:
    from fakestash._clock import make_clock

    try:
        return make_clock(value)
    except ValueError as exc:
        pytest.fail(f"{where}: {exc}", pytrace=False)


def _check_marker(marker: pytest.Mark) -> None:
    if marker.args:
        pytest.fail("@pytest.mark.fakestash takes keyword arguments only", pytrace=False)
    unknown = set(marker.kwargs) - MARKER_KWARGS
    if unknown:
        pytest.fail(
            f"@pytest.mark.fakestash got unknown arguments {sorted(unknown)}; "
            f"it takes {sorted(MARKER_KWARGS)}",
            pytrace=False,
        )


def _server(options: dict[str, Any]) -> FakeStash:
    from fakestash import FakeStash

    try:
        return FakeStash(**options)
    except (TypeError, ValueError) as exc:
        pytest.fail(f"@pytest.mark.fakestash: {exc}", pytrace=False)


# ---- fixtures -------------------------------------------------------------------------------


@pytest.fixture
def fakestash(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FakeStash]:
    """A fresh fake Upstash server for this test, answering its URL for every httpx client,
    with ``UPSTASH_REDIS_REST_URL`` / ``UPSTASH_REDIS_REST_TOKEN`` set for ``from_env()``."""
    from fakestash._routing import route

    options = server_options(request.config, request.node.get_closest_marker("fakestash"))
    strict = options.pop("strict")
    stash = _server(options)
    for name, value in stash.environ().items():
        monkeypatch.setenv(name, value)
    with route(stash, strict=strict):
        yield stash
    stash.close()


@pytest.fixture(scope="session")
def _fakestash_client_store() -> Iterator[ClientCache]:
    """SDK clients built once per session (building one costs ~19 ms)."""
    from fakestash._sdk import ClientCache

    cache = ClientCache()
    yield cache
    cache.close()


@pytest.fixture
def fakestash_clients(_fakestash_client_store: ClientCache) -> ClientCache:
    """The session's SDK clients, each put back to its state as built for this test:
    ``fakestash_clients.sync_client(url, token, rest_encoding=None)``."""
    _fakestash_client_store.new_test()
    return _fakestash_client_store


@pytest.fixture
def upstash_redis(fakestash: FakeStash, fakestash_clients: ClientCache) -> Any:
    """A real ``upstash_redis.Redis`` client talking to this test's fake."""
    pytest.importorskip("upstash_redis")
    return fakestash_clients.sync_client(fakestash.url, fakestash.token)


@pytest.fixture
def async_upstash_redis(fakestash: FakeStash, fakestash_clients: ClientCache) -> Any:
    """A real ``upstash_redis.asyncio.Redis`` client talking to this test's fake."""
    pytest.importorskip("upstash_redis")
    return fakestash_clients.async_client(fakestash.url, fakestash.token)
