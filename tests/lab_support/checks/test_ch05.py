"""Chapter 5's checks fail on wrong answers and pass on the solutions."""

from __future__ import annotations

import pytest
from google.cloud import pubsub_v1
from imagepipe import events

from lab_support import config, pubsub_lab
from lab_support.checks import ch05
from notebooks.solutions import ch05_pubsub as solution

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def clients(local_cloud):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PUBSUB_EMULATOR_HOST", local_cloud.env()["PUBSUB_EMULATOR_HOST"])
        publisher = pubsub_v1.PublisherClient()
        subscriber = pubsub_v1.SubscriberClient()
    yield publisher, subscriber
    publisher.stop()
    subscriber.close()


@pytest.fixture(scope="module")
def dead_letter_attributes(clients) -> dict[str, str]:
    publisher, subscriber = clients
    names = pubsub_lab.Names(config.settings().gcp_project)
    dead, work = names.topic("dead"), names.topic("work")
    dead_sub, work_sub = names.subscription("dead"), names.subscription("work")
    try:
        for topic in (dead, work):
            publisher.create_topic(name=topic)
        subscriber.create_subscription(name=dead_sub, topic=dead)
        policy = {"dead_letter_topic": dead, "max_delivery_attempts": 5}
        subscriber.create_subscription(
            request={"name": work_sub, "topic": work, "dead_letter_policy": policy}
        )
        publisher.publish(work, b"poison").result(timeout=10)
        for _ in range(8):
            batch = pubsub_lab.pull(subscriber, work_sub, timeout=2)
            if not batch:
                break
            pubsub_lab.nack(subscriber, work_sub, batch)
        (dead_letter,) = pubsub_lab.pull(subscriber, dead_sub)
        pubsub_lab.ack(subscriber, dead_sub, [dead_letter])
        return dict(dead_letter.message.attributes)
    finally:
        names.clean_up(publisher, subscriber)


def test_dead_letter_count_passes_the_solution_and_fails_the_others(
    dead_letter_attributes,
):
    right = solution.delivery_count(dead_letter_attributes)

    assert right == 5
    assert ch05.dead_letter_count(dead_letter_attributes, right).ok
    for wrong in (None, "5", 5.0, True, 4, 6):
        assert not ch05.dead_letter_count(dead_letter_attributes, wrong).ok, wrong
    assert "int()" in ch05.dead_letter_count(dead_letter_attributes, "5").message


def test_first_push_acked_passes_the_solution_on_the_real_emulator(clients):
    verdict = ch05.first_push_acked(
        *clients, config.settings().gcp_project, solution.first_answer()
    )

    assert verdict.ok, verdict


@pytest.mark.parametrize(
    ("answer", "reason"), [(202, "takes 202 as an ack"), (500, "not an ack")]
)
def test_first_push_acked_fails_codes_the_emulator_pushes_again(
    clients, answer, reason
):
    verdict = ch05.first_push_acked(*clients, config.settings().gcp_project, answer)

    assert not verdict.ok
    assert reason in verdict.message


@pytest.mark.parametrize("answer", [None, "204", True, 102, 600])
def test_first_push_acked_refuses_non_codes_without_pushing(answer):
    assert not ch05.first_push_acked(None, None, "unused", answer).ok


def test_mode_that_fits_passes_structured_only():
    event = events.build_upload_event(
        b"\xff\xd8\xff", source="/t", subject="é" * 600, datacontenttype="image/jpeg"
    )

    assert ch05.mode_that_fits(event, solution.content_mode()).ok
    binary = ch05.mode_that_fits(event, "binary")
    assert not binary.ok
    assert "1200 bytes" in binary.message
    for wrong in (None, "structured-mode", 1):
        assert not ch05.mode_that_fits(event, wrong).ok
