"""The ingest function's status-code policy: what each request is answered.

A Function URL invokes the Lambda synchronously and returns its answer to the
client as it is; Lambda itself retries nothing, so the status tells the client
whether sending the same request again can help (4xx: no, 503: yes, later).
Tests pin every row against the real handler.
"""

from __future__ import annotations

from typing import Final

from imagepipe.policy import Rule
from imagepipe.settings import MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS

NO_RETRY: Final = "the client must change the request; sending it again cannot help"

ACCEPTED: Final = Rule(
    "POST /images with an image that decodes",
    202,
    "published",
    "publishes one image.uploaded event; answers its event_id and status_url",
    "the client asks GET /results/{event id} until it is done or failed",
)
NOT_AN_IMAGE: Final = Rule(
    "a body Pillow does not recognise as an image, or a Content-Type other than "
    "image/* or multipart/form-data",
    415,
    "rejected",
    "publishes nothing; says which formats are accepted",
    NO_RETRY,
)
DAMAGED: Final = Rule(
    "an image that will not decode (truncated, corrupt)",
    422,
    "rejected",
    "publishes nothing; says to upload the complete file",
    NO_RETRY,
)
TOO_LARGE: Final = Rule(
    f"a file over {MAX_IMAGE_BYTES:,} bytes, an image over {MAX_IMAGE_PIXELS:,} "
    "pixels (read from its header, never decoded), or a message over Pub/Sub's "
    "limits",
    413,
    "rejected",
    "publishes nothing; names the limit",
    NO_RETRY,
)
BAD_REQUEST: Final = Rule(
    "a request that cannot be read: bad base64, an empty body, multipart without "
    "a file field, a binary body passed as text, a result id that is not a UUID",
    400,
    "rejected",
    "publishes nothing; says what is wrong",
    NO_RETRY,
)
WRONG_METHOD: Final = Rule(
    "a known path with another method (GET /images)",
    405,
    "rejected",
    "answers the allowed method in Allow",
    NO_RETRY,
)
UNKNOWN_ROUTE: Final = Rule(
    "any other path",
    404,
    "rejected",
    "names the two routes",
    NO_RETRY,
)
PUBSUB_UNAVAILABLE: Final = Rule(
    "Pub/Sub unreachable, or not confirming the publish within 5 s",
    503,
    "publish_failed",
    "the event may or may not be on the topic; names its id; Retry-After: 2",
    "the client asks GET /results/{id}, and uploads again (a new event) only "
    "if it stays pending",
)
TOPIC_MISSING: Final = Rule(
    "the configured topic does not exist",
    500,
    "publish_failed",
    "nothing is published; names the topic",
    "an operator creates the topic or fixes PUBSUB_TOPIC",
)
RESULT_DONE: Final = Rule(
    "GET /results/{id} for a processed event",
    200,
    "done",
    "answers a presigned URL of processed/{id}.{ext}",
    "the client downloads the result",
)
RESULT_FAILED: Final = Rule(
    "GET /results/{id} for an event with a failure record",
    200,
    "failed",
    "answers the reason from failed/{id}.json",
    "the client shows the reason; the event will not be tried again",
)
RESULT_PENDING: Final = Rule(
    "GET /results/{id} before either exists",
    202,
    "pending",
    "answers status pending",
    "the client asks again a little later",
)
STORAGE_UNAVAILABLE: Final = Rule(
    "GET /results/{id} while S3 cannot be read",
    503,
    "storage_unavailable",
    "answers Retry-After: 2",
    "the client asks again later",
)
RULES: Final = (
    ACCEPTED,
    NOT_AN_IMAGE,
    DAMAGED,
    TOO_LARGE,
    BAD_REQUEST,
    WRONG_METHOD,
    UNKNOWN_ROUTE,
    PUBSUB_UNAVAILABLE,
    TOPIC_MISSING,
    RESULT_DONE,
    RESULT_FAILED,
    RESULT_PENDING,
    STORAGE_UNAVAILABLE,
)
