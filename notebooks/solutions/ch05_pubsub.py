"""Solutions to chapter 5's exercises, run by tests/lab_support/checks/test_ch05.py."""

from collections.abc import Mapping


def delivery_count(dead_letter_attributes: Mapping[str, str]) -> int:
    """5.1: the emulator counts the deliveries in an attribute, as a string."""
    return int(dead_letter_attributes["CloudPubSubDeadLetterSourceDeliveryCount"])


def first_answer() -> int:
    """5.2: 204 No Content is an ack for the emulator and for real Pub/Sub."""
    return 204


def content_mode() -> str:
    """5.3: structured mode moves the subject out of the attributes into the data."""
    return "structured"
