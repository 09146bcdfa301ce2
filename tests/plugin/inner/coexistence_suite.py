"""fakestash beside pytest-httpx and respx, fixtures requested in every order, sync and
async; then 50 tests that use none of them and must find httpx untouched.

Run by tests/plugin/test_coexistence.py in an inner pytest (one process, then ``-n 2``).
The three mockers each answer their own host: the fake its URL, pytest-httpx
``weather.example``, respx ``geo.example``. pytest-httpx and respx do not share hosts
with each other (that is between them): pytest-httpx is told to mock only its host, and
respx's httpx-level mocker is told to pass pytest-httpx's host through.
"""

from __future__ import annotations

import http.server
import itertools
import threading
from typing import Any, Iterator

import httpcore
import httpx
import pytest

ORIGINAL = {
    "Client._send_single_request": httpx.Client._send_single_request,
    "AsyncClient._send_single_request": httpx.AsyncClient._send_single_request,
    "Client._transport_for_url": httpx.Client._transport_for_url,
    "AsyncClient._transport_for_url": httpx.AsyncClient._transport_for_url,
    "HTTPTransport.handle_request": httpx.HTTPTransport.handle_request,
    "AsyncHTTPTransport.handle_async_request": httpx.AsyncHTTPTransport.handle_async_request,
    "ConnectionPool.handle_request": httpcore.ConnectionPool.handle_request,
    "AsyncConnectionPool.handle_async_request": httpcore.AsyncConnectionPool.handle_async_request,
}

WEATHER = "https://weather.example/today"
GEO = "https://geo.example/ip"
FIXTURES = ("fakestash", "httpx_mock", "respx_mock")
ORDERS = [
    *itertools.permutations(FIXTURES),
    *itertools.permutations(("fakestash", "httpx_mock")),
    *itertools.permutations(("fakestash", "respx_mock")),
]
RESPX = [
    pytest.param("httpcore", id="respx-httpcore"),
    pytest.param("httpx", id="respx-httpx", marks=pytest.mark.respx(using="httpx")),
]
only_weather = pytest.mark.httpx_mock(
    should_mock=lambda request: request.url.host == "weather.example"
)


def arrange(request: pytest.FixtureRequest, order: tuple[str, ...], mocker: str) -> dict[str, Any]:
    """Set the fixtures up in this order; register one answer with each mocker."""
    got = {name: request.getfixturevalue(name) for name in order}
    if "httpx_mock" in got:
        got["httpx_mock"].add_response(url=WEATHER, json={"sky": "clear"})
    if "respx_mock" in got:
        got["respx_mock"].get(GEO).respond(json={"ip": "192.0.2.1"})
        if "httpx_mock" in got and mocker == "httpx":  # respx sees every request first
            got["respx_mock"].route(host="weather.example").pass_through()
    return got


def check_sync(got: dict[str, Any]) -> None:
    from upstash_redis import Redis

    if "fakestash" in got:
        stash = got["fakestash"]
        redis = Redis(stash.url, stash.token, rest_retries=0)
        assert redis.set("k", "v") is True
        assert redis.get("k") == "v"
        assert stash.execute("GET", "k") == b"v"
    with httpx.Client() as client:
        if "httpx_mock" in got:
            assert client.get(WEATHER).json() == {"sky": "clear"}
        if "respx_mock" in got:
            assert client.get(GEO).json() == {"ip": "192.0.2.1"}


async def check_async(got: dict[str, Any]) -> None:
    from upstash_redis.asyncio import Redis

    if "fakestash" in got:
        stash = got["fakestash"]
        redis = Redis(stash.url, stash.token, rest_retries=0)
        assert await redis.set("k", "v") is True
        assert await redis.get("k") == "v"
        assert stash.execute("GET", "k") == b"v"
    async with httpx.AsyncClient() as client:
        if "httpx_mock" in got:
            assert (await client.get(WEATHER)).json() == {"sky": "clear"}
        if "respx_mock" in got:
            assert (await client.get(GEO)).json() == {"ip": "192.0.2.1"}


@only_weather
@pytest.mark.parametrize("mocker", RESPX)
@pytest.mark.parametrize("order", ORDERS, ids="-".join)
def test_every_order_sync(
    request: pytest.FixtureRequest, order: tuple[str, ...], mocker: str
) -> None:
    check_sync(arrange(request, order, mocker))


@only_weather
@pytest.mark.parametrize("mocker", RESPX)
@pytest.mark.parametrize("order", ORDERS, ids="-".join)
async def test_every_order_async(
    request: pytest.FixtureRequest, order: tuple[str, ...], mocker: str
) -> None:
    await check_async(arrange(request, order, mocker))


# The two signatures of the original report, written out.


def test_fakestash_then_httpx_mock(fakestash: Any, httpx_mock: Any) -> None:
    httpx_mock.add_response(url=WEATHER, json={"sky": "clear"})
    check_sync({"fakestash": fakestash, "httpx_mock": httpx_mock})


def test_httpx_mock_then_fakestash(httpx_mock: Any, fakestash: Any) -> None:
    httpx_mock.add_response(url=WEATHER, json={"sky": "clear"})
    check_sync({"fakestash": fakestash, "httpx_mock": httpx_mock})


async def test_fakestash_then_httpx_mock_async(fakestash: Any, httpx_mock: Any) -> None:
    httpx_mock.add_response(url=WEATHER, json={"sky": "clear"})
    await check_async({"fakestash": fakestash, "httpx_mock": httpx_mock})


async def test_httpx_mock_then_fakestash_async(httpx_mock: Any, fakestash: Any) -> None:
    httpx_mock.add_response(url=WEATHER, json={"sky": "clear"})
    await check_async({"fakestash": fakestash, "httpx_mock": httpx_mock})


# ---- 50 tests that use none of them ---------------------------------------------------------


class _Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"hello": "loopback"}'
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def loopback() -> Iterator[str]:
    """A real HTTP server on 127.0.0.1: requests to it go through every httpx layer."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def current() -> dict[str, Any]:
    return {
        "Client._send_single_request": httpx.Client._send_single_request,
        "AsyncClient._send_single_request": httpx.AsyncClient._send_single_request,
        "Client._transport_for_url": httpx.Client._transport_for_url,
        "AsyncClient._transport_for_url": httpx.AsyncClient._transport_for_url,
        "HTTPTransport.handle_request": httpx.HTTPTransport.handle_request,
        "AsyncHTTPTransport.handle_async_request": httpx.AsyncHTTPTransport.handle_async_request,
        "ConnectionPool.handle_request": httpcore.ConnectionPool.handle_request,
        "AsyncConnectionPool.handle_async_request": httpcore.AsyncConnectionPool.handle_async_request,
    }


@pytest.mark.parametrize("i", range(50))
async def test_untouched_afterwards(i: int, loopback: str) -> None:
    changed = [name for name, value in current().items() if value is not ORIGINAL[name]]
    assert changed == []
    if i % 2:
        async with httpx.AsyncClient() as client:
            assert (await client.get(loopback)).json() == {"hello": "loopback"}
    else:
        assert httpx.get(loopback).json() == {"hello": "loopback"}
