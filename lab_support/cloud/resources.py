"""Create the bucket, topics and subscriptions of the pipeline; safe to run twice."""

from __future__ import annotations

import contextlib
from typing import Final

import boto3
import grpc
from botocore.config import Config
from google.api_core import exceptions as google_errors
from google.cloud import pubsub_v1
from google.pubsub_v1.services.publisher.transports import PublisherGrpcTransport
from google.pubsub_v1.services.subscriber.transports import SubscriberGrpcTransport

from lab_support.cloud.services import DUMMY_CREDENTIALS
from lab_support.config import Settings

# Real Pub/Sub's lowest allowed value; the emulator applies it too.
MAX_DELIVERY_ATTEMPTS: Final = 5
# Eventarc creates its push subscriptions with a long ack deadline, so a slow
# function is not redelivered while it is still working.
ACK_DEADLINE_SECONDS: Final = 60


def s3_client(endpoint: str, region: str):
    """Return a boto3 S3 client for the moto server, with its dummy credentials."""
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=DUMMY_CREDENTIALS["AWS_SESSION_TOKEN"],
        config=Config(signature_version="s3v4"),
    )


def pubsub_clients(
    emulator_host: str,
) -> tuple[pubsub_v1.PublisherClient, pubsub_v1.SubscriberClient]:
    """Return admin clients talking plain gRPC to the emulator at emulator_host."""
    publisher = pubsub_v1.PublisherClient(
        transport=PublisherGrpcTransport(channel=grpc.insecure_channel(emulator_host))
    )
    subscriber = pubsub_v1.SubscriberClient(
        transport=SubscriberGrpcTransport(channel=grpc.insecure_channel(emulator_host))
    )
    return publisher, subscriber


def create_bucket(endpoint: str, settings: Settings) -> str:
    """Create the results bucket unless it is there; return its name."""
    client = s3_client(endpoint, settings.aws_region)
    with contextlib.suppress(client.exceptions.BucketAlreadyOwnedByYou):
        client.create_bucket(Bucket=settings.bucket)
    return settings.bucket


def create_pubsub(
    emulator_host: str, settings: Settings, push_endpoint: str
) -> dict[str, str]:
    """Create topic, dead-letter topic and both subscriptions; return their paths.

    The trigger subscription pushes to push_endpoint when settings.delivery is
    push; when it is pull, it has no push config and the relay pulls it.
    """
    project = settings.gcp_project
    push_config = (
        {"push_endpoint": push_endpoint} if settings.delivery == "push" else {}
    )
    publisher, subscriber = pubsub_clients(emulator_host)
    topic = publisher.topic_path(project, settings.topic)
    dead_letter_topic = publisher.topic_path(project, settings.dead_letter_topic)
    trigger = subscriber.subscription_path(project, settings.trigger_subscription)
    dead_letters = subscriber.subscription_path(
        project, settings.dead_letter_subscription
    )

    try:
        for name in (topic, dead_letter_topic):
            _ignore_existing(publisher.create_topic, name=name)
        _ignore_existing(
            subscriber.create_subscription, name=dead_letters, topic=dead_letter_topic
        )
        created = _ignore_existing(
            subscriber.create_subscription,
            request={
                "name": trigger,
                "topic": topic,
                "push_config": push_config,
                "ack_deadline_seconds": ACK_DEADLINE_SECONDS,
                "dead_letter_policy": {
                    "dead_letter_topic": dead_letter_topic,
                    "max_delivery_attempts": MAX_DELIVERY_ATTEMPTS,
                },
            },
        )
        if not created:
            # An empty push config turns a push subscription into a pull one.
            subscriber.modify_push_config(subscription=trigger, push_config=push_config)
    finally:
        publisher.transport.close()
        subscriber.close()

    return {
        "topic": topic,
        "dead_letter_topic": dead_letter_topic,
        "trigger_subscription": trigger,
        "dead_letter_subscription": dead_letters,
        "delivery": settings.delivery,
    }


def _ignore_existing(create, **kwargs) -> bool:
    """Call a create method; return False instead of failing when the thing exists."""
    try:
        create(**kwargs)
    except google_errors.AlreadyExists:
        return False
    return True
