"""Events: every score is in the stream's history and published to live listeners."""

from __future__ import annotations

from typing import Any

from arcade import events


def test_scores_are_in_the_history(client: Any, login: Any) -> None:
    ann, bob = login("ann"), login("bob")
    client.post("/scores", json={"points": 5}, headers=ann)
    client.post("/scores", json={"points": 8}, headers=bob)
    history = client.get("/events").json()
    assert [(e["kind"], e["player"], e["points"]) for e in history] == [
        ("score", "ann", "5"),
        ("score", "bob", "8"),
    ]
    later = client.get("/events", params={"after": history[0]["id"]}).json()
    assert [e["player"] for e in later] == ["bob"]


def test_live_listeners_get_each_score(client: Any, login: Any, fakestash: Any) -> None:
    with fakestash.subscribe(events.CHANNEL) as live:
        client.post("/scores", json={"points": 5}, headers=login("ann"))
        assert live.wait_for(1) == ["score:ann"]


def test_the_history_is_capped(client: Any, login: Any, fakestash: Any) -> None:
    # MAXLEN ~ trims lazily, as Upstash does: nothing goes until a node's worth (100
    # entries) could, then the stream is cut to exactly KEEP.
    for i in range(events.KEEP + 50):
        fakestash.execute("XADD", events.STREAM, "*", "kind", "old", "n", i)
    client.post("/scores", json={"points": 5}, headers=login("ann"))
    assert fakestash.execute("XLEN", events.STREAM) == events.KEEP + 51
    for i in range(60):
        fakestash.execute("XADD", events.STREAM, "*", "kind", "old", "n", i)
    client.post("/scores", json={"points": 5}, headers=login("ann"))
    assert fakestash.execute("XLEN", events.STREAM) == events.KEEP
