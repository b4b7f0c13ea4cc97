"""The processor Cloud Function: an uploaded image in, a processed image in S3 out.

Eventarc delivers each Pub/Sub message as a binary-mode CloudEvent of type
google.cloud.pubsub.topic.v1.messagePublished; inside it is the producer's
image.uploaded event in Google's Pub/Sub binding, which is rebuilt, processed
with Pillow and stored as processed/{event id}.{ext} exactly once.
"""

from __future__ import annotations

import time
from typing import Any, Final
from urllib.parse import quote

import functions_framework
from cloudevents.http import CloudEvent
from image_transform import render
from imagepipe import settings as settings_module
from imagepipe.eventlog import event_logger, log_event
from imagepipe.events import IMAGE_UPLOADED, EventError
from imagepipe.images import decode
from imagepipe.keys import result_key
from imagepipe.pubsub import from_message
from message_published import MESSAGE_PUBLISHED, parse
from result_store import exists, put_once, s3_client

SETTINGS: Final = settings_module.load()
LOG: Final = event_logger("imagepipe.processor")
# Create the S3 client while the instance starts, not during its first event.
s3_client(SETTINGS.aws_region)


def _ms_since(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 3)


def _metadata(event: CloudEvent) -> dict[str, str]:
    # S3 user metadata travels as HTTP headers and must be US-ASCII, so the
    # subject (a file name, perhaps not ASCII) is percent-encoded.
    metadata = {
        "source-event-id": event["id"],
        "source-event-type": event["type"],
    }
    subject = event.get("subject")
    if subject:
        metadata["source-event-subject"] = quote(subject, safe="")
    return metadata


def _upload_event(cloud_event: CloudEvent, record: dict[str, Any]) -> CloudEvent:
    if cloud_event["type"] != MESSAGE_PUBLISHED:
        raise EventError(
            f"event type {cloud_event['type']!r} is not {MESSAGE_PUBLISHED}: "
            "connect the processor to the topic through a Pub/Sub trigger"
        )
    message = parse(cloud_event.get_data())
    record["delivery_attempt"] = message.delivery_attempt
    record["message_id"] = message.message_id
    record["published_at"] = message.published_at_ms

    event = from_message(message.data, message.attributes)
    record["event_id"], record["type"] = event["id"], event["type"]
    if event["type"] != IMAGE_UPLOADED:
        raise EventError(
            f"event type {event['type']!r} is not {IMAGE_UPLOADED}: publish only "
            "image uploads to this topic"
        )
    if not isinstance(event.get_data(), bytes):
        raise EventError("the image.uploaded event carries no image bytes")
    return event


def _handle(cloud_event: CloudEvent, record: dict[str, Any]) -> None:
    event = _upload_event(cloud_event, record)
    output = SETTINGS.output_format
    key = result_key(event["id"], output.name)
    record["result_key"] = key
    bucket, region = SETTINGS.results_bucket, SETTINGS.aws_region

    if exists(bucket, key, region):
        record["outcome"] = "duplicate"
        return

    timings = record["timings_ms"]
    start = time.perf_counter()
    with decode(event.get_data()) as image:
        timings["decode"] = _ms_since(start)
        start = time.perf_counter()
        body = render(
            image,
            fit_box=SETTINGS.fit_box,
            operation=SETTINGS.operation,
            output=output,
            event_id=event["id"],
        )
    timings["processing"] = _ms_since(start)

    start = time.perf_counter()
    written = put_once(
        bucket,
        key,
        body,
        content_type=output.content_type,
        metadata=_metadata(event),
        region=region,
    )
    timings["store"] = _ms_since(start)
    record["outcome"] = "processed" if written else "duplicate"
    record["bytes"] = len(body)


@functions_framework.cloud_event
def process(cloud_event: CloudEvent) -> None:
    """Process one delivered upload event; raise on failure so it is not acked."""
    received_at = int(time.time() * 1000)
    started = time.perf_counter()
    record: dict[str, Any] = {
        "event_id": None,
        "type": None,
        "outcome": "failed",
        "delivery_attempt": None,
        "message_id": None,
        "published_at": None,
        "result_key": None,
        "timings_ms": {},
        "received_at": received_at,
    }
    try:
        _handle(cloud_event, record)
    except Exception as error:
        record["error"] = f"{type(error).__name__}: {error}"
        raise
    finally:
        record["duration_ms"] = _ms_since(started)
        log_event(LOG, **record)
