"""The server as a whole: ``reset()``, ``reseed()``, ``use_clock()``, ``record_published()``
and bounded monitor logs (the library calls under the control surface)."""

from __future__ import annotations

import httpx
import pytest

from fakestash import FakeStash, Fault, ManualClock, SystemClock


@pytest.fixture
def stash() -> FakeStash:
    return FakeStash(seed=3, clock=ManualClock(1_700_000_000), url="https://s.upstash.io")


def test_reset_is_a_fresh_start_with_the_same_urls_and_tokens(stash: FakeStash) -> None:
    token, url = stash.token, stash.url
    stash.execute("SET", "k", "v")
    sha = stash.execute("SCRIPT", "LOAD", "return 1")
    stash.execute("ACL", "SETUSER", "bob", "on", "+get")
    stash.faults.fail_next(1, Fault.connect_error())
    stash.faults.fail(Fault.max_requests())
    with httpx.Client(transport=stash.transport(), base_url=url) as client:
        with pytest.raises(httpx.ConnectError):
            client.get("/get/k", headers={"Authorization": f"Bearer {token}"})
        assert client.get("/get/k", headers={"Authorization": f"Bearer {token}"}).status_code == 400
    assert stash.meter.faults == 2
    stash.reset()
    assert (stash.token, stash.url, stash.seed) == (token, url, 3)
    assert stash.execute("DBSIZE") == 0
    assert stash.execute("SCRIPT", "EXISTS", sha) == [0]
    assert stash.execute("ACL", "USERS") == [b"default", b"default_ro"]
    assert stash.faults.pending == [] and stash.faults.log == []
    assert (stash.meter.requests, stash.meter.faults) == (0, 0)
    with httpx.Client(transport=stash.transport(), base_url=url) as client:
        reply = client.post(
            "/", json=["SET", "k", "v2"], headers={"Authorization": f"Bearer {token}"}
        )
    assert reply.json() == {"result": "OK"}


def test_reset_ends_open_streams(stash: FakeStash) -> None:
    with stash.subscribe("chat") as chat:
        stash.reset()
        assert chat.closed
        assert stash.execute("PUBLISH", "chat", "x") == 0


def test_the_same_seed_replays_the_same_draws(stash: FakeStash) -> None:
    def draw() -> object:
        stash.execute("DEL", "s")
        stash.execute("SADD", "s", *"abcdefghij")
        return stash.execute("SPOP", "s", "4")

    stash.reseed(11)
    first = draw()
    stash.reseed(11)
    assert draw() == first
    stash.reset(seed=11)
    assert draw() == first
    assert stash.seed == 11
    with pytest.raises(TypeError, match="seed must be an int"):
        stash.reseed("11")  # type: ignore[arg-type]


def test_use_clock_switches_every_database(stash: FakeStash) -> None:
    stash.add_database(url="https://eu.upstash.io")
    system = stash.use_clock("system")
    assert isinstance(system, SystemClock) and stash.clock is system
    assert all(endpoint.database.clock is system for endpoint in stash.endpoints)
    manual = stash.use_clock("manual")
    assert isinstance(manual, ManualClock)
    assert abs(manual.time_ms() - system.time_ms()) < 60_000  # starts where time was
    stash.execute("SET", "k", "v", "PX", "100", db=1)
    manual.advance(ms=101)
    assert stash.execute("GET", "k", db=1) is None
    stash.faults.fail_next(1, Fault.latency(5))  # latency faults move the new clock
    with pytest.raises(ValueError, match="must be"):
        stash.use_clock("sundial")


def test_record_published_sees_every_message_without_subscribing(stash: FakeStash) -> None:
    with stash.record_published() as log:
        assert stash.execute("PUBLISH", "chat", "hi") == 0  # not a receiver
        with stash.subscribe("chat"):
            assert stash.execute("PUBLISH", "chat", "there") == 1
        stash.execute("SPUBLISH", "orders", "o1")
        stash.clock.advance(seconds=1)  # type: ignore[attr-defined]
        stash.execute("PUBLISH", "news", b"\xff")
    stash.execute("PUBLISH", "chat", "after close")
    assert log.texts("chat") == ["hi", "there"]
    assert [(m.channel, m.receivers, m.shard) for m in log.messages] == [
        (b"chat", 0, False),
        (b"chat", 1, False),
        (b"orders", 0, True),
        (b"news", 0, False),
    ]
    assert log.messages[-1].time_ms == 1_700_000_001_000
    assert log.messages[-1].text == "\ufffd"
    assert log.channels == [b"chat", b"orders", b"news"]
    log.clear()
    assert len(log) == 0


def test_bounded_logs_keep_the_last(stash: FakeStash) -> None:
    with stash.record_published(limit=2) as published, stash.monitor(limit=2) as monitor:
        for n in range(5):
            stash.execute("PUBLISH", "c", str(n))
    assert [m.text for m in published.messages] == ["3", "4"]
    assert monitor.commands == [["PUBLISH", "c", "3"], ["PUBLISH", "c", "4"]]
