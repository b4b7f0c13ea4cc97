"""A stand-in Lambda host for tests: the real one's flags, ready line and ports.

It answers every Function URL request with 200 and an empty JSON object and
stops on SIGTERM, which is all the local cloud's supervision relies on.
"""

import argparse
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Answer(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _reply(self):
        length = int(self.headers.get("content-length") or 0)
        self.rfile.read(length)
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    do_GET = do_POST = _reply

    def log_message(self, format, *args):
        """Stay quiet; the tests read only the ready line."""


def main():
    """Listen on both ports, print the ready line, and serve until SIGTERM."""
    parser = argparse.ArgumentParser()
    for flag in ("--code", "--handler", "--function-name"):
        parser.add_argument(flag, required=True)
    parser.add_argument("--runtime-port", type=int, required=True)
    parser.add_argument("--url-port", type=int, required=True)
    args = parser.parse_args()

    servers = [
        ThreadingHTTPServer(("127.0.0.1", port), _Answer)
        for port in (args.runtime_port, args.url_port)
    ]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    print(
        f"ready url=http://127.0.0.1:{args.url_port}/ "
        f"runtime_api=127.0.0.1:{args.runtime_port}",
        flush=True,
    )
    threading.Event().wait()


if __name__ == "__main__":
    main()
