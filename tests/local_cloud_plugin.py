"""Start one local cloud for the whole test session and stop it at the end.

Integration tests ask for the `local_cloud` fixture; notebooks run by nbval
start the cloud themselves, and find this one through LAB_STATE_DIR, which
their kernels inherit from this process.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

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


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Stop the session's local cloud, if it was started, by its pids."""
    handle = _session.pop("handle", None)
    if handle is not None:
        handle.stop()


@pytest.fixture(scope="session")
def local_cloud():
    """The running local cloud, started once for every test that needs it."""
    return _start()
