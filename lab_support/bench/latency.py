"""End-to-end latency of each bundled photo, upload to result in S3, hop by hop."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lab_support import cloud, demo, trace
from lab_support.bench.stats import summary
from lab_support.config import SAMPLE_IMAGES


def photos() -> list[Path]:
    """Return the bundled sample photos (not the tricky files), by name."""
    return sorted(p for p in SAMPLE_IMAGES.iterdir() if p.is_file() and p.suffix)


def trip(local: cloud.LocalCloud, path: Path) -> dict[str, float]:
    """Send one photo; return its hop times, round trip and upload-to-S3 time."""
    started_ms = time.time() * 1000
    result = demo.send(local, path)
    processor = result.trace.processor
    stored_ms = processor["received_at"] + processor["duration_ms"]
    return {**result.trace.timings_ms, "to_s3": stored_ms - started_ms}


def summarise(trips: Sequence[dict[str, float]]) -> dict[str, Any]:
    """Return median and p95 of the upload-to-S3 time, the round trip and each hop."""
    return {
        "to_s3": summary([t["to_s3"] for t in trips]),
        "total": summary([t["total"] for t in trips]),
        "hops": {hop: summary([t[hop] for t in trips]) for hop in trace.HOPS},
    }


def per_photo(
    local: cloud.LocalCloud, runs: int, warmup: int, only: Sequence[Path] | None = None
) -> dict[str, Any]:
    """Send every photo warmup + runs times, one at a time; summarise the runs."""
    report: dict[str, Any] = {}
    for path in only or photos():
        trips = [trip(local, path) for _ in range(warmup + runs)][warmup:]
        report[path.name] = {"bytes": path.stat().st_size, **summarise(trips)}
    return report


def after_idle(local: cloud.LocalCloud, path: Path, runs: int, idle_s: float):
    """Send a photo runs times, each after idle_s of silence; summarise the runs."""
    trips = []
    for _ in range(runs):
        time.sleep(idle_s)
        trips.append(trip(local, path))
    return {"idle_s": idle_s, **summarise(trips)}
