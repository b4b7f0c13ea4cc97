"""Making the plan's calls for real: boto3 for AWS steps, gcloud for Google's.

Each step reports one outcome line; a rerun treats "already exists" and
"already gone" as success, so deploy and teardown can both run twice.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Sequence
from typing import Any, Final, TextIO

import boto3
import jmespath
from botocore.exceptions import ClientError, WaiterError

from lab_support.deploy.aws import AwsStep
from lab_support.deploy.config import KNOWN_FACTS, DeployError
from lab_support.deploy.gcp import GcloudStep
from lab_support.deploy.plan import (
    ApiCall,
    Facts,
    LocalAction,
    Step,
    resolve,
    unresolved,
)

Gcloud = Callable[[Sequence[str]], subprocess.CompletedProcess]
# Waits between create_function attempts while IAM spreads a new role: about
# a minute in all, after which the role is surely broken, not slow.
ROLE_RETRY_DELAYS_S: Final = (1, 2, 4, 8, 15, 15, 15)
GCLOUD_TIMEOUT_S: Final = 30 * 60
_NOT_FOUND: Final = ("not_found", "not found", "does not exist", "notfound")
_CONFIG_KEYS: Final = {fact: key for key, fact in KNOWN_FACTS.items()}


def run_gcloud(argv: Sequence[str]) -> subprocess.CompletedProcess:
    """Run one gcloud command, capturing its output to read ids and errors."""
    return subprocess.run(
        list(argv),
        capture_output=True,
        text=True,
        timeout=GCLOUD_TIMEOUT_S,
        check=False,
    )


def aws_credentials_problem(region: str) -> str:
    """Say what is missing for a real AWS run, or return an empty string."""
    if boto3.Session(region_name=region).get_credentials() is None:
        return (
            "no AWS credentials found: run `aws configure` (or `aws sso login` with "
            "AWS_PROFILE set), then run this again; --dry-run needs none"
        )
    return ""


def gcp_credentials_problem(gcloud: Gcloud) -> str:
    """Say what is missing for a real Google Cloud run, or return an empty string."""
    if gcloud is run_gcloud and shutil.which("gcloud") is None:
        return (
            "gcloud not found: install the Google Cloud CLI "
            "(https://cloud.google.com/sdk/docs/install); --dry-run needs none"
        )
    accounts = gcloud(
        ["gcloud", "auth", "list", "--filter=status:ACTIVE", "--format=value(account)"]
    )
    if accounts.returncode != 0 or not accounts.stdout.strip():
        return (
            "gcloud has no active account: run `gcloud auth login`, then run this again"
        )
    return ""


class Live:
    """Runs steps for real, numbering them as the dry run does, and keeps a report."""

    def __init__(
        self,
        out: TextIO,
        *,
        region: str,
        gcloud: Gcloud = run_gcloud,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.out = out
        self.region = region
        self.gcloud = gcloud
        self.sleep = sleep
        self.count = 0
        self.removed: list[str] = []
        self._session: boto3.Session | None = None
        self._clients: dict[str, Any] = {}
        self._checked: set[str] = set()

    def run(self, step: Step, facts: Facts) -> None:
        self.count += 1
        print(step.heading(self.count), file=self.out, flush=True)
        missing = unresolved(step)
        if missing:
            raise DeployError(
                f"step {self.count} needs {', '.join(missing)}, which no earlier step "
                "found: deploy both clouds together, or set the value in deploy.toml"
            )
        try:
            self.require(step.cloud)
        except DeployError as error:
            if step.produces not in _CONFIG_KEYS:
                raise
            raise DeployError(
                f"{error}; or, to skip this look-up, set "
                f"{_CONFIG_KEYS[step.produces]} in deploy.toml"
            ) from None

        if isinstance(step, AwsStep):
            outcome = self._aws(step, facts)
        elif isinstance(step, GcloudStep):
            outcome = self._gcp(step, facts)
        else:
            outcome = self._local(step, facts)
        print(f"    -> {outcome}", file=self.out, flush=True)

    def require(self, cloud: str) -> None:
        """Check a cloud's credentials once, before its first real call."""
        if cloud in self._checked or cloud == "local":
            return
        if cloud == "aws":
            problem = aws_credentials_problem(self.region)
        else:
            problem = gcp_credentials_problem(self.gcloud)
        if problem:
            raise DeployError(problem)
        self._checked.add(cloud)

    # AWS

    def _client(self, service: str) -> Any:
        if service not in self._clients:
            if self._session is None:
                self._session = boto3.Session(region_name=self.region)
            self._clients[service] = self._session.client(service)
        return self._clients[service]

    def _call(self, call: ApiCall) -> dict[str, Any]:
        client = self._client(call.service)
        return getattr(client, call.operation)(**resolve(call.params))

    def _call_with_retry(self, step: AwsStep) -> dict[str, Any]:
        code, text = step.retry_on
        for delay in (*ROLE_RETRY_DELAYS_S, None):
            try:
                return self._call(step.call)
            except ClientError as error:
                details = error.response["Error"]
                retryable = code and details.get("Code") == code
                if not retryable or text not in details.get("Message", ""):
                    raise
                if delay is None:
                    raise DeployError(
                        f"{step.resource}: {details.get('Message')} after a minute of "
                        "retries; check the role's trust policy, then deploy again"
                    ) from None
                self.sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _wait(self, waiter: str, call: ApiCall) -> None:
        if not waiter:
            return
        name = call.params["FunctionName"]
        try:
            self._client(call.service).get_waiter(waiter).wait(FunctionName=name)
        except WaiterError as error:
            reason = error.last_response.get("Configuration", {}).get(
                "StateReason", str(error)
            )
            raise DeployError(
                f"Lambda function {name} did not get ready: {reason}; look at it in "
                "the Lambda console, fix the cause, then deploy again"
            ) from None

    def _aws(self, step: AwsStep, facts: Facts) -> str:
        client = self._client(step.call.service)
        if step.needs_tls and client.meta.endpoint_url.startswith("http://"):
            return (
                "skipped: this endpoint is plain HTTP, where a TLS-only policy "
                "would refuse every request"
            )
        try:
            if step.composite == "empty_bucket":
                return self._empty_bucket(step)
            if step.paginate:
                return self._find(step, facts)
            response = self._call_with_retry(step)
            outcome = {"delete": "removed", "find": "found"}.get(step.verb, "done")
            self._wait(step.wait, step.call)
        except ClientError as error:
            code = error.response["Error"].get("Code", "")
            message = error.response["Error"].get("Message", str(error))
            if code in step.fail:
                raise DeployError(step.fail[code]) from None
            if code in step.gone:
                return "nothing to remove"
            if code not in step.exists:
                raise DeployError(
                    f"{step.call.service}.{step.call.operation} failed for "
                    f"{step.resource}: {code}: {message}; fix the cause and run this "
                    "again (finished steps are kept)"
                ) from None
            response = {}
            for call in step.if_exists:
                self._wait(step.wait_updates, step.call)
                response = self._call(call)
            self._wait(step.wait_updates, step.call)
            outcome = "exists: brought up to date" if step.if_exists else "exists"

        if step.produces:
            facts.set(step.produces, self._pick(step, response))
            outcome = f"{outcome}: {facts[step.produces]}"
        if step.verb == "delete" and outcome == "removed":
            self.removed.append(step.resource)
        return outcome

    def _pick(self, step: AwsStep, response: dict[str, Any]) -> Any:
        return jmespath.search(step.pick, response)

    def _find(self, step: AwsStep, facts: Facts) -> str:
        client = self._client(step.call.service)
        pages = client.get_paginator(step.call.operation).paginate(
            **resolve(step.call.params)
        )
        found = [item for item in pages.search(step.pick) if item is not None]
        facts.set(step.produces, found)
        return f"found {len(found)}: {', '.join(found)}" if found else "found none"

    def _empty_bucket(self, step: AwsStep) -> str:
        s3 = self._client("s3")
        bucket = step.call.params["Bucket"]
        count = 0
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
            versions = page.get("Versions", []) + page.get("DeleteMarkers", [])
            objects = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in versions]
            if not objects:
                continue
            answer = s3.delete_objects(
                Bucket=bucket, Delete={"Objects": objects, "Quiet": True}
            )
            if answer.get("Errors"):
                first = answer["Errors"][0]
                raise DeployError(
                    f"could not delete {first['Key']} from {bucket}: "
                    f"{first.get('Message')}; remove it in the console, then run "
                    "teardown again"
                )
            count += len(objects)
        return f"removed {count} object versions" if count else "already empty"

    # Google Cloud

    def _gcloud_ok(self, command_args: Sequence[str]) -> subprocess.CompletedProcess:
        result = self.gcloud(command_args)
        if result.returncode != 0:
            raise _failed(result)
        return result

    def _gcp(self, step: GcloudStep, facts: Facts) -> str:
        if step.check is not None:
            found = self.gcloud(step.check.args())
            if found.returncode == 0:
                restored = found.stdout.strip() == "DELETED"
                for command in step.if_deleted if restored else ():
                    self._gcloud_ok(command.args())
                for command in step.if_exists:
                    self._gcloud_ok(command.args())
                if restored:
                    return "was soft-deleted: restored"
                return "exists: brought up to date" if step.if_exists else "exists"

        result = self.gcloud(step.call.args())
        for attempt in range(1, step.attempts):
            if result.returncode == 0:
                break
            self.sleep(2 * attempt)
            result = self.gcloud(step.call.args())
        if result.returncode != 0:
            if step.gone_ok and _is_not_found(result.stderr):
                return "nothing to remove"
            raise _failed(result)

        outcome = {"delete": "removed", "find": "found"}.get(step.verb, "done")
        if step.produces:
            lines = [
                line.strip() for line in result.stdout.splitlines() if line.strip()
            ]
            if not lines and not step.lines:
                raise DeployError(
                    f"`{' '.join(step.call.args()[:4])} ...` printed no "
                    f"{step.produces}: check the project and your access to it"
                )
            value: Any = lines if step.lines else lines[0]
            facts.set(step.produces, value)
            outcome = f"{outcome}: {', '.join(lines) if step.lines else value}"
        if step.verb == "delete":
            self.removed.append(step.resource)
        return outcome

    # This machine

    def _local(self, step: Step, facts: Facts) -> str:
        assert isinstance(step.call, LocalAction)
        value = step.call.action()
        if step.produces:
            facts.set(step.produces, value)
        if step.verb == "delete":
            if not value:
                return "nothing to remove"
            self.removed.append(step.resource)
            return "removed"
        return f"done: {getattr(value, 'shown', value)}"


def _failed(result: subprocess.CompletedProcess) -> DeployError:
    words = " ".join(str(arg) for arg in result.args[:4])
    return DeployError(
        f"`{words} ...` failed: {_last_lines(result.stderr)}; fix the cause and run "
        "this again (finished steps are kept)"
    )


def _is_not_found(stderr: str) -> bool:
    text = stderr.lower()
    return any(marker in text for marker in _NOT_FOUND)


def _last_lines(text: str, count: int = 3) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return " / ".join(lines[-count:]) or "no message"
