"""The processor on Google's own MessagePublishedData examples, through the real app."""

from __future__ import annotations

import base64
import json

import pytest
from message_published import parse

from tests.functions.helpers import (
    FIXTURES,
    delivery_id,
    eventarc_headers,
    log_lines,
    stored_json,
)

GOOGLE = FIXTURES / "google-cloudevents-pubsub"
BODIES = sorted(
    p.name
    for p in GOOGLE.glob("*.json")
    if p.name.startswith(("MessagePublishedData-", "example-binary"))
    and not p.name.endswith(".schema.json")
)
EXPECTED_DATA = {
    "MessagePublishedData-binary.json": b"\x01\x02\x03\x04",
    "MessagePublishedData-duplicatedFields.json": b"\x01\x02\x03\x04",
    "MessagePublishedData-text.json": b"test message 3",
    "example-binary-complex.json": b"test message 3",
    "example-binary-simple.json": b"\x01\x02\x03\x04",
}


@pytest.fixture(scope="module")
def client(processor_app):
    return processor_app()


def test_every_google_example_body_is_covered():
    assert sorted(EXPECTED_DATA) == BODIES


@pytest.mark.parametrize("name", BODIES)
def test_google_example_body_decodes_with_one_base64_decode(name):
    body = json.loads((GOOGLE / name).read_text())

    message = parse(body)

    assert message.data == EXPECTED_DATA[name]
    assert message.message_id == "message-id"
    assert message.publish_time == "2021-02-05T04:06:14.109Z"
    assert message.subscription.endswith("/subscriptions/my-subscription")


def test_data_that_is_itself_base64_is_decoded_only_once():
    body = {"message": {"data": base64.b64encode(b"QUJD").decode(), "messageId": "1"}}

    assert parse(body).data == b"QUJD"


def test_ordering_key_and_attributes_are_read():
    message = parse(json.loads((GOOGLE / "example-binary-complex.json").read_text()))

    assert message.ordering_key == "ordering-key"
    assert message.attributes == {"attr1": "attr1-value"}


def test_message_with_attributes_but_no_data_decodes_to_empty_data():
    body = json.loads((GOOGLE / "MessagePublishedData-text.json").read_text())
    del body["message"]["data"]

    assert parse(body).data == b""


def test_structured_example_carries_the_same_message(client):
    document = json.loads((GOOGLE / "example-structured.json").read_text())

    assert parse(document["data"]).data == b"test message 3"


@pytest.mark.parametrize("name", BODIES)
def test_google_example_is_decoded_then_recorded_as_a_permanent_failure(
    name, client, s3, capsys
):
    # Google's examples carry plain messages, not CloudEvents in the Pub/Sub
    # binding; the processor must say so in a failure record and ack, since
    # delivering the same message again cannot help.
    message_id = delivery_id()
    response = client.post(
        "/", data=(GOOGLE / name).read_bytes(), headers=eventarc_headers(message_id)
    )

    assert response.status_code == 200
    [line] = log_lines(capsys.readouterr().out)
    assert line["outcome"] == "failed"
    assert line["message_id"] == "message-id"
    assert line["failure_key"] == f"failed/{message_id}.json"
    record = stored_json(s3, line["failure_key"])
    assert record["error"] == "EventError"
    assert "specversion, id, source, type" in record["reason"]
    assert record["event_id"] is None
    assert record["delivery_id"] == message_id
    assert record["message_id"] == "message-id"


def test_structured_eventarc_delivery_reaches_the_function(client, s3, capsys):
    document = json.loads((GOOGLE / "example-structured.json").read_text())
    document["id"] = delivery_id()

    response = client.post(
        "/",
        data=json.dumps(document),
        headers={"content-type": "application/cloudevents+json"},
    )

    assert response.status_code == 200
    [line] = log_lines(capsys.readouterr().out)
    assert line["message_id"] == "message-id"
    assert line["outcome"] == "failed"
    reason = stored_json(s3, f"failed/{document['id']}.json")["reason"]
    assert "specversion, id, source, type" in reason


def test_event_of_another_type_is_recorded_with_the_expected_type(client, s3, capsys):
    message_id = delivery_id()
    headers = {
        **eventarc_headers(message_id),
        "ce-type": "google.cloud.storage.object.v1.finalized",
    }

    response = client.post("/", data=b"{}", headers=headers)

    assert response.status_code == 200
    [line] = log_lines(capsys.readouterr().out)
    assert line["outcome"] == "failed"
    record = stored_json(s3, f"failed/{message_id}.json")
    assert record["delivery_type"] == "google.cloud.storage.object.v1.finalized"
    assert "google.cloud.pubsub.topic.v1.messagePublished" in record["reason"]
