"""The exact gcloud commands deploy and teardown would run on Google Cloud."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab_support import function_code
from lab_support.cloud.resources import MAX_DELIVERY_ATTEMPTS
from lab_support.deploy import gcp, gcp_teardown
from lab_support.deploy.config import load
from lab_support.deploy.plan import Facts, LocalPath

ACCOUNT = "210987654321"
NUMBER = "987654321012"
UNIQUE_ID = "104527690218345678901"
SA = "cec-processor@course-project.iam.gserviceaccount.com"
PUBSUB_AGENT = f"service-{NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com"
TRIGGER = "projects/course-project/locations/europe-west1/triggers/cec-processor-512"
TRIGGER_SUBSCRIPTION = (
    "projects/course-project/subscriptions/eventarc-europe-west1-cec-processor-512-"
    "sub-088"
)


@pytest.fixture
def config(tmp_path, monkeypatch):
    for name in ("COURSE_PREFIX", "GOOGLE_CLOUD_PROJECT", "GOOGLE_CLOUD_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("LAB_BUILD_DIR", str(tmp_path / "build"))
    path = tmp_path / "deploy.toml"
    path.write_text(
        'prefix = "cec"\ngcp_project = "course-project"\ngcp_region = "europe-west1"\n'
    )
    return load(path)


@pytest.fixture
def facts():
    return Facts(
        {
            "aws-account-id": ACCOUNT,
            "gcp-project-number": NUMBER,
            "processor-unique-id": UNIQUE_ID,
        }
    )


def _by_resource(steps) -> dict[str, list[str]]:
    return {step.resource: step.call.args() for step in steps}


def test_identity_steps_enable_the_apis_the_pipeline_needs(config, facts):
    (enable, *_) = gcp.identity_steps(config, facts)

    assert enable.call.args() == [
        "gcloud",
        "services",
        "enable",
        "artifactregistry.googleapis.com",
        "cloudbuild.googleapis.com",
        "cloudfunctions.googleapis.com",
        "eventarc.googleapis.com",
        "iam.googleapis.com",
        "iamcredentials.googleapis.com",
        "logging.googleapis.com",
        "pubsub.googleapis.com",
        "run.googleapis.com",
        "sts.googleapis.com",
        "--project=course-project",
    ]


def test_topic_and_service_account_carry_the_course_label(config, facts):
    commands = _by_resource(gcp.identity_steps(config, facts))

    assert commands["Pub/Sub topic cec-image-uploads"] == [
        "gcloud",
        "pubsub",
        "topics",
        "create",
        "cec-image-uploads",
        "--labels=course=cec",
        "--project=course-project",
    ]
    assert commands["service account cec-processor"] == [
        "gcloud",
        "iam",
        "service-accounts",
        "create",
        "cec-processor",
        "--display-name=cec-processor runtime",
        "--description=course=cec: runs cec-processor and signs its ID tokens for AWS",
        "--project=course-project",
    ]
    assert commands["unique id of service account cec-processor"] == [
        "gcloud",
        "iam",
        "service-accounts",
        "describe",
        SA,
        "--format=value(uniqueId)",
        "--project=course-project",
    ]


def test_wif_provider_trusts_only_the_ingest_role_of_the_aws_account(config, facts):
    commands = _by_resource(gcp.identity_steps(config, facts))

    assert commands[f"WIF provider cec-aws (AWS account {ACCOUNT})"] == [
        "gcloud",
        "iam",
        "workload-identity-pools",
        "providers",
        "create-aws",
        "cec-aws",
        "--location=global",
        "--workload-identity-pool=cec-pool",
        f"--account-id={ACCOUNT}",
        "--attribute-mapping=google.subject=assertion.arn,"
        "attribute.aws_role=assertion.arn.extract('assumed-role/{role}/')",
        "--attribute-condition=assertion.arn.startsWith("
        f"'arn:aws:sts::{ACCOUNT}:assumed-role/cec-ingest/')",
        "--display-name=cec AWS ingest",
        "--description=course=cec: trusts only the cec-ingest AWS role",
        "--project=course-project",
    ]
    assert commands["workload identity pool cec-pool"] == [
        "gcloud",
        "iam",
        "workload-identity-pools",
        "create",
        "cec-pool",
        "--location=global",
        "--display-name=cec AWS ingest",
        "--description=course=cec: lets the cec-ingest Lambda publish without a key",
        "--project=course-project",
    ]


def test_only_the_ingest_roles_sessions_may_publish_to_the_topic(config, facts):
    commands = _by_resource(gcp.identity_steps(config, facts))

    grant = commands[
        "ingest role may publish to cec-image-uploads (roles/pubsub.publisher)"
    ]
    assert grant == [
        "gcloud",
        "pubsub",
        "topics",
        "add-iam-policy-binding",
        "cec-image-uploads",
        f"--member=principalSet://iam.googleapis.com/projects/{NUMBER}/locations/"
        "global/workloadIdentityPools/cec-pool/attribute.aws_role/cec-ingest",
        "--role=roles/pubsub.publisher",
        "--project=course-project",
    ]


def test_credential_config_is_written_for_aws_without_a_service_account_key(
    config, facts
):
    commands = _by_resource(gcp.identity_steps(config, facts))

    written = commands["WIF credential config for the Lambda (not a secret)"]
    assert written == [
        "gcloud",
        "iam",
        "workload-identity-pools",
        "create-cred-config",
        f"projects/{NUMBER}/locations/global/workloadIdentityPools/cec-pool/"
        "providers/cec-aws",
        "--aws",
        f"--output-file={config.build_dir / 'gcp-wif-credentials.json'}",
    ]
    assert not any("--service-account" in word for word in written)


def test_processor_deploys_as_a_2nd_gen_function_on_the_topic(config, facts, tmp_path):
    source = LocalPath(tmp_path / "build" / "processor", "$LAB_BUILD_DIR/processor")
    deploy, invoker = gcp.function_steps(config, facts, source)

    assert deploy.call.args() == [
        "gcloud",
        "functions",
        "deploy",
        "cec-processor",
        "--gen2",
        "--region=europe-west1",
        "--runtime=python313",
        f"--source={tmp_path / 'build' / 'processor'}",
        "--entry-point=process",
        "--trigger-topic=cec-image-uploads",
        "--retry",
        f"--service-account={SA}",
        f"--trigger-service-account={SA}",
        "--docker-repository=projects/course-project/locations/europe-west1/"
        "repositories/cec-functions",
        "--memory=512Mi",
        "--timeout=60s",
        "--max-instances=3",
        "--set-env-vars=RESULTS_BUCKET=cec-results,OUTPUT_FORMAT=JPEG,FIT_BOX=1024,"
        f"OPERATION=grayscale,AWS_REGION=eu-west-1,"
        f"AWS_ROLE_ARN=arn:aws:iam::{ACCOUNT}:role/cec/cec-processor,"
        "AWS_WEB_IDENTITY_AUDIENCE=sts.amazonaws.com",
        "--update-labels=course=cec",
        "--project=course-project",
        "--quiet",
    ]
    assert invoker.call.args() == [
        "gcloud",
        "functions",
        "add-invoker-policy-binding",
        "cec-processor",
        "--region=europe-west1",
        f"--member=serviceAccount:{SA}",
        "--project=course-project",
    ]


def test_dead_letter_topic_and_its_pull_subscription_carry_the_course_label(
    config, facts
):
    topic, subscription, grant, trigger = gcp.dead_letter_steps(config, facts)

    assert topic.call.args() == [
        "gcloud",
        "pubsub",
        "topics",
        "create",
        "cec-image-uploads-dead-letter",
        "--labels=course=cec",
        "--project=course-project",
    ]
    assert topic.if_exists[0].args()[3:6] == [
        "update",
        "cec-image-uploads-dead-letter",
        "--update-labels=course=cec",
    ]
    assert subscription.call.args() == [
        "gcloud",
        "pubsub",
        "subscriptions",
        "create",
        "cec-dead-letters",
        "--topic=cec-image-uploads-dead-letter",
        "--labels=course=cec",
        "--project=course-project",
    ]
    assert subscription.check.args()[:5] == [
        "gcloud",
        "pubsub",
        "subscriptions",
        "describe",
        "cec-dead-letters",
    ]
    assert grant.call.args() == [
        "gcloud",
        "pubsub",
        "topics",
        "add-iam-policy-binding",
        "cec-image-uploads-dead-letter",
        f"--member=serviceAccount:{PUBSUB_AGENT}",
        "--role=roles/pubsub.publisher",
        "--project=course-project",
    ]
    assert trigger.call.args() == [
        "gcloud",
        "functions",
        "describe",
        "cec-processor",
        "--gen2",
        "--region=europe-west1",
        "--format=value(eventTrigger.trigger)",
        "--project=course-project",
    ]
    assert trigger.produces == "processor-trigger"


def test_the_trigger_subscription_is_read_from_the_eventarc_trigger(facts):
    facts.set("processor-trigger", TRIGGER)

    lookup = gcp.trigger_subscription_lookup(facts)

    assert lookup.call.args() == [
        "gcloud",
        "eventarc",
        "triggers",
        "describe",
        TRIGGER,
        "--format=value(transport.pubsub.subscription)",
    ]
    assert lookup.produces == "trigger-subscription"


def test_trigger_subscription_dead_letters_after_5_attempts_with_backoff(config, facts):
    facts.set("trigger-subscription", TRIGGER_SUBSCRIPTION)

    update, grant = gcp.dead_letter_policy_steps(config, facts)

    assert update.call.args() == [
        "gcloud",
        "pubsub",
        "subscriptions",
        "update",
        TRIGGER_SUBSCRIPTION,
        "--dead-letter-topic=cec-image-uploads-dead-letter",
        "--max-delivery-attempts=5",
        "--min-retry-delay=10s",
        "--max-retry-delay=600s",
        "--project=course-project",
    ]
    assert grant.call.args() == [
        "gcloud",
        "pubsub",
        "subscriptions",
        "add-iam-policy-binding",
        TRIGGER_SUBSCRIPTION,
        f"--member=serviceAccount:{PUBSUB_AGENT}",
        "--role=roles/pubsub.subscriber",
        "--project=course-project",
    ]


def test_the_cloud_dead_letters_after_as_many_attempts_as_the_course_says():
    policy = function_code.load("processor", "delivery_policy")

    assert f"after {gcp.MAX_DELIVERY_ATTEMPTS} attempts moved to the dead-letter" in (
        policy.NACKED
    )
    assert gcp.MAX_DELIVERY_ATTEMPTS == MAX_DELIVERY_ATTEMPTS


def test_printed_commands_show_paths_the_way_a_reader_types_them(config, facts):
    source = LocalPath(Path("/somewhere/processor"), "$LAB_BUILD_DIR/processor")
    deploy, _ = gcp.function_steps(config, facts, source)

    assert "    --source=$LAB_BUILD_DIR/processor \\\n" in deploy.call.render()
    assert "--source=/somewhere/processor" in deploy.call.args()


def test_reruns_update_or_restore_what_exists(config, facts):
    steps = {step.resource: step for step in gcp.identity_steps(config, facts)}

    topic = steps["Pub/Sub topic cec-image-uploads"]
    assert topic.check.args()[:5] == [
        "gcloud",
        "pubsub",
        "topics",
        "describe",
        "cec-image-uploads",
    ]
    assert topic.if_exists[0].args()[3:6] == [
        "update",
        "cec-image-uploads",
        "--update-labels=course=cec",
    ]
    pool = steps["workload identity pool cec-pool"]
    assert pool.if_deleted[0].args()[:5] == [
        "gcloud",
        "iam",
        "workload-identity-pools",
        "undelete",
        "cec-pool",
    ]
    provider = steps[f"WIF provider cec-aws (AWS account {ACCOUNT})"]
    assert provider.if_exists[0].args()[4] == "update-aws"
    assert provider.if_exists[0].args()[8:11] == provider.call.args()[8:11]


def test_teardown_lists_by_label_and_deletes_only_the_names_deploy_makes(config, facts):
    facts.set(
        "functions",
        [
            "projects/course-project/locations/europe-west1/functions/cec-processor",
            "projects/course-project/locations/europe-west1/functions/lab-notes",
        ],
    )
    facts.set(
        "subscriptions",
        [
            "projects/course-project/subscriptions/cec-dead-letters",
            "projects/course-project/subscriptions/lab-notes-pull",
        ],
    )
    facts.set(
        "topics",
        [
            "projects/course-project/topics/cec-image-uploads",
            "projects/course-project/topics/cec-image-uploads-dead-letter",
        ],
    )
    facts.set("repositories", [])
    facts.set(
        "pools",
        ["projects/987654321012/locations/global/workloadIdentityPools/cec-pool"],
    )
    facts.set("service-accounts", [SA])

    deletes = [step.call.args() for step in gcp_teardown.delete_steps(config, facts)]

    assert deletes == [
        [
            "gcloud", "functions", "delete", "cec-processor", "--gen2",
            "--region=europe-west1", "--project=course-project", "--quiet",
        ],
        [
            "gcloud", "pubsub", "subscriptions", "delete", "cec-dead-letters",
            "--project=course-project", "--quiet",
        ],
        [
            "gcloud", "pubsub", "topics", "delete", "cec-image-uploads",
            "--project=course-project", "--quiet",
        ],
        [
            "gcloud", "pubsub", "topics", "delete", "cec-image-uploads-dead-letter",
            "--project=course-project", "--quiet",
        ],
        [
            "gcloud", "iam", "workload-identity-pools", "delete", "cec-pool",
            "--location=global", "--project=course-project", "--quiet",
        ],
        [
            "gcloud", "iam", "service-accounts", "delete", SA,
            "--project=course-project", "--quiet",
        ],
    ]  # fmt: skip


def test_teardown_finds_labelled_resources_and_marked_ones(config):
    finds = [step.call.args() for step in gcp_teardown.find_steps(config)]

    assert finds == [
        [
            "gcloud", "functions", "list", "--regions=europe-west1",
            "--filter=labels.course=cec", "--format=value(name)",
            "--project=course-project",
        ],
        [
            "gcloud", "pubsub", "subscriptions", "list", "--filter=labels.course=cec",
            "--format=value(name)", "--project=course-project",
        ],
        [
            "gcloud", "pubsub", "topics", "list", "--filter=labels.course=cec",
            "--format=value(name)", "--project=course-project",
        ],
        [
            "gcloud", "artifacts", "repositories", "list", "--location=europe-west1",
            "--filter=labels.course=cec", "--format=value(name)",
            "--project=course-project",
        ],
        [
            "gcloud", "iam", "workload-identity-pools", "list", "--location=global",
            "--filter=description~'^course=cec:'", "--format=value(name)",
            "--project=course-project",
        ],
        [
            "gcloud", "iam", "service-accounts", "list",
            "--filter=description~'^course=cec:'", "--format=value(email)",
            "--project=course-project",
        ],
    ]  # fmt: skip
