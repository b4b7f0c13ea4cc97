"""Write results to S3 at most once: skip keys that exist, refuse to overwrite."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import aws_credentials
from botocore.config import Config
from botocore.exceptions import ClientError

# boto3 honours AWS_ENDPOINT_URL itself; nothing here names an emulator.
_client: Any = None
# Bounded waits: three attempts of at most 3 s to connect and 10 s to read end
# well inside the trigger's 60 s ack deadline, so a slow S3 is answered 503 and
# retried instead of being redelivered while this instance still works on it.
# AWS_MAX_ATTEMPTS still sets the number of attempts (botocore reads it).
CLIENT_CONFIG: Final = Config(
    signature_version="s3v4",
    connect_timeout=3,
    read_timeout=10,
    retries={"mode": "standard"},
)


def s3_client(region: str) -> Any:
    """Return this instance's S3 client, creating it on first use."""
    global _client
    if _client is None:
        session = aws_credentials.session(region)
        _client = session.client("s3", region_name=region, config=CLIENT_CONFIG)
    return _client


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def exists(bucket: str, key: str, region: str) -> bool:
    """Say whether the object is already in the bucket (a redelivered event)."""
    try:
        s3_client(region).head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if _code(error) in {"404", "NoSuchKey", "NotFound"}:
            return False
        raise
    return True


def put_once(
    bucket: str,
    key: str,
    body: bytes,
    *,
    content_type: str,
    metadata: Mapping[str, str],
    region: str,
) -> bool:
    """Create the object unless it exists; return False when another write won."""
    try:
        s3_client(region).put_object(
            Bucket=bucket,
            Key=key,
            Body=body,
            ContentType=content_type,
            Metadata=dict(metadata),
            # S3 conditional writes: the put fails with 412 if the key exists,
            # so two deliveries racing past exists() still write once.
            IfNoneMatch="*",
        )
    except ClientError as error:
        if _code(error) in {"412", "PreconditionFailed"}:
            return False
        raise
    return True
