"""Sustained pipeline throughput beside the processing step's own on this machine."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Any, Final

from imagepipe import settings as function_settings
from imagepipe.images import decode

from lab_support import client, cloud
from lab_support.bench import footprint
from lab_support.bench.stats import summary
from lab_support.config import FUNCTIONS_DIR
from lab_support.errors import CourseError

PROCESSOR_DIR: Final = FUNCTIONS_DIR / "processor"
RESULT_TIMEOUT_S: Final = 60.0
CPU_RUNS: Final = 50
_EVENT_ID: Final = "00000000-0000-4000-8000-000000000000"


def processor_module(name: str) -> ModuleType:
    """Import one module of the deployable processor from functions/processor."""
    qualified = f"lab_support.bench._processor_{name}"
    if qualified in sys.modules:
        return sys.modules[qualified]
    spec = importlib.util.spec_from_file_location(
        qualified, PROCESSOR_DIR / f"{name}.py"
    )
    if spec is None or spec.loader is None:
        raise CourseError(f"cannot load {name}.py from {PROCESSOR_DIR}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[qualified] = module
    spec.loader.exec_module(module)
    return module


def processing_step(data: bytes) -> Callable[[], bytes]:
    """Return the processor's Pillow step for data: decode, then render the result."""
    render = processor_module("image_transform").render
    settings = function_settings.load()

    def step() -> bytes:
        with decode(data) as image:
            return render(
                image,
                fit_box=settings.fit_box,
                operation=settings.operation,
                output=settings.output_format,
                event_id=_EVENT_ID,
            )

    return step


def processing_rate(step: Callable[[], bytes], threads: int, seconds: float) -> float:
    """Run step on threads threads for about seconds; return images per second."""
    deadline = time.perf_counter() + seconds
    counts = [0] * threads

    def loop(index: int) -> None:
        while time.perf_counter() < deadline:
            step()
            counts[index] += 1

    started = time.perf_counter()
    workers = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(counts) / (time.perf_counter() - started)


def processing_cpu_ms(step: Callable[[], bytes], runs: int) -> list[float]:
    """Return the CPU time of each of runs steps, which other load barely changes."""
    spent = []
    for _ in range(runs):
        started = time.process_time()
        step()
        spent.append((time.process_time() - started) * 1000)
    return spent


def processing_only(path: Path, rounds: int, seconds: float) -> dict[str, Any]:
    """Measure the Pillow step alone, on one thread and on one thread per core."""
    step = processing_step(path.read_bytes())
    step()
    cores = os.cpu_count() or 1
    report: dict[str, Any] = {}
    for threads in sorted({1, cores}):
        rates = [processing_rate(step, threads, seconds) for _ in range(rounds)]
        report[f"threads_{threads}"] = summary(rates)
    report["best"] = max(entry["median"] for entry in report.values())
    report["cpu_ms_per_image"] = summary(processing_cpu_ms(step, CPU_RUNS), digits=2)
    return report


class LogTail:
    """Read the JSON lines appended to a log file since the last read."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = path.stat().st_size

    def records(self) -> list[dict[str, Any]]:
        """Return the JSON objects of the complete lines written since last time."""
        with open(self.path, "rb") as log:
            log.seek(self.offset)
            chunk = log.read()
        complete = chunk[: chunk.rfind(b"\n") + 1]
        self.offset += len(complete)
        found = []
        for line in complete.splitlines():
            if line.startswith(b"{"):
                try:
                    found.append(json.loads(line))
                except ValueError:
                    continue
        return found


def wait_stored(tail: LogTail, event_ids: set[str]) -> dict[str, float]:
    """Wait until the processor stored every event; return when each was stored."""
    stored: dict[str, float] = {}
    deadline = time.monotonic() + RESULT_TIMEOUT_S
    while len(stored) < len(event_ids):
        for record in tail.records():
            if record.get("event_id") in event_ids and record.get("outcome") in (
                "processed",
                "duplicate",
            ):
                stored[record["event_id"]] = (
                    record["received_at"] + record["duration_ms"]
                )
        if time.monotonic() > deadline:
            raise CourseError(
                f"{len(event_ids) - len(stored)} of {len(event_ids)} uploads had no "
                f"result after {RESULT_TIMEOUT_S:.0f} s; see `python -m lab_support "
                "logs processor`"
            )
        time.sleep(0.02)
    return stored


def pipeline_round(
    local: cloud.LocalCloud, path: Path, clients: int, images: int, tail: LogTail
) -> tuple[float, list[float]]:
    """Upload images from clients at once; return images/s and each one's latency."""
    data = path.read_bytes()
    url = local.endpoints.function_url
    sent: list[tuple[str, float]] = []
    refused: list[str] = []

    def upload(count: int) -> None:
        for _ in range(count):
            started_ms = time.time() * 1000
            response = client.upload_bytes(url, path.name, data)
            if response.status != 202:
                refused.append(f"{response.status} {response.body[:200]!r}")
                return
            sent.append((response.json()["event_id"], started_ms))

    shares = [images // clients + (i < images % clients) for i in range(clients)]
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(upload, shares))
    if refused:
        raise CourseError(f"the Function URL refused uploads: {refused[0]}")

    stored = wait_stored(tail, {event_id for event_id, _ in sent})
    first_ms = min(started for _, started in sent)
    elapsed_s = (max(stored.values()) - first_ms) / 1000
    latencies = [stored[event_id] - started for event_id, started in sent]
    return len(sent) / elapsed_s, latencies


def pipeline(
    local: cloud.LocalCloud, path: Path, clients: int, images: int, rounds: int
) -> dict[str, Any]:
    """Measure sustained pipeline throughput over rounds of concurrent uploads."""
    tail = LogTail(Path(local.services["processor"].log))
    pipeline_round(local, path, clients, clients, tail)
    rates, latencies = [], []
    cpu_before = footprint.service_cpu(local)
    for _ in range(rounds):
        rate, times = pipeline_round(local, path, clients, images, tail)
        rates.append(rate)
        latencies += times
    cpu_after = footprint.service_cpu(local)
    sent = rounds * images
    return {
        "clients": clients,
        "images_per_round": images,
        "images_per_s": summary(rates),
        "latency_under_load_ms": summary(latencies),
        "cpu_ms_per_image": {
            name: round((cpu_after[name] - used) * 1000 / sent, 2)
            for name, used in cpu_before.items()
            if name in cpu_after
        },
    }
