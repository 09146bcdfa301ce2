"""fakestash: a deterministic in-memory Upstash Redis, reached through httpx."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fakestash.clock import Clock, ManualClock, SystemClock

if TYPE_CHECKING:
    from fakestash.asgi import asgi_app
    from fakestash.endpoints import Endpoint
    from fakestash.engine.replies import ErrorReply, Status
    from fakestash.errors import CommandError
    from fakestash.faults import Fault, FaultRule
    from fakestash.limits import Limits
    from fakestash.meter import BudgetExceeded
    from fakestash.routing import route
    from fakestash.server import FakeStash
    from fakestash.snapshot import SnapshotError
    from fakestash.transport import AsyncFakestashTransport, FakestashTransport

__all__ = [
    "AsyncFakestashTransport",
    "BudgetExceeded",
    "Clock",
    "CommandError",
    "Endpoint",
    "ErrorReply",
    "FakeStash",
    "FakestashTransport",
    "Fault",
    "FaultRule",
    "Limits",
    "ManualClock",
    "SnapshotError",
    "Status",
    "SystemClock",
    "asgi_app",
    "route",
]

__version__ = "0.1.0"

# Loaded on first use, so that importing a light piece (``fakestash.routing`` for the
# session guard, ``fakestash.clock``) does not load the engine and Lua (~0.4 s).
_LAZY = {
    "AsyncFakestashTransport": "fakestash.transport",
    "BudgetExceeded": "fakestash.meter",
    "CommandError": "fakestash.errors",
    "Endpoint": "fakestash.endpoints",
    "ErrorReply": "fakestash.engine.replies",
    "Fault": "fakestash.faults",
    "FaultRule": "fakestash.faults",
    "FakeStash": "fakestash.server",
    "FakestashTransport": "fakestash.transport",
    "Limits": "fakestash.limits",
    "SnapshotError": "fakestash.snapshot",
    "Status": "fakestash.engine.replies",
    "asgi_app": "fakestash.asgi",
    "route": "fakestash.routing",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'fakestash' has no attribute {name!r}")
    from importlib import import_module

    # Not kept in this module's globals: a test runner that drops modules imported during a
    # run (pytester's in-process runs) then gets the engine afresh, whole, next time, never
    # half of an old one beside families loaded later (search and Lua load on first use).
    return getattr(import_module(module), name)
