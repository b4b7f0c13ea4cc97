"""One Lambda execution environment: invocations fed, one at a time, to one runtime.

Invocations run in arrival order, as in a single execution environment. The
environment owns the runtime process: it starts it, restarts it after a crash or
a timeout, and writes the START, END and REPORT lines around each invocation.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from lab_support.lambda_host import cloudwatch
from lab_support.lambda_host.function_url import PAYLOAD_LIMIT
from lab_support.lambda_host.invocation import (
    ACCEPTED,
    CRASH,
    ERROR,
    EXIT_ERROR,
    RESPONSE,
    RESPONSE_TOO_LARGE,
    TIMED_OUT,
    TIMEOUT,
    Answer,
    Invocation,
    Outcome,
    error_payload,
    error_type_of,
    late_init_error,
    response_too_large,
    shutting_down,
    unknown_id,
)
from lab_support.lambda_host.runtime_process import (
    FunctionConfig,
    RuntimeProcess,
    exit_reason,
    python_version,
    runtime_label,
)


class ExecutionEnvironment:
    """Queue invocations, hand them to the runtime process, and collect outcomes."""

    def __init__(
        self,
        config: FunctionConfig,
        runtime: str,
        runtime_api: str,
        log: Callable[[str], None],
    ) -> None:
        self.config = config
        self.runtime = runtime
        self._runtime_api = runtime_api
        self._log = log
        self._cv = threading.Condition()
        self._queue: deque[Invocation] = deque()
        self._pending: Invocation | None = None
        self._active: Invocation | None = None
        self._process: RuntimeProcess | None = None
        self._restart = True
        self._closing = False
        self._ready = threading.Event()
        self._dispatcher = threading.Thread(target=self._dispatch, daemon=True)

    def start(self) -> None:
        """Start the first runtime process and the dispatcher."""
        with self._cv:
            self._start_process()
        self._dispatcher.start()

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Wait until a runtime process has asked for its first invocation."""
        return self._ready.wait(timeout)

    def invoke(self, invocation: Invocation) -> Outcome:
        """Queue an invocation, wait for its turn and its end; return its outcome."""
        with self._cv:
            if self._closing:
                invocation.settle(shutting_down())
            else:
                self._queue.append(invocation)
                self._cv.notify_all()
        invocation.done.wait()
        assert invocation.outcome is not None
        return invocation.outcome

    def close(self) -> None:
        """Answer every waiting invocation, then stop the runtime and the dispatcher."""
        with self._cv:
            self._closing = True
            waiting = [*self._queue, self._pending, self._active]
            self._queue.clear()
            self._pending = self._active = None
            process, self._process = self._process, None
            self._cv.notify_all()
        for invocation in filter(None, waiting):
            invocation.settle(shutting_down())
        if process is not None:
            process.stop()
            process.close()
        if self._dispatcher.is_alive():
            self._dispatcher.join()

    # The Runtime API's side, called from its request threads.

    def next_invocation(self, connected: Callable[[], bool]) -> Invocation | None:
        """Block until an invocation is ready for the runtime; None if it went away."""
        with self._cv:
            process = self._process
            if process is not None and not process.asked_next:
                process.mark_asked_next()
                process.drain_output()
                self._ready.set()
            while not self._closing:
                if self._pending is not None and connected():
                    return self._deliver(self._pending)
                self._cv.wait(0.5)
                if not connected():
                    return None
            return None

    def post_response(self, request_id: str, body: bytes) -> Answer:
        """Take the runtime's result for the active invocation."""
        with self._cv:
            invocation = self._active
            if invocation is None or invocation.request_id != request_id:
                return unknown_id(request_id)
            if len(body) > PAYLOAD_LIMIT:
                answer, payload = response_too_large(len(body), PAYLOAD_LIMIT)
                self._finish(invocation, ERROR, payload, RESPONSE_TOO_LARGE)
                return answer
            self._finish(invocation, RESPONSE, body)
            return ACCEPTED

    def post_error(
        self, request_id: str, body: bytes, error_type: str | None
    ) -> Answer:
        """Take the runtime's error report for the active invocation."""
        with self._cv:
            invocation = self._active
            if invocation is None or invocation.request_id != request_id:
                return unknown_id(request_id)
            self._finish(invocation, ERROR, body, error_type or error_type_of(body))
            return ACCEPTED

    def post_init_error(self, body: bytes, error_type: str | None) -> Answer:
        """Record the runtime's init failure; its exit then fails the invocation."""
        with self._cv:
            process = self._process
            if process is None or process.asked_next:
                return late_init_error()
            process.init_error = (body, error_type or error_type_of(body))
            return ACCEPTED

    # The dispatcher's side.

    def _dispatch(self) -> None:
        """Run queued invocations one by one; restart a dead runtime when idle."""
        while True:
            with self._cv:
                while not (self._closing or self._queue or self._must_restart()):
                    self._cv.wait()
                if self._closing:
                    return
                if not self._queue:
                    self._start_process()
                    continue
                invocation = self._queue.popleft()
                if self._process is None:
                    self._start_process()
                invocation.process = self._process
                invocation.dispatched_at = time.monotonic()
                self._pending = invocation
                self._cv.notify_all()
                timed_out = self._await_outcome(invocation)
            if timed_out:
                self._time_out(invocation)
            if invocation.outcome is not None and not invocation.done.is_set():
                self._report(invocation)

    def _must_restart(self) -> bool:
        return self._process is None and self._restart

    def _await_outcome(self, invocation: Invocation) -> bool:
        """Wait (holding the lock) for an outcome; True when the timeout came first.

        The clock starts when the runtime takes the event, or, while a fresh runtime
        is still in init, when the event was handed over: Lambda counts a retried
        init against the function's timeout too.
        """
        while invocation.outcome is None and not self._closing:
            started = invocation.delivered_at or invocation.dispatched_at
            remaining = started + self.config.timeout_s - time.monotonic()
            if remaining <= 0:
                # Detach the runtime that overran: its exit is no longer news.
                invocation.process, self._process = self._process, None
                self._pending = self._active = None
                self._restart = True
                return True
            self._cv.wait(remaining)
        return False

    def _time_out(self, invocation: Invocation) -> None:
        """Kill a runtime that overran the timeout, as Lambda does; fail the call."""
        process = invocation.process
        if process is not None:
            process.kill()
            process.drain_output()
        self._log_start_if_undelivered(invocation)
        message = cloudwatch.timeout_message(
            invocation.request_id, self.config.timeout_s, time.time()
        )
        self._log(message)
        if process is not None:
            process.close()
        with self._cv:
            self._finish(
                invocation, TIMEOUT, error_payload(TIMED_OUT, message), TIMED_OUT
            )

    def _report(self, invocation: Invocation) -> None:
        """Write the END and REPORT lines, then release the caller."""
        outcome = invocation.outcome
        assert outcome is not None
        process = invocation.process
        memory = 0
        if process is not None:
            memory = process.sample_memory()
            process.drain_output()
        status = {TIMEOUT: "timeout", CRASH: "error"}.get(outcome.kind)
        if outcome.kind == ERROR and invocation.delivered_at is None:
            status = "error"
        self._log(cloudwatch.end_line(invocation.request_id))
        report = cloudwatch.report_line(
            invocation.request_id,
            duration_ms=outcome.duration_ms,
            memory_mb=self.config.memory_mb,
            max_memory_mb=memory,
            init_duration_ms=outcome.init_duration_ms,
            status=status,
            error_type=outcome.error_type if status else None,
        )
        self._log(report)
        invocation.done.set()

    # Runtime processes, called with the lock held.

    def _start_process(self) -> None:
        """Start a fresh runtime process, and a thread that notices when it exits."""
        label = runtime_label(self.runtime)
        self._log(cloudwatch.init_start_line(python_version(), label))
        process = RuntimeProcess(
            self.runtime, self.config, self._runtime_api, self._log
        )
        self._process = process
        threading.Thread(target=self._watch, args=(process,), daemon=True).start()

    def _watch(self, process: RuntimeProcess) -> None:
        """Wait for a runtime process to exit and fail what it was running."""
        returncode = process.wait()
        with self._cv:
            if process is not self._process:
                return
            self._process = None
            process.drain_output()
            reason = exit_reason(returncode)
            if process.asked_next:
                self._crashed(reason)
            else:
                self._init_failed(process, reason)
        process.close()

    def _crashed(self, reason: str) -> None:
        """Fail the invocation a crashed runtime held; re-hand one it never took."""
        self._restart = True
        active, pending = self._active, self._pending
        if active is not None:
            message = cloudwatch.exit_message(active.request_id, reason)
            self._log(message)
            self._finish(active, CRASH, error_payload(EXIT_ERROR, message), EXIT_ERROR)
        if pending is not None:
            self._start_process()
            pending.process = self._process

    def _init_failed(self, process: RuntimeProcess, reason: str) -> None:
        """Log a failed init and fail the invocation that was waiting for it."""
        payload, error_type = process.init_error or (
            error_payload(EXIT_ERROR, f"Runtime exited with error: {reason}"),
            EXIT_ERROR,
        )
        init_ms = (time.monotonic() - process.started_at) * 1000
        self._log(cloudwatch.init_report_line(init_ms, error_type))
        # As Lambda does: retry a failed init at the next invocation only.
        self._restart = False
        pending, self._pending = self._pending, None
        if pending is not None:
            self._log_start_if_undelivered(pending)
            self._finish(pending, ERROR, payload, error_type)

    def _log_start_if_undelivered(self, invocation: Invocation) -> None:
        """Write START for an invocation that fails before a runtime took it."""
        if invocation.delivered_at is None:
            self._log(cloudwatch.start_line(invocation.request_id))

    def _deliver(self, invocation: Invocation) -> Invocation:
        """Move the pending invocation to active and write its START line."""
        invocation.delivered_at = time.monotonic()
        invocation.deadline_ms = int((time.time() + self.config.timeout_s) * 1000)
        self._pending = None
        self._active = invocation
        if invocation.process is not None:
            invocation.process.sample_memory()
            invocation.process.drain_output()
        self._log(cloudwatch.start_line(invocation.request_id))
        return invocation

    def _finish(
        self,
        invocation: Invocation,
        kind: str,
        payload: bytes,
        error_type: str | None = None,
    ) -> None:
        """Record how an invocation ended and wake the dispatcher."""
        if self._active is invocation:
            self._active = None
        now = time.monotonic()
        started = invocation.delivered_at or invocation.dispatched_at or now
        process = invocation.process
        init_ms = None
        if process is not None and invocation.delivered_at is not None:
            init_ms = None if process.served else process.init_ms
            process.served = True
        invocation.outcome = Outcome(
            kind, payload, error_type, (now - started) * 1000, init_ms
        )
        self._cv.notify_all()
