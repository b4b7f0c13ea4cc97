"""The packaging step: each function's folder as it deploys, and the Lambda zip.

`stage` copies each function's code plus the shared `imagepipe` package into
`build/ingest/` and `build/processor/` (the local cloud runs these folders with
the venv's packages; Cloud Functions uploads `build/processor/` as it is).
`build_lambda_zip` adds the ingest function's requirements, installed by pip,
and writes `build/ingest.zip` for Lambda.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Final, Literal

from lab_support.config import FUNCTIONS_DIR, settings
from lab_support.errors import CourseError

FUNCTIONS: Final = ("ingest", "processor")
SHARED_PACKAGE: Final = FUNCTIONS_DIR / "shared" / "imagepipe"
LAMBDA_ZIP: Final = "ingest.zip"
# Lambda's python3.13 runtime on Graviton (arm64); pip may then only take wheels.
# Pillow 13 publishes aarch64 wheels for glibc 2.27+ only (manylinux_2_28), which
# the runtime's Amazon Linux 2023 (glibc 2.34) runs, so both tags are accepted.
LAMBDA_PIP_ARGS: Final = (
    "--platform",
    "manylinux2014_aarch64",
    "--platform",
    "manylinux_2_28_aarch64",
    "--python-version",
    "3.13",
    "--implementation",
    "cp",
    "--only-binary=:all:",
)
# A fixed timestamp makes the same inputs give the same zip, byte for byte.
_ZIP_TIME: Final = (1980, 1, 1, 0, 0, 0)
_IGNORE: Final = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")

Platform = Literal["local", "lambda"]


class PackageError(CourseError):
    """A bundle could not be built; the message says what failed and what to do."""


def stage(build_dir: str | Path) -> dict[str, Path]:
    """Copy each function's code and imagepipe/ into build_dir/<name>/, afresh."""
    build = Path(build_dir)
    build.mkdir(parents=True, exist_ok=True)

    bundles: dict[str, Path] = {}
    for name in FUNCTIONS:
        target = build / name
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(FUNCTIONS_DIR / name, target, ignore=_IGNORE)
        shutil.copytree(SHARED_PACKAGE, target / "imagepipe", ignore=_IGNORE)
        bundles[name] = target
    return bundles


def _pip_install(requirements: Path, target: Path, platform: Platform) -> None:
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-compile",
        "--target",
        str(target),
        "-r",
        str(requirements),
    ]
    if platform == "lambda":
        command.extend(LAMBDA_PIP_ARGS)
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-15:])
        raise PackageError(
            f"pip could not install {requirements} for platform {platform!r} "
            f"(exit {done.returncode}):\n{tail}\nCheck the network and the pins in "
            "that file, then run `python -m lab_support package` again"
        )


def _add_tree(archive: zipfile.ZipFile, root: Path) -> None:
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if path.is_dir() or "__pycache__" in relative.parts:
            continue
        info = zipfile.ZipInfo(relative.as_posix(), date_time=_ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        archive.writestr(info, path.read_bytes())


def build_lambda_zip(build_dir: str | Path, *, platform: Platform = "local") -> Path:
    """Write build_dir/ingest.zip: the staged code plus its vendored requirements."""
    if platform not in ("local", "lambda"):
        raise PackageError(f"platform {platform!r} unknown: use local or lambda")
    build = Path(build_dir)
    code = stage(build)["ingest"]
    vendor = build / f"ingest-vendor-{platform}"
    if vendor.exists():
        shutil.rmtree(vendor)

    _pip_install(code / "requirements.txt", vendor, platform)

    zip_path = build / LAMBDA_ZIP
    partial = zip_path.with_suffix(".zip.partial")
    with zipfile.ZipFile(partial, "w") as archive:
        _add_tree(archive, vendor)
        _add_tree(archive, code)
    partial.replace(zip_path)
    shutil.rmtree(vendor)
    return zip_path


def _size(path: Path) -> tuple[int, int]:
    if path.is_file():
        return 1, path.stat().st_size
    files = [p for p in path.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def describe(path: Path) -> str:
    """One line naming a written bundle, its file count and its size."""
    count, size = _size(path)
    kind = "zip" if path.is_file() else "folder"
    return f"{path}  ({kind}, {count} files, {size / 1_000_000:.2f} MB)"


def main(argv: Sequence[str] | None = None) -> int:
    """Build every bundle and print what it wrote (`python -m lab_support package`)."""
    parser = argparse.ArgumentParser(prog="python -m lab_support package")
    parser.add_argument("--platform", choices=("local", "lambda"), default="local")
    parser.add_argument("--build-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    build = args.build_dir or settings().build_dir

    zip_path = build_lambda_zip(build, platform=args.platform)

    for name in FUNCTIONS:
        print(f"{name}: {describe(build / name)}")
    print(f"lambda zip ({args.platform}): {describe(zip_path)}")
    return 0
