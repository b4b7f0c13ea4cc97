"""The processor on real photos and awkward files, checked pixel by pixel in S3."""

from __future__ import annotations

import io
import json
import time

import pytest
from imagepipe.events import build_upload_event
from imagepipe.pubsub import to_message
from PIL import Image, ImageChops, ImageOps, ImageStat

from tests.functions.helpers import (
    BUCKET,
    FUNCTION_ARN,
    SAMPLES,
    eventarc_headers,
    message_published_body,
)

TRICKY = SAMPLES / "tricky"
PHOTOS = sorted(p.name for p in SAMPLES.glob("*.*") if p.suffix in {".jpg", ".png"})
MIME = {".jpg": "image/jpeg", ".png": "image/png", ".gif": "image/gif"}


def _deliver(client, path, *, subject=None):
    """Publish-shaped delivery of one file: upload event -> binding -> Eventarc POST."""
    event = build_upload_event(
        path.read_bytes(),
        source=FUNCTION_ARN,
        subject=subject or path.name,
        datacontenttype=MIME.get(path.suffix, "image/jpeg"),
    )
    data, attributes = to_message(event)
    body = json.dumps(message_published_body(data, attributes))
    response = client.post("/", data=body, headers=eventarc_headers())
    return response, event["id"]


def _stored(s3, key):
    return s3.get_object(Bucket=BUCKET, Key=key)


def _result_image(s3, key) -> Image.Image:
    image = Image.open(io.BytesIO(_stored(s3, key)["Body"].read()))
    image.load()
    return image


def _log_lines(captured: str) -> list[dict]:
    return [json.loads(line) for line in captured.splitlines() if line.startswith("{")]


def _mean_difference(first: Image.Image, second: Image.Image) -> float:
    return ImageStat.Stat(ImageChops.difference(first, second)).mean[0]


@pytest.fixture(scope="module")
def default_app(processor_app):
    return processor_app()


@pytest.fixture(scope="module")
def png_app(processor_app):
    return processor_app(OUTPUT_FORMAT="PNG", OPERATION="none")


@pytest.mark.parametrize("name", PHOTOS)
def test_photo_becomes_a_grayscale_jpeg_with_contract_metadata(name, default_app, s3):
    source = Image.open(SAMPLES / name)

    response, event_id = _deliver(default_app, SAMPLES / name)

    assert response.status_code == 200
    key = f"processed/{event_id}.jpg"
    stored = _stored(s3, key)
    assert stored["ContentType"] == "image/jpeg"
    assert stored["Metadata"] == {
        "source-event-id": event_id,
        "source-event-type": "org.example.imagepipe.image.uploaded.v1",
        "source-event-subject": name,
    }
    result = _result_image(s3, key)
    assert result.format == "JPEG" and result.mode == "L"
    assert max(result.size) <= 1024
    assert result.size == ImageOps.exif_transpose(source).size


@pytest.mark.parametrize("name", PHOTOS)
def test_photo_is_fitted_within_the_box_keeping_its_aspect(name, processor_app, s3):
    client = processor_app(FIT_BOX="256")
    width, height = ImageOps.exif_transpose(Image.open(SAMPLES / name)).size

    _, event_id = _deliver(client, SAMPLES / name)

    result = _result_image(s3, f"processed/{event_id}.jpg")
    assert max(result.size) == 256
    assert abs(result.width / result.height - width / height) < 0.02


def test_transparent_hole_comes_out_white_not_the_hidden_red(default_app, s3):
    _, event_id = _deliver(default_app, TRICKY / "alpha_hole.png")

    result = _result_image(s3, f"processed/{event_id}.jpg")
    hole = result.crop((160, 160, 352, 352))
    assert ImageStat.Stat(hole).mean[0] > 250
    opaque = Image.open(TRICKY / "alpha_hole.png").convert("RGB").convert("L")
    assert abs(result.getpixel((8, 8)) - opaque.getpixel((8, 8))) < 12


def test_palette_transparency_comes_out_white_not_black(default_app, s3):
    source = Image.open(TRICKY / "palette_transparent.png")
    transparent = source.info["transparency"]
    # The transparent index is black and marks thin lines across the picture.
    mask = source.point(lambda index: 255 if index == transparent else 0, "L")
    assert source.getpalette()[3 * transparent : 3 * transparent + 3] == [0, 0, 0]

    _, event_id = _deliver(default_app, TRICKY / "palette_transparent.png")

    result = _result_image(s3, f"processed/{event_id}.jpg")
    assert ImageStat.Stat(result, mask=mask).mean[0] > 240


def test_palette_transparency_stays_transparent_in_png(png_app, s3):
    source = Image.open(TRICKY / "palette_transparent.png")
    mask = source.point(lambda i: 255 if i == source.info["transparency"] else 0, "L")

    _, event_id = _deliver(png_app, TRICKY / "palette_transparent.png")

    result = _result_image(s3, f"processed/{event_id}.png")
    assert result.mode == "RGBA"
    assert ImageStat.Stat(result.getchannel("A"), mask=mask).mean[0] == 0


def test_gray16_gradient_is_scaled_to_8_bit_not_clamped(default_app, png_app, s3):
    _, jpeg_id = _deliver(default_app, TRICKY / "gray16.png")
    _, png_id = _deliver(png_app, TRICKY / "gray16.png")

    jpeg = _result_image(s3, f"processed/{jpeg_id}.jpg")
    exact = _result_image(s3, f"processed/{png_id}.png")
    assert exact.mode == "L" and exact.size == (256, 64)
    row = [exact.getpixel((x, 32)) for x in range(256)]
    assert row == sorted(row)
    assert row[0] == 0 and row[-1] >= 250 and abs(row[128] - 128) <= 2
    assert abs(jpeg.getpixel((128, 32)) - 128) <= 4
    assert abs(jpeg.getpixel((4, 32)) - 4) <= 4


def test_exif_orientation_6_is_stored_upright(default_app, s3):
    source = Image.open(TRICKY / "rotated_exif6.jpg")
    upright = ImageOps.exif_transpose(source).convert("L")

    _, event_id = _deliver(default_app, TRICKY / "rotated_exif6.jpg")

    result = _result_image(s3, f"processed/{event_id}.jpg")
    assert source.size == (640, 427)
    assert result.size == (427, 640)
    assert _mean_difference(result, upright) < 6
    assert _mean_difference(result, source.rotate(90, expand=True).convert("L")) > 20


def test_cmyk_jpeg_is_converted_without_inverting_its_colours(default_app, s3):
    expected = Image.open(TRICKY / "cmyk.jpg").convert("RGB").convert("L")

    _, event_id = _deliver(default_app, TRICKY / "cmyk.jpg")

    result = _result_image(s3, f"processed/{event_id}.jpg")
    assert result.size == expected.size
    assert _mean_difference(result, expected) < 6


def test_animated_gif_becomes_its_first_frame(png_app, s3):
    frames = []
    with Image.open(TRICKY / "animated.gif") as animation:
        for index in range(2):
            animation.seek(index)
            frames.append(animation.convert("RGBA"))

    _, event_id = _deliver(png_app, TRICKY / "animated.gif")

    result = _result_image(s3, f"processed/{event_id}.png").convert("RGBA")
    assert result.size == (80, 80)
    assert _mean_difference(result, frames[0]) < _mean_difference(result, frames[1])
    assert _mean_difference(result, frames[0]) < 1


@pytest.mark.parametrize(
    ("name", "error", "reason"),
    [
        ("truncated.jpg", "UndecodableImageError", "damaged and will not decode"),
        ("not_an_image.jpg", "NotAnImageError", "does not recognise the bytes"),
    ],
)
def test_undecodable_upload_is_recorded_once_and_acked_not_retried(
    name, error, reason, default_app, s3, capsys
):
    response, event_id = _deliver(default_app, TRICKY / name)

    assert response.status_code == 200
    listing = s3.list_objects_v2(Bucket=BUCKET, Prefix=f"processed/{event_id}")
    assert listing["KeyCount"] == 0
    [line] = _log_lines(capsys.readouterr().out)
    assert line["outcome"] == "failed"
    assert line["event_id"] == event_id
    assert error in line["error"]
    record = json.loads(_stored(s3, f"failed/{event_id}.json")["Body"].read())
    assert record["error"] == error
    assert reason in record["reason"]
    assert record["event_subject"] == name


def test_processed_event_logs_one_line_with_timings(default_app, capsys):
    before = int(time.time() * 1000)

    _, event_id = _deliver(default_app, SAMPLES / "grace_hopper.jpg")

    [line] = _log_lines(capsys.readouterr().out)
    assert line["event_id"] == event_id
    assert line["type"] == "org.example.imagepipe.image.uploaded.v1"
    assert line["outcome"] == "processed"
    assert line["delivery_attempt"] == 1
    assert line["message_id"] == "1234567890"
    assert line["published_at"] == 1796393880123  # 2026-12-04T14:18:00.123Z
    assert line["result_key"] == f"processed/{event_id}.jpg"
    assert set(line["timings_ms"]) == {"decode", "processing", "store"}
    assert before <= line["received_at"] <= int(time.time() * 1000)
    assert line["duration_ms"] >= sum(line["timings_ms"].values())


def test_redelivered_event_does_no_work_and_writes_nothing(default_app, s3, capsys):
    event = build_upload_event(
        (SAMPLES / "rocket.jpg").read_bytes(),
        source=FUNCTION_ARN,
        subject="rocket.jpg",
        datacontenttype="image/jpeg",
    )
    body = json.dumps(message_published_body(*to_message(event)))
    key = f"processed/{event['id']}.jpg"

    first = default_app.post("/", data=body, headers=eventarc_headers())
    stored = s3.head_object(Bucket=BUCKET, Key=key)
    second = default_app.post("/", data=body, headers=eventarc_headers())

    assert first.status_code == second.status_code == 200
    again = s3.head_object(Bucket=BUCKET, Key=key)
    assert again["ETag"] == stored["ETag"]
    assert again["LastModified"] == stored["LastModified"]
    first_line, second_line = _log_lines(capsys.readouterr().out)
    assert first_line["outcome"] == "processed"
    assert second_line["outcome"] == "duplicate"
    assert second_line["timings_ms"] == {}


def test_write_racing_an_existing_result_is_refused_by_s3(s3):
    from result_store import put_once

    key = "processed/race-test.jpg"
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"first")

    written = put_once(
        BUCKET,
        key,
        b"second",
        content_type="image/jpeg",
        metadata={},
        region="us-east-1",
    )

    assert written is False
    assert _stored(s3, key)["Body"].read() == b"first"


def test_caption_draws_a_dark_band_with_light_text(processor_app, s3):
    client = processor_app(OPERATION="caption", OUTPUT_FORMAT="PNG")
    source = Image.open(SAMPLES / "grace_hopper.jpg").convert("RGB")

    _, event_id = _deliver(client, SAMPLES / "grace_hopper.jpg")

    result = _result_image(s3, f"processed/{event_id}.png")
    assert result.mode == "RGB" and result.size == source.size
    band = result.crop((0, result.height - 12, result.width, result.height))
    darkest, lightest = band.convert("L").getextrema()
    assert darkest == 0 and lightest > 200
    top = (0, 0, result.width, result.height // 2)
    assert _mean_difference(result.crop(top), source.crop(top)) < 1


def test_png_output_keeps_the_alpha_hole_transparent(processor_app, s3):
    client = processor_app(OUTPUT_FORMAT="PNG")

    _, event_id = _deliver(client, TRICKY / "alpha_hole.png")

    stored = _stored(s3, f"processed/{event_id}.png")
    assert stored["ContentType"] == "image/png"
    result = _result_image(s3, f"processed/{event_id}.png")
    assert result.mode == "LA"
    assert result.getpixel((256, 256))[1] == 0
    assert result.getpixel((8, 8))[1] == 255


def test_webp_output_has_its_content_type_and_decodes(processor_app, s3):
    client = processor_app(OUTPUT_FORMAT="WEBP")

    _, event_id = _deliver(client, SAMPLES / "chelsea.png")

    stored = _stored(s3, f"processed/{event_id}.webp")
    assert stored["ContentType"] == "image/webp"
    assert _result_image(s3, f"processed/{event_id}.webp").size == (451, 300)


def test_non_ascii_subject_is_percent_encoded_in_s3_metadata(default_app, s3):
    _, event_id = _deliver(default_app, SAMPLES / "rocket.jpg", subject="café.jpg")

    metadata = _stored(s3, f"processed/{event_id}.jpg")["Metadata"]
    assert metadata["source-event-subject"] == "caf%C3%A9.jpg"


def test_structured_mode_message_is_processed_too(default_app, s3):
    event = build_upload_event(
        (SAMPLES / "coffee.png").read_bytes(),
        source=FUNCTION_ARN,
        subject="coffee.png",
        datacontenttype="image/png",
    )
    body = json.dumps(message_published_body(*to_message(event, "structured")))

    response = default_app.post("/", data=body, headers=eventarc_headers())

    assert response.status_code == 200
    assert _result_image(s3, f"processed/{event['id']}.jpg").size == (600, 400)
