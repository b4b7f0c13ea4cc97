"""Start one local cloud for the whole test session and stop it at the end.

Integration tests ask for the `local_cloud` fixture; notebooks run by nbval
start the cloud themselves, and find this one through LAB_STATE_DIR, which
their kernels inherit from this process.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import psutil
import pytest

_session: dict[str, object] = {}


def pytest_configure(config: pytest.Config) -> None:
    """Give the session its own state folder so no learner's cloud is touched."""
    if "LAB_STATE_DIR" in os.environ:
        return
    root = Path(tempfile.mkdtemp(prefix="lab-test-"))
    os.environ["LAB_STATE_DIR"] = str(root / "state")
    os.environ["LAB_OUTPUT_DIR"] = str(root / "output")
    os.environ["LAB_BUILD_DIR"] = str(root / "build")


def _start():
    from lab_support import cloud

    if "handle" not in _session:
        _session["handle"] = cloud.start()
    return _session["handle"].cloud


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Start the local cloud before the first notebook cell that runs."""
    if item.nodeid.endswith(".ipynb") or ".ipynb::" in item.nodeid:
        _start()


def _still_running(services) -> list[str]:
    alive = []
    for service in services.values():
        if service.external or service.pid is None:
            continue
        try:
            process = psutil.Process(service.pid)
            same = process.create_time() == service.create_time
            running = process.status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            continue
        if same and running:
            alive.append(f"{service.name} (pid {service.pid})")
    return alive


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Stop the session's local cloud by its pids, and fail if any process is left."""
    handle = _session.pop("handle", None)
    if handle is None:
        return
    handle.stop()
    left = _still_running(handle.cloud.services)
    if left:
        print(f"\nlocal cloud processes left running: {', '.join(left)}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def local_cloud():
    """The running local cloud, started once for every test that needs it."""
    return _start()
