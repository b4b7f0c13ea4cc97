"""The parts of the CloudEvents HTTP binding that cloudevents 1.12 leaves to you.

The SDK's `to_binary` copies attribute values into `ce-` headers as they are and
`from_http` reads them back as they are; it has no batch format. This module
adds what the binding (cloudevents/spec, bindings/http-protocol-binding.md)
asks for on top: percent-encoded header values (3.1.3.2), the receiver's choice
of content mode (3) and the JSON batch format (3.3; formats/json-format.md 4).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Final, Literal

from cloudevents.conversion import to_json
from cloudevents.http import CloudEvent, from_json
from imagepipe.events import canonical_string

# Percent-encoding (3.1.3.2) lives once, in the deployable code both functions
# bundle; the course reads it under the binding's own words.
from imagepipe.sdk import HeaderValueError
from imagepipe.sdk import attribute_value as percent_decode
from imagepipe.sdk import header_value as percent_encode

__all__ = [
    "BatchError",
    "HeaderValueError",
    "content_mode",
    "decode_headers",
    "encode_headers",
    "from_batch",
    "percent_decode",
    "percent_encode",
    "to_batch",
]

CE_PREFIX: Final = "ce-"
STRUCTURED_PREFIX: Final = "application/cloudevents"
BATCH_PREFIX: Final = "application/cloudevents-batch"
BATCH_CONTENT_TYPE: Final = "application/cloudevents-batch+json; charset=UTF-8"

ContentMode = Literal["binary", "structured", "batch"]


class BatchError(ValueError):
    """A body is not a CloudEvents JSON batch, or the events cannot form one."""


def encode_headers(headers: Mapping[str, Any]) -> dict[str, str]:
    """Write each `ce-` value as its canonical string, percent-encoded; keep others."""
    return {
        name: percent_encode(canonical_string(value))
        if name.lower().startswith(CE_PREFIX)
        else str(value)
        for name, value in headers.items()
    }


def decode_headers(headers: Iterable[tuple[str, str]] | Mapping[str, str]) -> dict:
    """Lower-case header names and percent-decode `ce-` values, before `from_http`."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    decoded: dict[str, str] = {}
    for name, value in items:
        key = name.lower()
        decoded[key] = percent_decode(value) if key.startswith(CE_PREFIX) else value
    return decoded


def content_mode(headers: Mapping[str, str]) -> ContentMode:
    """Pick the content mode as a receiver must: by the Content-Type prefix (3)."""
    lowered = {name.lower(): value for name, value in headers.items()}
    content_type = lowered.get("content-type", "").strip().lower()
    if content_type.startswith(BATCH_PREFIX):
        return "batch"
    if content_type.startswith(STRUCTURED_PREFIX):
        return "structured"
    return "binary"


def to_batch(events: Iterable[CloudEvent]) -> tuple[dict[str, str], bytes]:
    """Put events in one JSON batch body: a JSON array of structured events (3.3)."""
    chosen = list(events)
    versions = {event["specversion"] for event in chosen}
    if len(versions) > 1:
        raise BatchError(
            f"a batch mixes specversions {sorted(versions)}; HTTP binding 3.3.2 "
            "says all batched events MUST share one: send them in separate batches"
        )
    body = b"[" + b",".join(to_json(event) for event in chosen) + b"]"
    return {"content-type": BATCH_CONTENT_TYPE}, body


def from_batch(headers: Mapping[str, str], body: bytes | str) -> list[CloudEvent]:
    """Read every event of a JSON batch body; refuse a body that is not one."""
    if content_mode(headers) != "batch":
        raise BatchError(
            "the request's Content-Type is not application/cloudevents-batch+json: "
            "read it with cloudevents.http.from_http instead"
        )
    try:
        items = json.loads(body)
    except ValueError as error:
        raise BatchError(f"the batch body is not JSON: {error}") from error
    if not isinstance(items, list):
        raise BatchError(
            f"a JSON batch is an array of events, this body is a "
            f"{type(items).__name__}: send [event, ...]"
        )
    return [from_json(json.dumps(item)) for item in items]
