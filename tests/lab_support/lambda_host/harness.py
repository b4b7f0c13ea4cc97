"""Start the real Lambda host as a child process, talk to it, and stop it by pid."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from lab_support.config import PROJECT_ROOT

HANDLERS = Path(__file__).resolve().parent / "handlers"
READY = re.compile(
    r"^ready url=http://127\.0\.0\.1:(\d+) runtime_api=127\.0\.0\.1:(\d+)$"
)
START_TIMEOUT_S = 20.0


def free_port() -> int:
    """Ask the kernel for a free port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Reply:
    """An HTTP response, read whole."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        """Return the first value of a header, by case-insensitive name."""
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


@dataclass
class Host:
    """One running Lambda host, its log file and every runtime process it ran."""

    proc: subprocess.Popen
    log: Path
    url_port: int
    runtime_port: int
    runtimes: dict[int, psutil.Process] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """Return the host's stdout so far, line by line."""
        return self.log.read_text(encoding="utf-8", errors="replace").splitlines()

    def wait_for_line(self, pattern: str, timeout: float = START_TIMEOUT_S) -> str:
        """Wait until a line matches the regex; fail with the log if none does."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = next((ln for ln in self.lines() if re.search(pattern, ln)), None)
            if found is not None:
                return found
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        raise AssertionError(f"no line matches {pattern!r}; log:\n" + self.text())

    def text(self) -> str:
        """Return the host's stdout so far."""
        return self.log.read_text(encoding="utf-8", errors="replace")

    def invocation(self, request_id: str) -> list[str]:
        """Return the log lines from START to REPORT of one request."""
        lines = self.lines()
        start = lines.index(f"START RequestId: {request_id} Version: $LATEST")
        end = next(
            i
            for i, line in enumerate(lines)
            if line.startswith(f"REPORT RequestId: {request_id}\t")
        )
        return lines[start : end + 1]

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        port: int | None = None,
        timeout: float = 30.0,
    ) -> Reply:
        """Send one request to the function URL (or another port); read the reply."""
        connection = http.client.HTTPConnection(
            "127.0.0.1", port or self.url_port, timeout=timeout
        )
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return Reply(response.status, response.getheaders(), response.read())
        finally:
            connection.close()

    def runtime_pids(self) -> set[int]:
        """Return the pids of the host's live runtime processes, remembering each."""
        children = psutil.Process(self.proc.pid).children(recursive=True)
        for child in children:
            self.runtimes.setdefault(child.pid, child)
        return {
            child.pid for child in children if child.status() != psutil.STATUS_ZOMBIE
        }

    def stop(self) -> int:
        """Stop the host with SIGTERM by its pid; return its exit code."""
        if self.proc.poll() is None:
            self.runtime_pids()
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("the host did not stop on SIGTERM") from None
        return self.proc.returncode

    def leftovers(self) -> list[int]:
        """Return the runtime processes that outlived their host."""
        return [pid for pid, proc in self.runtimes.items() if _alive(proc)]


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def host_env() -> dict[str, str]:
    """Return this environment with the project importable, as the cloud sets it."""
    return {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}


def start_host(
    workdir: Path,
    runtime: str,
    handler: str = "handler.handler",
    *,
    timeout_s: float = 30.0,
    wait_ready: bool = True,
    extra: tuple[str, ...] = (),
    url_port: int | None = None,
) -> Host:
    """Start the host on free ports, its stdout in a log file, as the cloud does."""
    workdir.mkdir(parents=True, exist_ok=True)
    url_port = url_port or free_port()
    runtime_port = free_port()
    log = workdir / "lambda.log"
    env = host_env()
    command = [sys.executable, "-m", "lab_support.lambda_host", "--code", str(HANDLERS)]
    command += ["--handler", handler, "--runtime", runtime]
    command += ["--runtime-port", str(runtime_port), "--url-port", str(url_port)]
    command += ["--function-name", "test-function", "--timeout-s", str(timeout_s)]
    command += list(extra)
    with open(log, "wb") as sink, open(workdir / "lambda.err", "wb") as errors:
        proc = subprocess.Popen(
            command, stdout=sink, stderr=errors, stdin=subprocess.DEVNULL, env=env
        )
    host = Host(proc, log, url_port, runtime_port)
    if wait_ready:
        try:
            host.wait_for_line(READY.pattern)
        except AssertionError:
            host.stop()
            raise
    return host
