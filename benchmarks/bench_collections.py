"""Collection commands as they grow: per-operation cost at 10^4, 10^5 and 10^6 elements,
for fakestash (engine level) and fakeredis (through its redis-py client), in one run.

Run: python benchmarks/bench_collections.py [--quick]

Workloads (each on a fresh server):

- ZADD one member per command, random scores, until the sorted set holds 10^6 members; the
  figure at each size is the mean cost of the adds that took it there from the size before
  (so "10^6" is the cost of an add into a set of 10^5 … 10^6 members);
- ZRANGEBYSCORE windows of ~10 members at random places, on sets of each size;
- LPUSH one element per command up to 10^6, then LINDEX 0 and LINDEX -1 at each size;
- HSET one field per command up to 10^5 (10^6 for fakestash only with --full-hash).

fakestash runs ``FakeStash().database.execute([b"ZADD", ...])``: argument lookup in the
command table, arity check, the lock, the handler and the value; no HTTP, no JSON. fakeredis
runs ``FakeRedis().execute_command("ZADD", ...)``: redis-py packs the command into RESP,
fakeredis parses it, runs it and encodes the reply, and redis-py parses that. So the ratio
includes fakeredis' protocol round trip, which an application using fakeredis always pays;
the "flat as n grows" column is the point for both. ``--quick`` stops fakeredis at 10^5.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from typing import Any, Callable, Sequence

from fakestash import FakeStash, ManualClock

SIZES = (10**4, 10**5, 10**6)
Runner = Callable[[Sequence[bytes]], Any]
Workload = Callable[[Runner, Sequence[int]], dict[str, list[float]]]


def fakestash_runner() -> Runner:
    execute = FakeStash(seed=0, clock=ManualClock()).database.execute
    return lambda argv: execute(list(argv))


def fakeredis_runner() -> Runner | None:
    try:
        import fakeredis
    except ImportError:
        return None
    client = fakeredis.FakeRedis()
    return lambda argv: client.execute_command(*argv)  # type: ignore[no-untyped-call]


def has_commands(*names: str) -> bool:
    from fakestash._engine.registry import Registry

    return all(name in Registry.default() for name in names)


def timed(run: Runner, batch: Sequence[Sequence[bytes]]) -> float:
    """Run every command of ``batch`` once; the mean µs per command."""
    start = time.perf_counter()
    for argv in batch:
        run(argv)
    return (time.perf_counter() - start) / len(batch) * 1e6


def per_call(run: Runner, calls: Sequence[Sequence[bytes]], repeat: int = 5) -> float:
    """Median over ``repeat`` passes of the mean µs per call."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        for argv in calls:
            run(argv)
        runs.append((time.perf_counter() - start) / len(calls) * 1e6)
    return statistics.median(runs)


# ---- workloads ---------------------------------------------------------------------------------


def zset_workload(run: Runner, sizes: Sequence[int]) -> dict[str, list[float]]:
    rng = random.Random(1)
    scores = [rng.random() for _ in range(max(sizes))]

    def zadd(i: int) -> list[bytes]:
        return [b"ZADD", b"z", repr(scores[i]).encode(), b"m%07d" % i]

    rows: dict[str, list[float]] = {"ZADD (one member)": [], "ZRANGEBYSCORE ~10 members": []}
    done = 0
    for size in sizes:
        rows["ZADD (one member)"].append(timed(run, [zadd(i) for i in range(done, size)]))
        done = size
        width = 10 / size  # scores are uniform in [0, 1): ~10 members per window
        windows = []
        for _ in range(2000):
            low = rng.random() * (1 - width)
            windows.append([b"ZRANGEBYSCORE", b"z", repr(low).encode(), repr(low + width).encode()])
        rows["ZRANGEBYSCORE ~10 members"].append(per_call(run, windows))
    return rows


def list_workload(run: Runner, sizes: Sequence[int]) -> dict[str, list[float]]:
    rows: dict[str, list[float]] = {"LPUSH (one element)": [], "LINDEX 0": [], "LINDEX -1": []}
    done = 0
    for size in sizes:
        batch = [[b"LPUSH", b"l", b"e%07d" % i] for i in range(done, size)]
        rows["LPUSH (one element)"].append(timed(run, batch))
        done = size
        rows["LINDEX 0"].append(per_call(run, [[b"LINDEX", b"l", b"0"]] * 2000))
        rows["LINDEX -1"].append(per_call(run, [[b"LINDEX", b"l", b"-1"]] * 2000))
    return rows


def hash_workload(run: Runner, sizes: Sequence[int]) -> dict[str, list[float]]:
    rows: dict[str, list[float]] = {"HSET (one field)": []}
    done = 0
    for size in sizes:
        batch = [[b"HSET", b"h", b"f%07d" % i, b"v"] for i in range(done, size)]
        rows["HSET (one field)"].append(timed(run, batch))
        done = size
    return rows


# ---- report ------------------------------------------------------------------------------------


def fmt(value: float | None) -> str:
    return "—" if value is None else (f"{value:.1f}" if value < 100 else f"{value:.0f}")


def report(
    title: str,
    sizes: Sequence[int],
    ours: dict[str, list[float]],
    theirs: dict[str, list[float]] | None,
) -> None:
    print(f"\n### {title}\n")
    heads = [f"n = 10^{len(str(s)) - 1}" for s in sizes]
    print(
        "| workload | "
        + " | ".join(f"fakestash {h}" for h in heads)
        + " | "
        + " | ".join(f"fakeredis {h}" for h in heads)
        + " | ratio at largest common n |"
    )
    print("|" + " --- |" * (2 + 2 * len(sizes)))
    for name, values in ours.items():
        other = (theirs or {}).get(name, [])
        cells = [fmt(v) for v in values] + [fmt(None)] * (len(sizes) - len(values))
        others = [fmt(v) for v in other] + [fmt(None)] * (len(sizes) - len(other))
        common = min(len(values), len(other))
        ratio = f"{other[common - 1] / values[common - 1]:.0f}×" if common else "—"
        print(f"| {name} | " + " | ".join(cells) + " | " + " | ".join(others) + f" | {ratio} |")


def main(argv: list[str]) -> None:
    quick = "--quick" in argv
    theirs_sizes = SIZES[:2] if quick else SIZES
    hash_sizes = SIZES if "--full-hash" in argv else SIZES[:2]
    have_fakeredis = fakeredis_runner() is not None
    print("Per-operation cost in µs (lower is better); each size's figure is measured at that")
    print("size (see the module docstring).")
    if not have_fakeredis:
        print("\nfakeredis is not installed: its columns are empty.")

    workloads: list[tuple[str, tuple[str, ...], Workload, Sequence[int], Sequence[int]]] = [
        ("Sorted sets", ("zadd", "zrangebyscore"), zset_workload, SIZES, theirs_sizes),
        ("Lists", ("lpush", "lindex"), list_workload, SIZES, theirs_sizes),
        ("Hashes", ("hset",), hash_workload, hash_sizes, hash_sizes[:2]),
    ]
    for title, commands, workload, sizes, other_sizes in workloads:
        if not has_commands(*commands):
            print(f"\n### {title}\n\nskipped: fakestash has no {', '.join(commands).upper()} yet.")
            continue
        ours = workload(fakestash_runner(), sizes)
        runner = fakeredis_runner()
        theirs = workload(runner, other_sizes) if runner is not None else None
        report(title, sizes, ours, theirs)


if __name__ == "__main__":
    main(sys.argv[1:])
