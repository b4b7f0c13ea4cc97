"""The local cloud: start, reuse, inspect and stop the pipeline's services.

Every service is a child process on a free 127.0.0.1 port, in its own session,
recorded with its pid in one state file, and stopped by that pid only.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lab_support import config
from lab_support.cloud import lifecycle, procs, services, state
from lab_support.cloud.errors import LocalCloudError, MissingPrerequisite, StartupError
from lab_support.cloud.state import Endpoints, Service

__all__ = [
    "CloudHandle",
    "Endpoints",
    "LocalCloud",
    "LocalCloudError",
    "MissingPrerequisite",
    "Service",
    "StartupError",
    "down",
    "logs",
    "render_status",
    "start",
    "status",
    "up",
]


@dataclass
class LocalCloud:
    """A running local cloud: services, endpoints, and what this call started."""

    services: dict[str, Service]
    endpoints: Endpoints
    state_file: Path
    started: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)

    @property
    def reused(self) -> bool:
        """True when everything was already running and this call started nothing."""
        return not self.started

    def env(self) -> dict[str, str]:
        """Return the variables that point boto3 and google-cloud-pubsub at it."""
        settings = config.settings()
        return {
            "AWS_ENDPOINT_URL": self.endpoints.s3_endpoint,
            "AWS_REGION": settings.aws_region,
            "PUBSUB_EMULATOR_HOST": self.endpoints.pubsub_emulator_host,
            "RESULTS_BUCKET": settings.bucket,
            "PUBSUB_TOPIC": settings.topic_path,
            **services.DUMMY_CREDENTIALS,
        }

    @property
    def bucket(self) -> str:
        """The results bucket the processor writes to."""
        return config.settings().bucket

    def s3(self):
        """Return a boto3 S3 client for the local bucket, with moto's dummy keys."""
        import boto3
        from botocore.config import Config

        env = self.env()
        return boto3.client(
            "s3",
            endpoint_url=env["AWS_ENDPOINT_URL"],
            region_name=env["AWS_REGION"],
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=env["AWS_SESSION_TOKEN"],
            config=Config(signature_version="s3v4"),
        )

    def describe(self) -> str:
        """Say in a few lines what runs where, for the command line and notebooks."""
        verb = "reused the running" if self.reused else "started the"
        lines = [f"{verb} local cloud ({self.state_file})"]
        lines += [f"  note: {note}" for note in self.notes]
        for svc in self.services.values():
            owner = "external" if svc.external else f"pid {svc.pid}"
            lines.append(f"  {svc.name:<10} {owner:<10} {svc.url}")
        lines.append(f"  function URL: {self.endpoints.function_url}")
        return "\n".join(lines)


class CloudHandle:
    """What `start()` returns: `.stop()` stops only what that `start()` started."""

    def __init__(self, cloud: LocalCloud) -> None:
        self.cloud = cloud

    def stop(self) -> str:
        """Stop the services this handle's start() started; leave the others."""
        if self.cloud.reused:
            return "left the local cloud running: it was running before start()"
        if set(self.cloud.started) >= _owned(self.cloud.services):
            return down()
        return _stop_some(self.cloud.started)

    def __enter__(self) -> LocalCloud:
        return self.cloud

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def up(
    bundles: Mapping[str, str | Path] | None = None,
    *,
    lambda_host: Sequence[str] | None = None,
) -> LocalCloud:
    """Start the local cloud, or reuse the running one and restart any dead service.

    bundles maps "ingest" and "processor" to the folders the functions run from
    (default: `lab_support.package.stage(build_dir)`); lambda_host is the command
    that runs the Lambda host (default: `python -m lab_support.lambda_host`).
    A restart of stopped services reuses the recorded ports, bundles and host.
    """
    if sys.platform == "win32":
        raise LocalCloudError(
            "the local cloud needs Linux or macOS: open the course inside WSL "
            "(Ubuntu) and run it there"
        )
    settings = config.settings()
    notes: list[str] = []

    with state.locked(settings.state_dir):
        cloud = state.read(settings.state_dir)
        if cloud is None and state.exists(settings.state_dir):
            notes.append(
                "removed an unreadable state file; any process it recorded was "
                "left alone, since its pid is unknown"
            )
            state.remove(settings.state_dir)
        if cloud is not None:
            dead = [
                name
                for name in services.ORDER
                if name not in cloud.services
                or not lifecycle.running(cloud.services[name])
            ]
            if not dead:
                return _local(cloud, (), notes)
            alive = _owned(cloud.services) - set(dead)
            if alive:
                notes.append(f"restarted {', '.join(dead)}, which had stopped")
                lifecycle.restart(cloud, dead, settings)
                return _local(cloud, tuple(dead), notes)
            lines = lifecycle.stop(cloud, list(cloud.services))
            state.remove(settings.state_dir)
            notes.append("cleaned a stale state file: " + "; ".join(lines))

        chosen = _bundles(bundles, settings)
        host = list(lambda_host or services.LAMBDA_HOST)
        try:
            cloud = lifecycle.start_fresh(settings, chosen, host, notes)
        except BaseException:
            state.remove(settings.state_dir)
            raise
        owned = _owned(cloud.services)
        return _local(cloud, tuple(n for n in services.ORDER if n in owned), notes)


def start(
    bundles: Mapping[str, str | Path] | None = None,
    *,
    lambda_host: Sequence[str] | None = None,
) -> CloudHandle:
    """Start or reuse the local cloud; the handle's stop() undoes only this start."""
    return CloudHandle(up(bundles, lambda_host=lambda_host))


def down() -> str:
    """Stop each recorded service by its pid, drop the state file, say what stopped."""
    settings = config.settings()
    with state.locked(settings.state_dir):
        cloud = state.read(settings.state_dir)
        if cloud is None:
            if state.exists(settings.state_dir):
                state.remove(settings.state_dir)
                return "removed an unreadable state file; no pid recorded to stop"
            return "the local cloud is not running"
        lines = lifecycle.stop(cloud, list(cloud.services))
        state.remove(settings.state_dir)
    return "\n".join(["stopped the local cloud:", *(f"  {line}" for line in lines)])


def status() -> dict[str, Any]:
    """Return each service (pid, port, alive, log) and the endpoints, as plain data."""
    settings = config.settings()
    cloud = state.read(settings.state_dir)
    report: dict[str, Any] = {
        "running": False,
        "state_file": str(state.path(settings.state_dir)),
        "services": {},
        "endpoints": {},
    }
    if cloud is None:
        return report

    for name, svc in cloud.services.items():
        report["services"][name] = {
            "name": name,
            "pid": svc.pid,
            "port": svc.port,
            "alive": lifecycle.running(svc),
            "log": svc.log,
            "url": svc.url,
            "external": svc.external,
            **svc.extra,
        }
    report["running"] = set(services.ORDER) <= set(cloud.services) and all(
        svc["alive"] for svc in report["services"].values()
    )
    report["endpoints"] = asdict(cloud.endpoints)
    report["resources"] = dict(cloud.resources)
    report["started_at"] = cloud.started_at
    report["uptime_s"] = round(time.time() - cloud.started_at, 1)
    return report


def render_status(report: Mapping[str, Any]) -> str:
    """Render a status() report as a short table for the terminal."""
    if not report["services"]:
        return (
            "the local cloud is not running: start it with `python -m lab_support up`"
        )
    verdict = "running" if report["running"] else "NOT fully running (run `up` again)"
    lines = [f"local cloud {verdict}, state in {report['state_file']}"]
    for svc in report["services"].values():
        mark = "up  " if svc["alive"] else "DOWN"
        pid = "external" if svc["external"] else svc["pid"]
        lines.append(f"  {mark} {svc['name']:<10} pid {pid:<8} {svc['url']}")
    lines += [f"  {key}: {value}" for key, value in report["endpoints"].items()]
    return "\n".join(lines)


def logs(name: str | None = None, lines: int = 50) -> str:
    """Return the last lines of one service's log, or of every service's log."""
    folder = state.logs_dir(config.settings().state_dir)
    if name is not None and name not in services.ORDER:
        raise LocalCloudError(
            f"no service called {name!r}; choose one of {', '.join(services.ORDER)}"
        )
    if name:
        return procs.tail(folder / f"{name}.log", lines)
    return "\n\n".join(
        f"==> {each} <==\n{procs.tail(folder / f'{each}.log', lines)}"
        for each in services.ORDER
    )


def _local(cloud: state.CloudState, started: tuple[str, ...], notes) -> LocalCloud:
    settings = config.settings()
    return LocalCloud(
        services=dict(cloud.services),
        endpoints=cloud.endpoints,
        state_file=state.path(settings.state_dir),
        started=started,
        notes=notes,
    )


def _owned(recorded: Mapping[str, Service]) -> set[str]:
    """Return the names of the services this project started (not external ones)."""
    return {name for name, svc in recorded.items() if not svc.external}


def _stop_some(names: Sequence[str]) -> str:
    """Stop only the named services and keep the rest recorded."""
    settings = config.settings()
    with state.locked(settings.state_dir):
        cloud = state.read(settings.state_dir)
        if cloud is None:
            return "the local cloud is not running"
        lines = lifecycle.stop(cloud, [n for n in names if n in cloud.services])
        state.write(settings.state_dir, cloud)
    return "\n".join(lines)


def _bundles(
    bundles: Mapping[str, str | Path] | None, settings: config.Settings
) -> dict[str, str]:
    """Return the function folders to run, staging them when none were given."""
    if bundles is None:
        try:
            from lab_support import package
        except ImportError as err:
            raise LocalCloudError(
                f"cannot stage the functions ({err}); run `python -m lab_support "
                "package` or pass bundles= to up()"
            ) from err
        bundles = package.stage(settings.build_dir)
    missing = {"ingest", "processor"} - set(bundles)
    if missing:
        raise LocalCloudError(f"bundles lack {', '.join(sorted(missing))}")
    return {name: str(Path(folder).resolve()) for name, folder in bundles.items()}
