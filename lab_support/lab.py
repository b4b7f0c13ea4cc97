"""`make lab`: the local cloud and JupyterLab together, stopped together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from lab_support import cloud
from lab_support.config import PROJECT_ROOT


def _jupyter_command() -> list[str]:
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.root_dir={PROJECT_ROOT / 'notebooks'}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # Jupyter refuses root unless told; containers and CI often are root.
        command.append("--allow-root")
    return command


def run() -> int:
    """Start (or reuse) the local cloud, run JupyterLab, stop what was started."""
    with cloud.start() as local:
        print(local.describe(), flush=True)
        jupyter = subprocess.Popen(_jupyter_command())
        # Ctrl-C belongs to JupyterLab, which asks to confirm and shuts its
        # kernels down; this process waits for it, then stops the cloud.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            return jupyter.wait()
        finally:
            signal.signal(signal.SIGINT, previous)
