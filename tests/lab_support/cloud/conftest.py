"""Fixtures for the local cloud's tests: stand-in bundles and an isolated state dir."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.lab_support.cloud.helpers import STANDINS


@pytest.fixture(scope="session")
def bundles() -> dict[str, Path]:
    """Stand-in function folders: a recording Cloud Function and a trivial handler."""
    return {"processor": STANDINS / "recorder", "ingest": STANDINS / "ingest"}


@pytest.fixture(scope="session")
def lambda_host() -> list[str]:
    """The real Lambda host once it exists, else a stand-in with the same contract."""
    if importlib.util.find_spec("lab_support.lambda_host.__main__") is not None:
        return [sys.executable, "-m", "lab_support.lambda_host"]
    return [sys.executable, str(STANDINS / "lambda_host.py")]


@pytest.fixture
def cloud_home(tmp_path, monkeypatch) -> Iterator[Path]:
    """A private LAB_STATE_DIR for one test; whatever it left running is stopped."""
    monkeypatch.setenv("LAB_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("RECORD_FILE", str(tmp_path / "records.jsonl"))
    monkeypatch.delenv("PUBSUB_EMULATOR_HOST", raising=False)
    yield tmp_path

    from lab_support import cloud

    cloud.down()
