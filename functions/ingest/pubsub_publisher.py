"""Publish to Pub/Sub with one client per Lambda container, created on first use."""

from __future__ import annotations

import concurrent.futures
from collections.abc import Mapping
from typing import Final

from google.api_core import exceptions as api_exceptions
from google.api_core.retry import Retry, if_exception_type
from google.cloud import pubsub_v1
from imagepipe.settings import PUBLISH_TIMEOUT_S

# google-cloud-pubsub honours PUBSUB_EMULATOR_HOST itself; nothing here names it.
_client: pubsub_v1.PublisherClient | None = None

# Publish each message at once instead of waiting to fill a batch: one upload is
# one message, and batching would only add its max_latency to every request.
_BATCH: Final = pubsub_v1.types.BatchSettings(max_messages=1)
_RETRY: Final = Retry(
    predicate=if_exception_type(
        api_exceptions.ServiceUnavailable,
        api_exceptions.DeadlineExceeded,
        api_exceptions.InternalServerError,
        api_exceptions.Aborted,
        api_exceptions.Unknown,
    ),
    initial=0.1,
    maximum=1.0,
    multiplier=2.0,
    timeout=PUBLISH_TIMEOUT_S,
)


class PublishError(Exception):
    """Pub/Sub did not confirm the message; the client may retry the upload."""


class TopicMissingError(PublishError):
    """The configured topic does not exist, so retrying will not help."""


def publisher() -> pubsub_v1.PublisherClient:
    """Return this container's publisher client, creating it on first use."""
    global _client
    if _client is None:
        _client = pubsub_v1.PublisherClient(batch_settings=_BATCH)
    return _client


def publish(topic: str, data: bytes, attributes: Mapping[str, str]) -> str:
    """Publish one message and wait until Pub/Sub returns its message id."""
    future = publisher().publish(
        topic, data, retry=_RETRY, timeout=PUBLISH_TIMEOUT_S, **attributes
    )
    try:
        return future.result(timeout=PUBLISH_TIMEOUT_S + 1.0)
    except api_exceptions.NotFound as error:
        raise TopicMissingError(
            f"Pub/Sub topic {topic} does not exist: create it (locally, "
            "`python -m lab_support up` does) or fix PUBSUB_TOPIC"
        ) from error
    except (
        api_exceptions.GoogleAPIError,
        concurrent.futures.TimeoutError,
    ) as error:
        raise PublishError(
            f"Pub/Sub did not confirm the publish to {topic} within "
            f"{PUBLISH_TIMEOUT_S:g} s ({type(error).__name__})"
        ) from error
