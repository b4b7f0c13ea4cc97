"""`make lab`: the local cloud and JupyterLab together, stopped together."""

from __future__ import annotations

import subprocess
import sys

from lab_support import cloud
from lab_support.config import PROJECT_ROOT


def run() -> int:
    """Start (or reuse) the local cloud, run JupyterLab, stop what was started."""
    with cloud.start() as local:
        print(local.describe(), flush=True)
        command = [
            sys.executable,
            "-m",
            "jupyterlab",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.root_dir={PROJECT_ROOT / 'notebooks'}",
        ]
        try:
            return subprocess.call(command)
        except KeyboardInterrupt:
            return 130
