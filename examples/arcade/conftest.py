"""The arcade's tests run on the fakestash pytest plugin: no Upstash account needed.

``client`` is FastAPI's TestClient on a fresh app; its startup builds the SDK clients with
``Redis.from_env()``, which finds this test's fake (the ``fakestash`` fixture sets the
variables first). ``login`` opens a session and returns the headers that carry it.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

import pytest
from arcade.app import create_app
from fastapi.testclient import TestClient

ADMIN_KEY = "test-admin-key"
ADMIN = {"X-Admin-Key": ADMIN_KEY}


@pytest.fixture
def client(fakestash: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("ARCADE_ADMIN_KEY", ADMIN_KEY)
    with TestClient(create_app()) as test_client:
        yield test_client


@pytest.fixture
def login(client: TestClient) -> Callable[[str], dict[str, str]]:
    def open_session(player: str) -> dict[str, str]:
        response = client.post("/sessions", json={"player": player})
        assert response.status_code == 201, response.text
        return {"Authorization": f"Bearer {response.json()['token']}"}

    return open_session
