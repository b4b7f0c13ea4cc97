"""Check this machine for everything the course needs, and say how to fix what is not.

Run: python -m lab_support.doctor [--json]   (or: python -m lab_support doctor)
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import json
import socket
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Final

from lab_support import cloud
from lab_support.cloud import emulator, procs
from lab_support.cloud.errors import LocalCloudError

MIN_PYTHON: Final = (3, 11)
CLOUDEVENTS_SERIES: Final = "1.12."
# (distribution, module to import): what the notebooks, functions and local
# cloud import; moto's server mode needs flask besides moto itself.
PACKAGES: Final = (
    ("cloudevents", "cloudevents.http"),
    ("functions-framework", "functions_framework"),
    ("boto3", "boto3"),
    ("google-cloud-pubsub", "google.cloud.pubsub_v1"),
    ("Pillow", "PIL.Image"),
    ("moto", "moto.server"),
    ("flask", "flask"),
    ("psutil", "psutil"),
    ("jupyterlab", "jupyterlab"),
    ("ipywidgets", "ipywidgets"),
)
INSTALL: Final = "pip install -e '.[dev]' in the course folder (or: make install)"
_PYTHON_FIX: Final = {
    "linux": "sudo apt install python3.11 python3.11-venv, then make install "
    "PYTHON=python3.11",
    "wsl": "inside WSL: sudo apt install python3.11 python3.11-venv, then make "
    "install PYTHON=python3.11",
    "macos": "brew install python@3.11, then make install PYTHON=python3.11",
    "windows": "open the course in WSL (Ubuntu) and install python3.11 there",
}


@dataclass(frozen=True)
class Check:
    """One finding: status is "ok", "warn" (works, with a caveat) or "fail"."""

    name: str
    status: str
    detail: str
    fix: str = ""

    @property
    def ok(self) -> bool:
        """True unless the course cannot work this way."""
        return self.status != "fail"


def report() -> list[Check]:
    """Run every check, in the order a learner would fix things."""
    checks = [_platform(), _python()]
    checks += [_package(dist, module) for dist, module in PACKAGES]
    checks += [_java(), _gcloud(), _emulator_script(), _lambda_runtime()]
    checks += [_loopback(), _local_cloud()]
    return checks


def render(checks: Sequence[Check]) -> str:
    """Render the checks as text: one line each, with the fix under a failure."""
    lines = []
    for check in checks:
        lines.append(f"[{check.status.upper():<4}] {check.name}: {check.detail}")
        if check.fix and check.status != "ok":
            lines.append(f"         fix: {check.fix}")
    failed = sum(not check.ok for check in checks)
    verdict = "ready for the course" if not failed else f"{failed} problem(s) to fix"
    lines.append(f"{verdict} ({emulator.platform_name()})")
    return "\n".join(lines)


def to_json(checks: Sequence[Check]) -> str:
    """Render the checks as one JSON document."""
    return json.dumps(
        {
            "ok": all(check.ok for check in checks),
            "platform": emulator.platform_name(),
            "checks": [{**asdict(check), "ok": check.ok} for check in checks],
        },
        indent=2,
    )


def _platform() -> Check:
    name = emulator.platform_name()
    if name == "windows":
        return Check(
            "platform",
            "fail",
            "native Windows: the local cloud needs POSIX process groups",
            "install WSL (wsl --install -d Ubuntu) and open the course there",
        )
    return Check("platform", "ok", name)


def _python() -> Check:
    version = ".".join(map(str, sys.version_info[:3]))
    if sys.version_info >= MIN_PYTHON:
        return Check("python", "ok", f"{version} at {sys.executable}")
    return Check(
        "python",
        "fail",
        f"{version} is older than 3.11",
        _PYTHON_FIX[emulator.platform_name()],
    )


def _package(dist: str, module: str) -> Check:
    name = f"package {dist}"
    try:
        version = importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return Check(name, "fail", "not installed", INSTALL)
    try:
        importlib.import_module(module)
    except Exception as err:
        return Check(name, "fail", f"{version} fails to import: {err}", INSTALL)
    if dist == "cloudevents" and not version.startswith(CLOUDEVENTS_SERIES):
        return Check(
            name,
            "fail",
            f"{version}; the course uses the 1.12 API that functions-framework "
            "3.10.2 pins",
            "pip install 'cloudevents==1.12.0'",
        )
    return Check(name, "ok", version)


def _with_external_emulator(check: Check) -> Check:
    """Soften a failed emulator prerequisite when an emulator already answers."""
    try:
        host = emulator.external_host()
    except LocalCloudError:
        return check
    if check.ok or host is None or not _answers(host):
        return check
    return Check(check.name, "warn", f"{check.detail}; not needed while {host} runs")


def _java() -> Check:
    java = emulator.java_command()
    if java is None:
        check = Check("java", "fail", "not found", emulator.how_to_get("java"))
        return _with_external_emulator(check)
    version = emulator.java_version(java)
    if version is None or version < emulator.MIN_JAVA:
        detail = f"{java} is Java {version or '(unknown version)'}, need 17+"
        check = Check("java", "fail", detail, emulator.how_to_get("java"))
        return _with_external_emulator(check)
    return Check("java", "ok", f"Java {version} at {java}")


def _gcloud() -> Check:
    return _from_prerequisite("gcloud", lambda: str(emulator.sdk_root()))


def _emulator_script() -> Check:
    return _from_prerequisite(
        "pubsub emulator", lambda: str(emulator.emulator_script())
    )


def _from_prerequisite(name: str, find: Callable[[], str]) -> Check:
    try:
        return Check(name, "ok", find())
    except LocalCloudError as err:
        detail, _, fix = str(err).partition(": ")
        return _with_external_emulator(Check(name, "fail", detail, fix))


def _lambda_runtime() -> Check:
    if sys.platform != "linux":
        return Check(
            "lambda runtime",
            "ok",
            "lab_support's builtin runtime loop (awslambdaric runs on Linux only)",
        )
    try:
        version = importlib.metadata.version("awslambdaric")
        importlib.import_module("awslambdaric.bootstrap")
    except Exception:
        return Check(
            "lambda runtime",
            "warn",
            "awslambdaric missing: the builtin runtime loop stands in for it",
            "pip install awslambdaric, to run the handler under AWS's own client",
        )
    return Check("lambda runtime", "ok", f"awslambdaric {version}")


def _loopback() -> Check:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            sock.listen()
            port = sock.getsockname()[1]
    except OSError as err:
        return Check(
            "loopback ports",
            "fail",
            f"cannot listen on 127.0.0.1: {err}",
            "allow programs to listen on 127.0.0.1 (a sandbox or firewall forbids it)",
        )
    return Check("loopback ports", "ok", f"can listen on 127.0.0.1 (tried {port})")


def _local_cloud() -> Check:
    found = cloud.status()
    services = found["services"]
    if not services:
        return Check("local cloud", "warn", "not running", "python -m lab_support up")
    down = [name for name, svc in services.items() if not svc["alive"]]
    if found["running"]:
        return Check(
            "local cloud",
            "ok",
            f"running: {', '.join(services)}; function URL "
            f"{found['endpoints']['function_url']}",
        )
    missing = down or ["(incomplete state)"]
    return Check(
        "local cloud",
        "warn",
        f"not fully running: {', '.join(missing)} stopped",
        "python -m lab_support up (restarts what stopped); "
        "python -m lab_support logs NAME shows why",
    )


def _answers(host: str) -> bool:
    return procs.port_open(int(host.rpartition(":")[2]))


def main(argv: Sequence[str] | None = None) -> int:
    """Print the report; exit 1 when something must be fixed first."""
    parser = argparse.ArgumentParser(prog="python -m lab_support.doctor")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args(argv)

    checks = report()
    print(to_json(checks) if args.json else render(checks))
    return 0 if all(check.ok for check in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
