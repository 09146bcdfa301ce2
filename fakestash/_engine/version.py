"""The Redis version fakestash reports, in one place: INFO's ``redis_version`` and Lua's
``redis.REDIS_VERSION`` / ``redis.REDIS_VERSION_NUM`` all read it."""

from __future__ import annotations

#: What Upstash's INFO reports (/work/shared/reference/upstash-rest-spec.md §7).
REDIS_VERSION = "8.2.0"


def version_num(version: str) -> int:
    """``REDIS_VERSION_NUM``: ``0x00MMmmpp`` (Redis' ``REDIS_VERSION_NUM``)."""
    major, minor, patch = (int(part) for part in version.split("."))
    return (major << 16) | (minor << 8) | patch


REDIS_VERSION_NUM = version_num(REDIS_VERSION)
