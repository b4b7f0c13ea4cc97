"""Answer "is my image done?" from S3: a result, a failure record, or neither."""

from __future__ import annotations

import json
from typing import Any, Final

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from imagepipe.keys import failure_key, result_key
from imagepipe.settings import Settings

PRESIGNED_URL_SECONDS: Final = 900
# boto3 honours AWS_ENDPOINT_URL itself; nothing here names an emulator.
_client: Any = None


def s3_client(region: str) -> Any:
    """Return this container's S3 client, creating it on first use."""
    global _client
    if _client is None:
        _client = boto3.client(
            "s3", region_name=region, config=Config(signature_version="s3v4")
        )
    return _client


def _missing(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey"}


def _head(bucket: str, key: str, region: str) -> dict[str, Any] | None:
    try:
        return s3_client(region).head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if _missing(error):
            return None
        raise


def _failure_record(bucket: str, key: str, region: str) -> dict[str, Any] | None:
    try:
        body = s3_client(region).get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as error:
        if _missing(error):
            return None
        raise
    try:
        record = json.loads(body)
    except ValueError:
        record = None
    if isinstance(record, dict):
        return record
    return {"reason": body.decode("utf-8", "replace")}


def status(event_id: str, settings: Settings) -> tuple[int, dict[str, Any]]:
    """Say whether one event's result exists, has failed, or is still pending."""
    bucket, region = settings.results_bucket, settings.aws_region
    key = result_key(event_id, settings.output_format.name)

    head = _head(bucket, key, region)
    if head is not None:
        url = s3_client(region).generate_presigned_url(
            "get_object",
            Params={"Bucket": bucket, "Key": key},
            ExpiresIn=PRESIGNED_URL_SECONDS,
        )
        return 200, {
            "status": "done",
            "result_key": key,
            "url": url,
            "content_type": head.get("ContentType"),
            "metadata": head.get("Metadata", {}),
        }

    failed_key = failure_key(event_id)
    record = _failure_record(bucket, failed_key, region)
    if record is not None:
        return 200, {
            "status": "failed",
            "failure_key": failed_key,
            "reason": record.get("reason"),
            "record": record,
        }
    # Limitation: nothing records accepted uploads, so an id that was never
    # uploaded looks the same as one still in flight; the message says so.
    return 202, {
        "status": "pending",
        "result_key": key,
        "message": (
            "no result or failure record yet: results usually arrive within "
            "seconds, so ask again shortly; an id that was never uploaded stays "
            "pending too"
        ),
    }
