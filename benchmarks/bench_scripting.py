"""Lua scripting cost at the engine level (no HTTP): EVALSHA throughput and first-call cost.

Run: python benchmarks/bench_scripting.py

- EVALSHA of a small script that does one INCR (the shape of a rate limiter's call), and of
  one that does nothing but return (the fixed cost of entering Lua), in calls per second;
- EVAL of a script the cache has never seen (SHA1, shebang parse, Lua compile, run), and
  the same EVAL once cached, in microseconds per call;
- the cost of the first script on a fresh database (creating its Lua runtime).
Each figure is the median of 7 runs, from ``stash.database.execute([...])``.
"""

from __future__ import annotations

import statistics
import time
from typing import Any, Callable

from fakestash import FakeStash, ManualClock

INCR = b"return redis.call('INCR', KEYS[1])"
NOOP = b"return 1"


def per_call_us(fn: Callable[[], Any], number: int, repeat: int = 7) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        runs.append((time.perf_counter() - start) / number * 1e6)
    return statistics.median(runs)


def main() -> None:
    stash = FakeStash(seed=0, clock=ManualClock())
    execute = stash.database.execute
    incr_sha = execute([b"SCRIPT", b"LOAD", INCR])
    noop_sha = execute([b"SCRIPT", b"LOAD", NOOP])
    assert isinstance(incr_sha, bytes) and isinstance(noop_sha, bytes)

    incr = per_call_us(lambda: execute([b"EVALSHA", incr_sha, b"1", b"counter"]), 20_000)
    noop = per_call_us(lambda: execute([b"EVALSHA", noop_sha, b"0"]), 20_000)
    plain = per_call_us(lambda: execute([b"INCR", b"counter"]), 20_000)

    counter = iter(range(10**9))

    def fresh_eval() -> None:
        body = b"return redis.call('INCR', KEYS[1]) -- %d" % next(counter)
        execute([b"EVAL", body, b"1", b"counter"])

    first = per_call_us(fresh_eval, 2_000)
    cached = per_call_us(lambda: execute([b"EVAL", INCR, b"1", b"counter"]), 20_000)

    def new_database() -> None:
        FakeStash(seed=0, clock=ManualClock()).database.execute([b"EVAL", NOOP, b"0"])

    runtime = per_call_us(new_database, 50, repeat=5)
    bare = per_call_us(lambda: FakeStash(seed=0, clock=ManualClock()), 50, repeat=5)

    print(f"INCR (no script)                 {plain:8.1f} us/call  {1e6 / plain:10,.0f} calls/s")
    print(f"EVALSHA 'return 1'               {noop:8.1f} us/call  {1e6 / noop:10,.0f} calls/s")
    print(f"EVALSHA one INCR                 {incr:8.1f} us/call  {1e6 / incr:10,.0f} calls/s")
    print(f"EVAL one INCR, cached            {cached:8.1f} us/call")
    print(f"EVAL never-seen script (1st call){first:8.1f} us/call")
    print(f"first script on a new database   {runtime - bare:8.1f} us (Lua runtime start)")


if __name__ == "__main__":
    main()
