"""Check a CloudEvent in the JSON format against the spec's own JSON Schema.

The schema is the one the CloudEvents project publishes with its spec
(github.com/cloudevents/spec), kept unchanged in the repository's test
fixtures; formats such as `date-time` (RFC 3339) are checked too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from typing import Any, Final

from lab_support.config import PROJECT_ROOT
from lab_support.errors import CourseError

SCHEMA_PATH: Final = (
    PROJECT_ROOT / "tests" / "fixtures" / "cloudevents-spec" / "cloudevents.schema.json"
)


@cache
def validator():
    """Load the schema once, with format checking on (RFC 3339 times, URIs)."""
    from jsonschema import Draft7Validator

    if not SCHEMA_PATH.is_file():
        raise CourseError(
            f"the CloudEvents JSON Schema is missing at {SCHEMA_PATH}: it ships "
            "with the course's repository; run the notebook from a full clone"
        )
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)


def errors(document: Mapping[str, Any] | bytes | str) -> list[str]:
    """Every way the event breaks the schema, as "where: what" lines, sorted."""
    if isinstance(document, bytes | str):
        document = json.loads(document)
    found = []
    for error in validator().iter_errors(document):
        where = "/".join(str(part) for part in error.absolute_path) or "(event)"
        found.append(f"{where}: {error.message}")
    return sorted(found)


def is_rfc3339(text: str) -> bool:
    """True when the schema's date-time format (RFC 3339, zone required) accepts it."""
    return validator().format_checker.conforms(text, "date-time")
