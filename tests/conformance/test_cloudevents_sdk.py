"""Where cloudevents 1.12 gets a conformance case wrong, and the project's one fix.

Each test first pins what the SDK itself does (so a release that fixes it
fails here, and imagepipe.sdk's workaround can go), then shows the project's
path, imagepipe.sdk through imagepipe.http_binding, doing it right.
"""

from __future__ import annotations

import base64
import http.client
import json

import cloudevents
import pytest
from cloudevents.conversion import to_binary, to_structured
from cloudevents.http import CloudEvent
from cloudevents.http import from_http as sdk_from_http
from imagepipe import sdk
from imagepipe.http_binding import from_http, to_http

from tests.conformance.cases import cases

CASES = {name: (attributes, data) for name, attributes, data in cases()}
STRUCTURED = {"content-type": "application/cloudevents+json"}


def test_these_findings_are_about_cloudevents_1_12():
    assert cloudevents.__version__ == "1.12.0"


def test_sdk_invents_an_id_and_a_time_the_sender_never_gave():
    attributes, data = CASES["v1_minimum-0"]
    assert "time" not in attributes

    invented = CloudEvent(dict(attributes), data)
    headers, _ = to_binary(invented)

    assert "ce-time" in headers
    assert "id" in CloudEvent({"specversion": "1.0", "source": "/s", "type": "t"})
    event = sdk.event(attributes, data)
    assert "time" not in event.get_attributes()
    assert "ce-time" not in to_http(event)[0]


def test_sdk_reading_a_request_adds_a_time_the_request_did_not_carry():
    headers = {"ce-specversion": "1.0", "ce-id": "1", "ce-source": "/s", "ce-type": "t"}

    assert "time" in sdk_from_http(headers, b"x").get_attributes()
    assert "time" not in from_http(headers, b"x").get_attributes()


def test_sdk_puts_an_unescaped_line_break_into_a_header_that_cannot_be_sent():
    attributes, data = CASES["v1-0"]
    assert attributes["comexampleextension2"] == '{"othervalue": 5}\n'

    headers, _ = to_binary(CloudEvent(dict(attributes), data))

    assert headers["ce-comexampleextension2"].endswith("\n")
    conn = http.client.HTTPConnection("127.0.0.1", 9)
    conn.putrequest("POST", "/")
    with pytest.raises(ValueError, match="Invalid header value"):
        conn.putheader("ce-comexampleextension2", headers["ce-comexampleextension2"])
    encoded, _ = to_http(sdk.event(attributes, data))
    assert encoded["ce-comexampleextension2"] == "{%22othervalue%22:%205}%0A"


def test_sdk_reads_percent_encoded_header_values_without_decoding_them():
    headers = {
        "ce-specversion": "1.0",
        "ce-id": "1",
        "ce-source": "/s",
        "ce-type": "t",
        "ce-note": "a%20b",
    }

    assert sdk_from_http(headers, b"")["note"] == "a%20b"
    assert from_http(headers, b"")["note"] == "a b"


@pytest.mark.parametrize("text", [b"5", b"true", b'"quoted"', b"[1, 2]"])
def test_sdk_turns_text_that_looks_like_json_into_a_value_in_binary_mode(text):
    headers = {
        "ce-specversion": "1.0",
        "ce-id": "1",
        "ce-source": "/s",
        "ce-type": "t",
        "content-type": "text/plain",
    }

    assert sdk_from_http(headers, text).get_data() == json.loads(text)
    assert from_http(headers, text).get_data() == text


def test_sdk_turns_data_base64_into_a_json_value_in_structured_mode():
    envelope = {
        "specversion": "1.0",
        "id": "1",
        "source": "/s",
        "type": "t",
        "datacontenttype": "text/plain",
        "data_base64": base64.b64encode(b"5").decode(),
    }
    body = json.dumps(envelope)

    assert sdk_from_http(STRUCTURED, body).get_data() == 5
    assert from_http(STRUCTURED, body.encode()).get_data() == b"5"


def test_conformance_json_data_without_a_content_type_stays_bytes():
    attributes, data = CASES["v1-0"]  # binary mode, no datacontenttype
    headers, body = to_binary(CloudEvent(dict(attributes), data))

    assert sdk_from_http(headers, body).get_data() == {"world": "hello"}
    assert from_http(*to_http(sdk.event(attributes, data))).get_data() == data


def test_sdk_writes_a_0_3_event_with_1_0s_data_base64():
    attributes, data = CASES["v03-0"]

    _, body = to_structured(CloudEvent(dict(attributes), data))

    written = json.loads(body)
    assert "data_base64" in written and "datacontentencoding" not in written
    _, ours = to_http(sdk.event(attributes, data), "structured")
    envelope = json.loads(ours)
    assert envelope["datacontentencoding"] == "base64"
    assert base64.b64decode(envelope["data"]) == data
    assert "data_base64" not in envelope


def test_sdk_reads_a_0_3_base64_event_as_the_base64_text():
    envelope = {
        "specversion": "0.3",
        "id": "1",
        "source": "/s",
        "type": "t",
        "datacontentencoding": "base64",
        "data": base64.b64encode(b"\x00\x01binary").decode(),
    }
    body = json.dumps(envelope)

    assert sdk_from_http(STRUCTURED, body).get_data() == envelope["data"]
    back = from_http(STRUCTURED, body.encode())
    assert back.get_data() == b"\x00\x01binary"
    assert "datacontentencoding" not in back.get_attributes()


def test_sdk_has_no_batch_format_and_reads_a_batch_as_no_event():
    batch = json.dumps([{"specversion": "1.0", "id": "1", "source": "/s", "type": "t"}])

    with pytest.raises(cloudevents.exceptions.MissingRequiredFields):
        sdk_from_http({"content-type": "application/cloudevents-batch+json"}, batch)
