"""Checks of chapter 6's exercises (the ingest Lambda)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lab_support import client, lambda_lab
from lab_support.checks import Verdict, unanswered
from lab_support.errors import CourseError


def _whole_number(answer: Any) -> bool:
    return isinstance(answer, int) and not isinstance(answer, bool)


def padding(event: Mapping[str, Any], answer: Any) -> Verdict:
    """Exercise 6.1: how many '=' the unpadded base64 body needs back."""
    if answer is None:
        return unanswered("padding", "a count of '=' characters, 0, 1 or 2")
    if not _whole_number(answer):
        return Verdict(False, f"a count is a whole number, not {answer!r}")
    body = event["body"]
    needed = -len(body) % 4
    if answer != needed:
        return Verdict(
            False,
            f"with {answer} '=' the text would be {len(body) + answer} characters "
            "long; base64 comes in groups of 4",
        )
    return Verdict(
        True, f"{len(body):,} characters + {needed} '=' make whole groups of 4"
    )


def raw_not_an_image(function_url: str, answer: Any) -> Verdict:
    """Exercise 6.2: a text file sent as a raw image/jpeg body, through the URL."""
    if answer is None:
        return unanswered("answer", "the Response that client.request returned")
    if not isinstance(answer, client.Response):
        return Verdict(
            False, f"answer should be a client.Response, not {type(answer).__name__}"
        )
    try:
        record = lambda_lab.invocation(function_url, lambda_lab.request_id(answer))
    except CourseError as error:
        return Verdict(False, str(error))

    event = record["event"]
    content_type = event.get("headers", {}).get("content-type", "")
    if event.get("rawPath") != "/images":
        path = event.get("rawPath")
        return Verdict(False, f"that request went to {path}, not to /images")
    if content_type.split(";")[0].strip().lower() != "image/jpeg":
        return Verdict(
            False,
            f"that request was sent as {content_type or '(no Content-Type)'}: send "
            "the file itself as the body, with content-type image/jpeg",
        )
    if answer.status != 415:
        return Verdict(
            False, f"the answer was {answer.status}; was the body not_an_image.jpg?"
        )
    return Verdict(
        True,
        "415: the declared type passed, but Pillow found no image in the bytes",
    )


def billed_duration(log: str, answer: Any) -> Verdict:
    """Exercise 6.3: read Billed Duration off the REPORT line, in whole ms."""
    if answer is None:
        return unanswered("billed_ms", "the Billed Duration of the REPORT line, in ms")
    fields = lambda_lab.report_fields(log)
    billed = int(fields["Billed Duration"].split()[0])
    duration = float(fields["Duration"].split()[0])
    if isinstance(answer, bool) or not isinstance(answer, int | float):
        return Verdict(False, f"a duration is a number of ms, not {answer!r}")
    if answer == duration and answer != billed:
        return Verdict(
            False, "that is Duration; Billed Duration is the figure Lambda charges"
        )
    if answer != billed:
        return Verdict(False, f"{answer} ms is not the Billed Duration on that line")
    return Verdict(True, f"Lambda bills {billed} ms for that invocation")
