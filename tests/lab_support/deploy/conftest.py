"""A moto server on 127.0.0.1 standing in for AWS, and an isolated course per test.

No test here reaches a real cloud: AWS_ENDPOINT_URL points at moto, and gcloud
is never run; tests that need Google answers pass a scripted stand-in.
"""

from __future__ import annotations

import io
import json
import urllib.request
import uuid
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

PROJECT = "cec-deploy-test"
PROCESSOR_UNIQUE_ID = "104527690218345678901"
ACCOUNT = "123456789012"
# What `gcloud iam workload-identity-pools create-cred-config ... --aws` writes.
CREDENTIAL_CONFIG = {
    "universe_domain": "googleapis.com",
    "type": "external_account",
    "audience": "//iam.googleapis.com/projects/987654321/locations/global/"
    "workloadIdentityPools/cec-pool/providers/cec-aws",
    "subject_token_type": "urn:ietf:params:aws:token-type:aws4_request",
    "token_url": "https://sts.googleapis.com/v1/token",
    "credential_source": {
        "environment_id": "aws1",
        "region_url": "http://169.254.169.254/latest/meta-data/placement/"
        "availability-zone",
        "url": "http://169.254.169.254/latest/meta-data/iam/security-credentials",
        "regional_cred_verification_url": "https://sts.{region}.amazonaws.com"
        "?Action=GetCallerIdentity&Version=2011-06-15",
    },
}


def refuse_gcloud(argv: Sequence[str]) -> Any:
    """Stand in for gcloud where a test must never reach Google."""
    pytest.fail(f"gcloud was called: {' '.join(argv)}")


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    """A moto server in this process, on a free loopback port."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@contextmanager
def iam_enforced(endpoint: str) -> Iterator[None]:
    """Turn moto's IAM checks on for every request, and back to before on exit."""

    def reset_auth(count: bytes) -> bytes:
        request = urllib.request.Request(
            f"{endpoint}/moto-api/reset-auth",
            data=count,
            method="POST",
            # Without a content type werkzeug reads the body as a form.
            headers={"Content-Type": "text/plain"},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.load(answer)["PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT"].encode()

    previous = reset_auth(b"0")
    try:
        yield
    finally:
        reset_auth(previous)


def ingest_zip(path: Path, build: Path) -> Path:
    """The staged ingest code, zipped; its dependencies do not matter to moto."""
    from lab_support import package

    staged = package.stage(build)["ingest"]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(staged.rglob("*.py")):
            archive.write(file, file.relative_to(staged).as_posix())
    return path


@dataclass
class Course:
    """One test's course: its prefix, files, and a way to run the deploy CLI."""

    prefix: str
    root: Path
    endpoint: str

    @property
    def build(self) -> Path:
        return self.root / "build"

    @property
    def config(self) -> Path:
        return self.root / "deploy.toml"

    @property
    def bucket(self) -> str:
        return f"{self.prefix}-results"

    def run(self, *argv: str, gcloud: Any = refuse_gcloud, sleep: Any = None) -> str:
        """Run `deploy` or `teardown` with this course's config; return the output."""
        from lab_support.deploy import main

        out = io.StringIO()
        options: dict[str, Any] = {"out": out, "gcloud": gcloud}
        if sleep is not None:
            options["sleep"] = sleep
        status = main([*argv, "--config", str(self.config)], **options)
        assert status == 0
        return out.getvalue()

    def deploy_aws(self, *extra: str, gcloud: Any = refuse_gcloud) -> str:
        """Deploy the AWS half, as after an earlier `deploy --gcp`."""
        zipped = str(self.root / "ingest.zip")
        return self.run(
            "deploy", "--aws", "--lambda-zip", zipped, *extra, gcloud=gcloud
        )


@pytest.fixture
def course(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, moto_endpoint: str
) -> Course:
    """Environment for one test: moto endpoint, fake keys, own prefix and build dir."""
    prefix = f"cec-{uuid.uuid4().hex[:8]}"
    for name in (
        "AWS_PROFILE",
        "AWS_SESSION_TOKEN",
        "COURSE_PREFIX",
        "GOOGLE_CLOUD_PROJECT",
        "GOOGLE_CLOUD_REGION",
        "OUTPUT_FORMAT",
        "FIT_BOX",
        "OPERATION",
        "LAB_DEPLOY_CONFIG",
    ):
        monkeypatch.delenv(name, raising=False)
    values = {
        "AWS_ENDPOINT_URL": moto_endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        # No instance metadata lookups from a test: there is no instance here.
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
        "LAB_BUILD_DIR": str(tmp_path / "build"),
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)

    course = Course(prefix=prefix, root=tmp_path, endpoint=moto_endpoint)
    course.config.write_text(
        f'prefix = "{prefix}"\n'
        f'gcp_project = "{PROJECT}"\n'
        f'processor_unique_id = "{PROCESSOR_UNIQUE_ID}"\n'
    )
    course.build.mkdir()
    (course.build / "gcp-wif-credentials.json").write_text(
        json.dumps(CREDENTIAL_CONFIG, indent=2)
    )
    ingest_zip(tmp_path / "ingest.zip", tmp_path / "staging")
    return course


def outcome(output: str, heading: str) -> str:
    """The outcome a real run printed for the first step whose heading has `heading`."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if heading in line)
    result = next(line for line in lines[start:] if line.startswith("    -> "))
    return result.removeprefix("    -> ")


def aws_client(service: str, **credentials: str) -> Any:
    """A boto3 client for moto (AWS_ENDPOINT_URL is set by the course fixture)."""
    import boto3

    return boto3.client(service, region_name="us-east-1", **credentials)
