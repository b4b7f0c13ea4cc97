"""Checks of chapter 4's exercises (the HTTP binding)."""

from __future__ import annotations

import json
from typing import Any

from cloudevents.conversion import to_binary
from cloudevents.exceptions import GenericException
from cloudevents.http import CloudEvent

from lab_support import http_binding
from lab_support.checks import Verdict, unanswered

SIZE_OBJECT = {"width": 512, "height": 600}


def extra_bytes(binary_body: bytes, structured_body: bytes, answer: Any) -> Verdict:
    """Exercise 4.1: how many more bytes the structured body carries."""
    if answer is None:
        return unanswered("extra_bytes", "a whole number of bytes")
    if not isinstance(answer, int) or isinstance(answer, bool):
        return Verdict(False, f"a byte count is a whole number, not {answer!r}")
    right = len(structured_body) - len(binary_body)
    if answer == len(structured_body):
        return Verdict(
            False, "that is the whole structured body; subtract the binary body"
        )
    if answer == -right:
        return Verdict(False, "the sign is the wrong way round: structured is larger")
    if answer != right:
        return Verdict(
            False,
            f"{answer:,} is not it: compare len() of the two bodies "
            "(base64 alone adds about a third)",
        )
    share = right / len(binary_body)
    return Verdict(
        True,
        f"{right:,} bytes more, {share:.0%} of the photo: base64 plus the attributes",
    )


def percent_encoded(value: str, answer: Any) -> Verdict:
    """Exercise 4.2: the header value HTTP binding 3.1.3.2 asks for."""
    if answer is None:
        return unanswered("header_value", "the encoded subject as a str")
    if not isinstance(answer, str):
        return Verdict(False, f"a header value is a str, not {type(answer).__name__}")
    right = http_binding.percent_encode(value)
    if answer == right:
        return Verdict(True, f"{right} is printable ASCII and decodes back to {value}")
    if "+" in answer and " " in value:
        return Verdict(
            False,
            "'+' for a space is HTML form encoding; the binding wants %20",
        )
    if not answer.isascii():
        return Verdict(
            False, "a character outside ASCII is left as it is: encode its UTF-8 bytes"
        )
    if " " in answer:
        return Verdict(False, "a space MUST be percent-encoded too (%20)")
    try:
        decoded = http_binding.percent_decode(answer)
    except http_binding.HeaderValueError:
        return Verdict(False, "a '%' of the value itself MUST become %25")
    if decoded != value:
        return Verdict(False, f"that decodes to {decoded!r}, not {value!r}")
    if answer.upper() == right.upper():
        return Verdict(
            False,
            "it decodes right, but the binding says hex digits SHOULD be upper case",
        )
    return Verdict(
        False,
        "it decodes right but encodes characters the binding leaves as they are",
    )


def json_body_event(answer: Any) -> Verdict:
    """Exercise 4.3: an event whose binary-mode body is a JSON object, not a string."""
    if answer is None:
        return unanswered("sized_event", "a cloudevents.http.CloudEvent")
    if not isinstance(answer, CloudEvent):
        return Verdict(
            False, f"build a cloudevents.http.CloudEvent, not {type(answer).__name__}"
        )
    try:
        headers, body = to_binary(answer)
    except GenericException as error:
        return Verdict(False, f"to_binary refused the event: {error}")
    content_type = headers.get("content-type", "")
    if not content_type.startswith("application/json"):
        return Verdict(
            False,
            f"datacontenttype is {content_type or 'unset'}: say application/json",
        )
    try:
        sent = json.loads(body or b"")
    except ValueError:
        return Verdict(False, f"the body {body[:40]!r} is not JSON at all")
    if isinstance(sent, str):
        return Verdict(
            False,
            "the body is a JSON string that holds JSON: the data was serialized "
            "twice; give the SDK the dict itself",
        )
    if sent != SIZE_OBJECT:
        return Verdict(False, f"the body is {sent!r}, not {SIZE_OBJECT!r}")
    return Verdict(True, f"the body is the JSON object {body.decode()}")
