"""The benchmark's quick run: the shape of its JSON and its report, never its timings.

Numbers differ from machine to machine and run to run, so nothing here asserts
a time; the targets are judged by the benchmark itself and printed as ratios.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import pytest

from lab_support import bench, trace
from lab_support.bench import encoding, latency, report
from lab_support.bench.stats import summary

STAT_KEYS = {"median", "p95", "runs"}


def is_stat(value) -> bool:
    """Tell whether value is a {median, p95, runs} summary of at least one run."""
    return (
        isinstance(value, dict)
        and set(value) == STAT_KEYS
        and value["runs"] >= 1
        and value["median"] <= value["p95"]
    )


@pytest.fixture(scope="module")
def quick_run():
    """Run `bench --quick --json` once, as the command line does, on its own cloud."""
    done = subprocess.run(
        [sys.executable, "-m", "lab_support.bench", "--quick", "--json"],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_summary_gives_median_p95_and_the_number_of_runs():
    assert summary([4.0, 1.0, 2.0, 3.0, 100.0]) == {
        "median": 3.0,
        "p95": 80.8,
        "runs": 5,
    }
    assert summary([7.25]) == {"median": 7.2, "p95": 7.2, "runs": 1}
    with pytest.raises(ValueError, match="at least one"):
        summary([])


def test_target_ratio_is_measured_over_limit_and_says_whether_it_is_met():
    at_most = report.Target("t", "a time", 100.0, "ms", at_most=True)
    at_least = report.Target("r", "a ratio", 0.5, "", at_most=False)

    assert at_most.verdict(54.0)["ratio"] == 0.54
    assert at_most.verdict(54.0)["met"] is True
    assert at_most.verdict(120.0)["met"] is False
    assert at_least.verdict(0.25) | {"what": None} == {
        "name": "r",
        "what": None,
        "measured": 0.25,
        "limit": 0.5,
        "unit": "",
        "at_most": False,
        "ratio": 0.5,
        "met": False,
    }


@pytest.mark.integration
def test_quick_run_reports_every_section(quick_run):
    assert quick_run["schema"] == bench.SCHEMA_VERSION
    assert quick_run["quick"] is True
    assert quick_run["plan"] == dataclasses.asdict(bench.QUICK)
    assert set(quick_run) == {
        "schema",
        "quick",
        "plan",
        "machine",
        "latency_ms",
        "latency_after_idle_ms",
        "throughput",
        "encoding",
        "memory",
        "startup_s",
        "nbval",
        "targets",
    }
    assert quick_run["machine"]["delivery"] in ("pull", "push")
    assert quick_run["nbval"] == {"skipped": "--quick skips it"}
    assert is_stat(quick_run["startup_s"])


@pytest.mark.integration
def test_quick_run_times_every_photo_end_to_end_and_hop_by_hop(quick_run):
    photos = quick_run["latency_ms"]

    assert set(photos) == {path.name for path in latency.photos()}
    for photo in [*photos.values(), quick_run["latency_after_idle_ms"]]:
        assert is_stat(photo["to_s3"]) and is_stat(photo["total"])
        assert set(photo["hops"]) == set(trace.HOPS)
        assert all(is_stat(stat) for stat in photo["hops"].values())


@pytest.mark.integration
def test_quick_run_sets_pipeline_throughput_beside_processing_alone(quick_run):
    flow = quick_run["throughput"]
    pipeline, alone = flow["pipeline"], flow["processing_only"]

    assert is_stat(pipeline["images_per_s"])
    assert is_stat(pipeline["latency_under_load_ms"])
    assert {"processor", "relay", "pubsub", "s3", "lambda", "clients"} <= set(
        pipeline["cpu_ms_per_image"]
    )
    rates = {k: v for k, v in alone.items() if k.startswith("threads_")}
    assert "threads_1" in rates and all(is_stat(v) for v in rates.values())
    assert alone["best"] == max(v["median"] for v in rates.values())
    assert is_stat(alone["cpu_ms_per_image"])
    assert flow["ratio"] == round(pipeline["images_per_s"]["median"] / alone["best"], 3)
    assert flow["cpu_bound_ratio"] > 0


@pytest.mark.integration
def test_quick_run_compares_content_modes_on_the_same_event(quick_run):
    codec = quick_run["encoding"]

    assert codec["image"] == "grace_hopper.jpg"
    for mode in encoding.MODES:
        row = codec[mode]
        assert row["wire_bytes"] == row["metadata_bytes"] + row["payload_bytes"]
        assert is_stat(row["encode_us"]) and is_stat(row["decode_us"])
    # Binary mode carries the image as it is; structured mode base64-encodes it.
    assert codec["http_binary"]["payload_bytes"] == codec["image_bytes"]
    assert codec["pubsub_binary"]["payload_bytes"] == codec["image_bytes"]
    assert codec["http_structured"]["payload_bytes"] > codec["image_bytes"] * 4 / 3


@pytest.mark.integration
def test_quick_run_judges_each_target_and_renders_the_ratios(quick_run):
    memory = quick_run["memory"]
    assert is_stat(memory["under_load_total_mb"])
    assert set(memory["after_start_mb"]) >= {"s3", "pubsub", "processor", "relay"}

    verdicts = quick_run["targets"]
    assert [v["name"] for v in verdicts] == [t.name for t in report.TARGETS]
    assert all(isinstance(v["met"], bool) and v["ratio"] > 0 for v in verdicts)
    text = report.render(quick_run)
    assert all(target.what in text for target in report.TARGETS)
    assert "ratio" in text and "nbval run: skipped" in text


@pytest.mark.integration
def test_quick_figures_give_a_notebook_the_hop_times_and_content_modes(local_cloud):
    figures = bench.quick_figures(local_cloud, runs=2)

    assert figures["image"] == "grace_hopper.jpg" and figures["runs"] == 2
    assert list(figures["hops_ms"]) == list(trace.HOPS)
    assert all(ms >= 0 for ms in figures["hops_ms"].values())
    assert figures["to_s3_ms"] > 0 and figures["total_ms"] > 0
    assert list(figures["content_modes"]) == list(encoding.MODES)
    for row in figures["content_modes"].values():
        assert set(row) == {"wire_bytes", "overhead_pct", "encode_us", "decode_us"}
