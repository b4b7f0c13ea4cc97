"""Properties of the bindings and names, over inputs hypothesis makes up.

For any event the project can build, both Pub/Sub content modes and both HTTP
content modes give it back unchanged; any file name becomes a safe key part;
any key survives S3's event-notification encoding.
"""

from __future__ import annotations

from urllib.parse import quote_plus

from hypothesis import given, settings
from hypothesis import strategies as st
from imagepipe import sdk
from imagepipe.events import CORE_ATTRIBUTES
from imagepipe.http_binding import from_http, to_http
from imagepipe.keys import (
    MAX_SUBJECT_BYTES,
    RESULT_PREFIX,
    checked_key,
    key_from_s3_event,
    subject_from_filename,
)
from imagepipe.pubsub import from_message, to_message

# Any Unicode text that UTF-8 can encode (lone surrogates cannot be).
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
NAMES = st.from_regex(r"[a-z0-9]{1,20}", fullmatch=True).filter(
    lambda name: name not in CORE_ATTRIBUTES and name != "data"
)
CONTENT_TYPES = st.sampled_from(
    ["image/png", "image/jpeg", "application/octet-stream", "text/plain"]
)


@st.composite
def events(draw):
    attributes = {
        "specversion": "1.0",
        "id": draw(st.text(st.characters(blacklist_categories=("Cs",)), min_size=1)),
        "source": draw(
            st.text(st.characters(blacklist_categories=("Cs",)), min_size=1)
        ),
        "type": draw(st.from_regex(r"[a-z][a-z0-9.]{0,40}", fullmatch=True)),
        "datacontenttype": draw(CONTENT_TYPES),
    }
    if draw(st.booleans()):
        attributes["subject"] = draw(TEXT)
    if draw(st.booleans()):
        attributes["time"] = "2026-12-04T14:18:00.123Z"
    attributes.update(draw(st.dictionaries(NAMES, TEXT, max_size=6)))
    return sdk.event(attributes, draw(st.binary(min_size=1, max_size=3000)))


@settings(max_examples=150, deadline=None)
@given(event=events(), mode=st.sampled_from(["binary", "structured"]))
def test_pubsub_binding_gives_back_any_event_in_either_mode(event, mode):
    data, attributes = to_message(event, mode)

    back = from_message(data, attributes)

    assert dict(back.get_attributes()) == dict(event.get_attributes())
    assert back.get_data() == event.get_data()


@settings(max_examples=150, deadline=None)
@given(event=events(), mode=st.sampled_from(["binary", "structured"]))
def test_http_binding_gives_back_any_event_in_either_mode(event, mode):
    headers, body = to_http(event, mode)

    back = from_http(headers, body)

    assert dict(back.get_attributes()) == dict(event.get_attributes())
    assert back.get_data() == event.get_data()


@settings(max_examples=150, deadline=None)
@given(event=events())
def test_binary_http_headers_are_printable_ascii_whatever_the_values(event):
    headers, _body = to_http(event, "binary")

    for value in headers.values():
        assert all(0x20 <= ord(char) < 0x7F for char in value), value


@settings(max_examples=300, deadline=None)
@given(name=st.one_of(st.none(), st.text(max_size=400)))
def test_any_file_name_becomes_a_safe_bounded_key_part(name):
    subject = subject_from_filename(name)

    assert subject
    assert len(subject.encode("utf-8")) <= MAX_SUBJECT_BYTES
    assert "/" not in subject and "\\" not in subject
    assert ".." not in subject and not subject.startswith(".")
    assert checked_key(RESULT_PREFIX + subject)


@settings(max_examples=200, deadline=None)
@given(key=st.text(st.characters(blacklist_categories=("Cs",)), min_size=1))
def test_any_key_survives_the_s3_event_encoding(key):
    assert key_from_s3_event(quote_plus(key, safe="/")) == key
    assert key_from_s3_event(quote_plus(key, safe="")) == key
