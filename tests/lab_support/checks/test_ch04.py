"""Chapter 4's checks fail on wrong answers and pass on the solutions."""

from __future__ import annotations

import json

import pytest
from cloudevents.conversion import to_binary, to_structured
from cloudevents.http import CloudEvent
from imagepipe import events

from lab_support.checks import ch04
from lab_support.config import DEFAULT_IMAGE
from notebooks.solutions import ch04_http_binding as solution

SUBJECT = "Straße 5%.jpg"


@pytest.fixture(scope="module")
def bodies() -> tuple[bytes, bytes]:
    event = events.build_upload_event(
        DEFAULT_IMAGE.read_bytes(),
        source="arn:aws:lambda:us-east-1:000000000000:function:cec-ingest",
        subject=DEFAULT_IMAGE.name,
        datacontenttype="image/jpeg",
    )
    return to_binary(event)[1], to_structured(event)[1]


def test_extra_bytes_passes_the_solution_and_fails_the_others(bodies):
    binary, structured = bodies
    right = solution.extra_bytes(binary, structured)

    assert ch04.extra_bytes(binary, structured, right).ok
    for wrong in (None, True, float(right), str(right), -right, len(structured), 1):
        assert not ch04.extra_bytes(binary, structured, wrong).ok, wrong


def test_extra_bytes_names_the_usual_mistakes(bodies):
    binary, structured = bodies

    assert (
        "whole structured body"
        in ch04.extra_bytes(binary, structured, len(structured)).message
    )
    assert (
        "sign"
        in ch04.extra_bytes(binary, structured, len(binary) - len(structured)).message
    )


def test_percent_encoded_passes_the_solution_only():
    assert ch04.percent_encoded(SUBJECT, solution.header_value(SUBJECT)).ok
    wrong = {
        None: "set header_value",
        b"Stra%C3%9Fe%205%25.jpg": "str",
        SUBJECT: "outside ASCII",
        "Stra%C3%9Fe+5%25.jpg": "'+'",
        "Stra%C3%9Fe 5%25.jpg": "space",
        "Stra%C3%9Fe%205%.jpg": "%25",
        "Stra%c3%9fe%205%25.jpg": "upper case",
        "Stra%C3%9Fe%205%25%2Ejpg": "leaves as they are",
        "Strasse%205%25.jpg": "decodes to",
    }
    for answer, reason in wrong.items():
        verdict = ch04.percent_encoded(SUBJECT, answer)
        assert not verdict.ok, answer
        assert reason in verdict.message, (answer, verdict.message)


def test_json_body_event_passes_the_solution_and_fails_a_double_encoding():
    assert ch04.json_body_event(solution.sized_event()).ok

    twice = CloudEvent(
        {**_attributes(), "datacontenttype": "application/json"},
        json.dumps(ch04.SIZE_OBJECT),
    )
    verdict = ch04.json_body_event(twice)
    assert not verdict.ok
    assert "serialized twice" in verdict.message


def test_json_body_event_refuses_what_is_not_an_event():
    assert "set sized_event" in ch04.json_body_event(None).message
    assert "CloudEvent" in ch04.json_body_event(dict(ch04.SIZE_OBJECT)).message


def test_json_body_event_wants_json_content_type_and_the_right_object():
    no_type = CloudEvent(_attributes(), {"width": 512, "height": 600})
    other = CloudEvent(
        {**_attributes(), "datacontenttype": "application/json"}, {"width": 1}
    )
    text = CloudEvent(
        {**_attributes(), "datacontenttype": "application/json"}, b"not json"
    )

    assert "application/json" in ch04.json_body_event(no_type).message
    assert "not {'width': 512" in ch04.json_body_event(other).message
    assert "not JSON" in ch04.json_body_event(text).message


def _attributes() -> dict[str, str]:
    return {"type": "org.example.test.v1", "source": "/tests", "id": "1"}
