"""`--dry-run` prints the whole plan, the same every time, and touches nothing."""

from __future__ import annotations

import re
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.lab_support.deploy.conftest import aws_client

# The step headings of a dry run for a learner who set only `prefix = "cec-demo"`.
DEPLOY_HEADINGS = [
    " 1. aws   look up   AWS account id  -> <aws-account-id>",
    " 2. gcp   look up   number of project cloudevents-course  -> <gcp-project-number>",
    " 3. gcp   enable    the APIs the pipeline uses",
    " 4. gcp   create    Pub/Sub topic cec-demo-image-uploads  [course=cec-demo]",
    " 5. gcp   create    service account cec-demo-processor  [course=cec-demo in "
    "description]",
    " 6. gcp   look up   unique id of service account cec-demo-processor  -> "
    "<processor-unique-id>",
    " 7. gcp   create    Artifact Registry repository cec-demo-functions  "
    "[course=cec-demo]",
    " 8. gcp   create    workload identity pool cec-demo-pool  [course=cec-demo in "
    "description]",
    " 9. gcp   create    WIF provider cec-demo-aws (AWS account <aws-account-id>)  "
    "[course=cec-demo in description]",
    "10. gcp   grant     ingest role may publish to cec-demo-image-uploads "
    "(roles/pubsub.publisher)",
    "11. gcp   write     WIF credential config for the Lambda (not a secret)",
    "12. local build     Lambda bundle $LAB_BUILD_DIR/cec-demo-ingest-deploy.zip",
    "13. aws   create    S3 bucket cec-demo-results  [course=cec-demo]",
    "14. aws   configure S3 bucket cec-demo-results: all four public-access blocks on",
    "15. aws   configure S3 bucket cec-demo-results: ACLs off, owner owns all objects",
    "16. aws   configure S3 bucket cec-demo-results: objects expire after 3 days",
    "17. aws   configure S3 bucket cec-demo-results: requests over TLS only",
    "18. aws   tag       S3 bucket cec-demo-results  [course=cec-demo]",
    "19. aws   create    CloudWatch log group /aws/lambda/cec-demo-ingest  "
    "[course=cec-demo]",
    "20. aws   configure log group /aws/lambda/cec-demo-ingest: keep 7 days",
    "21. aws   create    IAM role /cec-demo/cec-demo-ingest  [course=cec-demo]",
    "22. aws   grant     IAM role cec-demo-ingest: policy ingest-least-privilege",
    "23. aws   create    IAM role /cec-demo/cec-demo-processor  [course=cec-demo]",
    "24. aws   grant     IAM role cec-demo-processor: policy processor-write-results",
    "25. aws   create    Lambda function cec-demo-ingest (python3.13, arm64)  "
    "[course=cec-demo]",
    "26. aws   create    Function URL of cec-demo-ingest (auth AWS_IAM)  -> "
    "<function-url>",
    "27. aws   revoke    cec-demo-ingest: public-function-url statement, if any",
    "28. aws   revoke    cec-demo-ingest: public-function-url-invoke statement, if any",
    "29. aws   configure cec-demo-ingest: no reserved concurrency, if any was set",
    "30. local stage     processor source $LAB_BUILD_DIR/processor  -> "
    "<processor-source>",
    "31. gcp   deploy    Cloud Function cec-demo-processor (2nd gen, Pub/Sub "
    "trigger)  [course=cec-demo]",
    "32. gcp   grant     the trigger's identity may invoke cec-demo-processor",
    "33. gcp   create    Pub/Sub topic cec-demo-image-uploads-dead-letter  "
    "[course=cec-demo]",
    "34. gcp   create    Pub/Sub subscription cec-demo-dead-letters (pull: read dead "
    "letters here)  [course=cec-demo]",
    "35. gcp   grant     Pub/Sub service agent may publish to "
    "cec-demo-image-uploads-dead-letter (roles/pubsub.publisher)",
    "36. gcp   look up   Eventarc trigger of cec-demo-processor  -> "
    "<processor-trigger>",
    "37. gcp   look up   Pub/Sub subscription of the trigger  -> "
    "<trigger-subscription>",
    "38. gcp   configure trigger subscription: dead letters to "
    "cec-demo-image-uploads-dead-letter after 5 attempts",
    "39. gcp   grant     Pub/Sub service agent may ack on the trigger subscription "
    "(roles/pubsub.subscriber)",
]
TEARDOWN_HEADINGS = [
    " 1. gcp   find      Cloud Functions with course=cec-demo  -> <functions>",
    " 2. gcp   find      Pub/Sub subscriptions with course=cec-demo  -> "
    "<subscriptions>",
    " 3. gcp   find      Pub/Sub topics with course=cec-demo  -> <topics>",
    " 4. gcp   find      Artifact Registry repositories with course=cec-demo  -> "
    "<repositories>",
    " 5. gcp   find      workload identity pools with course=cec-demo in description "
    " -> <pools>",
    " 6. gcp   find      service accounts with course=cec-demo in description  -> "
    "<service-accounts>",
    " 7. gcp   delete    Cloud Function cec-demo-processor",
    " 8. gcp   delete    Pub/Sub subscription cec-demo-dead-letters",
    " 9. gcp   delete    Pub/Sub topic cec-demo-image-uploads",
    "10. gcp   delete    Pub/Sub topic cec-demo-image-uploads-dead-letter",
    "11. gcp   delete    Artifact Registry repository cec-demo-functions",
    "12. gcp   delete    workload identity pool cec-demo-pool",
    "13. gcp   delete    service account cec-demo-processor",
    "14. local delete    local file $LAB_BUILD_DIR/gcp-wif-credentials.json",
    "15. aws   find      resources with course=cec-demo in us-east-1  -> "
    "<tagged-resources>",
    "16. aws   find      IAM roles under /cec-demo/  -> <roles-under-path>",
    "17. aws   find      tags of role cec-demo-ingest  -> <tag-of-cec-demo-ingest>",
    "18. aws   find      tags of role cec-demo-processor  -> "
    "<tag-of-cec-demo-processor>",
    "19. aws   delete    Lambda function cec-demo-ingest",
    "20. aws   delete    CloudWatch log group /aws/lambda/cec-demo-ingest",
    "21. aws   empty     S3 bucket cec-demo-results: every object and version",
    "22. aws   delete    S3 bucket cec-demo-results",
    "23. aws   delete    IAM role cec-demo-ingest: policy ingest-least-privilege",
    "24. aws   delete    IAM role /cec-demo/cec-demo-ingest",
    "25. aws   delete    IAM role cec-demo-processor: policy processor-write-results",
    "26. aws   delete    IAM role /cec-demo/cec-demo-processor",
    "27. local delete    local file $LAB_BUILD_DIR/cec-demo-ingest-deploy.zip",
]


def _headings(output: str) -> list[str]:
    return [line for line in output.splitlines() if re.match(r"[ \d]\d\. ", line)]


@pytest.fixture
def demo(course):
    """The course with only a prefix configured, as a learner starts."""
    course.config.write_text('prefix = "cec-demo"\n')
    return course


@contextmanager
def no_network() -> Iterator[None]:
    """Fail any socket connection or child process made inside the block."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"a dry run tried to reach out: {args!r}")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", refuse)
        patch.setattr(socket, "create_connection", refuse)
        patch.setattr(subprocess, "Popen", refuse)
        yield


@pytest.fixture
def offline() -> Iterator[None]:
    """The whole test runs with no network and no child processes."""
    with no_network():
        yield


def _dry_runs(course) -> tuple[str, str]:
    return (
        course.run("deploy", "--dry-run"),
        course.run("teardown", "--dry-run"),
    )


def test_dry_run_deploy_prints_every_step_in_order(demo, offline):
    deploy, _ = _dry_runs(demo)

    assert _headings(deploy) == DEPLOY_HEADINGS
    assert deploy.rstrip().endswith(
        "39 steps. Run the same command without --dry-run to make them, or follow "
        "them by hand."
    )


def test_dry_run_teardown_prints_every_step_in_order(demo, offline):
    _, teardown = _dry_runs(demo)

    assert _headings(teardown) == TEARDOWN_HEADINGS


def test_dry_run_prints_the_same_plan_every_time(demo, offline):
    first = _dry_runs(demo)
    second = _dry_runs(demo)

    assert first == second


def test_dry_run_prints_costs_and_limits_before_the_first_step(demo, offline):
    deploy, teardown = _dry_runs(demo)

    before = deploy.split("\n 1. ")[0]
    for topic in (
        "Lambda: 1M requests and 400,000 GB-seconds a month free",
        "Function URL: no charge of its own",
        "S3: storage per GB-month",
        "Pub/Sub: 10 GiB of messages a month free",
        "Cloud Functions 2nd gen runs on Cloud Run",
        "Eventarc:",
        "Artifact Registry:",
        "Cloud Build:",
        "S3 bucket names are global: if cec-demo-results is taken",
    ):
        assert topic in before
    assert "What this can cost" not in teardown


def test_dry_run_touches_nothing_in_the_cloud_or_on_disk(course):
    with no_network():
        before = sorted(course.root.rglob("*"))
        for argv in (
            ("deploy", "--dry-run"),
            ("deploy", "--aws", "--dry-run", "--public-url"),
            ("teardown", "--dry-run"),
        ):
            course.run(*argv)
        after = sorted(course.root.rglob("*"))

    assert after == before
    buckets = aws_client("s3").list_buckets()["Buckets"]
    assert course.bucket not in {bucket["Name"] for bucket in buckets}
    roles = aws_client("iam").list_roles(PathPrefix=f"/{course.prefix}/")["Roles"]
    assert roles == []
    tagged = aws_client("resourcegroupstaggingapi").get_resources(
        TagFilters=[{"Key": "course", "Values": [course.prefix]}]
    )
    assert tagged["ResourceTagMappingList"] == []


def test_dry_run_needs_no_credentials(demo, monkeypatch, offline):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name)

    deploy, teardown = _dry_runs(demo)

    assert "39 steps." in deploy
    assert "27 steps." in teardown


def test_dry_run_with_public_url_warns_and_opens_the_url(demo, offline):
    output = demo.run("deploy", "--aws", "--dry-run", "--public-url")

    assert "WARNING: --public-url makes the Function URL callable by anyone" in output
    assert "reserves 5 concurrent executions for the function" in output
    assert (
        "aws   configure cec-demo-ingest: reserved concurrency 5\n"
        "    lambda.put_function_concurrency(\n"
        "        FunctionName='cec-demo-ingest',\n"
        "        ReservedConcurrentExecutions=5,\n"
        "    )\n"
    ) in output
    assert output.index("reserved concurrency 5") < output.index("auth NONE")
    assert "Function URL of cec-demo-ingest (auth NONE)" in output
    assert "Action='lambda:InvokeFunctionUrl'" in output
    assert "InvokedViaFunctionUrl=True" in output
    assert "remove_permission" not in output
    assert "delete_function_concurrency" not in output


def test_dry_run_of_one_cloud_shows_only_what_that_cloud_needs(demo, offline):
    aws_only = _headings(demo.run("deploy", "--aws", "--dry-run"))
    gcp_only = _headings(demo.run("deploy", "--gcp", "--dry-run"))

    clouds = {line[4:9].strip() for line in aws_only}
    assert clouds == {"aws", "local", "gcp"}
    (google,) = [line for line in aws_only if line[4:9] == "gcp  "]
    assert "look up   unique id of service account cec-demo-processor" in google
    assert [line for line in gcp_only if line[4:9] == "aws  "] == [
        " 1. aws   look up   AWS account id  -> <aws-account-id>"
    ]


def test_dry_run_shows_each_policy_as_indented_json(demo, offline):
    deploy, _ = _dry_runs(demo)

    assert (
        "        AssumeRolePolicyDocument=json.dumps({\n"
        '          "Version": "2012-10-17",\n'
        '          "Statement": [\n'
        "            {\n"
        '              "Sid": "ProcessorServiceAccountOnly",\n'
    ) in deploy
    assert (
        "        Code={'ZipFile': <contents of "
        "$LAB_BUILD_DIR/cec-demo-ingest-deploy.zip>},\n"
    ) in deploy


def test_dry_run_shows_both_roles_listing_only_the_result_prefixes(demo, offline):
    deploy, _ = _dry_runs(demo)

    statement = (
        '              "Sid": "ListResultKeysOnly",\n'
        '              "Effect": "Allow",\n'
        '              "Action": "s3:ListBucket",\n'
        '              "Resource": "arn:aws:s3:::cec-demo-results",\n'
        '              "Condition": {\n'
        '                "StringLike": {\n'
        '                  "s3:prefix": [\n'
        '                    "processed/*",\n'
        '                    "failed/*"\n'
    )
    assert deploy.count(statement) == 2
