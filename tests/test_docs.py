"""Every ```python block in README.md and docs/ (any depth) runs, so a snippet cannot rot.

How a block runs (docs/contributing.md):
- a block that defines ``test_...`` functions is a test module: the blocks of one page run
  in one inner pytest, each block its own module, with the fakestash plugin; all must pass;
- any other block is a script: the scripts of one page run in order in one namespace (a
  later block may use what an earlier one made), in this process;
- a block right after the line ``<!-- docs: no-run -->`` is not run (a fragment, a
  sketch of output). Keep those rare: a snippet that is not run is a snippet that rots.

A failure names the page and the line of the block.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])
NO_RUN = "<!-- docs: no-run -->"
_FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<lang>[\w+-]*)[ \t]*$")
_TEST_DEF = re.compile(r"^(async[ \t]+)?def[ \t]+test_", re.MULTILINE)
INNER_INI = """
[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
"""


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # 1-based line of the opening fence
    source: str
    run: bool

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"

    @property
    def is_tests(self) -> bool:
        return bool(_TEST_DEF.search(self.source))


def python_blocks(page: Path) -> list[Block]:
    """The ```python blocks of a page (indented ones too, as in list items)."""
    lines = page.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        fence = _FENCE.match(lines[index])
        if fence is None or not fence["lang"]:
            index += 1
            continue
        end = _closing(lines, index, fence["indent"])
        if fence["lang"] == "python":
            body = textwrap.dedent("\n".join(lines[index + 1 : end]))
            blocks.append(Block(page, index + 1, body, _previous(lines, index) != NO_RUN))
        index = end + 1
    return blocks


def _closing(lines: list[str], start: int, indent: str) -> int:
    for index in range(start + 1, len(lines)):
        if lines[index].strip() == "```":
            return index
    raise AssertionError(f"unclosed code block at line {start + 1}")


def _previous(lines: list[str], index: int) -> str:
    for line in reversed(lines[:index]):
        if line.strip():
            return line.strip()
    return ""


def _pages_with(kind: str) -> list[Any]:
    params = []
    for page in PAGES:
        blocks = [b for b in python_blocks(page) if b.run and b.is_tests == (kind == "tests")]
        if blocks:
            params.append(pytest.param(blocks, id=str(page.relative_to(ROOT))))
    return params


@pytest.mark.timeout(120)
@pytest.mark.parametrize("blocks", _pages_with("scripts"))
def test_scripts_run(blocks: list[Block]) -> None:
    namespace: dict[str, Any] = {"__name__": "__docs__"}
    for block in blocks:
        code = compile(block.source, block.where, "exec")
        try:
            exec(code, namespace)
        except Exception as exc:
            raise AssertionError(f"the block at {block.where} failed: {exc!r}") from exc


@pytest.mark.timeout(300)
@pytest.mark.parametrize("blocks", _pages_with("tests"))
def test_test_blocks_pass(blocks: list[Block], pytester: pytest.Pytester) -> None:
    modules = {}
    for block in blocks:
        stem = re.sub(r"\W", "_", block.page.relative_to(ROOT).with_suffix("").as_posix())
        modules[f"test_{stem}_line{block.line}"] = block.source
    pytester.makepyfile(**modules)
    pytester.makeini(INNER_INI)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:randomly")
    outcomes = result.parseoutcomes()
    assert result.ret == 0 and outcomes.get("passed", 0) > 0, (
        f"code blocks of {blocks[0].page.relative_to(ROOT)} failed (module test_<page>_line<N>"
        f" is the block at line N):\n{result.stdout.str()}"
    )


def test_the_extractor_sees_indented_blocks_and_no_run_marks(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "text\n\n```python\nx = 1\n```\n\n- item\n\n  ```python\n  y = 2\n  ```\n\n"
        f"{NO_RUN}\n\n```python\nnot python at all\n```\n\n```sh\nls\n```\n",
        encoding="utf-8",
    )
    blocks = python_blocks(page)
    assert [(b.line, b.source, b.run) for b in blocks] == [
        (3, "x = 1", True),
        (9, "y = 2", True),
        (15, "not python at all", False),
    ]
