"""upstash-ratelimit 1.2.0 on fakestash: fixed window, sliding window and token bucket,
sync and async, across window boundaries moved by freezegun, time-machine or a ManualClock.

The limiter reads ``time.time()`` on the client to name windows and passes "now" to its
scripts; the fake's expiry reads its own clock. freezegun and time-machine move both (the
default clock reads ``time.time()`` at every command). With a ManualClock the limiter must
read the same clock: ``follow_clock`` points ``upstash_ratelimit``'s time at it.
"""

from __future__ import annotations

import asyncio
import types
from typing import Any, Callable, Iterator

import pytest
import time_machine
from freezegun import freeze_time
from upstash_ratelimit import FixedWindow, Ratelimit, SlidingWindow, TokenBucket
from upstash_ratelimit import utils as ratelimit_utils
from upstash_ratelimit.asyncio import Ratelimit as AsyncRatelimit

from fakestash import FakeStash, ManualClock

START = 1_700_000_000  # a window boundary for 10 s windows: 1_700_000_000 % 10 == 0


@pytest.fixture
def follow_clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[ManualClock], None]:
    """Make upstash-ratelimit read a ManualClock instead of ``time.time()``."""

    def follow(clock: ManualClock) -> None:
        monkeypatch.setattr(ratelimit_utils, "time", types.SimpleNamespace(time=clock.time))

    return follow


# ---- fixed window ------------------------------------------------------------------------


def test_fixed_window_allows_max_then_refuses_until_the_next_window(upstash_redis: Any) -> None:
    with freeze_time("2023-11-14 22:13:20") as frozen:  # = START
        limiter = Ratelimit(upstash_redis, FixedWindow(max_requests=3, window=10))
        results = [limiter.limit("user") for _ in range(4)]
        assert [r.allowed for r in results] == [True, True, True, False]
        assert [r.remaining for r in results] == [2, 1, 0, 0]
        assert results[0].reset == START + 10
        assert limiter.get_remaining("user") == 0
        frozen.tick(9.999)
        assert not limiter.limit("user").allowed
        frozen.tick(0.001)
        response = limiter.limit("user")
        assert response.allowed and response.remaining == 2 and response.reset == START + 20


def test_fixed_window_counter_expires_on_the_server(
    upstash_redis: Any, fakestash: FakeStash
) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        limiter = Ratelimit(upstash_redis, FixedWindow(max_requests=1, window=10), prefix="p")
        assert limiter.limit("u").allowed
        key = f"p:u:{START * 1000 // 10_000}"
        assert fakestash.execute("PTTL", key) == 10_000
        traveller.shift(10.001)
        assert fakestash.execute("EXISTS", key) == 0


def test_fixed_window_rate_counts_several_tokens(upstash_redis: Any) -> None:
    with freeze_time("2023-11-14 22:13:20"):
        limiter = Ratelimit(upstash_redis, FixedWindow(max_requests=10, window=10))
        assert limiter.limit("u", rate=6).remaining == 4
        response = limiter.limit("u", rate=5)
        assert not response.allowed and response.remaining == 0


@pytest.mark.fakestash(clock=ManualClock(START))
def test_fixed_window_with_a_manual_clock(
    upstash_redis: Any, fakestash: FakeStash, follow_clock: Callable[[ManualClock], None]
) -> None:
    clock = fakestash.clock
    assert isinstance(clock, ManualClock)
    follow_clock(clock)
    limiter = Ratelimit(upstash_redis, FixedWindow(max_requests=2, window=10_000, unit="ms"))
    assert [limiter.limit("u").allowed for _ in range(3)] == [True, True, False]
    clock.advance(seconds=9.999)
    assert not limiter.limit("u").allowed
    clock.advance(ms=1)
    assert limiter.limit("u").allowed


# ---- sliding window ----------------------------------------------------------------------


def test_sliding_window_weighs_the_previous_window(upstash_redis: Any) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        limiter = Ratelimit(upstash_redis, SlidingWindow(max_requests=10, window=10))
        assert all(limiter.limit("u").allowed for _ in range(10))
        assert not limiter.limit("u").allowed
        # 2.5 s into the next window: 75% of the previous 10 still count → 7, so 3 remain.
        traveller.shift(12.5)
        assert limiter.get_remaining("u") == 3
        results = [limiter.limit("u") for _ in range(4)]
        assert [r.allowed for r in results] == [True, True, True, False]
        assert [r.remaining for r in results] == [2, 1, 0, 0]
        # Half-way through: 50% of the previous 10 → 5, plus the 3 of this window.
        traveller.shift(2.5)
        assert limiter.get_remaining("u") == 2
        # Two windows on, nothing counts.
        traveller.shift(20)
        assert limiter.get_remaining("u") == 10


def test_sliding_window_keys_expire_after_two_windows(
    upstash_redis: Any, fakestash: FakeStash
) -> None:
    with freeze_time("2023-11-14 22:13:20") as frozen:
        limiter = Ratelimit(upstash_redis, SlidingWindow(max_requests=5, window=10), prefix="s")
        limiter.limit("u")
        key = f"s:u:{START * 1000 // 10_000}"
        assert fakestash.execute("PTTL", key) == 21_000
        frozen.tick(21.001)
        assert fakestash.execute("EXISTS", key) == 0


@pytest.mark.fakestash(clock=ManualClock(START))
def test_sliding_window_with_a_manual_clock(
    upstash_redis: Any, fakestash: FakeStash, follow_clock: Callable[[ManualClock], None]
) -> None:
    clock = fakestash.clock
    assert isinstance(clock, ManualClock)
    follow_clock(clock)
    limiter = Ratelimit(upstash_redis, SlidingWindow(max_requests=4, window=1000, unit="ms"))
    assert [limiter.limit("u").allowed for _ in range(5)] == [True, True, True, True, False]
    clock.advance(ms=1500)  # half of the previous window's 4 still count
    assert [limiter.limit("u").allowed for _ in range(3)] == [True, True, False]


# ---- token bucket ------------------------------------------------------------------------


def test_token_bucket_refills_at_its_rate(upstash_redis: Any, fakestash: FakeStash) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        limiter = Ratelimit(upstash_redis, TokenBucket(max_tokens=3, refill_rate=1, interval=10))
        results = [limiter.limit("u") for _ in range(4)]
        assert [r.allowed for r in results] == [True, True, True, False]
        assert [r.remaining for r in results] == [2, 1, 0, 0]
        assert results[-1].reset == START + 10
        traveller.shift(9.999)
        assert not limiter.limit("u").allowed
        traveller.shift(0.001)
        assert limiter.get_remaining("u") == 1
        assert limiter.limit("u").allowed
        assert not limiter.limit("u").allowed
        traveller.shift(60)  # the bucket expired once full again (30 s after START + 10)
        assert fakestash.execute("EXISTS", "@upstash/ratelimit:u") == 0
        assert limiter.get_remaining("u") == 3
        assert limiter.get_reset("u") == START + 70  # no bucket: "now"


def test_token_bucket_state_expires_when_full_again(
    upstash_redis: Any, fakestash: FakeStash
) -> None:
    with freeze_time("2023-11-14 22:13:20") as frozen:
        limiter = Ratelimit(
            upstash_redis, TokenBucket(max_tokens=4, refill_rate=2, interval=5), prefix="t"
        )
        limiter.limit("u", rate=3)  # 1 left: ceil(3 / 2) = 2 intervals until full
        assert fakestash.execute("PTTL", "t:u") == 10_000
        frozen.tick(10.001)
        assert fakestash.execute("EXISTS", "t:u") == 0
        assert limiter.limit("u", rate=4).allowed


@pytest.mark.fakestash(clock=ManualClock(START))
def test_token_bucket_with_a_manual_clock(
    upstash_redis: Any, fakestash: FakeStash, follow_clock: Callable[[ManualClock], None]
) -> None:
    clock = fakestash.clock
    assert isinstance(clock, ManualClock)
    follow_clock(clock)
    limiter = Ratelimit(
        upstash_redis, TokenBucket(max_tokens=2, refill_rate=2, interval=1, unit="h")
    )
    assert limiter.get_remaining("u") == 2
    assert [limiter.limit("u").allowed for _ in range(3)] == [True, True, False]
    clock.advance(seconds=3600)
    assert [limiter.limit("u").allowed for _ in range(3)] == [True, True, False]


# ---- async -------------------------------------------------------------------------------


@pytest.fixture
def frozen() -> Iterator[Any]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda: FixedWindow(max_requests=2, window=10), [True, True, False]),
        (lambda: SlidingWindow(max_requests=2, window=10), [True, True, False]),
        (lambda: TokenBucket(max_tokens=2, refill_rate=1, interval=10), [True, True, False]),
    ],
    ids=["fixed", "sliding", "bucket"],
)
def test_async_limiters_decide_like_the_sync_ones(
    async_upstash_redis: Any, frozen: Any, make: Callable[[], Any], expected: list[bool]
) -> None:
    limiter = AsyncRatelimit(async_upstash_redis, make())

    async def scenario() -> tuple[list[bool], bool, int]:
        first = [(await limiter.limit("u")).allowed for _ in range(3)]
        frozen.shift(20)
        after = (await limiter.limit("u")).allowed
        remaining = await limiter.get_remaining("u")
        return first, after, remaining

    first, after, remaining = asyncio.run(scenario())
    assert first == expected
    assert after is True
    assert remaining == 1


def test_concurrent_async_requests_never_exceed_the_limit(
    async_upstash_redis: Any, frozen: Any
) -> None:
    limiter = AsyncRatelimit(async_upstash_redis, FixedWindow(max_requests=5, window=10))

    async def burst() -> list[bool]:
        responses = await asyncio.gather(*(limiter.limit("u") for _ in range(20)))
        return [r.allowed for r in responses]

    assert sum(asyncio.run(burst())) == 5


def test_identifiers_are_independent(upstash_redis: Any, frozen: Any) -> None:
    limiter = Ratelimit(upstash_redis, FixedWindow(max_requests=1, window=10))
    assert limiter.limit("a").allowed
    assert limiter.limit("b").allowed
    assert not limiter.limit("a").allowed


def test_block_until_ready_waits_on_frozen_time(
    upstash_redis: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import upstash_ratelimit.ratelimit as ratelimit_module

    with freeze_time("2023-11-14 22:13:20") as frozen:
        # The limiter sleeps with time.sleep: make its sleep move the frozen clock instead,
        # by at least 1 ms: on frozen time the SDK's "now > deadline" check never passes when
        # a wait ends exactly on the deadline, and it would then loop with zero sleeps.
        def sleep(seconds: float) -> None:
            frozen.tick(max(seconds, 0.001))

        monkeypatch.setattr(ratelimit_module, "time", types.SimpleNamespace(sleep=sleep))
        limiter = Ratelimit(upstash_redis, FixedWindow(max_requests=1, window=10))
        assert limiter.limit("u").allowed
        response = limiter.block_until_ready("u", timeout=30)
        assert response.allowed and response.reset == START + 20
        assert not limiter.block_until_ready("u", timeout=5).allowed
