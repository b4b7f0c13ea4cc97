"""The relay between the real emulator and a real function behaves like Eventarc.

One local cloud runs for the module; three messages are published at once (one
the function accepts, one it rejects twice, one it always rejects) so the
redelivery and dead-letter waits overlap instead of adding up.
"""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path

import jsonschema
import pytest

from lab_support import cloud
from lab_support.cloud import resources
from lab_support.config import settings
from tests.lab_support.cloud.helpers import deliveries, relay_lines, wait_for

pytestmark = pytest.mark.integration

SCHEMA = (
    Path(__file__).parents[2]
    / "fixtures/google-cloudevents-pubsub/MessagePublishedData.schema.json"
)


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory, bundles, lambda_host):
    """Run one local cloud with the recording function; publish the three messages."""
    root = tmp_path_factory.mktemp("delivery")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LAB_STATE_DIR", str(root / "state"))
        patch.setenv("RECORD_FILE", str(root / "records.jsonl"))
        patch.delenv("PUBSUB_EMULATOR_HOST", raising=False)
        local = cloud.up(bundles, lambda_host=lambda_host)
        try:
            publisher, subscriber = resources.pubsub_clients(
                local.endpoints.pubsub_emulator_host
            )
            sent = {}
            for name, fails in (("ok", 0), ("flaky", 2), ("poison", 99)):
                event_id = str(uuid.uuid4())
                attributes = {"ce-id": event_id, "fail-attempts": str(fails)}
                data = f"{name} payload".encode()
                future = publisher.publish(settings().topic_path, data, **attributes)
                sent[name] = {
                    "message_id": future.result(timeout=10),
                    "attributes": attributes,
                    "data": data,
                }
            yield {
                "cloud": local,
                "sent": sent,
                "records": root / "records.jsonl",
                "subscriber": subscriber,
            }
        finally:
            cloud.down()


def test_function_gets_exactly_the_headers_and_body_eventarc_sends(pipeline):
    sent = pipeline["sent"]["ok"]
    record = wait_for(lambda: deliveries(pipeline, "ok"))[0]
    cfg = settings()

    body = record["data"]
    publish_time = body["message"]["publishTime"]
    assert body == {
        "subscription": (
            f"projects/{cfg.gcp_project}/subscriptions/{cfg.trigger_subscription}"
        ),
        "message": {
            "data": base64.b64encode(sent["data"]).decode(),
            "attributes": sent["attributes"],
            "messageId": sent["message_id"],
            "publishTime": publish_time,
        },
        "deliveryAttempt": 1,
    }
    jsonschema.validate(body, json.loads(SCHEMA.read_text()))
    headers = record["headers"]
    assert {k: v for k, v in headers.items() if k.startswith("ce-")} == {
        "ce-id": sent["message_id"],
        "ce-source": f"//pubsub.googleapis.com/projects/{cfg.gcp_project}"
        f"/topics/{cfg.topic}",
        "ce-specversion": "1.0",
        "ce-type": "google.cloud.pubsub.topic.v1.messagePublished",
        "ce-time": publish_time,
    }
    assert headers["content-type"] == "application/json"
    assert (
        record["attributes"]["type"] == "google.cloud.pubsub.topic.v1.messagePublished"
    )


def test_nacked_delivery_is_redelivered_with_the_next_attempt_number(pipeline):
    wait_for(lambda: len(deliveries(pipeline, "flaky")) >= 3)
    wait_for(lambda: len(deliveries(pipeline, "poison")) >= 5, timeout=20)

    attempts = [r["data"]["deliveryAttempt"] for r in deliveries(pipeline, "flaky")]
    assert attempts == [1, 2, 3]
    answers = [
        (line["processor_status"], line["answer"])
        for line in relay_lines(pipeline, "flaky")
    ]
    assert answers == [(500, 500), (500, 500), (200, 204)]


def test_message_rejected_five_times_lands_on_the_dead_letter_subscription(pipeline):
    sent = pipeline["sent"]["poison"]
    cfg = settings()
    subscriber = pipeline["subscriber"]
    path = subscriber.subscription_path(cfg.gcp_project, cfg.dead_letter_subscription)

    def pulled():
        answer = subscriber.pull(subscription=path, max_messages=10, timeout=5)
        return [m for m in answer.received_messages if m.message.data == sent["data"]]

    dead = wait_for(pulled, timeout=20, every=0.5)[0]
    subscriber.acknowledge(subscription=path, ack_ids=[dead.ack_id])

    assert dead.message.attributes["ce-id"] == sent["attributes"]["ce-id"]
    assert any(
        k.startswith("CloudPubSubDeadLetterSource") for k in dead.message.attributes
    )
    attempts = [r["data"]["deliveryAttempt"] for r in deliveries(pipeline, "poison")]
    assert attempts == [1, 2, 3, 4, 5]


def test_accepted_delivery_is_acked_and_never_redelivered(pipeline):
    # By the time the poison message has been tried five times (about 4 s), an
    # unacked message would have been redelivered several times.
    wait_for(lambda: len(deliveries(pipeline, "poison")) >= 5, timeout=20)

    assert len(deliveries(pipeline, "ok")) == 1
    (line,) = relay_lines(pipeline, "ok")
    assert line["outcome"] == "ack" and line["answer"] == 204


def test_relay_logs_one_json_line_per_delivery_for_tracing(pipeline):
    wait_for(lambda: len(relay_lines(pipeline, "flaky")) >= 3)

    lines = relay_lines(pipeline, "flaky")
    event_id = pipeline["sent"]["flaky"]["attributes"]["ce-id"]
    assert [line["delivery_attempt"] for line in lines] == [1, 2, 3]
    assert {line["event_id"] for line in lines} == {event_id}
    assert all(isinstance(line["received_at"], int) for line in lines)
    assert all(line["duration_ms"] >= 0 for line in lines)
    assert [line["received_at"] for line in lines] == sorted(
        line["received_at"] for line in lines
    )
