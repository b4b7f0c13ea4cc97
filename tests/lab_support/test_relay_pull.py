"""Pull delivery keeps Eventarc's request and the emulator's retry and dead letters.

One local cloud runs per delivery mode (LAB_DELIVERY=pull, then push) with the
recording function; four messages are published at once (accepted, rejected
twice, always rejected, and one over gRPC's 4 MiB default) so the redelivery
and dead-letter waits overlap instead of adding up.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import pairwise
from pathlib import Path

import jsonschema
import pytest
from google.protobuf import timestamp_pb2
from google.pubsub_v1.types import PubsubMessage, ReceivedMessage

from lab_support import cloud, config, relay, relay_pull
from lab_support.cloud import emulator, procs, resources
from lab_support.errors import CourseError
from tests.lab_support.cloud.helpers import (
    STANDINS,
    deliveries,
    relay_lines,
    wait_for,
)

SCHEMA = json.loads(
    (
        Path(__file__).parents[1]
        / "fixtures/google-cloudevents-pubsub/MessagePublishedData.schema.json"
    ).read_text()
)
# What the relay logs per delivery; tracing and the notebooks read these keys.
RELAY_LOG_KEYS = {
    "component",
    "message_id",
    "event_id",
    "publish_time",
    "attributes",
    "data_base64_chars",
    "eventarc_headers",
    "eventarc_body_bytes",
    "delivery_attempt",
    "processor_status",
    "answer",
    "outcome",
    "duration_ms",
    "received_at",
}
BIG = 5 * 1024 * 1024
LAMBDA_HOST = [sys.executable, "-m", "lab_support.lambda_host"]


def received(data: bytes, attempt: int) -> ReceivedMessage:
    """A pulled message as the emulator returns it."""
    when = timestamp_pb2.Timestamp()
    when.FromJsonString("2026-12-04T14:21:41.151Z")
    message = PubsubMessage(
        data=data, attributes={"ce-id": "event-1"}, message_id="7", publish_time=when
    )
    return ReceivedMessage(ack_id="ack-1", message=message, delivery_attempt=attempt)


def test_pulled_message_becomes_the_body_real_pubsub_pushes():
    body = relay_pull.push_body("projects/demo/subscriptions/trig", received(b"hi", 3))

    assert body == {
        "subscription": "projects/demo/subscriptions/trig",
        "message": {
            "data": base64.b64encode(b"hi").decode(),
            "attributes": {"ce-id": "event-1"},
            "messageId": "7",
            "publishTime": "2026-12-04T14:21:41.151Z",
        },
        "deliveryAttempt": 3,
    }
    _, eventarc = relay.to_eventarc(body, "demo", "topic", body["deliveryAttempt"])
    jsonschema.validate(json.loads(eventarc), SCHEMA)


def test_pulled_message_without_data_has_no_data_field():
    body = relay_pull.push_body("projects/demo/subscriptions/trig", received(b"", 1))

    assert "data" not in body["message"]


def test_delivery_mode_defaults_to_pull_and_refuses_unknown_modes(monkeypatch):
    monkeypatch.delenv("LAB_DELIVERY", raising=False)
    assert config.settings().delivery == "pull"
    monkeypatch.setenv("LAB_DELIVERY", "Push")
    assert config.settings().delivery == "push"

    monkeypatch.setenv("LAB_DELIVERY", "poll")
    with pytest.raises(CourseError, match="LAB_DELIVERY='poll'.*pull.*push"):
        config.settings()


@pytest.fixture(scope="module", params=["pull", "push"])
def pipeline(request, tmp_path_factory):
    """Run one local cloud in a delivery mode; publish the four messages."""
    mode = request.param
    root = tmp_path_factory.mktemp(f"delivery-{mode}")
    bundles = {"processor": STANDINS / "recorder", "ingest": STANDINS / "ingest"}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LAB_STATE_DIR", str(root / "state"))
        patch.setenv("RECORD_FILE", str(root / "records.jsonl"))
        patch.setenv("LAB_DELIVERY", mode)
        patch.delenv("PUBSUB_EMULATOR_HOST", raising=False)
        local = cloud.up(bundles, lambda_host=LAMBDA_HOST)
        publisher, subscriber = resources.pubsub_clients(
            local.endpoints.pubsub_emulator_host
        )
        try:
            sent = {}
            for name, fails, data in (
                ("ok", 0, b"ok payload"),
                ("flaky", 2, b"flaky payload"),
                ("poison", 99, b"poison payload"),
                ("big", 0, bytes(range(256)) * (BIG // 256)),
            ):
                attributes = {"ce-id": str(uuid.uuid4()), "fail-attempts": str(fails)}
                future = publisher.publish(
                    config.settings().topic_path, data, **attributes
                )
                sent[name] = {
                    "message_id": future.result(timeout=10),
                    "attributes": attributes,
                    "data": data,
                }
            yield {
                "mode": mode,
                "cloud": local,
                "sent": sent,
                "records": root / "records.jsonl",
                "subscriber": subscriber,
            }
        finally:
            subscriber.close()
            publisher.transport.close()
            cloud.down()


def dead_letters(pipeline) -> list:
    """Pull and ack what reached the dead-letter subscription."""
    cfg = config.settings()
    subscriber = pipeline["subscriber"]
    path = subscriber.subscription_path(cfg.gcp_project, cfg.dead_letter_subscription)
    answer = subscriber.pull(subscription=path, max_messages=10, timeout=5)
    if answer.received_messages:
        ack_ids = [m.ack_id for m in answer.received_messages]
        subscriber.acknowledge(subscription=path, ack_ids=ack_ids)
    return list(answer.received_messages)


@pytest.mark.integration
def test_trigger_subscription_is_pulled_or_pushed_as_lab_delivery_says(pipeline):
    cfg = config.settings()
    local = pipeline["cloud"]
    found = pipeline["subscriber"].get_subscription(
        subscription=cfg.trigger_subscription_path
    )

    expected = local.endpoints.relay_url if pipeline["mode"] == "push" else ""
    assert found.push_config.push_endpoint == expected
    assert found.dead_letter_policy.max_delivery_attempts == 5
    assert local.services["relay"].extra["delivery"] == pipeline["mode"]
    assert cloud.status()["resources"]["delivery"] == pipeline["mode"]


@pytest.mark.integration
def test_function_gets_the_request_eventarc_sends_on_first_delivery(pipeline):
    sent = pipeline["sent"]["ok"]
    cfg = config.settings()
    record = wait_for(lambda: deliveries(pipeline, "ok"))[0]

    body = record["data"]
    assert body == {
        "subscription": cfg.trigger_subscription_path,
        "message": {
            "data": base64.b64encode(sent["data"]).decode(),
            "attributes": sent["attributes"],
            "messageId": sent["message_id"],
            "publishTime": body["message"]["publishTime"],
        },
        "deliveryAttempt": 1,
    }
    jsonschema.validate(body, SCHEMA)
    ce_headers = {k: v for k, v in record["headers"].items() if k.startswith("ce-")}
    assert ce_headers == {
        "ce-id": sent["message_id"],
        "ce-source": f"//pubsub.googleapis.com/{cfg.topic_path}",
        "ce-specversion": "1.0",
        "ce-type": "google.cloud.pubsub.topic.v1.messagePublished",
        "ce-time": body["message"]["publishTime"],
    }
    assert record["headers"]["content-type"] == "application/json"


@pytest.mark.integration
def test_rejected_delivery_comes_back_later_with_the_next_attempt(pipeline):
    wait_for(lambda: len(relay_lines(pipeline, "flaky")) >= 3, timeout=20)

    lines = relay_lines(pipeline, "flaky")
    assert [(x["delivery_attempt"], x["outcome"]) for x in lines] == [
        (1, "nack"),
        (2, "nack"),
        (3, "ack"),
    ]
    assert [r["data"]["deliveryAttempt"] for r in deliveries(pipeline, "flaky")] == [
        1,
        2,
        3,
    ]
    # Both modes back off about a second between attempts, as the push loop does.
    times = [x["received_at"] for x in lines]
    assert all(later - earlier >= 500 for earlier, later in pairwise(times))


@pytest.mark.integration
def test_message_nacked_five_times_lands_on_the_dead_letter_topic(pipeline):
    sent = pipeline["sent"]["poison"]
    found = wait_for(
        lambda: [
            m
            for m in dead_letters(pipeline)
            if m.message.attributes.get("ce-id") == sent["attributes"]["ce-id"]
        ],
        timeout=30,
        every=0.5,
    )

    attributes = found[0].message.attributes
    assert found[0].message.data == sent["data"]
    assert attributes["CloudPubSubDeadLetterSourceDeliveryCount"] == "5"
    assert [x["outcome"] for x in relay_lines(pipeline, "poison")] == ["nack"] * 5
    attempts = [r["data"]["deliveryAttempt"] for r in deliveries(pipeline, "poison")]
    assert attempts == [1, 2, 3, 4, 5]


@pytest.mark.integration
def test_accepted_messages_are_acked_once_and_never_redelivered(pipeline):
    # Once the poison message has been tried five times (about 4 s), an unacked
    # message would have come back at least once.
    wait_for(lambda: len(relay_lines(pipeline, "poison")) >= 5, timeout=30)

    for name in ("ok", "big"):
        (line,) = relay_lines(pipeline, name)
        assert (line["outcome"], line["answer"]) == ("ack", 204)


@pytest.mark.integration
def test_message_over_grpc_default_limit_is_delivered_whole(pipeline):
    (line,) = wait_for(lambda: relay_lines(pipeline, "big"), timeout=20)

    assert line["data_base64_chars"] == len(base64.b64encode(b"x" * BIG))
    assert line["processor_status"] == 200


@pytest.mark.integration
def test_relay_logs_one_line_per_delivery_with_the_fields_tracing_reads(pipeline):
    wait_for(lambda: len(relay_lines(pipeline, "flaky")) >= 3, timeout=20)

    lines = relay_lines(pipeline, "flaky")
    assert all(set(line) >= RELAY_LOG_KEYS for line in lines)
    assert {line["component"] for line in lines} == {"relay"}
    assert {line["event_id"] for line in lines} == {
        pipeline["sent"]["flaky"]["attributes"]["ce-id"]
    }


@pytest.fixture(scope="module")
def emulator_host(tmp_path_factory):
    """A Pub/Sub emulator of its own, for tests that drive a PullConsumer directly."""
    log = tmp_path_factory.mktemp("emulator") / "pubsub.log"
    port = procs.free_port()
    proc = procs.spawn(emulator.command(port), log, dict(os.environ))
    try:
        procs.wait_ready(
            "pubsub",
            proc,
            lambda: (
                procs.log_contains(log, emulator.READY_LINE) and procs.port_open(port)
            ),
            log,
            timeout=60,
        )
        yield f"127.0.0.1:{port}"
    finally:
        procs.stop(proc.pid, procs.create_time(proc.pid))


class HeldRelay(ThreadingHTTPServer):
    """A push endpoint that holds each request until the test lets it go."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _HoldingHandler)
        self.arrived = threading.Event()
        self.release = threading.Event()


class _HoldingHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: HeldRelay

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["content-length"]))
        self.server.arrived.set()
        self.server.release.wait(30)
        self.send_response(500)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format, *args) -> None:
        """Stay quiet."""


@pytest.mark.integration
@pytest.mark.filterwarnings("ignore:The return_immediately flag:DeprecationWarning")
def test_stopping_the_consumer_gives_back_what_it_holds_at_once(emulator_host):
    publisher, admin = resources.pubsub_clients(emulator_host)
    topic = publisher.topic_path("demo", "held-topic")
    subscription = admin.subscription_path("demo", "held-trigger")
    publisher.create_topic(name=topic)
    admin.create_subscription(name=subscription, topic=topic, ack_deadline_seconds=60)
    held = HeldRelay()
    threading.Thread(target=held.serve_forever, daemon=True).start()
    consumer = relay_pull.start(
        emulator_host, subscription, f"http://127.0.0.1:{held.server_address[1]}/"
    )
    try:
        publisher.publish(topic, b"in flight").result(timeout=10)
        assert held.arrived.wait(10)

        consumer.stop()
        # With a 60 s ack deadline the message would stay hidden that long, had
        # stop() not nacked it.
        answer = admin.pull(subscription=subscription, max_messages=1, timeout=5)
        assert [m.message.data for m in answer.received_messages] == [b"in flight"]
    finally:
        held.release.set()
        held.shutdown()
        held.server_close()
        admin.close()
        publisher.transport.close()
