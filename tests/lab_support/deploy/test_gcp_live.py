"""A real run's handling of gcloud's answers, with gcloud scripted (no Google here).

The commands themselves are pinned in test_gcp_plan; these tests pin what the
runner does with the answers: skip what exists, restore a soft-deleted pool,
read ids from the output, delete only what teardown found, and stop on errors.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence

import pytest

from lab_support import package
from lab_support.deploy.config import DeployError
from tests.lab_support.deploy.conftest import aws_client

NOT_FOUND = "ERROR: (gcloud.x) NOT_FOUND: Resource not found"


class ScriptedGcloud:
    """Answers gcloud command lines by their leading words and records every call."""

    def __init__(self, answers: dict[str, tuple[int, str, str]]) -> None:
        self.answers = answers
        self.calls: list[list[str]] = []

    def __call__(self, argv: Sequence[str]) -> subprocess.CompletedProcess:
        self.calls.append(list(argv))
        line = " ".join(argv)
        for start, (code, out, err) in self.answers.items():
            if line.startswith(start):
                return subprocess.CompletedProcess(list(argv), code, out, err)
        return subprocess.CompletedProcess(list(argv), 0, "", "")

    def ran(self, start: str) -> list[str]:
        return [
            " ".join(call) for call in self.calls if " ".join(call).startswith(start)
        ]


SIGNED_IN = {"gcloud auth list": (0, "learner@example.com\n", "")}
TRIGGER = "projects/course-project/locations/us-central1/triggers/processor-512"
TRIGGER_SUBSCRIPTION = "projects/course-project/subscriptions/eventarc-sub-088"
# What Google answers once the function is deployed: its trigger and subscription.
DEPLOYED = {
    "gcloud functions describe": (0, f"{TRIGGER}\n", ""),
    f"gcloud eventarc triggers describe {TRIGGER}": (0, TRIGGER_SUBSCRIPTION, ""),
}


@pytest.fixture
def gcp_course(course):
    """A course set up for a Google-only run: the AWS account id is given."""
    course.config.write_text(
        f'prefix = "{course.prefix}"\ngcp_project = "course-project"\n'
        'aws_account_id = "210987654321"\n'
    )
    return course


def _deploy_gcp(course, gcloud) -> str:
    source = package.stage(course.root / "staging")["processor"]
    return course.run(
        "deploy", "--gcp", "--processor-source", str(source), gcloud=gcloud
    )


def test_a_first_deploy_creates_each_resource_and_reads_the_ids(gcp_course):
    account = f"{gcp_course.prefix}-processor@course-project.iam.gserviceaccount.com"
    gcloud = ScriptedGcloud(
        {
            **SIGNED_IN,
            **DEPLOYED,
            "gcloud projects describe": (0, "987654321012\n", ""),
            "gcloud pubsub topics describe": (1, "", NOT_FOUND),
            "gcloud pubsub subscriptions describe": (1, "", NOT_FOUND),
            f"gcloud iam service-accounts describe {account} --format=value(email)": (
                1,
                "",
                NOT_FOUND,
            ),
            "gcloud iam service-accounts describe": (0, "1045276902183\n", ""),
            "gcloud artifacts repositories describe": (1, "", NOT_FOUND),
            "gcloud iam workload-identity-pools describe": (1, "", NOT_FOUND),
            "gcloud iam workload-identity-pools providers describe": (1, "", NOT_FOUND),
        }
    )

    output = _deploy_gcp(gcp_course, gcloud)

    assert gcloud.ran("gcloud pubsub topics create")
    assert gcloud.ran("gcloud iam service-accounts create")
    assert gcloud.ran("gcloud iam workload-identity-pools create ")
    assert gcloud.ran("gcloud iam workload-identity-pools providers create-aws")
    ingest, dead_letter = gcloud.ran("gcloud pubsub topics add-iam-policy-binding")
    assert "projects/987654321012/locations/global/workloadIdentityPools" in ingest
    assert "service-987654321012@gcp-sa-pubsub" in dead_letter
    (deploy,) = gcloud.ran("gcloud functions deploy")
    assert "AWS_ROLE_ARN=arn:aws:iam::210987654321:role/" in deploy
    assert f"--source={gcp_course.root / 'staging' / 'processor'}" in deploy
    assert "-> done: 1045276902183" in output
    assert not re.search(r"^ ?\d+\. aws ", output, re.MULTILINE)
    assert len(gcloud.ran("gcloud pubsub topics create")) == 2
    (dead_letters,) = gcloud.ran("gcloud pubsub subscriptions create")
    assert f"{gcp_course.prefix}-dead-letters --topic=" in dead_letters
    (policy,) = gcloud.ran("gcloud pubsub subscriptions update")
    assert policy.startswith(
        f"gcloud pubsub subscriptions update {TRIGGER_SUBSCRIPTION} "
        f"--dead-letter-topic={gcp_course.prefix}-image-uploads-dead-letter "
        "--max-delivery-attempts=5"
    )
    (agent,) = gcloud.ran("gcloud pubsub subscriptions add-iam-policy-binding")
    assert "service-987654321012@gcp-sa-pubsub.iam.gserviceaccount.com" in agent
    assert f"-> done: {TRIGGER_SUBSCRIPTION}" in output


def test_deploy_stops_when_the_function_names_no_trigger(gcp_course):
    gcloud = ScriptedGcloud(
        {
            **SIGNED_IN,
            "gcloud projects describe": (0, "987654321012\n", ""),
            "gcloud iam service-accounts describe": (0, "1045276902183\n", ""),
            "gcloud functions describe": (0, "\n", ""),
        }
    )

    with pytest.raises(DeployError, match="printed no processor-trigger"):
        _deploy_gcp(gcp_course, gcloud)

    assert gcloud.ran("gcloud eventarc") == []
    assert gcloud.ran("gcloud pubsub subscriptions add-iam-policy-binding") == []


def test_a_second_deploy_skips_what_exists_and_restores_a_deleted_pool(gcp_course):
    gcloud = ScriptedGcloud(
        {
            **SIGNED_IN,
            **DEPLOYED,
            "gcloud projects describe": (0, "987654321012\n", ""),
            "gcloud iam workload-identity-pools describe": (0, "DELETED\n", ""),
            "gcloud iam workload-identity-pools providers describe": (
                0,
                "ACTIVE\n",
                "",
            ),
            "gcloud iam service-accounts describe": (0, "1045276902183\n", ""),
        }
    )

    output = _deploy_gcp(gcp_course, gcloud)

    assert gcloud.ran("gcloud pubsub topics create") == []
    assert len(gcloud.ran("gcloud pubsub topics update")) == 2
    assert gcloud.ran("gcloud pubsub subscriptions create") == []
    assert gcloud.ran("gcloud pubsub subscriptions update")
    assert gcloud.ran("gcloud iam service-accounts create") == []
    assert gcloud.ran("gcloud iam workload-identity-pools undelete")
    assert gcloud.ran("gcloud iam workload-identity-pools create ") == []
    assert gcloud.ran("gcloud iam workload-identity-pools providers update-aws")
    assert gcloud.ran("gcloud iam workload-identity-pools providers create-aws") == []
    assert "-> was soft-deleted: restored" in output


def test_a_failing_command_stops_the_run_with_gclouds_reason(gcp_course):
    gcloud = ScriptedGcloud(
        {
            **SIGNED_IN,
            "gcloud projects describe": (0, "987654321012\n", ""),
            "gcloud services enable": (
                1,
                "",
                "ERROR: (gcloud.services.enable) FAILED_PRECONDITION: Billing account "
                "for project '123' is not found.",
            ),
        }
    )

    with pytest.raises(DeployError, match="Billing account for project"):
        _deploy_gcp(gcp_course, gcloud)

    assert len(gcloud.ran("gcloud services enable")) == 1
    assert gcloud.ran("gcloud pubsub") == []


def test_without_a_signed_in_account_nothing_runs(gcp_course):
    gcloud = ScriptedGcloud({"gcloud auth list": (0, "", "")})

    with pytest.raises(DeployError, match="run `gcloud auth login`"):
        _deploy_gcp(gcp_course, gcloud)

    assert [call[:3] for call in gcloud.calls] == [["gcloud", "auth", "list"]]


def test_teardown_deletes_what_it_found_and_reports_it(gcp_course):
    p = gcp_course.prefix
    account = f"{p}-processor@course-project.iam.gserviceaccount.com"
    gcloud = ScriptedGcloud(
        {
            **SIGNED_IN,
            "gcloud functions list": (
                0,
                f"projects/course-project/locations/us-central1/functions/{p}-processor\n"
                "projects/course-project/locations/us-central1/functions/lab-notes\n",
                "",
            ),
            "gcloud pubsub subscriptions list": (
                0,
                f"projects/course-project/subscriptions/{p}-dead-letters\n",
                "",
            ),
            "gcloud pubsub topics list": (
                0,
                f"projects/course-project/topics/{p}-image-uploads\n"
                f"projects/course-project/topics/{p}-image-uploads-dead-letter\n",
                "",
            ),
            "gcloud iam service-accounts list": (0, f"{account}\n", ""),
            "gcloud iam service-accounts delete": (1, "", NOT_FOUND),
        }
    )

    output = gcp_course.run("teardown", "--gcp", gcloud=gcloud)

    deleted = gcloud.ran("gcloud functions delete")
    assert deleted == [
        f"gcloud functions delete {p}-processor --gen2 --region=us-central1 "
        "--project=course-project --quiet"
    ]
    assert len(gcloud.ran("gcloud pubsub topics delete")) == 2
    assert gcloud.ran("gcloud artifacts repositories delete") == []
    assert output.rstrip().endswith(
        "Removed:\n"
        f"  - Cloud Function {p}-processor\n"
        f"  - Pub/Sub subscription {p}-dead-letters\n"
        f"  - Pub/Sub topic {p}-image-uploads\n"
        f"  - Pub/Sub topic {p}-image-uploads-dead-letter\n"
        "  - local file $LAB_BUILD_DIR/gcp-wif-credentials.json"
    )
    assert "service account" in output and "-> nothing to remove" in output


def test_teardown_twice_finds_nothing_the_second_time(gcp_course):
    gcloud = ScriptedGcloud(SIGNED_IN)
    gcp_course.run("teardown", "--gcp", gcloud=gcloud)

    again = gcp_course.run("teardown", "--gcp", gcloud=gcloud)

    assert again.rstrip().endswith(
        "Nothing to remove: nothing carries the course's tag any more."
    )
    assert gcloud.ran("gcloud functions delete") == []


def test_deploy_aws_alone_says_how_to_skip_the_google_look_up(course):
    course.config.write_text(f'prefix = "{course.prefix}"\n')
    gcloud = ScriptedGcloud({"gcloud auth list": (0, "", "")})

    with pytest.raises(
        DeployError, match="set processor_unique_id in deploy.toml"
    ) as raised:
        course.deploy_aws(gcloud=gcloud)

    assert "run `gcloud auth login`" in str(raised.value)
    buckets = aws_client("s3").list_buckets()["Buckets"]
    assert course.bucket not in {bucket["Name"] for bucket in buckets}
