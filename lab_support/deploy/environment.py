"""The environment each deployed function starts with: the contract's variables.

The functions read these in `imagepipe.settings`; deploy sets the same names the
local cloud sets, with the cloud's values.
"""

from __future__ import annotations

from lab_support.deploy.config import DeployConfig
from lab_support.deploy.names import CREDENTIAL_PATH_IN_LAMBDA, TOKEN_AUDIENCE
from lab_support.deploy.plan import Facts


def ingest_environment(config: DeployConfig) -> dict[str, str]:
    """The ingest Lambda's environment (AWS_REGION is Lambda's own, not settable)."""
    names = config.names
    return {
        "PUBSUB_TOPIC": config.settings.topic_path,
        "RESULTS_BUCKET": names.bucket,
        "OUTPUT_FORMAT": config.output_format,
        "GOOGLE_CLOUD_PROJECT": names.project,
        "GOOGLE_APPLICATION_CREDENTIALS": CREDENTIAL_PATH_IN_LAMBDA,
    }


def processor_environment(config: DeployConfig, facts: Facts) -> dict[str, str]:
    """The processor's environment, with the role it exchanges its ID token for."""
    names = config.names
    return {
        "RESULTS_BUCKET": names.bucket,
        "OUTPUT_FORMAT": config.output_format,
        "FIT_BOX": config.fit_box,
        "OPERATION": config.operation,
        "AWS_REGION": config.settings.aws_region,
        "AWS_ROLE_ARN": names.role_arn(facts["aws-account-id"], names.processor_role),
        "AWS_WEB_IDENTITY_AUDIENCE": TOKEN_AUDIENCE,
    }
