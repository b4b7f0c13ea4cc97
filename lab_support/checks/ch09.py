"""Checks of chapter 9's exercises (reliability)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from lab_support import config, function_code, reliability_lab
from lab_support.checks import Verdict, unanswered


def _slow_down() -> Exception:
    from botocore.exceptions import ClientError

    answer = {
        "Error": {"Code": "SlowDown", "Message": "Please reduce your request rate."},
        "ResponseMetadata": {"HTTPStatusCode": 503},
    }
    return ClientError(answer, "PutObject")


def _no_bucket() -> Exception:
    from botocore.exceptions import ClientError

    answer = {
        "Error": {"Code": "NoSuchBucket", "Message": "The bucket does not exist"},
        "ResponseMetadata": {"HTTPStatusCode": 404},
    }
    return ClientError(answer, "PutObject")


def _unreachable() -> Exception:
    from botocore.exceptions import EndpointConnectionError

    return EndpointConnectionError(endpoint_url="http://127.0.0.1:9")


def _half_a_jpeg() -> Exception:
    from imagepipe.images import UndecodableImageError

    return UndecodableImageError("the image is damaged and will not decode")


def _order_event() -> Exception:
    from imagepipe.events import EventError

    return EventError("event type 'com.example.order.placed' is not an upload")


# Exercise 9.3: the ce-type sent instead of the trigger's messagePublished.
OTHER_TYPE: Final = "com.example.order.placed"
# Exercise 9.2: each failure, and how to make the real exception it raises.
FAILURES: Final[dict[str, Callable[[], Exception]]] = {
    "S3 answers 503 Slow Down": _slow_down,
    "S3 cannot be reached": _unreachable,
    "the results bucket does not exist": _no_bucket,
    "the upload is half a JPEG": _half_a_jpeg,
    "the message carries an order event": _order_event,
}


def dead_letter_attempts(attributes: Mapping[str, str], answer: Any) -> Verdict:
    """Exercise 9.1: how many deliveries the emulator tried before dead-lettering."""
    if answer is None:
        return unanswered(
            "attempts", "a whole number, from the dead letter's attributes"
        )
    if not isinstance(answer, int) or isinstance(answer, bool):
        return Verdict(False, f"a number of attempts is a whole number, not {answer!r}")
    tried = int(attributes[reliability_lab.DEAD_LETTER_COUNT])
    if answer != tried:
        return Verdict(
            False,
            f"{answer} is not it: read {reliability_lab.DEAD_LETTER_COUNT} in the "
            "dead letter's attributes",
        )
    return Verdict(
        True,
        f"{tried} attempts, the subscription's max_delivery_attempts; then the "
        "message moved to the dead-letter topic",
    )


def failure_statuses(answer: Any) -> Verdict:
    """Exercise 9.2: the status the processor answers for each failure."""
    names = ", ".join(FAILURES)
    if answer is None:
        return unanswered("statuses", f"a dict from each of {names} to a status code")
    if not isinstance(answer, Mapping) or set(answer) != set(FAILURES):
        return Verdict(False, f"give one status for each of: {names}")

    policy = function_code.load("processor", "delivery_policy")
    wrong = [
        name
        for name, make in FAILURES.items()
        if answer[name] != policy.for_error(make()).status
    ]
    if wrong:
        return Verdict(
            False,
            f"not what the processor answers for: {', '.join(wrong)}; look each up "
            "in delivery_policy.RULES (for_error decides)",
        )
    return Verdict(
        True,
        "transient failures get 503 and come back; a broken deployment gets 500; "
        "an event that can never succeed is recorded and acked with 200",
    )


def other_type_status(cloud: Any, answer: Any) -> Verdict:
    """Exercise 9.3: the answer to a complete CloudEvent of a type not handled."""
    if answer is None:
        return unanswered("status", "the status code of the processor's answer")
    if not isinstance(answer, int) or isinstance(answer, bool):
        return Verdict(False, f"a status code is a whole number, not {answer!r}")

    from imagepipe.events import build_upload_event

    event = build_upload_event(
        config.DEFAULT_IMAGE.read_bytes(),
        source="//exercise-9-3",
        subject="exercise.jpg",
        datacontenttype="image/jpeg",
    )
    headers, body = reliability_lab.eventarc_request(event)
    real = reliability_lab.send(cloud, {**headers, "ce-type": OTHER_TYPE}, body)
    if answer == real.status:
        return Verdict(
            True,
            f"{real.status}: it is one complete CloudEvent, so the guard lets it "
            "through; a type the processor does not handle can never succeed, so "
            "it is recorded under failed/ and acked",
        )
    if 400 <= answer < 500:
        return Verdict(
            False,
            f"{answer} is not it: the guard refuses only requests that are not one "
            "CloudEvent, and this one has every required attribute; read what "
            "main.py's _upload_event raises for it and how delivery_policy answers",
        )
    return Verdict(
        False,
        f"{answer} is not what the processor answers: would sending it again help? "
        "Read main.py's _upload_event and delivery_policy.for_error",
    )
