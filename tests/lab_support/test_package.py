"""The packaging step: staged folders, the Lambda zip, and bundles that import alone."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from lab_support import package
from lab_support.config import FUNCTIONS_DIR

SHARED = FUNCTIONS_DIR / "shared" / "imagepipe"


def _import_alone(folders: list[Path], code: str) -> str:
    """Run code in a fresh interpreter whose sys.path is the stdlib plus folders."""
    setup = "import sys; sys.path[:0] = " + repr([str(f) for f in folders]) + "; "
    done = subprocess.run(
        # -I ignores PYTHONPATH and user site; -S skips site-packages entirely.
        [sys.executable, "-I", "-S", "-c", setup + code],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=folders[0],
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, str]:
    """Run `python -m lab_support package` once into a fresh build folder."""
    build = tmp_path_factory.mktemp("build")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert package.main(["--build-dir", str(build), "--platform", "local"]) == 0
    return build, printed.getvalue()


def test_stage_copies_each_function_with_imagepipe(tmp_path):
    bundles = package.stage(tmp_path)

    assert bundles == {
        "ingest": tmp_path / "ingest",
        "processor": tmp_path / "processor",
    }
    for name, folder in bundles.items():
        for source in (FUNCTIONS_DIR / name).glob("*.py"):
            assert (folder / source.name).read_bytes() == source.read_bytes()
        for source in SHARED.glob("*.py"):
            assert (
                folder / "imagepipe" / source.name
            ).read_bytes() == source.read_bytes()
        assert (folder / "requirements.txt").is_file()
        assert not list(folder.rglob("__pycache__"))
    assert (bundles["ingest"] / "handler.py").is_file()
    assert (bundles["processor"] / "main.py").is_file()


def test_stage_replaces_what_an_earlier_stage_left(tmp_path):
    stale = tmp_path / "ingest" / "removed_module.py"
    stale.parent.mkdir(parents=True)
    stale.write_text("OLD = True\n")

    package.stage(tmp_path)

    assert not stale.exists()
    assert (tmp_path / "ingest" / "handler.py").is_file()


def test_package_command_prints_each_bundle_with_its_size(built):
    build, printed = built

    lines = printed.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith(f"ingest: {build / 'ingest'}")
    assert lines[1].startswith(f"processor: {build / 'processor'}")
    assert lines[2].startswith(f"lambda zip (local): {build / 'ingest.zip'}")
    assert all(line.endswith(" MB)") for line in lines)


def test_lambda_zip_has_the_handler_at_its_root_and_vendored_packages(built):
    build, _ = built

    with zipfile.ZipFile(build / "ingest.zip") as archive:
        names = set(archive.namelist())

    assert {"handler.py", "imagepipe/events.py", "requirements.txt"} <= names
    assert "PIL/__init__.py" in names
    assert "google/cloud/pubsub_v1/__init__.py" in names
    assert "boto3/__init__.py" in names
    assert "cloudevents/http/__init__.py" in names
    assert not [n for n in names if "__pycache__" in n]


def test_lambda_zip_imports_alone_from_an_empty_folder(built, tmp_path):
    build, _ = built
    with zipfile.ZipFile(build / "ingest.zip") as archive:
        archive.extractall(tmp_path)

    printed = _import_alone(
        [tmp_path],
        "import handler, PIL, google.cloud.pubsub_v1 as p; "
        "print(handler.handler.__name__, PIL.__file__, p.__file__)",
    )

    name, pil_file, pubsub_file = printed.split()
    assert name == "handler"
    assert pil_file.startswith(str(tmp_path))
    assert pubsub_file.startswith(str(tmp_path))


def test_processor_folder_installs_into_an_empty_folder_and_imports(built, tmp_path):
    build, _ = built
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--target",
            str(target),
            "-r",
            str(build / "processor" / "requirements.txt"),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )

    printed = _import_alone(
        [build / "processor", target],
        "import main, functions_framework as f; "
        "print(main.process.__name__, f.__file__)",
    )

    name, framework_file = printed.split()
    assert name == "process"
    assert framework_file.startswith(str(target))


def test_lambda_platform_zip_holds_arm64_python_3_13_wheels(tmp_path):
    zip_path = package.build_lambda_zip(tmp_path, platform="lambda")

    with zipfile.ZipFile(zip_path) as archive:
        names = archive.namelist()

    native = [n for n in names if n.endswith(".so")]
    assert any(n.startswith("PIL/_imaging.cpython-313-aarch64") for n in native)
    assert any(n.startswith("grpc/_cython/cygrpc.cpython-313-aarch64") for n in native)
    assert not [n for n in native if "x86_64" in n]
    assert zip_path.stat().st_size < 50_000_000  # Lambda's direct-upload limit


def test_unknown_platform_is_refused():
    with pytest.raises(package.PackageError, match="local or lambda"):
        package.build_lambda_zip("unused", platform="windows")


def test_pip_failure_says_what_failed_and_what_to_do(tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("Pillow===:not a version\n")

    with pytest.raises(package.PackageError) as raised:
        package._pip_install(requirements, tmp_path / "target", "local")

    assert str(requirements) in str(raised.value)
    assert "run `python -m lab_support package` again" in str(raised.value)
