"""processor_lab reads the services' JSON log lines and measures images."""

from __future__ import annotations

import io
import json
from types import SimpleNamespace

import pytest
from PIL import Image

from lab_support import processor_lab
from lab_support.config import SAMPLE_IMAGES
from lab_support.errors import CourseError


def _cloud(tmp_path, lines):
    log = tmp_path / "processor.log"
    log.write_text("\n".join(lines) + "\n")
    return SimpleNamespace(services={"processor": SimpleNamespace(log=str(log))})


def test_records_keeps_matching_json_lines_in_log_order(tmp_path):
    cloud = _cloud(
        tmp_path,
        [
            "[INFO] Booting worker",
            json.dumps({"event_id": "a", "outcome": "processed"}),
            json.dumps({"event_id": "b", "outcome": "processed"}),
            json.dumps({"event_id": "a", "outcome": "duplicate"}),
        ],
    )

    found = processor_lab.records(cloud, "processor", event_id="a")

    assert [line["outcome"] for line in found] == ["processed", "duplicate"]


def test_wait_for_says_how_many_lines_it_saw(tmp_path):
    cloud = _cloud(tmp_path, [json.dumps({"event_id": "a", "outcome": "processed"})])

    assert len(processor_lab.wait_for(cloud, "processor", event_id="a")) == 1
    with pytest.raises(CourseError, match=r"logged 1 line\(s\) .* not 2"):
        processor_lab.wait_for(
            cloud, "processor", count=2, timeout_s=0.05, event_id="a"
        )


def test_log_path_names_the_services_with_json_logs():
    with pytest.raises(CourseError, match="choose one of processor, relay, lambda"):
        processor_lab.log_path(SimpleNamespace(services={}), "s3")


def test_facts_reads_the_orientation_tag_and_png_drops_it():
    stored = (SAMPLE_IMAGES / "tricky" / "rotated_exif6.jpg").read_bytes()

    with Image.open(io.BytesIO(stored)) as image:
        image.load()
        again = processor_lab.png(image)

    assert processor_lab.facts(stored) == {
        "format": "JPEG",
        "mode": "RGB",
        "size": "640 x 427",
        "frames": 1,
        "orientation": 6,
    }
    assert processor_lab.facts(again)["orientation"] is None
    assert processor_lab.facts(again)["format"] == "PNG"


def test_pixel_and_mean_colour_measure_the_encoded_image():
    red = Image.new("RGB", (4, 2), (255, 0, 0))
    red.putpixel((0, 0), (0, 0, 255))
    data = processor_lab.png(red)

    assert processor_lab.pixel(data, (0, 0)) == (0, 0, 255)
    assert processor_lab.mean_colour(data) == (223, 0, 32)
    assert processor_lab.mean_colour(red) == (223, 0, 32)
