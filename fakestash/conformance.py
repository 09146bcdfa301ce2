"""``fakestash conformance`` from Python: the same run against your endpoint (or a real
Redis), with the same options, returning the report the command prints
(docs/check-your-database.md)::

    target = open_target(url, token)
    report = Runner(target, Options(families=("strings",))).run()
    target.close()
    print(report.to_markdown())
"""

from __future__ import annotations

from fakestash._conformance.report import CheckResult, Difference, FamilyResult, Report
from fakestash._conformance.runner import (
    BudgetExceeded,
    Options,
    RunError,
    Runner,
    Target,
    open_target,
)

__all__ = [
    "BudgetExceeded",
    "CheckResult",
    "Difference",
    "FamilyResult",
    "Options",
    "Report",
    "RunError",
    "Runner",
    "Target",
    "open_target",
]
