"""A URL shortener as an AWS Lambda handler on Upstash Redis: the example app.

Routes (API Gateway proxy events):
    POST /links          body {"url": ...}         → 201 {"code": ...}   (rate limited per IP)
    GET  /{code}                                  → 302 to the URL, counts the click
    GET  /stats/top                               → 200 {"top": [[code, clicks], ...]}

It uses what Upstash apps use: SET with EX for links that expire, INCR for ids, a sorted
set leaderboard, a capped list of recent links, and upstash-ratelimit's fixed window.
"""

from __future__ import annotations

import json
import string
from typing import Any

from upstash_ratelimit import FixedWindow, Ratelimit
from upstash_redis import Redis

LINK_TTL_SECONDS = 7 * 24 * 3600
ALPHABET = string.digits + string.ascii_letters
RECENT = 10


def _encode(number: int) -> str:
    digits = []
    while True:
        number, rest = divmod(number, len(ALPHABET))
        digits.append(ALPHABET[rest])
        if number == 0:
            return "".join(reversed(digits))


class Shortener:
    def __init__(self, redis: Redis, creations_per_minute: int = 5) -> None:
        self.redis = redis
        self.limiter = Ratelimit(
            redis=redis,
            limiter=FixedWindow(max_requests=creations_per_minute, window=60),
            prefix="rl",
        )

    def create(self, url: str, client_ip: str) -> dict[str, Any]:
        if not url.startswith(("http://", "https://")):
            return _response(400, {"error": "url must be http(s)"})
        decision = self.limiter.limit(client_ip)
        if not decision.allowed:
            return _response(429, {"error": "too many links", "reset": decision.reset})
        code = _encode(self.redis.incr("links:next-id"))
        pipe = self.redis.pipeline()
        pipe.set(f"link:{code}", url, ex=LINK_TTL_SECONDS)
        pipe.lpush("links:recent", code)
        pipe.ltrim("links:recent", 0, RECENT - 1)
        pipe.exec()
        return _response(201, {"code": code})

    def resolve(self, code: str) -> dict[str, Any]:
        url = self.redis.get(f"link:{code}")
        if url is None:
            return _response(404, {"error": "no such link"})
        self.redis.zincrby("links:clicks", 1, code)
        return {"statusCode": 302, "headers": {"Location": url}, "body": ""}

    def top(self, n: int = 3) -> dict[str, Any]:
        ranked = self.redis.zrange("links:clicks", 0, n - 1, rev=True, withscores=True)
        return _response(200, {"top": [[code, int(score)] for code, score in ranked]})


def _response(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
    }


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """The Lambda entry point: configuration comes from UPSTASH_REDIS_REST_URL/TOKEN."""
    app = Shortener(Redis.from_env())
    method, path = event["httpMethod"], event["path"]
    ip = event.get("requestContext", {}).get("identity", {}).get("sourceIp", "unknown")
    if method == "POST" and path == "/links":
        return app.create(json.loads(event.get("body") or "{}").get("url", ""), ip)
    if method == "GET" and path == "/stats/top":
        return app.top()
    if method == "GET":
        return app.resolve(path.lstrip("/"))
    return _response(405, {"error": "method not allowed"})
