"""The processor's status-code policy: what each delivery is answered, and what follows.

Eventarc delivers each Pub/Sub message through a push subscription. A 2xx
answer acks the message; any other answer nacks it, and Pub/Sub delivers it
again (the emulator about once a second, the cloud after the subscription's
retry backoff) until the dead-letter policy's 5 attempts are spent, when the
message moves to the dead-letter topic (cloud.google.com/pubsub/docs/push,
"Receive messages"; .../handling-failures). So an event that can never
succeed is recorded and acked, not left to retry; a failure that may pass is
answered non-2xx, so the platform tries again.
"""

from __future__ import annotations

from typing import Final

from botocore import exceptions as boto
from imagepipe.events import EventError
from imagepipe.images import ImageError
from imagepipe.policy import Rule
from imagepipe.settings import MAX_DELIVERY_BYTES

ACKED: Final = "acked: Pub/Sub drops the message and never delivers it again"
NACKED: Final = (
    "nacked: delivered again (emulator: about 1 s later; cloud: retry backoff); "
    "after 5 attempts moved to the dead-letter topic"
)

PROCESSED: Final = Rule(
    "a new image.uploaded event whose image decodes",
    200,
    "processed",
    "writes processed/{event id}.{ext} once (If-None-Match: *)",
    ACKED,
)
DUPLICATE: Final = Rule(
    "an event already handled: its result or failure record exists, or a racing "
    "delivery wrote first",
    200,
    "duplicate",
    "writes nothing",
    ACKED,
)
PERMANENT: Final = Rule(
    "an event that can never succeed: not an image, damaged, over the pixel or "
    "byte limit, no CloudEvent in the message, another event type, an id that "
    "cannot name an object",
    200,
    "failed",
    "writes failed/{event id}.json once: reason, event, delivery attempt, time",
    ACKED + "; GET /results/{id} reports the failure",
)
NOT_A_CLOUDEVENT: Final = Rule(
    "a request that is not one CloudEvent: ce-id, ce-source, ce-type or "
    "ce-specversion missing or empty, an unknown specversion, a raw Pub/Sub "
    "push, a structured-mode body that is not JSON",
    400,
    "refused",
    "writes nothing; the answer names the attribute or rule",
    NACKED,
)
UNSUPPORTED_FORMAT: Final = Rule(
    "a batch (application/cloudevents-batch+json) or another event format",
    415,
    "refused",
    "writes nothing; the answer says to send one event a request",
    NACKED,
)
TOO_LARGE: Final = Rule(
    f"a request body over {MAX_DELIVERY_BYTES:,} bytes",
    413,
    "refused",
    "refused before the body is read; writes nothing",
    NACKED,
)
TRANSIENT: Final = Rule(
    "S3 unreachable, timing out, throttling or failing (5xx)",
    503,
    "retry",
    "writes nothing more; a result already written stays and makes the next "
    "delivery a duplicate",
    NACKED,
)
UNEXPECTED: Final = Rule(
    "S3 refusing the function (403, no such bucket) or a bug in the function",
    500,
    "error",
    "writes nothing; the log line has the error",
    NACKED + ": fix the cause, then replay the dead letters",
)
RULES: Final = (
    PROCESSED,
    DUPLICATE,
    PERMANENT,
    NOT_A_CLOUDEVENT,
    UNSUPPORTED_FORMAT,
    TOO_LARGE,
    TRANSIENT,
    UNEXPECTED,
)

# Errors that say the event itself is wrong: delivering it again cannot help.
PERMANENT_ERRORS: Final = (EventError, ImageError)
# S3 error codes that mean "try again later" (Amazon S3 API, "Error responses").
_RETRYABLE_CODES: Final = frozenset(
    {"SlowDown", "RequestTimeout", "ServiceUnavailable", "InternalError", "Throttling"}
)
_TRANSIENT_ERRORS: Final = (
    boto.ConnectionError,
    boto.HTTPClientError,
    boto.IncompleteReadError,
    ConnectionError,
    TimeoutError,
)


def for_error(error: BaseException) -> Rule:
    """Return the rule that answers a delivery which ended in this error."""
    if isinstance(error, PERMANENT_ERRORS):
        return PERMANENT
    if isinstance(error, _TRANSIENT_ERRORS):
        return TRANSIENT
    if isinstance(error, boto.ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        code = error.response.get("Error", {}).get("Code", "")
        if status >= 500 or status == 429 or code in _RETRYABLE_CODES:
            return TRANSIENT
    return UNEXPECTED


def for_refusal(status: int) -> Rule:
    """Return the rule of a request refused before it became an event."""
    for rule in (NOT_A_CLOUDEVENT, UNSUPPORTED_FORMAT, TOO_LARGE):
        if rule.status == status:
            return rule
    return NOT_A_CLOUDEVENT
