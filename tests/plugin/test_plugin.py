"""The pytest plugin, exercised in inner pytest runs (pytester)."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]


def run_inner(
    pytester: pytest.Pytester, source: str, *args: str, ini: str = ""
) -> pytest.RunResult:
    pytester.makepyfile(test_inner=source)
    pytester.makeini(ini or "[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    return pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:randomly", *args)


def test_each_test_gets_a_fresh_database(pytester: pytest.Pytester) -> None:
    result = run_inner(
        pytester,
        """
def test_one(upstash_redis):
    upstash_redis.set("k", "v")
    assert upstash_redis.dbsize() == 1

def test_two(upstash_redis):
    assert upstash_redis.get("k") is None
    assert upstash_redis.dbsize() == 0
""",
    )
    result.assert_outcomes(passed=2)


def test_env_vars_serve_from_env(pytester: pytest.Pytester) -> None:
    result = run_inner(
        pytester,
        """
import os
from upstash_redis import Redis

def test_from_env(fakestash):
    assert os.environ["UPSTASH_REDIS_REST_URL"] == fakestash.url
    assert os.environ["UPSTASH_REDIS_REST_TOKEN"] == fakestash.token
    Redis.from_env().set("k", "v")
    assert fakestash.execute("GET", "k") == b"v"
""",
    )
    result.assert_outcomes(passed=1)


def test_marker_kwargs_mirror_the_server(pytester: pytest.Pytester) -> None:
    result = run_inner(
        pytester,
        """
import pytest
from fakestash import ManualClock

@pytest.mark.fakestash(url="https://my-app-1.upstash.io", token="app-token", clock=ManualClock(100))
def test_marked(fakestash, upstash_redis):
    assert fakestash.url == "https://my-app-1.upstash.io"
    assert fakestash.token == "app-token"
    upstash_redis.set("k", "v", ex=10)
    fakestash.clock.advance(seconds=11)
    assert upstash_redis.get("k") is None
""",
    )
    result.assert_outcomes(passed=1)


def test_marker_rejects_unknown_arguments(pytester: pytest.Pytester) -> None:
    result = run_inner(
        pytester,
        """
import pytest

@pytest.mark.fakestash(sede=1)
def test_typo(fakestash):
    pass
""",
    )
    result.assert_outcomes(errors=1)
    assert "@pytest.mark.fakestash got unknown arguments ['sede']" in result.stdout.str()


def test_ini_options_set_suite_defaults(pytester: pytest.Pytester) -> None:
    result = run_inner(
        pytester,
        """
from fakestash import ManualClock

def test_defaults(fakestash):
    assert fakestash.url == "https://suite.upstash.io"
    assert fakestash.token == "suite-token"
    assert isinstance(fakestash.clock, ManualClock)
    assert fakestash.seed == 7
""",
        ini="""
[pytest]
asyncio_default_fixture_loop_scope = function
fakestash_url = https://suite.upstash.io
fakestash_token = suite-token
fakestash_clock = manual
fakestash_seed = 7
""",
    )
    result.assert_outcomes(passed=1)


def test_strict_mode_refuses_unserved_upstash_hosts(pytester: pytest.Pytester) -> None:
    result = run_inner(
        pytester,
        """
import pytest
from upstash_redis import Redis
from upstash_redis.errors import UpstashError

def test_strict(fakestash):
    other = Redis("https://prod-db.upstash.io", "real-token", rest_retries=0)
    with pytest.raises(UpstashError, match="no fake database serves prod-db.upstash.io"):
        other.get("k")
""",
    )
    result.assert_outcomes(passed=1)


def test_async_client_fixture(pytester: pytest.Pytester) -> None:
    result = run_inner(
        pytester,
        """
import asyncio

def test_async(async_upstash_redis, fakestash):
    async def main():
        await async_upstash_redis.set("k", "v")
        return await async_upstash_redis.get("k")
    assert asyncio.run(main()) == "v"
    assert fakestash.execute("GET", "k") == b"v"
""",
    )
    result.assert_outcomes(passed=1)


def test_respx_mocks_of_other_hosts_keep_working(pytester: pytest.Pytester) -> None:
    result = run_inner(
        pytester,
        """
import httpx
import respx

def test_both(upstash_redis):
    with respx.mock:
        respx.get("https://api.example.com/x").respond(json={"ok": True})
        upstash_redis.set("k", "v")
        assert httpx.get("https://api.example.com/x").json() == {"ok": True}
        assert upstash_redis.get("k") == "v"
""",
    )
    result.assert_outcomes(passed=1)


def test_teardown_unroutes_the_fake(pytester: pytest.Pytester) -> None:
    result = run_inner(
        pytester,
        """
from fakestash._routing import routed_hosts

def test_a(fakestash):
    assert fakestash.url.split("//")[1] in routed_hosts()

def test_b():
    assert routed_hosts() == {}
""",
    )
    result.assert_outcomes(passed=2)


def test_safe_under_xdist(pytester: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    source = "\n".join(
        f"""
def test_{i}(upstash_redis):
    assert upstash_redis.incr("n") == 1
"""
        for i in range(8)
    )
    result = run_inner(pytester, source, "-n", "2")
    result.assert_outcomes(passed=8)


def test_loading_the_plugin_does_not_load_the_engine() -> None:
    """Every pytest run in an environment with fakestash loads the plugin; runs that never
    ask for its fixtures should not pay for importing the engine and Lua."""
    import subprocess
    import sys

    code = (
        "import sys, pytest_fakestash.plugin; "
        "print(sorted(m for m in sys.modules if m.startswith('fakestash')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
