"""docs/coverage.md must be what tools/gen_coverage.py makes of the current command table."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from fakestash.deviations import DEVIATIONS
from fakestash.engine.table import TABLE
from fakestash.upstash_commands import UPSTASH_COMMANDS

ROOT = Path(__file__).resolve().parent.parent


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "gen_coverage", ROOT / "tools" / "gen_coverage.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_coverage_page_matches_the_command_table() -> None:
    page = ROOT / "docs" / "coverage.md"
    expected = _generator().render()
    assert page.exists(), "docs/coverage.md is missing: run python tools/gen_coverage.py"
    assert page.read_text() == expected, (
        "docs/coverage.md disagrees with the command table (or the Upstash list, or the "
        "deviations): run python tools/gen_coverage.py and commit the result"
    )


def test_every_deviation_names_commands_upstash_lists() -> None:
    listed = {c.name for c in UPSTASH_COMMANDS} | {c.name.split("|")[0] for c in UPSTASH_COMMANDS}
    for deviation in DEVIATIONS:
        unknown = [c for c in deviation.commands if c not in listed and c != "…"]
        assert not unknown, f"{deviation.id}: {unknown} are not in fakestash/upstash_commands.py"


def test_deviation_ids_are_unique_and_followers_are_known() -> None:
    ids = [d.id for d in DEVIATIONS]
    assert len(ids) == len(set(ids))
    assert {d.fake_follows for d in DEVIATIONS} <= {"upstash", "redis"}


def test_upstash_list_has_no_duplicates() -> None:
    names = [c.name for c in UPSTASH_COMMANDS]
    assert len(names) == len(set(names))
    assert len(TABLE) > 0
