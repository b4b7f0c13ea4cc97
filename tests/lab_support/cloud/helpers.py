"""Helpers the local cloud's tests share: polling, log reading, pid checks."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

STANDINS = Path(__file__).parent / "standins"


def wait_for(check: Callable[[], object], timeout: float = 15.0, every=0.05):
    """Poll check() until it returns something truthy; fail the test on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(every)
    pytest.fail(f"gave up after {timeout} s waiting for {check}")


def read_jsonl(path: Path) -> list[dict]:
    """Return the JSON objects of a JSON-lines file, skipping plain text lines."""
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.startswith("{")]


def deliveries(pipeline, name: str) -> list[dict]:
    """Return what the function received for one of the published messages."""
    message_id = pipeline["sent"][name]["message_id"]
    return [
        record
        for record in read_jsonl(pipeline["records"])
        if record["data"]["message"]["messageId"] == message_id
    ]


def relay_lines(pipeline, name: str) -> list[dict]:
    """Return the relay's JSON log lines about one of the published messages."""
    message_id = pipeline["sent"][name]["message_id"]
    log = Path(pipeline["cloud"].services["relay"].log)
    return [line for line in read_jsonl(log) if line["message_id"] == message_id]


def live_children() -> set[int]:
    """Return the pids of this test process's live descendants."""
    found = set()
    for child in psutil.Process().children(recursive=True):
        try:
            if child.status() != psutil.STATUS_ZOMBIE:
                found.add(child.pid)
        except psutil.NoSuchProcess:
            continue
    return found


def pid_exists(pid: int) -> bool:
    """Tell whether pid is a live process (a zombie counts as gone)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
