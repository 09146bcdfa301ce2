"""Fixtures for REST-level tests: a raw httpx client on the fake's transport."""

from __future__ import annotations

from typing import Iterator

import httpx
import pytest

from fakestash import FakeStash


@pytest.fixture
def client(stash: FakeStash) -> Iterator[httpx.Client]:
    """An httpx client with the standard token, mounted on the fake (no routing)."""
    with httpx.Client(
        transport=stash.transport(),
        base_url=stash.url,
        headers={"Authorization": f"Bearer {stash.token}"},
    ) as c:
        yield c


@pytest.fixture
def ro_client(stash: FakeStash) -> Iterator[httpx.Client]:
    """The same, with the read-only token."""
    with httpx.Client(
        transport=stash.transport(),
        base_url=stash.url,
        headers={"Authorization": f"Bearer {stash.readonly_token}"},
    ) as c:
        yield c
