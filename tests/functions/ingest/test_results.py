"""GET /results/{id}: pending, done with a presigned URL, or failed, from moto S3."""

from __future__ import annotations

import json
import urllib.request
import uuid

from tests.functions.helpers import BUCKET, function_url_event


def _lookup(ingest, lambda_context, event_id: str) -> tuple[int, dict]:
    event = function_url_event("get_result_template.json")
    event["rawPath"] = f"/results/{event_id}"
    event["requestContext"]["http"]["path"] = event["rawPath"]
    response = ingest.handler(event, lambda_context)
    return response["statusCode"], json.loads(response["body"])


def test_result_not_yet_stored_is_pending(ingest, lambda_context):
    event_id = str(uuid.uuid4())

    status, body = _lookup(ingest, lambda_context, event_id)

    assert status == 202
    assert body["status"] == "pending"
    assert body["result_key"] == f"processed/{event_id}.jpg"
    assert "never uploaded stays pending" in body["message"]


def test_stored_result_is_done_with_a_working_presigned_url(ingest, lambda_context, s3):
    event_id = str(uuid.uuid4())
    key = f"processed/{event_id}.jpg"
    s3.put_object(
        Bucket=BUCKET,
        Key=key,
        Body=b"result bytes",
        ContentType="image/jpeg",
        Metadata={"source-event-id": event_id},
    )

    status, body = _lookup(ingest, lambda_context, event_id)

    assert status == 200
    assert body["status"] == "done"
    assert body["result_key"] == key
    assert body["content_type"] == "image/jpeg"
    assert body["metadata"] == {"source-event-id": event_id}
    assert "X-Amz-Signature=" in body["url"]
    assert body["url"].startswith("http://127.0.0.1:")
    with urllib.request.urlopen(body["url"], timeout=10) as fetched:
        assert fetched.read() == b"result bytes"


def test_upper_case_event_id_finds_the_same_result(ingest, lambda_context, s3):
    event_id = str(uuid.uuid4())
    s3.put_object(Bucket=BUCKET, Key=f"processed/{event_id}.jpg", Body=b"x")

    status, body = _lookup(ingest, lambda_context, event_id.upper())

    assert status == 200
    assert body["result_key"] == f"processed/{event_id}.jpg"


def test_failure_record_is_reported_as_failed_with_its_reason(
    ingest, lambda_context, s3
):
    event_id = str(uuid.uuid4())
    record = {"reason": "the image is damaged and will not decode", "attempts": 5}
    s3.put_object(
        Bucket=BUCKET, Key=f"failed/{event_id}.json", Body=json.dumps(record).encode()
    )

    status, body = _lookup(ingest, lambda_context, event_id)

    assert status == 200
    assert body["status"] == "failed"
    assert body["reason"] == record["reason"]
    assert body["failure_key"] == f"failed/{event_id}.json"
    assert body["record"] == record


def test_missing_bucket_answers_503_saying_what_to_check(
    ingest, lambda_context, monkeypatch
):
    from dataclasses import replace

    monkeypatch.setattr(
        ingest, "SETTINGS", replace(ingest.SETTINGS, results_bucket="cec-no-bucket")
    )

    status, body = _lookup(ingest, lambda_context, str(uuid.uuid4()))

    assert status == 503
    assert body["error"] == "storage_unavailable"
    assert "cec-no-bucket" in body["message"]
