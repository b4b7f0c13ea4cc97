"""Deployment settings: an optional `deploy.toml`, environment variables on top.

The course's names come from `lab_support.config.settings()`; a value in the file
applies only where its environment variable is unset, so a learner can keep the
project and region in the file and still try another prefix from the shell.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from imagepipe import settings as runtime

from lab_support.config import PROJECT_ROOT, Settings, settings
from lab_support.deploy.names import Names
from lab_support.deploy.plan import LocalPath
from lab_support.errors import CourseError

CONFIG_ENV: Final = "LAB_DEPLOY_CONFIG"
DEFAULT_CONFIG: Final = PROJECT_ROOT / "deploy.toml"

# File key -> environment variable that overrides it.
_LAYERED: Final = {
    "prefix": "COURSE_PREFIX",
    "aws_region": "AWS_REGION",
    "gcp_project": "GOOGLE_CLOUD_PROJECT",
    "gcp_region": "GOOGLE_CLOUD_REGION",
    "output_format": "OUTPUT_FORMAT",
    "fit_box": "FIT_BOX",
    "operation": "OPERATION",
}
# Values a real run looks up itself; set them in the file to deploy one cloud
# without credentials for the other.
KNOWN_FACTS: Final = {
    "aws_account_id": "aws-account-id",
    "gcp_project_number": "gcp-project-number",
    "processor_unique_id": "processor-unique-id",
}
_SETTINGS_FIELDS: Final = {"prefix", "aws_region", "gcp_project"}
_DEFAULTS: Final = {"gcp_region": "us-central1"} | {
    key: runtime.DEFAULTS[key.upper()]
    for key in ("output_format", "fit_box", "operation")
}

# Every derived name must fit its cloud's rules; the tightest is the Google
# service account id `<prefix>-processor` (6 to 30 characters).
_PREFIX: Final = re.compile(r"[a-z][a-z0-9-]{1,18}[a-z0-9]")


class DeployError(CourseError):
    """A deployment cannot go on; the message says what to do next."""


@dataclass(frozen=True)
class DeployConfig:
    """Everything a deploy or teardown needs to know before it makes a call."""

    settings: Settings
    gcp_region: str
    output_format: str
    fit_box: str
    operation: str
    facts: Mapping[str, str]
    source: Path | None

    @property
    def names(self) -> Names:
        return Names(self.settings)

    @property
    def build_dir(self) -> Path:
        return self.settings.build_dir

    def local(self, path: Path) -> LocalPath:
        """Show a build path as `$LAB_BUILD_DIR/...` when that is set, else relative."""
        path = Path(path)
        if os.environ.get("LAB_BUILD_DIR") and path.is_relative_to(self.build_dir):
            return LocalPath(path, f"$LAB_BUILD_DIR/{path.relative_to(self.build_dir)}")
        if path.is_relative_to(PROJECT_ROOT):
            return LocalPath(path, str(path.relative_to(PROJECT_ROOT)))
        return LocalPath(path, str(path))

    @property
    def credential_config(self) -> Path:
        """Where `gcloud ... create-cred-config` writes the Lambda's WIF config."""
        return self.build_dir / "gcp-wif-credentials.json"

    @property
    def lambda_bundle(self) -> Path:
        """The zip deploy uploads: the packaged ingest plus the WIF config."""
        return self.build_dir / f"{self.names.ingest_function}-deploy.zip"


def _read_file(path: Path | None) -> tuple[dict[str, Any], Path | None]:
    if path is None:
        return {}, None
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise DeployError(
            f"deploy config {path} does not exist: create it, or unset {CONFIG_ENV}"
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise DeployError(f"deploy config {path} is not valid TOML: {error}") from None
    unknown = sorted(set(data) - set(_LAYERED) - set(KNOWN_FACTS))
    if unknown:
        allowed = ", ".join(sorted({*_LAYERED, *KNOWN_FACTS}))
        raise DeployError(
            f"deploy config {path} has unknown keys {', '.join(unknown)}: "
            f"use only {allowed}"
        )
    return {key: str(value) for key, value in data.items()}, path


def _config_path(explicit: Path | None) -> Path | None:
    if explicit is not None:
        return explicit
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    return DEFAULT_CONFIG if DEFAULT_CONFIG.is_file() else None


def check_prefix(prefix: str) -> str:
    """Refuse a prefix that some resource name could not carry."""
    if not _PREFIX.fullmatch(prefix) or prefix.startswith("gcp") or "--" in prefix:
        raise DeployError(
            f"COURSE_PREFIX={prefix!r} cannot name every resource: use 3 to 20 "
            "lowercase letters, digits and single hyphens, starting with a letter "
            "(not 'gcp'); S3 bucket names are global, so add something of your "
            "own, for example cec-ada7"
        )
    return prefix


def load(path: Path | None = None) -> DeployConfig:
    """Read the file (if any), lay the environment over it and check the result."""
    env = os.environ
    data, source = _read_file(_config_path(path))

    values = dict(_DEFAULTS)
    for key, var in _LAYERED.items():
        if env.get(var):
            values[key] = env[var]
        elif key in data:
            values[key] = data[key]
    # settings() has read the environment already; the file fills the rest.
    from_file = {
        key: data[key]
        for key in _SETTINGS_FIELDS
        if key in data and not env.get(_LAYERED[key])
    }
    course = dataclasses.replace(settings(), **from_file)
    check_prefix(course.prefix)

    config = DeployConfig(
        settings=course,
        gcp_region=values["gcp_region"],
        output_format=values["output_format"],
        fit_box=values["fit_box"],
        operation=values["operation"],
        facts={KNOWN_FACTS[key]: data[key] for key in KNOWN_FACTS if key in data},
        source=source,
    )
    try:
        runtime.load(
            {
                "PUBSUB_TOPIC": course.topic_path,
                "OUTPUT_FORMAT": config.output_format,
                "FIT_BOX": config.fit_box,
                "OPERATION": config.operation,
            }
        )
    except runtime.SettingsError as error:
        raise DeployError(f"{error} (in the environment or {source})") from None
    return config
