"""The HTTP routes: FastAPI over the Upstash clients built once, at startup.

Configuration comes from the environment, as on any serverless host:
``UPSTASH_REDIS_REST_URL`` / ``UPSTASH_REDIS_REST_TOKEN`` (the database) and
``ARCADE_ADMIN_KEY`` (the key admin routes want in ``X-Admin-Key``).
"""

from __future__ import annotations

import os
from contextlib import asynccontextmanager
from typing import Annotated, Any, AsyncIterator

from fastapi import Depends, FastAPI, Header, HTTPException, Request
from pydantic import BaseModel, Field
from upstash_ratelimit.asyncio import FixedWindow, Ratelimit
from upstash_redis.asyncio import Redis

from arcade import badges, events, flags, scores, sessions

SCORES_PER_WINDOW = 5
WINDOW_SECONDS = 10


class Login(BaseModel):
    player: str = Field(min_length=1, max_length=32, pattern=r"^[a-z0-9_-]+$")


class Score(BaseModel):
    points: int = Field(gt=0, le=1000)


class FlagState(BaseModel):
    on: bool


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    redis = Redis.from_env()
    app.state.redis = redis
    app.state.limiter = Ratelimit(
        redis, FixedWindow(max_requests=SCORES_PER_WINDOW, window=WINDOW_SECONDS), prefix="rl"
    )
    yield


def get_redis(request: Request) -> Redis:
    return request.app.state.redis  # type: ignore[no-any-return]


RedisDep = Annotated[Redis, Depends(get_redis)]
AuthHeader = Annotated[str, Header()]


async def current_player(redis: RedisDep, authorization: AuthHeader = "") -> str:
    token = authorization.removeprefix("Bearer ").strip()
    player = await sessions.player_of(redis, token) if token else None
    if player is None:
        raise HTTPException(401, "log in first (or again: sessions end after 30 idle minutes)")
    return player


PlayerDep = Annotated[str, Depends(current_player)]


def admin(x_admin_key: Annotated[str, Header()] = "") -> None:
    if x_admin_key != os.environ.get("ARCADE_ADMIN_KEY", "change-me"):
        raise HTTPException(403, "admin key required")


def create_app() -> FastAPI:
    app = FastAPI(title="arcade", lifespan=lifespan)

    @app.post("/sessions", status_code=201)
    async def login(body: Login, redis: RedisDep) -> dict[str, str]:
        return {"token": await sessions.open_session(redis, body.player)}

    @app.delete("/sessions", status_code=204)
    async def logout(redis: RedisDep, authorization: AuthHeader = "") -> None:
        await sessions.close_session(redis, authorization.removeprefix("Bearer ").strip())

    @app.get("/me")
    async def me(player: PlayerDep, redis: RedisDep) -> dict[str, Any]:
        standing = await scores.standing(redis, player)
        return {
            "player": player,
            "score": standing["score"] if standing else 0,
            "rank": standing["rank"] if standing else None,
            "badges": await badges.badges_of(redis, player),
            "flags": await flags.all_flags(redis),
        }

    @app.post("/scores", status_code=201)
    async def post_score(
        body: Score, request: Request, player: PlayerDep, redis: RedisDep
    ) -> dict[str, Any]:
        decision = await request.app.state.limiter.limit(player)
        if not decision.allowed:
            raise HTTPException(429, {"error": "too many scores", "reset": decision.reset})
        return await scores.add_score(redis, player, body.points)

    @app.get("/leaderboard")
    async def leaderboard(redis: RedisDep, limit: int = 10) -> list[Any]:
        return await scores.top(redis, max(1, min(limit, 100)))

    @app.get("/events")
    async def event_history(redis: RedisDep, after: str = "-") -> list[dict[str, Any]]:
        return await events.history(redis, after)

    @app.put("/admin/flags/{name}", dependencies=[Depends(admin)])
    async def put_flag(name: str, body: FlagState, redis: RedisDep) -> dict[str, bool]:
        await flags.set_flag(redis, name, body.on)
        return await flags.all_flags(redis)

    @app.post("/admin/jobs/run", dependencies=[Depends(admin)])
    async def run_jobs(redis: RedisDep) -> dict[str, int]:
        return {"done": await badges.run_jobs(redis)}

    return app


app = create_app()
