"""Reliability through the real local cloud: dead letters, duplicates, empty data.

The local cloud's trigger subscription has a dead-letter policy of 5 attempts,
and the emulator redelivers a nacked message about once a second, so a
message the processor refuses every time is in the dead-letter topic within
about 6 seconds.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from pathlib import Path

import pytest
from imagepipe.events import build_upload_event
from imagepipe.pubsub import to_message

from lab_support import client, config, relay, relay_pull, trace
from lab_support.cloud import resources

pytestmark = pytest.mark.integration

DEAD_LETTER_WAIT_S = 20.0


@pytest.fixture(scope="module")
def pubsub(local_cloud):
    host = local_cloud.endpoints.pubsub_emulator_host
    publisher, _ = resources.pubsub_clients(host)
    # The dead letter is over gRPC's default 4 MiB receive limit.
    subscriber = relay_pull.subscriber_client(host)
    yield publisher, subscriber
    publisher.transport.close()
    subscriber.close()


def _dead_letter(subscriber, marker: str, timeout_s: float):
    settings = config.settings()
    path = subscriber.subscription_path(
        settings.gcp_project, settings.dead_letter_subscription
    )
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        answer = subscriber.pull(subscription=path, max_messages=10, timeout=2)
        if not answer.received_messages:
            continue
        subscriber.acknowledge(
            subscription=path, ack_ids=[m.ack_id for m in answer.received_messages]
        )
        for received in answer.received_messages:
            if received.message.attributes.get("marker") == marker:
                return received.message
    return None


def test_message_refused_every_time_ends_in_the_dead_letter_topic(local_cloud, pubsub):
    publisher, subscriber = pubsub
    marker = uuid.uuid4().hex
    # 5 MB of data makes an Eventarc request over the processor's size limit:
    # it is refused (413) before it is read, on every attempt.
    message_id = publisher.publish(
        config.settings().topic_path, bytes(5_000_000), marker=marker
    ).result(timeout=30)

    dead = _dead_letter(subscriber, marker, DEAD_LETTER_WAIT_S)

    assert dead is not None, "the message never reached the dead-letter topic"
    assert dead.attributes["CloudPubSubDeadLetterSourceDeliveryCount"] == "5"
    assert dead.attributes["CloudPubSubDeadLetterSourceSubscription"].endswith(
        config.settings().trigger_subscription
    )
    deliveries = [
        line
        for line in trace.json_lines(Path(local_cloud.services["relay"].log))
        if line.get("message_id") == message_id
    ]
    assert [line["delivery_attempt"] for line in deliveries] == [1, 2, 3, 4, 5]
    assert {line["processor_status"] for line in deliveries} == {413}


def test_message_with_attributes_and_no_data_is_recorded_as_failed(local_cloud, pubsub):
    publisher, _subscriber = pubsub
    event = build_upload_event(
        b"x",
        source="//tests/reliability",
        subject="empty.png",
        datacontenttype="image/png",
    )
    _data, attributes = to_message(event)
    publisher.publish(config.settings().topic_path, b"", **attributes).result(10)
    url = local_cloud.endpoints.function_url.rstrip("/") + f"/results/{event['id']}"

    deadline = time.monotonic() + 10
    answer = client.request("GET", url)
    while answer.status == 202 and time.monotonic() < deadline:
        time.sleep(0.05)
        answer = client.request("GET", url)

    assert answer.status == 200
    assert answer.json()["status"] == "failed"
    assert "carries no image bytes" in answer.json()["reason"]


def test_duplicate_delivery_is_absorbed_and_writes_nothing_twice(local_cloud):
    duplicating = relay.RelayServer(
        0,
        local_cloud.endpoints.processor_url,
        config.settings().gcp_project,
        config.settings().topic,
        relay.Duplicates(rate=1.0),
    )
    threading.Thread(target=duplicating.serve_forever, daemon=True).start()
    event = build_upload_event(
        config.DEFAULT_IMAGE.read_bytes(),
        source="//tests/reliability",
        subject="twice.jpg",
        datacontenttype="image/jpeg",
    )
    data, attributes = to_message(event)
    push = {
        "subscription": config.settings().trigger_subscription,
        "message": {
            "data": base64.b64encode(data).decode(),
            "attributes": attributes,
            "messageId": str(time.time_ns()),
            "publishTime": "2026-12-04T14:18:00.123Z",
        },
    }
    try:
        answer = client.request(
            "POST",
            f"http://127.0.0.1:{duplicating.server_address[1]}/",
            json.dumps(push).encode(),
            {"content-type": "application/json"},
        )
    finally:
        duplicating.shutdown()
        duplicating.server_close()

    assert answer.status == 204
    log = Path(local_cloud.services["processor"].log)
    outcomes = [
        line["outcome"]
        for line in trace.json_lines(log)
        if line.get("event_id") == event["id"]
    ]
    assert outcomes == ["processed", "duplicate"]
    s3 = local_cloud.s3()
    versions = s3.list_object_versions(
        Bucket=local_cloud.bucket, Prefix=f"processed/{event['id']}"
    )
    assert len(versions.get("Versions", [])) == 1
