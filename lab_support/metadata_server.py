"""A local stand-in for the one metadata-server path the processor uses: its ID token.

On Google Cloud, `GET /computeMetadata/v1/instance/service-accounts/default/
identity?audience=AUD` with the header `Metadata-Flavor: Google` returns an ID
token that Google signed for the function's service account. Nobody but Google
can sign one, so this server answers that path with a token of the same shape
and claims that is not signed at all (`"alg": "none"`, RFC 7519 section 6), and
404 everything else. It binds 127.0.0.1 only; the processor finds it through
GCE_METADATA_HOST.

Limitation: the token is unsigned. moto's STS accepts it because it verifies no
token; real STS checks Google's signature and would refuse it.
"""

from __future__ import annotations

import argparse
import base64
import json
import logging
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

HOST: Final = "127.0.0.1"
IDENTITY_PATH: Final = "/computeMetadata/v1/instance/service-accounts/default/identity"
ISSUER: Final = "https://accounts.google.com"
TOKEN_LIFETIME_S: Final = 3600
READY_LINE: Final = "metadata server stand-in on http://127.0.0.1:"

LOG = logging.getLogger("lab_support.metadata_server")


def _segment(part: dict[str, Any]) -> str:
    raw = json.dumps(part, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def id_token(
    audience: str, *, email: str, unique_id: str, full: bool, now: float
) -> str:
    """An unsigned JWT with the claims of a Google ID token for a service account."""
    claims: dict[str, Any] = {
        "aud": audience,
        "azp": unique_id,
        "exp": int(now) + TOKEN_LIFETIME_S,
        "iat": int(now),
        "iss": ISSUER,
        "sub": unique_id,
    }
    if full:
        claims |= {"email": email, "email_verified": True}
    return f"{_segment({'alg': 'none', 'typ': 'JWT'})}.{_segment(claims)}."


def claims(token: str) -> dict[str, Any]:
    """Read the claims of a JWT without checking any signature (for display only)."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def handler(email: str, unique_id: str) -> type[BaseHTTPRequestHandler]:
    """The request handler for one service account's identity."""

    class IdentityHandler(BaseHTTPRequestHandler):
        server_version = "Metadata-Server-Stand-In"

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path != IDENTITY_PATH:
                self._answer(404, "not found: this stand-in serves only the ID token")
                return
            # The real server refuses requests without this header, so that a
            # browser or a redirected request cannot read a token.
            if self.headers.get("Metadata-Flavor") != "Google":
                self._answer(403, "missing header Metadata-Flavor: Google")
                return
            query = parse_qs(url.query)
            audience = query.get("audience", [""])[0]
            if not audience:
                self._answer(400, "non-empty audience parameter required")
                return
            full = query.get("format", [""])[0] == "full"
            token = id_token(
                audience, email=email, unique_id=unique_id, full=full, now=time.time()
            )
            self._answer(200, token)

        def _answer(self, status: int, text: str) -> None:
            body = text.encode()
            self.send_response(status)
            self.send_header("Metadata-Flavor", "Google")
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            LOG.info(format, *args)

    return IdentityHandler


def server(port: int, email: str, unique_id: str) -> ThreadingHTTPServer:
    """A server on 127.0.0.1:port (0 picks a free port); call serve_forever()."""
    return ThreadingHTTPServer((HOST, port), handler(email, unique_id))


def main(argv: list[str] | None = None) -> None:
    """Serve the ID token of one service account until stopped."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--email", required=True, help="the service account's email")
    parser.add_argument(
        "--unique-id", required=True, help="its numeric unique id (the token's sub)"
    )
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    httpd = server(args.port, args.email, args.unique_id)
    LOG.info("%s%d", READY_LINE, httpd.server_address[1])
    with httpd:
        httpd.serve_forever()


if __name__ == "__main__":
    main()
