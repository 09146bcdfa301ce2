"""fakestash: a deterministic in-memory Upstash Redis, reached through httpx.

Everything supported is here, at the package root (and ``fakestash.conformance``,
``fakestash.deviations``); modules whose names start with ``_`` are internals, free to
change between releases.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fakestash._clock import Clock, ManualClock, SystemClock

if TYPE_CHECKING:
    from fakestash._asgi import asgi_app
    from fakestash._endpoints import Endpoint
    from fakestash._engine.broker import BufferLimit
    from fakestash._engine.replies import ErrorReply, Status
    from fakestash._errors import CommandError
    from fakestash._faults import Fault, FaultRule, fail, fail_next
    from fakestash._limits import Limits
    from fakestash._meter import BudgetExceeded
    from fakestash._pubsub_api import Collector, StreamClosed
    from fakestash._routing import route
    from fakestash._server import FakeStash
    from fakestash._snapshot import SnapshotError
    from fakestash._transport import AsyncFakestashTransport, FakestashTransport

__all__ = [
    "AsyncFakestashTransport",
    "BudgetExceeded",
    "BufferLimit",
    "Clock",
    "Collector",
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
    "StreamClosed",
    "SystemClock",
    "asgi_app",
    "fail",
    "fail_next",
    "route",
]

__version__ = "0.1.0"

# Loaded on first use, so that importing a light piece (``fakestash._routing`` for the
# session guard, ``fakestash._clock``) does not load the engine and Lua (~0.4 s).
_LAZY = {
    "AsyncFakestashTransport": "fakestash._transport",
    "BudgetExceeded": "fakestash._meter",
    "BufferLimit": "fakestash._engine.broker",
    "Collector": "fakestash._pubsub_api",
    "CommandError": "fakestash._errors",
    "Endpoint": "fakestash._endpoints",
    "ErrorReply": "fakestash._engine.replies",
    "Fault": "fakestash._faults",
    "FaultRule": "fakestash._faults",
    "FakeStash": "fakestash._server",
    "FakestashTransport": "fakestash._transport",
    "Limits": "fakestash._limits",
    "SnapshotError": "fakestash._snapshot",
    "Status": "fakestash._engine.replies",
    "StreamClosed": "fakestash._pubsub_api",
    "asgi_app": "fakestash._asgi",
    "fail": "fakestash._faults",
    "fail_next": "fakestash._faults",
    "route": "fakestash._routing",
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
