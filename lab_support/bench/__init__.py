"""Measure the pipeline on this machine and hold it to the project's targets.

`python -m lab_support bench [--json] [--quick]` starts a private local cloud
(or, with --reuse, uses the running one), then measures end-to-end latency hop
by hop for every bundled photo, sustained throughput beside the processing
step's own, bytes and codec time of each content mode, start-up time, resident
memory and, unless --quick, the wall time of the whole nbval run. Machines
differ, so the report prints each target's ratio, not only absolute times.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import platform
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import psutil

from lab_support import cloud, relay_pull
from lab_support.bench import encoding, footprint, latency, report, session
from lab_support.bench import throughput as flow
from lab_support.bench.report import TARGETS
from lab_support.bench.stats import summary
from lab_support.config import DEFAULT_IMAGE
from lab_support.errors import CourseError

__all__ = ["TARGETS", "Plan", "main", "quick_figures", "run"]

SCHEMA_VERSION: Final = 1


@dataclass(frozen=True)
class Plan:
    """How many runs of each measurement; more runs, steadier medians."""

    quick: bool
    latency_runs: int
    latency_warmup: int
    idle_runs: int
    clients: int
    images_per_round: int
    throughput_rounds: int
    processing_rounds: int
    processing_seconds: float
    codec_runs: int
    startups: int
    nbval: bool


FULL: Final = Plan(False, 30, 3, 5, 4, 60, 5, 5, 1.0, 500, 5, True)
QUICK: Final = Plan(True, 3, 1, 2, 4, 16, 2, 2, 0.3, 50, 1, False)


def _machine(delivery: str) -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "date": datetime.date.today().isoformat(),
        "delivery": delivery,
        "load_1m_before": round(os.getloadavg()[0], 2),
    }


def _delivery(local: cloud.LocalCloud) -> str:
    relay = local.services.get("relay")
    return (relay.extra.get("delivery") if relay else None) or "push"


def _cpu_bound_ratio(pipeline: dict[str, Any], alone: dict[str, Any]) -> float:
    """Return the ratio CPU alone would allow: step CPU over the services' CPU."""
    services = sum(
        ms for name, ms in pipeline["cpu_ms_per_image"].items() if name != "clients"
    )
    return round(alone["cpu_ms_per_image"]["median"] / services, 3)


def run(plan: Plan = FULL, reuse: bool = False) -> dict[str, Any]:
    """Run every measurement of plan and return the results as plain data."""
    results: dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "quick": plan.quick,
        "plan": dataclasses.asdict(plan),
    }
    with session.open_cloud(reuse) as bench:
        local = bench.local
        results["machine"] = _machine(_delivery(local))
        after_start = footprint.service_rss(local)
        results["encoding"] = encoding.compare(DEFAULT_IMAGE, plan.codec_runs)
        alone = flow.processing_only(
            DEFAULT_IMAGE, plan.processing_rounds, plan.processing_seconds
        )
        results["latency_ms"] = latency.per_photo(
            local, plan.latency_runs, plan.latency_warmup
        )
        results["latency_after_idle_ms"] = latency.after_idle(
            local, DEFAULT_IMAGE, plan.idle_runs, relay_pull.HOT_WINDOW_S + 0.5
        )
        with footprint.MemorySampler(local) as sampler:
            pipeline = flow.pipeline(
                local,
                DEFAULT_IMAGE,
                plan.clients,
                plan.images_per_round,
                plan.throughput_rounds,
            )
        results["throughput"] = {
            "image": DEFAULT_IMAGE.name,
            "pipeline": pipeline,
            "processing_only": alone,
            "ratio": round(pipeline["images_per_s"]["median"] / alone["best"], 3),
            "cpu_bound_ratio": _cpu_bound_ratio(pipeline, alone),
        }
        owned = bool(after_start)
        results["memory"] = (
            footprint.memory_report(after_start, sampler) if owned else None
        )

    results["startup_s"] = summary(session.startups(plan.startups), digits=2)
    results["nbval"] = (
        footprint.nbval_run() if plan.nbval else {"skipped": "--quick skips it"}
    )
    results["machine"]["load_1m_after"] = round(os.getloadavg()[0], 2)
    results["targets"] = report.verdicts(results)
    return results


def quick_figures(
    local: cloud.LocalCloud | None = None, runs: int = 5, image: Path = DEFAULT_IMAGE
) -> dict[str, Any]:
    """Measure what a notebook plots: one photo's hop times, and the content modes."""
    if local is None:
        with session.open_cloud(reuse=True) as bench:
            return quick_figures(bench.local, runs, image)

    with session.private_home("lab-bench-figures-", output_only=True):
        trips = latency.per_photo(local, runs, warmup=1, only=[image])
    measured = trips[image.name]
    codec = encoding.compare(image, runs=50)
    return {
        "image": image.name,
        "image_bytes": codec["image_bytes"],
        "delivery": _delivery(local),
        "runs": runs,
        "hops_ms": {hop: stat["median"] for hop, stat in measured["hops"].items()},
        "to_s3_ms": measured["to_s3"]["median"],
        "total_ms": measured["total"]["median"],
        "content_modes": {
            mode: {
                "wire_bytes": row["wire_bytes"],
                "overhead_pct": row["overhead_pct"],
                "encode_us": row["encode_us"]["median"],
                "decode_us": row["decode_us"]["median"],
            }
            for mode, row in codec.items()
            if mode in encoding.MODES
        },
    }


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m lab_support bench",
        description="Measure the pipeline on the local cloud and print each "
        "target's ratio.",
    )
    parser.add_argument("--json", action="store_true", help="print the results JSON")
    parser.add_argument(
        "--quick", action="store_true", help="few runs, no nbval: under a minute"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure the running local cloud instead of starting a private one",
    )
    parser.add_argument("--save", metavar="FILE", help="also write the JSON to FILE")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark from the command line; 0 once it ran, whatever it found."""
    args = _parser().parse_args(argv)
    try:
        results = run(QUICK if args.quick else FULL, reuse=args.reuse)
    except CourseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    text = json.dumps(results, indent=2)
    if args.save:
        Path(args.save).write_text(text + "\n", encoding="utf-8")
    print(text if args.json else report.render(results))
    return 0
