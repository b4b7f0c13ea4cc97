"""Summaries the benchmark reports: median and 95th percentile of repeated runs."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any


def p95(values: Sequence[float]) -> float:
    """Return the 95th percentile, interpolated between the closest runs."""
    if len(values) == 1:
        return float(values[0])
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def summary(values: Sequence[float], digits: int = 1) -> dict[str, Any]:
    """Return {median, p95, runs} of values, rounded to digits."""
    if not values:
        raise ValueError("a summary needs at least one measured run")
    return {
        "median": round(statistics.median(values), digits),
        "p95": round(p95(values), digits),
        "runs": len(values),
    }
