"""Google's CloudEvents binding for Pub/Sub: a CloudEvent to a message and back.

The binding is googleapis/google-cloudevents docs/spec/pubsub.md. Binary content
mode puts each attribute in a Pub/Sub attribute ``ce-<name>`` (datacontenttype
in ``content-type``) and the event data, unchanged, in the message data.
Structured content mode puts the whole event, in the CloudEvents JSON format,
in the message data and sets ``content-type: application/cloudevents+json``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final, Literal

from cloudevents.conversion import to_json
from cloudevents.exceptions import GenericException
from cloudevents.http import CloudEvent, from_json

from imagepipe import sdk
from imagepipe.events import (
    EventError,
    canonical_string,
    validate_attributes,
)

PREFIX: Final = "ce-"
CONTENT_TYPE: Final = "content-type"
STRUCTURED_PREFIX: Final = "application/cloudevents"
STRUCTURED_CONTENT_TYPE: Final = "application/cloudevents+json; charset=UTF-8"

# Pub/Sub quotas and limits (cloud.google.com/pubsub/quotas), counted in UTF-8.
MAX_ATTRIBUTE_KEY_BYTES: Final = 256
MAX_ATTRIBUTE_VALUE_BYTES: Final = 1024
MAX_ATTRIBUTES: Final = 100
MAX_MESSAGE_BYTES: Final = 10_000_000

Mode = Literal["binary", "structured"]


class PubSubLimitError(EventError):
    """A message would break a Pub/Sub limit, so publishing it would fail."""


def _utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def check_limits(data: bytes, attributes: Mapping[str, str]) -> None:
    """Refuse a message Pub/Sub would reject, naming the limit it breaks."""
    if len(attributes) > MAX_ATTRIBUTES:
        raise PubSubLimitError(
            f"message has {len(attributes)} attributes; Pub/Sub allows at most "
            f"{MAX_ATTRIBUTES}: drop extensions or use structured mode"
        )
    for key, value in attributes.items():
        if _utf8_len(key) > MAX_ATTRIBUTE_KEY_BYTES:
            raise PubSubLimitError(
                f"attribute key {key[:40]!r}... is {_utf8_len(key)} bytes; Pub/Sub "
                f"allows at most {MAX_ATTRIBUTE_KEY_BYTES} bytes: shorten the name"
            )
        if _utf8_len(value) > MAX_ATTRIBUTE_VALUE_BYTES:
            raise PubSubLimitError(
                f"attribute {key!r} is {_utf8_len(value)} bytes; Pub/Sub allows at "
                f"most {MAX_ATTRIBUTE_VALUE_BYTES} bytes a value: shorten it or "
                "use structured mode"
            )
    # Pub/Sub counts the data plus every attribute key and value.
    size = len(data) + sum(_utf8_len(k) + _utf8_len(v) for k, v in attributes.items())
    if size > MAX_MESSAGE_BYTES:
        raise PubSubLimitError(
            f"message is {size:,} bytes; Pub/Sub allows at most "
            f"{MAX_MESSAGE_BYTES:,} bytes: send a smaller image"
        )


def _data_bytes(event: CloudEvent) -> bytes:
    data = event.get_data()
    if data is None:
        return b""
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data)
    if isinstance(data, str):
        return data.encode("utf-8")
    return json.dumps(data, separators=(",", ":")).encode("utf-8")


def _to_binary(event: CloudEvent) -> tuple[bytes, dict[str, str]]:
    attributes: dict[str, str] = {}
    for name, value in event.get_attributes().items():
        if value is None:
            continue
        key = CONTENT_TYPE if name == "datacontenttype" else PREFIX + name
        attributes[key] = canonical_string(value)
    return _data_bytes(event), attributes


def _to_structured(event: CloudEvent) -> tuple[bytes, dict[str, str]]:
    return to_json(event), {CONTENT_TYPE: STRUCTURED_CONTENT_TYPE}


def to_message(
    event: CloudEvent, mode: Mode = "binary"
) -> tuple[bytes, dict[str, str]]:
    """Turn a CloudEvent into Pub/Sub message data and attributes, within limits."""
    validate_attributes(event.get_attributes())

    if mode == "binary":
        data, attributes = _to_binary(event)
    elif mode == "structured":
        data, attributes = _to_structured(event)
    else:
        raise EventError(f"content mode {mode!r} unknown: use binary or structured")

    check_limits(data, attributes)
    return data, attributes


def _from_structured(data: bytes) -> CloudEvent:
    try:
        envelope = json.loads(data)
        binary = isinstance(envelope, dict) and "data_base64" in envelope
        event = from_json(data, sdk.keep_bytes if binary else None)
    except (GenericException, ValueError) as error:
        raise EventError(
            f"structured-mode message data is not a CloudEvent in JSON: {error}"
        ) from error
    validate_attributes(event.get_attributes())
    return sdk.without_invented(event, envelope)


def _from_binary(data: bytes, attributes: Mapping[str, str]) -> CloudEvent:
    event_attributes: dict[str, Any] = {
        key[len(PREFIX) :]: value
        for key, value in attributes.items()
        if key.lower().startswith(PREFIX)
    }
    content_type = attributes.get(CONTENT_TYPE)
    if content_type:
        event_attributes["datacontenttype"] = content_type

    validate_attributes(event_attributes)
    return sdk.event(event_attributes, data)


def from_message(
    data: bytes | None, attributes: Mapping[str, str] | None
) -> CloudEvent:
    """Rebuild the CloudEvent a Pub/Sub message carries, in either content mode."""
    body = data or b""
    attrs = dict(attributes or {})

    if attrs.get(CONTENT_TYPE, "").lower().startswith(STRUCTURED_PREFIX):
        return _from_structured(body)
    return _from_binary(body, attrs)
