"""The request guard: what is not one CloudEvent is answered before the function runs.

functions-framework 3.10.2 on its own turns several of these requests into an
invented messagePublished event and answers 200 (and a batch into a 500); the
guard in front of it answers each with the status and the attribute it lacks.
"""

from __future__ import annotations

import base64
import json

import pytest
from imagepipe.settings import MAX_DELIVERY_BYTES

from tests.functions.helpers import (
    delivery_id,
    keys_under,
    log_lines,
    png_bytes,
    upload_delivery,
)


@pytest.fixture(scope="module")
def app(processor_app):
    return processor_app()


def _without(headers: dict, *names: str) -> dict:
    return {k: v for k, v in headers.items() if k not in names}


def _refused(app, s3, headers, body, capsys) -> tuple[int, str]:
    before = len(keys_under(s3, ""))

    response = app.post("/", data=body, headers=headers)

    # Nothing reached the function: no result, no failure record, one log line.
    assert len(keys_under(s3, "")) == before
    [line] = log_lines(capsys.readouterr().out)
    assert line["outcome"] == "refused"
    assert line["status"] == response.status_code
    return response.status_code, response.json["message"]


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda h: _without(h, "ce-id"), "header ce-id"),
        (lambda h: {**h, "ce-id": ""}, "header ce-id"),
        (lambda h: _without(h, "ce-source"), "header ce-source"),
        (lambda h: _without(h, "ce-type"), "header ce-type"),
        (lambda h: _without(h, "ce-specversion"), "header ce-specversion"),
        (lambda h: _without(h, "ce-id", "ce-source"), "header ce-id, header ce-source"),
        (lambda h: {**h, "ce-specversion": "2.0"}, "header ce-specversion '2.0'"),
    ],
    ids=[
        "no-ce-id",
        "empty-ce-id",
        "no-ce-source",
        "no-ce-type",
        "no-ce-specversion",
        "two-missing",
        "specversion-2.0",
    ],
)
def test_binary_request_with_a_missing_or_wrong_attribute_is_400_naming_it(
    change, named, app, s3, capsys
):
    headers, body, _event = upload_delivery(png_bytes())

    status, message = _refused(app, s3, change(headers), body, capsys)

    assert status == 400
    assert named in message


def test_raw_push_body_without_ce_headers_is_400_not_an_invented_event(app, s3, capsys):
    # What the emulator pushes: functions-framework alone would answer 200.
    _headers, body, _event = upload_delivery(png_bytes())

    status, message = _refused(
        app, s3, {"content-type": "application/json"}, body, capsys
    )

    assert status == 400
    assert "ce-id, ce-source, ce-specversion and ce-type" in message


def test_raw_push_with_attributes_but_no_data_is_400_not_a_crash(app, s3, capsys):
    push = {
        "subscription": "projects/p/subscriptions/s",
        "message": {"attributes": {"ce-id": "x"}, "messageId": delivery_id()},
    }

    status, message = _refused(
        app, s3, {"content-type": "application/json"}, json.dumps(push), capsys
    )

    assert status == 400
    assert "not a CloudEvent" in message


def test_batch_of_two_valid_events_is_415_with_a_message_not_500(app, s3, capsys):
    events = []
    for _ in range(2):
        headers, body, _event = upload_delivery(png_bytes())
        events.append(
            {
                "specversion": "1.0",
                "id": headers["ce-id"],
                "source": headers["ce-source"],
                "type": headers["ce-type"],
                "datacontenttype": "application/json",
                "data": json.loads(body),
            }
        )
    headers = {"content-type": "application/cloudevents-batch+json; charset=utf-8"}

    status, message = _refused(app, s3, headers, json.dumps(events), capsys)

    assert status == 415
    assert "batched content mode" in message
    assert "one event a request" in message


@pytest.mark.parametrize(
    ("document", "named"),
    [
        ({"specversion": "1.0", "source": "/s", "type": "t"}, "attribute id"),
        (
            {"specversion": "2.0", "id": "1", "source": "/s", "type": "t"},
            "attribute specversion '2.0'",
        ),
        ({"specversion": "1.0", "id": 7, "source": "/s", "type": "t"}, "attribute id"),
    ],
    ids=["no-id", "specversion-2.0", "id-not-a-string"],
)
def test_structured_request_with_a_missing_or_wrong_attribute_is_400(
    document, named, app, s3, capsys
):
    headers = {"content-type": "application/cloudevents+json"}

    status, message = _refused(app, s3, headers, json.dumps(document), capsys)

    assert status == 400
    assert named in message


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (
            json.dumps(
                {
                    "specversion": "1.0",
                    "id": "1",
                    "source": "/s",
                    "type": "t",
                    "data_base64": "%%%",
                }
            ).encode(),
            "data_base64 is not valid base64",
        ),
        (
            json.dumps(
                {
                    "specversion": "1.0",
                    "id": "1",
                    "source": "/s",
                    "type": "t",
                    "data_base64": "é",
                }
            ).encode(),
            "data_base64 is not valid base64",
        ),
    ],
    ids=["not-json", "array", "bad-base64", "non-ascii-base64"],
)
def test_structured_body_that_cannot_be_read_is_400(body, reason, app, s3, capsys):
    headers = {"content-type": "application/cloudevents+json"}

    status, message = _refused(app, s3, headers, body, capsys)

    assert status == 400
    assert reason in message


def test_other_event_format_is_415(app, s3, capsys):
    headers = {"content-type": "application/cloudevents+xml"}

    status, message = _refused(app, s3, headers, b"<event/>", capsys)

    assert status == 415
    assert "application/cloudevents+json" in message


def test_body_over_the_delivery_limit_is_413_before_it_is_read(app, s3, capsys):
    headers, _body, _event = upload_delivery(png_bytes())

    status, message = _refused(
        app, s3, headers, b"x" * (MAX_DELIVERY_BYTES + 1), capsys
    )

    assert status == 413
    assert f"{MAX_DELIVERY_BYTES:,}" in message


def test_largest_allowed_image_fits_within_the_delivery_limit():
    from imagepipe.settings import MAX_IMAGE_BYTES

    encoded = len(base64.b64encode(bytes(MAX_IMAGE_BYTES)))

    assert encoded + 200_000 < MAX_DELIVERY_BYTES


def test_structured_request_that_also_carries_ce_headers_is_read_as_structured(app, s3):
    # HTTP binding 3.2.3: structured mode MAY repeat the attributes as headers.
    headers, body, event = upload_delivery(png_bytes())
    document = {
        "specversion": "1.0",
        "id": headers["ce-id"],
        "source": headers["ce-source"],
        "type": headers["ce-type"],
        "datacontenttype": "application/json",
        "data": json.loads(body),
    }
    both = {**headers, "content-type": "application/cloudevents+json"}

    response = app.post("/", data=json.dumps(document), headers=both)

    assert response.status_code == 200
    assert keys_under(s3, f"processed/{event['id']}") == [
        f"processed/{event['id']}.jpg"
    ]


def test_get_is_left_to_functions_framework(app):
    assert app.get("/").status_code == 405
