"""Real S3 (moto server) and the real Pub/Sub emulator for the functions' tests.

Both run for the whole session on 127.0.0.1 and free ports; the emulator is a
child process in its own process group, stopped by the pid this file started.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.functions.helpers import (
    BUCKET,
    FUNCTION_ARN,
    FUNCTIONS,
    SUBSCRIPTION,
    TOPIC,
)

EMULATOR_START_S = 60.0

# Each runtime puts its function's folder on sys.path (Lambda the task root,
# functions-framework the source's folder); the tests do the same, once.
for _folder in ("ingest", "processor"):
    if str(FUNCTIONS / _folder) not in sys.path:
        sys.path.append(str(FUNCTIONS / _folder))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def function_env() -> Iterator[pytest.MonkeyPatch]:
    """Environment every function reads, fixed before any function is imported."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
            "RESULTS_BUCKET": BUCKET,
            "PUBSUB_TOPIC": TOPIC,
            "OUTPUT_FORMAT": "JPEG",
            "FIT_BOX": "1024",
            "OPERATION": "grayscale",
        }.items():
            patch.setenv(name, value)
        patch.delenv("AWS_PROFILE", raising=False)
        yield patch


@pytest.fixture(scope="session")
def s3(function_env: pytest.MonkeyPatch) -> Iterator[Any]:
    """A moto S3 server on 127.0.0.1 with the results bucket, and a client for it."""
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    function_env.setenv("AWS_ENDPOINT_URL", f"http://{host}:{port}")
    client = boto3.client("s3", region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    yield client
    server.stop()


def _wait_until_ready(process: subprocess.Popen, log: Path) -> None:
    from lab_support.cloud import emulator

    deadline = time.monotonic() + EMULATOR_START_S
    while emulator.READY_LINE not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-2000:]
            pytest.fail(f"Pub/Sub emulator did not start:\n{tail}")
        time.sleep(0.1)


def _stop(process: subprocess.Popen) -> None:
    # The script execs java, so the pid started here is the emulator itself;
    # its process group holds anything it spawned.
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def pubsub_emulator(
    function_env: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The Pub/Sub emulator on 127.0.0.1 with the test topic and pull subscription."""
    from google.cloud import pubsub_v1

    from lab_support.cloud import emulator

    port = _free_port()
    log_path = tmp_path_factory.mktemp("pubsub") / "emulator.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            emulator.command(port),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        _wait_until_ready(process, log_path)
        host = f"127.0.0.1:{port}"
        function_env.setenv("PUBSUB_EMULATOR_HOST", host)
        pubsub_v1.PublisherClient().create_topic(name=TOPIC)
        with pubsub_v1.SubscriberClient() as subscriber:
            subscriber.create_subscription(name=SUBSCRIPTION, topic=TOPIC)
        yield host
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def ingest(s3: Any, pubsub_emulator: str) -> Any:
    """The ingest handler module, imported once its environment is in place."""
    # Loaded from its path under its own name: other tests may own a "handler".
    spec = importlib.util.spec_from_file_location(
        "ingest_handler", FUNCTIONS / "ingest" / "handler.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def lambda_context() -> Any:
    """The context object awslambdaric hands a handler, for this test function."""
    from awslambdaric.lambda_context import LambdaContext

    deadline_ms = int(time.time() * 1000) + 3_600_000
    return LambdaContext("test-request-1", None, None, deadline_ms, FUNCTION_ARN)


@pytest.fixture(scope="session")
def processor_app(s3: Any, function_env: pytest.MonkeyPatch) -> Any:
    """Build functions-framework's real Flask app for the processor, per settings."""
    import functions_framework

    def build(**settings: str) -> Any:
        with pytest.MonkeyPatch.context() as patch:
            for name, value in settings.items():
                patch.setenv(name, value)
            app = functions_framework.create_app(
                target="process",
                source=str(FUNCTIONS / "processor" / "main.py"),
                signature_type="cloudevent",
            )
        return app.test_client()

    return build
