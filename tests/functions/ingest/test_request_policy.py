"""Every row of the ingest function's status-code policy, and the awkward uploads.

Each scenario sends one kind of Function URL request to the real handler (moto
S3 and the Pub/Sub emulator behind it) and returns the status, which must be
the status of its row in request_policy.
"""

from __future__ import annotations

import base64
import copy
import json
import uuid
from dataclasses import replace
from typing import Any

import pytest
import request_policy as policy
from imagepipe.pubsub import from_message

from tests.functions.helpers import (
    BUCKET,
    SAMPLES,
    drain,
    function_url_event,
    pixel_bomb_png,
    png_bytes,
    pull,
)

TEMPLATE = function_url_event("post_image_raw_jpeg.json")


def post(
    content: bytes,
    content_type: str,
    *,
    encoded: bool = True,
    padding: bool = True,
    path: str = "/images",
    method: str = "POST",
) -> dict[str, Any]:
    """A payload 2.0 event for one request, as the Function URL builds it."""
    event = copy.deepcopy(TEMPLATE)
    event.pop("queryStringParameters", None)
    event["rawQueryString"] = ""
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["requestContext"]["http"]["method"] = method
    event["headers"]["content-type"] = content_type
    if encoded:
        text = base64.b64encode(content).decode("ascii")
        event["body"] = text if padding else text.rstrip("=")
    else:
        event["body"] = content.decode("utf-8", "replace")
    event["isBase64Encoded"] = encoded
    return event


def multipart(
    parts: list[tuple[str, str | None, str | None, bytes]],
) -> tuple[bytes, str]:
    """Encode form fields (name, filename, content type, content) as a browser does."""
    boundary = f"----form-{uuid.uuid4().hex}"
    body = b""
    for name, filename, content_type, content in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        head = f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
        if content_type:
            head += f"Content-Type: {content_type}\r\n"
        body += head.encode() + b"\r\n" + content + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def answer(ingest, lambda_context, event) -> tuple[int, dict[str, Any]]:
    response = ingest.handler(event, lambda_context)
    return response["statusCode"], json.loads(response["body"])


def _result_event(event_id: str) -> dict[str, Any]:
    return post(b"", "image/png", path=f"/results/{event_id}", method="GET")


def _accepted(ingest, ctx, **_: Any) -> int:
    status, _ = answer(ingest, ctx, post(png_bytes(), "image/png"))
    drain()
    return status


def _not_an_image(ingest, ctx, **_: Any) -> int:
    return answer(ingest, ctx, post(b"just text, honestly\n", "image/png"))[0]


def _damaged(ingest, ctx, **_: Any) -> int:
    truncated = (SAMPLES / "tricky" / "truncated.jpg").read_bytes()
    return answer(ingest, ctx, post(truncated, "image/jpeg"))[0]


def _too_large(ingest, ctx, **_: Any) -> int:
    return answer(ingest, ctx, post(pixel_bomb_png(), "image/png"))[0]


def _bad_request(ingest, ctx, **_: Any) -> int:
    return answer(ingest, ctx, post(png_bytes(), "image/png", encoded=False))[0]


def _wrong_method(ingest, ctx, **_: Any) -> int:
    return answer(ingest, ctx, post(b"", "image/png", method="GET"))[0]


def _unknown_route(ingest, ctx, **_: Any) -> int:
    return answer(ingest, ctx, post(png_bytes(), "image/png", path="/upload"))[0]


def _pubsub_unavailable(ingest, ctx, monkeypatch, **_: Any) -> int:
    import pubsub_publisher

    monkeypatch.setattr(pubsub_publisher, "_client", None)
    monkeypatch.setenv("PUBSUB_EMULATOR_HOST", "127.0.0.1:9")
    status, body = answer(ingest, ctx, post(png_bytes(), "image/png"))
    assert body["error"] == "publish_failed"
    return status


def _topic_missing(ingest, ctx, monkeypatch, **_: Any) -> int:
    missing = "projects/cloudevents-course/topics/cec-no-such-topic"
    monkeypatch.setattr(
        ingest, "SETTINGS", replace(ingest.SETTINGS, pubsub_topic=missing)
    )
    status, body = answer(ingest, ctx, post(png_bytes(), "image/png"))
    assert body["error"] == "topic_missing"
    return status


def _result_done(ingest, ctx, s3, **_: Any) -> int:
    event_id = str(uuid.uuid4())
    s3.put_object(Bucket=BUCKET, Key=f"processed/{event_id}.jpg", Body=b"\xff\xd8")
    status, body = answer(ingest, ctx, _result_event(event_id))
    assert body["status"] == "done"
    return status


def _result_failed(ingest, ctx, s3, **_: Any) -> int:
    event_id = str(uuid.uuid4())
    record = json.dumps({"reason": "the image is damaged"}).encode()
    s3.put_object(Bucket=BUCKET, Key=f"failed/{event_id}.json", Body=record)
    status, body = answer(ingest, ctx, _result_event(event_id))
    assert body["status"] == "failed"
    return status


def _result_pending(ingest, ctx, **_: Any) -> int:
    status, body = answer(ingest, ctx, _result_event(str(uuid.uuid4())))
    assert body["status"] == "pending"
    return status


def _storage_unavailable(ingest, ctx, monkeypatch, **_: Any) -> int:
    monkeypatch.setattr(
        ingest, "SETTINGS", replace(ingest.SETTINGS, results_bucket="cec-no-bucket")
    )
    return answer(ingest, ctx, _result_event(str(uuid.uuid4())))[0]


SCENARIOS = {
    policy.ACCEPTED: _accepted,
    policy.NOT_AN_IMAGE: _not_an_image,
    policy.DAMAGED: _damaged,
    policy.TOO_LARGE: _too_large,
    policy.BAD_REQUEST: _bad_request,
    policy.WRONG_METHOD: _wrong_method,
    policy.UNKNOWN_ROUTE: _unknown_route,
    policy.PUBSUB_UNAVAILABLE: _pubsub_unavailable,
    policy.TOPIC_MISSING: _topic_missing,
    policy.RESULT_DONE: _result_done,
    policy.RESULT_FAILED: _result_failed,
    policy.RESULT_PENDING: _result_pending,
    policy.STORAGE_UNAVAILABLE: _storage_unavailable,
}


def test_every_row_of_the_policy_has_a_scenario():
    assert set(SCENARIOS) == set(policy.RULES)


@pytest.mark.parametrize(
    "rule", policy.RULES, ids=[f"{r.status}-{r.outcome}" for r in policy.RULES]
)
def test_the_ingest_function_answers_each_request_as_its_row_says(
    rule, ingest, lambda_context, s3, monkeypatch
):
    status = SCENARIOS[rule](ingest, lambda_context, s3=s3, monkeypatch=monkeypatch)

    assert status == rule.status


@pytest.mark.parametrize("padding", [True, False], ids=["padded", "padding-stripped"])
def test_base64_png_body_is_decoded_byte_for_byte(padding, ingest, lambda_context):
    drain()
    image = png_bytes((40, 30))

    status, body = answer(
        ingest, lambda_context, post(image, "image/png", padding=padding)
    )

    assert status == 202
    [message] = pull()
    assert message.data == image
    assert body["subject"] == "upload.png"


@pytest.mark.parametrize("field", ["file", "a b.png"])
def test_multipart_file_named_a_b_png_beside_a_text_field_is_decoded(
    field, ingest, lambda_context
):
    drain()
    image = png_bytes((20, 10))
    form, content_type = multipart(
        [
            ("caption", None, None, b"a note, not the file"),
            (field, "a b.png", "image/png", image),
        ]
    )

    status, body = answer(ingest, lambda_context, post(form, content_type))

    assert status == 202
    assert body["subject"] == "a_b.png"
    [message] = pull()
    assert message.data == image
    assert from_message(message.data, dict(message.attributes))["subject"] == "a_b.png"


def test_multipart_with_an_empty_file_part_is_400_like_an_empty_body(
    ingest, lambda_context
):
    form, content_type = multipart([("file", "x.jpg", "image/jpeg", b"")])

    status, body = answer(ingest, lambda_context, post(form, content_type))
    raw_status, raw_body = answer(ingest, lambda_context, post(b"", "image/jpeg"))

    assert (status, raw_status) == (400, 400)
    assert body == raw_body
    assert body["message"] == "the request body is empty: send an image"
    assert policy.BAD_REQUEST.status == 400
    assert "an empty body" in policy.BAD_REQUEST.case
    assert pull(timeout=0.5) == []


def test_binary_body_passed_as_text_is_400_not_utf8_decoded(ingest, lambda_context):
    status, body = answer(
        ingest, lambda_context, post(png_bytes(), "image/png", encoded=False)
    )

    assert status == 400
    assert "isBase64Encoded" in body["message"]
    assert pull(timeout=0.5) == []


def test_pixel_bomb_is_413_from_its_header_naming_the_limit(ingest, lambda_context):
    bomb = pixel_bomb_png()

    status, body = answer(ingest, lambda_context, post(bomb, "image/png"))

    assert len(bomb) < 30_000
    assert status == 413
    assert body["error"] == "image_too_large"
    assert "196,000,000 pixels" in body["message"]
    assert "25,000,000 pixels" in body["message"]
