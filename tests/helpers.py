"""Small helpers shared by the engine tests."""

from __future__ import annotations

from typing import Any

import pytest

from fakestash import CommandError, FakeStash
from fakestash._engine.replies import Reply


def run(stash: FakeStash, *args: Any) -> Reply:
    """Run a command on the first database and return its reply."""
    return stash.execute(*args)


def error(stash: FakeStash, *args: Any) -> str:
    """Run a command that must fail; return the exact error text."""
    with pytest.raises(CommandError) as info:
        stash.execute(*args)
    return info.value.text
