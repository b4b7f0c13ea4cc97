"""The AWS half of deploy and teardown: the boto3 calls, in order, as plan steps.

Deploy makes the results bucket, the ingest function's log group and config
parameter, one least-privilege role per function, the ingest Lambda and its
Function URL. Teardown finds what carries the course tag and removes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from lab_support.deploy import policies
from lab_support.deploy.config import DeployConfig
from lab_support.deploy.environment import ingest_environment
from lab_support.deploy.names import TAG_KEY, Names
from lab_support.deploy.plan import ApiCall, Facts, FileContent, JsonText, Step

LAMBDA_RUNTIME: Final = "python3.13"
LAMBDA_ARCHITECTURE: Final = "arm64"
LAMBDA_HANDLER: Final = "handler.handler"
LAMBDA_TIMEOUT_S: Final = 30
LAMBDA_MEMORY_MB: Final = 512
RESULT_LIFETIME_DAYS: Final = 3
LOG_RETENTION_DAYS: Final = 7
# Lambda says "The role defined for the function cannot be assumed by Lambda"
# until a new role has spread through IAM, usually within ten seconds.
ROLE_NOT_READY: Final = ("InvalidParameterValueException", "cannot be assumed")
PUBLIC_STATEMENTS: Final = ("public-function-url", "public-function-url-invoke")
# Services teardown asks the tagging API about (IAM roles are listed apart).
# Whole services, not "logs:log-group": moto files log groups under "logs".
TAGGED_TYPES: Final = ("lambda", "logs", "ssm", "s3")


@dataclass(frozen=True, kw_only=True)
class AwsStep(Step):
    """A boto3 call plus how to treat the answers a rerun or a slow cloud gives."""

    call: ApiCall
    cloud: str = "aws"
    exists: tuple[str, ...] = ()
    if_exists: tuple[ApiCall, ...] = ()
    gone: tuple[str, ...] = ()
    fail: Mapping[str, str] = field(default_factory=dict)
    retry_on: tuple[str, str] = ("", "")
    wait: str = ""
    wait_updates: str = ""
    pick: str = ""
    paginate: bool = False
    composite: str = ""
    needs_tls: bool = False

    def render(self, number: int) -> str:
        text = super().render(number)
        if self.if_exists:
            calls = ", ".join(f"{c.service}.{c.operation}" for c in self.if_exists)
            text += f"\n    # if it exists: {calls}"
        return text


def _tags(names: Names) -> list[dict[str, str]]:
    return [{"Key": TAG_KEY, "Value": names.tag_value}]


def _tag_map(names: Names) -> dict[str, str]:
    return {TAG_KEY: names.tag_value}


def lookup_account() -> AwsStep:
    """Ask STS which account the credentials belong to (a read, creates nothing)."""
    return AwsStep(
        verb="look up",
        resource="AWS account id",
        call=ApiCall("sts", "get_caller_identity"),
        produces="aws-account-id",
        pick="Account",
    )


def bucket_steps(config: DeployConfig) -> list[Step]:
    """The results bucket: private, TLS only, objects expiring after a few days."""
    names = config.names
    bucket = names.bucket
    create: dict[str, object] = {"Bucket": bucket}
    if config.settings.aws_region != "us-east-1":
        create["CreateBucketConfiguration"] = {
            "LocationConstraint": config.settings.aws_region
        }
    resource = f"S3 bucket {bucket}"
    block_all = {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    lifecycle = {
        "Rules": [
            {
                "ID": f"{names.prefix}-expire-course-objects",
                "Status": "Enabled",
                "Filter": {"Prefix": ""},
                "Expiration": {"Days": RESULT_LIFETIME_DAYS},
                "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
            }
        ]
    }
    return [
        AwsStep(
            verb="create",
            resource=resource,
            tag=names.tag,
            call=ApiCall("s3", "create_bucket", create),
            exists=("BucketAlreadyOwnedByYou",),
            fail={
                "BucketAlreadyExists": (
                    f"S3 bucket {bucket} belongs to another AWS account (bucket "
                    "names are global): choose another COURSE_PREFIX, for example "
                    f"{names.prefix}-{config.settings.aws_region[:2]}7"
                )
            },
        ),
        AwsStep(
            verb="configure",
            resource=f"{resource}: all four public-access blocks on",
            call=ApiCall(
                "s3",
                "put_public_access_block",
                {"Bucket": bucket, "PublicAccessBlockConfiguration": block_all},
            ),
        ),
        AwsStep(
            verb="configure",
            resource=f"{resource}: ACLs off, owner owns all objects",
            call=ApiCall(
                "s3",
                "put_bucket_ownership_controls",
                {
                    "Bucket": bucket,
                    "OwnershipControls": {
                        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]
                    },
                },
            ),
        ),
        AwsStep(
            verb="configure",
            resource=f"{resource}: objects expire after {RESULT_LIFETIME_DAYS} days",
            call=ApiCall(
                "s3",
                "put_bucket_lifecycle_configuration",
                {"Bucket": bucket, "LifecycleConfiguration": lifecycle},
            ),
        ),
        AwsStep(
            verb="configure",
            resource=f"{resource}: requests over TLS only",
            call=ApiCall(
                "s3",
                "put_bucket_policy",
                {
                    "Bucket": bucket,
                    "Policy": JsonText(policies.bucket_tls_only(bucket)),
                },
            ),
            needs_tls=True,
        ),
        AwsStep(
            verb="tag",
            resource=resource,
            tag=names.tag,
            call=ApiCall(
                "s3",
                "put_bucket_tagging",
                {"Bucket": bucket, "Tagging": {"TagSet": _tags(names)}},
            ),
        ),
    ]


def ingest_config_steps(config: DeployConfig, facts: Facts) -> list[Step]:
    """The ingest function's log group (so teardown can remove it) and its config."""
    names = config.names
    region = config.settings.aws_region
    log_group_arn = (
        f"arn:aws:logs:{region}:{facts['aws-account-id']}:log-group:{names.log_group}"
    )
    credential = FileContent(config.local(config.credential_config), text=True)
    parameter = {
        "Name": names.credential_parameter,
        "Description": "How the ingest Lambda reaches Pub/Sub via WIF; not a secret",
        "Value": credential,
        "Type": "String",
    }
    return [
        AwsStep(
            verb="create",
            resource=f"CloudWatch log group {names.log_group}",
            tag=names.tag,
            call=ApiCall(
                "logs",
                "create_log_group",
                {"logGroupName": names.log_group, "tags": _tag_map(names)},
            ),
            exists=("ResourceAlreadyExistsException",),
            if_exists=(
                ApiCall(
                    "logs",
                    "tag_resource",
                    {"resourceArn": log_group_arn, "tags": _tag_map(names)},
                ),
            ),
        ),
        AwsStep(
            verb="configure",
            resource=f"log group {names.log_group}: keep {LOG_RETENTION_DAYS} days",
            call=ApiCall(
                "logs",
                "put_retention_policy",
                {
                    "logGroupName": names.log_group,
                    "retentionInDays": LOG_RETENTION_DAYS,
                },
            ),
        ),
        AwsStep(
            verb="create",
            resource=f"SSM parameter {names.credential_parameter}",
            tag=names.tag,
            call=ApiCall("ssm", "put_parameter", {**parameter, "Tags": _tags(names)}),
            exists=("ParameterAlreadyExists",),
            if_exists=(
                ApiCall("ssm", "put_parameter", {**parameter, "Overwrite": True}),
                ApiCall(
                    "ssm",
                    "add_tags_to_resource",
                    {
                        "ResourceType": "Parameter",
                        "ResourceId": names.credential_parameter,
                        "Tags": _tags(names),
                    },
                ),
            ),
        ),
    ]


def _role_steps(
    names: Names, role: str, trust: dict, policy_name: str, policy: dict, text: str
) -> list[Step]:
    return [
        AwsStep(
            verb="create",
            resource=f"IAM role {names.role_path}{role}",
            tag=names.tag,
            call=ApiCall(
                "iam",
                "create_role",
                {
                    "RoleName": role,
                    "Path": names.role_path,
                    "Description": text,
                    "AssumeRolePolicyDocument": JsonText(trust),
                    "Tags": _tags(names),
                },
            ),
            exists=("EntityAlreadyExists",),
            if_exists=(
                ApiCall(
                    "iam",
                    "update_assume_role_policy",
                    {"RoleName": role, "PolicyDocument": JsonText(trust)},
                ),
                ApiCall("iam", "tag_role", {"RoleName": role, "Tags": _tags(names)}),
            ),
        ),
        AwsStep(
            verb="grant",
            resource=f"IAM role {role}: policy {policy_name}",
            call=ApiCall(
                "iam",
                "put_role_policy",
                {
                    "RoleName": role,
                    "PolicyName": policy_name,
                    "PolicyDocument": JsonText(policy),
                },
            ),
        ),
    ]


def role_steps(config: DeployConfig, facts: Facts) -> list[Step]:
    """One role per function, each allowed only what that function does."""
    names = config.names
    account = facts["aws-account-id"]
    region = config.settings.aws_region
    return [
        *_role_steps(
            names,
            names.ingest_role,
            policies.ingest_trust(),
            names.ingest_policy,
            policies.ingest_permissions(names, region, account),
            "Runs the ingest Lambda; publishes to Pub/Sub through WIF, not a key",
        ),
        *_role_steps(
            names,
            names.processor_role,
            policies.processor_trust(facts["processor-unique-id"]),
            names.processor_policy,
            policies.processor_permissions(names),
            "Assumed by the processor Cloud Function with its Google ID token",
        ),
    ]


def function_steps(config: DeployConfig, facts: Facts, public_url: bool) -> list[Step]:
    """The ingest Lambda from the bundle zip, then its Function URL."""
    names = config.names
    region = config.settings.aws_region
    account = facts["aws-account-id"]
    function = names.ingest_function
    settings = {
        "FunctionName": function,
        "Role": names.role_arn(account, names.ingest_role),
        "Runtime": LAMBDA_RUNTIME,
        "Handler": LAMBDA_HANDLER,
        "Description": "CloudEvents course: wraps an uploaded image in a CloudEvent",
        "Timeout": LAMBDA_TIMEOUT_S,
        "MemorySize": LAMBDA_MEMORY_MB,
        "Environment": {"Variables": ingest_environment(config)},
    }
    code = FileContent(config.local(config.lambda_bundle))
    auth = "NONE" if public_url else "AWS_IAM"
    steps: list[Step] = [
        AwsStep(
            verb="create",
            resource=f"Lambda function {function} ({LAMBDA_RUNTIME}, "
            f"{LAMBDA_ARCHITECTURE})",
            tag=names.tag,
            call=ApiCall(
                "lambda",
                "create_function",
                {
                    **settings,
                    "Architectures": [LAMBDA_ARCHITECTURE],
                    "Code": {"ZipFile": code},
                    "Tags": _tag_map(names),
                },
            ),
            note="retried while IAM spreads the new role; then waits until Active",
            retry_on=ROLE_NOT_READY,
            wait="function_active_v2",
            exists=("ResourceConflictException",),
            if_exists=(
                ApiCall(
                    "lambda",
                    "update_function_code",
                    {
                        "FunctionName": function,
                        "ZipFile": code,
                        "Architectures": [LAMBDA_ARCHITECTURE],
                    },
                ),
                ApiCall("lambda", "update_function_configuration", settings),
                ApiCall(
                    "lambda",
                    "tag_resource",
                    {
                        "Resource": names.function_arn(region, account),
                        "Tags": _tag_map(names),
                    },
                ),
            ),
            wait_updates="function_updated_v2",
        ),
        AwsStep(
            verb="create",
            resource=f"Function URL of {function} (auth {auth})",
            call=ApiCall(
                "lambda",
                "create_function_url_config",
                {"FunctionName": function, "AuthType": auth},
            ),
            exists=("ResourceConflictException",),
            if_exists=(
                ApiCall(
                    "lambda",
                    "update_function_url_config",
                    {"FunctionName": function, "AuthType": auth},
                ),
            ),
            produces="function-url",
            pick="FunctionUrl",
        ),
    ]
    return steps + (_public_steps(function) if public_url else _private_steps(function))


def _public_steps(function: str) -> list[Step]:
    # Since October 2025 a public Function URL needs both permissions
    # (Lambda Developer Guide, "Control access to Lambda function URLs").
    url_only, invoke = PUBLIC_STATEMENTS
    return [
        AwsStep(
            verb="grant",
            resource=f"{function}: anyone may call the Function URL",
            call=ApiCall(
                "lambda",
                "add_permission",
                {
                    "FunctionName": function,
                    "StatementId": url_only,
                    "Action": "lambda:InvokeFunctionUrl",
                    "Principal": "*",
                    "FunctionUrlAuthType": "NONE",
                },
            ),
            exists=("ResourceConflictException",),
        ),
        AwsStep(
            verb="grant",
            resource=f"{function}: anyone may invoke it through the URL",
            call=ApiCall(
                "lambda",
                "add_permission",
                {
                    "FunctionName": function,
                    "StatementId": invoke,
                    "Action": "lambda:InvokeFunction",
                    "Principal": "*",
                    "InvokedViaFunctionUrl": True,
                },
            ),
            exists=("ResourceConflictException",),
        ),
    ]


def _private_steps(function: str) -> list[Step]:
    # A statement left by an earlier --public-url run would let any AWS account
    # call the IAM-authenticated URL, so a private deploy removes it.
    return [
        AwsStep(
            verb="revoke",
            resource=f"{function}: {statement} statement, if any",
            call=ApiCall(
                "lambda",
                "remove_permission",
                {"FunctionName": function, "StatementId": statement},
            ),
            gone=("ResourceNotFoundException",),
        )
        for statement in PUBLIC_STATEMENTS
    ]


# Teardown


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
        f"arn:aws:ssm:{region}:{account}:parameter{names.credential_parameter}",
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
