"""Pull delivery for the local Eventarc trigger, past the emulator's slow push loop.

The emulator's push loop polls: a message reaches a push endpoint a median of
about 65 ms after it was published, while a tight unary pull loop has it in a
few milliseconds. The consumer pulls the trigger subscription, turns each
message into the body real Pub/Sub pushes (the JSON form of PubsubMessage plus
deliveryAttempt, as a subscription with a dead-letter policy sends it) and
POSTs that to the relay's own push endpoint, so one code path translates,
delivers and logs in both modes. A 2xx answer acks the message; any other
answer nacks it, and the emulator redelivers it and counts the attempt toward
the dead-letter policy, as it does for push.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import queue
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final

import grpc
from google.api_core import exceptions as google_errors
from google.cloud import pubsub_v1
from google.protobuf import json_format
from google.pubsub_v1.services.subscriber.transports import SubscriberGrpcTransport
from google.pubsub_v1.types import ReceivedMessage

from lab_support.relay import Processor

# The processor serves 4 threads a core (functions-framework's gunicorn default),
# so 8 deliveries at once keep a 2-core machine busy without queueing in it.
WORKERS: Final = 8
# While messages flow the loop asks with return_immediately and pauses briefly
# between empty answers: a new message waits a few ms. Those empty pulls cost
# the emulator and the relay about 20% of a core together (measured), so once
# nothing came for HOT_WINDOW_S the loop sends one pull the emulator holds until
# a message arrives: idle costs nothing, and the first message then waits about
# 25 ms (the push loop: about 65 ms).
HOT_WINDOW_S: Final = 2.0
IDLE_PAUSE_MIN_S: Final = 0.001
IDLE_PAUSE_MAX_S: Final = 0.008
WAITING_PULL_S: Final = 20.0
PULL_TIMEOUT_S: Final = 10.0
ERROR_PAUSE_S: Final = 1.0
STOP_WAIT_S: Final = 0.5
# A call costs the emulator about as much CPU for one ack id as for many
# (measured before the JIT warmed up: 2 ms for a call with one id, 0.4 ms a
# message when ten shared a pull and an ack), so acks wait this long to share
# one call; the ack deadline is 60 s.
ACK_BATCH_WAIT_S: Final = 0.05
# The emulator's push loop retries a rejected message about once a second. A
# nack that sets the ack deadline to 1 s keeps that pace; a deadline of 0 would
# redeliver at once and spend all five attempts in under 100 ms.
REDELIVERY_DELAY_S: Final = 1
# Limitation: real Pub/Sub discourages return_immediately, since it answers many
# empty pulls; this loop only ever talks to the local emulator, where it is what
# makes delivery fast, so the client's deprecation warning is silenced.
warnings.filterwarnings(
    "ignore", message="The return_immediately flag", category=DeprecationWarning
)

log = logging.getLogger("lab_support.relay")


def subscriber_client(emulator_host: str) -> pubsub_v1.SubscriberClient:
    """Return a subscriber on one plain gRPC channel to the emulator, uncapped."""
    # A pull of several messages near Pub/Sub's 10 MB limit is far over gRPC's
    # default 4 MiB receive limit.
    channel = grpc.insecure_channel(
        emulator_host, options=[("grpc.max_receive_message_length", -1)]
    )
    return pubsub_v1.SubscriberClient(
        transport=SubscriberGrpcTransport(channel=channel)
    )


def push_body(subscription: str, received: ReceivedMessage) -> dict[str, Any]:
    """Return the push request body real Pub/Sub sends for one pulled message."""
    raw = ReceivedMessage.pb(received)
    body: dict[str, Any] = {
        "subscription": subscription,
        "message": json_format.MessageToDict(raw.message),
    }
    if raw.delivery_attempt:
        body["deliveryAttempt"] = raw.delivery_attempt
    return body


class PullConsumer:
    """Pull one subscription and hand each message to the relay's push endpoint."""

    def __init__(
        self,
        subscriber: pubsub_v1.SubscriberClient,
        subscription: str,
        relay_url: str,
        workers: int = WORKERS,
    ) -> None:
        self.subscriber = subscriber
        self.subscription = subscription
        self.relay = Processor(relay_url)
        self.workers = workers
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="deliver")
        self._room = threading.Condition()
        self._leased: set[str] = set()
        self._acks: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._acker = threading.Thread(target=self._ack_loop, name="ack", daemon=True)
        self._puller = threading.Thread(target=self.run, name="pull", daemon=True)
        self._stop = threading.Event()
        self._holding = False
        self._last_error = ""

    def start(self) -> threading.Thread:
        """Run the pull loop and the acker on daemon threads; return the puller."""
        self._acker.start()
        self._puller.start()
        return self._puller

    def run(self) -> None:
        """Pull until stop(): quickly while messages flow, one held pull when idle."""
        pause = IDLE_PAUSE_MIN_S
        last_message = float("-inf")
        while not self._stop.is_set():
            room = self._wait_for_room()
            if room == 0:
                continue
            hot = time.monotonic() - last_message < HOT_WINDOW_S
            messages = self._pull(room, hold=not hot)
            if self._stop.is_set():
                if messages:
                    self._modify([m.ack_id for m in messages], 0)
                return
            if messages is None:
                self._stop.wait(ERROR_PAUSE_S)
                continue
            if not messages:
                if hot:
                    self._stop.wait(pause)
                    pause = min(pause * 2, IDLE_PAUSE_MAX_S)
                continue

            last_message = time.monotonic()
            pause = IDLE_PAUSE_MIN_S
            with self._room:
                self._leased.update(m.ack_id for m in messages)
            for message in messages:
                self._pool.submit(self._deliver, message)

    def stop(self) -> None:
        """Stop pulling, send the acks due, nack the rest so it comes back soon."""
        self._stop.set()
        with self._room:
            self._room.notify_all()
        # A quick pull ends within milliseconds; a held one holds no message yet
        # and is cancelled when the channel closes below.
        if self._puller.is_alive() and not self._holding:
            self._puller.join(timeout=STOP_WAIT_S)
        with self._room:
            leased = list(self._leased)
            self._room.notify_all()
        if leased:
            self._modify(leased, 0)
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._acks.put(None)
        if self._acker.is_alive():
            self._acker.join(timeout=5)
        # Closing the channel cancels a held pull, so the relay exits at once.
        self.subscriber.close()

    def _wait_for_room(self) -> int:
        with self._room:
            while len(self._leased) >= self.workers and not self._stop.is_set():
                self._room.wait(0.5)
            return 0 if self._stop.is_set() else self.workers - len(self._leased)

    def _pull(self, room: int, hold: bool) -> list[ReceivedMessage] | None:
        """Return up to room messages, [] when there are none, None on an error."""
        self._holding = hold
        try:
            response = self.subscriber.pull(
                request={
                    "subscription": self.subscription,
                    "max_messages": room,
                    "return_immediately": not hold,
                },
                retry=None,
                timeout=WAITING_PULL_S if hold else PULL_TIMEOUT_S,
            )
        except google_errors.DeadlineExceeded:
            return []
        except google_errors.NotFound:
            self._warn(
                f"the trigger subscription {self.subscription} does not exist: run "
                "`python -m lab_support down`, then `up` to create it again"
            )
            return None
        except google_errors.GoogleAPICallError as err:
            self._warn(f"pulling {self.subscription} failed ({err}); retrying")
            return None
        finally:
            self._holding = False
        self._last_error = ""
        return list(response.received_messages)

    def _deliver(self, received: ReceivedMessage) -> None:
        """POST one message to the relay; ack on 2xx, nack on anything else."""
        try:
            body = json.dumps(push_body(self.subscription, received)).encode()
            status = self.relay.post({"content-type": "application/json"}, body)
        except (OSError, http.client.HTTPException) as err:
            log.warning("could not hand message to the relay (%s); nacked it", err)
            status = None
        try:
            if status is not None and 200 <= status < 300:
                self._acks.put(received.ack_id)
            else:
                self._modify([received.ack_id], REDELIVERY_DELAY_S)
        finally:
            with self._room:
                self._leased.discard(received.ack_id)
                self._room.notify()

    def _ack_loop(self) -> None:
        """Ack what the workers accepted, gathering what comes within a short wait."""
        stopping = False
        while not stopping:
            first = self._acks.get()
            self._stop.wait(ACK_BATCH_WAIT_S)
            batch = [first]
            with contextlib.suppress(queue.Empty):
                while True:
                    batch.append(self._acks.get_nowait())
            stopping = None in batch
            ack_ids = [ack_id for ack_id in batch if ack_id is not None]
            if ack_ids:
                self._acknowledge(ack_ids)

    def _acknowledge(self, ack_ids: list[str]) -> None:
        try:
            self.subscriber.acknowledge(
                subscription=self.subscription, ack_ids=ack_ids, retry=None
            )
        except google_errors.GoogleAPICallError as err:
            # The message comes back when its ack deadline passes; the processor
            # finds its result already stored and logs a duplicate.
            log.warning("ack failed (%s); the message will be redelivered", err)

    def _modify(self, ack_ids: list[str], seconds: int) -> None:
        try:
            self.subscriber.modify_ack_deadline(
                subscription=self.subscription,
                ack_ids=ack_ids,
                ack_deadline_seconds=seconds,
                retry=None,
            )
        except google_errors.GoogleAPICallError as err:
            log.warning("nack failed (%s); redelivery waits for the deadline", err)

    def _warn(self, message: str) -> None:
        """Log an error once, not once a second while it lasts, nor while stopping."""
        if message != self._last_error and not self._stop.is_set():
            log.warning(message)
        self._last_error = message


def start(emulator_host: str, subscription: str, relay_url: str) -> PullConsumer:
    """Start pulling subscription on the emulator into the relay at relay_url."""
    consumer = PullConsumer(subscriber_client(emulator_host), subscription, relay_url)
    consumer.start()
    return consumer
