"""Wire the Lambda host together: environment, Runtime API, function URL, signals."""

from __future__ import annotations

import os
import signal
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from lab_support.lambda_host.cloudwatch import LogWriter
from lab_support.lambda_host.environment import ExecutionEnvironment
from lab_support.lambda_host.http_io import HOST, LoopbackServer
from lab_support.lambda_host.runtime_api import RuntimeApiServer
from lab_support.lambda_host.runtime_process import FunctionConfig, choose_runtime
from lab_support.lambda_host.url_server import FunctionUrlServer

DEFAULT_REGION: Final = "us-east-1"


class HostError(Exception):
    """The host cannot start; the message says why and what to do."""


@dataclass(frozen=True)
class HostOptions:
    """The host's command-line options."""

    code: Path
    handler: str
    runtime_port: int
    url_port: int
    function_name: str | None = None
    memory_mb: int = 512
    timeout_s: float = 30.0
    runtime: str = "auto"


def function_config(options: HostOptions) -> FunctionConfig:
    """Return the function's configuration from the options and AWS_REGION."""
    code = options.code.resolve()
    if not code.is_dir():
        raise HostError(
            f"--code {options.code} is not a folder: give the folder that holds "
            "the handler module (the unzipped bundle)"
        )
    if options.timeout_s <= 0 or options.memory_mb <= 0:
        raise HostError("--timeout-s and --memory-mb must be positive numbers")
    return FunctionConfig(
        code_dir=code,
        handler=options.handler,
        function_name=options.function_name or code.name,
        memory_mb=options.memory_mb,
        timeout_s=options.timeout_s,
        region=os.environ.get("AWS_REGION") or DEFAULT_REGION,
    )


def ready_line(url_port: int, runtime_port: int) -> str:
    """Return the one line a caller waits for before it sends requests."""
    return f"ready url=http://{HOST}:{url_port} runtime_api={HOST}:{runtime_port}"


def run(options: HostOptions) -> int:
    """Run the host until SIGTERM or SIGINT; return the exit code."""
    config = function_config(options)
    try:
        runtime = choose_runtime(options.runtime)
    except RuntimeError as error:
        raise HostError(str(error)) from None
    log = LogWriter(sys.stdout)
    runtime_api = f"{HOST}:{options.runtime_port}"
    environment = ExecutionEnvironment(config, runtime, runtime_api, log.line)
    api_server = _listen(
        RuntimeApiServer, options.runtime_port, environment, "--runtime-port"
    )
    try:
        url_server = _listen(
            FunctionUrlServer, options.url_port, environment, "--url-port"
        )
    except HostError:
        api_server.server_close()
        raise
    servers = (api_server, url_server)
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    environment.start()
    try:
        while not stop.is_set():
            if environment.wait_ready(0.1):
                log.line(ready_line(options.url_port, options.runtime_port))
                break
        # A timed wait, so the signal handlers above get their turn to run.
        while not stop.is_set():
            stop.wait(0.5)
    finally:
        environment.close()
        for server in servers:
            server.shutdown()
            server.server_close()
    return 0


def _listen(
    server_type: type[LoopbackServer],
    port: int,
    environment: ExecutionEnvironment,
    option: str,
) -> LoopbackServer:
    """Bind one server to 127.0.0.1:port, or say which option to change."""
    try:
        return server_type(port, environment)
    except OSError as error:
        raise HostError(
            f"cannot listen on {HOST}:{port} ({error.strerror or error}): "
            f"another process holds the port; pick a free one for {option}"
        ) from None
