"""Pin how the host picks, configures and relays its runtime process."""

from __future__ import annotations

import os
import re
import signal
import sys
from pathlib import Path

import pytest

from lab_support.lambda_host.output_relay import OutputRelay
from lab_support.lambda_host.runtime_process import (
    BUILTIN,
    RIC,
    FunctionConfig,
    RuntimeUnavailable,
    choose_runtime,
    exit_reason,
    new_log_stream,
    ric_importable,
    runtime_command,
    runtime_env,
)

CONFIG = FunctionConfig(
    code_dir=Path("/bundle/ingest"),
    handler="handler.handler",
    function_name="cec-ingest",
    memory_mb=256,
    region="eu-west-1",
)


def test_auto_picks_awslambdaric_where_it_imports_and_builtin_elsewhere():
    assert choose_runtime("auto", ric_ok=lambda: True) == RIC
    assert choose_runtime("auto", ric_ok=lambda: False) == BUILTIN
    assert choose_runtime("builtin", ric_ok=lambda: True) == BUILTIN


def test_asking_for_awslambdaric_where_it_does_not_import_says_what_to_do():
    with pytest.raises(RuntimeUnavailable, match="--runtime builtin"):
        choose_runtime("ric", ric_ok=lambda: False)


@pytest.mark.skipif(sys.platform != "linux", reason="awslambdaric ships Linux wheels")
def test_awslambdaric_imports_on_linux():
    assert ric_importable()


def test_the_runtime_command_runs_the_chosen_client_on_the_handler():
    assert runtime_command(RIC, "handler.handler") == [
        sys.executable,
        "-m",
        "awslambdaric",
        "handler.handler",
    ]
    assert runtime_command(BUILTIN, "app.main")[1:] == [
        "-m",
        "lab_support.lambda_host.runtime_loop",
        "app.main",
    ]


def test_the_runtime_gets_lambdas_reserved_variables_and_keeps_the_handlers():
    base = {"RESULTS_BUCKET": "cec-results", "PYTHONPATH": "/extra"}

    env = runtime_env(CONFIG, "127.0.0.1:9001", RIC, base, "2026/12/04/[$LATEST]ab")

    assert env["RESULTS_BUCKET"] == "cec-results"
    assert env["AWS_LAMBDA_RUNTIME_API"] == "127.0.0.1:9001"
    assert env["LAMBDA_TASK_ROOT"] == "/bundle/ingest"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "cec-ingest"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/cec-ingest"
    assert env["AWS_LAMBDA_LOG_STREAM_NAME"] == "2026/12/04/[$LATEST]ab"
    assert env["AWS_REGION"] == "eu-west-1"
    assert env["_HANDLER"] == "handler.handler"
    assert env["PYTHONPATH"].split(os.pathsep) == ["/bundle/ingest", "/extra"]


def test_the_builtin_runtime_can_import_lab_support_from_its_bundle_folder():
    env = runtime_env(CONFIG, "127.0.0.1:9001", BUILTIN, {}, "stream")

    paths = env["PYTHONPATH"].split(os.pathsep)
    assert paths[0] == "/bundle/ingest"
    assert (Path(paths[-1]) / "lab_support" / "lambda_host").is_dir()


def test_the_function_arn_uses_the_local_account():
    assert CONFIG.arn == "arn:aws:lambda:eu-west-1:000000000000:function:cec-ingest"


def test_a_log_stream_is_named_like_lambdas():
    stream = new_log_stream(now=1584039838.0)

    assert re.fullmatch(r"2020/03/12/\[\$LATEST\][0-9a-f]{32}", stream)


@pytest.mark.parametrize(
    ("returncode", "reason"),
    [
        (3, "exit status 3"),
        (0, "exit status 0"),
        (-signal.SIGKILL, "signal: killed"),
        (-signal.SIGSEGV, "signal: segmentation fault"),
    ],
)
def test_an_exit_is_described_as_lambda_describes_it(returncode, reason):
    assert exit_reason(returncode) == reason


def test_the_relay_keeps_order_splits_carriage_returns_and_waits_for_whole_lines(
    tmp_path,
):
    path = tmp_path / "output.log"
    path.write_bytes(b"")
    lines: list[str] = []
    relay = OutputRelay(path, lines.append)
    with open(path, "ab", buffering=0) as sink:
        sink.write(b"first\n[ERROR] boom\rTraceback\r  line\npart")
        relay.drain()
        sink.write(b"ial\ncaf\xc3\xa9 \xff\n")
        relay.close()

    assert lines == [
        "first",
        "[ERROR] boom",
        "Traceback",
        "  line",
        "part",
        "ial",
        "café \ufffd",
    ]
