"""Start, watch and stop the local cloud's child processes by their pid."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import psutil

from lab_support.cloud.errors import StartupError

HOST = "127.0.0.1"

# Popen objects of the children this interpreter started, so a stop can reap them
# and no zombie is left behind that still answers os.kill(pid, 0).
_CHILDREN: dict[int, subprocess.Popen] = {}


def free_port() -> int:
    """Ask the kernel for a port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def port_open(port: int, timeout: float = 0.25) -> bool:
    """Tell whether something accepts TCP connections on 127.0.0.1:port."""
    try:
        with socket.create_connection((HOST, port), timeout=timeout):
            return True
    except OSError:
        return False


def spawn(
    command: Sequence[str],
    log_path: Path,
    env: Mapping[str, str],
    cwd: Path | None = None,
) -> subprocess.Popen:
    """Start a command in its own session, its stdout and stderr going to log_path."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            list(command),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env),
            cwd=cwd,
            start_new_session=True,
        )
    _CHILDREN[proc.pid] = proc
    return proc


def create_time(pid: int) -> float | None:
    """Return when the process pid started, or None when there is no such process."""
    try:
        return psutil.Process(pid).create_time()
    except psutil.Error:
        return None


def alive(pid: int, started: float | None) -> bool:
    """Tell whether pid is still the process recorded as started at `started`."""
    _reap(pid)
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return False
        return started is None or abs(proc.create_time() - started) < 0.01
    except psutil.Error:
        return False


def stop(pid: int, started: float | None, timeout: float = 5.0) -> str:
    """Stop the process group led by pid (SIGTERM, wait, SIGKILL); say what happened."""
    return stop_all([(pid, started)], timeout)[pid]


def stop_all(
    processes: Sequence[tuple[int, float | None]], timeout: float = 5.0
) -> dict[int, str]:
    """Stop several process groups at once, each only if its leader is still ours."""
    outcome: dict[int, str] = {}
    live = _live_groups()
    for pid, started in processes:
        current = create_time(pid)
        reused = started is not None and current is not None
        if reused and abs(current - started) > 0.01:
            outcome[pid] = "left alone: the pid now belongs to another program"
        elif current is None and pid not in live:
            _reap(pid)
            outcome[pid] = "had already stopped"
        else:
            _signal_group(pid, signal.SIGTERM)
    waiting = {pid for pid, _ in processes if pid not in outcome}

    deadline = time.monotonic() + timeout
    while waiting and time.monotonic() < deadline:
        time.sleep(0.05)
        for pid in waiting:
            _reap(pid)
        waiting &= _live_groups()
    for pid in waiting:
        _signal_group(pid, signal.SIGKILL)
    for pid, _ in processes:
        # A group can look gone a moment before its leader has exited; waiting
        # for our own child here leaves neither a zombie nor a live process.
        _reap_blocking(pid)
        outcome.setdefault(pid, "stopped")
    for pid in waiting:
        outcome[pid] = "killed: it ignored SIGTERM"
        _reap_blocking(pid)
    return outcome


def wait_ready(
    name: str,
    proc: subprocess.Popen,
    ready: Callable[[], bool],
    log_path: Path,
    timeout: float,
) -> None:
    """Wait until ready() holds; raise StartupError quoting the log if it never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        if proc.poll() is not None:
            raise StartupError(
                f"{name} exited with code {proc.returncode} while starting. "
                f"Last lines of {log_path}:\n{tail(log_path, 15)}\n"
                "Fix the cause shown above, then run `python -m lab_support up` again."
            )
        time.sleep(0.05)
    raise StartupError(
        f"{name} was not ready after {timeout:.0f} s. Last lines of {log_path}:\n"
        f"{tail(log_path, 15)}\n"
        "If the machine is just slow, set LAB_START_TIMEOUT to more seconds and run "
        "`python -m lab_support up` again."
    )


def tail(path: Path, lines: int = 50) -> str:
    """Return the last `lines` lines of a text file, or a note when there is none."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return "".join(deque(handle, maxlen=lines)).rstrip("\n")
    except FileNotFoundError:
        return f"(no log yet at {path})"


def log_contains(path: Path, text: str) -> bool:
    """Tell whether text occurs in the log file at path."""
    try:
        return text in path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return False


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _live_groups() -> set[int]:
    """Return the process groups that still hold a live (not zombie) process."""
    groups: set[int] = set()
    for proc in psutil.process_iter(["status"]):
        try:
            if proc.info["status"] != psutil.STATUS_ZOMBIE:
                groups.add(os.getpgid(proc.pid))
        except (OSError, psutil.Error):
            continue
    return groups


def _reap(pid: int) -> None:
    """Collect the exit status of our own child so it does not linger as a zombie."""
    proc = _CHILDREN.get(pid)
    if proc is not None and proc.poll() is not None:
        del _CHILDREN[pid]


def _reap_blocking(pid: int) -> None:
    """Wait briefly for a SIGKILLed child of ours, so its pid is really gone."""
    proc = _CHILDREN.pop(pid, None)
    if proc is not None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=2)


def http_answers(port: int, path: str = "/", want: int | None = None) -> bool:
    """Tell whether an HTTP server on 127.0.0.1:port answers GET path (with `want`)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=2)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()
    return want is None or response.status == want
