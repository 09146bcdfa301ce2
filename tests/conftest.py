"""Fixtures for fakestash's own tests."""

from __future__ import annotations

import pytest

from fakestash import FakeStash, ManualClock


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(1_700_000_000)


@pytest.fixture
def stash(clock: ManualClock) -> FakeStash:
    """A fresh in-memory server on a manual clock, for engine-level tests (no HTTP)."""
    return FakeStash(seed=0, clock=clock)
