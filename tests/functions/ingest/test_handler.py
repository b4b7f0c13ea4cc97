"""The ingest handler on golden Function URL events, with moto S3 and the emulator."""

from __future__ import annotations

import base64
import json
import re
import uuid

import pytest
from imagepipe.pubsub import from_message
from imagepipe.settings import MAX_IMAGE_BYTES

from tests.functions.helpers import (
    FIXTURES,
    FUNCTION_ARN,
    drain,
    function_url_event,
    pull,
)

EXPECTED = json.loads((FIXTURES / "function_url" / "expected.json").read_text())
ACCEPTED = sorted(name for name, want in EXPECTED.items() if want["status"] == 202)
REFUSED = sorted(name for name, want in EXPECTED.items() if want["status"] != 202)


def _log_lines(captured: str) -> list[dict]:
    return [json.loads(line) for line in captured.splitlines() if line.startswith("{")]


def _uploaded_bytes(event: dict) -> bytes:
    body = event["body"]
    return base64.b64decode(body + "=" * (-len(body) % 4))


def _invoke(ingest, lambda_context, event: dict) -> tuple[dict, dict]:
    response = ingest.handler(event, lambda_context)
    return response, json.loads(response["body"])


@pytest.mark.parametrize("name", ACCEPTED)
def test_accepted_upload_answers_202_and_publishes_one_binary_message(
    name, ingest, lambda_context
):
    drain()
    event = function_url_event(name)
    want = EXPECTED[name]

    response, body = _invoke(ingest, lambda_context, event)

    assert response["statusCode"] == 202
    assert response["headers"]["content-type"] == "application/json"
    assert body["datacontenttype"] == want["datacontenttype"]
    assert body["subject"] == want["subject"]
    assert body["result_key"] == f"processed/{body['event_id']}.jpg"
    assert body["status_url"] == f"/results/{body['event_id']}"
    assert uuid.UUID(body["event_id"]).version == 4

    [message] = pull()
    assert message.attributes["ce-id"] == body["event_id"]
    assert message.attributes["content-type"] == want["datacontenttype"]
    event_back = from_message(message.data, dict(message.attributes))
    assert event_back["source"] == FUNCTION_ARN
    assert event_back["subject"] == want["subject"]
    if "multipart" not in name:
        assert event_back.get_data() == _uploaded_bytes(event)


def test_multipart_upload_publishes_exactly_the_file_part(ingest, lambda_context):
    drain()
    event = function_url_event("post_image_multipart.json")
    raw = _uploaded_bytes(event)
    start = raw.index(b"\x89PNG")
    end = raw.rindex(b"\r\n--")

    _invoke(ingest, lambda_context, event)

    [message] = pull()
    assert message.data == raw[start:end]


def test_accepted_upload_reports_handler_and_publish_time(ingest, lambda_context):
    response, _ = _invoke(
        ingest, lambda_context, function_url_event("post_image_raw_jpeg.json")
    )
    drain()

    timing = response["headers"]["server-timing"]
    assert re.fullmatch(r"handler;dur=[\d.]+, publish;dur=[\d.]+", timing)


def test_accepted_upload_logs_one_json_line(ingest, lambda_context, capsys):
    _, body = _invoke(
        ingest, lambda_context, function_url_event("post_image_raw_jpeg.json")
    )
    drain()

    [line] = _log_lines(capsys.readouterr().out)
    assert line["event_id"] == body["event_id"]
    assert line["type"] == "org.example.imagepipe.image.uploaded.v1"
    assert line["outcome"] == "published"
    assert line["message_id"]
    assert line["bytes"] > 0
    assert line["publish_ms"] >= 0 and line["duration_ms"] >= line["publish_ms"]


def _refused_event(name: str) -> dict:
    event = function_url_event(name)
    if name == "post_image_too_large.json":
        event["body"] = base64.b64encode(bytes(MAX_IMAGE_BYTES + 1)).decode()
    return event


@pytest.mark.parametrize("name", REFUSED)
def test_refused_request_answers_its_status_with_a_reason(name, ingest, lambda_context):
    drain()
    want = EXPECTED[name]

    response, body = _invoke(ingest, lambda_context, _refused_event(name))

    assert response["statusCode"] == want["status"]
    assert body["error"] == want["error"]
    assert len(body["message"]) > 20
    assert pull(timeout=0.5) == []


def test_too_large_message_states_the_limit(ingest, lambda_context):
    _, body = _invoke(
        ingest, lambda_context, _refused_event("post_image_too_large.json")
    )

    assert "4,500,000 bytes" in body["message"]


def test_wrong_method_names_the_allowed_one(ingest, lambda_context):
    response, _ = _invoke(
        ingest, lambda_context, function_url_event("get_images_wrong_method.json")
    )

    assert response["headers"]["allow"] == "POST"


def test_refused_upload_logs_one_rejected_line(ingest, lambda_context, capsys):
    _invoke(ingest, lambda_context, function_url_event("post_text_body.json"))

    [line] = _log_lines(capsys.readouterr().out)
    assert line["outcome"] == "rejected"
    assert line["status"] == 415
    assert line["event_id"] is None


def test_event_that_is_not_a_function_url_request_is_a_bad_request(
    ingest, lambda_context
):
    response, body = _invoke(ingest, lambda_context, {"Records": []})

    assert response["statusCode"] == 400
    assert "payload format 2.0" in body["message"]


def test_unreachable_pubsub_answers_503_and_publishes_nothing(
    ingest, lambda_context, monkeypatch, capsys
):
    import pubsub_publisher

    # A fresh client for a port where nothing listens; undo() restores both.
    monkeypatch.setattr(pubsub_publisher, "_client", None)
    monkeypatch.setenv("PUBSUB_EMULATOR_HOST", "127.0.0.1:9")

    response, body = _invoke(
        ingest, lambda_context, function_url_event("post_image_raw_jpeg.json")
    )

    assert response["statusCode"] == 503
    assert body["error"] == "publish_failed"
    assert response["headers"]["retry-after"]
    [line] = _log_lines(capsys.readouterr().out)
    assert line["outcome"] == "publish_failed"
    assert "may or may not have reached the topic" in body["message"]
    assert f"GET /results/{line['event_id']}" in body["message"]
    monkeypatch.undo()
    assert pull(timeout=0.5) == []
