"""The AWS half of teardown: find what carries the course tag, then remove it.

Only resources that are both tagged with the course's tag and named as deploy
names them are removed, so a learner's own resources stay where they are.
"""

from __future__ import annotations

from typing import Final

from lab_support.deploy.aws import AwsStep
from lab_support.deploy.config import DeployConfig
from lab_support.deploy.names import TAG_KEY, Names
from lab_support.deploy.plan import ApiCall, Facts, Step

# Services teardown asks the tagging API about (IAM roles are listed apart).
# Whole services, not "logs:log-group": moto files log groups under "logs".
TAGGED_TYPES: Final = ("lambda", "logs", "ssm", "s3")


def find_steps(config: DeployConfig) -> list[Step]:
    """Ask for everything tagged with the course's tag, and for its IAM roles."""
    names = config.names
    return [
        AwsStep(
            verb="find",
            resource=f"resources with {names.tag} in {config.settings.aws_region}",
            call=ApiCall(
                "resourcegroupstaggingapi",
                "get_resources",
                {
                    "TagFilters": [{"Key": TAG_KEY, "Values": [names.tag_value]}],
                    "ResourceTypeFilters": list(TAGGED_TYPES),
                },
            ),
            produces="tagged-resources",
            pick="ResourceTagMappingList[].ResourceARN",
            paginate=True,
        ),
        AwsStep(
            verb="find",
            resource=f"IAM roles under {names.role_path}",
            call=ApiCall("iam", "list_roles", {"PathPrefix": names.role_path}),
            produces="roles-under-path",
            pick="Roles[].RoleName",
            paginate=True,
        ),
    ]


def _course_roles(names: Names) -> list[str]:
    return [names.ingest_role, names.processor_role]


def role_tag_steps(config: DeployConfig, facts: Facts) -> list[Step]:
    """Read each found role's tags (ListRoles does not return them)."""
    names = config.names
    roles = facts.get("roles-under-path", _course_roles(names))
    return [
        AwsStep(
            verb="find",
            resource=f"tags of role {role}",
            call=ApiCall("iam", "list_role_tags", {"RoleName": role}),
            produces=f"tag-of-{role}",
            pick=f"Tags[?Key=='{TAG_KEY}'].Value | [0]",
        )
        for role in roles
    ]


def expected_arns(config: DeployConfig, facts: Facts) -> list[str]:
    """The ARNs deploy makes, which a dry run shows in place of what a run finds."""
    names = config.names
    region = config.settings.aws_region
    account = facts["aws-account-id"]
    return [
        names.function_arn(region, account),
        f"arn:aws:logs:{region}:{account}:log-group:{names.log_group}",
        f"arn:aws:s3:::{names.bucket}",
    ]


def _delete_for_arn(names: Names, arn: str) -> list[Step]:
    """The calls that remove one found resource, if its name is one deploy makes."""
    if arn == f"arn:aws:s3:::{names.bucket}":
        return _bucket_delete(names.bucket)
    _, _, name = arn.partition(":function:")
    if name == names.ingest_function:
        return [
            AwsStep(
                verb="delete",
                resource=f"Lambda function {name}",
                call=ApiCall("lambda", "delete_function", {"FunctionName": name}),
                note="its Function URL and permissions go with it",
                gone=("ResourceNotFoundException",),
            )
        ]
    _, _, group = arn.partition(":log-group:")
    if group.removesuffix(":*") == names.log_group:
        return [
            AwsStep(
                verb="delete",
                resource=f"CloudWatch log group {names.log_group}",
                call=ApiCall(
                    "logs", "delete_log_group", {"logGroupName": names.log_group}
                ),
                gone=("ResourceNotFoundException",),
            )
        ]
    # Deploy no longer writes this parameter (the Lambda reads the credential
    # config from its zip), but one left by an earlier deploy is removed.
    _, _, parameter = arn.partition(":parameter")
    if parameter == names.credential_parameter:
        return [
            AwsStep(
                verb="delete",
                resource=f"SSM parameter {parameter}",
                call=ApiCall("ssm", "delete_parameter", {"Name": parameter}),
                gone=("ParameterNotFound",),
            )
        ]
    return []


def _bucket_delete(bucket: str) -> list[Step]:
    return [
        AwsStep(
            verb="empty",
            resource=f"S3 bucket {bucket}: every object and version",
            call=ApiCall(
                "s3",
                "delete_objects",
                {"Bucket": bucket},
                display=(
                    f"s3.list_object_versions(Bucket={bucket!r})\n"
                    f"s3.delete_objects(Bucket={bucket!r}, Delete={{'Objects': "
                    "[each key and version]})  # per page of 1000"
                ),
            ),
            composite="empty_bucket",
            gone=("NoSuchBucket",),
        ),
        AwsStep(
            verb="delete",
            resource=f"S3 bucket {bucket}",
            call=ApiCall("s3", "delete_bucket", {"Bucket": bucket}),
            gone=("NoSuchBucket",),
        ),
    ]


def _role_delete(names: Names, role: str) -> list[Step]:
    policy = {
        names.ingest_role: names.ingest_policy,
        names.processor_role: names.processor_policy,
    }[role]
    return [
        AwsStep(
            verb="delete",
            resource=f"IAM role {role}: policy {policy}",
            call=ApiCall(
                "iam", "delete_role_policy", {"RoleName": role, "PolicyName": policy}
            ),
            gone=("NoSuchEntity",),
        ),
        AwsStep(
            verb="delete",
            resource=f"IAM role {names.role_path}{role}",
            call=ApiCall("iam", "delete_role", {"RoleName": role}),
            gone=("NoSuchEntity",),
            fail={
                "DeleteConflict": (
                    f"IAM role {role} has policies deploy did not attach: detach "
                    "them in the IAM console, then run teardown again"
                )
            },
        ),
    ]


def delete_steps(config: DeployConfig, facts: Facts) -> list[Step]:
    """Remove what was found: tagged and named as deploy names it, nothing else."""
    names = config.names
    arns = facts.get("tagged-resources", expected_arns(config, facts))
    # The function goes first, so nothing writes while the rest is removed.
    order = ("lambda", "logs", "ssm", "s3")
    arns = sorted(
        (arn for arn in arns if arn.split(":")[2] in order),
        key=lambda arn: (order.index(arn.split(":")[2]), arn),
    )
    found = [step for arn in arns for step in _delete_for_arn(names, arn)]

    roles = facts.get("roles-under-path", _course_roles(names))
    tagged = [
        role
        for role in _course_roles(names)
        if role in roles
        and facts.get(f"tag-of-{role}", names.tag_value) == names.tag_value
    ]
    return found + [step for role in tagged for step in _role_delete(names, role)]
