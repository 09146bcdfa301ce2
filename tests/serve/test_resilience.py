"""``fakestash serve`` under stress: a slow SSE subscriber, a client that disconnects
mid-stream, 50 concurrent clients and a SIGTERM mid-request leave the server healthy and
its data file whole."""

from __future__ import annotations

import json
import signal
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from fakestash import FakeStash
from fakestash._asgi import asgi_app
from fakestash._engine.broker import BufferLimit
from tests.serve.process import Served, start_serve

uvicorn = pytest.importorskip("uvicorn")

pytestmark = pytest.mark.timeout(120)


def wait_for(predicate: Callable[[], bool], what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def raw_request(url: str, head: str, body: bytes = b"", rcvbuf: int | None = None) -> socket.socket:
    """A socket that has sent ``head`` (request line and headers) and ``body``."""
    parts = urlsplit(url)
    sock = socket.socket()
    if rcvbuf is not None:  # before connecting: it bounds the TCP window
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.settimeout(30)
    sock.connect((parts.hostname, parts.port))
    sock.sendall(head.encode() + b"\r\n" + body)
    return sock


def subscribe_head(served_url: str, token: str, channel: str) -> str:
    host = urlsplit(served_url).netloc
    return (
        f"POST /subscribe/{channel} HTTP/1.1\r\nHost: {host}\r\n"
        f"Authorization: Bearer {token}\r\nAccept: text/event-stream\r\n"
        "Content-Length: 0\r\n"
    )


def numsub(client: httpx.Client, channel: str) -> int:
    result = client.post("/", json=["PUBSUB", "NUMSUB", channel]).json()["result"]
    return int(result[1])


# ---- uvicorn in a thread, over a server a test tunes ------------------------------------------


@pytest.fixture
def tuned() -> Iterator[tuple[FakeStash, str]]:
    """uvicorn serving a FakeStash whose subscribers may fall 64 KiB behind (32 MiB is
    Redis' default), in a thread of this process."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    stash = FakeStash(url=url, token="tok")
    stash.broker().buffer_limit = BufferLimit(hard=64 * 1024, soft=None)
    config = uvicorn.Config(asgi_app(stash), log_level="critical", lifespan="off", ws="none")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    wait_for(lambda: server.started, "uvicorn")
    try:
        yield stash, url
    finally:
        stash.close()
        server.should_exit = True
        thread.join(30)
        sock.close()


def test_a_subscriber_that_stops_reading_is_dropped_and_the_server_goes_on(
    tuned: tuple[FakeStash, str],
) -> None:
    stash, url = tuned
    slow = raw_request(url, subscribe_head(url, "tok", "feed"), rcvbuf=4096)
    with httpx.Client(base_url=url, headers={"Authorization": "Bearer tok"}, timeout=30) as client:
        wait_for(lambda: numsub(client, "feed") == 1, "the subscriber")
        payload = "x" * 65536
        delivered = 0
        for _ in range(1000):  # up to 64 MB for a reader that takes none of it
            delivered += client.post("/", json=["PUBLISH", "feed", payload]).json()["result"]
            if delivered and numsub(client, "feed") == 0:
                break
        assert numsub(client, "feed") == 0  # dropped for its output buffer, as Redis does
        assert stash.broker().subscribers == {}
        assert client.post("/", json=["SET", "still", "here"]).json() == {"result": "OK"}
        assert client.post("/", json=["GET", "still"]).json() == {"result": "here"}
    slow.close()


def test_a_client_that_disconnects_mid_stream_is_unsubscribed(
    tuned: tuple[FakeStash, str],
) -> None:
    stash, url = tuned
    with httpx.Client(base_url=url, headers={"Authorization": "Bearer tok"}, timeout=30) as client:
        for round_ in range(5):
            sock = raw_request(url, subscribe_head(url, "tok", "chat"))
            wait_for(lambda: numsub(client, "chat") == 1, "the subscriber")
            client.post("/", json=["PUBLISH", "chat", f"m{round_}"])
            received = b""
            while f"m{round_}".encode() not in received:
                received += sock.recv(4096)
            sock.close()  # mid-stream, without a word
            wait_for(lambda: numsub(client, "chat") == 0, "the unsubscribe")
        assert stash.meter.seen.count(["UNSUBSCRIBE", "chat"]) == 5  # each a client's close
        assert client.post("/", json=["PUBLISH", "chat", "nobody"]).json() == {"result": 0}


# ---- the fakestash serve command ----------------------------------------------------------------


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    return tmp_path / "data.json"


@pytest.fixture
def with_data(data_file: Path) -> Iterator[Served]:
    served = start_serve("--token", "tok", "--control-token", "ctl", "--data", str(data_file))
    try:
        yield served
    finally:
        served.stop(signal.SIGKILL)


def test_fifty_concurrent_clients(with_data: Served, data_file: Path) -> None:
    served = with_data

    def client_work(n: int) -> list[Any]:
        with served.client() as client:
            replies = [client.post("/", json=["INCR", "hits"]).json()["result"] for _ in range(20)]
            pipe = client.post(
                "/pipeline", json=[["RPUSH", f"list:{n}", str(i)] for i in range(20)]
            )
            replies.append(pipe.json()[-1])
            replies.append(client.get(f"/llen/list:{n}").json())
            return replies

    subscribers = [
        raw_request(served.url, subscribe_head(served.url, "tok", "c")) for _ in range(5)
    ]
    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(client_work, range(50)))
    incrs = sorted(value for replies in results for value in replies[:20])
    assert incrs == list(range(1, 1001))  # every INCR ran once, none lost
    assert all(replies[20:] == [{"result": 20}, {"result": 20}] for replies in results)
    with served.client() as client:
        assert numsub(client, "c") == 5
        assert client.post("/", json=["PUBLISH", "c", "all"]).json() == {"result": 5}
    for sock in subscribers:
        sock.close()
    assert served.stop() == 0
    saved = json.loads(data_file.read_text())["databases"][0]["keys"]
    assert len(saved) == 51
    assert {"key": "hits", "type": "string", "value": "1000", "expires_at_ms": None} in saved


def test_sigterm_mid_request_finishes_it_and_writes_the_data_file(
    with_data: Served, data_file: Path
) -> None:
    served = with_data
    with served.client() as client:
        client.post("/", json=["SET", "before", "1"])
    stream = raw_request(served.url, subscribe_head(served.url, "tok", "chat"))
    host = urlsplit(served.url).netloc
    body = json.dumps(["SET", "during", "2"]).encode()
    head = (
        f"POST / HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer tok\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    )
    half = len(body) // 2
    request = raw_request(served.url, head, body[:half])
    time.sleep(0.3)  # the server has the request's head and half its body
    served.process.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    request.sendall(body[half:])
    answer = b""
    while b'{"result":"OK"}' not in answer:
        chunk = request.recv(4096)
        assert chunk, f"the connection closed with {answer!r}"
        answer += chunk
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n")
    assert served.process.wait(timeout=60) == 0  # the open stream did not hold it up
    stream_end = b""
    while chunk := stream.recv(4096):
        stream_end += chunk
    assert stream_end.startswith(b"HTTP/1.1 200 OK") and b"subscribe,chat,1" in stream_end
    saved = json.loads(data_file.read_text())
    keys = {entry["key"]: entry["value"] for entry in saved["databases"][0]["keys"]}
    assert keys == {"before": "1", "during": "2"}
    request.close()
    stream.close()
