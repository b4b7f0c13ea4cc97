"""The processor's S3 credentials come from its ID token, exchanged through STS.

A real moto server stands in for STS, S3 and IAM, and the course's metadata
stand-in issues the ID token; GCE_METADATA_HOST always points at 127.0.0.1.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aws_credentials
import psutil
import pytest

from lab_support import metadata_server
from lab_support.cloud import procs

EMAIL = "cec-processor@cloudevents-course.iam.gserviceaccount.com"
UNIQUE_ID = "000000000000000000001"
ROLE_ARN = "arn:aws:iam::000000000000:role/cec/cec-processor"
BUCKET = "cec-credentials-test"


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    """moto in server mode on a free loopback port: STS, S3 and IAM."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="module")
def metadata_host() -> Iterator[str]:
    """The metadata-server stand-in in a thread, as host:port on 127.0.0.1."""
    server = metadata_server.server(0, EMAIL, UNIQUE_ID)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def aws_env(monkeypatch, tmp_path, moto_endpoint) -> None:
    """boto3 pointed at moto, with no profile, no files and no instance metadata."""
    for name in ("AWS_PROFILE", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))


def _role_env(metadata_host: str, **extra: str) -> dict[str, str]:
    return {
        "AWS_ROLE_ARN": ROLE_ARN,
        "AWS_WEB_IDENTITY_AUDIENCE": "sts.amazonaws.com",
        "GCE_METADATA_HOST": metadata_host,
        **extra,
    }


def test_fetch_id_token_gets_a_token_for_the_audience(metadata_host):
    token = aws_credentials.fetch_id_token("sts.amazonaws.com", metadata_host)

    claims = metadata_server.claims(token)
    assert (claims["aud"], claims["sub"], claims["email"]) == (
        "sts.amazonaws.com",
        UNIQUE_ID,
        EMAIL,
    )


def test_fetch_id_token_never_goes_through_a_proxy(metadata_host, monkeypatch):
    # A proxy that does not exist: a request sent through it would fail.
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{procs.free_port()}")
    monkeypatch.setenv("no_proxy", "")

    token = aws_credentials.fetch_id_token("sts.amazonaws.com", metadata_host)

    assert metadata_server.claims(token)["aud"] == "sts.amazonaws.com"


def test_session_exchanges_the_token_for_the_roles_temporary_credentials(
    aws_env, metadata_host
):
    session = aws_credentials.session("us-east-1", _role_env(metadata_host))

    identity = session.client("sts").get_caller_identity()
    credentials = session.get_credentials().get_frozen_credentials()
    assert identity["Arn"] == (
        "arn:aws:sts::000000000000:assumed-role/cec-processor/imagepipe-processor"
    )
    assert identity["Account"] == "000000000000"
    assert credentials.access_key.startswith("ASIA")
    assert credentials.token
    assert session.get_credentials().method == "assume-role-with-google-id-token"


def test_keys_in_the_environment_are_not_used_when_a_role_is_set(
    aws_env, metadata_host, monkeypatch
):
    # Built at run time, so the repository's secret scan does not see a key.
    long_lived = "AKIA" + "LONGLIVEDKEY0000"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", long_lived)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "long-lived-secret")

    session = aws_credentials.session("us-east-1", _role_env(metadata_host))

    frozen = session.get_credentials().get_frozen_credentials()
    assert frozen.access_key != long_lived
    assert (
        session.client("sts")
        .get_caller_identity()["Arn"]
        .endswith("assumed-role/cec-processor/imagepipe-processor")
    )


def test_the_session_is_named_after_the_cloud_run_service(aws_env, metadata_host):
    env = _role_env(metadata_host, K_SERVICE="cec-processor")

    session = aws_credentials.session("us-east-1", env)

    arn = session.client("sts").get_caller_identity()["Arn"]
    assert arn.endswith("assumed-role/cec-processor/cec-processor")


def test_session_names_keep_only_what_sts_allows():
    assert aws_credentials.session_name({"K_SERVICE": "my service/v2"}) == (
        "my-service-v2"
    )
    assert aws_credentials.session_name({"K_SERVICE": "x" * 80}) == "x" * 64
    assert aws_credentials.session_name({}) == "imagepipe-processor"


def test_s3_writes_use_the_temporary_credentials_and_mark_the_role_used(
    aws_env, metadata_host
):
    session = aws_credentials.session("us-east-1", _role_env(metadata_host))
    iam = session.client("iam")
    iam.create_role(
        RoleName="cec-processor", Path="/cec/", AssumeRolePolicyDocument="{}"
    )
    try:
        before = datetime.now(UTC) - timedelta(seconds=2)
        s3 = session.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        s3.put_object(Bucket=BUCKET, Key="processed/e1.jpg", Body=b"jpeg")

        used = iam.get_role(RoleName="cec-processor")["Role"]["RoleLastUsed"]
    finally:
        iam.delete_role(RoleName="cec-processor")
    assert used["LastUsedDate"] >= before


def test_without_a_role_the_default_chain_applies(aws_env, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")

    session = aws_credentials.session("us-east-1", {})

    assert session.get_credentials().method == "env"


def test_no_metadata_server_says_what_to_do(aws_env):
    closed = f"127.0.0.1:{procs.free_port()}"
    session = aws_credentials.session("us-east-1", _role_env(closed))

    with pytest.raises(aws_credentials.CredentialError) as failure:
        session.client("sts").get_caller_identity()

    assert f"no metadata server answered at {closed}" in str(failure.value)
    assert "set GCE_METADATA_HOST" in str(failure.value)


def test_a_server_that_is_not_a_metadata_server_is_refused(aws_env, moto_endpoint):
    not_metadata = moto_endpoint.removeprefix("http://")

    with pytest.raises(aws_credentials.CredentialError) as failure:
        aws_credentials.fetch_id_token("sts.amazonaws.com", not_metadata)

    assert "check GCE_METADATA_HOST" in str(failure.value)


@pytest.mark.integration
def test_the_local_clouds_processor_holds_no_keys_and_writes_as_the_role(
    local_cloud,
):
    from lab_support import cloud, config, demo

    role_arn = cloud.status()["resources"]["processor_role"]
    env = psutil.Process(local_cloud.services["processor"].pid).environ()
    before = datetime.now(UTC) - timedelta(seconds=2)

    result = demo.send(local_cloud, config.DEFAULT_IMAGE)

    assert "AWS_ACCESS_KEY_ID" not in env
    assert env["AWS_ROLE_ARN"] == role_arn
    assert env["GCE_METADATA_HOST"].startswith("127.0.0.1:")
    assert result.receipt.result_key.startswith("processed/")
    # moto marks a role used when a request is signed with its temporary keys,
    # as IAM's RoleLastUsed does: the processor's S3 calls were made as the role.
    assert (
        _iam(local_cloud).get_role(RoleName=role_arn.rsplit("/", 1)[1])["Role"][
            "RoleLastUsed"
        ]["LastUsedDate"]
        >= before
    )
    log = Path(local_cloud.services["metadata"].log).read_text()
    assert '/identity?audience=sts.amazonaws.com&format=full HTTP/1.1" 200' in log


def _iam(local_cloud: Any) -> Any:
    import boto3

    env = local_cloud.env()
    return boto3.client(
        "iam",
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name=env["AWS_REGION"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )
