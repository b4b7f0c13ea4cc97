"""500 uploads under crashes, failing S3 writes and duplicate deliveries lose nothing.

The run uses a local cloud of its own; the session's cloud must come out of it
with the same processes it went in with.
"""

from __future__ import annotations

import json

import pytest

from lab_support import chaos, cli
from lab_support.cloud import lifecycle

pytestmark = pytest.mark.integration


def _pids(local_cloud) -> dict[str, int | None]:
    return {name: service.pid for name, service in local_cloud.services.items()}


def test_500_uploads_under_faults_end_with_one_result_or_record_each(
    local_cloud, capsys
):
    session_pids = _pids(local_cloud)

    report = chaos.run(500, seed=5)

    with capsys.disabled():
        print(f"\nchaos run, 500 uploads:\n{report.describe()}")
    assert report.sent == 500
    assert report.accepted == 500
    assert report.failed == round(500 * chaos.POISON_RATE)
    assert report.processed == report.accepted - report.failed
    assert report.lost == 0
    assert report.doubled == 0
    assert report.dead_lettered == 0
    assert report.processor_crashes == chaos.CRASHES
    assert report.s3_writes_failed > 0
    assert report.duplicate_deliveries > 0
    assert report.duplicates_absorbed > 0
    assert report.redeliveries > 0
    assert report.most_delivery_attempts < 5
    assert report.seconds < 120
    assert _pids(local_cloud) == session_pids
    assert all(lifecycle.running(s) for s in local_cloud.services.values())


def test_chaos_command_prints_the_figures_as_json_and_exits_0(capsys):
    status = cli.main(["chaos", "--uploads", "30", "--crashes", "1", "--json"])

    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert status == 0
    assert figures["ok"] is True
    assert figures["sent"] == figures["accepted"] == 30
    assert figures["processed"] + figures["failed"] == 30
    assert (figures["lost"], figures["doubled"]) == (0, 0)
    assert figures["processor crashes"] == 1
