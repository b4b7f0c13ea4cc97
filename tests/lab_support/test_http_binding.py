"""HTTP binding rules the course adds to cloudevents 1.12: encoding, modes, batch."""

from __future__ import annotations

import json

import pytest
from cloudevents.conversion import to_binary
from cloudevents.http import CloudEvent, from_http

from lab_support import http_binding


def _event(n: int, **extra) -> CloudEvent:
    attributes = {
        "type": "org.example.test.v1",
        "source": "/tests",
        "id": f"e{n}",
        "time": "2026-01-05T09:30:00Z",
        **extra,
    }
    return CloudEvent(attributes, {"n": n})


def test_percent_encode_matches_the_spec_example():
    assert (
        http_binding.percent_encode("Euro \u20ac \U0001f600")
        == "Euro%20%E2%82%AC%20%F0%9F%98%80"
    )


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        ("plain-ascii_1.jpg", "plain-ascii_1.jpg"),
        ('say "hi"', "say%20%22hi%22"),
        ("100%", "100%25"),
        ("tab\there", "tab%09here"),
        ("caf\u00e9", "caf%C3%A9"),
        ("a/b:c?d=e&f", "a/b:c?d=e&f"),
    ],
)
def test_percent_encode_touches_only_what_3_1_3_2_names(value, encoded):
    assert http_binding.percent_encode(value) == encoded
    assert http_binding.percent_decode(encoded) == value


def test_percent_decode_accepts_lower_case_and_needless_encoding():
    assert http_binding.percent_decode("caf%c3%a9%2Ejpg") == "caf\u00e9.jpg"


def test_percent_decode_unquotes_an_rfc7230_quoted_string_first():
    assert http_binding.percent_decode('"a \\"quoted\\" value"') == 'a "quoted" value'


@pytest.mark.parametrize("value", ["%C0%A0", "%FF", "50%", "%4", "%zz"])
def test_percent_decode_rejects_invalid_utf8_and_broken_escapes(value):
    with pytest.raises(http_binding.HeaderValueError):
        http_binding.percent_decode(value)


def test_encode_headers_writes_canonical_strings_and_leaves_content_type():
    event = _event(
        1,
        retried=True,
        attempt=3,
        subject="caf\u00e9",
        datacontenttype="application/json; charset=utf-8",
    )
    headers, _ = to_binary(event)

    encoded = http_binding.encode_headers(headers)

    assert encoded["ce-retried"] == "true"
    assert encoded["ce-attempt"] == "3"
    assert encoded["ce-subject"] == "caf%C3%A9"
    assert encoded["content-type"] == "application/json; charset=utf-8"


def test_decode_headers_lowers_names_so_from_http_reads_the_original_event():
    event = _event(2, subject="\u00fcber \u03a9")
    headers, body = to_binary(event)
    wire = [
        (name.title(), value)
        for name, value in http_binding.encode_headers(headers).items()
    ]

    decoded = from_http(http_binding.decode_headers(wire), body)

    assert decoded.get_attributes() == event.get_attributes()


@pytest.mark.parametrize(
    ("content_type", "mode"),
    [
        ("image/jpeg", "binary"),
        ("application/json", "binary"),
        ("application/cloudevents+json; charset=UTF-8", "structured"),
        ("Application/CloudEvents+JSON", "structured"),
        ("application/cloudevents-batch+json", "batch"),
        ("", "binary"),
    ],
)
def test_content_mode_follows_the_content_type_prefix(content_type, mode):
    assert http_binding.content_mode({"Content-Type": content_type}) == mode


def test_a_batch_round_trips_and_is_a_json_array():
    events = [_event(n) for n in range(3)]

    headers, body = http_binding.to_batch(events)
    back = http_binding.from_batch(headers, body)

    assert headers["content-type"].startswith("application/cloudevents-batch+json")
    assert [item["id"] for item in json.loads(body)] == ["e0", "e1", "e2"]
    assert [e.get_attributes() for e in back] == [e.get_attributes() for e in events]
    assert [e.get_data() for e in back] == [{"n": 0}, {"n": 1}, {"n": 2}]


def test_an_empty_batch_is_allowed():
    headers, body = http_binding.to_batch([])

    assert body == b"[]"
    assert http_binding.from_batch(headers, body) == []


def test_a_batch_refuses_mixed_specversions():
    old = CloudEvent({"type": "t", "source": "/s", "id": "1", "specversion": "0.3"})

    with pytest.raises(http_binding.BatchError, match="MUST share"):
        http_binding.to_batch([_event(1), old])


def test_from_batch_refuses_other_content_types_and_non_arrays():
    with pytest.raises(http_binding.BatchError, match="from_http"):
        http_binding.from_batch({"content-type": "application/cloudevents+json"}, b"[]")
    batch = {"content-type": http_binding.BATCH_CONTENT_TYPE}
    with pytest.raises(http_binding.BatchError, match="array"):
        http_binding.from_batch(batch, b'{"specversion": "1.0"}')
    with pytest.raises(http_binding.BatchError, match="not JSON"):
        http_binding.from_batch(batch, b"[{")
