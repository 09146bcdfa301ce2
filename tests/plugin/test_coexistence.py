"""fakestash beside pytest-httpx and respx (both mockers), in every fixture order.

The inner suite (``inner/coexistence_suite.py``) is the issue's definition of done: it
requests ``fakestash``, ``httpx_mock`` and ``respx_mock`` in every order, sync and async,
then runs 50 tests that use none of them and find every httpx and httpcore method as it
was. It must pass in one process and under ``-n 2``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

SUITE = Path(__file__).parent / "inner" / "coexistence_suite.py"
INI = """
[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
"""
#: 10 orders x 2 respx mockers x sync/async, the 4 written-out signatures, 50 bystanders.
EXPECTED = 10 * 2 * 2 + 4 + 50


def run_suite(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    pytest.importorskip("pytest_httpx", minversion="0.33")  # should_mock=
    pytester.makepyfile(test_coexistence_suite=SUITE.read_text())
    pytester.makeini(INI)
    return pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:randomly", *args)


@pytest.mark.timeout(300)
def test_every_order_in_one_process(pytester: pytest.Pytester) -> None:
    result = run_suite(pytester)
    result.assert_outcomes(passed=EXPECTED)


@pytest.mark.timeout(300)
def test_every_order_under_xdist(pytester: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    result = run_suite(pytester, "-n", "2")
    result.assert_outcomes(passed=EXPECTED)
