"""The Function URL front end: HTTP in, payload-2.0 event to the function, HTTP out.

It also keeps the last invocations in memory and serves them at GET
/_lab/invocations, for the course's tracing and notebooks. That route is local
only: a real function URL has no such path and would pass it to the function.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import deque
from typing import Final

from lab_support.lambda_host.environment import ExecutionEnvironment
from lab_support.lambda_host.function_url import (
    PAYLOAD_LIMIT,
    HttpRequest,
    HttpResponse,
    MalformedResult,
    build_event,
    encode_event,
    function_error,
    map_response,
    oversize,
    too_large,
    url_id,
)
from lab_support.lambda_host.http_io import LoopbackServer, QuietHandler
from lab_support.lambda_host.invocation import Invocation, Outcome, new_trace_id

INVOCATIONS_PATH: Final = "/_lab/invocations"
HISTORY_SIZE: Final = 50
BODY_PREVIEW: Final = 200
_CHUNK: Final = 1 << 20


class InvocationHistory:
    """The last invocations through the function URL, oldest first."""

    def __init__(self, size: int = HISTORY_SIZE) -> None:
        self._records: deque[dict] = deque(maxlen=size)
        self._lock = threading.Lock()

    def add(self, record: dict) -> None:
        """Remember one invocation, forgetting the oldest past the size."""
        with self._lock:
            self._records.append(record)

    def records(self) -> list[dict]:
        """Return a copy of the remembered invocations, oldest first."""
        with self._lock:
            return list(self._records)


def preview(event: dict, limit: int = BODY_PREVIEW) -> dict:
    """Return the event with its body cut to `limit` characters, for the history."""
    shown = dict(event)
    if "body" in shown:
        shown["body"] = shown["body"][:limit]
    return shown


def error_of(payload: bytes) -> dict:
    """Return errorType and errorMessage from an error payload, for the history."""
    try:
        document = json.loads(payload)
    except ValueError:
        return {
            "errorType": "Runtime.Unknown",
            "errorMessage": payload.decode("utf-8", "replace"),
        }
    if not isinstance(document, dict):
        return {"errorType": "Runtime.Unknown", "errorMessage": str(document)}
    return {
        "errorType": document.get("errorType", "Runtime.Unknown"),
        "errorMessage": document.get("errorMessage", ""),
    }


class FunctionUrlServer(LoopbackServer):
    """The function URL on 127.0.0.1, invoking one execution environment."""

    def __init__(self, port: int, environment: ExecutionEnvironment) -> None:
        self.environment = environment
        config = environment.config
        self.url_id = url_id(config.function_name, config.region)
        self.history = InvocationHistory()
        super().__init__(port, FunctionUrlHandler)


class FunctionUrlHandler(QuietHandler):
    """Turn each HTTP request into one invocation, as Lambda's front end does."""

    server: FunctionUrlServer

    def do_GET(self) -> None:
        """Serve the local invocation history, or invoke the function."""
        if self.path.split("?", 1)[0] == INVOCATIONS_PATH:
            self.send_json(200, self.server.history.records())
            return
        self._invoke()

    def do_POST(self) -> None:
        """Invoke the function with the request."""
        self._invoke()

    do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_POST

    def _invoke(self) -> None:
        started = time.monotonic()
        request_id = str(uuid.uuid4())
        trace_id = new_trace_id()
        body = self._read_bounded()
        if body is None:
            self._too_large(request_id, started)
            return

        server = self.server
        config = server.environment.config
        request = HttpRequest(
            method=self.command,
            target=self.path,
            headers=self._forwarded_headers(trace_id),
            body=body,
            source_ip=self.client_address[0],
            protocol=self.request_version,
        )
        event = build_event(
            request,
            request_id=request_id,
            function_url_id=server.url_id,
            region=config.region,
        )
        payload = encode_event(event)
        refusal = oversize(payload, event, len(body))
        if refusal is not None:
            self._reply(request_id, started, event, refusal)
            return

        invocation = Invocation(payload, request_id=request_id, trace_id=trace_id)
        outcome = server.environment.invoke(invocation)
        error = None if outcome.ok else error_of(outcome.payload)
        response = function_error()
        if outcome.ok:
            try:
                response = map_response(outcome.payload)
            except MalformedResult as problem:
                error = {"errorType": "MalformedResult", "errorMessage": str(problem)}
        self._reply(request_id, started, event, response, outcome, error)

    def _reply(
        self,
        request_id: str,
        started: float,
        event: dict | None,
        response: HttpResponse,
        outcome: Outcome | None = None,
        error: dict | None = None,
    ) -> None:
        headers = [*response.headers, ("x-amzn-RequestId", request_id)]
        shown = preview(event) if event is not None else None
        self.server.history.add(
            {
                "request_id": request_id,
                "time": _iso_now(),
                "status_code": response.status,
                "duration_ms": round(outcome.duration_ms, 2) if outcome else None,
                "init_duration_ms": (
                    round(outcome.init_duration_ms, 2)
                    if outcome and outcome.init_duration_ms is not None
                    else None
                ),
                "latency_ms": round((time.monotonic() - started) * 1000, 2),
                "body_length": len(event.get("body", "")) if event else None,
                "event": shown,
                "response_headers": _header_map(headers),
                "error": error,
            }
        )
        self.send(response.status, headers, response.body)

    def _too_large(self, request_id: str, started: float) -> None:
        size = int(self.headers.get("Content-Length") or 0)
        self._reply(request_id, started, None, too_large(size))

    def _read_bounded(self) -> bytes | None:
        """Read the body; discard it and return None when it is surely too large."""
        length = int(self.headers.get("Content-Length") or 0)
        if length <= PAYLOAD_LIMIT:
            return self.read_body()
        while length > 0:
            chunk = self.rfile.read(min(_CHUNK, length))
            if not chunk:
                break
            length -= len(chunk)
        return None

    def _forwarded_headers(self, trace_id: str) -> list[tuple[str, str]]:
        """Return the request headers plus the ones Lambda's front end adds."""
        pairs = [
            (name, value)
            for name, value in self.headers.items()
            if name.lower() not in ("x-forwarded-proto", "x-forwarded-port")
        ]
        names = {name.lower() for name, _ in pairs}
        if "x-amzn-trace-id" not in names:
            pairs.append(("x-amzn-trace-id", trace_id.split(";", 1)[0]))
        pairs.append(("x-forwarded-for", self.client_address[0]))
        pairs.append(("x-forwarded-proto", "http"))
        pairs.append(("x-forwarded-port", str(self.server.server_address[1])))
        return pairs


def _header_map(headers: list[tuple[str, str]]) -> dict[str, str]:
    """Fold response headers into a map, joining repeats with commas."""
    folded: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        folded[key] = f"{folded[key]}, {value}" if key in folded else value
    return folded


def _iso_now() -> str:
    now = time.time()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now))
    return f"{stamp}.{int(now * 1000) % 1000:03d}Z"
