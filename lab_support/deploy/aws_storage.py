"""Where the AWS half keeps things: the results bucket and the ingest log group.

Each is created with the course tag, so teardown can find it again.
"""

from __future__ import annotations

from typing import Final

from lab_support.deploy import policies
from lab_support.deploy.aws import AwsStep, tag_map, tags
from lab_support.deploy.config import DeployConfig
from lab_support.deploy.plan import ApiCall, Facts, JsonText, Step

RESULT_LIFETIME_DAYS: Final = 3
LOG_RETENTION_DAYS: Final = 7


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
                {"Bucket": bucket, "Tagging": {"TagSet": tags(names)}},
            ),
        ),
    ]


def log_group_steps(config: DeployConfig, facts: Facts) -> list[Step]:
    """The ingest function's log group, made by deploy so teardown can remove it."""
    names = config.names
    region = config.settings.aws_region
    log_group_arn = (
        f"arn:aws:logs:{region}:{facts['aws-account-id']}:log-group:{names.log_group}"
    )
    return [
        AwsStep(
            verb="create",
            resource=f"CloudWatch log group {names.log_group}",
            tag=names.tag,
            call=ApiCall(
                "logs",
                "create_log_group",
                {"logGroupName": names.log_group, "tags": tag_map(names)},
            ),
            exists=("ResourceAlreadyExistsException",),
            if_exists=(
                ApiCall(
                    "logs",
                    "tag_resource",
                    {"resourceArn": log_group_arn, "tags": tag_map(names)},
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
    ]
