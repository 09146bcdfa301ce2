"""Transactions: MULTI/EXEC are Upstash's ``/multi-exec`` path, WATCH and the rest TCP only.

No handler here: the REST face runs ``/multi-exec`` (fakestash/_rest/face.py) on
``Database.run_atomic``; as commands these are refused "not allowed in REST".
"""

from __future__ import annotations

from fakestash._engine.family import Family
from fakestash._engine.keyspec import key_range

FAMILY = Family("transactions", group="transactions", category="transaction")

_STATE = "noscript loading stale fast allow_busy"
FAMILY.declare("multi", 1, _STATE, rest="path", note="REST: /multi-exec")
FAMILY.declare(
    "exec", 1, "noscript loading stale skip_slowlog",
    rest="path",
    note="REST: /multi-exec",
)
FAMILY.declare("discard", 1, _STATE, rest="tcp")
FAMILY.declare("watch", -2, _STATE, keys=[key_range(1, "RO")], rest="tcp")
FAMILY.declare("unwatch", 1, _STATE, rest="tcp")
