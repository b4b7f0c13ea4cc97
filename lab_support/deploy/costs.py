"""What a deployment can cost and which limits a learner can hit, printed first.

Free tiers and prices change; the text names the pricing pages to check. The
figures are the providers' published monthly free tiers at the time of writing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

_AWS: Final = """\
AWS (https://aws.amazon.com/pricing/):
  - Lambda: 1M requests and 400,000 GB-seconds a month free; then billed per
    request and per GB-second (arm64 is the cheaper architecture).
  - Function URL: no charge of its own; each call is a Lambda request.
  - S3: storage per GB-month plus per-request charges (PUT and GET); newer
    accounts get free credits instead of the old 5 GB tier. Results expire
    after 3 days by the bucket's lifecycle rule.
  - CloudWatch Logs: 5 GB of ingestion a month free; the log group keeps 7 days.
  - Data out of AWS to Pub/Sub: 100 GB a month free, then billed per GB.
  - IAM and STS: free."""

_GCP: Final = """\
Google Cloud (https://cloud.google.com/pricing), needs a billing account:
  - Pub/Sub: 10 GiB of messages a month free; then billed per TiB.
  - Cloud Functions 2nd gen runs on Cloud Run: 2M requests, 180,000 vCPU-seconds
    and 360,000 GiB-seconds a month free; at most 3 instances run at once.
  - Eventarc: a Pub/Sub trigger adds no Eventarc charge; its messages are Pub/Sub's.
  - Cloud Build: 2,500 build-minutes a month free; a deploy takes 1 to 3 minutes.
  - Artifact Registry: 0.5 GB of storage free; each deploy stores an image of a
    few hundred MB until teardown deletes the repository.
  - Cloud Storage: the function's uploaded source stays in a gcf-v2-sources
    bucket that teardown does not remove (a few MB; delete it in the console).
  - Data out of Google Cloud to S3 (the results): billed per GB.
  - A failing event is delivered at most 5 times, 10 s to 10 min apart (each
    attempt is an invocation), then moved to the dead-letter topic."""

_LIMITS: Final = """\
Limits you can hit:
  - S3 bucket names are global: if {bucket} is taken, choose another
    COURSE_PREFIX (for example cec-<your initials><a digit>).
  - A Function URL takes about 6 MB per request, so images up to about 4.5 MB.
  - Lambda zips uploaded directly are limited to 50 MB.
  - New AWS accounts may have a Lambda concurrency quota as low as 10.
  - A new IAM role takes seconds to reach Lambda; deploy retries for a minute.
  - A deleted workload identity pool keeps its id for 30 days; deploy
    restores it rather than making a new one.
  - The first deploy in a project enables APIs and can take several minutes;
    if Cloud Build reports missing permissions, grant its service account
    roles/cloudbuild.builds.builder and deploy again."""


def render(clouds: Iterable[str], bucket: str) -> str:
    """The cost notes for the chosen clouds, then the limits."""
    chosen = set(clouds)
    parts = ["What this can cost (check the pricing pages; prices change):"]
    if "aws" in chosen:
        parts.append(_AWS)
    if "gcp" in chosen:
        parts.append(_GCP)
    parts.append(_LIMITS.format(bucket=bucket))
    return "\n".join(parts)
