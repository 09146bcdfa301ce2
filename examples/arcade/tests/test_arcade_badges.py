"""Badges: scoring queues award jobs; the worker run awards them, and loses none."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from arcade import badges
from conftest import ADMIN

from fakestash import Fault


def test_badges_wait_for_the_worker(client: Any, login: Any, fakestash: Any) -> None:
    ann = login("ann")
    client.post("/scores", json={"points": 60}, headers=ann)
    assert client.get("/me", headers=ann).json()["badges"] == []
    assert fakestash.execute("LLEN", badges.QUEUE) == 1
    assert client.post("/admin/jobs/run", headers=ADMIN).json() == {"done": 1}
    assert client.get("/me", headers=ann).json()["badges"] == ["first-score"]


def test_the_century_badge_once_past_100(client: Any, login: Any) -> None:
    ann = login("ann")
    for points in (60, 39, 1, 50):  # 60, 99, 100 (the century), 150 (nothing new)
        client.post("/scores", json={"points": points}, headers=ann)
    assert client.post("/admin/jobs/run", headers=ADMIN).json() == {"done": 2}
    assert client.get("/me", headers=ann).json()["badges"] == ["century", "first-score"]


def test_the_worker_needs_the_admin_key(client: Any) -> None:
    assert client.post("/admin/jobs/run").status_code == 403


async def test_a_crashed_run_loses_no_job(async_upstash_redis: Any, fakestash: Any) -> None:
    await badges.queue_award(async_upstash_redis, "ann", "century")
    await async_upstash_redis.lmove(badges.QUEUE, badges.PROCESSING, "RIGHT", "LEFT")  # crash
    assert await badges.run_jobs(async_upstash_redis) == 0
    assert await badges.requeue_unfinished(async_upstash_redis) == 1
    assert await badges.run_jobs(async_upstash_redis) == 1
    assert await badges.badges_of(async_upstash_redis, "ann") == ["century"]


async def test_a_lost_acknowledgement_runs_the_job_twice_harmlessly(
    async_upstash_redis: Any, fakestash: Any
) -> None:
    await badges.queue_award(async_upstash_redis, "ann", "first-score")
    # The award ran, but the reply to the acknowledgement was lost, the SDK's retry too.
    fakestash.faults.fail_next(2, Fault.read_timeout(), command="LREM")
    with pytest.raises(httpx.ReadTimeout):
        await badges.run_jobs(async_upstash_redis)
    assert await badges.run_jobs(async_upstash_redis) == 0  # the LREM did run: nothing left
    assert await badges.badges_of(async_upstash_redis, "ann") == ["first-score"]
    assert fakestash.meter.faulted == [
        "read timeout on / LREM",
        "read timeout on / LREM",
    ]
