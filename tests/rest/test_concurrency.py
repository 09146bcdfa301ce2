"""Threads and async tasks hammering one server through the REST face: exact invariants.

A command, a pipeline row and a whole transaction each run under the server's one lock, as
Redis runs them on its one thread, so counters add up exactly, no list item is lost or
duplicated, a producer's items keep their order, and no reader ever sees half a
transaction. Each test runs under a timeout, so a deadlock fails instead of hanging CI.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from typing import Callable, Iterator

import httpx
import pytest

from fakestash import FakeStash

THREADS = 8
ROUNDS = 150
TASKS = 200
TASK_ROUNDS = 10
SSE = {"Accept": "text/event-stream"}


@pytest.fixture
def server() -> Iterator[FakeStash]:
    stash = FakeStash(seed=0)
    yield stash
    stash.close()


def sync_client(stash: FakeStash) -> httpx.Client:
    return httpx.Client(
        transport=stash.transport(),
        base_url=stash.url,
        headers={"Authorization": f"Bearer {stash.token}"},
    )


def async_client(stash: FakeStash) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=stash.async_transport(),
        base_url=stash.url,
        headers={"Authorization": f"Bearer {stash.token}"},
    )


def run_threads(count: int, work: Callable[[int], None]) -> None:
    """Start ``count`` threads together; re-raise the first failure in any of them."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def body(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            work(index)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=body, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    if errors:
        raise errors[0]


def item(worker: int, n: int) -> str:
    return f"w{worker:03d}-{n:04d}"


def assert_every_item_once_in_producer_order(items: list[str], workers: int, rounds: int) -> None:
    assert len(items) == workers * rounds
    assert Counter(items) == Counter(item(w, n) for w in range(workers) for n in range(rounds))
    for worker in range(workers):
        mine = [value for value in items if value.startswith(f"w{worker:03d}-")]
        assert mine == sorted(mine), f"worker {worker}'s items are out of order"


# ---- threads --------------------------------------------------------------------------------------


@pytest.mark.timeout(180)
def test_eight_threads_every_form_of_request_adds_up_exactly(server: FakeStash) -> None:
    torn: list[tuple[str, str]] = []

    def work(worker: int) -> None:
        with sync_client(server) as client:
            for n in range(ROUNDS):
                assert client.post("/incr/counter").status_code == 200
                client.post("/", json=["RPUSH", "items", item(worker, n)])
                client.post("/pipeline", json=[["INCR", "piped"], ["SADD", "set", item(worker, n)]])
                client.post("/multi-exec", json=[["INCR", "a"], ["HINCRBY", "h", "b", "1"]])
                a, b = client.post("/multi-exec", json=[["GET", "a"], ["HGET", "h", "b"]]).json()
                if a["result"] != b["result"]:
                    torn.append((a["result"], b["result"]))

    run_threads(THREADS, work)
    total = THREADS * ROUNDS
    assert server.execute("GET", "counter") == b"%d" % total
    assert server.execute("GET", "piped") == b"%d" % total
    assert server.execute("GET", "a") == server.execute("HGET", "h", "b") == b"%d" % total
    assert server.execute("SCARD", "set") == total
    items = [value.decode() for value in server.execute("LRANGE", "items", 0, -1)]  # type: ignore[union-attr]
    assert_every_item_once_in_producer_order(items, THREADS, ROUNDS)
    assert torn == [], "a reader saw half a transaction"
    assert server.meter.commands == total * 8


@pytest.mark.timeout(180)
def test_eight_threads_producing_and_consuming_lose_and_duplicate_nothing(
    server: FakeStash,
) -> None:
    popped: list[list[str]] = [[] for _ in range(THREADS)]
    producers = THREADS // 2

    def work(worker: int) -> None:
        with sync_client(server) as client:
            for n in range(ROUNDS):
                if worker < producers:
                    client.post("/pipeline", json=[["RPUSH", "queue", item(worker, n)]])
                else:
                    reply = client.post("/lpop/queue").json()["result"]
                    if reply is not None:
                        popped[worker].append(reply)

    run_threads(THREADS, work)
    left = [value.decode() for value in server.execute("LRANGE", "queue", 0, -1)]  # type: ignore[union-attr]
    everything = [value for taken in popped for value in taken] + left
    assert Counter(everything) == Counter(
        item(w, n) for w in range(producers) for n in range(ROUNDS)
    )
    for taken in popped:  # one consumer pops each producer's items in the order pushed
        for worker in range(producers):
            mine = [value for value in taken if value.startswith(f"w{worker:03d}-")]
            assert mine == sorted(mine)


@pytest.mark.timeout(180)
def test_publishes_from_eight_threads_reach_every_stream_exactly_once(
    server: FakeStash,
) -> None:
    listeners = 3
    messages = 40
    server.broker().idle_timeout = 30.0
    received: list[list[str]] = [[] for _ in range(listeners)]
    client = sync_client(server)
    streams = [
        client.send(client.build_request("POST", "/subscribe/chat", headers=SSE), stream=True)
        for _ in range(listeners)
    ]

    def listen(index: int) -> None:
        lines = streams[index].iter_lines()
        while len(received[index]) < THREADS * messages:
            line = next(lines)
            if line.startswith("data: message,chat,"):
                received[index].append(line.rpartition(",")[2])

    readers = [threading.Thread(target=listen, args=(i,), daemon=True) for i in range(listeners)]
    for reader in readers:
        reader.start()

    def publish(worker: int) -> None:
        with sync_client(server) as publisher:
            for n in range(messages):
                reply = publisher.post(f"/publish/chat/{item(worker, n)}").json()
                assert reply == {"result": listeners}

    run_threads(THREADS, publish)
    for reader in readers:
        reader.join(timeout=60)
    for stream in streams:
        stream.close()
    client.close()
    for got in received:
        assert_every_item_once_in_producer_order(got, THREADS, messages)
    assert server.execute("PUBSUB", "NUMSUB", "chat") == [b"chat", 0]


# ---- async tasks ------------------------------------------------------------------------------------


async def task_work(client: httpx.AsyncClient, worker: int, torn: list[object]) -> None:
    for n in range(TASK_ROUNDS):
        await client.post("/incr/counter")
        await client.post("/", json=["RPUSH", "items", item(worker, n)])
        await client.post("/pipeline", json=[["INCR", "piped"], ["SADD", "set", item(worker, n)]])
        await client.post("/multi-exec", json=[["INCR", "a"], ["HINCRBY", "h", "b", "1"]])
        reply = (await client.post("/multi-exec", json=[["GET", "a"], ["HGET", "h", "b"]])).json()
        if reply[0] != reply[1]:
            torn.append(reply)


def assert_task_totals(server: FakeStash, workers: int, torn: list[object]) -> None:
    total = workers * TASK_ROUNDS
    assert server.execute("GET", "counter") == b"%d" % total
    assert server.execute("GET", "piped") == b"%d" % total
    assert server.execute("GET", "a") == server.execute("HGET", "h", "b") == b"%d" % total
    assert server.execute("SCARD", "set") == total
    items = [value.decode() for value in server.execute("LRANGE", "items", 0, -1)]  # type: ignore[union-attr]
    assert_every_item_once_in_producer_order(items, workers, TASK_ROUNDS)
    assert torn == []


@pytest.mark.timeout(180)
async def test_two_hundred_async_tasks_add_up_exactly(server: FakeStash) -> None:
    torn: list[object] = []
    async with async_client(server) as client:
        await asyncio.gather(*(task_work(client, worker, torn) for worker in range(TASKS)))
    assert_task_totals(server, TASKS, torn)


@pytest.mark.timeout(180)
def test_async_tasks_in_eight_threads_at_once_add_up_exactly(server: FakeStash) -> None:
    """Eight threads, each with its own event loop running 25 tasks: 200 tasks in all."""
    per_thread = TASKS // THREADS
    torn: list[object] = []

    async def loop_work(index: int) -> None:
        async with async_client(server) as client:
            workers = range(index * per_thread, (index + 1) * per_thread)
            await asyncio.gather(*(task_work(client, worker, torn) for worker in workers))

    run_threads(THREADS, lambda index: asyncio.run(loop_work(index)))
    assert_task_totals(server, TASKS, torn)
