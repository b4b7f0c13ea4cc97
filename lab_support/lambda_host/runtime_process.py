"""The runtime process: the program that imports the handler and polls the Runtime API.

By default it is AWS's own runtime interface client (awslambdaric), as in a real
Lambda execution environment; where that does not import (it ships Linux wheels
only) the builtin loop in runtime_loop.py speaks the same protocol.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import platform
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import psutil

from lab_support.lambda_host.output_relay import OutputRelay

RIC: Final = "ric"
BUILTIN: Final = "builtin"
AUTO: Final = "auto"
_PACKAGE_ROOT: Final = Path(__file__).resolve().parents[2]
_STOP_GRACE_S: Final = 3.0
# How Go (and so Lambda's own init process) names the signals a runtime dies of.
_SIGNAL_WORDS: Final = {
    "SIGKILL": "killed",
    "SIGTERM": "terminated",
    "SIGSEGV": "segmentation fault",
    "SIGABRT": "aborted",
}


class RuntimeUnavailable(RuntimeError):
    """The requested runtime cannot run on this machine."""


@dataclass(frozen=True)
class FunctionConfig:
    """The function's configuration, as Lambda's console would show it."""

    code_dir: Path
    handler: str
    function_name: str
    memory_mb: int = 512
    timeout_s: float = 30.0
    region: str = "us-east-1"

    @property
    def arn(self) -> str:
        """The invoked function ARN, in the local cloud's account 000000000000."""
        return (
            f"arn:aws:lambda:{self.region}:000000000000:function:{self.function_name}"
        )

    @property
    def log_group(self) -> str:
        """The log group Lambda writes this function's streams to."""
        return f"/aws/lambda/{self.function_name}"


def ric_importable() -> bool:
    """Tell whether awslambdaric and its native HTTP client import in this Python."""
    try:
        client = importlib.import_module("awslambdaric.lambda_runtime_client")
    except Exception:
        return False
    return getattr(client, "runtime_client", None) is not None


def choose_runtime(requested: str, ric_ok: Callable[[], bool] = ric_importable) -> str:
    """Resolve ric, builtin or auto to the runtime that will actually run."""
    if requested == BUILTIN:
        return BUILTIN
    if requested == AUTO:
        return RIC if ric_ok() else BUILTIN
    if requested == RIC and ric_ok():
        return RIC
    if requested == RIC:
        raise RuntimeUnavailable(
            "awslambdaric does not import in this Python (it ships Linux wheels only): "
            "install it with pip on Linux, or start the host with --runtime builtin"
        )
    raise RuntimeUnavailable(f"unknown runtime {requested!r}: use ric, builtin or auto")


def runtime_label(runtime: str) -> str:
    """Name the runtime for the INIT_START line, with its version where known."""
    if runtime != RIC:
        return "lab_support builtin runtime loop"
    from awslambdaric import __version__

    return f"awslambdaric {__version__}"


def runtime_command(runtime: str, handler: str) -> list[str]:
    """Return the command line that starts the runtime process."""
    module = (
        "awslambdaric" if runtime == RIC else "lab_support.lambda_host.runtime_loop"
    )
    return [sys.executable, "-m", module, handler]


def runtime_env(
    config: FunctionConfig,
    runtime_api: str,
    runtime: str,
    base: Mapping[str, str],
    log_stream: str,
) -> dict[str, str]:
    """Return the runtime process's environment: the handler's plus Lambda's own."""
    paths = [str(config.code_dir)]
    paths += [p for p in base.get("PYTHONPATH", "").split(os.pathsep) if p]
    if runtime == BUILTIN and str(_PACKAGE_ROOT) not in paths:
        paths.append(str(_PACKAGE_ROOT))
    version = f"{sys.version_info.major}.{sys.version_info.minor}"

    env = dict(base)
    env.update(
        {
            "AWS_LAMBDA_RUNTIME_API": runtime_api,
            "LAMBDA_TASK_ROOT": str(config.code_dir),
            "AWS_LAMBDA_FUNCTION_NAME": config.function_name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": config.log_group,
            "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_EXECUTION_ENV": f"AWS_Lambda_python{version}",
            "AWS_REGION": config.region,
            "AWS_DEFAULT_REGION": base.get("AWS_DEFAULT_REGION", config.region),
            "_HANDLER": config.handler,
            "PYTHONPATH": os.pathsep.join(paths),
        }
    )
    return env


def new_log_stream(now: float | None = None) -> str:
    """Return a log stream name shaped like Lambda's: date, version, random id."""
    day = time.strftime("%Y/%m/%d", time.gmtime(now))
    return f"{day}/[$LATEST]{secrets.token_hex(16)}"


def exit_reason(returncode: int) -> str:
    """Describe a process exit the way Lambda's Runtime.ExitError message does."""
    if returncode >= 0:
        return f"exit status {returncode}"
    try:
        name = signal.Signals(-returncode).name
    except ValueError:
        return f"signal: {-returncode}"
    return f"signal: {_SIGNAL_WORDS.get(name, name)}"


def peak_rss_bytes(pid: int) -> int:
    """Return a process's peak resident memory, or its RSS where no peak is kept."""
    info = psutil.Process(pid).memory_info()
    peak = max(info.rss, getattr(info, "peak_wset", 0))
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        # Limitation: off Linux and Windows only the RSS at each sample is known.
        return peak
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return max(peak, int(line.split()[1]) * 1024)
    return peak


class RuntimeProcess:
    """One runtime process, started with Lambda's environment and stopped by pid."""

    def __init__(
        self,
        runtime: str,
        config: FunctionConfig,
        runtime_api: str,
        emit: Callable[[str], None],
    ) -> None:
        self.runtime = runtime
        self.config = config
        self.log_stream = new_log_stream()
        self.started_at = time.monotonic()
        self.init_ms: float | None = None
        self.init_error: tuple[bytes, str] | None = None
        self.served = False
        self._peak = 0
        self._dir = Path(tempfile.mkdtemp(prefix="lambda-runtime-"))
        output = self._dir / "output.log"
        env = runtime_env(config, runtime_api, runtime, os.environ, self.log_stream)
        with open(output, "ab") as sink:
            self._proc = subprocess.Popen(
                runtime_command(runtime, config.handler),
                cwd=config.code_dir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        self.pid = self._proc.pid
        self._relay = OutputRelay(output, emit)

    @property
    def asked_next(self) -> bool:
        """Tell whether the runtime finished init and asked for an invocation."""
        return self.init_ms is not None

    def mark_asked_next(self) -> None:
        """Record the end of init: the first request for an invocation."""
        if self.init_ms is None:
            self.init_ms = (time.monotonic() - self.started_at) * 1000

    def wait(self) -> int:
        """Block until the process exits; return its exit code."""
        return self._proc.wait()

    def sample_memory(self) -> int:
        """Return the peak RSS in MB seen so far, sampling the process if it runs."""
        with contextlib.suppress(psutil.Error):
            self._peak = max(self._peak, peak_rss_bytes(self.pid))
        return -(-self._peak // (1024 * 1024))

    def drain_output(self) -> None:
        """Relay all output the runtime has written so far."""
        self._relay.drain()

    def stop(self) -> None:
        """Stop the process by its pid: SIGTERM, then SIGKILL after a grace period."""
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(_STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()

    def kill(self) -> None:
        """Kill the process by its pid at once, as Lambda does on a timeout."""
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()

    def close(self) -> None:
        """Relay the last output and remove the process's output file (once)."""
        if not self._dir.exists():
            return
        self._relay.close()
        for path in self._dir.iterdir():
            path.unlink()
        self._dir.rmdir()


def python_version() -> str:
    """Return the Python version as Lambda's INIT_START names a runtime."""
    return f"python:{platform.python_version()}"
