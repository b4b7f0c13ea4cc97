"""Checks of chapter 5's exercises (Pub/Sub as the transport)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cloudevents.http import CloudEvent
from imagepipe import pubsub

from lab_support import http_echo, pubsub_lab
from lab_support.checks import Verdict, unanswered

DELIVERY_COUNT = "CloudPubSubDeadLetterSourceDeliveryCount"
# Long enough for the emulator's push loop (about one retry a second) to try again.
SECOND_PUSH_WAIT_S = 2.5


def dead_letter_count(attributes: Mapping[str, str], answer: Any) -> Verdict:
    """Exercise 5.1: how often the poison message was delivered before it gave up."""
    if answer is None:
        return unanswered("delivery_count", "a whole number")
    expected = attributes[DELIVERY_COUNT]
    if answer == expected:
        return Verdict(
            False,
            "that is the attribute's text: Pub/Sub attribute values are strings, "
            "convert it with int()",
        )
    if not isinstance(answer, int) or isinstance(answer, bool):
        return Verdict(False, f"a count is a whole number, not {answer!r}")
    if answer != int(expected):
        return Verdict(
            False, f"{answer} is not what the dead-lettered message's attributes say"
        )
    return Verdict(
        True, f"{answer} deliveries, the subscription's max_delivery_attempts"
    )


def _pushes_answering(publisher, subscriber, project: str, status: int) -> int:
    names = pubsub_lab.Names(project)
    topic, subscription = names.topic("check"), names.subscription("check")
    with http_echo.EchoServer(answers=(status, 204)) as receiver:
        try:
            publisher.create_topic(name=topic)
            subscriber.create_subscription(
                name=subscription,
                topic=topic,
                push_config={"push_endpoint": receiver.url},
            )
            publisher.publish(topic, b"exercise 5.2").result(timeout=10)
            if not receiver.wait_for(1, timeout=10):
                return 0
            return len(receiver.wait_for(2, timeout=SECOND_PUSH_WAIT_S))
        finally:
            names.clean_up(publisher, subscriber)


def first_push_acked(publisher, subscriber, project: str, answer: Any) -> Verdict:
    """Exercise 5.2: a status that makes the emulator ack a push the first time."""
    if answer is None:
        return unanswered("first_answer", "an HTTP status code such as 500")
    if not isinstance(answer, int) or isinstance(answer, bool):
        return Verdict(False, f"a status code is a whole number, not {answer!r}")
    if not 200 <= answer <= 599:
        return Verdict(
            False,
            "a push endpoint ends a request with a final status, 200 to 599: "
            "choose one of those",
        )

    pushes = _pushes_answering(publisher, subscriber, project, answer)

    if pushes == 0:
        return Verdict(
            False,
            "no push arrived within 10 s: run the set-up cells above (the local "
            "cloud must be running), then check again",
        )
    if pushes > 1 and answer == 202:
        return Verdict(
            False,
            "the emulator pushed it again: real Pub/Sub takes 202 as an ack, the "
            "emulator does not; choose a code both accept",
        )
    if pushes > 1:
        return Verdict(False, f"the emulator pushed it again: {answer} is not an ack")
    return Verdict(True, f"{answer} acked the message on its first push")


def mode_that_fits(event: CloudEvent, answer: Any) -> Verdict:
    """Exercise 5.3: the content mode in which a long subject fits Pub/Sub's limits."""
    if answer is None:
        return unanswered("content_mode", "'binary' or 'structured'")
    if answer not in ("binary", "structured"):
        return Verdict(False, f"{answer!r} is not a content mode: binary or structured")
    try:
        data, _ = pubsub.to_message(event, answer)
    except pubsub.PubSubLimitError as error:
        return Verdict(False, f"{answer} mode breaks a limit: {error}")
    return Verdict(
        True,
        f"in {answer} mode the subject is inside the message data "
        f"({len(data):,} B), where only the 10 MB limit applies",
    )
