"""Check each request before functions-framework turns it into a CloudEvent.

functions-framework 3.10.2 first tries cloudevents' from_http and, when that
fails, converts the request as if it were a raw Pub/Sub push: a binary-mode
request without ce-id, with ce-specversion 2.0 or with no ce- headers at all
then reaches the function as an invented messagePublished event and is
answered 200, and a batch ends in a 500. This WSGI middleware reads the request
first with the project's own HTTP binding and answers anything that is not one
CloudEvent itself (400, 413 or 415, naming the attribute or rule), so only
real CloudEvents reach functions-framework and the function.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Iterable
from typing import Any, Final

from delivery_policy import for_refusal
from imagepipe.eventlog import log_event
from imagepipe.http_binding import BindingError, content_mode, from_http
from imagepipe.settings import MAX_DELIVERY_BYTES

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
_CHUNK: Final = 64 * 1024
# A refused body is read and dropped up to this size; past it the server closes.
_DISCARD_AT_MOST: Final = 4 * MAX_DELIVERY_BYTES


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    headers = {
        key[5:].replace("_", "-").lower(): value
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    return headers


def _too_large(size: str) -> BindingError:
    return BindingError(
        413,
        f"the request body is {size} bytes; the processor reads at most "
        f"{MAX_DELIVERY_BYTES:,} bytes (the base64 of a 4,500,000-byte image and "
        "its envelope): publish a smaller image",
    )


def _discard(stream: Any, length: int) -> None:
    # Read and drop the refused body, so the sender sees the answer instead of
    # a connection closed while it is still writing.
    while length > 0:
        chunk = stream.read(min(_CHUNK, length))
        if not chunk:
            return
        length -= len(chunk)


def _read_body(environ: dict[str, Any]) -> bytes:
    stream = environ["wsgi.input"]
    declared = environ.get("CONTENT_LENGTH") or ""
    if declared.isdigit() and int(declared) > MAX_DELIVERY_BYTES:
        _discard(stream, min(int(declared), _DISCARD_AT_MOST))
        raise _too_large(f"{int(declared):,}")
    body = stream.read(MAX_DELIVERY_BYTES + 1)
    if len(body) > MAX_DELIVERY_BYTES:
        raise _too_large(f"more than {MAX_DELIVERY_BYTES:,}")
    return body


class RequestGuard:
    """WSGI middleware: answer what is not a CloudEvent before the framework sees it."""

    def __init__(self, app: WsgiApp, logger: Any) -> None:
        self.app = app
        self.logger = logger

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        """Pass a valid CloudEvent on unchanged; answer anything else here."""
        if environ.get("REQUEST_METHOD") != "POST":
            return self.app(environ, start_response)

        headers = _headers(environ)
        try:
            body = _read_body(environ)
            from_http(headers, body)
        except BindingError as refusal:
            return self._refuse(refusal, headers, start_response)

        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        if content_mode(headers) == "structured":
            # HTTP binding 3.2.3 lets a structured request carry ce- headers as
            # well; cloudevents 1.12 would then read it as binary mode.
            for key in [k for k in environ if k.startswith("HTTP_CE_")]:
                del environ[key]
        return self.app(environ, start_response)

    def _refuse(
        self,
        refusal: BindingError,
        headers: dict[str, str],
        start_response: Callable[..., Any],
    ) -> Iterable[bytes]:
        rule = for_refusal(refusal.status)
        log_event(
            self.logger,
            event_id=None,
            type=headers.get("ce-type"),
            outcome=rule.outcome,
            status=refusal.status,
            error=str(refusal),
            delivery_id=headers.get("ce-id"),
            received_at=int(time.time() * 1000),
            duration_ms=0.0,
        )
        body = json.dumps({"error": rule.outcome, "message": str(refusal)}).encode()
        start_response(
            f"{refusal.status} {_REASONS[refusal.status]}",
            [("content-type", "application/json"), ("content-length", str(len(body)))],
        )
        return [body]


_REASONS: Final = {
    400: "Bad Request",
    413: "Content Too Large",
    415: "Unsupported Media Type",
}


def install(app: Any, logger: Any) -> None:
    """Put the guard in front of a Flask app's WSGI callable."""
    app.wsgi_app = RequestGuard(app.wsgi_app, logger)
