"""Read the Pub/Sub message out of what Eventarc delivers for a topic trigger.

Eventarc sends `google.cloud.pubsub.topic.v1.messagePublished` whose data is
MessagePublishedData (googleapis/google-cloudevents,
google/events/cloud/pubsub/v1/data.proto): the subscription, the message with
base64 `data`, `attributes`, `messageId`, `publishTime` (older senders also
repeat the snake_case `message_id` and `publish_time`), and optionally
`deliveryAttempt`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from imagepipe.events import EventError

MESSAGE_PUBLISHED: Final = "google.cloud.pubsub.topic.v1.messagePublished"


@dataclass(frozen=True)
class PublishedMessage:
    """One Pub/Sub message as the trigger delivered it, data already decoded."""

    data: bytes
    attributes: dict[str, str]
    message_id: str | None
    publish_time: str | None
    subscription: str | None
    delivery_attempt: int | None
    ordering_key: str | None

    @property
    def published_at_ms(self) -> int | None:
        """The publish time as epoch milliseconds, to measure delivery latency."""
        if not self.publish_time:
            return None
        try:
            moment = datetime.fromisoformat(self.publish_time)
        except ValueError:
            return None
        return round(moment.timestamp() * 1000)


def _as_object(body: Any) -> Mapping[str, Any]:
    if isinstance(body, bytes | str):
        try:
            body = json.loads(body)
        except ValueError as error:
            raise EventError(
                "the trigger's event data is not JSON MessagePublishedData"
            ) from error
    if not isinstance(body, Mapping) or not isinstance(body.get("message"), Mapping):
        raise EventError(
            "the trigger's event data has no 'message' object: the processor "
            f"expects {MESSAGE_PUBLISHED} events from a Pub/Sub trigger"
        )
    return body


def _decode_data(encoded: Any) -> bytes:
    # A message may carry attributes only; its data is then empty, not missing.
    if not encoded:
        return b""
    if not isinstance(encoded, str):
        raise EventError("message.data is not a base64 string")
    try:
        return base64.b64decode(encoded, validate=True)
    except ValueError as error:  # binascii.Error, or a character outside ASCII
        raise EventError(f"message.data is not valid base64 ({error})") from error


def _attributes(raw: Any) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in raw.items()
    ):
        raise EventError("message.attributes must map strings to strings")
    return dict(raw)


def _delivery_attempt(raw: Any) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise EventError("deliveryAttempt must be a whole number")
    try:
        return int(raw)
    except ValueError as error:
        raise EventError("deliveryAttempt must be a whole number") from error


def parse(body: Any) -> PublishedMessage:
    """Decode MessagePublishedData (a dict or JSON text) with one base64 decode."""
    envelope = _as_object(body)
    message = envelope["message"]

    return PublishedMessage(
        data=_decode_data(message.get("data")),
        attributes=_attributes(message.get("attributes")),
        message_id=message.get("messageId") or message.get("message_id"),
        publish_time=message.get("publishTime") or message.get("publish_time"),
        subscription=envelope.get("subscription"),
        delivery_attempt=_delivery_attempt(envelope.get("deliveryAttempt")),
        ordering_key=message.get("orderingKey") or message.get("ordering_key"),
    )
