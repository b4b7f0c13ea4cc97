"""The CloudWatch-style lines Lambda writes around each invocation, and their writer.

The formats are the ones a Python function's log stream shows in CloudWatch Logs:
START, END and REPORT per invocation, INIT_START and INIT_REPORT per cold start.
"""

from __future__ import annotations

import math
import threading
import time
from typing import Final, TextIO

VERSION: Final = "$LATEST"


class LogWriter:
    """Write whole lines to one stream from many threads, flushing each line."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def line(self, text: str) -> None:
        """Write one line and flush it, so a reader tailing the log sees it now."""
        with self._lock:
            self._stream.write(text + "\n")
            self._stream.flush()


def billed_ms(duration_ms: float, init_duration_ms: float | None = None) -> int:
    """Return the billed duration: whole milliseconds, rounded up.

    Since 1 August 2025 Lambda bills the INIT phase of managed runtimes too (AWS
    Compute Blog, "AWS Lambda standardizes billing for INIT Phase"), so a cold
    start's Init Duration is part of its Billed Duration.
    """
    return math.ceil(duration_ms + (init_duration_ms or 0.0))


def start_line(request_id: str) -> str:
    """Return the START line Lambda writes when it hands an event to the runtime."""
    return f"START RequestId: {request_id} Version: {VERSION}"


def end_line(request_id: str) -> str:
    """Return the END line Lambda writes when the invocation is over."""
    return f"END RequestId: {request_id}"


def report_line(
    request_id: str,
    *,
    duration_ms: float,
    memory_mb: int,
    max_memory_mb: int,
    init_duration_ms: float | None = None,
    status: str | None = None,
    error_type: str | None = None,
) -> str:
    """Return the REPORT line: durations, memory, and the status of a failed run."""
    fields = [
        f"REPORT RequestId: {request_id}",
        f"Duration: {duration_ms:.2f} ms",
        f"Billed Duration: {billed_ms(duration_ms, init_duration_ms)} ms",
        f"Memory Size: {memory_mb} MB",
        f"Max Memory Used: {max_memory_mb} MB",
    ]
    if init_duration_ms is not None:
        fields.append(f"Init Duration: {init_duration_ms:.2f} ms")
    if status is not None:
        fields.append(f"Status: {status}")
    if error_type is not None:
        fields.append(f"Error Type: {error_type}")
    return "\t".join(fields)


def timeout_message(request_id: str, timeout_s: float, now: float) -> str:
    """Return Lambda's timeout line: time, request id, and the configured limit."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now))
    millis = int(now * 1000) % 1000
    limit = f"{timeout_s:.2f}"
    return f"{stamp}.{millis:03d}Z {request_id} Task timed out after {limit} seconds"


def exit_message(request_id: str, reason: str) -> str:
    """Return Lambda's line for a runtime process that died during an invocation."""
    return f"RequestId: {request_id} Error: Runtime exited with error: {reason}"


def init_start_line(runtime_version: str, runtime: str) -> str:
    """Return the INIT_START line of a cold start, naming the runtime that runs."""
    return f"INIT_START Runtime Version: {runtime_version}\tRuntime: {runtime}"


def init_report_line(init_duration_ms: float, error_type: str) -> str:
    """Return the INIT_REPORT line Lambda writes when a cold start fails."""
    return (
        f"INIT_REPORT Init Duration: {init_duration_ms:.2f} ms\tPhase: init"
        f"\tStatus: error\tError Type: {error_type}"
    )
