"""Chapter 5's Pub/Sub helpers on the real emulator: names, bounded pulls, tidy-up."""

from __future__ import annotations

import time

import pytest
from google.cloud import pubsub_v1

from lab_support import config, http_echo, pubsub_lab

pytestmark = pytest.mark.integration


@pytest.fixture
def clients(local_cloud, monkeypatch):
    monkeypatch.setenv(
        "PUBSUB_EMULATOR_HOST", local_cloud.env()["PUBSUB_EMULATOR_HOST"]
    )
    publisher = pubsub_v1.PublisherClient()
    subscriber = pubsub_v1.SubscriberClient()
    yield publisher, subscriber
    publisher.stop()
    subscriber.close()


@pytest.fixture
def names(clients):
    chosen = pubsub_lab.Names(config.settings().gcp_project)
    yield chosen
    chosen.clean_up(*clients)


def test_names_are_unique_per_run_and_remembered_once():
    first, second = pubsub_lab.Names("p"), pubsub_lab.Names("p")

    topic = first.topic("uploads")
    assert topic == f"projects/p/topics/ch05-uploads-{first.suffix}"
    assert first.topic("uploads") == topic
    assert first.topics == [topic]
    assert first.subscription("pull") != second.subscription("pull")
    with pytest.raises(ValueError, match="letters"):
        first.topic("no spaces")


def test_pull_returns_what_came_and_stops_at_its_timeout(clients, names):
    publisher, subscriber = clients
    topic, subscription = names.topic("t"), names.subscription("s")
    publisher.create_topic(name=topic)
    subscriber.create_subscription(name=subscription, topic=topic)
    publisher.publish(topic, b"one", n="1").result(timeout=10)

    (got,) = pubsub_lab.pull(subscriber, subscription, want=1)
    assert pubsub_lab.ack(subscriber, subscription, [got]) == 1
    started = time.monotonic()
    assert pubsub_lab.pull(subscriber, subscription, want=1, timeout=0.5) == []

    assert time.monotonic() - started < 3
    assert got.message.data == b"one"
    table = pubsub_lab.deliveries([got], "pulled")
    assert table.rows[0][:2] == ("one", "n=1")
    assert table.rows[0][4] == f"{got.message.message_id} (the Pub/Sub message id)"


def test_nack_brings_the_same_message_back(clients, names):
    publisher, subscriber = clients
    topic, subscription = names.topic("t"), names.subscription("s")
    publisher.create_topic(name=topic)
    subscriber.create_subscription(name=subscription, topic=topic)
    publisher.publish(topic, b"again").result(timeout=10)

    first = pubsub_lab.pull(subscriber, subscription)
    assert pubsub_lab.nack(subscriber, subscription, first) == 1
    second = pubsub_lab.pull(subscriber, subscription)
    pubsub_lab.ack(subscriber, subscription, second)

    assert [m.message.message_id for m in second] == [first[0].message.message_id]
    assert pubsub_lab.ack(subscriber, subscription, []) == 0
    assert pubsub_lab.nack(subscriber, subscription, []) == 0


def test_push_deliveries_report_what_followed_each_answer(clients, names):
    publisher, subscriber = clients
    topic, subscription = names.topic("t"), names.subscription("push")
    with http_echo.EchoServer(answers=(500, 204)) as receiver:
        publisher.create_topic(name=topic)
        subscriber.create_subscription(
            name=subscription, topic=topic, push_config={"push_endpoint": receiver.url}
        )
        publisher.publish(topic, b"pushed").result(timeout=10)
        pushes = receiver.wait_for(3, timeout=4)

    table = pubsub_lab.push_deliveries(pushes)
    assert [row[1:4] for row in table.rows] == [
        ("pushed", 500, "delivered again"),
        ("pushed", 204, "not delivered again"),
    ]


def test_clean_up_deletes_every_named_thing_once(clients):
    publisher, subscriber = clients
    names = pubsub_lab.Names(config.settings().gcp_project)
    topic = names.topic("t")
    publisher.create_topic(name=topic)
    subscriber.create_subscription(name=names.subscription("s"), topic=topic)
    names.subscription("never-created")

    assert names.clean_up(publisher, subscriber) == (
        "deleted 2 of 3 topics and subscriptions this run named"
    )
    assert names.clean_up(publisher, subscriber).startswith("deleted 0 of 3")


def test_message_sizes_count_utf8_bytes():
    table = pubsub_lab.message_sizes({"m": (b"abc", {"k": "é"})})

    assert table.rows == [("m", 1, "3", "3")]
