"""Process supervision: start in a session, wait with a clear error, stop by pid."""

from __future__ import annotations

import os
import signal
import socket
import sys
import time

import pytest

from lab_support.cloud import procs
from lab_support.cloud.errors import StartupError
from tests.lab_support.cloud.helpers import pid_exists, wait_for

PY = sys.executable


def spawn_python(code: str, tmp_path, name: str = "child"):
    """Start `python -c code` the way the local cloud starts its services."""
    log = tmp_path / f"{name}.log"
    return procs.spawn([PY, "-c", code], log, dict(os.environ)), log


def test_free_port_is_on_loopback_and_can_be_bound():
    port = procs.free_port()

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
    assert procs.port_open(port) is False


def test_spawned_child_leads_its_own_session_and_logs_to_its_file(tmp_path):
    code = "import os; print('leader', os.getsid(0) == os.getpgid(0) == os.getpid())"
    proc, log = spawn_python(code, tmp_path)
    proc.wait(timeout=10)

    assert procs.tail(log) == "leader True"


def test_stop_ends_the_whole_process_group_including_grandchildren(tmp_path):
    code = (
        "import subprocess, sys, time\n"
        f"kid = subprocess.Popen([{PY!r}, '-c', 'import time; time.sleep(60)'])\n"
        "print(kid.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    proc, log = spawn_python(code, tmp_path)
    grandchild = int(wait_for(lambda: log.read_text().strip()))
    assert os.getpgid(proc.pid) == proc.pid == os.getpgid(grandchild)

    outcome = procs.stop(proc.pid, procs.create_time(proc.pid))

    assert outcome == "stopped"
    assert not pid_exists(proc.pid) and not pid_exists(grandchild)


def test_stop_kills_a_process_that_ignores_sigterm(tmp_path):
    code = (
        "import signal, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "print('ignoring', flush=True)\n"
        "time.sleep(60)\n"
    )
    proc, log = spawn_python(code, tmp_path)
    wait_for(lambda: "ignoring" in log.read_text())

    outcome = procs.stop(proc.pid, procs.create_time(proc.pid), timeout=0.3)

    assert outcome.startswith("killed")
    assert proc.returncode == -signal.SIGKILL


def test_stop_leaves_alone_a_pid_that_now_belongs_to_another_program(tmp_path):
    proc, _ = spawn_python("import time; time.sleep(60)", tmp_path)
    started = procs.create_time(proc.pid)

    outcome = procs.stop(proc.pid, started - 1000)

    assert outcome.startswith("left alone")
    assert procs.alive(proc.pid, started)
    assert procs.stop(proc.pid, started) == "stopped"


def test_stop_says_so_when_the_process_had_already_stopped(tmp_path):
    proc, _ = spawn_python("pass", tmp_path)
    started = procs.create_time(proc.pid)
    proc.wait(timeout=10)

    assert procs.stop(proc.pid, started) == "had already stopped"
    assert procs.alive(proc.pid, started) is False


def test_wait_ready_quotes_the_log_when_the_service_exits(tmp_path):
    proc, log = spawn_python("print('port is taken'); raise SystemExit(3)", tmp_path)

    with pytest.raises(StartupError) as failure:
        procs.wait_ready("thing", proc, lambda: False, log, timeout=10)

    message = str(failure.value)
    assert "thing exited with code 3" in message
    assert "port is taken" in message and str(log) in message


def test_wait_ready_times_out_with_what_to_do(tmp_path):
    proc, log = spawn_python("import time; time.sleep(60)", tmp_path)
    try:
        started = time.monotonic()
        with pytest.raises(StartupError) as failure:
            procs.wait_ready("slowpoke", proc, lambda: False, log, timeout=0.3)
        assert time.monotonic() - started < 5
        assert "LAB_START_TIMEOUT" in str(failure.value)
    finally:
        procs.stop(proc.pid, procs.create_time(proc.pid))


def test_tail_returns_the_last_lines_or_says_there_is_no_log(tmp_path):
    log = tmp_path / "some.log"
    log.write_text("".join(f"line {n}\n" for n in range(100)))

    assert procs.tail(log, 2) == "line 98\nline 99"
    assert "no log yet" in procs.tail(tmp_path / "missing.log")
