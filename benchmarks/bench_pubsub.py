"""Pub/sub delivery: publish-to-receive latency and messages per second, to 1 and to 100
subscribers, through the broker (test-side collectors, no HTTP) and through SSE streams
read by real httpx clients (sync threads and asyncio tasks).

Run: python benchmarks/bench_pubsub.py [--quick]

- latency: one subscriber blocked waiting; the publisher notes the time, publishes, waits
  for the subscriber to confirm receipt, and repeats (ping-pong, so each figure is one
  message's trip: PUBLISH → mailbox → wake-up of the waiting thread/task → received).
  Median and 99th percentile in microseconds.
- throughput: N messages published back to back, timed until every subscriber has received
  all N; messages/second counts published messages (to 100 subscribers, each message is
  100 deliveries).

Publishing is ``stash.database.execute([b"PUBLISH", ...])`` (the engine), so the figures are
the delivery path, except the rows marked ``POST /publish``, which publish with a full REST
request through ``httpx.Client`` (auth, parse, JSON, and httpx's own ~250 µs per request).
Broker rows receive in threads blocked on the subscriber's mailbox; SSE rows receive with
``response.iter_lines()`` in threads, or ``aiter_lines()`` in asyncio tasks on one loop.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import threading
import time
from typing import Callable

import httpx

from fakestash import FakeStash
from fakestash._engine.broker import Subscriber

SSE = {"Accept": "text/event-stream"}


def quantiles(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


# ---- broker (no HTTP) ------------------------------------------------------------------------


def broker_latency(rounds: int) -> list[float]:
    stash = FakeStash()
    broker = stash.broker()
    sub = broker.new_subscriber()
    broker.subscribe(sub, [b"ch"])
    sub.mailbox.get()  # the subscribe confirmation
    got = threading.Event()
    samples: list[float] = []

    def receiver() -> None:
        for _ in range(rounds):
            sub.mailbox.get(timeout=5)
            samples.append(time.perf_counter())
            got.set()

    thread = threading.Thread(target=receiver)
    thread.start()
    out = []
    for _ in range(rounds):
        got.clear()
        start = time.perf_counter()
        stash.execute("PUBLISH", "ch", "x")
        got.wait(5)
        out.append((samples[-1] - start) * 1e6)
    thread.join()
    stash.close()
    return out


def broker_throughput(subscribers: int, messages: int) -> float:
    stash = FakeStash()
    broker = stash.broker()
    subs: list[Subscriber] = []
    for _ in range(subscribers):
        sub = broker.new_subscriber()
        broker.subscribe(sub, [b"ch"])
        sub.mailbox.get()
        subs.append(sub)
    done = threading.Barrier(subscribers + 1)

    def receiver(sub: Subscriber) -> None:
        left = messages
        while left:
            left -= len(sub.mailbox.get_batch(timeout=30))
        done.wait()

    threads = [threading.Thread(target=receiver, args=(sub,)) for sub in subs]
    for thread in threads:
        thread.start()
    start = time.perf_counter()
    execute = stash.database.execute
    for n in range(messages):
        execute([b"PUBLISH", b"ch", b"%d" % n])
    done.wait()
    elapsed = time.perf_counter() - start
    for thread in threads:
        thread.join()
    stash.close()
    return messages / elapsed


# ---- SSE, sync threads ---------------------------------------------------------------------------


def _client(stash: FakeStash) -> httpx.Client:
    return httpx.Client(
        transport=stash.transport(),
        base_url=stash.url,
        headers={"Authorization": f"Bearer {stash.token}"},
    )


def sse_latency(rounds: int) -> list[float]:
    stash = FakeStash()
    client = _client(stash)
    got = threading.Event()
    stamps: list[float] = []

    def receiver() -> None:
        with client.stream("POST", "/subscribe/ch", headers=SSE) as response:
            seen = 0
            for line in response.iter_lines():
                if line.startswith("data: message"):
                    stamps.append(time.perf_counter())
                    got.set()
                    seen += 1
                    if seen == rounds:
                        return

    thread = threading.Thread(target=receiver)
    thread.start()
    stash.broker().wait_for_subscribers(b"ch", timeout=5)
    out = []
    for _ in range(rounds):
        got.clear()
        start = time.perf_counter()
        stash.execute("PUBLISH", "ch", "x")
        got.wait(5)
        out.append((stamps[-1] - start) * 1e6)
    thread.join()
    stash.close()
    return out


def sse_throughput(subscribers: int, messages: int, http_publish: bool = False) -> float:
    stash = FakeStash()
    client = _client(stash)
    done = threading.Barrier(subscribers + 1)

    def receiver() -> None:
        with client.stream("POST", "/subscribe/ch", headers=SSE) as response:
            seen = 0
            for line in response.iter_lines():
                if line.startswith("data: message"):
                    seen += 1
                    if seen == messages:
                        break
        done.wait()

    threads = [threading.Thread(target=receiver) for _ in range(subscribers)]
    for thread in threads:
        thread.start()
    stash.broker().wait_for_subscribers(b"ch", subscribers, timeout=30)
    start = time.perf_counter()
    execute = stash.database.execute
    for n in range(messages):
        if http_publish:
            client.post(f"/publish/ch/{n}")
        else:
            execute([b"PUBLISH", b"ch", b"%d" % n])
    done.wait()
    elapsed = time.perf_counter() - start
    for thread in threads:
        thread.join()
    stash.close()
    return messages / elapsed


# ---- SSE, asyncio tasks ---------------------------------------------------------------------


async def _async_throughput(subscribers: int, messages: int) -> float:
    stash = FakeStash()
    async with httpx.AsyncClient(
        transport=stash.async_transport(),
        base_url=stash.url,
        headers={"Authorization": f"Bearer {stash.token}"},
    ) as client:

        async def receiver() -> None:
            async with client.stream("POST", "/subscribe/ch", headers=SSE) as response:
                seen = 0
                async for line in response.aiter_lines():
                    if line.startswith("data: message"):
                        seen += 1
                        if seen == messages:
                            return

        tasks = [asyncio.create_task(receiver()) for _ in range(subscribers)]
        await asyncio.to_thread(stash.broker().wait_for_subscribers, b"ch", subscribers, 30)
        start = time.perf_counter()
        execute = stash.database.execute
        for n in range(messages):
            execute([b"PUBLISH", b"ch", b"%d" % n])
            if n % 64 == 63:
                await asyncio.sleep(0)  # let the readers run, as a real publisher task would
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - start
    stash.close()
    return messages / elapsed


def async_throughput(subscribers: int, messages: int) -> float:
    return asyncio.run(_async_throughput(subscribers, messages))


async def _async_latency(rounds: int) -> list[float]:
    """Receiver task blocked in aiter_lines; the publisher task awaits its confirmation."""
    stash = FakeStash()
    out: list[float] = []
    async with httpx.AsyncClient(
        transport=stash.async_transport(),
        base_url=stash.url,
        headers={"Authorization": f"Bearer {stash.token}"},
    ) as client:
        got = asyncio.Event()
        stamps: list[float] = []

        async def receiver() -> None:
            async with client.stream("POST", "/subscribe/ch", headers=SSE) as response:
                seen = 0
                async for line in response.aiter_lines():
                    if line.startswith("data: message"):
                        stamps.append(time.perf_counter())
                        got.set()
                        seen += 1
                        if seen == rounds:
                            return

        task = asyncio.create_task(receiver())
        await asyncio.to_thread(stash.broker().wait_for_subscribers, b"ch", 1, 5)
        for _ in range(rounds):
            got.clear()
            start = time.perf_counter()
            stash.execute("PUBLISH", "ch", "x")
            await got.wait()
            out.append((stamps[-1] - start) * 1e6)
        await task
    stash.close()
    return out


def async_latency(rounds: int) -> list[float]:
    return asyncio.run(_async_latency(rounds))


# ---- report ----------------------------------------------------------------------------------


def row(label: str, fn: Callable[[], float]) -> None:
    print(f"| {label:<44} | {fn():>12,.0f} |")


def main() -> None:
    quick = "--quick" in sys.argv
    rounds = 500 if quick else 3000
    messages = 2000 if quick else 20000
    many = 200 if quick else 1000
    print("Latency (publish → received), microseconds\n")
    print("| path                                         | median | p99    |")
    print("|----------------------------------------------|--------|--------|")
    for label, fn in (
        ("broker: PUBLISH → thread blocked on mailbox", broker_latency),
        ("SSE sync: PUBLISH → iter_lines thread", sse_latency),
        ("SSE async: PUBLISH → aiter_lines task", async_latency),
    ):
        median, p99 = quantiles(fn(rounds))
        print(f"| {label:<44} | {median:>6.0f} | {p99:>6.0f} |")
    print("\nThroughput, published messages per second\n")
    print("| path                                         | msgs/s       |")
    print("|----------------------------------------------|--------------|")
    row("broker, 1 subscriber", lambda: broker_throughput(1, messages))
    row("broker, 100 subscribers", lambda: broker_throughput(100, messages))
    row("SSE sync (threads), 1 subscriber", lambda: sse_throughput(1, messages))
    row("SSE sync (threads), 100 subscribers", lambda: sse_throughput(100, many))
    row("SSE sync, 1 subscriber, POST /publish", lambda: sse_throughput(1, many, True))
    row("SSE async (tasks), 1 subscriber", lambda: async_throughput(1, messages))
    row("SSE async (tasks), 100 subscribers", lambda: async_throughput(100, many))


if __name__ == "__main__":
    main()
