"""Finding the emulator and Java, and the one-line hints when they are missing."""

from __future__ import annotations

import shutil

import pytest

from lab_support.cloud import emulator
from lab_support.cloud.errors import LocalCloudError, MissingPrerequisite

PLATFORMS = ("linux", "wsl", "macos", "windows")


@pytest.mark.parametrize("what", ["java", "gcloud", "pubsub-emulator"])
@pytest.mark.parametrize("platform", PLATFORMS)
def test_every_prerequisite_has_a_one_line_hint_on_every_platform(what, platform):
    hint = emulator.how_to_get(what, platform)

    assert hint and "\n" not in hint
    assert ("apt install" in hint) or ("brew install" in hint) or ("gcloud" in hint)


def test_java_hints_name_openjdk_17_per_platform():
    assert "apt install openjdk-17-jre-headless" in emulator.how_to_get("java", "wsl")
    assert "brew install openjdk@17" in emulator.how_to_get("java", "macos")


@pytest.mark.skipif(shutil.which("java") is None, reason="no java on this machine")
def test_installed_java_reports_its_major_version():
    assert emulator.java_version(shutil.which("java")) >= emulator.MIN_JAVA


def test_wrong_java_home_is_named_with_the_install_hint(tmp_path, monkeypatch):
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))

    with pytest.raises(MissingPrerequisite) as failure:
        emulator.require_java()

    assert "JAVA_HOME" in str(failure.value)
    assert emulator.how_to_get("java") in str(failure.value)


def test_missing_gcloud_is_named_with_the_install_hint(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    emulator.sdk_root.cache_clear()
    try:
        with pytest.raises(MissingPrerequisite) as failure:
            emulator.sdk_root()
    finally:
        emulator.sdk_root.cache_clear()

    assert str(failure.value).startswith("gcloud not found: ")
    assert "\n" not in str(failure.value)


@pytest.mark.skipif(shutil.which("gcloud") is None, reason="no gcloud on this machine")
def test_emulator_script_is_found_under_the_sdk_root():
    script = emulator.emulator_script()

    assert script.is_file()
    assert script.relative_to(emulator.sdk_root()) == emulator.EMULATOR_SCRIPT


def test_pubsub_emulator_host_must_be_this_machine(monkeypatch):
    monkeypatch.setenv("PUBSUB_EMULATOR_HOST", "localhost:8085")
    assert emulator.external_host() == "127.0.0.1:8085"

    monkeypatch.setenv("PUBSUB_EMULATOR_HOST", "10.0.0.5:8085")
    with pytest.raises(LocalCloudError, match="unset it"):
        emulator.external_host()

    monkeypatch.delenv("PUBSUB_EMULATOR_HOST")
    assert emulator.external_host() is None
