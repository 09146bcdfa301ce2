"""fakestash: a deterministic in-memory Upstash Redis, reached through httpx."""

from __future__ import annotations

from fakestash.clock import Clock, ManualClock, SystemClock
from fakestash.engine.replies import ErrorReply, Status
from fakestash.errors import CommandError
from fakestash.limits import Limits
from fakestash.server import Endpoint, FakeStash

__all__ = [
    "AsyncFakestashTransport",
    "Clock",
    "CommandError",
    "Endpoint",
    "ErrorReply",
    "FakeStash",
    "FakestashTransport",
    "Limits",
    "ManualClock",
    "Status",
    "SystemClock",
    "route",
]

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    # The HTTP pieces import httpx; load them on first use.
    if name in ("FakestashTransport", "AsyncFakestashTransport"):
        from fakestash import transport

        return getattr(transport, name)
    if name == "route":
        from fakestash.routing import route

        return route
    raise AttributeError(name)
