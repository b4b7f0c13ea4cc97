"""Bring the local cloud's services up in order, restart dead ones, and stop them."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from lab_support.cloud import emulator, procs, services, state
from lab_support.cloud.errors import LocalCloudError
from lab_support.cloud.state import CloudState, Service
from lab_support.config import Settings


@dataclass
class _Launched:
    spec: services.Spec
    proc: subprocess.Popen
    log: Path


def running(service: Service) -> bool:
    """Tell whether a recorded service runs: its pid is ours and its port answers."""
    if service.external:
        return procs.port_open(service.port)
    if service.pid is None:
        return False
    return procs.alive(service.pid, service.create_time) and procs.port_open(
        service.port
    )


def start_fresh(
    settings: Settings,
    bundles: Mapping[str, str],
    lambda_host: Sequence[str],
    notes: list[str],
) -> CloudState:
    """Start every service on new ports and create the pipeline's resources."""
    external = _external_emulator(notes)
    ports = services.choose_ports(external)
    cloud = CloudState(
        started_at=time.time(),
        project=settings.gcp_project,
        services={},
        endpoints=services.endpoints(ports),
        ports=ports,
        bundles=dict(bundles),
        lambda_host=list(lambda_host),
    )
    if external:
        cloud.services["pubsub"] = Service(
            name="pubsub",
            pid=None,
            port=ports["pubsub"],
            log="",
            command=[],
            url=external,
            external=True,
        )
    _start(cloud, [n for n in services.ORDER if n not in cloud.services], settings)
    return cloud


def restart(cloud: CloudState, names: Iterable[str], settings: Settings) -> None:
    """Start the named services again on their recorded ports, then check resources."""
    dead = [name for name in services.ORDER if name in set(names)]
    # A state file written before the metadata stand-in existed has no port for it.
    cloud.ports.setdefault("metadata", procs.free_port())
    recorded = [cloud.services[name] for name in dead if name in cloud.services]
    leftovers = [svc for svc in recorded if svc.pid is not None and not svc.external]
    procs.stop_all([(svc.pid, svc.create_time) for svc in leftovers])
    _start(cloud, dead, settings)


def stop(cloud: CloudState, names: Iterable[str]) -> list[str]:
    """Stop the named services by their recorded pids; return one line for each."""
    chosen = [
        cloud.services[name] for name in reversed(services.ORDER) if name in names
    ]
    external = [svc for svc in chosen if svc.external or svc.pid is None]
    owned = [svc for svc in chosen if svc not in external]
    outcome = procs.stop_all([(svc.pid, svc.create_time) for svc in owned])

    lines = [f"{svc.name}: {outcome[svc.pid]} (pid {svc.pid})" for svc in owned]
    lines += [
        f"{svc.name}: left running, not started here ({svc.url})" for svc in external
    ]
    for svc in chosen:
        del cloud.services[svc.name]
    return lines


def _start(cloud: CloudState, names: Sequence[str], settings: Settings) -> None:
    """Start names in order (s3 with pubsub, then resources, then the rest)."""
    started: list[str] = []
    try:
        first = [name for name in names if name in ("s3", "pubsub")]
        rest = [name for name in names if name not in first]
        _wait_all([_launch(cloud, name, settings, started) for name in first], settings)
        cloud.resources = _create_resources(cloud, settings)
        state.write(settings.state_dir, cloud)
        _wait_all([_launch(cloud, name, settings, started) for name in rest], settings)
    except BaseException:
        stop(cloud, started)
        state.write(settings.state_dir, cloud)
        raise

    if "lambda" in started:
        found = services.lambda_ready(Path(cloud.services["lambda"].log))
        if found:
            cloud.services["lambda"].url = found[0]
            cloud.services["lambda"].extra["runtime_api"] = found[1]
            cloud.endpoints.function_url = found[0]
    state.write(settings.state_dir, cloud)


def _launch(
    cloud: CloudState, name: str, settings: Settings, started: list[str]
) -> _Launched:
    """Spawn one service and record it in the state file before waiting for it."""
    spec = services.build(name, cloud.ports, settings, cloud.bundles, cloud.lambda_host)
    log = state.logs_dir(settings.state_dir) / f"{name}.log"
    proc = procs.spawn(spec.command, log, spec.env, cwd=spec.cwd)
    cloud.services[name] = Service(
        name=name,
        pid=proc.pid,
        port=spec.port,
        log=str(log),
        command=spec.command,
        url=spec.url,
        create_time=procs.create_time(proc.pid),
        started_at=time.time(),
        extra=dict(spec.extra),
    )
    started.append(name)
    state.write(settings.state_dir, cloud)
    return _Launched(spec, proc, log)


def _wait_all(launched: Sequence[_Launched], settings: Settings) -> None:
    """Wait for each launched service to be ready, within the start timeout each."""
    for item in launched:
        procs.wait_ready(
            item.spec.name,
            item.proc,
            lambda item=item: item.spec.ready(item.log),
            item.log,
            settings.start_timeout,
        )


def _create_resources(cloud: CloudState, settings: Settings) -> dict[str, str]:
    """Create bucket, topics and subscriptions, pushing to the relay's URL."""
    # Imported here: boto3 and grpc take longer to load than `status` takes to run.
    from lab_support.cloud import identity, resources

    try:
        bucket = resources.create_bucket(cloud.endpoints.s3_endpoint, settings)
        role = identity.create_processor_role(cloud.endpoints.s3_endpoint, settings)
        names = resources.create_pubsub(
            cloud.endpoints.pubsub_emulator_host, settings, cloud.endpoints.relay_url
        )
    except Exception as err:
        raise LocalCloudError(
            f"could not create the bucket, topics and subscriptions ({err}); see "
            "`python -m lab_support logs s3` and `... logs pubsub`, then run "
            "`python -m lab_support down` and `up` again"
        ) from err
    return {"bucket": bucket, "processor_role": role, **names}


def _external_emulator(notes: list[str]) -> str | None:
    """Return PUBSUB_EMULATOR_HOST if an emulator answers there, noting the choice."""
    host = emulator.external_host()
    if host is None:
        return None
    if procs.port_open(int(host.rpartition(":")[2])):
        notes.append(f"using the Pub/Sub emulator already running at {host}")
        return host
    notes.append(
        f"PUBSUB_EMULATOR_HOST={host} does not answer; starting our own emulator"
    )
    return None
