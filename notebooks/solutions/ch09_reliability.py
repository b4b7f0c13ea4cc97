"""Chapter 9 solutions; tests/lab_support/checks/test_ch09.py runs each one."""

from collections.abc import Mapping

from imagepipe.events import build_upload_event

from lab_support import config, reliability_lab
from lab_support.checks.ch09 import OTHER_TYPE


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


def other_type_status(cloud) -> int:
    """9.3: a complete CloudEvent of another type is recorded and acked: 200."""
    photo = build_upload_event(
        config.DEFAULT_IMAGE.read_bytes(),
        source="//solution",
        subject="solution.jpg",
        datacontenttype="image/jpeg",
    )
    headers, body = reliability_lab.eventarc_request(photo)
    return reliability_lab.send(cloud, {**headers, "ce-type": OTHER_TYPE}, body).status
