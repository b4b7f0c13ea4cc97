"""imagepipe.events: the upload event's attributes and CloudEvents naming rules."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from imagepipe.events import (
    IMAGE_UPLOADED,
    EventError,
    build_upload_event,
    canonical_string,
    validate_extension_name,
)

ARN = "arn:aws:lambda:us-east-1:123456789012:function:cec-ingest"
RFC3339_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def _event(**overrides):
    arguments = {
        "source": ARN,
        "subject": "cat.png",
        "datacontenttype": "image/png",
    }
    arguments.update(overrides)
    return build_upload_event(b"\x89PNG\r\n\x1a\n", **arguments)


def test_upload_event_has_every_contract_attribute():
    event = _event()

    assert event["specversion"] == "1.0"
    assert event["type"] == IMAGE_UPLOADED == "org.example.imagepipe.image.uploaded.v1"
    assert event["source"] == ARN
    assert event["subject"] == "cat.png"
    assert event["datacontenttype"] == "image/png"
    assert event.get_data() == b"\x89PNG\r\n\x1a\n"
    assert uuid.UUID(event["id"]).version == 4


def test_upload_event_time_is_rfc3339_utc_with_zone_and_now():
    event = _event()

    assert RFC3339_UTC.fullmatch(event["time"])
    moment = datetime.fromisoformat(event["time"].replace("Z", "+00:00"))
    assert abs(datetime.now(UTC) - moment) < timedelta(seconds=5)


def test_each_upload_event_gets_its_own_id():
    assert _event()["id"] != _event()["id"]


def test_valid_extensions_are_carried_as_given():
    event = _event(extensions={"traceparent": "00-abc-def-01", "attempt": 2})

    assert event["traceparent"] == "00-abc-def-01"
    assert event["attempt"] == 2


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("traceParent", "lower-case ASCII letters a-z and digits 0-9"),
        ("trace-parent", "lower-case ASCII letters a-z and digits 0-9"),
        ("trace_parent", "lower-case ASCII letters a-z and digits 0-9"),
        ("café", "lower-case ASCII letters a-z and digits 0-9"),
        ("", "lower-case ASCII letters a-z and digits 0-9"),
        ("a" * 21, "SHOULD NOT exceed 20 characters"),
        ("subject", "taken by the CloudEvents spec"),
        ("data", "taken by the CloudEvents spec"),
    ],
)
def test_bad_extension_name_is_refused_with_the_rule_it_breaks(name, rule):
    with pytest.raises(EventError, match=re.escape(rule)):
        validate_extension_name(name)
    with pytest.raises(EventError, match=re.escape(rule)):
        _event(extensions={name: "x"})


def test_extension_name_of_twenty_characters_is_accepted():
    validate_extension_name("a" * 20)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (True, "true"),
        (False, "false"),
        (5, "5"),
        (-(2**31), "-2147483648"),
        ("plain", "plain"),
        (b"\x00\xff", "AP8="),
        (
            datetime(2026, 12, 4, 15, 0, tzinfo=timezone(timedelta(hours=1))),
            "2026-12-04T14:00:00.000Z",
        ),
    ],
)
def test_canonical_string_follows_the_cloudevents_type_system(value, text):
    assert canonical_string(value) == text


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (2**31, "signed 32-bit"),
        (1.5, "no CloudEvents type"),
        (datetime(2026, 12, 4), "no time zone"),
        (None, "no CloudEvents type"),
    ],
)
def test_value_without_a_canonical_string_is_refused(value, reason):
    with pytest.raises(EventError, match=reason):
        canonical_string(value)


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"source": ""}, "non-empty source"),
        ({"subject": ""}, "non-empty subject"),
        ({"datacontenttype": "text/plain"}, "not an image type"),
    ],
)
def test_upload_event_without_what_the_contract_needs_is_refused(overrides, reason):
    with pytest.raises(EventError, match=reason):
        _event(**overrides)


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("example-extension", "names MUST use only lower-case ASCII letters"),
        ("MyExt", "names MUST use only lower-case ASCII letters"),
        ("a" * 40, "is 40 characters long"),
    ],
)
def test_issue_extension_names_are_refused_not_renamed(name, rule):
    with pytest.raises(EventError, match=re.escape(rule)) as refused:
        _event(extensions={name: "value"})

    assert repr(name) in str(refused.value)
