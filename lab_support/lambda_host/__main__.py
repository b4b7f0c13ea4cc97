"""Command line of the Lambda host: python -m lab_support.lambda_host --code DIR ..."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lab_support.lambda_host.host import HostError, HostOptions, run
from lab_support.lambda_host.runtime_process import AUTO, BUILTIN, RIC


def parse_args(argv: list[str] | None = None) -> HostOptions:
    """Read the host's options from the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m lab_support.lambda_host",
        description=(
            "Run a Lambda handler offline as AWS does: the Lambda Runtime API, "
            "the runtime process, CloudWatch-style log lines and a function URL."
        ),
    )
    parser.add_argument("--code", type=Path, required=True, help="the bundle folder")
    parser.add_argument("--handler", required=True, help="MODULE.FUNCTION")
    parser.add_argument("--runtime-port", type=int, required=True)
    parser.add_argument("--url-port", type=int, required=True)
    parser.add_argument("--function-name", help="default: the bundle folder's name")
    parser.add_argument("--memory-mb", type=int, default=512)
    parser.add_argument("--timeout-s", type=float, default=30.0)
    parser.add_argument("--runtime", choices=(RIC, BUILTIN, AUTO), default=AUTO)
    args = parser.parse_args(argv)
    return HostOptions(
        code=args.code,
        handler=args.handler,
        runtime_port=args.runtime_port,
        url_port=args.url_port,
        function_name=args.function_name,
        memory_mb=args.memory_mb,
        timeout_s=args.timeout_s,
        runtime=args.runtime,
    )


def main(argv: list[str] | None = None) -> int:
    """Start the host; print a clear message and exit 2 when it cannot start."""
    options = parse_args(argv)
    sys.stdout.reconfigure(encoding="utf-8", errors="replace")
    try:
        return run(options)
    except HostError as error:
        sys.stderr.write(f"Lambda host: {error}\n")
        return 2


if __name__ == "__main__":
    sys.exit(main())
