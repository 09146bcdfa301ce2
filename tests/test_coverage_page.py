"""docs/coverage.md must be what tools/gen_coverage.py makes of the current declarations."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from fakestash._engine.registry import Registry
from fakestash.deviations import DEVIATIONS

ROOT = Path(__file__).resolve().parent.parent


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "gen_coverage", ROOT / "tools" / "gen_coverage.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _listed() -> list[str]:
    """The commands Upstash lists: every declared command not marked ``upstash=False``."""
    return [name for name, cmd in Registry.default().leaves.items() if cmd.upstash]


def test_coverage_page_matches_the_declarations() -> None:
    page = ROOT / "docs" / "coverage.md"
    expected = _generator().render()
    assert page.exists(), "docs/coverage.md is missing: run python tools/gen_coverage.py"
    assert page.read_text() == expected, (
        "docs/coverage.md disagrees with the declarations (or the deviations): run "
        "python tools/gen_coverage.py and commit the result"
    )


def test_every_deviation_names_commands_upstash_lists() -> None:
    listed = set(_listed()) | {name.split("|")[0] for name in _listed()}
    for deviation in DEVIATIONS:
        unknown = [c for c in deviation.commands if c not in listed and c != "…"]
        assert not unknown, f"{deviation.id}: {unknown} are not commands Upstash lists"


def test_deviation_ids_are_unique_and_followers_are_known() -> None:
    ids = [d.id for d in DEVIATIONS]
    assert len(ids) == len(set(ids))
    assert {d.fake_follows for d in DEVIATIONS} <= {"upstash", "redis"}


def test_upstash_list_has_no_duplicates() -> None:
    names = _listed()
    assert len(names) == len(set(names))
    assert len(Registry.default()) > 0
