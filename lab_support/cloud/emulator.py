"""Find the Pub/Sub emulator and Java; say in one line how to get what is missing."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Final

from lab_support.cloud.errors import LocalCloudError, MissingPrerequisite

EMULATOR_SCRIPT: Final = Path("platform/pubsub-emulator/bin/cloud-pubsub-emulator")
MIN_JAVA: Final = 17
READY_LINE: Final = "Server started"

# One line per prerequisite and platform; WSL is Linux with apt, native Windows is
# not supported because the local cloud relies on POSIX process groups.
_FIXES: Final = {
    "java": {
        "linux": "install OpenJDK 17: sudo apt install openjdk-17-jre-headless "
        "(Fedora: sudo dnf install java-17-openjdk-headless)",
        "wsl": "install OpenJDK 17 inside WSL: "
        "sudo apt install openjdk-17-jre-headless",
        "macos": "install OpenJDK 17: brew install openjdk@17, then put "
        "$(brew --prefix openjdk@17)/bin on PATH or set JAVA_HOME",
        "windows": "open the course in WSL (Ubuntu) and there run: "
        "sudo apt install openjdk-17-jre-headless (native: winget install "
        "Microsoft.OpenJDK.17)",
    },
    "gcloud": {
        "linux": "install the Google Cloud CLI: sudo apt install google-cloud-cli "
        "google-cloud-cli-pubsub-emulator (other distributions: "
        "https://cloud.google.com/sdk/docs/install)",
        "wsl": "install the Google Cloud CLI inside WSL: sudo apt install "
        "google-cloud-cli google-cloud-cli-pubsub-emulator",
        "macos": "install the Google Cloud CLI: brew install --cask google-cloud-sdk, "
        "then gcloud components install pubsub-emulator beta",
        "windows": "open the course in WSL (Ubuntu) and there run: sudo apt install "
        "google-cloud-cli google-cloud-cli-pubsub-emulator",
    },
    "pubsub-emulator": {
        "linux": "install the emulator: gcloud components install pubsub-emulator beta "
        "(gcloud from apt: sudo apt install google-cloud-cli-pubsub-emulator)",
        "wsl": "install the emulator inside WSL: sudo apt install "
        "google-cloud-cli-pubsub-emulator (or gcloud components install "
        "pubsub-emulator beta)",
        "macos": "install the emulator: gcloud components install pubsub-emulator beta",
        "windows": "open the course in WSL (Ubuntu) and there run: sudo apt install "
        "google-cloud-cli-pubsub-emulator",
    },
}


def platform_name() -> str:
    """Name this machine's platform the way the install hints do."""
    if sys.platform == "darwin":
        return "macos"
    if sys.platform == "win32":
        return "windows"
    try:
        version = Path("/proc/version").read_text(encoding="utf-8").lower()
    except OSError:
        version = ""
    return "wsl" if "microsoft" in version else "linux"


def how_to_get(what: str, platform: str | None = None) -> str:
    """Return the one-line install hint for a prerequisite on a platform."""
    return _FIXES[what][platform or platform_name()]


def java_command() -> str | None:
    """Return the java the emulator script will run: JAVA_HOME's first, else PATH's."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        candidate = Path(java_home) / "bin" / "java"
        return str(candidate) if candidate.exists() else None
    return shutil.which("java")


def java_version(java: str) -> int | None:
    """Return the major version `java -version` reports, or None if it cannot run."""
    try:
        done = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = re.search(r'version "(\d+)(?:\.(\d+))?', done.stderr + done.stdout)
    if not found:
        return None
    major = int(found.group(1))
    # Java 8 and older report themselves as 1.x.
    return int(found.group(2) or 0) if major == 1 else major


@cache
def sdk_root() -> Path:
    """Return the Google Cloud CLI's installation root, asking gcloud itself."""
    gcloud = shutil.which("gcloud")
    if gcloud is None:
        raise MissingPrerequisite(f"gcloud not found: {how_to_get('gcloud')}")
    try:
        done = subprocess.run(
            [gcloud, "info", "--format=value(installation.sdk_root)"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        raise MissingPrerequisite(
            f"`gcloud info` did not run ({err}): {how_to_get('gcloud')}"
        ) from err
    root = done.stdout.strip()
    if done.returncode != 0 or not root:
        raise MissingPrerequisite(
            f"`gcloud info` failed: {done.stderr.strip()[-300:]}; "
            f"{how_to_get('gcloud')}"
        )
    return Path(root)


def emulator_script() -> Path:
    """Return the emulator's start script under the SDK root, or say how to get it."""
    script = sdk_root() / EMULATOR_SCRIPT
    if not script.exists():
        raise MissingPrerequisite(
            f"Pub/Sub emulator not found at {script}: {how_to_get('pubsub-emulator')}, "
            "or set PUBSUB_EMULATOR_HOST to a running emulator"
        )
    return script


def require_java() -> None:
    """Raise MissingPrerequisite unless a Java 17 or newer is there for the emulator."""
    java = java_command()
    if java is None:
        where = "JAVA_HOME" if os.environ.get("JAVA_HOME") else "PATH"
        raise MissingPrerequisite(
            f"Java not found on {where} (the Pub/Sub emulator needs Java "
            f"{MIN_JAVA}+): {how_to_get('java')}"
        )
    version = java_version(java)
    if version is None or version < MIN_JAVA:
        raise MissingPrerequisite(
            f"{java} is Java {version or 'of unknown version'}, the Pub/Sub emulator "
            f"needs {MIN_JAVA}+: {how_to_get('java')}"
        )


def command(port: int) -> list[str]:
    """Return the command that starts the emulator on 127.0.0.1:port."""
    require_java()
    return [str(emulator_script()), "--host=127.0.0.1", f"--port={port}"]


def external_host() -> str | None:
    """Return PUBSUB_EMULATOR_HOST when it names an emulator on this machine."""
    host = os.environ.get("PUBSUB_EMULATOR_HOST")
    if not host:
        return None
    name, _, port = host.rpartition(":")
    if name not in ("127.0.0.1", "localhost") or not port.isdigit():
        raise LocalCloudError(
            f"PUBSUB_EMULATOR_HOST={host} is not an emulator on 127.0.0.1: the local "
            "cloud only uses this machine; unset it, or point it at 127.0.0.1:PORT"
        )
    return f"127.0.0.1:{port}"
