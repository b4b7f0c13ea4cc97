"""The processor's identity in the local cloud: a service account and the S3 role.

Deploy gives the processor a Google service account and an AWS role that trusts
only that account's ID tokens. The local cloud makes the same role, with the same
trust and permission documents, in moto's IAM under the local account, and runs a
metadata-server stand-in that issues the account's (unsigned) ID token, so the
processor makes the real exchange against moto's STS.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Final

from lab_support.config import Settings

if TYPE_CHECKING:
    from lab_support.deploy.names import Names

# moto keeps every local resource in this account (MOTO_ACCOUNT_ID on its server);
# the local Lambda's ARN names it too.
LOCAL_ACCOUNT: Final = "000000000000"
# A Google service account's numeric unique id: the ID token's `sub` and `azp`.
SERVICE_ACCOUNT_ID: Final = "000000000000000000001"


def _names(settings: Settings) -> Names:
    # Imported here: `lab_support.deploy` loads more than `status` needs.
    from lab_support.deploy.names import Names

    return Names(settings)


def service_account(settings: Settings) -> str:
    """The processor's service account email, as deploy names it."""
    return _names(settings).processor_account


def processor_role_arn(settings: Settings) -> str:
    """The S3 role the processor assumes, in the local account."""
    names = _names(settings)
    return names.role_arn(LOCAL_ACCOUNT, names.processor_role)


def processor_environment(settings: Settings, metadata_host: str) -> dict[str, str]:
    """What deploy sets on the Cloud Function, plus where the local metadata is."""
    # Limitation: moto's STS checks neither the token's signature nor the role's
    # trust conditions, so locally the exchange always succeeds; on AWS a token
    # of any other service account, or with another audience, is refused.
    from lab_support.deploy.names import TOKEN_AUDIENCE

    return {
        "AWS_ROLE_ARN": processor_role_arn(settings),
        "AWS_WEB_IDENTITY_AUDIENCE": TOKEN_AUDIENCE,
        "GCE_METADATA_HOST": metadata_host,
    }


def create_processor_role(endpoint: str, settings: Settings) -> str:
    """Create the processor's role in moto, as deploy does, unless it exists."""
    import boto3

    from lab_support.cloud.services import DUMMY_CREDENTIALS
    from lab_support.deploy import policies

    names = _names(settings)
    iam = boto3.client(
        "iam",
        endpoint_url=endpoint,
        region_name=settings.aws_region,
        aws_access_key_id=DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=DUMMY_CREDENTIALS["AWS_SESSION_TOKEN"],
    )
    trust = policies.processor_trust(SERVICE_ACCOUNT_ID)
    try:
        iam.create_role(
            RoleName=names.processor_role,
            Path=names.role_path,
            AssumeRolePolicyDocument=json.dumps(trust),
        )
    except iam.exceptions.EntityAlreadyExistsException:
        iam.update_assume_role_policy(
            RoleName=names.processor_role, PolicyDocument=json.dumps(trust)
        )
    iam.put_role_policy(
        RoleName=names.processor_role,
        PolicyName=names.processor_policy,
        PolicyDocument=json.dumps(policies.processor_permissions(names)),
    )
    return processor_role_arn(settings)
