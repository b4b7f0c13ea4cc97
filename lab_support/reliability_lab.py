"""Chapter 9's tools: publish awkward messages, send raw deliveries, read dead letters.

Each helper does one real thing against the running local cloud (publish to
its topic, POST to its processor, pull its dead-letter subscription) and
returns plain data, so a notebook shows what the services did rather than
what they are said to do.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from lab_support import client, config, processor_lab, relay
from lab_support.display import Table
from lab_support.errors import CourseError

# Over the processor's delivery limit once Eventarc has base64-encoded it.
OVERSIZED_BYTES: Final = 5_000_000
DEAD_LETTER_TIMEOUT_S: Final = 20.0
DEAD_LETTER_COUNT: Final = "CloudPubSubDeadLetterSourceDeliveryCount"


@dataclass(frozen=True)
class Answer:
    """What the processor answered one raw delivery: status and message."""

    status: int
    message: str


def policy_table(rules: Iterable[Any], caption: str) -> Table:
    """Show a function's status-code policy rows as a table, status first."""
    rows = [(rule.status, rule.case, rule.outcome, rule.then) for rule in rules]
    return Table(("status", "kind of input", "logged as", "then"), rows, caption)


def _clients(cloud):
    from lab_support import relay_pull
    from lab_support.cloud import resources

    host = cloud.endpoints.pubsub_emulator_host
    publisher, _ = resources.pubsub_clients(host)
    # A dead letter over 4 MiB needs gRPC's receive limit lifted.
    return publisher, relay_pull.subscriber_client(host)


def publish(cloud, data: bytes, attributes: Mapping[str, str]) -> str:
    """Publish one message straight to the pipeline's topic; return its id."""
    publisher, subscriber = _clients(cloud)
    try:
        future = publisher.publish(config.settings().topic_path, data, **attributes)
        return future.result(timeout=30)
    finally:
        publisher.transport.close()
        subscriber.close()


def publish_event(cloud, event) -> str:
    """Publish a CloudEvent in the Pub/Sub binding, as a producer would; return id."""
    from imagepipe.pubsub import to_message

    data, attributes = to_message(event)
    return publish(cloud, data, attributes)


def publish_oversized(cloud) -> tuple[str, str]:
    """Publish a message the processor refuses unread every time: (id, marker)."""
    marker = uuid.uuid4().hex
    return publish(cloud, bytes(OVERSIZED_BYTES), {"marker": marker}), marker


def wait_for_dead_letter(
    cloud, marker: str, timeout_s: float = DEAD_LETTER_TIMEOUT_S
) -> dict[str, str]:
    """Pull the dead-letter subscription until the marked message is there."""
    settings = config.settings()
    publisher, subscriber = _clients(cloud)
    path = subscriber.subscription_path(
        settings.gcp_project, settings.dead_letter_subscription
    )
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            answer = subscriber.pull(subscription=path, max_messages=10, timeout=2)
            if not answer.received_messages:
                continue
            subscriber.acknowledge(
                subscription=path,
                ack_ids=[m.ack_id for m in answer.received_messages],
            )
            for received in answer.received_messages:
                attributes = dict(received.message.attributes)
                if attributes.get("marker") == marker:
                    return attributes
    finally:
        publisher.transport.close()
        subscriber.close()
    raise CourseError(
        f"no dead letter marked {marker} after {timeout_s:g} s; look at "
        "`python -m lab_support logs relay`"
    )


def result(cloud, event_id: str, timeout_s: float = 10.0) -> dict[str, Any]:
    """Ask GET /results/{id} until it is no longer pending; return the answer."""
    url = cloud.endpoints.function_url.rstrip("/") + f"/results/{event_id}"
    deadline = time.monotonic() + timeout_s
    while True:
        answer = client.request("GET", url)
        if answer.status != 202:
            return answer.json()
        if time.monotonic() > deadline:
            raise CourseError(
                f"event {event_id} is still pending after {timeout_s:g} s; look at "
                "`python -m lab_support logs processor`"
            )
        time.sleep(0.02)


def deliveries(cloud, message_id: str) -> list[dict[str, Any]]:
    """The relay's log lines for one Pub/Sub message, one a delivery attempt."""
    return [
        line
        for line in processor_lab.records(cloud, "relay", message_id=message_id)
        if line.get("component") == "relay"
    ]


def eventarc_request(event, message_id: str | None = None) -> tuple[dict, bytes]:
    """The request Eventarc (the relay) sends the processor for one event."""
    from imagepipe.pubsub import to_message

    data, attributes = to_message(event)
    push = {
        "subscription": config.settings().trigger_subscription,
        "message": {
            "data": base64.b64encode(data).decode("ascii"),
            "attributes": attributes,
            "messageId": message_id or str(time.time_ns()),
            "publishTime": "2026-12-04T14:18:00.123Z",
        },
    }
    settings = config.settings()
    return relay.to_eventarc(push, settings.gcp_project, settings.topic, attempt=1)


def send(cloud, headers: Mapping[str, str], body: bytes | str) -> Answer:
    """POST one request to the processor as it is, and return its answer."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    response = client.request("POST", cloud.endpoints.processor_url, raw, dict(headers))
    try:
        message = json.loads(response.body).get("message", "")
    except ValueError:
        message = response.body.decode("utf-8", "replace")
    return Answer(response.status, message)


def answers(cloud, requests: Sequence[tuple[str, Mapping[str, str], bytes]]) -> Table:
    """Send each (name, headers, body) to the processor; tabulate the answers."""
    rows = []
    for name, headers, body in requests:
        answer = send(cloud, headers, body)
        rows.append((name, answer.status, answer.message))
    return Table(("request", "status", "message"), rows, "the processor's answers")
