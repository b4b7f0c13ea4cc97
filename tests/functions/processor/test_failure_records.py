"""Permanent failures: one record under failed/, an ack, and nothing written twice."""

from __future__ import annotations

import json
import time
from datetime import datetime

import pytest
from imagepipe.events import build_upload_event
from imagepipe.pubsub import to_message
from imagepipe.settings import MAX_IMAGE_BYTES

from tests.functions.helpers import (
    BUCKET,
    FUNCTION_ARN,
    SAMPLES,
    delivery_id,
    eventarc_headers,
    keys_under,
    log_lines,
    message_published_body,
    pixel_bomb_png,
    png_bytes,
    stored_json,
    upload_delivery,
)

TRUNCATED = (SAMPLES / "tricky" / "truncated.jpg").read_bytes()


@pytest.fixture(scope="module")
def app(processor_app):
    return processor_app()


def _post_message(app, data: bytes | None, attributes: dict[str, str]):
    message_id = delivery_id()
    body = message_published_body(data or b"", attributes)
    if data is None:
        del body["message"]["data"]
    body["message"]["messageId"] = message_id
    response = app.post(
        "/", data=json.dumps(body), headers=eventarc_headers(message_id)
    )
    return response, message_id


def test_failure_record_holds_reason_event_attempt_and_time(app, s3, capsys):
    headers, body, event = upload_delivery(
        TRUNCATED, subject="half.jpg", datacontenttype="image/jpeg"
    )
    before = time.time()

    response = app.post("/", data=body, headers=headers)

    assert response.status_code == 200
    key = f"failed/{event['id']}.json"
    stored = s3.get_object(Bucket=BUCKET, Key=key)
    assert stored["ContentType"] == "application/json"
    record = json.loads(stored["Body"].read())
    assert record["error"] == "UndecodableImageError"
    assert "damaged and will not decode" in record["reason"]
    assert record["event_id"] == event["id"]
    assert record["event_type"] == "org.example.imagepipe.image.uploaded.v1"
    assert record["event_subject"] == "half.jpg"
    assert record["delivery_attempt"] == 1
    assert record["delivery_id"] == headers["ce-id"]
    assert record["delivery_type"] == "google.cloud.pubsub.topic.v1.messagePublished"
    failed_at = datetime.fromisoformat(record["failed_at"]).timestamp()
    assert before - 1 <= failed_at <= time.time() + 1
    assert record["policy"].startswith("failed: acked")
    [line] = log_lines(capsys.readouterr().out)
    assert line["failure_key"] == key


def test_redelivered_failure_is_acked_again_and_the_record_written_once(
    app, s3, capsys
):
    headers, body, event = upload_delivery(TRUNCATED, datacontenttype="image/jpeg")
    key = f"failed/{event['id']}.json"

    first = app.post("/", data=body, headers=headers)
    stored = s3.head_object(Bucket=BUCKET, Key=key)
    again = app.post("/", data=body, headers=headers)

    assert first.status_code == again.status_code == 200
    after = s3.head_object(Bucket=BUCKET, Key=key)
    assert after["ETag"] == stored["ETag"]
    assert after["LastModified"] == stored["LastModified"]
    outcomes = [line["outcome"] for line in log_lines(capsys.readouterr().out)]
    assert outcomes == ["failed", "duplicate"]


def test_result_lookup_reports_the_failure_with_its_reason(
    app, s3, ingest, lambda_context
):
    headers, body, event = upload_delivery(TRUNCATED, datacontenttype="image/jpeg")
    app.post("/", data=body, headers=headers)
    lookup = {
        "version": "2.0",
        "rawPath": f"/results/{event['id']}",
        "requestContext": {"http": {"method": "GET", "path": "/"}},
    }

    response = ingest.handler(lookup, lambda_context)

    answer = json.loads(response["body"])
    assert response["statusCode"] == 200
    assert answer["status"] == "failed"
    assert "damaged and will not decode" in answer["reason"]
    assert answer["record"]["delivery_attempt"] == 1


def test_pixel_bomb_is_refused_from_its_header_and_recorded(app, s3, capsys):
    bomb = pixel_bomb_png()
    assert len(bomb) < 30_000
    headers, body, event = upload_delivery(bomb, subject="bomb.png")
    started = time.perf_counter()

    response = app.post("/", data=body, headers=headers)

    assert time.perf_counter() - started < 2.0
    assert response.status_code == 200
    record = stored_json(s3, f"failed/{event['id']}.json")
    assert record["error"] == "ImageTooLargeError"
    assert "196,000,000 pixels" in record["reason"]
    assert "25,000,000 pixels" in record["reason"]
    [line] = log_lines(capsys.readouterr().out)
    assert "decode" not in line["timings_ms"]


# Pillow warns between its limit and twice it; the project refuses those itself.
@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_image_just_over_the_pixel_limit_is_refused_by_the_projects_own_check(app, s3):
    # 5,001 x 5,000 is over 25,000,000 but under Pillow's own error (twice that).
    headers, body, event = upload_delivery(pixel_bomb_png(5_001, 5_000))

    app.post("/", data=body, headers=headers)

    reason = stored_json(s3, f"failed/{event['id']}.json")["reason"]
    assert "25,005,000 pixels (5001 x 5000)" in reason


def test_eventarc_message_with_attributes_but_no_data_is_empty_data_not_a_crash(
    app, s3
):
    event = build_upload_event(
        b"x", source=FUNCTION_ARN, subject="empty.png", datacontenttype="image/png"
    )
    _data, attributes = to_message(event)

    response, _message_id = _post_message(app, None, attributes)

    assert response.status_code == 200
    record = stored_json(s3, f"failed/{event['id']}.json")
    assert "carries no image bytes" in record["reason"]


def test_image_over_the_byte_limit_is_recorded_before_decoding(app, s3):
    headers, body, event = upload_delivery(bytes(MAX_IMAGE_BYTES + 1))

    response = app.post("/", data=body, headers=headers)

    assert response.status_code == 200
    reason = stored_json(s3, f"failed/{event['id']}.json")["reason"]
    assert "4,500,001 bytes" in reason and "4,500,000" in reason


def test_event_of_another_type_inside_the_message_is_recorded(app, s3):
    attributes = {
        "ce-specversion": "1.0",
        "ce-id": "order-7",
        "ce-source": "/shop",
        "ce-type": "com.example.order.placed",
    }

    response, _message_id = _post_message(app, b"{}", attributes)

    assert response.status_code == 200
    record = stored_json(s3, "failed/order-7.json")
    assert record["event_type"] == "com.example.order.placed"
    assert "publish only image uploads" in record["reason"]


def test_event_id_that_cannot_name_an_object_is_recorded_under_the_delivery_id(app, s3):
    attributes = {
        "ce-specversion": "1.0",
        "ce-id": "../../escape",
        "ce-source": "/s",
        "ce-type": "org.example.imagepipe.image.uploaded.v1",
        "content-type": "image/png",
    }

    response, message_id = _post_message(app, png_bytes(), attributes)

    assert response.status_code == 200
    assert keys_under(s3, "escape") == []
    record = stored_json(s3, f"failed/{message_id}.json")
    assert record["event_id"] == "../../escape"
    assert "cannot name an S3 object" in record["reason"]


@pytest.mark.parametrize("encoded", ["%%%", "é"])
def test_message_data_that_is_not_base64_is_a_recorded_failure_not_a_500(
    encoded, app, s3
):
    message_id = delivery_id()
    body = message_published_body(b"", {})
    body["message"]["data"] = encoded
    body["message"]["messageId"] = message_id

    response = app.post(
        "/", data=json.dumps(body), headers=eventarc_headers(message_id)
    )

    assert response.status_code == 200
    assert "not valid base64" in stored_json(s3, f"failed/{message_id}.json")["reason"]
