"""What the local cloud costs the machine: resident memory, and the nbval run's time."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Final

import psutil

from lab_support import cloud
from lab_support.bench.stats import summary
from lab_support.cloud import procs
from lab_support.config import PROJECT_ROOT

MB: Final = 1024 * 1024
NBVAL_TIMEOUT_S: Final = 1800
_COUNTS: Final = re.compile(r"(\d+) (passed|failed|skipped|errors?|xfailed|xpassed)")


def _processes(local: cloud.LocalCloud) -> dict[str, list[psutil.Process]]:
    """Return each owned, live service's process and all its descendants."""
    found = {}
    for name, service in local.services.items():
        if service.external or service.pid is None:
            continue
        if not procs.alive(service.pid, service.create_time):
            continue
        try:
            leader = psutil.Process(service.pid)
            found[name] = [leader, *leader.children(recursive=True)]
        except psutil.NoSuchProcess:
            continue
    return found


def _total(members: list[psutil.Process], measure) -> float:
    total = 0.0
    for member in members:
        try:
            total += measure(member)
        except psutil.NoSuchProcess:
            continue
    return total


def service_rss(local: cloud.LocalCloud) -> dict[str, float]:
    """Return each owned service's resident memory in MB, children included."""
    return {
        name: round(_total(members, lambda p: p.memory_info().rss) / MB, 1)
        for name, members in _processes(local).items()
    }


def _cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def service_cpu(local: cloud.LocalCloud) -> dict[str, float]:
    """Return the CPU seconds each owned service has used, children included."""
    used = {
        name: _total(members, _cpu_seconds)
        for name, members in _processes(local).items()
    }
    used["clients"] = _cpu_seconds(psutil.Process())
    return used


class MemorySampler:
    """Sample the local cloud's total resident memory on a thread while work runs."""

    def __init__(self, local: cloud.LocalCloud, every_s: float = 0.25) -> None:
        self.local = local
        self.every_s = every_s
        self.totals: list[float] = []
        self.peak: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()

    def sample(self) -> None:
        """Take one sample now; keep each service's largest size."""
        sizes = service_rss(self.local)
        self.totals.append(sum(sizes.values()))
        for name, size in sizes.items():
            self.peak[name] = max(size, self.peak.get(name, 0.0))

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            self.sample()


def memory_report(after_start: dict[str, float], sampler: MemorySampler):
    """Return resident memory after start-up and while the pipeline was busy."""
    return {
        "after_start_total_mb": round(sum(after_start.values()), 1),
        "after_start_mb": after_start,
        "under_load_total_mb": summary(sampler.totals),
        "under_load_peak_mb": sampler.peak,
    }


def nbval_run() -> dict[str, Any]:
    """Run every notebook under nbval once, on its own local cloud; time it."""
    notebooks = PROJECT_ROOT / "notebooks"
    if not notebooks.is_dir():
        return {"skipped": f"no notebooks folder at {notebooks}"}
    command = [sys.executable, "-m", "pytest", "notebooks", "--nbval"]
    command += ["--nbval-current-env", "-q", "-p", "no:cacheprovider"]
    command += ["--nbval-sanitize-with", "tests/nbval_sanitize.cfg"]
    with tempfile.TemporaryDirectory(prefix="lab-bench-nbval-") as folder:
        root = Path(folder)
        env = {k: v for k, v in os.environ.items() if k != "PUBSUB_EMULATOR_HOST"}
        env |= {
            "LAB_STATE_DIR": str(root / "state"),
            "LAB_OUTPUT_DIR": str(root / "output"),
            "LAB_BUILD_DIR": str(root / "build"),
        }
        started = time.perf_counter()
        done = subprocess.run(
            command,
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=NBVAL_TIMEOUT_S,
        )
        wall_s = time.perf_counter() - started
    lines = done.stdout.strip().splitlines() or [""]
    counts = {kind: int(n) for n, kind in _COUNTS.findall(lines[-1])}
    return {
        "wall_s": summary([wall_s]),
        "exit_code": done.returncode,
        "notebooks": len(list(notebooks.glob("*.ipynb"))),
        "cells": counts,
        "failed": [
            line[len("FAILED ") :] for line in lines if line.startswith("FAILED ")
        ],
    }
