"""Game events: appended to a capped stream (for history) and published (for live views)."""

from __future__ import annotations

from typing import Any

from upstash_redis.asyncio import Redis

STREAM = "events"
CHANNEL = "events:live"
KEEP = 1000


async def record(redis: Redis, kind: str, **fields: Any) -> str:
    """Append an event; returns its stream id. Live listeners get ``kind:player``."""
    values = {"kind": kind, **{name: str(value) for name, value in fields.items()}}
    event_id = await redis.xadd(STREAM, "*", values, maxlen=KEEP, approximate_trim=True)
    await redis.publish(CHANNEL, f"{kind}:{fields.get('player', '')}")
    return event_id


async def history(redis: Redis, after: str = "-", count: int = 50) -> list[dict[str, Any]]:
    """Events after ``after`` (exclusive; ``-`` for the oldest), oldest first."""
    start = "-" if after == "-" else f"({after}"
    entries = await redis.xrange(STREAM, start, "+", count=count)
    return [{"id": event_id, **_pairs(fields)} for event_id, fields in entries]


def _pairs(fields: list[str]) -> dict[str, str]:
    return dict(zip(fields[::2], fields[1::2]))
