"""`python -m lab_support deploy|teardown [--aws] [--gcp] [--dry-run]`: the entry point.

Without --aws or --gcp both clouds are meant. --dry-run prints every call and
command in order, with what it would create, and makes no call at all.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol, TextIO

from lab_support.config import PROJECT_ROOT
from lab_support.deploy import costs, sequence
from lab_support.deploy.aws import PUBLIC_RESERVED_CONCURRENCY
from lab_support.deploy.config import DeployConfig, load
from lab_support.deploy.live import Gcloud, Live, run_gcloud
from lab_support.deploy.plan import Facts, Printer, Step

_CLOUD_ORDER = ("aws", "gcp")

PUBLIC_URL_WARNING = (
    "WARNING: --public-url makes the Function URL callable by anyone on the "
    "internet without signing. Anyone who finds it can spend your Lambda and "
    "Pub/Sub budget and fill your bucket; deploy reserves "
    f"{PUBLIC_RESERVED_CONCURRENCY} concurrent executions for the function, so at "
    f"most {PUBLIC_RESERVED_CONCURRENCY} requests run at once and the rest are "
    "throttled (429). Use it for a class, then run teardown."
)


class Runner(Protocol):
    count: int

    def run(self, step: Step, facts: Facts) -> None: ...


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m lab_support",
        description="Deploy the pipeline to AWS and Google Cloud, or remove it.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    texts = {
        "deploy": "deploy the pipeline (neither --aws nor --gcp: both clouds)",
        "teardown": "remove what deploy made, found by its tag (twice is fine)",
    }
    subs = {}
    for name, text in texts.items():
        sub = commands.add_parser(name, help=text, description=text)
        sub.add_argument("--aws", action="store_true", help="AWS only")
        sub.add_argument("--gcp", action="store_true", help="Google Cloud only")
        sub.add_argument(
            "--dry-run", action="store_true", help="print the plan; call nothing"
        )
        sub.add_argument(
            "--config",
            type=Path,
            help="settings file (default: $LAB_DEPLOY_CONFIG, else ./deploy.toml)",
        )
        subs[name] = sub
    deploy = subs["deploy"]
    deploy.add_argument(
        "--public-url",
        action="store_true",
        help="Function URL without authentication (for a classroom; prints a warning)",
    )
    deploy.add_argument(
        "--lambda-zip", type=Path, help="use this ingest zip instead of building one"
    )
    deploy.add_argument(
        "--processor-source",
        type=Path,
        help="use this processor folder instead of staging one",
    )
    return parser


def _clouds(args: argparse.Namespace) -> set[str]:
    chosen = {cloud for cloud in _CLOUD_ORDER if getattr(args, cloud)}
    return chosen or set(_CLOUD_ORDER)


def _header(command: str, config: DeployConfig, clouds: set[str], dry: bool) -> str:
    settings = config.settings
    where = []
    if "aws" in clouds:
        where.append(f"AWS region {settings.aws_region}")
    if "gcp" in clouds:
        where.append(
            f"Google Cloud project {settings.gcp_project} in {config.gcp_region}"
        )
    lines = [
        f"{'Dry run of' if dry else 'Running'} {command} for prefix "
        f"{settings.prefix}: {', '.join(where)}."
    ]
    if config.source is not None:
        shown = config.source
        if shown.is_relative_to(PROJECT_ROOT):
            shown = shown.relative_to(PROJECT_ROOT)
        lines.append(f"Settings from {shown} under the environment.")
    if dry:
        lines.append(
            "Nothing below is called, created or changed; <name> stands for a value "
            "a real run looks up."
        )
    return "\n".join(lines)


def _walk(phases: list[sequence.Phase], runner: Runner, facts: Facts) -> None:
    for phase in phases:
        for step in phase(facts):
            if step.verb == "look up" and step.produces in facts:
                continue
            runner.run(step, facts)


def _summary(command: str, runner: Runner, facts: Facts, dry: bool) -> str:
    if dry:
        return (
            f"{runner.count} steps. Run the same command without --dry-run to make "
            "them, or follow them by hand."
        )
    if command == "teardown":
        removed = getattr(runner, "removed", [])
        if not removed:
            return "Nothing to remove: nothing carries the course's tag any more."
        return "Removed:\n" + "\n".join(f"  - {item}" for item in removed)
    url = facts.get("function-url")
    if not url:
        return "Deployed."
    return (
        f"Deployed. Function URL: {url}\n"
        "POST an image to it; with IAM auth, sign the request with SigV4 "
        "(service lambda)."
    )


def main(
    argv: Sequence[str] | None = None,
    *,
    out: TextIO | None = None,
    gcloud: Gcloud = run_gcloud,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Run deploy or teardown; `argv` starts with the command name."""
    args = _parser().parse_args(argv)
    out = out or sys.stdout
    config = load(args.config)
    clouds = _clouds(args)
    dry = args.dry_run
    facts = Facts(config.facts)

    print(_header(args.command, config, clouds, dry), file=out)
    if args.command == "deploy":
        print(costs.render(sorted(clouds), config.names.bucket), file=out)
        if args.public_url:
            print(PUBLIC_URL_WARNING, file=out)
        phases = sequence.deploy_phases(
            config,
            clouds,
            public_url=args.public_url,
            lambda_zip=args.lambda_zip,
            processor_source=args.processor_source,
        )
    else:
        phases = sequence.teardown_phases(config, clouds)
    print(file=out)

    runner: Runner
    if dry:
        runner = Printer(out)
    else:
        live = Live(out, region=config.settings.aws_region, gcloud=gcloud, sleep=sleep)
        for cloud in sorted(clouds):
            live.require(cloud)
        runner = live
    _walk(phases, runner, facts)

    print(file=out)
    print(_summary(args.command, runner, facts, dry), file=out)
    return 0
