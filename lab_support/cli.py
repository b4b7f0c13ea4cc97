"""The course's command line: `python -m lab_support COMMAND`."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from lab_support.config import DEFAULT_IMAGE


def _up(args: argparse.Namespace) -> int:
    from lab_support import cloud

    local = cloud.up()
    print(local.describe())
    return 0


def _down(args: argparse.Namespace) -> int:
    from lab_support import cloud

    print(cloud.down())
    return 0


def _status(args: argparse.Namespace) -> int:
    from lab_support import cloud

    report = cloud.status()
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(cloud.render_status(report))
    return 0 if report.get("running") else 1


def _logs(args: argparse.Namespace) -> int:
    from lab_support import cloud

    print(cloud.logs(args.name, lines=args.lines))
    return 0


def _doctor(args: argparse.Namespace) -> int:
    from lab_support import doctor

    checks = doctor.report()
    print(doctor.to_json(checks) if args.json else doctor.render(checks))
    return 0 if all(check.ok for check in checks) else 1


def _demo(args: argparse.Namespace) -> int:
    from lab_support import demo

    result = demo.run(Path(args.image))
    if args.json:
        print(json.dumps(result.as_dict()))
    else:
        print(result.describe())
    return 0


def _package(args: argparse.Namespace) -> int:
    from lab_support import package

    return package.main(["--platform", args.platform])


# Commands whose own `main(argv)` parses the rest of the command line.
DELEGATED = {
    "deploy": ("lab_support.deploy", ["deploy"], "deploy to AWS and Google Cloud"),
    "teardown": ("lab_support.deploy", ["teardown"], "remove what deploy made"),
    "chaos": ("lab_support.chaos", [], "uploads under injected faults; count losses"),
    "bench": ("lab_support.bench", [], "measure latency, throughput, bytes, memory"),
}


def _lab(args: argparse.Namespace) -> int:
    from lab_support import lab

    return lab.run()


def _positive(text: str) -> int:
    """Parse a count of 1 or more, or say what is wrong with it."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not 1 or more")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m lab_support",
        description="Run the CloudEvents course's pipeline on a local cloud.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name: str, run: Callable[[argparse.Namespace], int], text: str):
        sub = commands.add_parser(name, help=text, description=text)
        sub.set_defaults(run=run)
        return sub

    command("up", _up, "start the local cloud (reuses what already runs)")
    command("down", _down, "stop the local cloud's processes, by their pids")
    status = command("status", _status, "show each service and every endpoint")
    status.add_argument("--json", action="store_true", help="print JSON")
    logs = command("logs", _logs, "show the last lines of a service's log")
    logs.add_argument("name", nargs="?", help="s3, pubsub, processor, relay, lambda")
    logs.add_argument("--lines", type=_positive, default=50, help="how many (>= 1)")
    doctor = command("doctor", _doctor, "check this machine for what the course needs")
    doctor.add_argument("--json", action="store_true", help="print JSON")
    demo = command("demo", _demo, "send one image through the whole pipeline")
    demo.add_argument("image", nargs="?", default=str(DEFAULT_IMAGE))
    demo.add_argument("--json", action="store_true", help="end with one JSON line")
    package = command("package", _package, "build the deployable bundles")
    package.add_argument("--platform", choices=["local", "lambda"], default="local")
    for name, (_, _, text) in DELEGATED.items():
        commands.add_parser(name, help=f"{text} (see `{name} --help`)", add_help=False)
    command("lab", _lab, "start the local cloud and JupyterLab; stop both on exit")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    from lab_support.errors import CourseError

    try:
        if argv and argv[0] in DELEGATED:
            module, leading, _ = DELEGATED[argv[0]]
            return importlib.import_module(module).main([*leading, *argv[1:]])
        args = _parser().parse_args(argv)
        return args.run(args)
    except CourseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
