"""Checks of chapter 7's exercises (the processor)."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from lab_support import function_code, processor_lab
from lab_support.checks import Verdict, unanswered
from lab_support.config import SAMPLE_IMAGES

GRAY16 = SAMPLE_IMAGES / "tricky" / "gray16.png"
GRAY16_PIXEL = (200, 10)


def message_text(body: Mapping[str, Any], answer: Any) -> Verdict:
    """Exercise 7.1: the text of a MessagePublishedData, decoded exactly once."""
    if answer is None:
        return unanswered("text", "the message data, decoded, as a str")
    encoded = body["message"]["data"]
    decoded = base64.b64decode(encoded, validate=True)
    if isinstance(answer, bytes):
        if answer == decoded:
            return Verdict(False, "those are the right bytes: now make them a str")
        return Verdict(False, "those bytes are not the message's data")
    if not isinstance(answer, str):
        return Verdict(False, f"text should be a str, not {type(answer).__name__}")
    if answer == encoded:
        return Verdict(False, "that is still base64: decode it once")
    if answer != decoded.decode("utf-8"):
        return Verdict(False, f"{answer!r} is not what the message data says")
    return Verdict(True, f"one decode gives {answer!r}")


def _gray16_values() -> tuple[int, int, int]:
    """The pixel's stored 16-bit value, convert("L")'s value and the processor's."""
    from PIL import Image

    image_transform = function_code.load("processor", "image_transform")
    with Image.open(GRAY16) as image:
        image.load()
        stored = image.getpixel(GRAY16_PIXEL)
        clamped = image.convert("L").getpixel(GRAY16_PIXEL)
        scaled = image_transform.to_working_mode(image).getpixel(GRAY16_PIXEL)
    return stored, clamped, scaled


def gray16_value(answer: Any) -> Verdict:
    """Exercise 7.2: the 8-bit value the processor gives one 16-bit pixel."""
    if answer is None:
        return unanswered("value", "a whole number from 0 to 255")
    if isinstance(answer, bool) or not isinstance(answer, int):
        return Verdict(False, f"a pixel value is a whole number, not {answer!r}")
    stored, clamped, scaled = _gray16_values()
    if answer == stored:
        return Verdict(False, "that is the stored 16-bit value, before the processor")
    if answer == clamped and clamped != scaled:
        return Verdict(False, 'that is what convert("L") gives: clamped, not scaled')
    if answer != scaled:
        return Verdict(False, f"{answer} is not what to_working_mode gives there")
    return Verdict(True, f"{stored} of 65,535 becomes {scaled} of 255")


def third_delivery(cloud, event_id: str, answer: Any) -> Verdict:
    """Exercise 7.3: the outcome the processor logged for a third delivery."""
    if answer is None:
        return unanswered("outcome", "the outcome field of the processor's log line")
    lines = processor_lab.records(cloud, "processor", event_id=event_id)
    if len(lines) < 3:
        return Verdict(
            False,
            f"the processor has logged {len(lines)} delivery(ies) of this event: "
            "publish it a third time and wait for the line",
        )
    logged = lines[-1]["outcome"]
    if answer != logged:
        return Verdict(
            False, f"{answer!r} is not the outcome of the last delivery's log line"
        )
    return Verdict(True, f"the third delivery was logged {logged!r}")
