"""Checks of chapter 2's exercises (event-driven architecture)."""

from __future__ import annotations

import re
from typing import Any, Final

from lab_support.checks import Verdict, unanswered

# Exercise 2.1: each statement, and whether it reports a fact or asks for work.
STATEMENTS: Final = (
    ("image.uploaded: grace_hopper.jpg arrived in the ingest function", "event"),
    ("resize grace_hopper.jpg to 1024 pixels", "command"),
    ("payment for order 17 was refused", "event"),
    ("send the weekly report to finance", "command"),
    ("thermometer 4 read 21.5 °C at 09:00", "event"),
)
KINDS: Final = ("event", "command")

GUARANTEES: Final = ("at most once", "at least once", "effectively once")
# Exercise 2.3: subscriptions of one topic, and the consumers pulling from each.
CONSUMERS_PER_SUBSCRIPTION: Final = (4, 4, 1)
IDENTITY: Final = frozenset({"ce-source", "ce-id"})


def kinds(answer: Any) -> Verdict:
    """Exercise 2.1: tell each statement's kind, event or command."""
    if answer is None:
        return unanswered(
            "kinds", f"a list of {len(STATEMENTS)} words, each 'event' or 'command'"
        )
    if not isinstance(answer, list | tuple) or len(answer) != len(STATEMENTS):
        return Verdict(
            False, f"give one word per statement: a list of {len(STATEMENTS)}"
        )
    for number, (given, (statement, kind)) in enumerate(
        zip(answer, STATEMENTS, strict=True), start=1
    ):
        if given not in KINDS:
            return Verdict(
                False, f"statement {number}: {given!r} is neither 'event' nor 'command'"
            )
        if given != kind:
            return Verdict(
                False,
                f"statement {number} ({statement!r}) is not a {given}: does it "
                "report something that happened, or ask someone to do something?",
            )
    return Verdict(
        True,
        "events report facts in the past tense; commands ask one receiver for work",
    )


def _normalised(text: str) -> str:
    return re.sub(r"[\s_-]+", " ", text.strip().lower())


def guarantee(answer: Any) -> Verdict:
    """Exercise 2.2: the guarantee of a consumer that acks before it works."""
    if answer is None:
        return unanswered("guarantee", " or ".join(repr(g) for g in GUARANTEES))
    given = _normalised(str(answer))
    if given not in GUARANTEES:
        return Verdict(False, f"choose one of {', '.join(GUARANTEES)}")
    if given == "at least once":
        return Verdict(
            False,
            "after the ack, Pub/Sub never sends the message again: what happens "
            "to it if the consumer then crashes?",
        )
    if given == "effectively once":
        return Verdict(
            False,
            "effectively once needs redelivery plus a consumer that skips "
            "duplicates; an early ack rules out redelivery",
        )
    return Verdict(
        True, "a crash between the ack and the work loses the message for good"
    )


def deliveries(answer: Any) -> Verdict:
    """Exercise 2.3: how often one message is handled when nothing fails."""
    expected = len(CONSUMERS_PER_SUBSCRIPTION)
    if answer is None:
        return unanswered("handled", "a whole number")
    if not isinstance(answer, int) or isinstance(answer, bool):
        return Verdict(False, f"give a whole number, not {answer!r}")
    if answer == sum(CONSUMERS_PER_SUBSCRIPTION):
        return Verdict(
            False,
            "consumers that share a subscription compete: one of them gets the "
            "message, not each",
        )
    if answer != expected:
        return Verdict(False, "count the copies: how many does each subscription get?")
    return Verdict(
        True, "one copy per subscription (fan-out), one consumer per copy (competing)"
    )


def dedup_key(answer: Any) -> Verdict:
    """Exercise 2.4: the message attributes that identify an event."""
    if answer is None:
        return unanswered("key_attributes", "a tuple of attribute names")
    if isinstance(answer, str) or not isinstance(
        answer, list | tuple | set | frozenset
    ):
        return Verdict(False, "give the names as a tuple, such as ('a', 'b')")
    given = {str(name).lower() for name in answer}
    if given & {"message_id", "messageid", "message-id"}:
        return Verdict(
            False,
            "the message id belongs to the transport: a producer that publishes "
            "the same event again gets a new message id",
        )
    if given == {"ce-id"}:
        return Verdict(
            False,
            "an id is unique only within its source: two producers may both send id 1",
        )
    if given != IDENTITY:
        return Verdict(False, "which two CloudEvents attributes identify an event?")
    return Verdict(True, "source + id: the spec makes producers keep it unique")
