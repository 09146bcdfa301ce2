"""Feature flags: admins switch them; double-points doubles every score while on."""

from __future__ import annotations

from typing import Any

from conftest import ADMIN


def test_flags_need_the_admin_key(client: Any, fakestash: Any) -> None:
    response = client.put("/admin/flags/double-points", json={"on": True})
    assert response.status_code == 403
    wrong = {"X-Admin-Key": "guess"}
    assert client.put("/admin/flags/x", json={"on": True}, headers=wrong).status_code == 403
    assert fakestash.execute("EXISTS", "flags") == 0


def test_flags_are_listed_for_players(client: Any, login: Any) -> None:
    client.put("/admin/flags/dark-mode", json={"on": True}, headers=ADMIN)
    answer = client.put("/admin/flags/beta-levels", json={"on": False}, headers=ADMIN).json()
    assert answer == {"dark-mode": True, "beta-levels": False}
    assert client.get("/me", headers=login("ann")).json()["flags"] == answer


def test_double_points_while_the_flag_is_on(client: Any, login: Any) -> None:
    ann = login("ann")
    assert client.post("/scores", json={"points": 10}, headers=ann).json()["points"] == 10
    client.put("/admin/flags/double-points", json={"on": True}, headers=ADMIN)
    assert client.post("/scores", json={"points": 10}, headers=ann).json()["points"] == 20
    client.put("/admin/flags/double-points", json={"on": False}, headers=ADMIN)
    assert client.post("/scores", json={"points": 10}, headers=ann).json() == {
        "player": "ann",
        "points": 10,
        "total": 40,
    }


def test_flags_set_directly_in_the_database(client: Any, login: Any, fakestash: Any) -> None:
    fakestash.execute("HSET", "flags", "double-points", "on")
    ann = login("ann")
    assert client.post("/scores", json={"points": 7}, headers=ann).json()["points"] == 14
