"""One invocation's record and the error payloads Lambda itself produces."""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from lab_support.lambda_host.runtime_process import RuntimeProcess

RESPONSE: Final = "response"
ERROR: Final = "error"
TIMEOUT: Final = "timeout"
CRASH: Final = "crash"

# Lambda's own error types, as a synchronous invoke returns them.
EXIT_ERROR: Final = "Runtime.ExitError"
TIMED_OUT: Final = "Sandbox.Timedout"
RESPONSE_TOO_LARGE: Final = "Function.ResponseSizeTooLarge"
UNKNOWN: Final = "Runtime.Unknown"


def new_trace_id(now: float | None = None) -> str:
    """Return an X-Ray trace header value of the shape Lambda passes to runtimes."""
    epoch = int(time.time() if now is None else now)
    root = f"1-{epoch:08x}-{uuid.uuid4().hex[:24]}"
    return f"Root={root};Parent={uuid.uuid4().hex[:16]};Sampled=0"


@dataclass(frozen=True)
class Outcome:
    """How an invocation ended: the runtime's response, or an error payload."""

    kind: str
    payload: bytes
    error_type: str | None = None
    duration_ms: float = 0.0
    init_duration_ms: float | None = None

    @property
    def ok(self) -> bool:
        """Tell whether the function returned a result."""
        return self.kind == RESPONSE


@dataclass
class Invocation:
    """One event on its way through the execution environment."""

    event: bytes
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    trace_id: str = field(default_factory=new_trace_id)
    dispatched_at: float | None = None
    delivered_at: float | None = None
    deadline_ms: int = 0
    process: RuntimeProcess | None = None
    outcome: Outcome | None = None
    done: threading.Event = field(default_factory=threading.Event)

    def settle(self, outcome: Outcome) -> None:
        """Give the invocation its outcome and release whoever waits for it."""
        self.outcome = outcome
        self.done.set()


@dataclass(frozen=True)
class Answer:
    """The Runtime API's answer to a runtime's POST: status and JSON body."""

    status: int
    body: dict


ACCEPTED: Final = Answer(202, {"status": "OK"})


def error_payload(error_type: str, message: str) -> bytes:
    """Return an error payload in the shape Lambda returns for platform errors."""
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()


def error_type_of(body: bytes) -> str:
    """Read errorType from a runtime's error payload, as Lambda reports it."""
    try:
        reported = json.loads(body).get("errorType")
    except (ValueError, AttributeError):
        reported = None
    return reported if isinstance(reported, str) and reported else UNKNOWN


def unknown_id(request_id: str) -> Answer:
    """Return the Runtime API's 400 for an answer to no waiting invocation."""
    message = f"no invocation {request_id!r} is waiting for an answer"
    return Answer(400, {"errorMessage": message, "errorType": "InvalidRequestID"})


def late_init_error() -> Answer:
    """Return the Runtime API's 403 for an init error after init is over."""
    message = "init is over: report errors per invocation"
    return Answer(403, {"errorMessage": message, "errorType": "InvalidStateTransition"})


def response_too_large(size: int, limit: int) -> tuple[Answer, bytes]:
    """Return the Runtime API's 413 and the invocation's error for a huge result."""
    message = (
        f"Response payload size ({size} bytes) exceeded maximum allowed payload "
        f"size ({limit} bytes)."
    )
    body = {"errorMessage": message, "errorType": RESPONSE_TOO_LARGE}
    return Answer(413, body), error_payload(RESPONSE_TOO_LARGE, message)


def shutting_down() -> Outcome:
    """Return the outcome of an invocation cut short because the host stops."""
    message = "the Lambda host is shutting down: start the local cloud again"
    return Outcome(
        ERROR, error_payload("Runtime.Shutdown", message), "Runtime.Shutdown"
    )
