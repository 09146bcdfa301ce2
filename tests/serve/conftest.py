"""Fixtures for the tests of ``fakestash serve``: one server per test module, reset per test."""

from __future__ import annotations

from typing import Iterator

import pytest

from tests.serve.process import Served, start_serve

pytest.importorskip("uvicorn", reason="fakestash serve needs the serve extra")


@pytest.fixture(scope="module")
def server() -> Iterator[Served]:
    """A ``fakestash serve`` on a free port (tokens ``tok`` / ``ro``, control ``ctl``),
    stopped by SIGTERM after the module; it must exit 0."""
    served = start_serve("--token", "tok", "--readonly-token", "ro", "--control-token", "ctl")
    try:
        yield served
    finally:
        assert served.stop() == 0, "".join(served.stderr)


@pytest.fixture
def served(server: Served) -> Served:
    """The module's server, reset (empty, seed 0, system clock) for this test."""
    server.control("POST", "/reset")
    server.control("PUT", "/clock", json={"kind": "system"})
    return server
