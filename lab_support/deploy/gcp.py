"""The Google Cloud half of deploy and teardown, as gcloud command lines.

gcloud is the tool learners have and can rerun by hand, so every step here is a
command line a reader can copy. Deploy makes the topic, the processor's service
account, Workload Identity Federation for the ingest Lambda, an Artifact
Registry repository for the build, the 2nd gen function with its Eventarc
Pub/Sub trigger, and a dead-letter topic for the trigger's subscription;
`gcp_teardown` deletes them again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from lab_support.deploy.config import DeployConfig
from lab_support.deploy.environment import processor_environment
from lab_support.deploy.plan import Command, Facts, LocalPath, ShownArg, Step

# The APIs the pipeline uses: functions build with Cloud Build into Artifact
# Registry and run on Cloud Run; Eventarc makes the Pub/Sub trigger; IAM, STS
# and IAM credentials carry Workload Identity Federation.
SERVICES: Final = (
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
)
RUNTIME: Final = "python313"
ENTRY_POINT: Final = "process"
MEMORY: Final = "512Mi"
TIMEOUT: Final = "60s"
# A cap on parallel instances, so a burst of uploads cannot run up a bill.
MAX_INSTANCES: Final = "3"
PUBLISHER_ROLE: Final = "roles/pubsub.publisher"
SUBSCRIBER_ROLE: Final = "roles/pubsub.subscriber"
# The trigger subscription's dead-letter policy: what the processor's status
# policy (delivery_policy.NACKED) and the local cloud promise. 5 is Pub/Sub's
# lowest allowed count; the backoff flags replace --retry's 7 days of retries.
MAX_DELIVERY_ATTEMPTS: Final = 5
MIN_RETRY_DELAY: Final = "10s"
MAX_RETRY_DELAY: Final = "600s"
# Maps every STS session of an AWS role to one attribute, the role's name
# (Google Cloud IAM docs, "Configure Workload Identity Federation with AWS").
ATTRIBUTE_MAPPING: Final = (
    "google.subject=assertion.arn,"
    "attribute.aws_role=assertion.arn.extract('assumed-role/{role}/')"
)


@dataclass(frozen=True, kw_only=True)
class GcloudStep(Step):
    """A gcloud command plus how a rerun treats what already exists."""

    call: Command
    cloud: str = "gcp"
    check: Command | None = None
    if_exists: tuple[Command, ...] = ()
    if_deleted: tuple[Command, ...] = ()
    gone_ok: bool = False
    lines: bool = False
    attempts: int = 1

    def render(self, number: int) -> str:
        text = super().render(number)
        if self.if_deleted:
            text += "\n    # if soft-deleted: " + _one_line(self.if_deleted[0])
        if self.if_exists:
            text += "".join(
                "\n    # if it exists: " + _one_line(c) for c in self.if_exists
            )
        elif self.check is not None:
            text += "\n    # skipped if it exists"
        return text


def _one_line(command: Command) -> str:
    return command.render().replace(" \\\n    ", " ")


def gcloud_command(*argv: str | LocalPath | ShownArg) -> Command:
    """A gcloud command line from its words, `gcloud` first."""
    return Command(("gcloud", *argv))


def lookup_project_number(config: DeployConfig) -> GcloudStep:
    """WIF names carry the project number, which only Google knows."""
    project = config.names.project
    return GcloudStep(
        verb="look up",
        resource=f"number of project {project}",
        call=gcloud_command(
            "projects", "describe", project, "--format=value(projectNumber)"
        ),
        produces="gcp-project-number",
    )


def lookup_processor_id(config: DeployConfig) -> GcloudStep:
    """The service account's numeric unique id, which the S3 role's trust pins."""
    names = config.names
    return GcloudStep(
        verb="look up",
        resource=f"unique id of service account {names.processor_account_id}",
        call=gcloud_command(
            "iam",
            "service-accounts",
            "describe",
            names.processor_account,
            "--format=value(uniqueId)",
            f"--project={names.project}",
        ),
        produces="processor-unique-id",
        attempts=5,
    )


def topic_step(topic: str, tag: str, project: str) -> GcloudStep:
    """Create a labelled Pub/Sub topic, or re-label the one that exists."""
    return GcloudStep(
        verb="create",
        resource=f"Pub/Sub topic {topic}",
        tag=tag,
        call=gcloud_command(
            "pubsub", "topics", "create", topic, f"--labels={tag}", project
        ),
        check=gcloud_command(
            "pubsub", "topics", "describe", topic, "--format=value(name)", project
        ),
        if_exists=(
            gcloud_command(
                "pubsub", "topics", "update", topic, f"--update-labels={tag}", project
            ),
        ),
    )


def identity_steps(config: DeployConfig, facts: Facts) -> list[Step]:
    """APIs, the topic, the processor's identity, and WIF for the ingest Lambda."""
    names = config.names
    project = f"--project={names.project}"
    label = f"--labels={names.tag}"
    region = f"--location={config.gcp_region}"
    number = facts["gcp-project-number"]
    account_id = facts["aws-account-id"]
    marker = names.description_marker
    pool_flags = ("--location=global", f"--workload-identity-pool={names.pool}")
    provider_settings = (
        f"--account-id={account_id}",
        f"--attribute-mapping={ATTRIBUTE_MAPPING}",
        "--attribute-condition="
        f"assertion.arn.startsWith('arn:aws:sts::{account_id}:assumed-role/"
        f"{names.ingest_role}/')",
        f"--display-name={names.prefix} AWS ingest",
        f"--description={marker} trusts only the {names.ingest_role} AWS role",
    )
    provider_check = gcloud_command(
        "iam",
        "workload-identity-pools",
        "providers",
        "describe",
        names.provider,
        *pool_flags,
        "--format=value(state)",
        project,
    )
    return [
        GcloudStep(
            verb="enable",
            resource="the APIs the pipeline uses",
            call=gcloud_command("services", "enable", *SERVICES, project),
        ),
        topic_step(names.topic, names.tag, project),
        GcloudStep(
            verb="create",
            resource=f"service account {names.processor_account_id}",
            tag=f"{names.tag} in description",
            call=gcloud_command(
                "iam",
                "service-accounts",
                "create",
                names.processor_account_id,
                f"--display-name={names.processor_function} runtime",
                f"--description={marker} runs {names.processor_function} and signs "
                "its ID tokens for AWS",
                project,
            ),
            note="service accounts take no labels; the description carries the tag",
            check=gcloud_command(
                "iam",
                "service-accounts",
                "describe",
                names.processor_account,
                "--format=value(email)",
                project,
            ),
        ),
        lookup_processor_id(config),
        GcloudStep(
            verb="create",
            resource=f"Artifact Registry repository {names.repository}",
            tag=names.tag,
            call=gcloud_command(
                "artifacts",
                "repositories",
                "create",
                names.repository,
                "--repository-format=docker",
                region,
                f"--description={marker} build images of {names.processor_function}",
                label,
                project,
            ),
            check=gcloud_command(
                "artifacts",
                "repositories",
                "describe",
                names.repository,
                region,
                "--format=value(name)",
                project,
            ),
        ),
        GcloudStep(
            verb="create",
            resource=f"workload identity pool {names.pool}",
            tag=f"{names.tag} in description",
            call=gcloud_command(
                "iam",
                "workload-identity-pools",
                "create",
                names.pool,
                "--location=global",
                f"--display-name={names.prefix} AWS ingest",
                f"--description={marker} lets the {names.ingest_function} Lambda "
                "publish without a key",
                project,
            ),
            note="a deleted pool is kept 30 days under its name; deploy restores it",
            check=gcloud_command(
                "iam",
                "workload-identity-pools",
                "describe",
                names.pool,
                "--location=global",
                "--format=value(state)",
                project,
            ),
            if_deleted=(
                gcloud_command(
                    "iam",
                    "workload-identity-pools",
                    "undelete",
                    names.pool,
                    "--location=global",
                    project,
                ),
            ),
        ),
        GcloudStep(
            verb="create",
            resource=f"WIF provider {names.provider} (AWS account {account_id})",
            tag=f"{names.tag} in description",
            call=gcloud_command(
                "iam",
                "workload-identity-pools",
                "providers",
                "create-aws",
                names.provider,
                *pool_flags,
                *provider_settings,
                project,
            ),
            check=provider_check,
            if_deleted=(
                gcloud_command(
                    "iam",
                    "workload-identity-pools",
                    "providers",
                    "undelete",
                    names.provider,
                    *pool_flags,
                    project,
                ),
            ),
            if_exists=(
                gcloud_command(
                    "iam",
                    "workload-identity-pools",
                    "providers",
                    "update-aws",
                    names.provider,
                    *pool_flags,
                    *provider_settings,
                    project,
                ),
            ),
        ),
        GcloudStep(
            verb="grant",
            resource=f"ingest role may publish to {names.topic} ({PUBLISHER_ROLE})",
            call=gcloud_command(
                "pubsub",
                "topics",
                "add-iam-policy-binding",
                names.topic,
                f"--member={names.ingest_principal_set(number)}",
                f"--role={PUBLISHER_ROLE}",
                project,
            ),
        ),
        GcloudStep(
            verb="write",
            resource="WIF credential config for the Lambda (not a secret)",
            call=gcloud_command(
                "iam",
                "workload-identity-pools",
                "create-cred-config",
                names.provider_path(number),
                "--aws",
                config.local(config.credential_config).flag("--output-file"),
            ),
        ),
    ]


def function_steps(config: DeployConfig, facts: Facts, source: LocalPath) -> list[Step]:
    """The processor as a 2nd gen function with its Eventarc Pub/Sub trigger."""
    names = config.names
    project = f"--project={names.project}"
    region = f"--region={config.gcp_region}"
    environment = processor_environment(config, facts)
    repository = (
        f"projects/{names.project}/locations/{config.gcp_region}/"
        f"repositories/{names.repository}"
    )
    return [
        GcloudStep(
            verb="deploy",
            resource=f"Cloud Function {names.processor_function} (2nd gen, Pub/Sub "
            "trigger)",
            tag=names.tag,
            call=gcloud_command(
                "functions",
                "deploy",
                names.processor_function,
                "--gen2",
                region,
                f"--runtime={RUNTIME}",
                source.flag("--source"),
                f"--entry-point={ENTRY_POINT}",
                f"--trigger-topic={names.topic}",
                "--retry",
                f"--service-account={names.processor_account}",
                f"--trigger-service-account={names.processor_account}",
                f"--docker-repository={repository}",
                f"--memory={MEMORY}",
                f"--timeout={TIMEOUT}",
                f"--max-instances={MAX_INSTANCES}",
                "--set-env-vars="
                + ",".join(f"{key}={value}" for key, value in environment.items()),
                f"--update-labels={names.tag}",
                project,
                "--quiet",
            ),
            note="takes 2 to 4 minutes: Cloud Build builds the image, then Eventarc "
            "wires the trigger",
        ),
        GcloudStep(
            verb="grant",
            resource=f"the trigger's identity may invoke {names.processor_function}",
            call=gcloud_command(
                "functions",
                "add-invoker-policy-binding",
                names.processor_function,
                region,
                f"--member=serviceAccount:{names.processor_account}",
                project,
            ),
        ),
    ]


def dead_letter_steps(config: DeployConfig, facts: Facts) -> list[Step]:
    """The dead-letter topic, a pull subscription to inspect it, and the trigger."""
    names = config.names
    project = f"--project={names.project}"
    label = f"--labels={names.tag}"
    update_label = f"--update-labels={names.tag}"
    agent = names.pubsub_service_agent(facts["gcp-project-number"])
    return [
        topic_step(names.dead_letter_topic, names.tag, project),
        GcloudStep(
            verb="create",
            resource=f"Pub/Sub subscription {names.dead_letter_subscription} (pull: "
            "read dead letters here)",
            tag=names.tag,
            call=gcloud_command(
                "pubsub",
                "subscriptions",
                "create",
                names.dead_letter_subscription,
                f"--topic={names.dead_letter_topic}",
                label,
                project,
            ),
            check=gcloud_command(
                "pubsub",
                "subscriptions",
                "describe",
                names.dead_letter_subscription,
                "--format=value(name)",
                project,
            ),
            if_exists=(
                gcloud_command(
                    "pubsub",
                    "subscriptions",
                    "update",
                    names.dead_letter_subscription,
                    update_label,
                    project,
                ),
            ),
        ),
        GcloudStep(
            verb="grant",
            resource=f"Pub/Sub service agent may publish to {names.dead_letter_topic} "
            f"({PUBLISHER_ROLE})",
            call=gcloud_command(
                "pubsub",
                "topics",
                "add-iam-policy-binding",
                names.dead_letter_topic,
                f"--member=serviceAccount:{agent}",
                f"--role={PUBLISHER_ROLE}",
                project,
            ),
            note="Pub/Sub moves a dead letter as this Google-managed identity",
        ),
        GcloudStep(
            verb="look up",
            resource=f"Eventarc trigger of {names.processor_function}",
            call=gcloud_command(
                "functions",
                "describe",
                names.processor_function,
                "--gen2",
                f"--region={config.gcp_region}",
                "--format=value(eventTrigger.trigger)",
                project,
            ),
            produces="processor-trigger",
        ),
    ]


def trigger_subscription_lookup(facts: Facts) -> GcloudStep:
    """Eventarc makes and names the push subscription; only it can say which."""
    return GcloudStep(
        verb="look up",
        resource="Pub/Sub subscription of the trigger",
        call=gcloud_command(
            "eventarc",
            "triggers",
            "describe",
            facts["processor-trigger"],
            "--format=value(transport.pubsub.subscription)",
        ),
        produces="trigger-subscription",
    )


def dead_letter_policy_steps(config: DeployConfig, facts: Facts) -> list[Step]:
    """After 5 failed deliveries a message moves to the dead-letter topic."""
    names = config.names
    project = f"--project={names.project}"
    subscription = facts["trigger-subscription"]
    agent = names.pubsub_service_agent(facts["gcp-project-number"])
    return [
        GcloudStep(
            verb="configure",
            resource=f"trigger subscription: dead letters to {names.dead_letter_topic} "
            f"after {MAX_DELIVERY_ATTEMPTS} attempts",
            call=gcloud_command(
                "pubsub",
                "subscriptions",
                "update",
                subscription,
                f"--dead-letter-topic={names.dead_letter_topic}",
                f"--max-delivery-attempts={MAX_DELIVERY_ATTEMPTS}",
                f"--min-retry-delay={MIN_RETRY_DELAY}",
                f"--max-retry-delay={MAX_RETRY_DELAY}",
                project,
            ),
            note=f"redelivered {MIN_RETRY_DELAY} to {MAX_RETRY_DELAY} apart; a "
            "redeploy runs this again",
        ),
        GcloudStep(
            verb="grant",
            resource="Pub/Sub service agent may ack on the trigger subscription "
            f"({SUBSCRIBER_ROLE})",
            call=gcloud_command(
                "pubsub",
                "subscriptions",
                "add-iam-policy-binding",
                subscription,
                f"--member=serviceAccount:{agent}",
                f"--role={SUBSCRIBER_ROLE}",
                project,
            ),
            note="it acks a message there once it has moved it to the dead-letter "
            "topic",
        ),
    ]
