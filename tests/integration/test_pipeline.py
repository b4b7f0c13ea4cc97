"""One real image at a time through the whole running local cloud."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from google.cloud import pubsub_v1
from PIL import Image, ImageOps

from lab_support import client, config, demo, trace
from lab_support.config import SAMPLE_IMAGES

pytestmark = pytest.mark.integration

PHOTOS = sorted(p for p in SAMPLE_IMAGES.iterdir() if p.is_file() and p.suffix != ".md")
FIT_BOX = 1024


def _expected_size(path: Path) -> tuple[int, int]:
    with Image.open(path) as original:
        upright = ImageOps.exif_transpose(original)
        upright.thumbnail((FIT_BOX, FIT_BOX))
        return upright.size


@pytest.mark.parametrize(
    "photo",
    [*PHOTOS, SAMPLE_IMAGES / "tricky" / "rotated_exif6.jpg"],
    ids=lambda p: p.name,
)
def test_demo_writes_an_upright_result_within_the_box(local_cloud, photo):
    result = demo.send(local_cloud, photo)

    record = result.as_dict()
    assert Path(record["output_path"]).read_bytes()[:2] == b"\xff\xd8"
    assert (record["width"], record["height"]) == _expected_size(photo)
    assert max(record["width"], record["height"]) <= FIT_BOX
    assert record["format"] == "JPEG"
    assert record["result_key"] == f"processed/{record['event_id']}.jpg"
    assert set(record["timings_ms"]) == {*trace.HOPS, "total"}
    assert all(ms >= 0 for ms in record["timings_ms"].values())


def test_result_carries_content_type_and_points_back_to_its_event(local_cloud):
    result = demo.send(local_cloud, config.DEFAULT_IMAGE)

    s3 = local_cloud.s3()
    head = s3.head_object(
        Bucket=config.settings().bucket, Key=result.receipt.result_key
    )
    assert head["ContentType"] == "image/jpeg"
    assert head["Metadata"]["source-event-id"] == result.receipt.event_id
    assert head["Metadata"]["source-event-type"].endswith(".image.uploaded.v1")
    assert head["Metadata"]["source-event-subject"] == "grace_hopper.jpg"


def test_the_same_event_published_twice_is_processed_once(local_cloud, monkeypatch):
    first = demo.send(local_cloud, config.DEFAULT_IMAGE)
    s3 = local_cloud.s3()
    bucket, key = config.settings().bucket, first.receipt.result_key
    before = s3.head_object(Bucket=bucket, Key=key)

    delivered = first.trace.delivery
    monkeypatch.setenv(
        "PUBSUB_EMULATOR_HOST", local_cloud.endpoints.pubsub_emulator_host
    )
    publisher = pubsub_v1.PublisherClient()
    data = config.DEFAULT_IMAGE.read_bytes()
    attributes = {
        "ce-id": first.receipt.event_id,
        "ce-source": "arn:aws:lambda:us-east-1:000000000000:function:replayed",
        "ce-specversion": "1.0",
        "ce-type": first.trace.ingest["type"],
        "content-type": "image/jpeg",
    }
    message_id = publisher.publish(
        config.settings().topic_path, data, **attributes
    ).result(timeout=10)
    assert message_id != delivered["message_id"]

    processor_log = Path(local_cloud.services["processor"].log)
    again = trace._wait_for(processor_log, 10, message_id=message_id)
    assert again["outcome"] == "duplicate"
    after = s3.head_object(Bucket=bucket, Key=key)
    assert after["ETag"] == before["ETag"]
    assert after["LastModified"] == before["LastModified"]


def test_status_of_an_unknown_event_is_pending(local_cloud):
    url = local_cloud.endpoints.function_url.rstrip("/")
    answer = client.request(
        "GET", f"{url}/results/00000000-0000-4000-8000-000000000000"
    )

    assert answer.status == 202
    assert answer.json()["status"] == "pending"


@pytest.mark.parametrize(
    ("name", "content", "status"),
    [
        ("notes.jpg", b"this is text, not a photo\n", 415),
        ("half.jpg", (SAMPLE_IMAGES / "tricky" / "truncated.jpg").read_bytes(), 422),
        ("huge.jpg", b"\xff\xd8" + b"\0" * 4_500_001, 413),
    ],
)
def test_bad_uploads_are_refused_through_the_function_url(
    local_cloud, name, content, status
):
    answer = client.upload_bytes(local_cloud.endpoints.function_url, name, content)

    assert answer.status == status
    assert answer.json()["message"]


def test_presigned_url_is_signed_with_sigv4(local_cloud):
    result = demo.send(local_cloud, config.DEFAULT_IMAGE)

    assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in result.result["url"]
    with Image.open(io.BytesIO(result.output_path.read_bytes())) as image:
        assert image.mode == "L"
