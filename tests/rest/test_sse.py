"""SSE over the REST face with real httpx clients: /subscribe, /psubscribe, /monitor.

No test sleeps: threads and tasks synchronise on the broker (``wait_for_subscribers``),
on collectors, and on events with timeouts. Every test closes the server at teardown, as
the pytest plugin does, so a broken test fails instead of hanging.
"""

from __future__ import annotations

import asyncio
import gc
import threading
from typing import AsyncIterator, Iterator

import httpx
import pytest

from fakestash import FakeStash
from fakestash._engine.broker import OVERFLOW, BufferLimit
from fakestash._engine.registry import Registry

pytest_plugins = ["pytester"]

SSE = {"Accept": "text/event-stream"}
WAIT = 5.0


@pytest.fixture(autouse=True)
def _close_streams(stash: FakeStash) -> Iterator[None]:
    yield
    stash.close()


@pytest.fixture
async def aclient(stash: FakeStash) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=stash.async_transport(),
        base_url=stash.url,
        headers={"Authorization": f"Bearer {stash.token}"},
    ) as c:
        yield c


def events(lines: Iterator[str], count: int) -> list[str]:
    """Read ``count`` SSE events: ``data:`` lines joined by newlines, ended by a blank line."""
    out: list[str] = []
    data: list[str] = []
    for line in lines:
        if line == "":
            out.append("\n".join(data))
            data = []
            if len(out) == count:
                return out
        elif line.startswith("data: "):
            data.append(line[len("data: ") :])
    raise AssertionError(f"stream ended after {out!r}")


async def aevents(lines: AsyncIterator[str], count: int) -> list[str]:
    out: list[str] = []
    data: list[str] = []
    async for line in lines:
        if line == "":
            out.append("\n".join(data))
            data = []
            if len(out) == count:
                return out
        elif line.startswith("data: "):
            data.append(line[len("data: ") :])
    raise AssertionError(f"stream ended after {out!r}")


# ---- subscribe ---------------------------------------------------------------------------


def test_subscribe_streams_confirmation_then_messages(
    stash: FakeStash, client: httpx.Client
) -> None:
    with client.stream("POST", "/subscribe/chat", headers=SSE) as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/event-stream"
        assert response.headers["upstash-sync-token"]
        assert client.post("/publish/chat/hello").json() == {"result": 1}
        assert client.post("/", json=["PUBLISH", "chat", "a,b,c"]).json() == {"result": 1}
        lines = response.iter_lines()
        assert events(lines, 3) == ["subscribe,chat,1", "message,chat,hello", "message,chat,a,b,c"]


def test_events_are_data_lines_ended_by_a_blank_line(client: httpx.Client) -> None:
    with client.stream("POST", "/subscribe/chat", headers=SSE) as response:
        raw = response.iter_raw()
        assert next(raw) == b"data: subscribe,chat,1\n\n"
        client.post("/publish/chat/hi")
        client.post("/publish/chat/ho")
        assert next(raw) == b"data: message,chat,hi\n\ndata: message,chat,ho\n\n"


def test_payload_with_line_breaks_spans_data_lines(client: httpx.Client) -> None:
    with client.stream("POST", "/subscribe/chat", headers=SSE) as response:
        raw = response.iter_raw()
        next(raw)
        client.post("/", json=["PUBLISH", "chat", "line one\nline two"])
        assert next(raw) == b"data: message,chat,line one\ndata: line two\n\n"


def test_payloads_stay_raw_in_base64_mode(client: httpx.Client) -> None:
    headers = {**SSE, "Upstash-Encoding": "base64"}
    with client.stream("POST", "/subscribe/chat", headers=headers) as response:
        client.post("/", json=["PUBLISH", "chat", "really?"])
        assert events(response.iter_lines(), 2)[1] == "message,chat,really?"


def test_several_channels_in_one_path(client: httpx.Client) -> None:
    with client.stream("POST", "/subscribe/a/b", headers=SSE) as response:
        client.post("/publish/b/x")
        assert events(response.iter_lines(), 3) == [
            "subscribe,a,1",
            "subscribe,b,2",
            "message,b,x",
        ]


def test_the_empty_array_body_the_js_sdk_sends_is_ignored(client: httpx.Client) -> None:
    with client.stream("POST", "/subscribe/chat", headers=SSE, content=b"[]") as response:
        assert client.post("/", json=["PUBSUB", "CHANNELS"]).json() == {"result": ["chat"]}
        assert events(response.iter_lines(), 1) == ["subscribe,chat,1"]


def test_percent_encoded_channel(client: httpx.Client) -> None:
    with client.stream("POST", "/subscribe/caf%C3%A9", headers=SSE) as response:
        assert client.post("/", json=["PUBLISH", "café", "x"]).json() == {"result": 1}
        assert events(response.iter_lines(), 2) == ["subscribe,café,1", "message,café,x"]


def test_token_in_the_query(stash: FakeStash) -> None:
    with httpx.Client(transport=stash.transport(), base_url=stash.url) as anonymous:
        url = f"/subscribe/chat?_token={stash.token}"
        with anonymous.stream("POST", url, headers=SSE) as response:
            assert response.status_code == 200
            assert events(response.iter_lines(), 1) == ["subscribe,chat,1"]


def test_psubscribe_streams_pmessages(client: httpx.Client) -> None:
    with client.stream("POST", "/psubscribe/user:*", headers=SSE) as response:
        assert client.post("/publish/user:1/joined").json() == {"result": 1}
        assert client.post("/publish/other/x").json() == {"result": 0}
        assert events(response.iter_lines(), 2) == [
            "psubscribe,user:*,1",
            "pmessage,user:*,user:1,joined",
        ]


def test_psubscribe_glob_classes(client: httpx.Client) -> None:
    with client.stream("POST", "/psubscribe/h[ae]llo", headers=SSE) as response:
        assert client.post("/publish/hallo/1").json() == {"result": 1}
        assert client.post("/publish/hillo/2").json() == {"result": 0}
        assert events(response.iter_lines(), 2)[1] == "pmessage,h[ae]llo,hallo,1"


# ---- refusals --------------------------------------------------------------------------------


def test_subscribe_without_a_channel(client: httpx.Client) -> None:
    response = client.post("/subscribe", headers=SSE)
    assert response.status_code == 400
    assert response.json() == {"error": "ERR wrong number of arguments for 'subscribe' command"}


def test_stream_needs_the_event_stream_accept_header(client: httpx.Client) -> None:
    response = client.post("/subscribe/chat")
    assert response.status_code == 400
    assert "Accept: text/event-stream" in response.json()["error"]


def test_monitor_takes_no_arguments(client: httpx.Client) -> None:
    response = client.post("/monitor/x", headers=SSE)
    assert response.status_code == 400
    assert response.json() == {"error": "ERR wrong number of arguments for 'monitor' command"}


def test_streams_need_a_token(stash: FakeStash) -> None:
    with httpx.Client(transport=stash.transport(), base_url=stash.url) as anonymous:
        assert anonymous.post("/subscribe/chat", headers=SSE).status_code == 401


def test_read_only_token_may_subscribe_but_not_monitor_or_publish(
    ro_client: httpx.Client, client: httpx.Client
) -> None:
    with ro_client.stream("POST", "/subscribe/chat", headers=SSE) as response:
        assert response.status_code == 200
        client.post("/publish/chat/x")
        assert events(response.iter_lines(), 2)[1] == "message,chat,x"
    refused = ro_client.post("/monitor", headers=SSE)
    assert refused.status_code == 400
    assert refused.json()["error"].startswith(
        "NOPERM this user has no permissions to run the 'monitor'"
    )
    assert (
        ro_client.post("/publish/chat/x")
        .json()["error"]
        .startswith("NOPERM this user has no permissions to run the 'publish'")
    )


@pytest.mark.parametrize(
    "name", ["SUBSCRIBE", "PSUBSCRIBE", "UNSUBSCRIBE", "MONITOR", "SSUBSCRIBE"]
)
def test_subscribe_commands_in_a_body_are_not_allowed_in_rest(
    client: httpx.Client, name: str
) -> None:
    text = f'ERR Command "{name}" is not allowed in REST or it has a special context path'
    response = client.post("/", json=[name, "chat"])
    assert (response.status_code, response.json()) == (400, {"error": text})
    assert client.post("/pipeline", json=[[name, "chat"]]).json() == [{"error": text}]


# ---- unsubscribing by closing ------------------------------------------------------------------


def test_leaving_the_with_block_unsubscribes_at_once(client: httpx.Client) -> None:
    with client.stream("POST", "/subscribe/chat", headers=SSE):
        assert client.post("/", json=["PUBSUB", "NUMSUB", "chat"]).json() == {"result": ["chat", 1]}
    assert client.post("/", json=["PUBSUB", "NUMSUB", "chat"]).json() == {"result": ["chat", 0]}
    assert client.post("/publish/chat/x").json() == {"result": 0}


def test_closing_from_another_thread_ends_a_blocked_reader(
    stash: FakeStash, client: httpx.Client
) -> None:
    response = client.send(
        client.build_request("POST", "/subscribe/chat", headers=SSE), stream=True
    )
    read: list[str] = []
    done = threading.Event()

    def reader() -> None:
        read.extend(response.iter_lines())
        done.set()

    thread = threading.Thread(target=reader)
    thread.start()
    response.close()
    assert done.wait(WAIT)
    thread.join(WAIT)
    assert stash.execute("PUBSUB", "NUMSUB", "chat") == [b"chat", 0]


async def test_async_close_unsubscribes(stash: FakeStash, aclient: httpx.AsyncClient) -> None:
    async with aclient.stream("POST", "/subscribe/chat", headers=SSE):
        assert stash.execute("PUBSUB", "NUMSUB", "chat") == [b"chat", 1]
    assert stash.execute("PUBSUB", "NUMSUB", "chat") == [b"chat", 0]


# ---- threads and tasks --------------------------------------------------------------------------


def test_publish_from_another_thread_reaches_a_waiting_subscriber(
    stash: FakeStash, client: httpx.Client
) -> None:
    with client.stream("POST", "/subscribe/chat", headers=SSE) as response:
        lines = response.iter_lines()
        assert events(lines, 1) == ["subscribe,chat,1"]
        publisher = threading.Thread(target=lambda: client.post("/publish/chat/late"))
        publisher.start()  # the reader below is already blocked when it publishes, or not
        assert events(lines, 1) == ["message,chat,late"]
        publisher.join(WAIT)


def test_several_subscribers_in_threads(stash: FakeStash, client: httpx.Client) -> None:
    received: dict[int, list[str]] = {}

    def subscriber(n: int) -> None:
        with client.stream("POST", "/subscribe/chat", headers=SSE) as response:
            received[n] = events(response.iter_lines(), 3)

    threads = [threading.Thread(target=subscriber, args=(n,)) for n in range(5)]
    for thread in threads:
        thread.start()
    assert stash.broker().wait_for_subscribers(b"chat", 5, timeout=WAIT)
    assert client.post("/publish/chat/one").json() == {"result": 5}
    assert client.post("/publish/chat/two").json() == {"result": 5}
    for thread in threads:
        thread.join(WAIT)
    assert sorted(received) == [0, 1, 2, 3, 4]
    for got in received.values():
        assert got[1:] == ["message,chat,one", "message,chat,two"]
    assert stash.execute("PUBSUB", "NUMSUB", "chat") == [b"chat", 0]


def test_server_close_ends_every_open_stream(stash: FakeStash, client: httpx.Client) -> None:
    ended = threading.Event()

    def reader() -> None:
        with client.stream("POST", "/subscribe/chat", headers=SSE) as response:
            list(response.iter_lines())
        ended.set()

    thread = threading.Thread(target=reader)
    thread.start()
    assert stash.broker().wait_for_subscribers(b"chat", timeout=WAIT)
    stash.close()
    assert ended.wait(WAIT)
    thread.join(WAIT)


def test_streams_opened_after_close_end_at_once(stash: FakeStash, client: httpx.Client) -> None:
    stash.close()
    with client.stream("POST", "/subscribe/chat", headers=SSE) as response:
        assert list(response.iter_lines()) == []
    with client.stream("POST", "/monitor", headers=SSE) as response:
        assert list(response.iter_lines()) == ['data: "OK"', ""]


async def test_async_subscriber_gets_a_publish_from_another_task(
    stash: FakeStash, aclient: httpx.AsyncClient
) -> None:
    async def publisher() -> None:
        await asyncio.to_thread(stash.broker().wait_for_subscribers, b"chat", 1, WAIT)
        await aclient.post("/publish/chat/from-task")

    task = asyncio.create_task(publisher())
    async with aclient.stream("POST", "/subscribe/chat", headers=SSE) as response:
        got = await asyncio.wait_for(aevents(response.aiter_lines(), 2), WAIT)
    await task
    assert got == ["subscribe,chat,1", "message,chat,from-task"]


async def test_async_subscriber_gets_a_publish_from_another_thread(
    stash: FakeStash, aclient: httpx.AsyncClient, client: httpx.Client
) -> None:
    async with aclient.stream("POST", "/psubscribe/news.*", headers=SSE) as response:
        lines = response.aiter_lines()
        assert await aevents(lines, 1) == ["psubscribe,news.*,1"]
        thread = threading.Thread(target=lambda: client.post("/publish/news.tech/x"))
        thread.start()
        assert await asyncio.wait_for(aevents(lines, 1), WAIT) == ["pmessage,news.*,news.tech,x"]
        thread.join(WAIT)


async def test_many_async_subscribers(stash: FakeStash, aclient: httpx.AsyncClient) -> None:
    async def subscriber() -> list[str]:
        async with aclient.stream("POST", "/subscribe/room", headers=SSE) as response:
            return await aevents(response.aiter_lines(), 2)

    tasks = [asyncio.create_task(subscriber()) for _ in range(20)]
    await asyncio.to_thread(stash.broker().wait_for_subscribers, b"room", 20, WAIT)
    assert (await aclient.post("/publish/room/hi")).json() == {"result": 20}
    results = await asyncio.wait_for(asyncio.gather(*tasks), WAIT)
    assert all(r == ["subscribe,room,1", "message,room,hi"] for r in results)


async def test_server_close_ends_async_streams(
    stash: FakeStash, aclient: httpx.AsyncClient
) -> None:
    async def reader() -> list[str]:
        async with aclient.stream("POST", "/subscribe/chat", headers=SSE) as response:
            return [line async for line in response.aiter_lines()]

    task = asyncio.create_task(reader())
    await asyncio.to_thread(stash.broker().wait_for_subscribers, b"chat", 1, WAIT)
    stash.close()
    assert await asyncio.wait_for(task, WAIT) == ["data: subscribe,chat,1", ""]


# ---- slow subscribers and idle streams -------------------------------------------------------------


def test_a_subscriber_past_its_buffer_limit_is_disconnected(
    stash: FakeStash, client: httpx.Client
) -> None:
    stash.broker().buffer_limit = BufferLimit(hard=2_000, soft=None)
    with client.stream("POST", "/subscribe/chat", headers=SSE) as response:
        for _ in range(30):
            client.post("/", json=["PUBLISH", "chat", "x" * 100])
        assert client.post("/", json=["PUBSUB", "NUMSUB", "chat"]).json() == {"result": ["chat", 0]}
        assert list(response.iter_lines()) == []  # dropped, as Redis drops the client


def test_the_overflow_reason_is_recorded(stash: FakeStash) -> None:
    broker = stash.broker()
    broker.buffer_limit = BufferLimit(hard=100, soft=None)
    sub = broker.new_subscriber()
    broker.subscribe(sub, [b"c"])
    stash.execute("PUBLISH", "c", "x" * 200)
    assert sub.mailbox.close_reason == OVERFLOW


def test_an_idle_stream_ends_after_the_idle_timeout(stash: FakeStash, client: httpx.Client) -> None:
    stash.broker().idle_timeout = 0.05
    with client.stream("POST", "/subscribe/chat", headers=SSE) as response:
        assert list(response.iter_lines()) == ["data: subscribe,chat,1", ""]
    assert stash.execute("PUBSUB", "NUMSUB", "chat") == [b"chat", 0]


# ---- monitor ---------------------------------------------------------------------------------------


def test_monitor_streams_ok_then_commands(stash: FakeStash, client: httpx.Client) -> None:
    with client.stream("POST", "/monitor", headers=SSE) as response:
        assert response.headers["content-type"] == "text/event-stream"
        client.post("/", json=["SET", "k", "v"])
        client.get("/get/k")
        assert events(response.iter_lines(), 3) == [
            '"OK"',
            '1700000000.000000 [0 0.0.0.0:0] "SET" "k" "v"',
            '1700000000.000000 [0 0.0.0.0:0] "get" "k"',
        ]


def test_monitor_across_pipeline_and_multi_exec(stash: FakeStash, client: httpx.Client) -> None:
    with client.stream("POST", "/monitor", headers=SSE) as response:
        client.post("/pipeline", json=[["SET", "a", "1"], ["NOTACMD"], ["INCR", "a"]])
        client.post("/multi-exec", json=[["INCR", "a"], ["GET", "a"]])
        got = events(response.iter_lines(), 7)
    commands = [line.split("] ", 1)[1] for line in got[1:]]
    assert commands == [
        '"SET" "a" "1"',
        '"INCR" "a"',
        '"MULTI"',
        '"INCR" "a"',
        '"GET" "a"',
        '"EXEC"',
    ]


def test_monitor_across_lua(stash: FakeStash, client: httpx.Client) -> None:
    if "eval" not in Registry.default():
        pytest.skip("EVAL is not in the command table yet (Lua lands separately)")
    script = "redis.call('SET', KEYS[1], ARGV[1]); return redis.call('GET', KEYS[1])"
    with client.stream("POST", "/monitor", headers=SSE) as response:
        assert client.post("/", json=["EVAL", script, "1", "k", "v"]).json() == {"result": "v"}
        got = events(response.iter_lines(), 4)
    assert got[1] == f'1700000000.000000 [0 0.0.0.0:0] "EVAL" "{script}" "1" "k" "v"'
    assert got[2:] == [
        '1700000000.000000 [0 lua] "SET" "k" "v"',
        '1700000000.000000 [0 lua] "GET" "k"',
    ]


def test_monitor_shows_subscribe_and_publish(stash: FakeStash, client: httpx.Client) -> None:
    log = stash.monitor()
    with client.stream("POST", "/subscribe/chat", headers=SSE):
        client.post("/publish/chat/hi")
    assert log.commands == [["SUBSCRIBE", "chat"], ["publish", "chat", "hi"]]


def test_monitor_sees_commands_from_other_threads(stash: FakeStash, client: httpx.Client) -> None:
    with client.stream("POST", "/monitor", headers=SSE) as response:
        threads = [
            threading.Thread(target=lambda n=n: client.post("/", json=["SET", f"k{n}", "v"]))
            for n in range(4)
        ]
        for thread in threads:
            thread.start()
        got = events(response.iter_lines(), 5)
        for thread in threads:
            thread.join(WAIT)
    assert sorted(line.split("] ", 1)[1] for line in got[1:]) == [
        f'"SET" "k{n}" "v"' for n in range(4)
    ]


def test_closing_the_monitor_stream_unhooks_it(stash: FakeStash, client: httpx.Client) -> None:
    with client.stream("POST", "/monitor", headers=SSE):
        assert stash.database.observers != []
    assert stash.database.observers == []


async def test_async_monitor(stash: FakeStash, aclient: httpx.AsyncClient) -> None:
    async with aclient.stream("POST", "/monitor", headers=SSE) as response:
        await aclient.post("/", json=["PING"])
        got = await asyncio.wait_for(aevents(response.aiter_lines(), 2), WAIT)
    assert got == ['"OK"', '1700000000.000000 [0 0.0.0.0:0] "PING"']


# ---- test-side API beside real streams ---------------------------------------------------------------


def test_collectors_and_streams_both_count_as_receivers(
    stash: FakeStash, client: httpx.Client
) -> None:
    chat = stash.subscribe("chat")
    with client.stream("POST", "/subscribe/chat", headers=SSE):
        assert client.post("/publish/chat/hi").json() == {"result": 2}
    assert chat.texts == ["hi"]


# ---- the pytest plugin's teardown ------------------------------------------------------------------

INNER = """
import threading

import httpx

state = {}


def test_leaves_a_stream_open(fakestash):
    fakestash.broker().idle_timeout = None  # only the teardown can end it
    client = httpx.Client(
        transport=fakestash.transport(),
        base_url=fakestash.url,
        headers={"Authorization": f"Bearer {fakestash.token}"},
    )
    done = threading.Event()

    def reader():
        with client.stream("POST", "/subscribe/chat", headers={"Accept": "text/event-stream"}) as r:
            for _ in r.iter_lines():
                pass
        done.set()

    threading.Thread(target=reader, daemon=True).start()
    assert fakestash.broker().wait_for_subscribers(b"chat", timeout=5)
    state["done"] = done


def test_the_teardown_ended_it():
    assert state["done"].wait(5)
"""


def test_plugin_teardown_closes_open_streams(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_inner=INNER)
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(passed=2)


# ---- streams dropped without close() -------------------------------------------------------------


def _open(client: httpx.Client, path: str) -> httpx.Response:
    """A stream response the test never closes (what a careless caller leaves behind)."""
    return client.send(client.build_request("POST", path, headers=SSE), stream=True)


@pytest.mark.timeout(30)
def test_a_garbage_collected_stream_is_unsubscribed(stash: FakeStash, client: httpx.Client) -> None:
    response = _open(client, "/subscribe/chat")
    assert client.post("/publish/chat/one").json() == {"result": 1}
    del response
    gc.collect()
    assert client.post("/publish/chat/two").json() == {"result": 0}
    assert stash.execute("PUBSUB", "NUMSUB", "chat") == [b"chat", 0]
    # A client dropping its stream is a client-side close: it bills the UNSUBSCRIBE.
    assert stash.meter.seen[-2:] == [["UNSUBSCRIBE", "chat"], ["publish", "chat", "two"]]


@pytest.mark.timeout(30)
def test_a_garbage_collected_pattern_stream_leaves_pubsub_counts(
    stash: FakeStash, client: httpx.Client
) -> None:
    response = _open(client, "/psubscribe/news.*")
    assert stash.execute("PUBSUB", "NUMPAT") == 1
    del response
    gc.collect()
    assert stash.execute("PUBSUB", "NUMPAT") == 0
    assert stash.broker().wait_for_subscribers(b"news.*", 1, timeout=0.01, pattern=True) is False


@pytest.mark.timeout(30)
async def test_a_garbage_collected_async_stream_is_unsubscribed(
    stash: FakeStash, aclient: httpx.AsyncClient
) -> None:
    request = aclient.build_request("POST", "/subscribe/chat", headers=SSE)
    response = await aclient.send(request, stream=True)
    assert (await aclient.post("/publish/chat/one")).json() == {"result": 1}
    del response
    gc.collect()
    assert (await aclient.post("/publish/chat/two")).json() == {"result": 0}


@pytest.mark.timeout(30)
def test_a_garbage_collected_monitor_stream_unhooks_it(
    stash: FakeStash, client: httpx.Client
) -> None:
    response = _open(client, "/monitor")
    feed = stash.database.extensions["monitor"]
    assert len(feed.watchers) == 1  # type: ignore[attr-defined]
    del response
    gc.collect()
    client.post("/", json=["SET", "k", "v"])
    assert len(feed.watchers) == 0  # type: ignore[attr-defined]
    assert stash.database.observers == []


@pytest.mark.timeout(30)
def test_an_unread_stream_ends_once_idle(stash: FakeStash, client: httpx.Client) -> None:
    stash.broker().idle_timeout = 0.0  # idle at once: no sleeping
    response = _open(client, "/subscribe/chat")
    assert client.post("/publish/chat/x").json() == {"result": 0}
    assert stash.execute("PUBSUB", "NUMSUB", "chat") == [b"chat", 0]
    # What was queued before it ended is still readable; then the stream ends.
    assert list(response.iter_lines()) == ["data: subscribe,chat,1", ""]
    response.close()
    assert stash.meter.seen[-1] == ["publish", "chat", "x"]  # a server-side end: no bill


@pytest.mark.timeout(30)
def test_an_unread_stream_within_its_idle_timeout_still_receives(
    stash: FakeStash, client: httpx.Client
) -> None:
    response = _open(client, "/subscribe/chat")
    assert client.post("/publish/chat/x").json() == {"result": 1}
    assert events(response.iter_lines(), 2) == ["subscribe,chat,1", "message,chat,x"]
    response.close()


@pytest.mark.timeout(30)
def test_an_unread_monitor_stream_ends_once_idle(stash: FakeStash, client: httpx.Client) -> None:
    stash.broker().idle_timeout = 0.0
    response = _open(client, "/monitor")  # held, never read
    client.post("/", json=["SET", "k", "v"])
    assert stash.database.extensions["monitor"].watchers == {}  # type: ignore[attr-defined]
    assert stash.database.observers == []
    response.close()


@pytest.mark.timeout(30)
def test_a_closed_stream_is_not_released_twice(stash: FakeStash, client: httpx.Client) -> None:
    response = _open(client, "/subscribe/chat")
    response.close()
    del response
    gc.collect()
    client.post("/publish/chat/x")
    assert stash.meter.seen == [["SUBSCRIBE", "chat"], ["UNSUBSCRIBE", "chat"], ["publish", "chat", "x"]]
