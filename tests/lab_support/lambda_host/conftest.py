"""Fixtures that run the real Lambda host, under both runtimes, and stop it by pid."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from lab_support.lambda_host.runtime_process import ric_importable
from tests.lab_support.lambda_host.harness import Host, start_host

RUNTIMES = [
    pytest.param(
        "ric",
        marks=pytest.mark.skipif(
            not ric_importable(), reason="awslambdaric ships Linux wheels only"
        ),
    ),
    "builtin",
]
# Short, so the timeout test is quick; long enough for a cold start on a slow laptop.
TIMEOUT_S = 2.0


def _stop_and_check(host: Host) -> None:
    returncode = host.stop()
    assert returncode == 0, host.text()
    assert host.leftovers() == [], "runtime processes outlived the host"


@pytest.fixture(scope="module", params=RUNTIMES)
def host(request, tmp_path_factory) -> Iterator[Host]:
    """One host per runtime for a whole test module, like one warm Lambda."""
    workdir = tmp_path_factory.mktemp(f"lambda-{request.param}")
    started = start_host(workdir, request.param, timeout_s=TIMEOUT_S)
    yield started
    _stop_and_check(started)


@pytest.fixture(params=RUNTIMES)
def runtime(request) -> str:
    """Each runtime in turn, for tests that start their own host."""
    return request.param


@pytest.fixture
def fresh_host(tmp_path) -> Iterator[Callable[..., Host]]:
    """Start hosts for one test; every one is stopped by pid and checked at the end."""
    hosts: list[Host] = []

    def start(runtime: str, **options) -> Host:
        started = start_host(tmp_path / f"host-{len(hosts)}", runtime, **options)
        hosts.append(started)
        return started

    yield start
    for started in hosts:
        _stop_and_check(started)
