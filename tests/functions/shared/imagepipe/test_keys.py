"""imagepipe.keys: one place turns untrusted names into a subject and S3 keys."""

from __future__ import annotations

import re

import pytest
from imagepipe.events import EventError
from imagepipe.keys import (
    MAX_KEY_BYTES,
    MAX_SUBJECT_BYTES,
    RESULT_PREFIX,
    checked_key,
    failure_key,
    key_from_s3_event,
    record_id,
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


ISSUE_NAME = "uploads/my photo+1 (copy) é.jpg"


def test_issue_file_name_becomes_one_safe_name_in_one_place():
    subject = subject_from_filename(ISSUE_NAME)

    assert subject == "my_photo_1_copy_é.jpg"
    assert checked_key(RESULT_PREFIX + subject) == f"processed/{subject}"


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("/processed/x.jpg", "starts with '/'"),
        ("processed/../x.jpg", "'..' segment"),
        ("processed/./x.jpg", "a '.' or '..' segment"),
        ("processed/a\nb.jpg", "control character"),
        ("", "1 to 1024 bytes"),
        ("é" * 513, "1026 bytes"),
    ],
)
def test_key_that_s3_or_a_reader_would_misread_is_refused(key, reason):
    with pytest.raises(EventError, match=re.escape(reason)):
        checked_key(key)


def test_key_of_exactly_1024_bytes_is_accepted():
    key = "processed/" + "k" * (MAX_KEY_BYTES - len("processed/"))

    assert checked_key(key) == key


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("uploads/my+photo%2B1+%28copy%29+%C3%A9.jpg", ISSUE_NAME),
        ("uploads%2Fmy+photo%2B1+%28copy%29+%C3%A9.jpg", ISSUE_NAME),
        ("processed/plain.jpg", "processed/plain.jpg"),
    ],
)
def test_s3_event_key_is_decoded_with_plus_as_space(raw, key):
    assert key_from_s3_event(raw) == key


def test_key_read_back_from_a_real_s3_event_notification_is_the_key_written(s3):
    import json

    import boto3

    sqs = boto3.client("sqs", region_name="us-east-1")
    queue = sqs.create_queue(QueueName="cec-test-key-events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
    bucket = "cec-test-key-events"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": arn["Attributes"]["QueueArn"],
                    "Events": ["s3:ObjectCreated:*"],
                }
            ]
        },
    )

    s3.put_object(Bucket=bucket, Key=ISSUE_NAME, Body=b"x")

    keys = []
    for message in sqs.receive_message(
        QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=2
    ).get("Messages", []):
        for record in json.loads(message["Body"]).get("Records", []):
            keys.append(record["s3"]["object"]["key"])
    assert keys and "+" in keys[0]
    assert [key_from_s3_event(k) for k in keys] == [ISSUE_NAME]


def test_failure_record_name_falls_back_to_a_usable_id_then_a_digest():
    assert record_id("0b9f4f5e-3c1a", "123") == "0b9f4f5e-3c1a"
    assert record_id("../x", "123") == "123"
    assert record_id(None, "a:b") == record_id(None, "a:b")
    assert record_id(None, "a:b").startswith("sha256-")
    assert failure_key(record_id(None, "a:b")).startswith("failed/sha256-")
