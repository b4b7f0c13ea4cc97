"""The doctor: every check reports, and a failing one says how to fix it."""

from __future__ import annotations

import json
import sys

import pytest

from lab_support import doctor
from lab_support.cloud import emulator


@pytest.fixture
def no_cloud(tmp_path, monkeypatch):
    """An empty state folder, so the doctor sees no local cloud."""
    monkeypatch.setenv("LAB_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("PUBSUB_EMULATOR_HOST", raising=False)


def by_name(checks):
    return {check.name: check for check in checks}


def test_report_covers_python_packages_java_gcloud_runtime_ports_and_cloud(no_cloud):
    checks = by_name(doctor.report())

    expected = {"platform", "python", "java", "gcloud", "pubsub emulator"}
    expected |= {"lambda runtime", "loopback ports", "local cloud"}
    expected |= {f"package {dist}" for dist, _ in doctor.PACKAGES}
    assert set(checks) == expected
    assert checks["python"].ok and sys.version.split()[0] in checks["python"].detail
    assert checks["package cloudevents"].detail.startswith("1.12.")
    assert checks["loopback ports"].status == "ok"
    assert checks["local cloud"].status == "warn"
    assert checks["local cloud"].fix == "python -m lab_support up"


def test_missing_java_fails_with_this_platforms_install_line(no_cloud, monkeypatch):
    monkeypatch.setenv("JAVA_HOME", "/nonexistent-java-home")

    java = by_name(doctor.report())["java"]

    assert java.status == "fail" and not java.ok
    assert java.fix == emulator.how_to_get("java")


def test_missing_gcloud_fails_and_names_the_install_line(no_cloud, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent-bin")
    emulator.sdk_root.cache_clear()
    try:
        checks = by_name(doctor.report())
    finally:
        emulator.sdk_root.cache_clear()

    assert checks["gcloud"].status == "fail"
    assert checks["gcloud"].fix == emulator.how_to_get("gcloud")
    assert checks["pubsub emulator"].status == "fail"


def test_text_rendering_puts_the_fix_under_each_failure():
    checks = [
        doctor.Check("python", "ok", "3.11.7"),
        doctor.Check("java", "fail", "not found", "sudo apt install openjdk"),
    ]

    text = doctor.render(checks)

    assert text.splitlines()[:3] == [
        "[OK  ] python: 3.11.7",
        "[FAIL] java: not found",
        "         fix: sudo apt install openjdk",
    ]
    assert "1 problem(s) to fix" in text


def test_json_form_lists_every_check_with_its_verdict(no_cloud, capsys):
    status = doctor.main(["--json"])

    document = json.loads(capsys.readouterr().out)
    assert document["ok"] is (status == 0)
    assert document["platform"] == emulator.platform_name()
    assert {"name", "status", "ok", "detail", "fix"} <= set(document["checks"][0])
