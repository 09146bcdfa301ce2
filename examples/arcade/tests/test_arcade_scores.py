"""Scores and the leaderboard; five scores per player per ten seconds."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import time_machine
from arcade.app import SCORES_PER_WINDOW, WINDOW_SECONDS

START = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)


def test_scores_add_up_and_rank_players(client: Any, login: Any) -> None:
    ann, bob = login("ann"), login("bob")
    assert client.post("/scores", json={"points": 30}, headers=ann).json() == {
        "player": "ann",
        "points": 30,
        "total": 30,
    }
    client.post("/scores", json={"points": 50}, headers=bob)
    client.post("/scores", json={"points": 40}, headers=ann)
    assert client.get("/leaderboard").json() == [
        {"rank": 1, "player": "ann", "score": 70},
        {"rank": 2, "player": "bob", "score": 50},
    ]
    assert client.get("/me", headers=bob).json()["rank"] == 2


def test_the_leaderboard_limit(client: Any, fakestash: Any) -> None:
    for i in range(15):
        fakestash.execute("ZADD", "leaderboard", i, f"p{i:02}")
    board = client.get("/leaderboard", params={"limit": 3}).json()
    assert [row["player"] for row in board] == ["p14", "p13", "p12"]
    assert len(client.get("/leaderboard").json()) == 10


def test_invalid_scores_are_refused(client: Any, login: Any, fakestash: Any) -> None:
    ann = login("ann")
    for points in (0, -5, 1001):
        assert client.post("/scores", json={"points": points}, headers=ann).status_code == 422
    assert fakestash.execute("EXISTS", "leaderboard") == 0


def test_scoring_needs_a_session(client: Any) -> None:
    assert client.post("/scores", json={"points": 10}).status_code == 401


def test_five_scores_per_window_per_player(client: Any, login: Any) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        ann, bob = login("ann"), login("bob")
        statuses = [
            client.post("/scores", json={"points": 1}, headers=ann).status_code
            for _ in range(SCORES_PER_WINDOW + 1)
        ]
        assert statuses == [201] * SCORES_PER_WINDOW + [429]
        assert client.post("/scores", json={"points": 1}, headers=bob).status_code == 201
        traveller.shift(WINDOW_SECONDS)
        assert client.post("/scores", json={"points": 1}, headers=ann).status_code == 201


def test_a_refused_score_says_when_to_retry(client: Any, login: Any) -> None:
    with time_machine.travel(START, tick=False):
        ann = login("ann")
        for _ in range(SCORES_PER_WINDOW):
            client.post("/scores", json={"points": 1}, headers=ann)
        refused = client.post("/scores", json={"points": 1}, headers=ann).json()["detail"]
    assert refused == {"error": "too many scores", "reset": START.timestamp() + WINDOW_SECONDS}


def test_a_score_costs_a_bounded_number_of_requests(
    client: Any, login: Any, fakestash: Any
) -> None:
    ann = login("ann")
    client.post("/scores", json={"points": 1}, headers=ann)  # warm: scripts loaded
    fakestash.meter.reset()
    client.post("/scores", json={"points": 1}, headers=ann)
    # the session, the rate limit script, the flag, the leaderboard, the stream, the feed
    fakestash.meter.assert_at_most(requests=6, commands=6)
    assert [argv[0] for argv in fakestash.meter.seen][-3:] == ["ZINCRBY", "XADD", "PUBLISH"]
