"""The local Eventarc trigger: turn the emulator's push into what Eventarc sends.

The Pub/Sub emulator pushes `{"subscription", "message"}` and redelivers whatever
it does not ack. Eventarc instead POSTs the function a binary-mode CloudEvent of
type google.cloud.pubsub.topic.v1.messagePublished whose data is
MessagePublishedData. The relay does that translation and hands the function's
verdict back to the emulator, so the emulator's own retry and dead-letter
machinery applies as it does in the cloud. With --pull the relay instead pulls
the subscription itself and feeds each message to this same endpoint
(lab_support.relay_pull), which is faster than the emulator's push loop.

Run: python -m lab_support.relay --port P --target URL --project P --topic T
     [--pull projects/P/subscriptions/S --emulator 127.0.0.1:PORT]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import logging
import os
import queue
import random
import signal
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final
from urllib.parse import urlsplit

EVENT_TYPE: Final = "google.cloud.pubsub.topic.v1.messagePublished"
SPEC_VERSION: Final = "1.0"
# Real Pub/Sub acks a push answered 102, 200, 201, 202 or 204; the emulator does
# not ack 202, so every 2xx from the function becomes 204, which both ack.
ACK_STATUS: Final = 204
UNREACHABLE_STATUS: Final = 502
TIMEOUT_STATUS: Final = 504
# Cloud Functions' default timeout; the push subscription's ack deadline matches.
PROCESSOR_TIMEOUT_S: Final = 60.0
# Pub/Sub delivers at least once: now and then a message that was acked comes
# again. The local cloud can make that happen on purpose (the chaos run does),
# through these variables, since the relay's command line is fixed by the cloud.
DUPLICATE_RATE_VARIABLE: Final = "LAB_RELAY_DUPLICATE_RATE"
SEED_VARIABLE: Final = "LAB_RELAY_SEED"
# Cloud Run holds a request while it starts an instance, instead of refusing
# it; with this many seconds set, the relay keeps trying a function that
# refuses connections (one restarting after a crash) before it answers 502.
COLD_START_VARIABLE: Final = "LAB_RELAY_COLD_START_S"
COLD_START_POLL_S: Final = 0.05

log = logging.getLogger("lab_support.relay")


def to_eventarc(
    push: Mapping[str, Any], project: str, topic: str, attempt: int
) -> tuple[dict[str, str], bytes]:
    """Return the headers and body Eventarc would POST for this emulator push."""
    message = push["message"]
    message_id = message.get("messageId") or message.get("message_id")
    publish_time = message.get("publishTime") or message.get("publish_time")
    if not message_id or not publish_time:
        raise ValueError("the push message has no messageId or publishTime")
    subscription = str(push.get("subscription", ""))
    if not subscription.startswith("projects/"):
        subscription = f"projects/{project}/subscriptions/{subscription}"

    published: dict[str, Any] = {}
    if "data" in message:
        published["data"] = message["data"]
    if message.get("attributes"):
        published["attributes"] = message["attributes"]
    published["messageId"] = message_id
    published["publishTime"] = publish_time
    if message.get("orderingKey"):
        published["orderingKey"] = message["orderingKey"]
    body = {
        "subscription": subscription,
        "message": published,
        "deliveryAttempt": attempt,
    }

    headers = {
        "ce-id": message_id,
        "ce-source": f"//pubsub.googleapis.com/projects/{project}/topics/{topic}",
        "ce-specversion": SPEC_VERSION,
        "ce-type": EVENT_TYPE,
        "ce-time": publish_time,
        "content-type": "application/json",
    }
    return headers, json.dumps(body).encode("utf-8")


class DeliveryAttempts:
    """Count deliveries per message id, as Pub/Sub's deliveryAttempt field does."""

    def __init__(self, limit: int = 10_000) -> None:
        self._counts: OrderedDict[str, int] = OrderedDict()
        self._limit = limit
        self._lock = threading.Lock()

    def next(self, message_id: str) -> int:
        """Record one more delivery of message_id and return its number, from 1."""
        with self._lock:
            count = self._counts.pop(message_id, 0) + 1
            self._counts[message_id] = count
            while len(self._counts) > self._limit:
                self._counts.popitem(last=False)
            return count

    def forget(self, message_id: str) -> None:
        """Drop the count of an acked message."""
        with self._lock:
            self._counts.pop(message_id, None)


class Processor:
    """POST to the function, keeping idle HTTP connections open for the next one."""

    def __init__(
        self,
        target: str,
        timeout: float = PROCESSOR_TIMEOUT_S,
        keep: int = 8,
        cold_start_wait: float = 0.0,
    ) -> None:
        parts = urlsplit(target)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"target must be an http:// URL, got {target!r}")
        self.host = parts.hostname
        self.port = parts.port or 80
        self.path = parts.path or "/"
        self.timeout = timeout
        self.cold_start_wait = cold_start_wait
        self.opened = 0
        self._idle: queue.LifoQueue[http.client.HTTPConnection] = queue.LifoQueue(keep)

    def post(self, headers: Mapping[str, str], body: bytes) -> int:
        """Send one request and return the function's status code."""
        deadline = time.monotonic() + self.cold_start_wait
        while True:
            try:
                return self._post_once(headers, body)
            except ConnectionRefusedError:
                # Nothing was sent: waiting for the function to come up is safe.
                if time.monotonic() >= deadline:
                    raise
                time.sleep(COLD_START_POLL_S)

    def _post_once(self, headers: Mapping[str, str], body: bytes) -> int:
        conn, reused = self._take()
        try:
            status, keep = self._send(conn, headers, body)
        except (http.client.HTTPException, ConnectionError):
            conn.close()
            if not reused:
                raise
            # The function closed this idle kept-alive connection (gunicorn does
            # after 2 s); one retry on a new connection covers exactly that case.
            conn, _ = self._open()
            status, keep = self._send(conn, headers, body)
        except OSError:
            conn.close()
            raise
        self._give_back(conn, keep)
        return status

    def _send(
        self, conn: http.client.HTTPConnection, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, bool]:
        conn.request("POST", self.path, body=body, headers=dict(headers))
        response = conn.getresponse()
        response.read()
        return response.status, not response.will_close

    def _take(self) -> tuple[http.client.HTTPConnection, bool]:
        try:
            return self._idle.get_nowait(), True
        except queue.Empty:
            return self._open()

    def _open(self) -> tuple[http.client.HTTPConnection, bool]:
        self.opened += 1
        return http.client.HTTPConnection(self.host, self.port, self.timeout), False

    def _give_back(self, conn: http.client.HTTPConnection, keep: bool) -> None:
        if not keep:
            conn.close()
            return
        try:
            self._idle.put_nowait(conn)
        except queue.Full:
            conn.close()


class Duplicates:
    """Decide, at a given rate, which acked deliveries are delivered once more."""

    def __init__(self, rate: float = 0.0, seed: int | None = None) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"duplicate rate must be from 0 to 1, got {rate}")
        self.rate = rate
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def roll(self) -> bool:
        """Say whether this delivery is to be sent a second time."""
        if self.rate == 0.0:
            return False
        with self._lock:
            return self._random.random() < self.rate


class RelayServer(ThreadingHTTPServer):
    """The relay's HTTP server, holding what every request handler needs."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(
        self,
        port: int,
        target: str,
        project: str,
        topic: str,
        duplicates: Duplicates | None = None,
        cold_start_wait: float = 0.0,
    ) -> None:
        super().__init__(("127.0.0.1", port), RelayHandler)
        self.processor = Processor(target, cold_start_wait=cold_start_wait)
        self.project = project
        self.topic = topic
        self.attempts = DeliveryAttempts()
        self.duplicates = duplicates or Duplicates()


class RelayHandler(BaseHTTPRequestHandler):
    """Answer the emulator's push with the function's verdict; GET /healthz is 200."""

    protocol_version = "HTTP/1.1"
    server: RelayServer

    def do_GET(self) -> None:
        """Say the relay is up, for the local cloud's readiness check."""
        if self.path == "/healthz":
            self._answer(200, b"ok\n")
        else:
            self._answer(404, b"the relay takes POSTs from the Pub/Sub emulator\n")

    def do_POST(self) -> None:
        """Translate one push, deliver it, and ack or nack it by status code."""
        received_at = time.time()
        started = time.perf_counter()
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        try:
            push = json.loads(raw)
            message = push["message"]
            message_id = message.get("messageId") or message.get("message_id")
            if not message_id:
                raise ValueError("the push message has no messageId")
            # Real Pub/Sub sends deliveryAttempt when the subscription has a
            # dead-letter policy; the emulator's push does not, its pull does.
            attempt = int(push.get("deliveryAttempt") or 0) or (
                self.server.attempts.next(str(message_id))
            )
            headers, body = to_eventarc(
                push, self.server.project, self.server.topic, attempt
            )
        except (ValueError, KeyError, TypeError, AttributeError) as err:
            log.warning("rejected a push that is not a Pub/Sub push message: %s", err)
            self._answer(400, b"not a Pub/Sub push message\n")
            return

        status: int | None = None
        try:
            status = self.server.processor.post(headers, body)
            answer = ACK_STATUS if 200 <= status < 300 else status
        except TimeoutError:
            answer = TIMEOUT_STATUS
        except (OSError, http.client.HTTPException):
            answer = UNREACHABLE_STATUS
        if answer == ACK_STATUS:
            self.server.attempts.forget(str(message_id))
        duplicate_status = None
        if answer == ACK_STATUS and self.server.duplicates.roll():
            duplicate_status = self._deliver_again(headers, body)

        attributes = message.get("attributes") or {}
        record = {
            "component": "relay",
            "message_id": message_id,
            "event_id": attributes.get("ce-id"),
            "publish_time": headers["ce-time"],
            "attributes": attributes,
            "data_base64_chars": len(message.get("data") or ""),
            "eventarc_headers": headers,
            "eventarc_body_bytes": len(body),
            "delivery_attempt": attempt,
            "processor_status": status,
            "answer": answer,
            "outcome": "ack" if answer == ACK_STATUS else "nack",
            "duplicated": duplicate_status is not None,
            "duplicate_status": duplicate_status,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            "received_at": int(received_at * 1000),
        }
        log.info(json.dumps(record))
        self._answer(answer, b"")

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the default access log out; each delivery logs one JSON line."""

    def _deliver_again(self, headers: Mapping[str, str], body: bytes) -> int:
        """Send an acked delivery once more, as at-least-once delivery may."""
        try:
            return self.server.processor.post(headers, body)
        except TimeoutError:
            return TIMEOUT_STATUS
        except (OSError, http.client.HTTPException):
            return UNREACHABLE_STATUS

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("content-type", "text/plain; charset=utf-8")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)


def main(argv: list[str] | None = None) -> None:
    """Run the relay until SIGTERM or Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m lab_support.relay")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--target", required=True, help="the function's URL")
    parser.add_argument("--project", required=True)
    parser.add_argument("--topic", required=True, help="the topic's short name")
    parser.add_argument(
        "--pull", metavar="SUBSCRIPTION", help="pull this subscription, not pushes"
    )
    parser.add_argument("--emulator", metavar="HOST:PORT", help="where to pull from")
    parser.add_argument(
        "--duplicate-rate",
        type=float,
        default=os.environ.get(DUPLICATE_RATE_VARIABLE) or "0",
        help=f"deliver this share of acked messages twice (${DUPLICATE_RATE_VARIABLE})",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=os.environ.get(SEED_VARIABLE) or None,
        help=f"seed of the duplicate choice, for repeatable runs (${SEED_VARIABLE})",
    )
    parser.add_argument(
        "--cold-start-wait",
        type=float,
        default=os.environ.get(COLD_START_VARIABLE) or "0",
        help=f"seconds to wait for a function that refuses connections "
        f"(${COLD_START_VARIABLE})",
    )
    args = parser.parse_args(argv)
    if args.pull and not args.emulator:
        parser.error("--pull needs --emulator HOST:PORT, the Pub/Sub emulator")

    logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(message)s")
    duplicates = Duplicates(args.duplicate_rate, args.seed)
    server = RelayServer(
        args.port,
        args.target,
        args.project,
        args.topic,
        duplicates,
        cold_start_wait=args.cold_start_wait,
    )
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    log.info("relay on http://127.0.0.1:%d/ delivering to %s", args.port, args.target)
    consumer = None
    if args.pull:
        # Imported here: push mode should not pay for loading grpc.
        from lab_support import relay_pull

        own_url = f"http://127.0.0.1:{server.server_address[1]}/"
        consumer = relay_pull.start(args.emulator, args.pull, own_url)
        log.info("pulling %s from the emulator at %s", args.pull, args.emulator)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
    finally:
        if consumer is not None:
            consumer.stop()
        server.server_close()


if __name__ == "__main__":
    main()
