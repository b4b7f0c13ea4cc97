"""Every conformance case through the project's HTTP binding, over a real socket.

Each case is encoded with imagepipe.http_binding, sent with http.client to a
server on 127.0.0.1 that keeps what arrived, and decoded from that: in both
content modes, attributes and data must come back exactly as they were.
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from imagepipe import sdk
from imagepipe.http_binding import BindingError, from_http, to_http

from tests.conformance.cases import cases

CASES = cases()


class _Keeper(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _KeepingServer

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        self.server.received.append((list(self.headers.items()), body))
        self.send_response(204)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format, *args) -> None:
        """Quiet."""


class _KeepingServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Keeper)
        self.received: list[tuple[list[tuple[str, str]], bytes]] = []


@pytest.fixture(scope="module")
def wire() -> Iterator[_KeepingServer]:
    server = _KeepingServer()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def _over_the_wire(wire, headers: dict[str, str], body: bytes):
    conn = http.client.HTTPConnection("127.0.0.1", wire.server_address[1], timeout=5)
    conn.request("POST", "/", body=body, headers=headers)
    assert conn.getresponse().status == 204
    conn.close()
    received_headers, received_body = wire.received.pop()
    return dict(received_headers), received_body


def test_the_conformance_cases_are_all_found():
    assert len(CASES) == 15


@pytest.mark.parametrize("mode", ["binary", "structured"])
@pytest.mark.parametrize(
    ("attributes", "data"),
    [(attributes, data) for _, attributes, data in CASES],
    ids=[name for name, _, _ in CASES],
)
def test_case_round_trips_over_http_with_attributes_and_data_intact(
    attributes, data, mode, wire
):
    event = sdk.event(attributes, data)

    headers, body = to_http(event, mode)
    back = from_http(*_over_the_wire(wire, headers, body))

    assert dict(back.get_attributes()) == attributes
    assert back.get_data() == data


def test_header_values_are_percent_encoded_as_the_binding_shows():
    event = sdk.event(
        {
            "specversion": "1.0",
            "id": "1",
            "source": "/s",
            "type": "t",
            "note": "Euro € 😀",
        },
        b"",
    )

    headers, _ = to_http(event, "binary")

    # HTTP binding 1.0.2, 3.1.3.2, its own example.
    assert headers["ce-note"] == "Euro%20%E2%82%AC%20%F0%9F%98%80"


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("Euro%20%e2%82%ac", "Euro €"),
        ('"an old, quoted \\"value\\""', 'an old, quoted "value"'),
        ("%41%42", "AB"),
    ],
    ids=["lower-case-hex", "quoted-string", "needlessly-encoded"],
)
def test_received_header_values_are_decoded_as_the_binding_requires(header, value):
    headers = {
        "ce-specversion": "1.0",
        "ce-id": "1",
        "ce-source": "/s",
        "ce-type": "t",
        "ce-note": header,
    }

    assert from_http(headers, b"")["note"] == value


def test_header_value_that_is_not_utf8_is_refused():
    headers = {
        "ce-specversion": "1.0",
        "ce-id": "1",
        "ce-source": "/s",
        "ce-type": "t",
        "ce-note": "%C0%A0",  # an overlong space, which the binding says to reject
    }

    with pytest.raises(BindingError, match="not percent-encoded UTF-8") as refused:
        from_http(headers, b"")
    assert refused.value.status == 400
