"""The relay: its Eventarc translation, its attempt count, its ack/nack answers."""

from __future__ import annotations

import copy
import http.client
import json
import logging
import os
import sys
import threading
import time
from pathlib import Path

import jsonschema
import pytest

from lab_support import relay
from lab_support.cloud import procs

FIXTURES = Path(__file__).parents[1] / "fixtures" / "google-cloudevents-pubsub"
RECORDER = Path(__file__).parent / "cloud" / "standins" / "recorder"
SCHEMA = json.loads((FIXTURES / "MessagePublishedData.schema.json").read_text())

# What the emulator (0.8.20) pushes, as measured: both spellings of id and time.
PUSH = {
    "subscription": "projects/demo/subscriptions/demo-trigger",
    "message": {
        "publishTime": "2026-12-04T14:21:41.151Z",
        "data": "aGVsbG8=",
        "publish_time": "2026-12-04T14:21:41.151Z",
        "messageId": "7",
        "attributes": {"ce-id": "event-1", "fail-attempts": "0"},
        "message_id": "7",
    },
}


def push_with(**attributes: str) -> dict:
    body = copy.deepcopy(PUSH)
    body["message"]["attributes"].update(attributes)
    body["message"]["messageId"] = body["message"]["message_id"] = str(time.time_ns())
    return body


def test_push_becomes_the_message_published_event_eventarc_sends():
    headers, body = relay.to_eventarc(PUSH, "demo", "demo-topic", attempt=3)

    assert headers == {
        "ce-id": "7",
        "ce-source": "//pubsub.googleapis.com/projects/demo/topics/demo-topic",
        "ce-specversion": "1.0",
        "ce-type": "google.cloud.pubsub.topic.v1.messagePublished",
        "ce-time": "2026-12-04T14:21:41.151Z",
        "content-type": "application/json",
    }
    assert json.loads(body) == {
        "subscription": "projects/demo/subscriptions/demo-trigger",
        "message": {
            "data": "aGVsbG8=",
            "attributes": {"ce-id": "event-1", "fail-attempts": "0"},
            "messageId": "7",
            "publishTime": "2026-12-04T14:21:41.151Z",
        },
        "deliveryAttempt": 3,
    }
    jsonschema.validate(json.loads(body), SCHEMA)


@pytest.mark.parametrize(
    "fixture",
    ["MessagePublishedData-duplicatedFields.json", "example-binary-complex.json"],
)
def test_google_examples_translate_to_schema_valid_data_without_snake_case(fixture):
    push = json.loads((FIXTURES / fixture).read_text())

    _, body = relay.to_eventarc(push, "my-project", "my-topic", attempt=1)

    data = json.loads(body)
    jsonschema.validate(data, SCHEMA)
    assert "message_id" not in data["message"] and "publish_time" not in data["message"]
    assert data["subscription"] == push["subscription"]


def test_short_subscription_name_gets_the_full_resource_path():
    push = {**PUSH, "subscription": "demo-trigger"}

    _, body = relay.to_eventarc(push, "demo", "demo-topic", attempt=1)

    assert (
        json.loads(body)["subscription"] == "projects/demo/subscriptions/demo-trigger"
    )


def test_push_without_message_id_is_refused():
    push = {"subscription": "s", "message": {"data": "", "publishTime": "t"}}

    with pytest.raises(ValueError, match="messageId"):
        relay.to_eventarc(push, "demo", "demo-topic", attempt=1)


def test_attempts_are_counted_per_message_and_restart_once_forgotten():
    attempts = relay.DeliveryAttempts(limit=2)

    counted = [attempts.next("a"), attempts.next("a"), attempts.next("b")]
    attempts.forget("a")
    counted.append(attempts.next("a"))
    attempts.next("c")

    assert counted == [1, 2, 1, 1]
    assert attempts.next("b") == 1


@pytest.fixture(scope="module")
def processor(tmp_path_factory):
    """The recording test function under the real functions-framework."""
    root = tmp_path_factory.mktemp("relay")
    port = procs.free_port()
    command = [sys.executable, "-m", "functions_framework", "--target", "process"]
    command += ["--source", str(RECORDER / "main.py"), "--signature-type"]
    command += ["cloudevent", "--host", "127.0.0.1", "--port", str(port)]
    env = {**os.environ, "RECORD_FILE": str(root / "records.jsonl")}
    log = root / "processor.log"
    proc = procs.spawn(command, log, env)
    try:
        procs.wait_ready(
            "processor", proc, lambda: procs.http_answers(port), log, timeout=30
        )
        yield {"url": f"http://127.0.0.1:{port}/", "records": root / "records.jsonl"}
    finally:
        procs.stop(proc.pid, procs.create_time(proc.pid))


def run_relay(target: str):
    server = relay.RelayServer(procs.free_port(), target, "demo", "demo-topic")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def relay_to(request):
    """Start an in-process relay to a target URL; shut it down after the test."""
    servers = []

    def start(target: str) -> relay.RelayServer:
        servers.append(run_relay(target))
        return servers[-1]

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def push(server: relay.RelayServer, body: dict | bytes) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], 10)
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    conn.request("POST", "/", body=raw, headers={"content-type": "application/json"})
    status = conn.getresponse().status
    conn.close()
    return status


@pytest.mark.integration
def test_function_success_is_answered_204_so_the_emulator_acks(processor, relay_to):
    server = relay_to(processor["url"])

    assert push(server, push_with()) == 204


@pytest.mark.integration
def test_function_failure_status_is_passed_back_so_the_emulator_redelivers(
    processor, relay_to, caplog
):
    server = relay_to(processor["url"])
    body = push_with(**{"fail-attempts": "1"})

    with caplog.at_level(logging.INFO, logger="lab_support.relay"):
        statuses = [push(server, body), push(server, body)]

    assert statuses == [500, 204]
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.msg[0] == "{"]
    assert [(x["delivery_attempt"], x["outcome"]) for x in lines] == [
        (1, "nack"),
        (2, "ack"),
    ]
    assert {x["event_id"] for x in lines} == {"event-1"}


@pytest.mark.integration
def test_one_kept_alive_connection_carries_successive_deliveries(processor, relay_to):
    server = relay_to(processor["url"])

    statuses = [push(server, push_with()) for _ in range(3)]

    assert statuses == [204, 204, 204]
    assert server.processor.opened == 1


@pytest.mark.integration
def test_connection_the_function_closed_while_idle_is_replaced(processor, relay_to):
    server = relay_to(processor["url"])
    push(server, push_with())
    time.sleep(2.5)  # gunicorn closes a kept-alive connection idle for 2 s

    assert push(server, push_with()) == 204
    assert server.processor.opened == 2


def test_unreachable_function_is_answered_502(relay_to):
    server = relay_to(f"http://127.0.0.1:{procs.free_port()}/")

    assert push(server, push_with()) == 502


def test_body_that_is_not_a_push_message_is_answered_400(relay_to):
    server = relay_to(f"http://127.0.0.1:{procs.free_port()}/")

    assert push(server, b"not json") == 400
    assert push(server, {"subscription": "s"}) == 400


def test_healthz_answers_200_for_the_readiness_check(relay_to):
    server = relay_to(f"http://127.0.0.1:{procs.free_port()}/")

    assert procs.http_answers(server.server_address[1], "/healthz", want=200)
    assert not procs.http_answers(server.server_address[1], "/", want=200)
