"""The ASGI door in-process: ``httpx.ASGITransport`` for whole responses, a hand-driven ASGI
call for streams (ASGITransport buffers a whole body), routing by Host and by /db/<n>."""

from __future__ import annotations

import asyncio
import gc
from typing import Any, AsyncIterator

import httpx
import pytest

from fakestash import FakeStash, Fault
from fakestash._asgi import DroppedConnection, asgi_app

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def stash() -> FakeStash:
    stash = FakeStash(url="http://127.0.0.1:8079", token="tok", readonly_token="ro")
    stash.add_database(url="https://eu.upstash.io", token="eu-tok")
    return stash


@pytest.fixture
async def client(stash: FakeStash) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=asgi_app(stash, control_token="ctl"))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8079") as c:
        yield c


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_command_over_asgi_answers_as_upstash(client: httpx.AsyncClient) -> None:
    response = await client.post("/", json=["SET", "k", "v"], headers=auth("tok"))
    assert response.status_code == 200
    assert response.json() == {"result": "OK"}
    assert response.headers["upstash-sync-token"] == "fs-1"
    assert (await client.get("/get/k", headers=auth("tok"))).json() == {"result": "v"}


async def test_errors_keep_upstash_statuses_and_texts(client: httpx.AsyncClient) -> None:
    response = await client.get("/get/k", headers=auth("nope"))
    assert response.status_code == 401
    assert response.json()["error"].startswith("WRONGPASS invalid or missing auth token")
    response = await client.post("/", json=["SET", "k", "v"], headers=auth("ro"))
    assert response.status_code == 400
    assert response.json() == {
        "error": "NOPERM this user has no permissions to run the 'set' command or its subcommand"
    }


async def test_the_host_header_picks_the_database(
    stash: FakeStash, client: httpx.AsyncClient
) -> None:
    headers = {**auth("eu-tok"), "Host": "eu.upstash.io"}
    await client.post("/", json=["SET", "where", "eu"], headers=headers)
    assert stash.execute("GET", "where", db=1) == b"eu"
    assert stash.execute("GET", "where", db=0) is None


async def test_a_path_prefix_picks_the_database(
    stash: FakeStash, client: httpx.AsyncClient
) -> None:
    assert (await client.get("/db/1/set/where/eu", headers=auth("eu-tok"))).json() == {
        "result": "OK"
    }
    assert stash.execute("GET", "where", db=1) == b"eu"
    # The database's own token only: another's is refused as Upstash refuses it.
    assert (await client.get("/db/1/get/where", headers=auth("tok"))).status_code == 401
    pipeline = await client.post("/db/1/pipeline", json=[["GET", "where"]], headers=auth("eu-tok"))
    assert pipeline.json() == [{"result": "eu"}]
    query = await client.get("/db/1/get/where?_token=eu-tok")
    assert query.json() == {"result": "eu"}


async def test_a_path_prefix_that_names_no_database_is_a_command(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/db/7/get/k", headers=auth("tok"))
    assert response.status_code == 400
    assert response.json() == {
        "error": "ERR Command is not available: 'DB'. "
        "See https://upstash.com/docs/redis/overall/rediscompatibility for details"
    }


async def test_a_token_alone_finds_its_database_on_an_unknown_host(
    stash: FakeStash, client: httpx.AsyncClient
) -> None:
    headers = {**auth("eu-tok"), "Host": "localhost:8079"}
    await client.post("/", json=["SET", "k", "eu"], headers=headers)
    assert stash.execute("GET", "k", db=1) == b"eu"


async def test_a_connect_error_drops_the_connection(
    stash: FakeStash, client: httpx.AsyncClient
) -> None:
    stash.faults.fail_next(1, Fault.connect_error())
    with pytest.raises(DroppedConnection, match=r"connection to 127\.0\.0\.1:8079 refused"):
        await client.get("/get/k", headers=auth("tok"))
    assert (await client.get("/get/k", headers=auth("tok"))).json() == {"result": None}


async def test_an_http_fault_is_an_answer(stash: FakeStash, client: httpx.AsyncClient) -> None:
    stash.faults.fail_next(1, Fault.max_requests(limit=10))
    response = await client.get("/get/k", headers=auth("tok"))
    assert response.status_code == 400
    assert response.json()["error"].startswith("ERR max requests limit exceeded. Limit: 10,")


async def test_websockets_are_refused(stash: FakeStash) -> None:
    sent: list[Any] = []

    async def send(message: Any) -> None:
        sent.append(message)

    async def receive() -> Any:
        return {"type": "websocket.connect"}

    await asgi_app(stash)({"type": "websocket", "path": "/"}, receive, send)
    assert sent == [{"type": "websocket.close", "code": 1003}]


async def test_lifespan_events_are_acknowledged(stash: FakeStash) -> None:
    messages = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
    sent: list[Any] = []

    async def receive() -> Any:
        return next(messages)

    async def send(message: Any) -> None:
        sent.append(message)

    await asgi_app(stash)({"type": "lifespan"}, receive, send)
    assert sent == [{"type": "lifespan.startup.complete"}, {"type": "lifespan.shutdown.complete"}]


# ---- streams, driven by hand ------------------------------------------------------------------


class Exchange:
    """One ASGI request driven by hand: the app's sends, and a disconnect on demand."""

    def __init__(self, method: str, path: str, headers: dict[str, str]) -> None:
        raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        self.scope = {
            "type": "http",
            "method": method,
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "headers": [(b"host", b"127.0.0.1:8079"), *raw],
            "scheme": "http",
            "server": ("127.0.0.1", 8079),
        }
        self.sent: list[dict[str, Any]] = []
        self.body = bytearray()
        self.disconnected = asyncio.Event()
        self.got = asyncio.Event()
        self._requested = False

    async def receive(self) -> dict[str, Any]:
        if not self._requested:
            self._requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self.disconnected.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)
        self.body += message.get("body", b"")
        self.got.set()

    async def until(self, data: bytes) -> None:
        while data not in self.body:
            self.got.clear()
            await asyncio.wait_for(self.got.wait(), 10)


SSE = {"Authorization": "Bearer tok", "Accept": "text/event-stream"}


async def test_a_subscription_streams_until_the_client_disconnects(stash: FakeStash) -> None:
    app = asgi_app(stash)
    exchange = Exchange("POST", "/subscribe/chat", SSE)
    task = asyncio.ensure_future(app(exchange.scope, exchange.receive, exchange.send))
    await exchange.until(b"data: subscribe,chat,1\n\n")
    assert exchange.sent[0]["status"] == 200
    assert (b"content-type", b"text/event-stream") in exchange.sent[0]["headers"]
    assert stash.execute("PUBLISH", "chat", "hi") == 1
    await exchange.until(b"data: message,chat,hi\n\n")
    exchange.disconnected.set()
    await asyncio.wait_for(task, 10)
    assert stash.execute("PUBSUB", "NUMSUB", "chat") == [b"chat", 0]
    assert stash.meter.seen[-1] == ["UNSUBSCRIBE", "chat"]  # a client's close is billed


async def test_streams_over_asgi_have_no_idle_timeout(stash: FakeStash) -> None:
    stash.broker().idle_timeout = 0.0  # in-process, the stream would end at once
    app = asgi_app(stash)
    exchange = Exchange("POST", "/subscribe/chat", SSE)
    task = asyncio.ensure_future(app(exchange.scope, exchange.receive, exchange.send))
    await exchange.until(b"subscribe,chat,1")
    await asyncio.sleep(0.05)
    assert stash.execute("PUBLISH", "chat", "late") == 1
    await exchange.until(b"message,chat,late")
    exchange.disconnected.set()
    await asyncio.wait_for(task, 10)


async def test_the_server_closing_ends_the_stream(stash: FakeStash) -> None:
    app = asgi_app(stash)
    exchange = Exchange("POST", "/monitor", SSE)
    task = asyncio.ensure_future(app(exchange.scope, exchange.receive, exchange.send))
    await exchange.until(b'data: "OK"\n\n')
    stash.close()
    await asyncio.wait_for(task, 10)
    assert exchange.sent[-1] == {"type": "http.response.body", "body": b""}  # completed


async def test_a_cut_stream_drops_the_connection(stash: FakeStash) -> None:
    stash.faults.fail_next(1, Fault.cut_stream(after_events=1))
    app = asgi_app(stash)
    exchange = Exchange("POST", "/subscribe/chat", SSE)
    with pytest.raises(DroppedConnection, match="stream cut after 1 events"):
        await asyncio.wait_for(app(exchange.scope, exchange.receive, exchange.send), 10)
    assert bytes(exchange.body) == b"data: subscribe,chat,1\n\n"
    assert stash.execute("PUBSUB", "NUMSUB", "chat") == [b"chat", 0]


async def test_a_request_abandoned_before_its_body_runs_nothing(stash: FakeStash) -> None:
    sent: list[Any] = []

    async def receive() -> Any:
        return {"type": "http.disconnect"}

    async def send(message: Any) -> None:
        sent.append(message)

    exchange = Exchange("POST", "/set/k/v", {"Authorization": "Bearer tok"})
    await asgi_app(stash)(exchange.scope, receive, send)
    assert sent == []
    assert stash.execute("EXISTS", "k") == 0


async def test_a_dropped_app_call_releases_its_stream(stash: FakeStash) -> None:
    app = asgi_app(stash)
    exchange = Exchange("POST", "/subscribe/chat", SSE)
    task = asyncio.ensure_future(app(exchange.scope, exchange.receive, exchange.send))
    await exchange.until(b"subscribe,chat,1")
    task.cancel()  # the server gave up on the request
    with pytest.raises(asyncio.CancelledError):
        await task
    gc.collect()
    assert stash.execute("PUBSUB", "NUMSUB", "chat") == [b"chat", 0]
