"""SDK round trips through the plugin's routing vs. the same SDK over a constant transport.

Run: python benchmarks/bench_sdk.py

The floor is ``upstash_redis.Redis`` whose httpx client has a transport that returns a
constant response: nearly all of its cost is the SDK and httpx. The fake is the same SDK
client as the ``upstash_redis`` fixture builds, routed by ``fakestash.route`` (the plugin's
routing), answering from a fresh ``FakeStash``. Ratios are fake / floor, in one run; the two
are measured in alternation and the fastest run of each counts, which keeps the ratio
steady on a loaded machine.
"""

from __future__ import annotations

import json
import time
from typing import Any, Callable

import httpx
from upstash_redis import Redis

from fakestash import FakeStash
from fakestash._routing import route
from fakestash._sdk import ClientCache

PIPELINE = 100


def per_call(fn: Callable[[], Any], number: int) -> float:
    """One run of ``number`` calls, in microseconds per call."""
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number * 1e6


def best_per_call(fn: Callable[[], Any], number: int, repeat: int = 7) -> float:
    """The fastest of ``repeat`` runs (the least disturbed by other load), µs per call."""
    return min(per_call(fn, number) for _ in range(repeat))


def paired(floor: Callable[[], Any], ours: Callable[[], Any], number: int) -> tuple[float, float]:
    """Floor and fake measured in alternation, so both see the same machine load; the
    fastest run of each counts."""
    floors, fakes = [], []
    for _ in range(15):
        floors.append(per_call(floor, number))
        fakes.append(per_call(ours, number))
    return min(floors), min(fakes)


def constant_client(body: bytes) -> Redis:
    client = Redis("https://floor.upstash.io", "token")
    transport = httpx.MockTransport(
        lambda request: httpx.Response(
            200,
            content=body,
            headers={"content-type": "application/json", "upstash-sync-token": "1"},
        )
    )
    client._http._client = httpx.Client(transport=transport, timeout=None)
    return client


def pipeline_call(client: Redis) -> Callable[[], Any]:
    def run() -> Any:
        pipe = client.pipeline()
        for i in range(PIPELINE):
            pipe.set(f"k{i}", "v")
        return pipe.exec()

    return run


def main() -> None:
    ok = json.dumps({"result": "OK"}).encode()
    value = json.dumps({"result": "dmFsdWU="}).encode()
    many = json.dumps([{"result": "OK"}] * PIPELINE).encode()

    stash = FakeStash()
    cache = ClientCache()
    rows = []
    with route(stash):
        fake = cache.sync_client(stash.url, stash.token)
        fake.set("key", "value")
        cases = [
            ("set", lambda c: lambda: c.set("key", "value"), ok, 3000),
            ("get", lambda c: lambda: c.get("key"), value, 3000),
            (f"pipeline x{PIPELINE}", pipeline_call, many, 200),
        ]
        for name, make, body, number in cases:
            floor, ours = paired(make(constant_client(body)), make(fake), number)
            rows.append((name, floor, ours))

    print(f"{'case':<14} {'floor µs':>10} {'fakestash µs':>13} {'ratio':>7}")
    for name, floor, ours in rows:
        print(f"{name:<14} {floor:>10.1f} {ours:>13.1f} {ours / floor:>7.2f}")

    respx_ratio = _respx_reference(ok)
    print(f"\nreference: respx answering a constant costs {respx_ratio:.2f}x the floor on set")

    per_test = best_per_call(lambda: _fresh_routed_server(), 2000)
    build_sdk = best_per_call(lambda: Redis("https://x.upstash.io", "t"), 20, repeat=3)
    fresh_client = best_per_call(_fresh_cached_client(cache), 5000)
    print(f"\nfresh FakeStash + route enter/exit: {per_test:.1f} µs")
    print(f"building an upstash_redis.Redis:    {build_sdk / 1000:.1f} ms")
    print(f"a cached client put back as built:  {fresh_client:.1f} µs (what a test pays)")


def _respx_reference(body: bytes) -> float:
    """The same SDK `set` with respx routing a constant response (respx's own cost)."""
    import respx

    floor_client = constant_client(body)
    with respx.mock:
        respx.post("https://respx.upstash.io").respond(content=body)
        client = Redis("https://respx.upstash.io", "token")
        floor, routed = paired(
            lambda: floor_client.set("key", "value"), lambda: client.set("key", "value"), 2000
        )
    return routed / floor


def _fresh_cached_client(cache: ClientCache) -> Callable[[], Any]:
    """What the upstash_redis fixture does per test: a new test, the client put back to
    its state as built (after upstash-ratelimit appended its telemetry)."""
    from upstash_ratelimit import FixedWindow, Ratelimit

    def run() -> Any:
        cache.new_test()
        client = cache.sync_client("https://fresh.upstash.io", "t")
        Ratelimit(client, FixedWindow(max_requests=1, window=1))  # dirties its headers
        return client

    return run


def _fresh_routed_server() -> None:
    stash = FakeStash()
    with route(stash):
        pass
    stash.close()


if __name__ == "__main__":
    main()
