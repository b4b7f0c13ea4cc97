"""Small HTTP helpers both of the host's servers share: read a body, send a reply."""

from __future__ import annotations

import json
import select
import socket
import sys
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Final

HOST: Final = "127.0.0.1"


class LoopbackServer(ThreadingHTTPServer):
    """A threading HTTP server bound to 127.0.0.1 only, with daemon request threads."""

    daemon_threads = True

    def __init__(self, port: int, handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__((HOST, port), handler)

    def handle_error(self, request: object, client_address: object) -> None:
        """Stay quiet when a client drops its connection (a runtime killed mid-poll)."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class QuietHandler(BaseHTTPRequestHandler):
    """An HTTP/1.1 request handler that keeps the host's log for Lambda's lines."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out as separate writes; without TCP_NODELAY the body
    # waits for the client's delayed ACK, about 40 ms on Linux.
    disable_nagle_algorithm = True
    server_version = "lab-lambda-host"
    sys_version = ""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Write no access log: the host's stdout is the function's CloudWatch log."""

    def read_body(self) -> bytes:
        """Read the request body, by Content-Length or chunked transfer coding."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def send(
        self, status: int, headers: Iterable[tuple[str, str]], body: bytes = b""
    ) -> None:
        """Send a whole response with its Content-Length (no body for HEAD)."""
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_json(
        self,
        status: int,
        document: object,
        headers: Iterable[tuple[str, str]] = (),
    ) -> None:
        """Send a JSON document."""
        body = json.dumps(document).encode()
        self.send(status, [("Content-Type", "application/json"), *headers], body)

    def client_connected(self) -> bool:
        """Tell whether the client still holds its connection open."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            if not readable:
                return True
            return self.connection.recv(1, socket.MSG_PEEK) != b""
        except (OSError, ValueError):
            return False

    def _skip_trailers(self) -> None:
        """Read past a chunked body's trailer lines, up to the blank line."""
        line = self.rfile.readline()
        while line not in (b"\r\n", b"\n", b""):
            line = self.rfile.readline()

    def _read_chunked(self) -> bytes:
        parts = []
        while True:
            size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                self._skip_trailers()
                return b"".join(parts)
            parts.append(self.rfile.read(size))
            self.rfile.readline()
