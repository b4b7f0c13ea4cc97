"""What every deployed resource is called and the tag that marks it as the course's.

Teardown finds resources by this tag (AWS) or label (Google Cloud), so the same
tag on everything is what lets it remove exactly what deploy made.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from lab_support.config import Settings

TAG_KEY: Final = "course"
# Google ID tokens the processor requests carry this audience (`aud`); the S3
# role's trust policy pins it as `accounts.google.com:oaud`.
TOKEN_AUDIENCE: Final = "sts.amazonaws.com"
# The WIF credential config inside the Lambda zip, and where Lambda unpacks it.
CREDENTIAL_FILE: Final = "gcp-wif-credentials.json"
CREDENTIAL_PATH_IN_LAMBDA: Final = f"/var/task/{CREDENTIAL_FILE}"


@dataclass(frozen=True)
class Names:
    """The course's resource names, derived from its prefix and project."""

    settings: Settings

    @property
    def prefix(self) -> str:
        return self.settings.prefix

    @property
    def tag_value(self) -> str:
        return self.settings.prefix

    @property
    def tag(self) -> str:
        return f"{TAG_KEY}={self.tag_value}"

    @property
    def description_marker(self) -> str:
        """Leads the description of resources that take no labels (service accounts)."""
        return f"{self.tag}:"

    # AWS

    @property
    def bucket(self) -> str:
        return self.settings.bucket

    @property
    def ingest_function(self) -> str:
        return self.settings.ingest_function_name

    @property
    def role_path(self) -> str:
        return f"/{self.prefix}/"

    @property
    def ingest_role(self) -> str:
        return f"{self.prefix}-ingest"

    @property
    def processor_role(self) -> str:
        return f"{self.prefix}-processor"

    @property
    def ingest_policy(self) -> str:
        return "ingest-least-privilege"

    @property
    def processor_policy(self) -> str:
        return "processor-write-results"

    @property
    def log_group(self) -> str:
        return f"/aws/lambda/{self.ingest_function}"

    @property
    def credential_parameter(self) -> str:
        """The SSM parameter earlier deploys wrote; teardown removes one it finds."""
        return f"/{self.prefix}/ingest/gcp-credential-config"

    def role_arn(self, account: str, role: str) -> str:
        return f"arn:aws:iam::{account}:role{self.role_path}{role}"

    def function_arn(self, region: str, account: str) -> str:
        return f"arn:aws:lambda:{region}:{account}:function:{self.ingest_function}"

    # Google Cloud

    @property
    def project(self) -> str:
        return self.settings.gcp_project

    @property
    def topic(self) -> str:
        return self.settings.topic

    @property
    def dead_letter_topic(self) -> str:
        return self.settings.dead_letter_topic

    @property
    def dead_letter_subscription(self) -> str:
        """The pull subscription on the dead-letter topic, to inspect what failed."""
        return self.settings.dead_letter_subscription

    @property
    def processor_function(self) -> str:
        return self.settings.processor_function_name

    @property
    def processor_account_id(self) -> str:
        return f"{self.prefix}-processor"

    @property
    def processor_account(self) -> str:
        return f"{self.processor_account_id}@{self.project}.iam.gserviceaccount.com"

    @property
    def repository(self) -> str:
        return f"{self.prefix}-functions"

    @property
    def pool(self) -> str:
        return f"{self.prefix}-pool"

    @property
    def provider(self) -> str:
        return f"{self.prefix}-aws"

    def pool_path(self, project_number: str) -> str:
        return (
            f"projects/{project_number}/locations/global/"
            f"workloadIdentityPools/{self.pool}"
        )

    def provider_path(self, project_number: str) -> str:
        return f"{self.pool_path(project_number)}/providers/{self.provider}"

    def pubsub_service_agent(self, project_number: str) -> str:
        """The identity Pub/Sub forwards dead letters as, Google-managed per project."""
        return f"service-{project_number}@gcp-sa-pubsub.iam.gserviceaccount.com"

    def ingest_principal_set(self, project_number: str) -> str:
        """Every session of the ingest role, as Google IAM sees it through WIF."""
        return (
            f"principalSet://iam.googleapis.com/{self.pool_path(project_number)}"
            f"/attribute.aws_role/{self.ingest_role}"
        )
