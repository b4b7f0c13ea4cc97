"""Chapter 7's checks fail on wrong answers and pass on the solutions."""

from __future__ import annotations

import json

import pytest

from lab_support import config, processor_lab
from lab_support.checks import ch07
from notebooks.solutions import ch07_processor as solution

FIXTURES = config.PROJECT_ROOT / "tests" / "fixtures" / "google-cloudevents-pubsub"


@pytest.fixture(scope="module")
def text_body():
    return json.loads((FIXTURES / "MessagePublishedData-text.json").read_text())


def test_message_text_passes_the_solution_only(text_body):
    right = solution.message_text(text_body)

    assert right == "test message 3"
    assert ch07.message_text(text_body, right).ok
    encoded = text_body["message"]["data"]
    for wrong in (None, encoded, right.encode(), b"other", "test message", 3):
        assert not ch07.message_text(text_body, wrong).ok, wrong
    assert "still base64" in ch07.message_text(text_body, encoded).message
    assert "make them a str" in ch07.message_text(text_body, right.encode()).message


def test_gray16_value_passes_the_scaled_value_only():
    right = solution.gray16_value()

    assert 0 <= right <= 255
    assert ch07.gray16_value(right).ok
    stored, clamped, _ = ch07._gray16_values()
    assert (stored, clamped) == (51204, 255)
    for wrong in (None, stored, clamped, right + 1, True, str(right)):
        assert not ch07.gray16_value(wrong).ok, wrong
    assert "clamped" in ch07.gray16_value(clamped).message


@pytest.fixture(scope="module")
def published(local_cloud):
    """One upload event, its Pub/Sub message, and a publisher for the local topic."""
    from google.cloud import pubsub_v1
    from imagepipe.events import build_upload_event
    from imagepipe.pubsub import to_message

    event = build_upload_event(
        config.DEFAULT_IMAGE.read_bytes(),
        source="/tests/lab_support/checks/test_ch07",
        subject="grace_hopper.jpg",
        datacontenttype="image/jpeg",
    )
    data, attributes = to_message(event, "binary")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PUBSUB_EMULATOR_HOST", local_cloud.endpoints.pubsub_emulator_host)
        publisher = pubsub_v1.PublisherClient()
    yield publisher, local_cloud.env()["PUBSUB_TOPIC"], data, attributes, event["id"]
    publisher.stop()


@pytest.mark.integration
def test_third_delivery_passes_the_logged_outcome_only(local_cloud, published):
    publisher, topic, data, attributes, event_id = published
    for count in (1, 2):
        publisher.publish(topic, data, **attributes).result()
        processor_lab.wait_for(local_cloud, "processor", count=count, event_id=event_id)

    too_early = ch07.third_delivery(local_cloud, event_id, "duplicate")
    assert not too_early.ok
    assert "logged 2 delivery(ies)" in too_early.message

    right = solution.third_delivery(
        local_cloud, publisher, topic, data, attributes, event_id
    )
    assert right == "duplicate"
    assert ch07.third_delivery(local_cloud, event_id, right).ok
    for wrong in (None, "processed", "failed", 3):
        assert not ch07.third_delivery(local_cloud, event_id, wrong).ok, wrong
