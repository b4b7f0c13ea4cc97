"""Chapter 9 solutions; tests/lab_support/checks/test_ch09.py runs each one."""

from collections.abc import Mapping

from lab_support import reliability_lab


def dead_letter_attempts(attributes: Mapping[str, str]) -> int:
    """9.1: the emulator writes the attempt count into the dead letter's attributes."""
    return int(attributes[reliability_lab.DEAD_LETTER_COUNT])


def failure_statuses() -> dict[str, int]:
    """9.2: transient 503, a broken deployment 500, a hopeless event 200 (recorded)."""
    return {
        "S3 answers 503 Slow Down": 503,
        "S3 cannot be reached": 503,
        "the results bucket does not exist": 500,
        "the upload is half a JPEG": 200,
        "the message carries an order event": 200,
    }


def wrong_specversion_status(cloud) -> int:
    """9.3: send the delivery with ce-specversion 2.0 and read the status."""
    headers = {
        "ce-id": "solution-9-3",
        "ce-source": "//solution",
        "ce-specversion": "2.0",
        "ce-type": "google.cloud.pubsub.topic.v1.messagePublished",
        "content-type": "application/json",
    }
    return reliability_lab.send(cloud, headers, b"{}").status
