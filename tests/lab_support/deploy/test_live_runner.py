"""The real runner's care on AWS: IAM propagation retries, placeholders, credentials."""

from __future__ import annotations

import io
import json

import pytest

from lab_support.deploy import aws, policies, sequence
from lab_support.deploy.config import DeployError, load
from lab_support.deploy.live import ROLE_RETRY_DELAYS_S, Live
from lab_support.deploy.plan import Facts
from tests.lab_support.deploy.conftest import ACCOUNT, aws_client, refuse_gcloud


def _function_step(course):
    config = load(course.config)
    facts = Facts({"aws-account-id": ACCOUNT})
    sequence.build_bundle(config, course.root / "ingest.zip")
    return config, facts, aws.function_steps(config, facts, public_url=False)[0]


def _create_ingest_role(course) -> None:
    aws_client("iam").create_role(
        RoleName=f"{course.prefix}-ingest",
        Path=f"/{course.prefix}/",
        AssumeRolePolicyDocument=json.dumps(policies.ingest_trust()),
    )


def test_create_function_retries_until_the_new_role_can_be_assumed(course):
    config, facts, step = _function_step(course)
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 2:
            _create_ingest_role(course)

    out = io.StringIO()
    Live(out, region="us-east-1", gcloud=refuse_gcloud, sleep=sleep).run(step, facts)

    assert waits == [1, 2]
    assert out.getvalue().endswith("    -> done\n")
    function = aws_client("lambda").get_function(FunctionName=f"{course.prefix}-ingest")
    assert function["Configuration"]["State"] == "Active"


def test_create_function_gives_up_after_a_minute_and_says_what_to_check(course):
    config, facts, step = _function_step(course)
    waits: list[float] = []

    live = Live(
        io.StringIO(), region="us-east-1", gcloud=refuse_gcloud, sleep=waits.append
    )
    with pytest.raises(DeployError, match="after a minute of retries; check the role"):
        live.run(step, facts)

    assert waits == list(ROLE_RETRY_DELAYS_S)
    assert sum(waits) == 60


def test_a_real_run_refuses_a_step_that_still_holds_a_placeholder(course):
    config = load(course.config)
    facts = Facts({"aws-account-id": ACCOUNT})
    processor_role = aws.role_steps(config, facts)[2]

    live = Live(io.StringIO(), region="us-east-1", gcloud=refuse_gcloud)
    with pytest.raises(DeployError, match="needs <processor-unique-id>"):
        live.run(processor_role, facts)

    assert aws_client("iam").list_roles(PathPrefix=f"/{course.prefix}/")["Roles"] == []


def test_deploy_without_aws_credentials_says_how_to_get_them(course, monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)

    with pytest.raises(
        DeployError, match=r"no AWS credentials found: run `aws configure`"
    ):
        course.deploy_aws()

    assert not (course.build / f"{course.prefix}-ingest-deploy.zip").exists()


def test_deploy_aws_alone_needs_the_wif_config_from_a_gcp_deploy(course):
    (course.build / "gcp-wif-credentials.json").unlink()

    with pytest.raises(DeployError, match="deploy --gcp first"):
        course.deploy_aws()

    buckets = aws_client("s3").list_buckets()["Buckets"]
    assert course.bucket not in {bucket["Name"] for bucket in buckets}
