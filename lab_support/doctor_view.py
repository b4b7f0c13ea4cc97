"""The doctor's report as a table that reads the same on every machine.

Versions, paths and ports differ from one laptop to the next; the notebook
shows each check's name, result and a detail with those values replaced by
placeholders, so the stored outputs stay comparable. The terminal command
`python -m lab_support doctor` prints the real values.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import replace
from typing import Final

from lab_support.display import Table
from lab_support.doctor import Check

# Applied in order: URLs and ports before paths (a URL holds "//"), paths
# before versions (a path can hold "3.11").
_MACHINE_SPECIFIC: Final = (
    (re.compile(r"(?<=127\.0\.0\.1:)\d+"), "<port>"),
    (re.compile(r"(?<=\(tried )\d+(?=\))"), "<port>"),
    (re.compile(r"(?<![\w.:/<])/[^\s,;()]+"), "<path>"),
    (
        re.compile(r"(?<![\d.])(?!127\.0\.0\.1\b)\d+\.\d+(?:\.\d+)*(?:[a-z]+\d*)?"),
        "<version>",
    ),
    (re.compile(r"\bJava \d+\b"), "Java <version>"),
)


def stable_detail(detail: str) -> str:
    """Replace the versions, paths and ports in a check's detail by placeholders."""
    for pattern, placeholder in _MACHINE_SPECIFIC:
        detail = pattern.sub(placeholder, detail)
    return detail


def stable(checks: Sequence[Check]) -> list[Check]:
    """The same checks with machine-specific values replaced, fixes kept as they are."""
    return [replace(check, detail=stable_detail(check.detail)) for check in checks]


def table(checks: Sequence[Check], *, leave_out: Collection[str] = ()) -> Table:
    """One row a check: its name, ok / warn / FAIL, and its stable detail."""
    rows = []
    for check in stable(checks):
        if check.name in leave_out:
            continue
        result = "FAIL" if check.status == "fail" else check.status
        detail = check.detail
        if check.fix and check.status != "ok":
            detail = f"{detail} (fix: {check.fix})"
        rows.append((check.name, result, detail))
    return Table(("check", "result", "detail"), rows, "environment check")


def verdict(checks: Sequence[Check]) -> str:
    """Say in one line whether the course can run here, and how many fixes are due."""
    failed = [check.name for check in checks if not check.ok]
    if not failed:
        return "ready for the course: no check failed"
    return f"{len(failed)} problem(s) to fix first: {', '.join(failed)}"
