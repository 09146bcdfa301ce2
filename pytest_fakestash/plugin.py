"""The pytest plugin: a fresh fake Upstash database per test, routed for every httpx client.

Fixtures
    ``fakestash``            the ``FakeStash`` server, fresh per test, routed, env vars set
    ``upstash_redis``        a real ``upstash_redis.Redis`` pointed at it (cached per session)
    ``async_upstash_redis``  the ``upstash_redis.asyncio.Redis`` twin
Marker
    ``@pytest.mark.fakestash(seed=..., clock=..., url=..., token=..., readonly_token=...,
    limits=..., strict=...)``: keyword arguments mirror ``FakeStash(...)``; the closest
    marker wins. ``clock="manual"`` gives each test its own ``ManualClock``.
ini options
    ``fakestash_seed``, ``fakestash_url``, ``fakestash_token``, ``fakestash_readonly_token``,
    ``fakestash_clock`` (``system`` or ``manual``), ``fakestash_strict``.

Everything here is a thin layer over library calls (``FakeStash``, ``route``,
``ClientCache``), usable without pytest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator

import pytest

if TYPE_CHECKING:  # imported in the fixtures: a test run that never asks for them pays nothing
    from fakestash import FakeStash
    from fakestash.sdk import ClientCache

DEFAULT_URL = "https://fakestash.upstash.io"
DEFAULT_TOKEN = "fakestash-token"
DEFAULT_READONLY_TOKEN = "fakestash-readonly-token"
SERVER_KWARGS = frozenset({"seed", "clock", "url", "token", "readonly_token", "limits"})


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
        "refuse *.upstash.io hosts no fake serves (true/false)",
        default="true",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "fakestash(**kwargs): configure the fake Upstash server of this test; keyword "
        "arguments mirror fakestash.FakeStash(...) plus strict=",
    )


def server_options(config: pytest.Config, marker: pytest.Mark | None) -> dict[str, Any]:
    """FakeStash(...) keyword arguments: ini defaults, overridden by the closest marker."""
    clock_name = str(config.getini("fakestash_clock")).strip().lower()
    if clock_name not in ("system", "manual"):
        pytest.fail(
            f"fakestash_clock must be 'system' or 'manual', not {clock_name!r}", pytrace=False
        )
    options: dict[str, Any] = {
        "seed": int(config.getini("fakestash_seed")),
        "url": config.getini("fakestash_url"),
        "token": config.getini("fakestash_token"),
        "readonly_token": config.getini("fakestash_readonly_token"),
        "clock": clock_name,
        "strict": str(config.getini("fakestash_strict")).strip().lower() in ("1", "true", "yes"),
    }
    if marker is not None:
        if marker.args:
            pytest.fail("@pytest.mark.fakestash takes keyword arguments only", pytrace=False)
        unknown = set(marker.kwargs) - SERVER_KWARGS - {"strict"}
        if unknown:
            pytest.fail(
                f"@pytest.mark.fakestash got unknown arguments {sorted(unknown)}; "
                f"it takes {sorted(SERVER_KWARGS | {'strict'})}",
                pytrace=False,
            )
        options.update(marker.kwargs)
    options["clock"] = _clock(options["clock"])
    return options


def _clock(value: Any) -> Any:
    """``"manual"`` (a fresh ManualClock for each test), ``"system"``, or a clock object."""
    if value == "manual":
        from fakestash import ManualClock

        return ManualClock()
    if value == "system":
        return None
    return value


@pytest.fixture
def fakestash(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FakeStash]:
    """A fresh fake Upstash server for this test, answering its URL for every httpx client,
    with ``UPSTASH_REDIS_REST_URL`` / ``UPSTASH_REDIS_REST_TOKEN`` set for ``from_env()``."""
    from fakestash import FakeStash
    from fakestash.routing import route

    options = server_options(request.config, request.node.get_closest_marker("fakestash"))
    strict = options.pop("strict")
    stash = FakeStash(**options)
    for name, value in stash.environ().items():
        monkeypatch.setenv(name, value)
    with route(stash, strict=strict):
        yield stash
    stash.close()


@pytest.fixture(scope="session")
def fakestash_clients() -> Iterator[ClientCache]:
    """SDK clients reused across tests (building one costs ~19 ms)."""
    from fakestash.sdk import ClientCache

    cache = ClientCache()
    yield cache
    cache.close()


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
