"""The processor Cloud Function: an uploaded image in, a processed image in S3 out.

Eventarc delivers each Pub/Sub message as a binary-mode CloudEvent of type
google.cloud.pubsub.topic.v1.messagePublished; inside it is the producer's
image.uploaded event in Google's Pub/Sub binding, which is rebuilt, processed
with Pillow and stored as processed/{event id}.{ext} exactly once. Every
delivery is answered as the table in delivery_policy.py says: done, duplicate and
permanently failed events are acked (a failure is recorded in
failed/{event id}.json first), transient failures are nacked so Pub/Sub
delivers them again.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import quote

import delivery_policy as policy
import flask
import functions_framework
import receiving
from cloudevents.http import CloudEvent
from image_transform import render
from imagepipe import settings as settings_module
from imagepipe.eventlog import event_logger, log_event
from imagepipe.events import IMAGE_UPLOADED, EventError, rfc3339
from imagepipe.images import decode
from imagepipe.keys import failure_key, record_id, result_key
from imagepipe.pubsub import from_message
from imagepipe.settings import MAX_IMAGE_BYTES
from message_published import MESSAGE_PUBLISHED, parse
from result_store import exists, put_once, s3_client

SETTINGS: Final = settings_module.load()
LOG: Final = event_logger("imagepipe.processor")
# Create the S3 client while the instance starts, not during its first event.
s3_client(SETTINGS.aws_region)
# functions-framework runs this module inside the app context of the Flask app
# it serves; the request guard goes in front of that app.
if flask.has_app_context():
    receiving.install(flask.current_app, LOG)


def _ms_since(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 3)


def _metadata(event_id: str, event_type: str, subject: str | None) -> dict[str, str]:
    # S3 user metadata travels as HTTP headers and must be US-ASCII, so the
    # subject (a file name, perhaps not ASCII) is percent-encoded.
    metadata = {"source-event-id": event_id, "source-event-type": event_type}
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
    record["subject"] = event.get("subject")
    if event["type"] != IMAGE_UPLOADED:
        raise EventError(
            f"event type {event['type']!r} is not {IMAGE_UPLOADED}: publish only "
            "image uploads to this topic"
        )
    data = event.get_data()
    if not isinstance(data, bytes) or not data:
        raise EventError(
            "the image.uploaded event carries no image bytes (its message data is "
            "empty): publish the image as the message data"
        )
    if len(data) > MAX_IMAGE_BYTES:
        raise EventError(
            f"the image is {len(data):,} bytes; the limit is {MAX_IMAGE_BYTES:,} "
            "bytes: publish a smaller image"
        )
    return event


def _already_handled(event_id: str, key: str) -> bool:
    bucket, region = SETTINGS.results_bucket, SETTINGS.aws_region
    return exists(bucket, key, region) or exists(bucket, failure_key(event_id), region)


def _handle(cloud_event: CloudEvent, record: dict[str, Any]) -> str:
    event = _upload_event(cloud_event, record)
    output = SETTINGS.output_format
    key = result_key(event["id"], output.name)
    record["result_key"] = key
    if _already_handled(event["id"], key):
        return policy.DUPLICATE.outcome

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
        SETTINGS.results_bucket,
        key,
        body,
        content_type=output.content_type,
        metadata=_metadata(event["id"], event["type"], event.get("subject")),
        region=SETTINGS.aws_region,
    )
    timings["store"] = _ms_since(start)
    record["bytes"] = len(body)
    return policy.PROCESSED.outcome if written else policy.DUPLICATE.outcome


def _record_failure(
    cloud_event: CloudEvent, record: dict[str, Any], error: Exception
) -> str:
    """Write the failure record once; return failed, or duplicate if it exists."""
    name = record_id(record["event_id"], cloud_event["id"])
    key = failure_key(name)
    record["failure_key"] = key
    failure = {
        "reason": str(error),
        "error": type(error).__name__,
        "event_id": record["event_id"],
        "event_type": record["type"],
        "event_subject": record.get("subject"),
        "delivery_id": cloud_event["id"],
        "delivery_type": cloud_event["type"],
        "message_id": record["message_id"],
        "delivery_attempt": record["delivery_attempt"],
        "failed_at": rfc3339(datetime.now(UTC)),
        "policy": f"{policy.PERMANENT.outcome}: {policy.PERMANENT.then}",
    }
    written = put_once(
        SETTINGS.results_bucket,
        key,
        json.dumps(failure, indent=2).encode("utf-8"),
        content_type="application/json",
        metadata=_metadata(name, record["type"] or cloud_event["type"], None),
        region=SETTINGS.aws_region,
    )
    return policy.PERMANENT.outcome if written else policy.DUPLICATE.outcome


def _outcome(cloud_event: CloudEvent, record: dict[str, Any]) -> str:
    try:
        return _handle(cloud_event, record)
    except policy.PERMANENT_ERRORS as error:
        record["error"] = f"{type(error).__name__}: {error}"
        return _record_failure(cloud_event, record, error)


def _retry_later(error: Exception) -> flask.Response:
    body = {"error": policy.TRANSIENT.outcome, "message": f"{error}; retry later"}
    return flask.Response(
        json.dumps(body), status=policy.TRANSIENT.status, mimetype="application/json"
    )


@functions_framework.cloud_event
def process(cloud_event: CloudEvent) -> None:
    """Handle one delivery and answer as delivery_policy says: 2xx acks, else nack."""
    received_at = int(time.time() * 1000)
    started = time.perf_counter()
    record: dict[str, Any] = {
        "event_id": None,
        "type": None,
        "outcome": None,
        "status": None,
        "delivery_id": cloud_event["id"],
        "delivery_attempt": None,
        "message_id": None,
        "published_at": None,
        "result_key": None,
        "timings_ms": {},
        "received_at": received_at,
    }
    try:
        record["outcome"] = _outcome(cloud_event, record)
        record["status"] = 200
    except Exception as error:
        rule = policy.for_error(error)
        record.update(outcome=rule.outcome, status=rule.status)
        record["error"] = f"{type(error).__name__}: {error}"
        if rule is policy.TRANSIENT:
            flask.abort(_retry_later(error))
        raise
    finally:
        record["duration_ms"] = _ms_since(started)
        log_event(LOG, **record)
