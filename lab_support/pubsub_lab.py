"""Chapter 5's helpers for the Pub/Sub emulator: own names, bounded pulls, tidy-up.

The notebook calls google-cloud-pubsub itself; these helpers only keep each run
apart from the others (names with a short random suffix), stop every wait after
a few seconds, and delete what the run created.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from google.api_core import exceptions as google_errors

from lab_support.display import Table

PREFIX = "ch05"
# A pull that finds nothing returns at once or after its own timeout; waiting
# a little between empty pulls keeps a bounded wait from spinning.
_PAUSE_S = 0.05
_PULL_TIMEOUT_S = 2.0


@dataclass
class Names:
    """Topic and subscription paths unique to one run, remembered for clean-up."""

    project: str
    suffix: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    topics: list[str] = field(default_factory=list)
    subscriptions: list[str] = field(default_factory=list)

    def topic(self, role: str) -> str:
        """The full path of this run's topic for `role`, e.g. `uploads`."""
        path = f"projects/{self.project}/topics/{self._name(role)}"
        if path not in self.topics:
            self.topics.append(path)
        return path

    def subscription(self, role: str) -> str:
        """The full path of this run's subscription for `role`, e.g. `pull`."""
        path = f"projects/{self.project}/subscriptions/{self._name(role)}"
        if path not in self.subscriptions:
            self.subscriptions.append(path)
        return path

    def _name(self, role: str) -> str:
        # Pub/Sub names: 3 to 255 characters, starting with a letter.
        if not role or not role.replace("-", "").isalnum():
            raise ValueError(f"role {role!r}: use letters, digits and '-' only")
        return f"{PREFIX}-{role}-{self.suffix}"

    def clean_up(self, publisher, subscriber) -> str:
        """Delete every subscription, then every topic, this run named."""
        deleted = 0
        for path in self.subscriptions:
            deleted += _delete(subscriber.delete_subscription, subscription=path)
        for path in self.topics:
            deleted += _delete(publisher.delete_topic, topic=path)
        return (
            f"deleted {deleted} of {len(self.subscriptions) + len(self.topics)} "
            "topics and subscriptions this run named"
        )


def _delete(call, **kwargs: str) -> int:
    try:
        call(**kwargs)
    except google_errors.NotFound:
        return 0
    return 1


def pull(
    subscriber, subscription: str, *, want: int = 1, timeout: float = 5.0
) -> list[Any]:
    """Pull until `want` messages came or `timeout` seconds passed; never longer."""
    received: list[Any] = []
    deadline = time.monotonic() + timeout
    while len(received) < want:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            answer = subscriber.pull(
                subscription=subscription,
                max_messages=want - len(received),
                timeout=min(left, _PULL_TIMEOUT_S),
            )
        except google_errors.DeadlineExceeded:
            continue
        received.extend(answer.received_messages)
        if not answer.received_messages:
            time.sleep(_PAUSE_S)
    return received


def ack(subscriber, subscription: str, received: Iterable[Any]) -> int:
    """Acknowledge received messages so they are not delivered again."""
    ack_ids = [item.ack_id for item in received]
    if ack_ids:
        subscriber.acknowledge(subscription=subscription, ack_ids=ack_ids)
    return len(ack_ids)


def nack(subscriber, subscription: str, received: Iterable[Any]) -> int:
    """Give messages back at once: an ack deadline of 0 s asks for redelivery."""
    ack_ids = [item.ack_id for item in received]
    if ack_ids:
        subscriber.modify_ack_deadline(
            subscription=subscription, ack_ids=ack_ids, ack_deadline_seconds=0
        )
    return len(ack_ids)


def marked_id(message_id: str) -> str:
    """Label a Pub/Sub message id; ids differ on every run (the sanitizer knows)."""
    return f"{message_id} (the Pub/Sub message id)"


def _short(data: bytes, limit: int = 40) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return f"<{len(data):,} bytes>"
    return text if len(text) <= limit else f"{text[:limit]}... ({len(data):,} B)"


def deliveries(received: Sequence[Any], caption: str = "") -> Table:
    """Received messages as a table: data, attributes (sorted), attempt, id."""
    rows = []
    for item in received:
        message = item.message
        pairs = sorted(message.attributes.items())
        attributes = ", ".join(f"{k}={v}" for k, v in pairs)
        rows.append(
            (
                _short(message.data),
                attributes or "-",
                message.ordering_key or "-",
                item.delivery_attempt or "-",
                marked_id(message.message_id),
            )
        )
    header = ("data", "attributes", "ordering key", "delivery attempt", "message id")
    return Table(header, rows, caption)


def push_deliveries(requests: Sequence[Any], caption: str = "") -> Table:
    """Push requests an EchoServer recorded: its answer, and what followed it."""
    bodies = [json.loads(request.body) for request in requests]
    ids = [body["message"]["messageId"] for body in bodies]
    rows = []
    for n, (request, body) in enumerate(zip(requests, bodies, strict=True)):
        message = body["message"]
        again = ids[n] in ids[n + 1 :]
        rows.append(
            (
                n + 1,
                _short(base64.b64decode(message.get("data", ""))),
                request.status,
                "delivered again" if again else "not delivered again",
                marked_id(ids[n]),
            )
        )
    header = ("push", "data", "answered", "then", "message id")
    return Table(header, rows, caption)


def message_sizes(messages: dict[str, tuple[bytes, dict[str, str]]]) -> Table:
    """Attribute and data bytes of each message, as Pub/Sub counts them (UTF-8)."""
    rows = []
    for label, (data, attributes) in messages.items():
        attribute_bytes = sum(
            len(k.encode()) + len(v.encode()) for k, v in attributes.items()
        )
        rows.append((label, len(attributes), f"{attribute_bytes:,}", f"{len(data):,}"))
    header = ("message", "attributes", "attribute bytes", "data bytes")
    return Table(header, rows)
