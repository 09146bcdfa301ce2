"""The Upstash overview's curl examples, with only the URL and token changed, against
``fakestash serve``: real ``curl`` processes, the documented responses."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
from typing import Any

import pytest

from tests.serve.process import Served

pytestmark = pytest.mark.timeout(60)

CURL = shutil.which("curl")
if CURL is None:  # pragma: no cover
    pytest.skip("curl is not on PATH", allow_module_level=True)


def curl(served: Served, *args: str, url: str | None = None) -> Any:
    """``curl -s URL ARGS -H 'Authorization: Bearer <token>'``, its output as JSON."""
    assert CURL is not None
    command = [CURL, "-s", "--max-time", "20", *args, "-H", f"Authorization: Bearer {served.token}"]
    target = served.url if url is None else url
    out = subprocess.run([*command, target], capture_output=True, check=True, timeout=30)
    return json.loads(out.stdout)


def path(served: Served, tail: str) -> str:
    return served.url + tail


def test_basic_commands_in_the_path(served: Served) -> None:
    assert curl(served, url=path(served, "/set/foo/bar")) == {"result": "OK"}
    assert curl(served, url=path(served, "/get/foo")) == {"result": "bar"}
    assert curl(served, url=path(served, "/set/key/value/EX/100")) == {"result": "OK"}
    assert curl(served, url=path(served, "/ttl/key")) == {"result": 100}
    for key, value in (("key1", "value1"), ("key2", "value2"), ("key3", "value3")):
        curl(served, url=path(served, f"/set/{key}/{value}"))
    assert curl(served, url=path(served, "/mget/key1/key2/key3")) == {
        "result": ["value1", "value2", "value3"]
    }
    assert curl(served, url=path(served, "/hget/employee:23381/salary")) == {"result": None}
    assert curl(served, url=path(served, "/zadd/teams/100/team-x/90/team-y")) == {"result": 2}


def test_json_and_binary_data(served: Served) -> None:
    body = '{"user":"alice","role":"admin","created":"2025-10-10"}'
    assert curl(served, "-X", "POST", "-d", body, url=path(served, "/set/user:1001")) == {
        "result": "OK"
    }
    assert curl(served, url=path(served, "/get/user:1001")) == {"result": body}
    session = '{"session":"active","ip":"192.168.1.1"}'
    assert curl(
        served, "-X", "POST", "-d", session, url=path(served, "/set/session:xyz?EX=3600")
    ) == {"result": "OK"}
    assert curl(served, url=path(served, "/ttl/session:xyz")) == {"result": 3600}
    command = '["SET", "config:app", "{\\"theme\\":\\"dark\\",\\"lang\\":\\"en\\"}", "EX", 86400]'
    assert curl(served, "-X", "POST", "-d", command) == {"result": "OK"}
    assert curl(served, url=path(served, "/get/config:app")) == {
        "result": '{"theme":"dark","lang":"en"}'
    }
    curl(served, url=path(served, "/set/binarykey/bar"))
    assert curl(served, "-H", "Upstash-Encoding: base64", url=path(served, "/GET/binarykey")) == {
        "result": "YmFy"
    }


def test_pipeline(served: Served) -> None:
    body = (
        '[ ["SET", "user:count", "0"], ["INCR", "user:count"], ["SET", "user:1", "alice"], '
        '["SET", "user:2", "bob"], ["GET", "user:count"], '
        '["ZADD", "leaderboard", 100, "alice", 85, "bob"] ]'
    )
    assert curl(served, "-X", "POST", "-d", body, url=path(served, "/pipeline")) == [
        {"result": "OK"},
        {"result": 1},
        {"result": "OK"},
        {"result": "OK"},
        {"result": "1"},
        {"result": 2},
    ]


def test_transaction(served: Served) -> None:
    body = (
        '[ ["SET", "balance:alice", "1000"], ["DECRBY", "balance:alice", "100"], '
        '["INCRBY", "balance:bob", "100"], ["GET", "balance:alice"], ["GET", "balance:bob"] ]'
    )
    assert curl(served, "-X", "POST", "-d", body, url=path(served, "/multi-exec")) == [
        {"result": "OK"},
        {"result": 900},
        {"result": 100},
        {"result": "900"},
        {"result": "100"},
    ]


def _stream(served: Served, tail: str, seconds: float, into: list[bytes]) -> threading.Thread:
    """A ``curl -N`` reading an SSE stream for ``seconds``, its output into ``into``."""
    assert CURL is not None
    command = [
        CURL, "-s", "-N", "--max-time", str(seconds), "-X", "POST", served.url + tail,
        "-H", f"Authorization: Bearer {served.token}", "-H", "Accept: text/event-stream",
    ]  # fmt: skip

    def run() -> None:
        into.append(subprocess.run(command, capture_output=True, timeout=seconds + 20).stdout)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _wait_for(predicate: Any, what: str) -> None:
    deadline = time.monotonic() + 20
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def test_subscribe_and_publish(served: Served) -> None:
    out: list[bytes] = []
    reader = _stream(served, "/subscribe/chat", 3, out)
    numsub = path(served, "/pubsub/numsub/chat")
    _wait_for(lambda: curl(served, url=numsub) == {"result": ["chat", 1]}, "the subscriber")
    assert curl(served, "-X", "POST", url=path(served, "/publish/chat/hello")) == {"result": 1}
    how = path(served, "/publish/chat/how%20are%20you%3F")
    assert curl(served, "-X", "POST", url=how) == {"result": 1}
    reader.join()
    assert out[0] == (
        b"data: subscribe,chat,1\n\ndata: message,chat,hello\n\ndata: message,chat,how are you?\n\n"
    )
    # curl gave up (--max-time) and closed the connection: the subscription ended with it.
    _wait_for(lambda: curl(served, url=numsub) == {"result": ["chat", 0]}, "the unsubscribe")


def test_monitor(served: Served) -> None:
    out: list[bytes] = []
    reader = _stream(served, "/monitor", 3, out)
    _wait_for(lambda: served.control("GET", "/meter")["seen"][-1:] == [["MONITOR"]], "monitor")
    curl(served, url=path(served, "/get/k"))
    curl(served, url=path(served, "/set/k/v"))
    reader.join()
    lines = out[0].decode().split("\n\n")
    assert lines[0] == 'data: "OK"'
    assert [line.split(" ", 4)[-1] for line in lines[1:3]] == ['"get" "k"', '"set" "k" "v"']
    assert all(" [0 0.0.0.0:0] " in line for line in lines[1:3])
