"""The state file: written atomically, read back whole, unreadable means absent."""

from __future__ import annotations

import json

from lab_support.cloud import services, state


def sample_state() -> state.CloudState:
    ports = {name: 40000 + n for n, name in enumerate(services.ORDER)}
    ports["lambda_runtime"] = 40010
    return state.CloudState(
        started_at=1.5,
        project="demo-project",
        services={
            "s3": state.Service(
                "s3", 123, ports["s3"], "/tmp/s3.log", ["python"], "http://x"
            )
        },
        endpoints=services.endpoints(ports),
        ports=ports,
        bundles={"ingest": "/b/ingest", "processor": "/b/processor"},
        lambda_host=["python", "-m", "lab_support.lambda_host"],
        resources={"bucket": "cec-results"},
    )


def test_state_round_trips_through_the_file(tmp_path):
    written = sample_state()

    state.write(tmp_path, written)

    assert state.read(tmp_path) == written
    assert json.loads(state.path(tmp_path).read_text())["services"]["s3"]["pid"] == 123
    assert not list(tmp_path.glob("*.tmp"))


def test_unreadable_or_foreign_state_file_reads_as_absent_but_exists(tmp_path):
    state.path(tmp_path).write_text("{not json")
    assert state.read(tmp_path) is None and state.exists(tmp_path)

    state.path(tmp_path).write_text(json.dumps({"version": 99}))
    assert state.read(tmp_path) is None

    state.remove(tmp_path)
    assert not state.exists(tmp_path)
    state.remove(tmp_path)
