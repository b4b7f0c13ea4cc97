"""A small HTTP server on 127.0.0.1 that records every request it receives.

Chapter 4 sends CloudEvents to it to see what really crosses the wire; chapter 5
points a Pub/Sub push subscription at it and chooses the status of each answer,
to watch what the emulator does with an ack and with a refusal. It runs in a
thread of the notebook's kernel and stops with `stop()` (or the `with` block).
"""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Received:
    """One request as the server read it: header names and values as sent."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    status: int

    def header(self, name: str) -> str | None:
        """Find a header the way HTTP says to: by its name in any letter case."""
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)

    def raw_header_lines(self) -> list[bytes]:
        """The header lines as bytes on the wire (http.server reads them as Latin-1)."""
        return [f"{k}: {v}".encode("latin-1") for k, v in self.headers]


class EchoServer:
    """Record requests; answer each with the next status of `answers` (last repeats)."""

    def __init__(self, answers: Sequence[int] = (204,)) -> None:
        if not answers:
            raise ValueError("give the server at least one status to answer with")
        self.answers = tuple(answers)
        self.requests: list[Received] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Where the server listens, as http://127.0.0.1:PORT/."""
        if self._server is None:
            raise RuntimeError("the echo server is not running: call start() first")
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    def start(self) -> EchoServer:
        """Listen on a free 127.0.0.1 port in a background thread."""
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="echo-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> str:
        """Stop listening and free the port; say how many requests it saw."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        return f"echo server stopped after {len(self.requests)} request(s)"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """Wait until `count` requests arrived or `timeout` seconds passed."""
        deadline = time.monotonic() + timeout
        while len(self.requests) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(self.requests)

    def __enter__(self) -> EchoServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _record(self, method: str, path: str, headers, body: bytes) -> int:
        with self._lock:
            status = self.answers[min(len(self.requests), len(self.answers) - 1)]
            self.requests.append(Received(method, path, tuple(headers), body, status))
        return status

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                status = server._record(
                    self.command, self.path, self.headers.items(), body
                )
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                """Keep the notebook quiet: the recorded requests are the log."""

        return Handler


def post(url: str, headers: Mapping[str, Any], body: bytes | None) -> int:
    """POST body with exactly these headers through http.client; return the status."""
    parts = urlsplit(url)
    if parts.hostname != "127.0.0.1":
        raise ValueError(f"{url} is not on 127.0.0.1: the course only posts locally")
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("POST", parts.path or "/", body=body or b"", headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()
