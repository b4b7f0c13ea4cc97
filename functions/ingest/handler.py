"""The ingest Lambda: take an image over its Function URL, publish it as a CloudEvent.

Routes (Function URL, HTTP API payload format 2.0):
    POST /images          upload an image; answers 202 with the event id
    GET  /results/{id}    pending (202), done (200, presigned URL) or failed (200)
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from typing import Any, Final

from botocore.exceptions import BotoCoreError, ClientError
from http_response import HttpError, json_response
from image_check import identify
from imagepipe import settings as settings_module
from imagepipe.eventlog import event_logger, log_event
from imagepipe.events import IMAGE_UPLOADED, build_upload_event
from imagepipe.keys import result_key, subject_from_filename
from imagepipe.pubsub import PubSubLimitError, to_message
from pubsub_publisher import PublishError, TopicMissingError, publish
from result_lookup import status
from upload_body import read_upload

SETTINGS: Final = settings_module.load()
LOG: Final = event_logger("imagepipe.ingest")

UPLOAD_PATH: Final = "/images"
_RESULT_PATH: Final = re.compile(r"/results/(?P<id>[^/]+)")
_UUID: Final = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
)
RETRY_AFTER_S: Final = "2"


def _ms_since(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 3)


def _method_and_path(event: Mapping[str, Any]) -> tuple[str, str]:
    http = (event.get("requestContext") or {}).get("http") or {}
    method, path = http.get("method"), event.get("rawPath") or http.get("path")
    if not method or not path:
        raise HttpError(
            400,
            "bad_request",
            "the event is not a Function URL request (payload format 2.0 needs "
            "requestContext.http.method and rawPath)",
        )
    return method.upper(), path


def _wrong_method(method: str, allowed: str) -> HttpError:
    return HttpError(
        405,
        "method_not_allowed",
        f"{method} is not allowed here: use {allowed}",
        headers={"allow": allowed},
    )


def _request_id(context: Any) -> str | None:
    return getattr(context, "aws_request_id", None)


def _log_rejected(
    error: HttpError, context: Any, started: float, event_id: str | None = None
) -> None:
    log_event(
        LOG,
        event_id=event_id,
        type=IMAGE_UPLOADED,
        outcome="rejected",
        status=error.status,
        error=error.error,
        request_id=_request_id(context),
        duration_ms=_ms_since(started),
    )


def _upload(event: Mapping[str, Any], context: Any, started: float) -> dict[str, Any]:
    try:
        upload = read_upload(event)
        facts = identify(upload.data)
    except HttpError as error:
        _log_rejected(error, context, started)
        raise

    subject = subject_from_filename(upload.filename, default_extension=facts.extension)
    cloud_event = build_upload_event(
        upload.data,
        source=context.invoked_function_arn,
        subject=subject,
        datacontenttype=facts.mime,
    )
    event_id = cloud_event["id"]
    try:
        data, attributes = to_message(cloud_event, "binary")
    except PubSubLimitError as limit:
        error = HttpError(413, "message_too_large", str(limit))
        _log_rejected(error, context, started, event_id)
        raise error from limit

    publish_started = time.perf_counter()
    try:
        message_id = publish(SETTINGS.pubsub_topic, data, attributes)
    except PublishError as error:
        log_event(
            LOG,
            event_id=event_id,
            type=IMAGE_UPLOADED,
            outcome="publish_failed",
            error=str(error),
            request_id=_request_id(context),
            bytes=len(data),
            publish_ms=_ms_since(publish_started),
            duration_ms=_ms_since(started),
        )
        if isinstance(error, TopicMissingError):
            raise HttpError(500, "topic_missing", str(error)) from error
        raise HttpError(
            503,
            "publish_failed",
            f"{error}, so the event may or may not have reached the topic: ask "
            f"GET /results/{event_id} in a minute, and upload again only if it "
            "is still pending (a new upload is a new event)",
            headers={"retry-after": RETRY_AFTER_S},
        ) from error
    publish_ms = _ms_since(publish_started)

    duration_ms = _ms_since(started)
    log_event(
        LOG,
        event_id=event_id,
        type=IMAGE_UPLOADED,
        outcome="published",
        subject=subject,
        datacontenttype=facts.mime,
        message_id=message_id,
        request_id=_request_id(context),
        bytes=len(data),
        publish_ms=publish_ms,
        duration_ms=duration_ms,
    )
    body = {
        "event_id": event_id,
        "result_key": result_key(event_id, SETTINGS.output_format.name),
        "status_url": f"/results/{event_id}",
        "subject": subject,
        "datacontenttype": facts.mime,
    }
    timing = f"handler;dur={duration_ms}, publish;dur={publish_ms}"
    return json_response(202, body, {"server-timing": timing})


def _result(raw_id: str) -> dict[str, Any]:
    event_id = raw_id.lower()
    if not _UUID.fullmatch(event_id):
        raise HttpError(
            400,
            "bad_request",
            f"{raw_id[:60]!r} is not an event id: use the event_id (a UUID) that "
            "POST /images returned",
        )
    try:
        code, body = status(event_id, SETTINGS)
    except (BotoCoreError, ClientError) as error:
        raise HttpError(
            503,
            "storage_unavailable",
            f"S3 bucket {SETTINGS.results_bucket} could not be read ({error}): "
            "check that it exists and retry",
            headers={"retry-after": RETRY_AFTER_S},
        ) from error
    return json_response(code, body)


def handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    """Route one Function URL request to the upload or the result lookup."""
    started = time.perf_counter()
    try:
        method, path = _method_and_path(event)
        if path == UPLOAD_PATH:
            if method != "POST":
                raise _wrong_method(method, "POST")
            return _upload(event, context, started)
        found = _RESULT_PATH.fullmatch(path)
        if found:
            if method != "GET":
                raise _wrong_method(method, "GET")
            return _result(found["id"])
        raise HttpError(
            404,
            "not_found",
            f"no route for {method} {path}: use POST /images or GET /results/{{id}}",
        )
    except HttpError as error:
        return error.response()
