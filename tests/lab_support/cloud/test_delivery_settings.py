"""The local cloud's services follow LAB_DELIVERY and start the emulator's JVM lean."""

from __future__ import annotations

import pytest

from lab_support.cloud import services
from lab_support.config import settings

PORTS = {
    name: 40000 + i
    for i, name in enumerate(
        ("s3", "pubsub", "metadata", "processor", "relay", "lambda", "lambda_runtime")
    )
}
BUNDLES = {"processor": "/tmp/processor", "ingest": "/tmp/ingest"}


def relay_command(monkeypatch, mode: str) -> list[str]:
    monkeypatch.setenv("LAB_DELIVERY", mode)
    return services.build("relay", PORTS, settings(), BUNDLES, []).command


def test_relay_in_pull_mode_is_told_the_subscription_and_the_emulator(monkeypatch):
    command = relay_command(monkeypatch, "pull")

    pull = command[command.index("--pull") + 1]
    assert pull == settings().trigger_subscription_path
    assert command[command.index("--emulator") + 1] == f"127.0.0.1:{PORTS['pubsub']}"


def test_relay_in_push_mode_only_listens(monkeypatch):
    command = relay_command(monkeypatch, "push")

    assert "--pull" not in command and "--emulator" not in command


@pytest.mark.parametrize("mode", ["pull", "push"])
def test_relay_service_records_its_delivery_mode(monkeypatch, mode):
    monkeypatch.setenv("LAB_DELIVERY", mode)

    spec = services.build("relay", PORTS, settings(), BUNDLES, [])

    assert spec.extra == {"delivery": mode}


def test_emulator_runs_with_the_quick_jit_unless_the_learner_set_options(
    monkeypatch,
):
    monkeypatch.delenv(services.EMULATOR_OPTS_VARIABLE, raising=False)
    spec = services.build("pubsub", PORTS, settings(), BUNDLES, [])
    assert spec.env[services.EMULATOR_OPTS_VARIABLE] == "-XX:TieredStopAtLevel=1"

    monkeypatch.setenv(services.EMULATOR_OPTS_VARIABLE, "-Xmx2g")
    spec = services.build("pubsub", PORTS, settings(), BUNDLES, [])
    assert spec.env[services.EMULATOR_OPTS_VARIABLE] == "-Xmx2g"
