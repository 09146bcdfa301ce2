"""Families that load on first use (search, Lua) stay one engine when a test runner drops the
modules a run imported (pytester's in-process runs restore ``sys.modules`` after each run)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """
import sys
import fakestash
import {before}

kept = dict(sys.modules)


def run():
    db = fakestash.FakeStash(seed=0).database

    def call(*args):
        return db.execute([a.encode() for a in args])

    call("SEARCH.CREATE", "users", "ON", "JSON", "PREFIX", "1", "user:", "SCHEMA", "name", "TEXT")
    call("JSON.SET", "user:1", "$", '{"name": "Ann Lee"}')
    return [call("SEARCH.COUNT", "users", '{"name": "lee"}'), call("EVAL", "return {1, 'a'}", "0")]


first = run()
for name in [name for name in sys.modules if name not in kept]:
    del sys.modules[name]
print(first, run())
"""


#: What the runner had imported before the first run: the package root only (as the plugin
#: leaves it), or the server and the registry (as a suite's conftest might), whose cached
#: default registry then outlives the families it was built from.
@pytest.mark.parametrize("before", ["fakestash._clock", "fakestash._server"])
def test_a_run_after_its_modules_were_dropped_sees_one_engine(before: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT.replace("{before}", before)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[1, [1, b'a']] [1, [1, b'a']]"
