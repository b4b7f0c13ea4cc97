"""Constants and helpers the functions' tests share: fixtures, messages, pulls."""

from __future__ import annotations

import base64
import io
import itertools
import json
import struct
import time
import zlib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = ROOT / "functions"
FIXTURES = ROOT / "tests" / "fixtures"
SAMPLES = ROOT / "lab_support" / "data" / "sample_images"
PROJECT = "cloudevents-course"
TOPIC = f"projects/{PROJECT}/topics/cec-test-uploads"
SUBSCRIPTION = f"projects/{PROJECT}/subscriptions/cec-test-pull"
BUCKET = "cec-test-results"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:cec-ingest"


_DELIVERY_IDS = itertools.count(int(time.time() * 1000))


def delivery_id() -> str:
    """A fresh Pub/Sub message id, so each test's deliveries are its own."""
    return str(next(_DELIVERY_IDS))


def log_lines(captured: str) -> list[dict]:
    """The JSON lines a function logged, from captured stdout."""
    return [json.loads(line) for line in captured.splitlines() if line.startswith("{")]


def stored_json(s3: Any, key: str) -> dict[str, Any]:
    """Read a JSON object (a failure record) from the test bucket."""
    return json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())


def keys_under(s3: Any, prefix: str) -> list[str]:
    """List the test bucket's keys that start with prefix."""
    listing = s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    return [item["Key"] for item in listing.get("Contents", [])]


def pull(max_messages: int = 10, timeout: float = 10.0) -> list[Any]:
    """Pull and ack what the test subscription holds (at least one message)."""
    from google.cloud import pubsub_v1

    with pubsub_v1.SubscriberClient() as subscriber:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            # A short RPC deadline: the emulator holds an empty pull until then.
            response = subscriber.pull(
                subscription=SUBSCRIPTION, max_messages=max_messages, timeout=1
            )
            if response.received_messages:
                subscriber.acknowledge(
                    subscription=SUBSCRIPTION,
                    ack_ids=[m.ack_id for m in response.received_messages],
                )
                return [m.message for m in response.received_messages]
    return []


def drain() -> None:
    """Empty the test subscription, so a test sees only its own messages."""
    drained = pull(timeout=0.2)
    while drained:
        drained = pull(timeout=0.2)


def function_url_event(name: str) -> dict[str, Any]:
    """Load one golden Function URL event by file name."""
    return json.loads((FIXTURES / "function_url" / name).read_text())


def message_published_body(data: bytes, attributes: dict[str, str]) -> dict[str, Any]:
    """Wrap a Pub/Sub message as Eventarc's MessagePublishedData does."""
    return {
        "subscription": f"projects/{PROJECT}/subscriptions/cec-processor-trigger",
        "message": {
            "data": base64.b64encode(data).decode("ascii"),
            "attributes": attributes,
            "messageId": "1234567890",
            "publishTime": "2026-12-04T14:18:00.123Z",
        },
        "deliveryAttempt": 1,
    }


def eventarc_headers(message_id: str = "1234567890") -> dict[str, str]:
    """The binary-mode CloudEvent headers Eventarc sends with a Pub/Sub message."""
    return {
        "ce-id": message_id,
        "ce-source": f"//pubsub.googleapis.com/projects/{PROJECT}/topics/cec-uploads",
        "ce-specversion": "1.0",
        "ce-type": "google.cloud.pubsub.topic.v1.messagePublished",
        "ce-time": "2026-12-04T14:18:00.123Z",
        "content-type": "application/json",
    }


def upload_delivery(
    data: bytes,
    *,
    subject: str = "photo.png",
    datacontenttype: str = "image/png",
    message_id: str | None = None,
    mode: str = "binary",
) -> tuple[dict[str, str], str, Any]:
    """The Eventarc request for one upload event: headers, body and the event."""
    from imagepipe.events import build_upload_event
    from imagepipe.pubsub import to_message

    event = build_upload_event(
        data, source=FUNCTION_ARN, subject=subject, datacontenttype=datacontenttype
    )
    message_id = message_id or delivery_id()
    body = message_published_body(*to_message(event, mode))
    body["message"]["messageId"] = message_id
    return eventarc_headers(message_id), json.dumps(body), event


def png_bytes(size: tuple[int, int] = (32, 24), colour=(200, 40, 40)) -> bytes:
    """A small real PNG."""
    from PIL import Image

    encoded = io.BytesIO()
    Image.new("RGB", size, colour).save(encoded, "PNG")
    return encoded.getvalue()


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    checksum = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return (
        struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", checksum)
    )


def pixel_bomb_png(width: int = 14_000, height: int = 14_000) -> bytes:
    """A valid 1-bit PNG of width x height, all black: tiny file, huge picture.

    Written row by row through one zlib stream, so building it needs no more
    memory than one row, unlike asking Pillow to draw 196 million pixels.
    """
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    row = b"\x00" + bytes((width + 7) // 8)  # filter byte "none", then the bits
    packer = zlib.compressobj(9)
    compressed = b"".join(packer.compress(row) for _ in range(height))
    compressed += packer.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", compressed)
        + _png_chunk(b"IEND", b"")
    )
