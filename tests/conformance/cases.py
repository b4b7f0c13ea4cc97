"""The CloudEvents conformance cases in tests/fixtures, as attributes and data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

CASES_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "cloudevents-conformance"


def cases() -> list[tuple[str, dict[str, Any], bytes]]:
    """Every YAML document: a name, its context attributes with extensions, data."""
    found = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        # BaseLoader keeps every scalar a string, as attributes travel.
        for number, case in enumerate(yaml.load_all(path.read_text(), yaml.BaseLoader)):
            attributes = dict(case["ContextAttributes"])
            attributes.update(attributes.pop("Extensions", None) or {})
            data = case.get("Data", "").encode("utf-8")
            found.append((f"{path.stem}-{number}", attributes, data))
    return found
