"""The local cloud's one state file: what runs, on which port, started how."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

STATE_VERSION: Final = 1
STATE_FILE: Final = "state.json"


@dataclass
class Service:
    """One running piece of the local cloud, as recorded in the state file."""

    name: str
    pid: int | None
    port: int
    log: str
    command: list[str]
    url: str
    create_time: float | None = None
    started_at: float | None = None
    external: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Endpoints:
    """Where clients reach the local cloud."""

    function_url: str
    processor_url: str
    s3_endpoint: str
    pubsub_emulator_host: str
    relay_url: str


@dataclass
class CloudState:
    """Everything the state file holds; `ports` and `bundles` allow a restart."""

    started_at: float
    project: str
    services: dict[str, Service]
    endpoints: Endpoints
    ports: dict[str, int]
    bundles: dict[str, str]
    lambda_host: list[str]
    resources: dict[str, str] = field(default_factory=dict)
    version: int = STATE_VERSION

    def to_json(self) -> dict[str, Any]:
        """Turn the state into the JSON document written to disk."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CloudState:
        """Rebuild the state from the JSON document read from disk."""
        fields = dict(data)
        fields["services"] = {
            name: Service(**svc) for name, svc in data["services"].items()
        }
        fields["endpoints"] = Endpoints(**data["endpoints"])
        return cls(**fields)


def path(state_dir: Path) -> Path:
    """Return where the state file lives."""
    return state_dir / STATE_FILE


def logs_dir(state_dir: Path) -> Path:
    """Return the folder holding one log file per service."""
    return state_dir / "logs"


def read(state_dir: Path) -> CloudState | None:
    """Read the state file; None when there is none or it cannot be understood."""
    try:
        data = json.loads(path(state_dir).read_text(encoding="utf-8"))
        if data.get("version") != STATE_VERSION:
            return None
        return CloudState.from_json(data)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def exists(state_dir: Path) -> bool:
    """Tell whether a state file is present, readable or not."""
    return path(state_dir).exists()


def write(state_dir: Path, cloud: CloudState) -> None:
    """Write the state file atomically, so a reader never sees half of it."""
    state_dir.mkdir(parents=True, exist_ok=True)
    target = path(state_dir)
    scratch = target.with_suffix(".json.tmp")
    scratch.write_text(json.dumps(cloud.to_json(), indent=2) + "\n", encoding="utf-8")
    os.replace(scratch, target)


def remove(state_dir: Path) -> None:
    """Delete the state file if it is there."""
    path(state_dir).unlink(missing_ok=True)


@contextlib.contextmanager
def locked(state_dir: Path) -> Iterator[None]:
    """Hold the state folder's lock, so two `up` or `down` calls never interleave."""
    import fcntl  # POSIX only; importing it here keeps `status` working everywhere

    state_dir.mkdir(parents=True, exist_ok=True)
    with open(state_dir / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
