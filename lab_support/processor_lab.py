"""Look at the processor from outside: its log lines, the relay's, and image facts.

Chapter 7 publishes events to the local cloud's topic and reads what the
trigger relay and the processor logged about them (one JSON line per delivery
and per event), and measures images before and after the processor's Pillow
step, so a notebook can print facts instead of asking the eye to judge.
"""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

from PIL import Image, ImageStat

from lab_support import trace
from lab_support.errors import CourseError

SERVICES = ("processor", "relay", "lambda")
# EXIF 2.3, tag 0x0112: how to turn the stored pixels for display.
ORIENTATION_TAG = 0x0112


def log_path(cloud, service: str) -> Path:
    """Return the log file of one service of the running local cloud."""
    if service not in SERVICES:
        raise CourseError(
            f"no JSON log for {service!r}: choose one of {', '.join(SERVICES)}"
        )
    return Path(cloud.services[service].log)


def records(cloud, service: str, **match: Any) -> list[dict[str, Any]]:
    """Return a service's JSON log lines whose fields equal `match`, oldest first."""
    return [
        record
        for record in trace.json_lines(log_path(cloud, service))
        if all(record.get(name) == value for name, value in match.items())
    ]


def wait_for(
    cloud, service: str, count: int = 1, timeout_s: float = 10.0, **match: Any
) -> list[dict[str, Any]]:
    """Wait until a service has logged `count` matching lines; return them all."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = records(cloud, service, **match)
        if len(found) >= count:
            return found
        if time.monotonic() > deadline:
            raise CourseError(
                f"the {service} logged {len(found)} line(s) with {match} in "
                f"{timeout_s:g} s, not {count}; look at "
                f"`python -m lab_support logs {service}`"
            )
        time.sleep(0.02)


def facts(data: bytes) -> dict[str, Any]:
    """Say what an encoded image is: format, mode, size, frames, EXIF orientation."""
    with Image.open(io.BytesIO(data)) as image:
        return {
            "format": image.format,
            "mode": image.mode,
            "size": f"{image.width} x {image.height}",
            "frames": getattr(image, "n_frames", 1),
            "orientation": image.getexif().get(ORIENTATION_TAG),
        }


def pixel(data: bytes, xy: tuple[int, int]) -> Any:
    """Return one pixel of an encoded image, as Pillow reads it from the bytes."""
    with Image.open(io.BytesIO(data)) as image:
        return image.getpixel(xy)


def mean_colour(source: Image.Image | bytes) -> tuple[int, ...]:
    """Return the average of each band, rounded: a whole picture in one figure."""
    if isinstance(source, bytes):
        with Image.open(io.BytesIO(source)) as image:
            return mean_colour(image.convert("RGB"))
    return tuple(round(value) for value in ImageStat.Stat(source).mean)


def png(image: Image.Image) -> bytes:
    """Encode an image as PNG without metadata, to show its pixels as they are."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
