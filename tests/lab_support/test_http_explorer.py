"""The request explorer renders the SDK's real request and follows its widgets."""

from __future__ import annotations

from dataclasses import replace

from lab_support import http_explorer
from lab_support.http_explorer import DEFAULT


def test_binary_render_puts_attributes_in_headers_and_bytes_in_the_body():
    text = http_explorer.render(DEFAULT)

    assert text.startswith("POST / HTTP/1.1\n")
    assert "\nce-subject: grace_hopper.jpg\n" in text
    assert "\nce-tenant: classroom-7\n" in text
    assert "\ncontent-type: image/jpeg\n" in text
    assert "<20 bytes of binary data: ff d8 ff e0" in text


def test_structured_render_has_one_header_and_data_base64():
    text = http_explorer.render(replace(DEFAULT, mode="structured"))

    assert "content-type: application/cloudevents+json" in text
    assert "ce-" not in text
    assert '"data_base64": "/9j/4AAQSkZJRgABAQEASABIAAA="' in text
    assert '"tenant": "classroom-7"' in text


def test_percent_encoding_applies_to_binary_headers_only_when_asked():
    accented = replace(DEFAULT, subject="caf\u00e9")

    assert "ce-subject: caf\u00e9\n" in http_explorer.render(accented)
    encoded = http_explorer.render(replace(accented, percent_encode=True))
    assert "ce-subject: caf%C3%A9\n" in encoded


def test_a_broken_attribute_renders_the_reason_instead_of_a_request():
    assert http_explorer.render(replace(DEFAULT, extension_name="Tenant")).startswith(
        "no request: extension name 'Tenant' breaks CloudEvents 1.0"
    )
    assert "required attribute(s) source" in http_explorer.render(
        replace(DEFAULT, source="")
    )


def test_an_empty_subject_or_extension_is_left_out():
    text = http_explorer.render(replace(DEFAULT, subject="", extension_name=""))

    assert "ce-subject" not in text
    assert "ce-tenant" not in text


def test_sizes_counts_header_and_body_bytes_of_each_mode():
    binary = http_explorer.request(DEFAULT)
    table = http_explorer.sizes({"binary": binary, "structured": ({"a": "b"}, b"xy")})

    assert table.rows[1] == ("structured", 1, "6 B", "2 B")
    assert table.rows[0][3] == "20 B"


def test_the_widget_shows_the_default_request_and_follows_every_control():
    box = http_explorer.explorer()
    *texts, mode, encode, shown = box.children

    assert http_explorer.render(DEFAULT) in _unescaped(shown.value)
    subject = next(t for t in texts if t.description == "subject")
    subject.value = "caf\u00e9.jpg"
    assert "ce-subject: caf\u00e9.jpg" in _unescaped(shown.value)
    encode.value = True
    assert "ce-subject: caf%C3%A9.jpg" in _unescaped(shown.value)
    mode.value = "structured"
    assert "application/cloudevents+json" in _unescaped(shown.value)


def _unescaped(value: str) -> str:
    import html

    return html.unescape(value)
