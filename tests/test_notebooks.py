"""The course's notebooks are committed executed, and nbval compares their outputs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted(
    (Path(__file__).parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb")
)
NOT_COMPARED = {"nbval-ignore-output", "nbval-skip"}
COMPARED_AT_LEAST = 0.80


def _code_cells(path: Path) -> list[dict]:
    cells = json.loads(path.read_text())["cells"]
    return [cell for cell in cells if cell["cell_type"] == "code"]


def _compared(cell: dict) -> bool:
    tags = set(cell.get("metadata", {}).get("tags", []))
    return cell.get("execution_count") is not None and not tags & NOT_COMPARED


def test_the_ten_chapters_are_there_in_order():
    numbers = [int(path.name[:2]) for path in NOTEBOOKS]

    assert numbers == list(range(1, 11))


def test_at_least_80_percent_of_code_cells_are_compared_by_nbval(capsys):
    rows = []
    for path in NOTEBOOKS:
        cells = _code_cells(path)
        rows.append((path.name, sum(map(_compared, cells)), len(cells)))
    compared = sum(row[1] for row in rows)
    total = sum(row[2] for row in rows)

    with capsys.disabled():
        print(
            f"\nnbval compares {compared} of {total} code cells "
            f"({compared / total:.0%})"
        )
        for name, done, cells in rows:
            print(f"  {name:<28} {done:>3} of {cells:>3}")
    assert compared / total >= COMPARED_AT_LEAST
    assert all(done / cells >= COMPARED_AT_LEAST for _, done, cells in rows)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_code_cell_is_committed_executed(path):
    unexecuted = [
        index
        for index, cell in enumerate(_code_cells(path))
        if cell.get("execution_count") is None and "".join(cell["source"]).strip()
    ]

    assert not unexecuted, f"{path.name}: code cells {unexecuted} have no stored run"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_each_chapter_opens_with_its_time_and_ends_with_exercises(path):
    cells = json.loads(path.read_text())["cells"]
    markdown = [
        "".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown"
    ]

    assert re.search(r"\*\*Time:\*\*", markdown[0]), "the first cell gives the time"
    assert any("## Summary" in text for text in markdown)
    assert any("## Exercises" in text for text in markdown)
