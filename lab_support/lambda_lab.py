"""Read what the local Lambda host recorded: invocation events and REPORT lines.

Chapter 6 looks at the ingest function from outside, as an operator would: the
payload 2.0 event each request became (the host's local-only
`GET /_lab/invocations`) and the CloudWatch-style lines of each invocation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lab_support import client
from lab_support.errors import CourseError

INVOCATIONS_PATH = "/_lab/invocations"
REPORT_PREFIX = "REPORT RequestId: "


def request_id(response: client.Response) -> str:
    """Return the Lambda request id the Function URL put on its answer."""
    try:
        return response.headers["x-amzn-requestid"]
    except KeyError:
        raise CourseError(
            "the answer has no x-amzn-RequestId header: it did not come from the "
            "Function URL (send the request to lab.endpoints.function_url)"
        ) from None


def invocations(function_url: str) -> list[dict[str, Any]]:
    """Return the host's last invocations, oldest first, with their events."""
    answer = client.request("GET", function_url.rstrip("/") + INVOCATIONS_PATH)
    if answer.status != 200:
        raise CourseError(
            f"{INVOCATIONS_PATH} answered {answer.status}: it exists only on the "
            "local Lambda host; is lab.endpoints.function_url the local one?"
        )
    return answer.json()


def invocation(function_url: str, wanted: str) -> dict[str, Any]:
    """Return the host's record of one invocation, by its request id."""
    for record in invocations(function_url):
        if record["request_id"] == wanted:
            return record
    raise CourseError(
        f"the Lambda host has no record of request {wanted}: it keeps the last 50 "
        "invocations only; send the request again"
    )


def flatten(values: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Turn nested mappings into dotted names, as the docs name event fields."""
    flat: dict[str, Any] = {}
    for name, value in values.items():
        dotted = f"{prefix}{name}"
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat


def report_fields(log: str) -> dict[str, str]:
    """Read the fields of the REPORT line in one invocation's log lines."""
    line = next(
        (line for line in log.splitlines() if line.startswith(REPORT_PREFIX)), None
    )
    if line is None:
        raise CourseError(
            "no REPORT line in this log: pass the text of one whole invocation, "
            "from trace.invocation_log(lab, request_id)"
        )
    fields = {}
    for part in line.removeprefix("REPORT ").split("\t"):
        name, _, value = part.partition(": ")
        fields[name.strip()] = value.strip()
    return fields
