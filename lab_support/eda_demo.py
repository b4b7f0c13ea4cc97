"""Chapter 2's small Pub/Sub demo: bounded pulls and a consumer that is idempotent.

The notebook creates its own topics and subscriptions on the emulator with
google-cloud-pubsub; these helpers keep its cells short and every wait bounded.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from cloudevents.http import CloudEvent
from imagepipe.pubsub import from_message


def pull(
    subscriber: Any, subscription: str, count: int, *, timeout_s: float = 5.0
) -> list[Any]:
    """Pull until `count` messages arrived or `timeout_s` passed; return what came."""
    received: list[Any] = []
    deadline = time.monotonic() + timeout_s
    while len(received) < count:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        answer = subscriber.pull(
            subscription=subscription,
            max_messages=count - len(received),
            timeout=max(left, 0.1),
        )
        received.extend(answer.received_messages)
        if not answer.received_messages:
            time.sleep(min(0.05, max(left, 0)))
    return received


def ack(subscriber: Any, subscription: str, received: Iterable[Any]) -> int:
    """Acknowledge pulled messages, so Pub/Sub stops delivering them; say how many."""
    ack_ids = [each.ack_id for each in received]
    if ack_ids:
        subscriber.acknowledge(subscription=subscription, ack_ids=ack_ids)
    return len(ack_ids)


def nack(subscriber: Any, subscription: str, received: Iterable[Any]) -> int:
    """Hand pulled messages back at once (ack deadline 0), as a crash would later."""
    ack_ids = [each.ack_id for each in received]
    if ack_ids:
        subscriber.modify_ack_deadline(
            subscription=subscription, ack_ids=ack_ids, ack_deadline_seconds=0
        )
    return len(ack_ids)


def subjects(received: Iterable[Any]) -> list[str]:
    """The `ce-subject` of each pulled message, sorted (Pub/Sub keeps no order)."""
    return sorted(each.message.attributes["ce-subject"] for each in received)


class IdempotentConsumer:
    """Do the work once per event (source + id), however often its message comes."""

    # Limitation: the record of done events lives in memory, so a restart
    # forgets it; the processor's record is its result object in S3.

    def __init__(self, work: Callable[[CloudEvent], None]) -> None:
        self.work = work
        self.done: set[tuple[str, str]] = set()
        self.duplicates = 0

    def __call__(self, message: Any) -> bool:
        """Handle one Pub/Sub message; return False when its event was done before."""
        event = from_message(message.data, message.attributes)
        key = (event["source"], event["id"])
        if key in self.done:
            self.duplicates += 1
            return False
        self.work(event)
        self.done.add(key)
        return True
