"""The relay's fault options: duplicate deliveries, and waiting out a cold start."""

from __future__ import annotations

import base64
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from imagepipe.events import build_upload_event
from imagepipe.pubsub import to_message

from lab_support import client, config, relay, trace
from lab_support.cloud import procs

pytestmark = pytest.mark.integration


def _push_body(event) -> bytes:
    data, attributes = to_message(event)
    return json.dumps(
        {
            "subscription": "cec-processor-trigger",
            "message": {
                "data": base64.b64encode(data).decode(),
                "attributes": attributes,
                "messageId": str(time.time_ns()),
                "publishTime": "2026-12-04T14:18:00.123Z",
            },
        }
    ).encode()


def _upload_event(name: str):
    return build_upload_event(
        config.DEFAULT_IMAGE.read_bytes(),
        source="//tests/relay",
        subject=name,
        datacontenttype="image/jpeg",
    )


def test_duplicate_rate_must_be_a_share():
    with pytest.raises(ValueError, match="from 0 to 1"):
        relay.Duplicates(1.5)


def test_duplicates_follow_their_rate_and_repeat_with_a_seed():
    first = relay.Duplicates(0.25, seed=9)
    second = relay.Duplicates(0.25, seed=9)

    rolls = [first.roll() for _ in range(2000)]

    assert rolls == [second.roll() for _ in range(2000)]
    assert 400 < sum(rolls) < 600
    assert not any(relay.Duplicates(0.0).roll() for _ in range(100))


def test_relay_started_with_the_duplicate_variable_delivers_each_ack_twice(
    local_cloud, tmp_path
):
    port = procs.free_port()
    command = [sys.executable, "-m", "lab_support.relay", "--port", str(port)]
    command += ["--target", local_cloud.endpoints.processor_url]
    command += ["--project", "cloudevents-course", "--topic", "cec-image-uploads"]
    env = {**os.environ, relay.DUPLICATE_RATE_VARIABLE: "1", relay.SEED_VARIABLE: "3"}
    log = tmp_path / "relay.log"
    process = procs.spawn(command, log, env)
    event = _upload_event("twice.jpg")
    try:
        procs.wait_ready(
            "relay",
            process,
            lambda: procs.http_answers(port, "/healthz", want=200),
            log,
            timeout=20,
        )
        answer = client.request("POST", f"http://127.0.0.1:{port}/", _push_body(event))
    finally:
        procs.stop(process.pid, procs.create_time(process.pid))

    assert answer.status == 204
    [delivery] = [
        line for line in trace.json_lines(log) if line.get("component") == "relay"
    ]
    assert delivery["duplicated"] is True
    assert delivery["duplicate_status"] == 200
    outcomes = [
        line["outcome"]
        for line in trace.json_lines(Path(local_cloud.services["processor"].log))
        if line.get("event_id") == event["id"]
    ]
    assert outcomes == ["processed", "duplicate"]


class _Ok(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format, *args) -> None:
        """Quiet."""


def _relay_to(port: int, cold_start_wait: float) -> relay.RelayServer:
    server = relay.RelayServer(
        0,
        f"http://127.0.0.1:{port}/",
        "cloudevents-course",
        "cec-image-uploads",
        cold_start_wait=cold_start_wait,
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _push_to(server: relay.RelayServer) -> int:
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    return client.request("POST", url, _push_body(_upload_event("cold.jpg"))).status


def test_relay_waits_for_a_function_that_is_still_starting():
    port = procs.free_port()
    late = []

    def start_later() -> None:
        time.sleep(0.6)
        late.append(ThreadingHTTPServer(("127.0.0.1", port), _Ok))
        late[0].serve_forever()

    threading.Thread(target=start_later, daemon=True).start()
    server = _relay_to(port, cold_start_wait=5.0)
    started = time.perf_counter()
    try:
        status = _push_to(server)
    finally:
        server.shutdown()
        server.server_close()
        if late:
            late[0].shutdown()
            late[0].server_close()

    assert status == 204
    assert time.perf_counter() - started >= 0.5


def test_without_a_cold_start_wait_a_refusing_function_is_502_at_once():
    server = _relay_to(procs.free_port(), cold_start_wait=0.0)
    started = time.perf_counter()
    try:
        status = _push_to(server)
    finally:
        server.shutdown()
        server.server_close()

    assert status == 502
    assert time.perf_counter() - started < 1.0
