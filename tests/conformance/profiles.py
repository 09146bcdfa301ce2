"""Hypothesis settings for the differential machines: ``ci`` (default) and ``deep``.

Pick with ``HYPOTHESIS_PROFILE=deep``; the settings are passed to each machine explicitly,
so loading them never changes the settings of other tests in the same session.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_COMMON = dict(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    report_multiple_bugs=False,
    print_blob=True,
)

settings.register_profile(
    "ci",
    max_examples=60,
    stateful_step_count=40,
    database=None,
    **_COMMON,  # type: ignore[arg-type]
)
settings.register_profile(
    "deep",
    max_examples=1000,
    stateful_step_count=100,
    database=None,
    **_COMMON,  # type: ignore[arg-type]
)


def machine_settings() -> settings:
    """The profile named by ``HYPOTHESIS_PROFILE`` (``ci`` when unset or unknown)."""
    name = os.environ.get("HYPOTHESIS_PROFILE", "ci")
    try:
        return settings.get_profile(name)
    except Exception:
        return settings.get_profile("ci")
