"""What each local cloud service runs, with which environment, and when it is ready."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from lab_support import metadata_server
from lab_support.cloud import emulator, identity, procs
from lab_support.cloud.state import Endpoints
from lab_support.config import PROJECT_ROOT, Settings

# Start order; `down` stops in the reverse order.
ORDER: Final = ("s3", "pubsub", "metadata", "processor", "relay", "lambda")
LAMBDA_HOST: Final = (sys.executable, "-m", "lab_support.lambda_host")
PROCESSOR_TARGET: Final = "process"
INGEST_HANDLER: Final = "handler.handler"
_LAMBDA_READY: Final = re.compile(r"^ready url=(\S+) runtime_api=(\S+)", re.MULTILINE)
# Variables that would point the children at a real account or another emulator.
_DROPPED: Final = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "PUBSUB_EMULATOR_HOST")
# The emulator's start script passes this variable to the JVM. A course session
# is short, so the quick C1 compiler alone serves it best: measured here, the
# emulator spent about 5 ms of CPU an image instead of 10 to 11 while the full
# JIT compiler was still warming up, and stayed smaller (the serial collector,
# tried too, made it about 50 MB larger).
EMULATOR_OPTS_VARIABLE: Final = "CLOUD_PUBSUB_EMULATOR_OPTS"
EMULATOR_JVM_OPTIONS: Final = "-XX:TieredStopAtLevel=1"
# moto accepts any credentials; these keep boto3 from looking for real ones.
DUMMY_CREDENTIALS: Final = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


@dataclass
class Spec:
    """How to start one service and how to tell it is ready."""

    name: str
    command: list[str]
    env: dict[str, str]
    port: int
    url: str
    ready: Callable[[Path], bool]
    cwd: Path | None = None
    extra: dict[str, str] = field(default_factory=dict)


def choose_ports(external_pubsub: str | None) -> dict[str, int]:
    """Pick a free 127.0.0.1 port for every listening socket of the local cloud."""
    names = ("s3", "metadata", "processor", "relay", "lambda", "lambda_runtime")
    ports = {name: procs.free_port() for name in names}
    if external_pubsub:
        ports["pubsub"] = int(external_pubsub.rpartition(":")[2])
    else:
        ports["pubsub"] = procs.free_port()
    return ports


def endpoints(ports: Mapping[str, int], function_url: str | None = None) -> Endpoints:
    """Return the endpoints clients use, from the chosen ports."""
    return Endpoints(
        function_url=function_url or f"http://127.0.0.1:{ports['lambda']}/",
        processor_url=f"http://127.0.0.1:{ports['processor']}/",
        s3_endpoint=f"http://127.0.0.1:{ports['s3']}",
        pubsub_emulator_host=f"127.0.0.1:{ports['pubsub']}",
        relay_url=f"http://127.0.0.1:{ports['relay']}/",
    )


def build(
    name: str,
    ports: Mapping[str, int],
    settings: Settings,
    bundles: Mapping[str, str],
    lambda_host: Sequence[str],
) -> Spec:
    """Return the Spec of service `name` for these ports, bundles and settings."""
    urls = endpoints(ports)
    port = ports[name]
    if name == "s3":
        return Spec(
            name,
            [sys.executable, "-m", "lab_support.cloud.s3_server", "--port", str(port)],
            _env(PYTHONPATH=str(PROJECT_ROOT), MOTO_ACCOUNT_ID=identity.LOCAL_ACCOUNT),
            port,
            urls.s3_endpoint,
            lambda log: procs.http_answers(port),
        )
    if name == "pubsub":
        return Spec(
            name,
            emulator.command(port),
            _env(**_emulator_jvm()),
            port,
            urls.pubsub_emulator_host,
            lambda log: (
                procs.log_contains(log, emulator.READY_LINE) and procs.port_open(port)
            ),
        )
    if name == "metadata":
        command = [sys.executable, "-m", "lab_support.metadata_server"]
        command += ["--port", str(port), "--unique-id", identity.SERVICE_ACCOUNT_ID]
        command += ["--email", identity.service_account(settings)]
        return Spec(
            name,
            command,
            _env(PYTHONPATH=str(PROJECT_ROOT)),
            port,
            f"http://127.0.0.1:{port}/",
            lambda log: (
                procs.log_contains(log, metadata_server.READY_LINE)
                and procs.port_open(port)
            ),
        )
    if name == "processor":
        source = Path(bundles["processor"])
        command = [sys.executable, "-m", "functions_framework"]
        command += ["--target", PROCESSOR_TARGET, "--source", str(source / "main.py")]
        command += ["--signature-type", "cloudevent"]
        command += ["--host", procs.HOST, "--port", str(port)]
        return Spec(
            name,
            command,
            _processor_env(source, urls, settings, f"127.0.0.1:{ports['metadata']}"),
            port,
            urls.processor_url,
            lambda log: procs.http_answers(port, "/robots.txt"),
            cwd=source,
        )
    if name == "relay":
        command = [sys.executable, "-m", "lab_support.relay", "--port", str(port)]
        command += ["--target", urls.processor_url, "--project", settings.gcp_project]
        command += ["--topic", settings.topic]
        if settings.delivery == "pull":
            command += ["--pull", settings.trigger_subscription_path]
            command += ["--emulator", urls.pubsub_emulator_host]
        return Spec(
            name,
            command,
            _env(PYTHONPATH=str(PROJECT_ROOT)),
            port,
            urls.relay_url,
            lambda log: procs.http_answers(port, "/healthz", want=200),
            extra={"delivery": settings.delivery},
        )
    if name == "lambda":
        command = [*lambda_host, "--code", str(bundles["ingest"])]
        command += ["--handler", INGEST_HANDLER]
        command += ["--runtime-port", str(ports["lambda_runtime"])]
        command += ["--url-port", str(port)]
        command += ["--function-name", settings.ingest_function_name]
        return Spec(
            name,
            command,
            _env(
                PYTHONPATH=str(PROJECT_ROOT),
                PUBSUB_EMULATOR_HOST=urls.pubsub_emulator_host,
                PUBSUB_TOPIC=settings.topic_path,
                **_function_env(urls, settings),
            ),
            port,
            urls.function_url,
            lambda log: lambda_ready(log) is not None,
            extra={"runtime_api": f"127.0.0.1:{ports['lambda_runtime']}"},
        )
    raise ValueError(f"unknown service {name!r}; the services are {', '.join(ORDER)}")


def lambda_ready(log: Path) -> tuple[str, str] | None:
    """Return (function URL, runtime API) from the Lambda host's ready line, if any."""
    try:
        found = _LAMBDA_READY.search(log.read_text(encoding="utf-8", errors="replace"))
    except FileNotFoundError:
        return None
    return (found.group(1), found.group(2)) if found else None


def _emulator_jvm() -> dict[str, str]:
    """Return the emulator's JVM options, unless the learner chose their own."""
    if os.environ.get(EMULATOR_OPTS_VARIABLE):
        return {}
    return {EMULATOR_OPTS_VARIABLE: EMULATOR_JVM_OPTIONS}


def _function_env(urls: Endpoints, settings: Settings) -> dict[str, str]:
    """Return what both functions need to reach moto instead of a real AWS account."""
    return {
        "RESULTS_BUCKET": settings.bucket,
        "AWS_ENDPOINT_URL": urls.s3_endpoint,
        "AWS_REGION": settings.aws_region,
        "AWS_DEFAULT_REGION": settings.aws_region,
        "GOOGLE_CLOUD_PROJECT": settings.gcp_project,
        **DUMMY_CREDENTIALS,
    }


def _processor_env(
    source: Path, urls: Endpoints, settings: Settings, metadata_host: str
) -> dict[str, str]:
    """The processor gets no AWS keys: it exchanges its ID token for the role's."""
    env = _env(PYTHONPATH=str(source), **_function_env(urls, settings))
    for name in DUMMY_CREDENTIALS:
        env.pop(name, None)
    return env | identity.processor_environment(settings, metadata_host)


def _env(**overrides: str) -> dict[str, str]:
    """Return this process's environment, minus account pointers, plus overrides."""
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(overrides)
    return env
