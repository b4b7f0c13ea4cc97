"""Follow one event across the local cloud's hops, from the records each one keeps.

Every piece records what it saw: the Lambda host keeps its recent invocations,
the ingest function and the processor log one JSON line per event, the relay
one JSON line per delivery. Joined on the event id, they show the event at
each hop and how long each hop took, as a tracing tool would.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lab_support import client
from lab_support.errors import CourseError

HOPS = ("upload", "lambda", "publish", "delivery", "processing", "store")
_INVOCATION_END = "REPORT RequestId: "


@dataclass
class EventTrace:
    """What each hop saw of one event, and the time spent in each hop."""

    event_id: str
    invocation: dict[str, Any]
    ingest: dict[str, Any]
    delivery: dict[str, Any]
    processor: dict[str, Any]
    timings_ms: dict[str, float] = field(default_factory=dict)


def json_lines(path: Path) -> list[dict[str, Any]]:
    """Return the JSON objects logged one per line in a log file; skip other lines."""
    records = []
    for line in path.read_text(errors="replace").splitlines():
        if not line.startswith("{"):
            continue
        try:
            records.append(json.loads(line))
        except ValueError:
            continue
    return records


def _find(path: Path, **match: Any) -> dict[str, Any] | None:
    for record in reversed(json_lines(path)):
        if all(record.get(key) == value for key, value in match.items()):
            return record
    return None


def _invocation(function_url: str, request_id: str) -> dict[str, Any]:
    url = function_url.rstrip("/") + "/_lab/invocations"
    for record in client.request("GET", url).json():
        if record["request_id"] == request_id:
            return record
    raise CourseError(f"the Lambda host has no record of request {request_id}")


def _wait_for(path: Path, timeout_s: float, **match: Any) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        found = _find(path, **match)
        if found is not None:
            return found
        if time.monotonic() > deadline:
            raise CourseError(f"no record with {match} in {path} after {timeout_s} s")
        time.sleep(0.02)


def follow(cloud, receipt: client.Receipt, total_ms: float) -> EventTrace:
    """Join the records of one accepted upload and compute its per-hop timings."""
    logs = {name: Path(service.log) for name, service in cloud.services.items()}
    event_id = receipt.event_id
    request_id = receipt.response.headers["x-amzn-requestid"]

    invocation = _invocation(cloud.endpoints.function_url, request_id)
    ingest = _wait_for(logs["lambda"], 5, event_id=event_id, outcome="published")
    processor = _wait_for(logs["processor"], 5, event_id=event_id, outcome="processed")
    delivery = _wait_for(logs["relay"], 5, event_id=event_id, outcome="ack")

    steps = processor["timings_ms"]
    timings = {
        "upload": receipt.response.elapsed_ms - invocation["duration_ms"],
        "lambda": ingest["duration_ms"] - ingest["publish_ms"],
        "publish": ingest["publish_ms"],
        "delivery": processor["received_at"] - processor["published_at"],
        "processing": steps["decode"] + steps["processing"],
        "store": steps["store"],
        "total": total_ms,
    }
    rounded = {hop: round(ms, 1) for hop, ms in timings.items()}
    return EventTrace(event_id, invocation, ingest, delivery, processor, rounded)


def invocation_log(cloud, request_id: str) -> str:
    """Return the CloudWatch-style lines of one invocation, START to REPORT."""
    lines = Path(cloud.services["lambda"].log).read_text(errors="replace").splitlines()
    start = f"START RequestId: {request_id} "
    first = next((i for i, line in enumerate(lines) if line.startswith(start)), None)
    if first is None:
        raise CourseError(f"the Lambda log has no invocation {request_id}")
    end = f"{_INVOCATION_END}{request_id}"
    last = next(i for i in range(first, len(lines)) if lines[i].startswith(end))
    return "\n".join(lines[first : last + 1])
