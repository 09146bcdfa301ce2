"""Badges: awarded by a worker from a job queue (a list), so scoring stays fast.

Scoring pushes a job; ``run_jobs`` (called by a scheduler: cron, QStash, a loop) takes
jobs with LMOVE into a processing list and removes each when done, so a crashed run loses
nothing. Awarding is idempotent (a set), as a job may run twice.
"""

from __future__ import annotations

import json

from upstash_redis.asyncio import Redis

QUEUE = "jobs:badges"
PROCESSING = "jobs:badges:processing"
CENTURY = 100


def badges_key(player: str) -> str:
    return f"badges:{player}"


async def queue_award(redis: Redis, player: str, badge: str) -> None:
    await redis.lpush(QUEUE, json.dumps({"player": player, "badge": badge}))


def badges_earned(total: float, points: int) -> list[str]:
    """Badges a score of ``points`` earns when it brings the total to ``total``."""
    earned = []
    if total == points:
        earned.append("first-score")
    if total >= CENTURY > total - points:
        earned.append("century")
    return earned


async def run_jobs(redis: Redis, limit: int = 100) -> int:
    done = 0
    while done < limit:
        raw = await redis.lmove(QUEUE, PROCESSING, "RIGHT", "LEFT")
        if raw is None:
            break
        job = json.loads(raw)
        await redis.sadd(badges_key(job["player"]), job["badge"])
        await redis.lrem(PROCESSING, 1, raw)
        done += 1
    return done


async def requeue_unfinished(redis: Redis) -> int:
    """Jobs a crashed run left in the processing list go back to the queue."""
    moved = 0
    while await redis.lmove(PROCESSING, QUEUE, "LEFT", "RIGHT") is not None:
        moved += 1
    return moved


async def badges_of(redis: Redis, player: str) -> list[str]:
    return sorted(await redis.smembers(badges_key(player)))
