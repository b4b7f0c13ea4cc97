"""Chapter 10's tools: the printed plan read back, credentials found offline, skips."""

from __future__ import annotations

import os
import socket
import subprocess

import pytest

from lab_support import real_clouds
from lab_support.errors import CourseError

NO_AWS = (
    "skipped: no AWS credentials found (set AWS_PROFILE, or AWS_ACCESS_KEY_ID and "
    "AWS_SECRET_ACCESS_KEY, or run `aws configure`; leave AWS_ENDPOINT_URL unset)"
)
NO_GCP = (
    "skipped: no Google Cloud credentials found (run `gcloud auth login`, or set "
    "CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE to a service account key file)"
)
AWS_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
)
GCP_VARIABLES = (
    "CLOUDSDK_CONFIG",
    "CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE",
    "CLOUDSDK_AUTH_ACCESS_TOKEN_FILE",
)


@pytest.fixture
def offline(monkeypatch):
    """Fail any connection or child process: finding credentials must use neither."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"reached out: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(subprocess, "Popen", refuse)


@pytest.fixture
def bare(tmp_path, monkeypatch):
    """A machine with no credentials at all: empty home, no cloud variables."""
    for name in (*AWS_VARIABLES, *GCP_VARIABLES):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


@pytest.fixture(scope="module")
def deploy_plan():
    return real_clouds.dry_run("deploy")


def test_a_bare_machine_has_no_credentials_for_either_cloud(bare, offline):
    assert real_clouds.missing_credentials(["aws", "gcp"]) == [NO_AWS, NO_GCP]


@pytest.mark.parametrize(
    "variables",
    [
        {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "x"},
        {"AWS_PROFILE": "course"},
        {"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:9/creds"},
    ],
)
def test_aws_credentials_in_the_environment_are_found(bare, offline, variables):
    assert real_clouds.aws_credentials_found(variables, bare)


def test_an_aws_credentials_file_is_found(bare, offline):
    (bare / ".aws").mkdir()
    (bare / ".aws" / "credentials").write_text("[default]\n")

    assert real_clouds.aws_credentials_found({}, bare)
    assert real_clouds.missing_credentials(["aws"]) == []


def test_keys_for_an_emulator_are_not_an_account(bare, offline):
    emulator = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:5000",
    }

    assert not real_clouds.aws_credentials_found(emulator, bare)


def test_gcloud_credentials_are_found_in_its_config_folder(bare, offline):
    config = bare / "gcloud-config"
    config.mkdir()
    (config / "credentials.db").write_bytes(b"")

    assert real_clouds.gcp_credentials_found({"CLOUDSDK_CONFIG": str(config)}, bare)
    assert not real_clouds.gcp_credentials_found({}, bare)


def test_a_gcloud_credential_override_file_is_found(bare, offline):
    key = bare / "key.json"
    key.write_text("{}")

    found = {"CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE": str(key)}
    missing = {"CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE": str(bare / "gone.json")}
    assert real_clouds.gcp_credentials_found(found, bare)
    assert not real_clouds.gcp_credentials_found(missing, bare)


def test_for_real_without_credentials_prints_the_skips_and_calls_nothing(
    bare, offline, capsys
):
    assert real_clouds.for_real(["deploy"], confirmed=True) is None

    printed = capsys.readouterr().out
    assert "Needs your AWS and Google Cloud accounts" in printed
    assert printed.rstrip().endswith(f"{NO_AWS}\n{NO_GCP}")


def test_for_real_of_one_cloud_looks_only_at_that_cloud(bare, offline, capsys):
    real_clouds.for_real(["teardown", "--gcp"], confirmed=True)

    printed = capsys.readouterr().out
    assert "Needs your Google Cloud account:" in printed
    assert printed.rstrip().endswith(NO_GCP)
    assert "AWS credentials" not in printed


def test_for_real_with_credentials_still_waits_for_a_yes(
    bare, offline, capsys, monkeypatch
):
    monkeypatch.setenv("AWS_PROFILE", "course")

    assert real_clouds.for_real(["deploy", "--aws"], confirmed=False) is None

    assert (
        capsys.readouterr()
        .out.rstrip()
        .endswith(
            "skipped: credentials found, but this cell creates real resources: set "
            "FOR_REAL = True in the cell above, then run this cell again"
        )
    )


def test_for_real_refuses_a_dry_run():
    with pytest.raises(CourseError, match="use dry_run"):
        real_clouds.for_real(["deploy", "--dry-run"], confirmed=False)


def test_printed_plan_splits_into_header_costs_and_numbered_steps(deploy_plan):
    steps = deploy_plan.steps()

    assert [s.number for s in steps] == list(range(1, 40))
    assert deploy_plan.header.startswith("Dry run of deploy for prefix cec:")
    assert deploy_plan.costs.startswith("What this can cost")
    assert deploy_plan.costs.rstrip().endswith(
        "roles/cloudbuild.builds.builder and deploy again."
    )
    assert deploy_plan.summary.startswith("39 steps.")
    assert deploy_plan.summary not in steps[-1].text


def test_a_step_keeps_its_heading_parts_and_whole_text(deploy_plan):
    step = deploy_plan.step("WIF provider")

    assert (step.number, step.cloud, step.verb) == (9, "gcp", "create")
    assert step.what.startswith("WIF provider cec-aws (AWS account <aws-account-id>)")
    assert (
        repr(step)
        .splitlines()[1]
        .strip()
        .startswith("gcloud iam workload-identity-pools providers create-aws cec-aws")
    )
    assert "--attribute-condition=" in step.text


def test_a_two_word_verb_is_read_whole(deploy_plan):
    assert deploy_plan.steps()[0].verb == "look up"


def test_outline_has_a_row_a_step(deploy_plan):
    table = deploy_plan.outline("caption")

    assert table.header == ("step", "cloud", "verb", "what")
    assert len(table.rows) == 39
    assert table.rows[11][:3] == (12, "local", "build")


def test_a_step_no_heading_mentions_says_where_to_look(deploy_plan):
    with pytest.raises(CourseError, match="plan.outline"):
        deploy_plan.step("no such thing")


def test_teardown_plan_has_no_cost_notes():
    plan = real_clouds.dry_run("teardown")

    assert plan.costs == ""
    assert plan.header.startswith("Dry run of teardown")
    assert plan.steps()[0].verb == "find"


@pytest.mark.integration
def test_as_processor_sets_the_processors_variables_and_restores_the_kernels(
    local_cloud, monkeypatch
):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "kernel-key")
    monkeypatch.delenv("AWS_ROLE_ARN", raising=False)

    with real_clouds.as_processor(local_cloud) as env:
        inside = dict(os.environ)

    assert "AWS_ACCESS_KEY_ID" not in inside
    assert inside["AWS_ROLE_ARN"] == env["AWS_ROLE_ARN"]
    assert inside["GCE_METADATA_HOST"].startswith("127.0.0.1:")
    assert os.environ["AWS_ACCESS_KEY_ID"] == "kernel-key"
    assert "AWS_ROLE_ARN" not in os.environ


@pytest.mark.integration
def test_processor_environment_shows_no_keys_and_the_local_role(local_cloud):
    env = real_clouds.processor_environment(local_cloud)

    assert env["AWS_ROLE_ARN"] == "arn:aws:iam::000000000000:role/cec/cec-processor"
    assert env["AWS_WEB_IDENTITY_AUDIENCE"] == "sts.amazonaws.com"
    for name in real_clouds.KEY_VARIABLES:
        assert env[name] == "(not set)"


@pytest.mark.integration
def test_local_role_carries_deploys_trust_for_the_local_service_account(local_cloud):
    role = real_clouds.local_role(local_cloud)

    (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert role["Path"] == "/cec/"
    assert statement["Condition"]["StringEquals"]["accounts.google.com:sub"] == (
        "000000000000000000001"
    )
