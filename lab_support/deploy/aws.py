"""The AWS half of deploy: roles, the ingest Lambda and its URL, as boto3 steps.

The bucket and the log group are in `aws_storage`; `aws_teardown`
removes it all again.
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
# Lambda says "The role defined for the function cannot be assumed by Lambda"
# until a new role has spread through IAM, usually within ten seconds.
ROLE_NOT_READY: Final = ("InvalidParameterValueException", "cannot be assumed")
PUBLIC_STATEMENTS: Final = ("public-function-url", "public-function-url-invoke")
# A public URL lets anyone invoke the function; at most this many run at once,
# which bounds what a flood of requests can spend.
PUBLIC_RESERVED_CONCURRENCY: Final = 5


@dataclass(frozen=True, kw_only=True)
class AwsStep(Step):
    """A boto3 call plus how to treat the answers a rerun or a slow cloud gives."""

    call: ApiCall
    cloud: str = "aws"
    # Error codes that mean "already there", and the calls that update it then.
    exists: tuple[str, ...] = ()
    if_exists: tuple[ApiCall, ...] = ()
    # Error codes that mean "nothing to remove" (a delete run twice).
    gone: tuple[str, ...] = ()
    # Error codes a learner must act on, with what to do.
    fail: Mapping[str, str] = field(default_factory=dict)
    # (error code, message part) that means "try again shortly".
    retry_on: tuple[str, str] = ("", "")
    # Lambda waiters to run after the call, and after each update call.
    wait: str = ""
    wait_updates: str = ""
    # JMESPath into the answer (all pages when `paginate`) for `produces`.
    pick: str = ""
    paginate: bool = False
    # A multi-call operation the runner knows by name (emptying a bucket).
    composite: str = ""
    # Skipped where the endpoint is plain HTTP, which the step would lock out.
    needs_tls: bool = False

    def render(self, number: int) -> str:
        text = super().render(number)
        if self.if_exists:
            calls = ", ".join(f"{c.service}.{c.operation}" for c in self.if_exists)
            text += f"\n    # if it exists: {calls}"
        return text


def tags(names: Names) -> list[dict[str, str]]:
    """The course tag as most AWS APIs take it: a list of Key/Value pairs."""
    return [{"Key": TAG_KEY, "Value": names.tag_value}]


def tag_map(names: Names) -> dict[str, str]:
    """The course tag as Lambda and CloudWatch Logs take it: a mapping."""
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
                    "Tags": tags(names),
                },
            ),
            exists=("EntityAlreadyExists",),
            if_exists=(
                ApiCall(
                    "iam",
                    "update_assume_role_policy",
                    {"RoleName": role, "PolicyDocument": JsonText(trust)},
                ),
                ApiCall("iam", "tag_role", {"RoleName": role, "Tags": tags(names)}),
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
                    "Tags": tag_map(names),
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
                        "Tags": tag_map(names),
                    },
                ),
            ),
            wait_updates="function_updated_v2",
        ),
        *([_concurrency_cap(function)] if public_url else []),
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


def _concurrency_cap(function: str) -> Step:
    # Set before the URL opens, so a public URL is never without the cap.
    return AwsStep(
        verb="configure",
        resource=f"{function}: reserved concurrency {PUBLIC_RESERVED_CONCURRENCY}",
        call=ApiCall(
            "lambda",
            "put_function_concurrency",
            {
                "FunctionName": function,
                "ReservedConcurrentExecutions": PUBLIC_RESERVED_CONCURRENCY,
            },
        ),
        note="caps the cost of anyone calling the public URL",
        fail={
            "InvalidParameterValueException": (
                f"Lambda refused to reserve {PUBLIC_RESERVED_CONCURRENCY} concurrent "
                "executions: the account's concurrency quota is too low (new "
                "accounts may have 10). Request a higher 'Concurrent executions' "
                "quota in Service Quotas, or deploy without --public-url"
            )
        },
    )


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
    # call the IAM-authenticated URL, so a private deploy removes it, and the
    # concurrency cap that came with it.
    revokes: list[Step] = [
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
    return [
        *revokes,
        AwsStep(
            verb="configure",
            resource=f"{function}: no reserved concurrency, if any was set",
            call=ApiCall(
                "lambda", "delete_function_concurrency", {"FunctionName": function}
            ),
            gone=("ResourceNotFoundException",),
        ),
    ]
