"""Checks of chapter 3's exercises (anatomy of a CloudEvent)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Final

from imagepipe.events import (
    CORE_ATTRIBUTES,
    IMAGE_UPLOADED,
    EventError,
    validate_extension_name,
)

from lab_support import event_schema
from lab_support.checks import Verdict, unanswered

# Exercise 3.1: an upload event with four mistakes for the learner to fix.
BROKEN_EVENT: Final = {
    "specversion": "1.0",
    "id": "",
    "source": "/cameras/front-door",
    "subject": "door.jpg",
    "time": "2025-03-01T09:30:00",
    "datacontenttype": "image/jpeg",
    "camera-model": "X100",
}
# Exercise 3.2: names a producer might pick for an extension attribute.
EXTENSION_CANDIDATES: Final = (
    "traceparent",
    "imageWidth",
    "image_width",
    "imagewidth",
    "camera2",
    "partitionkey",
    "uploadedbyfrontdoorcamera",
    "subject",
)
# Exercise 3.3: 1 March 2025, 09:30 in Berlin (UTC+01:00 in winter).
MOMENT: Final = datetime(2025, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=1)))
# Exercise 3.4: type names for "the processor stored its result".
TYPE_CANDIDATES: Final = (
    "ImageProcessed",
    "image.processed",
    "org.example.imagepipe.image.processed",
    "org.example.imagepipe.process.image.v1",
    "org.example.imagepipe.image.processed.v1",
)
_TYPE_HINTS: Final = {
    "ImageProcessed": "no reverse-DNS prefix names who defines it, and no version",
    "image.processed": "no reverse-DNS prefix names who defines it",
    "org.example.imagepipe.image.processed": "no version: how would v2 differ?",
    "org.example.imagepipe.process.image.v1": "that reads as a command, not a fact",
}


def _instant(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _utc(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"


def _distance(moment: datetime) -> str:
    if moment > MOMENT:
        return f"{moment - MOMENT} later than"
    return f"{MOMENT - moment} earlier than"


def _allowed(name: str) -> bool:
    try:
        validate_extension_name(name)
    except EventError:
        return False
    return True


def fixed_event(answer: Any) -> Verdict:
    """Exercise 3.1: the broken event, fixed, as a JSON-format mapping."""
    if answer is None:
        return unanswered("fixed", "a dict like BROKEN_EVENT, with its mistakes fixed")
    if not isinstance(answer, dict):
        return Verdict(False, f"give a dict of attributes, not {type(answer).__name__}")
    problems = event_schema.errors(answer)
    if problems:
        return Verdict(False, f"the JSON Schema says {problems[0]}")
    for name in answer:
        if name in CORE_ATTRIBUTES or name in ("data", "data_base64"):
            continue
        try:
            validate_extension_name(name)
        except EventError as error:
            return Verdict(False, str(error))
    for name in ("source", "subject", "datacontenttype"):
        if answer.get(name) != BROKEN_EVENT[name]:
            return Verdict(False, f"keep {name} as it was: {BROKEN_EVENT[name]!r}")
    if answer.get("type") != IMAGE_UPLOADED:
        return Verdict(
            False, "an upload event's type is imagepipe.events.IMAGE_UPLOADED"
        )
    if not str(answer.get("id", "")).strip():
        return Verdict(
            False,
            f"id {answer['id']!r} is blank: give the event an id that names it, "
            "such as str(uuid.uuid4())",
        )
    if "time" not in answer:
        return Verdict(False, "keep the time, with its zone written out")
    moment = _instant(answer["time"])
    if moment is None:
        return Verdict(False, "write the time as YYYY-MM-DDTHH:MM:SS and a zone")
    if moment != MOMENT:
        return Verdict(
            False,
            f"time {answer['time']} is {_distance(moment)} the moment asked: keep "
            "09:30 on Berlin's clocks, which are one hour ahead of UTC in March",
        )
    return Verdict(True, "a valid image.uploaded event: the schema accepts it")


def allowed_extensions(answer: Any) -> Verdict:
    """Exercise 3.2: which candidate names may name an extension attribute."""
    if answer is None:
        return unanswered("allowed", "a set of names from EXTENSION_CANDIDATES")
    if isinstance(answer, str) or not isinstance(
        answer, set | frozenset | list | tuple
    ):
        return Verdict(False, "give a set of names, such as {'a', 'b'}")
    given = set(answer)
    strangers = given - set(EXTENSION_CANDIDATES)
    if strangers:
        return Verdict(False, f"{sorted(strangers)[0]!r} is not one of the candidates")
    for name in EXTENSION_CANDIDATES:
        if name in given and not _allowed(name):
            return Verdict(False, f"{name!r} is refused: which rule does it break?")
        if name not in given and _allowed(name):
            return Verdict(False, f"{name!r} is allowed: why did you leave it out?")
    return Verdict(
        True,
        "lower-case a-z and 0-9, at most 20 characters, not a "
        "name the spec already uses",
    )


def rfc3339_time(answer: Any) -> Verdict:
    """Exercise 3.3: 09:30 on 1 March 2025 in Berlin, as an RFC 3339 timestamp."""
    if answer is None:
        return unanswered("when", "a string such as 2024-12-31T23:59:00+00:00")
    if not isinstance(answer, str):
        return Verdict(False, f"a CloudEvents time is a string, not {answer!r}")
    if not event_schema.is_rfc3339(answer):
        return Verdict(
            False,
            f"{answer!r} is not RFC 3339: write date T time and a zone, "
            "such as Z or +01:00",
        )
    moment = _instant(answer)
    if moment is None:
        return Verdict(False, "write it as YYYY-MM-DDTHH:MM:SS followed by the zone")
    if moment != MOMENT:
        return Verdict(False, f"that is {_distance(moment)} the moment asked")
    if moment.utcoffset() == timedelta(0):
        return Verdict(
            True, f"{answer} is that moment, written in UTC: Berlin's clocks said 09:30"
        )
    return Verdict(
        True, f"{answer} is that moment; written in UTC it is {_utc(moment)}"
    )


def type_name(answer: Any) -> Verdict:
    """Exercise 3.4: the type name that follows the course's convention."""
    if answer is None:
        return unanswered("convention", "one of TYPE_CANDIDATES")
    if answer not in TYPE_CANDIDATES:
        return Verdict(False, "choose one of TYPE_CANDIDATES, copied exactly")
    if answer in _TYPE_HINTS:
        return Verdict(False, _TYPE_HINTS[answer])
    return Verdict(
        True, "reverse-DNS prefix, what happened in the past tense, a version"
    )
