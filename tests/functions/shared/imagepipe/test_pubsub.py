"""imagepipe.pubsub: Google's CloudEvents binding for Pub/Sub, both content modes."""

from __future__ import annotations

import json

import pytest
import yaml
from cloudevents.http import CloudEvent
from imagepipe.events import EventError, build_upload_event
from imagepipe.pubsub import (
    MAX_ATTRIBUTE_KEY_BYTES,
    MAX_MESSAGE_BYTES,
    PubSubLimitError,
    check_limits,
    from_message,
    to_message,
)

from tests.functions.helpers import FIXTURES

ARN = "arn:aws:lambda:us-east-1:123456789012:function:cec-ingest"
IMAGE = b"\xff\xd8\xff\xe0 not really a JPEG \x00\x01\r\n"


def _conformance_cases() -> list[tuple[str, dict]]:
    cases = []
    for path in sorted((FIXTURES / "cloudevents-conformance").glob("v1*.yaml")):
        # BaseLoader keeps every scalar a string, as the attributes travel.
        for number, case in enumerate(yaml.load_all(path.read_text(), yaml.BaseLoader)):
            cases.append((f"{path.stem}-{number}", case))
    return cases


def _conformance_event(case: dict) -> CloudEvent:
    attributes = dict(case["ContextAttributes"])
    attributes.update(attributes.pop("Extensions", {}) or {})
    return CloudEvent(attributes, case.get("Data", "").encode("utf-8"))


def _upload(**extensions) -> CloudEvent:
    return build_upload_event(
        IMAGE,
        source=ARN,
        subject="cat.jpg",
        datacontenttype="image/jpeg",
        extensions=extensions or None,
    )


@pytest.mark.parametrize("mode", ["binary", "structured"])
@pytest.mark.parametrize(
    "case",
    [c for _, c in _conformance_cases()],
    ids=[n for n, _ in _conformance_cases()],
)
def test_conformance_event_survives_a_round_trip(case, mode):
    event = _conformance_event(case)

    data, attributes = to_message(event, mode)
    back = from_message(data, attributes)

    assert back.get_attributes() == event.get_attributes()
    if isinstance(back.get_data(), bytes):
        assert back.get_data() == event.get_data()
    else:
        # The JSON format carries JSON data as a JSON value, not as bytes.
        assert mode == "structured"
        assert back.get_data() == json.loads(event.get_data())


def test_binary_mode_puts_attributes_in_ce_attributes_and_data_unchanged():
    event = _upload()

    data, attributes = to_message(event)

    assert data == IMAGE
    assert attributes == {
        "ce-specversion": "1.0",
        "ce-id": event["id"],
        "ce-source": ARN,
        "ce-type": "org.example.imagepipe.image.uploaded.v1",
        "ce-time": event["time"],
        "ce-subject": "cat.jpg",
        "content-type": "image/jpeg",
    }


def test_binary_mode_writes_extension_values_as_canonical_strings():
    _, attributes = to_message(_upload(sampled=True, attempt=5, tag="x"))

    assert attributes["ce-sampled"] == "true"
    assert attributes["ce-attempt"] == "5"
    assert attributes["ce-tag"] == "x"


def test_structured_mode_is_the_json_format_with_base64_data():
    event = _upload()

    data, attributes = to_message(event, "structured")
    document = json.loads(data)

    assert attributes == {"content-type": "application/cloudevents+json; charset=UTF-8"}
    assert document["id"] == event["id"]
    assert document["datacontenttype"] == "image/jpeg"
    assert "data_base64" in document and "data" not in document
    assert from_message(data, attributes).get_data() == IMAGE


def test_binary_message_rebuilds_the_producer_event():
    event = _upload(
        traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    )

    back = from_message(*to_message(event))

    assert back.get_attributes() == event.get_attributes()
    assert back.get_data() == IMAGE


def test_ce_datacontenttype_is_read_when_content_type_is_absent():
    attributes = {
        "ce-specversion": "1.0",
        "ce-id": "1",
        "ce-source": "/s",
        "ce-type": "t",
        "ce-datacontenttype": "image/png",
    }

    assert from_message(b"x", attributes)["datacontenttype"] == "image/png"


def test_message_with_attributes_but_no_data_has_empty_data():
    attributes = {
        "ce-specversion": "1.0",
        "ce-id": "1",
        "ce-source": "/s",
        "ce-type": "t",
    }

    event = from_message(None, attributes)

    assert event.get_data() == b""


def test_rebuilt_event_gets_no_time_the_producer_did_not_send():
    attributes = {
        "ce-specversion": "1.0",
        "ce-id": "1",
        "ce-source": "/s",
        "ce-type": "t",
    }

    assert "time" not in from_message(b"", attributes).get_attributes()


def test_message_without_ce_attributes_is_not_a_cloudevent():
    with pytest.raises(EventError, match="specversion, id, source, type"):
        from_message(b"test message 3", {"attr1": "attr1-value"})


def test_received_extension_name_with_upper_case_is_refused():
    attributes = {
        "ce-specversion": "1.0",
        "ce-id": "1",
        "ce-source": "/s",
        "ce-type": "t",
        "ce-traceParent": "x",
    }

    with pytest.raises(EventError, match="lower-case ASCII letters"):
        from_message(b"", attributes)


def test_structured_message_that_is_not_json_is_refused():
    with pytest.raises(EventError, match="not a CloudEvent in JSON"):
        from_message(b"{not json", {"content-type": "application/cloudevents+json"})


def test_attribute_value_over_1024_utf8_bytes_is_refused_before_publishing():
    # 600 characters, but 1,200 bytes in UTF-8: the limit counts bytes.
    event = build_upload_event(
        IMAGE, source=ARN, subject="é" * 600, datacontenttype="image/jpeg"
    )

    with pytest.raises(PubSubLimitError, match="at most 1024 bytes"):
        to_message(event)


def test_more_than_100_attributes_are_refused():
    extensions = {f"ext{n}": "v" for n in range(94)}

    with pytest.raises(PubSubLimitError, match="at most 100"):
        to_message(_upload(**extensions))


def test_attribute_key_over_256_utf8_bytes_is_refused():
    key = "ce-" + "ü" * 130  # 263 bytes, 133 characters

    with pytest.raises(PubSubLimitError, match=f"at most {MAX_ATTRIBUTE_KEY_BYTES}"):
        check_limits(b"", {key: "v"})


def test_message_over_ten_million_bytes_is_refused():
    event = build_upload_event(
        bytes(MAX_MESSAGE_BYTES),
        source=ARN,
        subject="big.jpg",
        datacontenttype="image/jpeg",
    )

    with pytest.raises(PubSubLimitError, match="10,000,000 bytes"):
        to_message(event)


def test_message_exactly_at_the_limits_is_accepted():
    check_limits(bytes(MAX_MESSAGE_BYTES - 4), {"ab": "cd"})
    check_limits(b"", {"k" * 256: "v" * 1024})


def test_unknown_content_mode_is_refused():
    with pytest.raises(EventError, match="binary or structured"):
        to_message(_upload(), "batched")


def test_conformance_cases_are_found_so_the_round_trip_runs():
    assert len(_conformance_cases()) >= 5


def test_value_of_600_e_acute_is_1200_bytes_and_refused_before_the_call():
    with pytest.raises(PubSubLimitError, match="is 1200 bytes; Pub/Sub allows at most"):
        check_limits(b"", {"ce-note": "é" * 600})


def test_300_character_key_is_refused_in_bytes():
    with pytest.raises(
        PubSubLimitError, match="is 300 bytes; Pub/Sub allows at most 256"
    ):
        check_limits(b"", {"k" * 300: "v"})


def test_101_attributes_are_refused():
    attributes = {f"a{n}": "v" for n in range(101)}

    with pytest.raises(PubSubLimitError, match="has 101 attributes"):
        check_limits(b"", attributes)


def test_11_mib_of_data_is_refused_before_publishing():
    event = build_upload_event(
        bytes(11 * 1024 * 1024),
        source=ARN,
        subject="big.jpg",
        datacontenttype="image/jpeg",
    )

    with pytest.raises(PubSubLimitError, match=r"message is 11,53\d,\d{3} bytes"):
        to_message(event)


def test_integer_and_boolean_extensions_travel_as_canonical_strings_both_ways():
    data, attributes = to_message(_upload(retries=5, urgent=True))

    assert (attributes["ce-retries"], attributes["ce-urgent"]) == ("5", "true")
    back = from_message(data, attributes)
    assert (back["retries"], back["urgent"]) == ("5", "true")
