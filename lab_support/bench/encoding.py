"""Bytes on the wire and codec time of one image event in each content mode.

The same image.uploaded event is encoded and decoded over HTTP with the
CloudEvents SDK (binary and structured mode), as a Pub/Sub message with the
project's binding (binary and structured mode), and as the request the trigger
POSTs to the processor (the binary-mode message wrapped in MessagePublishedData).
Metadata is the HTTP headers or the Pub/Sub attributes; payload the HTTP body or
the message data.
"""

from __future__ import annotations

import base64
import functools
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final

from cloudevents.conversion import to_binary, to_structured
from cloudevents.http import CloudEvent, from_http
from imagepipe.events import build_upload_event
from imagepipe.pubsub import from_message, to_message

from lab_support import relay
from lab_support.bench.stats import summary
from lab_support.bench.throughput import processor_module

SOURCE: Final = "arn:aws:lambda:us-east-1:000000000000:function:cec-ingest"
PROJECT: Final = "cloudevents-course"
TOPIC: Final = "cec-image-uploads"
SUBSCRIPTION: Final = f"projects/{PROJECT}/subscriptions/cec-processor-trigger"
PUBLISH_TIME: Final = "2026-12-04T14:21:41.151Z"
MODES: Final = (
    "http_binary",
    "http_structured",
    "pubsub_binary",
    "pubsub_structured",
    "eventarc_request",
)


def header_bytes(headers: Mapping[str, str]) -> int:
    """Count HTTP header lines as sent: `name: value` and CRLF each."""
    return sum(len(f"{name}: {value}\r\n".encode()) for name, value in headers.items())


def attribute_bytes(attributes: Mapping[str, str]) -> int:
    """Count Pub/Sub attributes as Pub/Sub does: every key and value, in UTF-8."""
    return sum(len(k.encode()) + len(v.encode()) for k, v in attributes.items())


def _eventarc(event: CloudEvent) -> tuple[dict[str, str], bytes]:
    data, attributes = to_message(event, "binary")
    push = {
        "subscription": SUBSCRIPTION,
        "message": {
            "data": base64.b64encode(data).decode("ascii"),
            "attributes": attributes,
            "messageId": "1",
            "publishTime": PUBLISH_TIME,
        },
    }
    return relay.to_eventarc(push, PROJECT, TOPIC, attempt=1)


def _from_eventarc(body: bytes) -> CloudEvent:
    message = processor_module("message_published").parse(body)
    return from_message(message.data, message.attributes)


def codecs(event: CloudEvent) -> dict[str, tuple[Callable, Callable, Callable]]:
    """Return, per mode: encode(), decode(encoded), and (metadata, payload) sizes."""
    return {
        "http_binary": (
            lambda: to_binary(event),
            lambda wire: from_http(*wire),
            lambda wire: (header_bytes(wire[0]), len(wire[1])),
        ),
        "http_structured": (
            lambda: to_structured(event),
            lambda wire: from_http(*wire),
            lambda wire: (header_bytes(wire[0]), len(wire[1])),
        ),
        "pubsub_binary": (
            lambda: to_message(event, "binary"),
            lambda wire: from_message(*wire),
            lambda wire: (attribute_bytes(wire[1]), len(wire[0])),
        ),
        "pubsub_structured": (
            lambda: to_message(event, "structured"),
            lambda wire: from_message(*wire),
            lambda wire: (attribute_bytes(wire[1]), len(wire[0])),
        ),
        "eventarc_request": (
            lambda: _eventarc(event),
            lambda wire: _from_eventarc(wire[1]),
            lambda wire: (header_bytes(wire[0]), len(wire[1])),
        ),
    }


def _timed_us(action: Callable[[], Any], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1_000_000)
    return times


def compare(path: Path, runs: int) -> dict[str, Any]:
    """Encode and decode the event of one photo runs times in every content mode."""
    data = path.read_bytes()
    event = build_upload_event(
        data, source=SOURCE, subject=path.name, datacontenttype="image/jpeg"
    )
    report: dict[str, Any] = {"image": path.name, "image_bytes": len(data)}
    for mode, (encode, decode, sizes) in codecs(event).items():
        wire = encode()
        if decode(wire).get_data() != data:
            raise RuntimeError(
                f"{mode} did not give the image back unchanged: the binding is "
                "broken; run pytest tests/functions to see where"
            )
        headers, body = sizes(wire)
        report[mode] = {
            "metadata_bytes": headers,
            "payload_bytes": body,
            "wire_bytes": headers + body,
            "overhead_pct": round((headers + body - len(data)) * 100 / len(data), 1),
            "encode_us": summary(_timed_us(encode, runs)),
            "decode_us": summary(_timed_us(functools.partial(decode, wire), runs)),
        }
    return report
