"""Session-level options: import-time clients (``fakestash_env``) and the guard that keeps
every request of the run away from real ``*.upstash.io`` hosts (``fakestash_guard``)."""

from __future__ import annotations

import os

import pytest

pytest_plugins = ["pytester"]

INI = """
[pytest]
asyncio_default_fixture_loop_scope = function
fakestash_env = true
fakestash_guard = true
"""

APP = """
from upstash_redis import Redis

redis = Redis.from_env(rest_retries=0)   # at import, as apps do
"""

CONFTEST = """
import app  # imports the app (and its client) before any test module
"""

TESTS = """
import pytest
from upstash_redis.errors import UpstashError

import app

def test_the_import_time_client_talks_to_the_fixture(fakestash):
    app.redis.set("k", "v")
    assert fakestash.execute("GET", "k") == b"v"

def test_without_the_fixture_it_is_refused_not_sent(monkeypatch):
    with pytest.raises(UpstashError, match="no fake database serves fakestash.upstash.io"):
        app.redis.get("k")

def test_a_production_url_is_refused_too():
    from upstash_redis import Redis
    prod = Redis("https://prod-db.upstash.io", "real-token", rest_retries=0)
    with pytest.raises(UpstashError, match="no fake database serves prod-db.upstash.io"):
        prod.get("k")

@pytest.mark.fakestash(strict=False)
def test_strict_false_in_a_marker_does_not_lift_the_guard(fakestash):
    from upstash_redis import Redis
    prod = Redis("https://prod-db.upstash.io", "real-token", rest_retries=0)
    with pytest.raises(UpstashError, match="no fake database serves prod-db.upstash.io"):
        prod.get("k")
"""


def run(pytester: pytest.Pytester, ini: str = INI, *args: str) -> pytest.RunResult:
    pytester.makepyfile(app=APP, conftest=CONFTEST, test_app=TESTS)
    pytester.makeini(ini)
    return pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:randomly", *args)


def test_import_time_clients_with_a_production_url_in_the_environment(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UPSTASH_REDIS_REST_URL", "https://prod-db.upstash.io")
    monkeypatch.setenv("UPSTASH_REDIS_REST_TOKEN", "real-token")
    run(pytester).assert_outcomes(passed=4)
    # The run's settings end with the run.
    assert os.environ["UPSTASH_REDIS_REST_URL"] == "https://prod-db.upstash.io"
    assert os.environ["UPSTASH_REDIS_REST_TOKEN"] == "real-token"
    from fakestash._routing import routed_hosts

    assert routed_hosts() == {}


def test_import_time_clients_under_xdist(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("xdist")
    monkeypatch.setenv("UPSTASH_REDIS_REST_URL", "https://prod-db.upstash.io")
    monkeypatch.delenv("UPSTASH_REDIS_REST_TOKEN", raising=False)
    run(pytester, INI, "-n", "2").assert_outcomes(passed=4)


def test_without_the_option_an_import_time_client_fails_at_collection(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("UPSTASH_REDIS_REST_URL", raising=False)
    result = run(pytester, "[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    assert "KeyError: 'UPSTASH_REDIS_REST_URL'" in result.stderr.str()


def test_the_guard_leaves_other_hosts_and_in_process_clients_alone(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_guard="""
import httpx

def handler(request):
    return httpx.Response(200, json={"host": request.url.host})

def test_mock_transport_clients_are_not_refused():
    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        assert client.get("https://prod-db.upstash.io").json() == {"host": "prod-db.upstash.io"}

def test_refused_with_a_clear_error():
    response = httpx.post("https://prod-db.upstash.io", json=["GET", "k"])
    assert response.status_code == 502
    assert "no fake database serves prod-db.upstash.io" in response.json()["error"]
"""
    )
    pytester.makeini(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\nfakestash_guard = true\n"
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_bad_flag_values_are_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_x="def test_x(): pass")
    pytester.makeini(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\nfakestash_guard = maybe\n"
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    assert "fakestash_guard must be true or false, not 'maybe'" in result.stderr.str()


def test_the_guard_does_not_load_the_engine() -> None:
    """fakestash_guard routes for the whole run: it loads the routing, not the engine and
    Lua (~0.4 s), so a run that never asks for a fake does not pay for them."""
    import subprocess
    import sys

    code = (
        "import sys, fakestash._routing; "
        "print(sorted(m for m in sys.modules if m.startswith('fakestash.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # The httpx door and the REST face's request/response values; no engine.
    assert out.stdout.strip() == (
        "['fakestash._clock', 'fakestash._faults', 'fakestash._hosts', 'fakestash._rest', "
        "'fakestash._rest.wire', 'fakestash._routing', 'fakestash._transport']"
    )
