"""Sessions: a token per login, renewed by each use, gone after 30 idle minutes."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import time_machine
from arcade.sessions import SESSION_TTL

START = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)


def test_a_session_identifies_the_player(client: Any, login: Any) -> None:
    me = client.get("/me", headers=login("ann")).json()
    assert me == {"player": "ann", "score": 0, "rank": None, "badges": [], "flags": {}}


def test_no_token_or_an_unknown_one_is_401(client: Any) -> None:
    assert client.get("/me").status_code == 401
    response = client.get("/me", headers={"Authorization": "Bearer forged"})
    assert response.status_code == 401
    assert "log in first" in response.json()["detail"]


def test_player_names_are_checked(client: Any, fakestash: Any) -> None:
    assert client.post("/sessions", json={"player": "Ann Smith"}).status_code == 422
    assert fakestash.execute("DBSIZE") == 0


def test_the_session_key_has_the_ttl(client: Any, login: Any, fakestash: Any) -> None:
    login("ann")
    [key] = fakestash.execute("KEYS", "session:*")
    assert fakestash.execute("GET", key) == b"ann"
    assert fakestash.execute("TTL", key) == SESSION_TTL


def test_an_idle_session_ends_after_30_minutes(client: Any, login: Any) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        headers = login("ann")
        traveller.shift(SESSION_TTL)
        assert client.get("/me", headers=headers).status_code == 200  # at the deadline
    with time_machine.travel(START, tick=False) as traveller:
        headers = login("bob")
        traveller.shift(SESSION_TTL + 1)
        assert client.get("/me", headers=headers).status_code == 401


def test_each_use_renews_the_session(client: Any, login: Any) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        headers = login("ann")
        for _ in range(4):  # two hours of activity, 25 minutes apart
            traveller.shift(25 * 60)
            assert client.get("/me", headers=headers).status_code == 200


def test_logout_ends_the_session(client: Any, login: Any, fakestash: Any) -> None:
    headers = login("ann")
    assert client.delete("/sessions", headers=headers).status_code == 204
    assert client.get("/me", headers=headers).status_code == 401
    assert fakestash.execute("KEYS", "session:*") == []
