"""imagepipe.keys: one place turns untrusted names into a subject and S3 keys."""

from __future__ import annotations

import pytest
from imagepipe.events import EventError
from imagepipe.keys import (
    MAX_SUBJECT_BYTES,
    failure_key,
    result_key,
    subject_from_filename,
)

EVENT_ID = "0b9f4f5e-3c1a-4d2b-9e8f-7a6b5c4d3e2f"


@pytest.mark.parametrize(
    ("name", "subject"),
    [
        ("photo.jpg", "photo.jpg"),
        ("../../etc/passwd", "passwd"),
        ("/absolute/path/cat.png", "cat.png"),
        ("C:\\Users\\ada\\My Photo (1).jpeg", "My_Photo_1_.jpeg"),
        ("..hidden..name..png", "hidden.name.png"),
        ("café.jpg", "café.jpg"),
        ("\u202egnp.exe", "gnp.exe"),
        ("a\x00b\nc.gif", "a_b_c.gif"),
    ],
)
def test_subject_keeps_only_a_safe_base_name(name, subject):
    assert subject_from_filename(name) == subject


@pytest.mark.parametrize("name", [None, "", "/", "..", "../..", "???"])
def test_subject_without_a_usable_name_is_upload_with_the_real_extension(name):
    assert subject_from_filename(name, default_extension="png") == "upload.png"


def test_long_subject_is_cut_to_the_byte_limit_keeping_the_extension():
    subject = subject_from_filename("ü" * 300 + ".jpeg")

    assert len(subject.encode("utf-8")) <= MAX_SUBJECT_BYTES
    assert subject.endswith(".jpeg")
    assert subject.startswith("üü")


def test_result_key_uses_the_output_format_extension():
    assert result_key(EVENT_ID, "JPEG") == f"processed/{EVENT_ID}.jpg"
    assert result_key(EVENT_ID, "png") == f"processed/{EVENT_ID}.png"
    assert result_key(EVENT_ID, "WEBP") == f"processed/{EVENT_ID}.webp"


def test_failure_key_is_a_json_record_under_failed():
    assert failure_key(EVENT_ID) == f"failed/{EVENT_ID}.json"


@pytest.mark.parametrize("event_id", ["../x", "a/b", "", ".hidden", "x" * 200])
def test_event_id_that_cannot_name_an_object_is_refused(event_id):
    with pytest.raises(EventError, match="cannot name an S3 object"):
        result_key(event_id, "JPEG")
    with pytest.raises(EventError, match="cannot name an S3 object"):
        failure_key(event_id)
