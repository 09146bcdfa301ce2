"""Sessions: a token per login, kept 30 minutes after its last use (a sliding TTL)."""

from __future__ import annotations

import secrets

from upstash_redis.asyncio import Redis

SESSION_TTL = 30 * 60


def _key(token: str) -> str:
    return f"session:{token}"


async def open_session(redis: Redis, player: str) -> str:
    token = secrets.token_urlsafe(16)
    await redis.set(_key(token), player, ex=SESSION_TTL)
    return token


async def player_of(redis: Redis, token: str) -> str | None:
    """The session's player, its TTL renewed; None when it expired or never was."""
    return await redis.getex(_key(token), ex=SESSION_TTL)


async def close_session(redis: Redis, token: str) -> bool:
    return await redis.delete(_key(token)) == 1
