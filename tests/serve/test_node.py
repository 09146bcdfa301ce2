"""The Upstash overview's TypeScript examples, run by node's test runner (tests/node/)
against ``fakestash serve``: @upstash/redis and @upstash/ratelimit as users run them.

The node packages are installed by ``npm ci`` in tests/node (``.ci/run`` does it). Without
node or those packages the test skips; with FAKESTASH_REQUIRE_NODE=1 (CI) it fails instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.serve.process import Served

NODE_DIR = Path(__file__).resolve().parents[1] / "node"
#: The whole node run (five files, one at a time); each file has its own time limit below.
NODE_SECONDS = 240


def _node_or_skip() -> str:
    node = shutil.which("node")
    missing = None
    if node is None:
        missing = "node is not on PATH"
    elif not (NODE_DIR / "node_modules" / "@upstash" / "ratelimit").is_dir():
        missing = "tests/node has no node_modules: run `npm ci` in tests/node"
    if missing is None:
        assert node is not None
        return node
    if os.environ.get("FAKESTASH_REQUIRE_NODE") == "1":
        pytest.fail(missing)
    pytest.skip(missing)


@pytest.mark.timeout(NODE_SECONDS + 30)
def test_the_typescript_examples_pass_under_node(served: Served) -> None:
    node = _node_or_skip()
    env = {**os.environ, **served.env}
    result = subprocess.run(
        [
            node,
            "--test",
            "--test-concurrency=1",  # the files share one server and reset it
            "--test-timeout=60000",
            *sorted(str(path.name) for path in NODE_DIR.glob("*.test.mjs")),
        ],
        cwd=NODE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=NODE_SECONDS,
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert "# fail 0" in report, report
