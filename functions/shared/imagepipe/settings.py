"""The deployable functions' runtime settings, read from environment variables here.

The defaults describe the local cloud; the same variable names configure a deployment.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final


class SettingsError(ValueError):
    """An environment variable holds a value the functions cannot use."""


@dataclass(frozen=True)
class OutputFormat:
    """A result image format: Pillow's name, the key's extension, the MIME type."""

    name: str
    extension: str
    content_type: str


OUTPUT_FORMATS: Final = {
    "JPEG": OutputFormat("JPEG", "jpg", "image/jpeg"),
    "PNG": OutputFormat("PNG", "png", "image/png"),
    "WEBP": OutputFormat("WEBP", "webp", "image/webp"),
}
OPERATIONS: Final = ("grayscale", "caption", "none")

# Lambda's request payload limit is 6,291,456 bytes after base64; base64 of
# 4,500,000 bytes is 6,000,000 bytes, which leaves room for the other fields.
MAX_IMAGE_BYTES: Final = 4_500_000
# The largest Eventarc delivery the processor reads: the base64 of the largest
# image plus 256 KiB for the attributes and the MessagePublishedData envelope.
MAX_DELIVERY_BYTES: Final = 4 * -(-MAX_IMAGE_BYTES // 3) + 256 * 1024
# Decoding costs memory per pixel (4 bytes for RGBA): 25 MP is about 100 MB.
MAX_IMAGE_PIXELS: Final = 25_000_000
FIT_BOX_RANGE: Final = (16, 8192)
# How long ingest waits for Pub/Sub to confirm a publish, retries included.
PUBLISH_TIMEOUT_S: Final = 5.0

# Pub/Sub resource names: https://cloud.google.com/pubsub/docs/pubsub-basics
_TOPIC_PATH: Final = re.compile(r"projects/[^/]+/topics/[^/]{3,255}")

DEFAULTS: Final = {
    "PUBSUB_TOPIC": "projects/cloudevents-course/topics/cec-image-uploads",
    "RESULTS_BUCKET": "cec-results",
    "OUTPUT_FORMAT": "JPEG",
    "FIT_BOX": "1024",
    "OPERATION": "grayscale",
    "AWS_REGION": "us-east-1",
}


@dataclass(frozen=True)
class Settings:
    """What both functions need to know about where they run and what they make."""

    pubsub_topic: str
    results_bucket: str
    output_format: OutputFormat
    fit_box: int
    operation: str
    aws_region: str


def output_format(name: str) -> OutputFormat:
    """Look up an output format by name, case-insensitively, or say which exist."""
    found = OUTPUT_FORMATS.get(name.strip().upper())
    if found is None:
        allowed = ", ".join(OUTPUT_FORMATS)
        raise SettingsError(
            f"OUTPUT_FORMAT={name!r} is not supported: set it to one of {allowed}"
        )
    return found


def _operation(value: str) -> str:
    operation = value.strip().lower()
    if operation not in OPERATIONS:
        allowed = ", ".join(OPERATIONS)
        raise SettingsError(
            f"OPERATION={value!r} is not supported: set it to one of {allowed}"
        )
    return operation


def _fit_box(value: str) -> int:
    low, high = FIT_BOX_RANGE
    try:
        box = int(value.strip())
    except ValueError:
        box = 0
    if not low <= box <= high:
        raise SettingsError(
            f"FIT_BOX={value!r} is not usable: set it to a whole number of pixels "
            f"from {low} to {high}"
        )
    return box


def _topic(value: str) -> str:
    if not _TOPIC_PATH.fullmatch(value):
        raise SettingsError(
            f"PUBSUB_TOPIC={value!r} is not a full topic path: set it to "
            "projects/PROJECT/topics/TOPIC"
        )
    return value


def _text(env: Mapping[str, str], name: str) -> str:
    return env.get(name, "").strip() or DEFAULTS[name]


def load(environ: Mapping[str, str] | None = None) -> Settings:
    """Read and check every setting, so a bad value fails at start, not mid-event."""
    env = os.environ if environ is None else environ

    return Settings(
        pubsub_topic=_topic(_text(env, "PUBSUB_TOPIC")),
        results_bucket=_text(env, "RESULTS_BUCKET"),
        output_format=output_format(_text(env, "OUTPUT_FORMAT")),
        fit_box=_fit_box(_text(env, "FIT_BOX")),
        operation=_operation(_text(env, "OPERATION")),
        aws_region=_text(env, "AWS_REGION"),
    )
