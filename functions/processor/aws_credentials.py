"""S3 credentials for the processor from its Google identity, never from a stored key.

Deploy sets AWS_ROLE_ARN and AWS_WEB_IDENTITY_AUDIENCE on the Cloud Function. The
processor then asks the metadata server for an ID token of its service account,
with that audience, and trades it through sts:AssumeRoleWithWebIdentity for
temporary credentials of the role; botocore asks again before they expire.
Without AWS_ROLE_ARN, boto3's default credential chain applies.
"""

from __future__ import annotations

import os
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any, Final

import boto3
import botocore.session
from botocore.credentials import (
    AssumeRoleWithWebIdentityCredentialFetcher,
    CredentialProvider,
    DeferredRefreshableCredentials,
)
from botocore.exceptions import ClientError

METADATA_HOST: Final = "metadata.google.internal"
DEFAULT_AUDIENCE: Final = "sts.amazonaws.com"
# The metadata server's ID token endpoint (Google Cloud docs, "Fetch an ID token":
# the `identity` path of the default service account, with Metadata-Flavor: Google).
IDENTITY_PATH: Final = "/computeMetadata/v1/instance/service-accounts/default/identity"
TOKEN_TIMEOUT_S: Final = 5.0
# STS RoleSessionName: 2 to 64 characters of letters, digits and +=,.@_-
_SESSION_CHARACTERS: Final = re.compile(r"[^\w+=,.@-]")
DEFAULT_SESSION_NAME: Final = "imagepipe-processor"
# The metadata server is link-local; a request to it must never go through a proxy.
_DIRECT: Final = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class CredentialError(RuntimeError):
    """The processor could not turn its Google identity into AWS credentials."""


def fetch_id_token(audience: str, host: str) -> str:
    """Ask the metadata server at `host` for an ID token naming `audience`."""
    query = urllib.parse.urlencode({"audience": audience, "format": "full"})
    request = urllib.request.Request(
        f"http://{host}{IDENTITY_PATH}?{query}", headers={"Metadata-Flavor": "Google"}
    )
    try:
        with _DIRECT.open(request, timeout=TOKEN_TIMEOUT_S) as answer:
            flavor = answer.headers.get("Metadata-Flavor")
            token = answer.read().decode("ascii", "replace").strip()
    except urllib.error.HTTPError as error:
        raise CredentialError(
            f"the metadata server at {host} answered {error.code} to the ID token "
            "request: check GCE_METADATA_HOST, and that the function runs as a "
            "service account (deploy passes --service-account)"
        ) from None
    except OSError as error:
        raise CredentialError(
            f"no metadata server answered at {host} ({error}): run the processor "
            "on Google Cloud, or set GCE_METADATA_HOST to the local cloud's stand-in"
        ) from None

    if flavor != "Google":
        raise CredentialError(
            f"{host} answered without the header Metadata-Flavor: Google, so it is "
            "not a metadata server: check GCE_METADATA_HOST"
        )
    if token.count(".") != 2:
        raise CredentialError(
            f"the metadata server at {host} sent something that is not a JWT: "
            "check GCE_METADATA_HOST"
        )
    return token


def session_name(environ: Mapping[str, str]) -> str:
    """Name the STS session after the Cloud Run service (K_SERVICE), as AWS logs it."""
    name = _SESSION_CHARACTERS.sub("-", environ.get("K_SERVICE", "").strip())[:64]
    return name if len(name) >= 2 else DEFAULT_SESSION_NAME


class GoogleIdentityProvider(CredentialProvider):
    """A botocore credential provider: the role's credentials for a Google ID token."""

    METHOD = "assume-role-with-google-id-token"
    CANONICAL_NAME = "custom-google-id-token"

    def __init__(
        self,
        client_creator: Callable[..., Any],
        role_arn: str,
        token_loader: Callable[[], str],
        role_session_name: str,
    ) -> None:
        super().__init__()
        self.role_arn = role_arn
        self._fetcher = AssumeRoleWithWebIdentityCredentialFetcher(
            client_creator=client_creator,
            web_identity_token_loader=token_loader,
            role_arn=role_arn,
            extra_args={"RoleSessionName": role_session_name},
        )

    def load(self) -> DeferredRefreshableCredentials:
        """Credentials that make the exchange on first use and again near expiry."""
        return DeferredRefreshableCredentials(
            refresh_using=self._fetch, method=self.METHOD
        )

    def _fetch(self) -> dict[str, Any]:
        try:
            return self._fetcher.fetch_credentials()
        except ClientError as error:
            details = error.response.get("Error", {})
            raise CredentialError(
                f"STS refused to exchange the ID token for {self.role_arn} "
                f"({details.get('Code')}: {details.get('Message')}): check that the "
                "role's trust policy names this service account's unique id and "
                "the token's audience"
            ) from error


def session(region: str, environ: Mapping[str, str] | None = None) -> boto3.Session:
    """A boto3 session with credentials from the Google identity, when configured."""
    env = os.environ if environ is None else environ
    role_arn = env.get("AWS_ROLE_ARN", "").strip()
    if not role_arn:
        return boto3.Session(region_name=region)

    audience = env.get("AWS_WEB_IDENTITY_AUDIENCE", "").strip() or DEFAULT_AUDIENCE
    host = env.get("GCE_METADATA_HOST", "").strip() or METADATA_HOST
    core = botocore.session.Session()
    core.set_config_variable("region", region)
    provider = GoogleIdentityProvider(
        client_creator=core.create_client,
        role_arn=role_arn,
        token_loader=lambda: fetch_id_token(audience, host),
        role_session_name=session_name(env),
    )
    # First in the chain: keys in the environment or a profile are never used instead.
    core.get_component("credential_provider").insert_before("env", provider)
    return boto3.Session(botocore_session=core)
