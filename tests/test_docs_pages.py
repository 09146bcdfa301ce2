"""Generated docs pages are what their generators make of the code today."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from fakestash.deviations import DEVIATIONS, VERSION_CHOICES

ROOT = Path(__file__).resolve().parent.parent


def _tool(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_deviations_page_matches_the_deviations_module() -> None:
    page = ROOT / "docs" / "deviations.md"
    assert page.exists(), "docs/deviations.md is missing: run python tools/gen_deviations.py"
    assert page.read_text(encoding="utf-8") == _tool("gen_deviations").render(), (
        "docs/deviations.md disagrees with fakestash's deviations list: run "
        "python tools/gen_deviations.py and commit the result"
    )


def test_deviations_page_has_a_section_per_deviation_and_a_row_per_version_choice() -> None:
    text = _tool("gen_deviations").render()
    for deviation in DEVIATIONS:
        assert f"\n## {deviation.id}\n" in text
        assert f"| [{deviation.id}](#{deviation.id}) |" in text
    for choice in VERSION_CHOICES:
        assert f"\n| {choice.id} |" in text


def test_the_check_mode_fails_on_a_stale_page(tmp_path: Path) -> None:
    tool = _tool("gen_deviations")
    tool.PAGE = tmp_path / "deviations.md"
    tool.PAGE.write_text("# stale\n", encoding="utf-8")
    assert tool.main(["--check"]) == 1
    assert tool.main([]) == 0
    assert tool.main(["--check"]) == 0


def test_the_check_mode_passes_on_the_committed_page() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "gen_deviations.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
