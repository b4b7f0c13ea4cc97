"""Run the benchmark on its own local cloud, in a temporary state folder."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from lab_support import cloud
from lab_support.cloud import procs

# Where a private local cloud keeps its state, output and staged bundles.
_FOLDERS: Final = {
    "LAB_STATE_DIR": "state",
    "LAB_OUTPUT_DIR": "output",
    "LAB_BUILD_DIR": "build",
}
READY_TIMEOUT_S: Final = 30.0


@dataclass
class Session:
    """The local cloud the benchmark runs on, and whether it was already running."""

    local: cloud.LocalCloud
    reused: bool


@contextlib.contextmanager
def environment(overrides: Mapping[str, str | None]) -> Iterator[None]:
    """Set (or, for None, unset) environment variables; restore them afterwards."""
    saved = {name: os.environ.get(name) for name in overrides}
    try:
        for name, value in overrides.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def private_folders(root: Path) -> dict[str, str | None]:
    """Return the variables that give a local cloud its own folders under root."""
    folders: dict[str, str | None] = {
        name: str(root / sub) for name, sub in _FOLDERS.items()
    }
    # The benchmark measures its own emulator, never one started elsewhere.
    folders["PUBSUB_EMULATOR_HOST"] = None
    return folders


def answering(report: dict) -> bool:
    """Tell whether every endpoint in a status() report answers a request."""
    checks = []
    for name, service in report["services"].items():
        if name == "pubsub":
            checks.append(procs.port_open(service["port"]))
        elif name == "relay":
            checks.append(procs.http_answers(service["port"], "/healthz", want=200))
        else:
            checks.append(procs.http_answers(service["port"], "/robots.txt"))
    return bool(checks) and all(checks)


@contextlib.contextmanager
def private_home(prefix: str, output_only: bool = False) -> Iterator[Path]:
    """Point the local cloud (or only the demo's output) at a new temporary folder."""
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        root = Path(folder)
        overrides = private_folders(root)
        if output_only:
            overrides = {"LAB_OUTPUT_DIR": overrides["LAB_OUTPUT_DIR"]}
        with environment(overrides):
            yield root


@contextlib.contextmanager
def open_cloud(reuse: bool) -> Iterator[Session]:
    """Yield the running local cloud when reuse asks for it, else a private one."""
    if reuse and cloud.status()["running"]:
        with private_home("lab-bench-", output_only=True):
            yield Session(cloud.up(), reused=True)
        return

    with private_home("lab-bench-"):
        try:
            yield Session(cloud.up(), reused=False)
        finally:
            cloud.down()


def timed_up() -> float:
    """Run `python -m lab_support up` as a learner does; return seconds to ready.

    The clock runs from starting the command until every endpoint answers, so
    the interpreter's start, the imports and the staging of the bundles count.
    """
    command = [sys.executable, "-m", "lab_support", "up"]
    started = time.perf_counter()
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=READY_TIMEOUT_S * 4
    )
    if done.returncode != 0:
        raise cloud.StartupError(
            f"`python -m lab_support up` failed (exit {done.returncode}):\n"
            f"{done.stderr.strip()[-600:]}"
        )
    deadline = started + READY_TIMEOUT_S
    while not answering(cloud.status()):
        if time.perf_counter() > deadline:
            raise cloud.StartupError(
                "the local cloud started but not every endpoint answered within "
                f"{READY_TIMEOUT_S:.0f} s; see `python -m lab_support status`"
            )
        time.sleep(0.01)
    return time.perf_counter() - started


def startups(count: int) -> list[float]:
    """Start and stop count fresh private local clouds; return each start-up time."""
    times = []
    for _ in range(count):
        with private_home("lab-bench-up-"):
            try:
                times.append(timed_up())
            finally:
                cloud.down()
    return times
