"""A fault-injecting HTTP proxy in front of the local S3 server, for chaos runs.

The chaos run points the processor's S3 client at this proxy (boto3 honours
AWS_ENDPOINT_URL_S3) and the proxy forwards every request to moto, except that
it fails a share of object writes with 503 Slow Down, the answer S3 gives when
it sheds load. Half of those failures happen before the write reaches moto,
half after it (the write is stored, the answer is lost), so a retried delivery
meets both an empty key and one its own earlier attempt already wrote. No key
is failed more than `per_key` times, so faults alone never use up the
subscription's five delivery attempts.
"""

from __future__ import annotations

import http.client
import random
import sys
import threading
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final
from urllib.parse import urlsplit

HOST: Final = "127.0.0.1"
UPSTREAM_TIMEOUT_S: Final = 30.0
# Headers that belong to one connection, not to the request (RFC 9110, 7.6.1).
_HOP_BY_HOP: Final = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade"}
)
_SLOW_DOWN: Final = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>'
    b"<Message>Please reduce your request rate. (injected by the chaos run)"
    b"</Message></Error>"
)


@dataclass
class FaultCounts:
    """How many object writes the proxy saw and how many it failed, and when."""

    writes: int = 0
    failed_before: int = 0
    failed_after: int = 0
    per_key: Counter = field(default_factory=Counter)

    @property
    def failed(self) -> int:
        return self.failed_before + self.failed_after


class FaultPlan:
    """Decide which object writes fail, at a rate, at most per_key times a key."""

    def __init__(self, rate: float, per_key: int = 1, seed: int | None = None) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"fault rate must be from 0 to 1, got {rate}")
        self.rate = rate
        self.per_key = per_key
        self.counts = FaultCounts()
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def decide(self, key: str) -> str | None:
        """Return "before", "after" or None (no fault) for one write of key."""
        with self._lock:
            self.counts.writes += 1
            if self.counts.per_key[key] >= self.per_key:
                return None
            if self._random.random() >= self.rate:
                return None
            self.counts.per_key[key] += 1
            when = "before" if self._random.random() < 0.5 else "after"
            if when == "before":
                self.counts.failed_before += 1
            else:
                self.counts.failed_after += 1
            return when


def _is_object_write(method: str, path: str) -> bool:
    parts = urlsplit(path)
    # Path-style addressing: /bucket/key; bucket-level calls have no key part,
    # and sub-resource calls (?versioning, ?notification) are not object writes.
    return method == "PUT" and parts.path.count("/") >= 2 and not parts.query


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FaultyS3Proxy

    def do_GET(self) -> None:
        self._relay()

    def do_HEAD(self) -> None:
        self._relay()

    def do_PUT(self) -> None:
        self._relay()

    def do_POST(self) -> None:
        self._relay()

    def do_DELETE(self) -> None:
        self._relay()

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: the chaos report counts what matters."""

    def _relay(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        fault = None
        if _is_object_write(self.command, self.path):
            fault = self.server.plan.decide(urlsplit(self.path).path)
        if fault == "before":
            self._send(503, [("content-type", "application/xml")], _SLOW_DOWN)
            return

        upstream = self.server.upstream
        if upstream is None:
            self._send(503, [("content-type", "text/plain")], b"no upstream yet\n")
            return
        status, headers, payload = _forward(
            upstream, self.command, self.path, self.headers.items(), body
        )
        if fault == "after":
            self._send(503, [("content-type", "application/xml")], _SLOW_DOWN)
            return
        self._send(status, headers, payload)

    def _send(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in _HOP_BY_HOP and name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)


def _forward(
    upstream: tuple[str, int],
    method: str,
    path: str,
    headers: Any,
    body: bytes,
) -> tuple[int, list[tuple[str, str]], bytes]:
    conn = http.client.HTTPConnection(*upstream, timeout=UPSTREAM_TIMEOUT_S)
    try:
        sent = {k: v for k, v in headers if k.lower() not in _HOP_BY_HOP}
        sent.pop("Expect", None)
        conn.request(method, path, body=body if body else None, headers=sent)
        answer = conn.getresponse()
        payload = answer.read()
        return answer.status, answer.getheaders(), payload
    finally:
        conn.close()


class FaultyS3Proxy(ThreadingHTTPServer):
    """The proxy server: 127.0.0.1 only, its upstream set once moto is running."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, plan: FaultPlan, port: int = 0) -> None:
        super().__init__((HOST, port), _Handler)
        self.plan = plan
        self.upstream: tuple[str, int] | None = None
        self._thread: threading.Thread | None = None

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Say nothing when a client vanishes mid-request (a crashed processor)."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server_address[1]}"

    def forward_to(self, endpoint: str) -> None:
        """Send what the proxy lets through to the S3 server at endpoint."""
        parts = urlsplit(endpoint)
        if parts.hostname != HOST or parts.port is None:
            raise ValueError(f"the proxy forwards only to {HOST}:PORT, not {endpoint}")
        self.upstream = (HOST, parts.port)

    def start(self) -> FaultyS3Proxy:
        """Serve on a daemon thread; return self."""
        self._thread = threading.Thread(
            target=self.serve_forever, name="s3-faults", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the listening socket."""
        self.shutdown()
        self.server_close()
