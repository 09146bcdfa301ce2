"""Marker and constructor values are checked where they are given, with the choices."""

from __future__ import annotations

import pytest

from fakestash import FakeStash, ManualClock, SystemClock

pytest_plugins = ["pytester"]


def run_inner(pytester: pytest.Pytester, source: str, ini: str = "") -> pytest.RunResult:
    pytester.makepyfile(test_inner=source)
    pytester.makeini(ini or "[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    return pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:randomly")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            "manul",
            'clock must be "system", "manual", or a clock object with time_ms() '
            "(ManualClock(start), SystemClock()); got 'manul' (did you mean \"manual\"?)",
        ),
        (
            42,
            'clock must be "system", "manual", or a clock object with time_ms() '
            "(ManualClock(start), SystemClock()); got 42",
        ),
    ],
)
def test_the_constructor_refuses_a_clock_it_cannot_use(value: object, expected: str) -> None:
    with pytest.raises(ValueError) as refused:
        FakeStash(clock=value)  # type: ignore[arg-type]
    assert str(refused.value) == expected


def test_the_constructor_takes_clock_names_as_the_marker_does() -> None:
    assert isinstance(FakeStash(clock="manual").clock, ManualClock)
    assert isinstance(FakeStash(clock="Manual").clock, ManualClock)
    assert isinstance(FakeStash(clock="system").clock, SystemClock)
    assert FakeStash(clock="manual").clock.time_ms() == 1_700_000_000_000


def test_the_constructor_checks_types() -> None:
    with pytest.raises(TypeError, match=r"^seed must be an int; got '1'$"):
        FakeStash(seed="1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^url must be a str; got 5$"):
        FakeStash(url=5)  # type: ignore[arg-type]


def test_a_system_clock_says_how_to_get_a_manual_one() -> None:
    with pytest.raises(TypeError) as refused:
        SystemClock().advance(seconds=5)
    assert str(refused.value) == (
        "a SystemClock follows the real time and cannot be advanced. For a clock a test "
        'moves by hand, use FakeStash(clock="manual") or @pytest.mark.fakestash(clock="manual") '
        "(or fakestash_clock = manual in the ini file), then fakestash.clock.advance(seconds=...); "
        "to move the system clock, use freezegun or time-machine."
    )


def test_a_bad_clock_in_a_marker_fails_the_test_with_the_choices(pytester: pytest.Pytester) -> None:
    result = run_inner(
        pytester,
        """
import pytest

@pytest.mark.fakestash(clock="manul")
def test_typo(fakestash):
    pass

@pytest.mark.fakestash(clock="Manual")
def test_case_does_not_matter(fakestash):
    fakestash.clock.advance(seconds=1)

@pytest.mark.fakestash(seed="1")
def test_bad_seed(fakestash):
    pass
""",
    )
    result.assert_outcomes(passed=1, errors=2)
    out = result.stdout.str()
    assert (
        '@pytest.mark.fakestash(clock=...): clock must be "system", "manual", or a clock '
        "object with time_ms() (ManualClock(start), SystemClock()); got 'manul' "
        '(did you mean "manual"?)'
    ) in out
    assert "@pytest.mark.fakestash: seed must be an int; got '1'" in out


def test_a_bad_clock_in_the_ini_file_says_so(pytester: pytest.Pytester) -> None:
    result = run_inner(
        pytester,
        "def test_x(fakestash): pass",
        ini="[pytest]\nasyncio_default_fixture_loop_scope = function\nfakestash_clock = sytem\n",
    )
    result.assert_outcomes(errors=1)
    assert "fakestash_clock: clock must be" in result.stdout.str()
    assert "got 'sytem' (did you mean \"system\"?)" in result.stdout.str()


def test_a_clock_in_a_module_mark_is_copied_for_each_test(pytester: pytest.Pytester) -> None:
    result = run_inner(
        pytester,
        """
import pytest
from fakestash import ManualClock

pytestmark = pytest.mark.fakestash(clock=ManualClock(1_000))

@pytest.mark.parametrize("i", range(3))
def test_each_starts_at_the_same_time(fakestash, upstash_redis, i):
    assert fakestash.clock.time() == 1_000
    upstash_redis.set("k", "v", ex=10)
    fakestash.clock.advance(seconds=60)
    assert upstash_redis.get("k") is None
""",
    )
    result.assert_outcomes(passed=3)


def test_the_strict_marker_argument_is_checked(pytester: pytest.Pytester) -> None:
    result = run_inner(
        pytester,
        """
import pytest

@pytest.mark.fakestash(strict="no")
def test_x(fakestash):
    pass
""",
    )
    result.assert_outcomes(errors=1)
    assert "@pytest.mark.fakestash(strict=...) takes True or False, not 'no'" in result.stdout.str()
