"""The SCAN family's cost per call as the keyspace or the collection grows (issue 10: a call
must cost O(COUNT), whatever the size).

Run: python benchmarks/bench_scan.py [--quick] [--full]

For each size (10^3 … 10^6 keys; --quick stops at 10^5) a fresh server is filled (values
stored directly, through the same ``Database.put`` the commands use, so the keyspace index is
built as commands build it), then an iteration ``SCAN cursor COUNT 10`` is walked; the
figure is the mean µs per call over its first calls (up to 2000). The same for
HSCAN/SSCAN/ZSCAN on one hash/set/sorted set of each size (up to 10^5; 10^6 with --full), and for
``SCAN`` with ``MATCH`` (a pattern matching nothing: the page is read, then filtered) and
with no COUNT (Upstash's default page, 100 keys). Engine level:
``FakeStash().database.execute``, no HTTP.

Also printed: the cost of a SET that creates a key (the keyspace index is kept on every
write), and the time of a full pass over 10^4 keys (45 s before the index).
"""

from __future__ import annotations

import statistics
import sys
import time
from typing import Any, Callable

from fakestash import FakeStash, ManualClock
from fakestash._engine.database import Database
from fakestash._engine.values.hash import HashValue
from fakestash._engine.values.set import RedisSet
from fakestash._engine.values.zset import SortedSet

Execute = Callable[[list[bytes]], Any]


def fresh() -> Execute:
    return fresh_db().execute


def fresh_db() -> Database:
    return FakeStash(seed=0, clock=ManualClock()).database


def fill_keys(db: Database, n: int) -> None:
    for i in range(n):
        db.put(b"key:%d" % i, b"v")


def fill_collection(db: Database, kind: bytes, n: int) -> None:
    value: Any
    if kind == b"HSCAN":
        value = HashValue()
        for i in range(n):
            value.set(b"f%d" % i, b"v")
    elif kind == b"SSCAN":
        value = RedisSet()
        for i in range(n):
            value.add(b"m%d" % i)
    else:
        value = SortedSet()
        for i in range(n):
            value.add(b"m%d" % i, float(i))
    db.put(b"c", value)


def per_call(execute: Execute, prefix: list[bytes], options: list[bytes], calls: int) -> float:
    """Mean µs of ``calls`` successive calls of one iteration (restarting at the end)."""
    cursor = b"0"
    total = 0.0
    for _ in range(calls):
        start = time.perf_counter()
        cursor = execute([*prefix, cursor, *options])[0]
        total += time.perf_counter() - start
    return total / calls * 1e6


def full_pass_seconds(execute: Execute) -> float:
    start = time.perf_counter()
    cursor, calls = b"0", 0
    while True:
        cursor = execute([b"SCAN", cursor, b"COUNT", b"10"])[0]
        calls += 1
        if cursor == b"0":
            return time.perf_counter() - start


def set_new_key_us(n: int = 100_000) -> float:
    execute = fresh()
    start = time.perf_counter()
    for i in range(n):
        execute([b"SET", b"k%d" % i, b"v"])
    return (time.perf_counter() - start) / n * 1e6


def row(label: str, figures: list[float]) -> str:
    cells = " | ".join(f"{f:.1f}" for f in figures)
    spread = max(figures) / min(figures)
    return f"| {label} | {cells} | {spread:.2f} |"


def main() -> None:
    sizes = [10**3, 10**4, 10**5] + ([] if "--quick" in sys.argv else [10**6])
    big = sizes if "--full" in sys.argv else [n for n in sizes if n <= 10**5]
    header = " | ".join(f"10^{len(str(n)) - 1}" for n in sizes)
    print(f"| µs per call | {header} | max/min |", flush=True)
    print("|---" * (len(sizes) + 2) + "|", flush=True)
    keyspace: dict[str, list[float]] = {"SCAN COUNT 10": [], "SCAN MATCH nothing COUNT 10": []}
    keyspace["SCAN (no COUNT: 100 keys)"] = []
    for n in sizes:
        db = fresh_db()
        fill_keys(db, n)
        execute = db.execute
        calls = min(2000, max(n // 10, 50))
        keyspace["SCAN COUNT 10"].append(per_call(execute, [b"SCAN"], [b"COUNT", b"10"], calls))
        keyspace["SCAN MATCH nothing COUNT 10"].append(
            per_call(execute, [b"SCAN"], [b"MATCH", b"nothing:*", b"COUNT", b"10"], calls)
        )
        keyspace["SCAN (no COUNT: 100 keys)"].append(
            per_call(execute, [b"SCAN"], [], min(calls, max(n // 100, 5)))
        )
    for label, figures in keyspace.items():
        print(row(label, figures), flush=True)
    for kind in (b"HSCAN", b"SSCAN", b"ZSCAN"):
        figures = []
        for n in big:
            db = fresh_db()
            fill_collection(db, kind, n)
            calls = min(2000, max(n // 10, 50))
            figures.append(per_call(db.execute, [kind, b"c"], [b"COUNT", b"10"], calls))
        print(row(f"{kind.decode()} COUNT 10", figures), flush=True)
    db = fresh_db()
    fill_keys(db, 10**4)
    print(f"\nfull pass over 10^4 keys, COUNT 10: {full_pass_seconds(db.execute):.2f} s")
    samples = [set_new_key_us() for _ in range(3)]
    print(f"SET creating a key (engine level): {statistics.median(samples):.2f} µs")


if __name__ == "__main__":
    main()
