"""What importing fakestash costs, over importing httpx, in fresh interpreters.

Run: python benchmarks/bench_import.py [--runs 15] [--no-bytecode]

Each case runs in a new ``python`` process (the worktree first on ``sys.path``) that first
imports httpx, then times the statement; the fastest of ``--runs`` processes counts, which
keeps the figure steady on a loaded machine. By default the processes share a private,
warmed bytecode cache (``PYTHONPYCACHEPREFIX``), as an installed package has its ``.pyc``
files (httpx's are there already); ``--no-bytecode`` compiles every module from source
each time (``PYTHONDONTWRITEBYTECODE=1``, as some CI machines and this project's workplace
run), for comparison.

The first-use rows show what loads later, when a database first needs it: Lua (lupa, the
sandbox) on the first script, the search model (stemmers, filters, scoring) on the first
SEARCH command.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SETUP = "import fakestash; stash = fakestash.FakeStash()"
CASES = [
    ("import fakestash", "import fakestash"),
    ("import fakestash; FakeStash()", SETUP),
    ("... and a first SET", SETUP + "; stash.execute('SET', 'k', 'v')"),
]
FIRST_USE = [
    ("first EVAL (Lua loads)", SETUP, "stash.execute('EVAL', 'return 1', '0')"),
    (
        "first SEARCH.CREATE (search loads)",
        SETUP,
        "stash.execute('SEARCH.CREATE', 'i', 'ON', 'HASH', 'PREFIX', '1', 'p:', "
        "'SCHEMA', 't', 'TEXT')",
    ),
]
PROGRAM = """
import sys, time
sys.path.insert(0, {root!r})
t0 = time.perf_counter()
import httpx
t1 = time.perf_counter()
{setup}
t2 = time.perf_counter()
{stmt}
t3 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2)
"""


def measure(setup: str, stmt: str, runs: int, env: dict[str, str]) -> tuple[float, ...]:
    """The fastest of ``runs`` fresh processes: (httpx, setup, stmt) in milliseconds."""
    code = PROGRAM.format(root=str(ROOT), setup=setup, stmt=stmt)
    best: tuple[float, ...] | None = None
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        )
        times = tuple(float(x) * 1000 for x in out.stdout.split())
        if best is None or times[1] + times[2] < best[1] + best[2]:
            best = times
    assert best is not None
    return best


def environment(bytecode: bool, cache: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = cache
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.pop("PYTHONPYCACHEPREFIX", None)
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--no-bytecode", action="store_true")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fakestash-pyc-") as cache:
        env = environment(not options.no_bytecode, cache)
        for setup, stmt in [(s, "pass") for _, s in CASES] + [(s, t) for _, s, t in FIRST_USE]:
            measure(setup, stmt, 1, env)  # warm the bytecode cache (and the disk cache)
        mode = "from source" if options.no_bytecode else "bytecode cached"
        print(f"| case ({mode}, best of {options.runs}) | ms over `import httpx` |")
        print("|---|---|")
        httpx_ms = measure("pass", "pass", options.runs, env)[0]
        for name, setup in CASES:
            print(f"| {name} | {measure(setup, 'pass', options.runs, env)[1]:.1f} |")
        print(f"| (`import httpx` itself) | {httpx_ms:.1f} |")
        for name, setup, stmt in FIRST_USE:
            print(f"| {name}, after the above | {measure(setup, stmt, options.runs, env)[2]:.1f} |")


if __name__ == "__main__":
    main()
