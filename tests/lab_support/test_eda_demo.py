"""Chapter 2's helpers on the real Pub/Sub emulator: pulls, nack, idempotency."""

from __future__ import annotations

import time
import uuid

import pytest
from google.cloud import pubsub_v1
from imagepipe.events import build_upload_event
from imagepipe.pubsub import to_message

from lab_support import config, eda_demo

pytestmark = pytest.mark.integration


@pytest.fixture
def channel(local_cloud, monkeypatch):
    """A throwaway topic with one subscription, deleted after the test."""
    monkeypatch.setenv(
        "PUBSUB_EMULATOR_HOST", local_cloud.endpoints.pubsub_emulator_host
    )
    publisher, subscriber = pubsub_v1.PublisherClient(), pubsub_v1.SubscriberClient()
    project, suffix = config.settings().gcp_project, uuid.uuid4().hex[:8]
    topic = publisher.topic_path(project, f"test-eda-{suffix}")
    subscription = subscriber.subscription_path(project, f"test-eda-{suffix}")
    publisher.create_topic(name=topic)
    subscriber.create_subscription(name=subscription, topic=topic)
    yield publisher, subscriber, topic, subscription
    subscriber.delete_subscription(subscription=subscription)
    publisher.delete_topic(topic=topic)
    subscriber.close()


def _event(subject: str = "a.jpg"):
    return build_upload_event(
        b"\xff\xd8\xff", source="/tests", subject=subject, datacontenttype="image/jpeg"
    )


def _publish(publisher, topic, event) -> str:
    data, attributes = to_message(event)
    return publisher.publish(topic, data, **attributes).result(timeout=10)


def test_pull_returns_the_count_asked_for_and_subjects_sorts_them(channel):
    publisher, subscriber, topic, subscription = channel
    for subject in ("c.jpg", "a.jpg", "b.jpg"):
        _publish(publisher, topic, _event(subject))

    got = eda_demo.pull(subscriber, subscription, 3)

    assert eda_demo.subjects(got) == ["a.jpg", "b.jpg", "c.jpg"]
    assert eda_demo.ack(subscriber, subscription, got) == 3


def test_pull_gives_up_after_its_timeout_on_an_empty_subscription(channel):
    _, subscriber, _, subscription = channel

    started = time.monotonic()
    got = eda_demo.pull(subscriber, subscription, 1, timeout_s=0.5)

    assert got == []
    assert time.monotonic() - started < 3


def test_nack_brings_the_same_message_back_and_ack_stops_it(channel):
    publisher, subscriber, topic, subscription = channel
    message_id = _publish(publisher, topic, _event())

    [first] = eda_demo.pull(subscriber, subscription, 1)
    assert eda_demo.nack(subscriber, subscription, [first]) == 1
    [second] = eda_demo.pull(subscriber, subscription, 1)
    eda_demo.ack(subscriber, subscription, [second])

    assert first.message.message_id == second.message.message_id == message_id
    assert eda_demo.pull(subscriber, subscription, 1, timeout_s=0.5) == []


def test_ack_and_nack_of_nothing_send_nothing(channel):
    _, subscriber, _, subscription = channel

    assert eda_demo.ack(subscriber, subscription, []) == 0
    assert eda_demo.nack(subscriber, subscription, []) == 0


def test_idempotent_consumer_works_once_per_source_and_id(channel):
    publisher, subscriber, topic, subscription = channel
    once, twice = _event("once.jpg"), _event("twice.jpg")
    for event in (once, twice, twice):
        _publish(publisher, topic, event)
    same_id_other_source = build_upload_event(
        b"\xff", source="/elsewhere", subject="x.jpg", datacontenttype="image/jpeg"
    )
    same_id_other_source["id"] = once["id"]
    _publish(publisher, topic, same_id_other_source)

    got = eda_demo.pull(subscriber, subscription, 4)
    eda_demo.ack(subscriber, subscription, got)
    done = []
    consumer = eda_demo.IdempotentConsumer(
        work=lambda event: done.append(event["subject"])
    )
    outcomes = [consumer(each.message) for each in got]

    assert sorted(done) == ["once.jpg", "twice.jpg", "x.jpg"]
    assert outcomes.count(False) == consumer.duplicates == 1
