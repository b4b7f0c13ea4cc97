"""The spec's JSON Schema accepts the pipeline's event and names each broken rule."""

from __future__ import annotations

from cloudevents.conversion import to_json
from imagepipe.events import build_upload_event

from lab_support import event_schema

VALID = {
    "specversion": "1.0",
    "id": "1",
    "source": "/cameras/front-door",
    "type": "org.example.imagepipe.image.uploaded.v1",
    "time": "2025-03-01T08:30:00Z",
}


def test_the_pipelines_upload_event_passes():
    event = build_upload_event(
        b"\xff\xd8\xff", source="/s", subject="a.jpg", datacontenttype="image/jpeg"
    )

    assert event_schema.errors(to_json(event)) == []


def test_each_broken_rule_is_one_sorted_line():
    broken = {**VALID, "id": "", "time": "2025-03-01T09:30:00"}
    del broken["type"]

    assert event_schema.errors(broken) == [
        "(event): 'type' is a required property",
        "id: '' should be non-empty",
        "time: '2025-03-01T09:30:00' is not a 'date-time'",
    ]


def test_json_text_and_bytes_are_read_too():
    assert event_schema.errors('{"specversion": "1.0"}') == event_schema.errors(
        b'{"specversion": "1.0"}'
    )
    assert len(event_schema.errors(b'{"specversion": "1.0"}')) == 3


def test_source_must_be_a_uri_reference():
    assert event_schema.errors({**VALID, "source": "front door"}) == [
        "source: 'front door' is not a 'uri-reference'"
    ]


def test_rfc3339_needs_a_zone_and_a_t():
    assert event_schema.is_rfc3339("2025-03-01T09:30:00+01:00")
    assert event_schema.is_rfc3339("2025-03-01T08:30:00.123Z")
    assert not event_schema.is_rfc3339("2025-03-01T09:30:00")
    assert not event_schema.is_rfc3339("2025-03-01 09:30:00Z")
