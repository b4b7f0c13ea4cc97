"""The metadata-server stand-in answers only the ID token path, as the real one does."""

from __future__ import annotations

import base64
import http.client
import json
import os
import sys
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest

from lab_support import metadata_server
from lab_support.cloud import procs

EMAIL = "cec-processor@cloudevents-course.iam.gserviceaccount.com"
UNIQUE_ID = "000000000000000000001"
FLAVOR = {"Metadata-Flavor": "Google"}


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    """The stand-in in a thread of this process, on a free 127.0.0.1 port."""
    server = metadata_server.server(0, EMAIL, UNIQUE_ID)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def _get(port: int, path: str, headers: dict[str, str] | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path, headers=headers or {})
        answer = conn.getresponse()
        return (
            answer.status,
            answer.getheader("Metadata-Flavor"),
            answer.read().decode(),
        )
    finally:
        conn.close()


def _identity(**query: str) -> str:
    return f"{metadata_server.IDENTITY_PATH}?{urlencode(query)}"


def test_identity_answers_an_unsigned_jwt_naming_the_audience(port):
    before = int(time.time())
    status, flavor, token = _get(
        port, _identity(audience="sts.amazonaws.com", format="full"), FLAVOR
    )

    header, _, signature = token.split(".")
    assert (status, flavor, signature) == (200, "Google", "")
    assert json.loads(base64.urlsafe_b64decode(header + "==")) == {
        "alg": "none",
        "typ": "JWT",
    }
    claims = metadata_server.claims(token)
    assert claims.pop("iat") >= before
    assert claims.pop("exp") - time.time() > 3500
    assert claims == {
        "aud": "sts.amazonaws.com",
        "azp": UNIQUE_ID,
        "email": EMAIL,
        "email_verified": True,
        "iss": "https://accounts.google.com",
        "sub": UNIQUE_ID,
    }


def test_identity_without_format_full_carries_no_email(port):
    _, _, token = _get(port, _identity(audience="https://example.test"), FLAVOR)

    claims = metadata_server.claims(token)
    assert claims["aud"] == "https://example.test"
    assert "email" not in claims


def test_identity_without_the_flavor_header_is_refused(port):
    status, _, text = _get(port, _identity(audience="sts.amazonaws.com"))

    assert status == 403
    assert "Metadata-Flavor: Google" in text


def test_identity_without_an_audience_is_a_bad_request(port):
    status, _, text = _get(port, metadata_server.IDENTITY_PATH, FLAVOR)

    assert (status, text) == (400, "non-empty audience parameter required")


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/computeMetadata/v1/instance/service-accounts/default/token",
        "/computeMetadata/v1/project/project-id",
        "/latest/meta-data/iam/security-credentials",
    ],
)
def test_every_other_path_is_not_found(port, path):
    status, flavor, _ = _get(port, path, FLAVOR)

    assert (status, flavor) == (404, "Google")


def test_it_listens_on_loopback_only():
    server = metadata_server.server(0, EMAIL, UNIQUE_ID)
    try:
        assert server.server_address[0] == "127.0.0.1"
    finally:
        server.server_close()


def test_command_line_prints_its_ready_line_and_stops_on_sigterm(tmp_path):
    port = procs.free_port()
    log = tmp_path / "metadata.log"
    command = [sys.executable, "-m", "lab_support.metadata_server", "--port", str(port)]
    command += ["--email", EMAIL, "--unique-id", UNIQUE_ID]
    process = procs.spawn(command, log, os.environ)
    try:
        deadline = time.monotonic() + 20
        while not procs.log_contains(log, metadata_server.READY_LINE):
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        status, _, _ = _get(port, _identity(audience="a"), FLAVOR)
    finally:
        outcome = procs.stop(process.pid, procs.create_time(process.pid))

    assert f"{metadata_server.READY_LINE}{port}" in log.read_text()
    assert status == 200
    assert outcome == "stopped"
    assert process.wait(timeout=5) is not None
