"""Feature flags: one hash, a field per flag, "on" or "off"; unknown flags are off."""

from __future__ import annotations

from upstash_redis.asyncio import Redis

FLAGS = "flags"


async def set_flag(redis: Redis, name: str, on: bool) -> None:
    await redis.hset(FLAGS, name, "on" if on else "off")


async def all_flags(redis: Redis) -> dict[str, bool]:
    return {name: value == "on" for name, value in (await redis.hgetall(FLAGS)).items()}


async def is_on(redis: Redis, name: str) -> bool:
    return await redis.hget(FLAGS, name) == "on"
