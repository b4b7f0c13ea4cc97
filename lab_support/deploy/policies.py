"""The IAM and S3 policy documents deploy attaches: least privilege, written out.

Each function returns a plain dict, so the plan can print it and tests can read it.
"""

from __future__ import annotations

from typing import Any, Final

from lab_support.deploy.names import TOKEN_AUDIENCE, Names

VERSION: Final = "2012-10-17"
# The prefixes the processor writes and the ingest's status endpoint reads.
RESULT_PREFIXES: Final = ("processed/", "failed/")

# For a Google token that carries `azp` (service account tokens do), IAM matches
# each of these trust policy keys against this claim of the token (AWS IAM User
# Guide, "Available keys for AWS web identity federation").
GOOGLE_TOKEN_CLAIMS: Final = {
    "accounts.google.com:aud": "azp",
    "accounts.google.com:sub": "sub",
    "accounts.google.com:oaud": "aud",
}

Document = dict[str, Any]


def _result_objects(bucket: str) -> list[str]:
    return [f"arn:aws:s3:::{bucket}/{prefix}*" for prefix in RESULT_PREFIXES]


def _list_results(bucket: str) -> dict[str, Any]:
    """Listing, only under the result prefixes, so a missing result reads as 404.

    S3 answers a GET or HEAD of a key that does not exist with 404 only to a
    caller allowed s3:ListBucket, and with 403 to anyone else (S3 API Reference,
    HeadObject, "Permissions"); both functions take only 404 to mean "not there
    yet". The s3:prefix condition keeps the rest of the bucket unlistable: a
    list without a prefix under processed/ or failed/ is refused.
    """
    return {
        "Sid": "ListResultKeysOnly",
        "Effect": "Allow",
        "Action": "s3:ListBucket",
        "Resource": f"arn:aws:s3:::{bucket}",
        "Condition": {
            "StringLike": {"s3:prefix": [f"{prefix}*" for prefix in RESULT_PREFIXES]}
        },
    }


def ingest_trust() -> Document:
    """Only the Lambda service may assume the ingest role."""
    return {
        "Version": VERSION,
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }


def ingest_permissions(names: Names, region: str, account: str) -> Document:
    """Its own log group and reading results for status; nothing else."""
    log_group = f"arn:aws:logs:{region}:{account}:log-group:{names.log_group}"
    return {
        "Version": VERSION,
        "Statement": [
            {
                "Sid": "WriteOwnLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"{log_group}:*",
            },
            {
                "Sid": "ReadResultsForStatus",
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": _result_objects(names.bucket),
            },
            _list_results(names.bucket),
        ],
    }


def processor_trust(unique_id: str) -> Document:
    """Only ID tokens of the processor's service account may assume the S3 role.

    For Google tokens that carry `azp` (service account tokens do), IAM matches
    `accounts.google.com:aud` against `azp`, the account's numeric unique id, and
    `accounts.google.com:oaud` against the token's own `aud`; `sub` is the same
    unique id. (AWS IAM User Guide, "Available keys for AWS web identity
    federation".)
    """
    return {
        "Version": VERSION,
        "Statement": [
            {
                "Sid": "ProcessorServiceAccountOnly",
                "Effect": "Allow",
                "Principal": {"Federated": "accounts.google.com"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        "accounts.google.com:aud": unique_id,
                        "accounts.google.com:sub": unique_id,
                        "accounts.google.com:oaud": TOKEN_AUDIENCE,
                    }
                },
            }
        ],
    }


def processor_permissions(names: Names) -> Document:
    """Write results under processed/ and failed/, and read them back, nothing else."""
    objects = _result_objects(names.bucket)
    return {
        "Version": VERSION,
        "Statement": [
            {
                "Sid": "WriteResults",
                "Effect": "Allow",
                "Action": "s3:PutObject",
                "Resource": objects,
            },
            {
                "Sid": "ReadResultsForIdempotency",
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": objects,
            },
            _list_results(names.bucket),
        ],
    }


def bucket_tls_only(bucket: str) -> Document:
    """Refuse any request to the bucket that does not arrive over TLS."""
    return {
        "Version": VERSION,
        "Statement": [
            {
                "Sid": "TlsRequestsOnly",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }
