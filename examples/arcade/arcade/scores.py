"""Scores: a sorted-set leaderboard; each score is an event and may earn badges."""

from __future__ import annotations

from typing import Any

from upstash_redis.asyncio import Redis

from arcade import badges, events, flags

LEADERBOARD = "leaderboard"
DOUBLE_POINTS = "double-points"


async def add_score(redis: Redis, player: str, points: int) -> dict[str, Any]:
    if await flags.is_on(redis, DOUBLE_POINTS):
        points *= 2
    total = await redis.zincrby(LEADERBOARD, points, player)
    for badge in badges.badges_earned(total, points):
        await badges.queue_award(redis, player, badge)
    await events.record(redis, "score", player=player, points=points)
    return {"player": player, "points": points, "total": int(total)}


async def top(redis: Redis, limit: int) -> list[dict[str, Any]]:
    ranked = await redis.zrange(LEADERBOARD, 0, limit - 1, rev=True, withscores=True)
    return [
        {"rank": rank, "player": player, "score": int(score)}
        for rank, (player, score) in enumerate(ranked, start=1)
    ]


async def standing(redis: Redis, player: str) -> dict[str, Any] | None:
    pipe = redis.pipeline()
    pipe.zscore(LEADERBOARD, player)
    pipe.zrevrank(LEADERBOARD, player)
    score, rank = await pipe.exec()
    if score is None:
        return None
    return {"player": player, "score": int(score), "rank": rank + 1}
