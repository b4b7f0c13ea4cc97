"""Every setting of the course, read from environment variables in one place.

The defaults describe the local cloud; the same names configure a deployment.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from lab_support.errors import CourseError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(__file__).resolve().parent / "data"
SAMPLE_IMAGES = DATA_DIR / "sample_images"
DEFAULT_IMAGE = SAMPLE_IMAGES / "grace_hopper.jpg"
FUNCTIONS_DIR = PROJECT_ROOT / "functions"
# How the local Eventarc trigger gets messages: the relay pulls the trigger
# subscription (a few ms), or the emulator pushes to it (its push loop polls,
# about 65 ms). Both keep the emulator's redelivery and dead-letter policy.
DELIVERY_MODES: Final = ("pull", "push")


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def _delivery() -> str:
    mode = _env("LAB_DELIVERY", DELIVERY_MODES[0]).strip().lower()
    if mode not in DELIVERY_MODES:
        raise CourseError(
            f"LAB_DELIVERY={mode!r} is not a delivery mode: set it to pull (the "
            "relay pulls, fastest) or push (the emulator pushes to the relay), or "
            "unset it"
        )
    return mode


@dataclass(frozen=True)
class Settings:
    """Names and paths shared by the local cloud, the demo and deployment."""

    prefix: str = field(default_factory=lambda: _env("COURSE_PREFIX", "cec"))
    gcp_project: str = field(
        default_factory=lambda: _env("GOOGLE_CLOUD_PROJECT", "cloudevents-course")
    )
    aws_region: str = field(default_factory=lambda: _env("AWS_REGION", "us-east-1"))
    state_dir: Path = field(
        default_factory=lambda: Path(_env("LAB_STATE_DIR", str(PROJECT_ROOT / ".lab")))
    )
    output_dir: Path = field(
        default_factory=lambda: Path(
            _env("LAB_OUTPUT_DIR", str(PROJECT_ROOT / "output"))
        )
    )
    build_dir: Path = field(
        default_factory=lambda: Path(_env("LAB_BUILD_DIR", str(PROJECT_ROOT / "build")))
    )
    start_timeout: float = field(
        default_factory=lambda: float(_env("LAB_START_TIMEOUT", "60"))
    )
    delivery: str = field(default_factory=_delivery)

    @property
    def bucket(self) -> str:
        return f"{self.prefix}-results"

    @property
    def topic(self) -> str:
        return f"{self.prefix}-image-uploads"

    @property
    def dead_letter_topic(self) -> str:
        return f"{self.prefix}-image-uploads-dead-letter"

    @property
    def trigger_subscription(self) -> str:
        return f"{self.prefix}-processor-trigger"

    @property
    def dead_letter_subscription(self) -> str:
        return f"{self.prefix}-dead-letters"

    @property
    def topic_path(self) -> str:
        return f"projects/{self.gcp_project}/topics/{self.topic}"

    @property
    def trigger_subscription_path(self) -> str:
        return f"projects/{self.gcp_project}/subscriptions/{self.trigger_subscription}"

    @property
    def ingest_function_name(self) -> str:
        return f"{self.prefix}-ingest"

    @property
    def processor_function_name(self) -> str:
        return f"{self.prefix}-processor"


def settings() -> Settings:
    """Read the settings now, so a changed environment is seen."""
    return Settings()
