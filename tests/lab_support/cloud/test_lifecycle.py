"""up/down/status/start against the real services, each test in its own state dir."""

from __future__ import annotations

import json
import os
import signal
import sys

import psutil
import pytest

from lab_support import cloud, doctor
from lab_support.cloud import emulator, procs, services, state
from lab_support.config import settings
from tests.lab_support.cloud.helpers import (
    STANDINS,
    live_children,
    pid_exists,
    wait_for,
)

pytestmark = pytest.mark.integration


def family(pid: int) -> set[int]:
    """Return pid and every process below it."""
    kids = psutil.Process(pid).children(recursive=True)
    return {pid, *(kid.pid for kid in kids)}


def test_up_twice_reuses_the_services_and_down_leaves_no_pid(
    cloud_home, bundles, lambda_host
):
    handle = cloud.start(bundles, lambda_host=lambda_host)
    report = cloud.status()
    pids = {name: svc["pid"] for name, svc in report["services"].items()}

    again = cloud.up(bundles, lambda_host=lambda_host)
    inner = cloud.start(bundles, lambda_host=lambda_host)
    left = inner.stop()
    everything = set().union(*(family(pid) for pid in pids.values()))
    stopped = handle.stop()

    assert handle.cloud.started == services.ORDER
    assert report["running"] is True
    assert list(report["services"]) == list(services.ORDER)
    assert all(svc["alive"] and svc["port"] for svc in report["services"].values())
    assert set(report["endpoints"]) == {
        "function_url",
        "processor_url",
        "s3_endpoint",
        "pubsub_emulator_host",
        "relay_url",
    }
    assert again.reused and inner.cloud.reused
    assert {name: svc.pid for name, svc in again.services.items()} == pids
    assert "left the local cloud running" in left
    assert all(f"{name}: stopped (pid {pid})" in stopped for name, pid in pids.items())
    assert not [pid for pid in everything if pid_exists(pid)]
    assert not state.path(settings().state_dir).exists()
    assert cloud.status()["running"] is False
    assert cloud.down() == "the local cloud is not running"


def test_state_file_records_pids_ports_logs_commands_and_endpoints(
    cloud_home, bundles, lambda_host
):
    local = cloud.up(bundles, lambda_host=lambda_host)
    recorded = json.loads(local.state_file.read_text())

    assert recorded["version"] == state.STATE_VERSION
    assert recorded["endpoints"]["function_url"] == local.endpoints.function_url
    for name in services.ORDER:
        svc = recorded["services"][name]
        assert svc["pid"] > 0 and svc["port"] > 0 and svc["command"]
        assert svc["log"] == str(settings().state_dir / "logs" / f"{name}.log")
    assert recorded["services"]["processor"]["command"][1:3] == [
        "-m",
        "functions_framework",
    ]
    assert recorded["resources"]["trigger_subscription"].endswith(
        settings().trigger_subscription
    )
    assert "lambda" in cloud.logs() and cloud.logs("relay").startswith("relay on")


def test_up_restarts_only_the_service_that_stopped(cloud_home, bundles, lambda_host):
    first = cloud.up(bundles, lambda_host=lambda_host)
    before = {name: svc.pid for name, svc in first.services.items()}
    os.killpg(before["processor"], signal.SIGKILL)

    wait_for(lambda: not cloud.status()["services"]["processor"]["alive"])
    verdict = {check.name: check for check in doctor.report()}["local cloud"]
    second = cloud.up(bundles, lambda_host=lambda_host)
    after = {name: svc.pid for name, svc in second.services.items()}

    assert second.started == ("processor",)
    assert after["processor"] != before["processor"]
    assert {k: v for k, v in after.items() if k != "processor"} == {
        k: v for k, v in before.items() if k != "processor"
    }
    assert second.services["processor"].port == first.services["processor"].port
    assert cloud.status()["running"] is True
    assert verdict.status == "warn" and "processor stopped" in verdict.detail
    assert {c.name: c for c in doctor.report()}["local cloud"].status == "ok"


def test_up_cleans_a_stale_state_file_and_starts_afresh(
    cloud_home, bundles, lambda_host
):
    finished = psutil.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    ports = services.choose_ports(None)
    stale = state.CloudState(
        started_at=0.0,
        project=settings().gcp_project,
        services={
            name: state.Service(name, finished.pid, ports[name], "", ["gone"], "")
            for name in services.ORDER
        },
        endpoints=services.endpoints(ports),
        ports=ports,
        bundles={k: str(v) for k, v in bundles.items()},
        lambda_host=lambda_host,
    )
    state.write(settings().state_dir, stale)

    local = cloud.up(bundles, lambda_host=lambda_host)

    assert local.started == services.ORDER
    assert any("stale state file" in note for note in local.notes)
    assert cloud.status()["running"] is True


def test_failed_start_stops_what_started_and_quotes_the_log(cloud_home, lambda_host):
    broken = {"processor": STANDINS / "broken", "ingest": STANDINS / "ingest"}
    before = live_children()

    with pytest.raises(cloud.StartupError) as failure:
        cloud.up(broken, lambda_host=lambda_host)

    message = str(failure.value)
    assert "processor" in message and "broken on purpose" in message
    assert "processor.log" in message
    assert live_children() <= before
    assert not state.path(settings().state_dir).exists()


def test_missing_java_is_named_in_one_line_and_nothing_stays_running(
    cloud_home, bundles, lambda_host, monkeypatch
):
    monkeypatch.setenv("JAVA_HOME", str(cloud_home / "no-java-here"))
    before = live_children()

    with pytest.raises(cloud.MissingPrerequisite) as failure:
        cloud.up(bundles, lambda_host=lambda_host)

    message = str(failure.value)
    assert "\n" not in message
    assert "Java" in message and "openjdk" in message.lower()
    assert live_children() <= before


def test_running_emulator_named_by_pubsub_emulator_host_is_used_and_left_running(
    cloud_home, bundles, lambda_host, monkeypatch
):
    port = procs.free_port()
    log = cloud_home / "outside-emulator.log"
    outside = procs.spawn(emulator.command(port), log, dict(os.environ))
    try:
        procs.wait_ready(
            "emulator",
            outside,
            lambda: procs.log_contains(log, emulator.READY_LINE),
            log,
            30,
        )
        monkeypatch.setenv("PUBSUB_EMULATOR_HOST", f"127.0.0.1:{port}")

        local = cloud.up(bundles, lambda_host=lambda_host)
        report = cloud.status()
        stopped = cloud.down()

        assert "pubsub" not in local.started
        assert report["running"] is True
        assert report["services"]["pubsub"]["external"] is True
        assert report["endpoints"]["pubsub_emulator_host"] == f"127.0.0.1:{port}"
        assert "pubsub: left running" in stopped
        assert pid_exists(outside.pid) and procs.port_open(port)
    finally:
        procs.stop(outside.pid, procs.create_time(outside.pid))
