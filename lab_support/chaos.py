"""Send many uploads through a local cloud of its own while faults are injected.

The run starts a separate local cloud (its own state folder in a temporary
directory, so a running course cloud is not touched), then, while the
uploads flow: kills the processor's process group with SIGKILL a few times and
lets `cloud.up()` restart it, fails a share of S3 writes through
lab_support.s3_faults, and has the relay deliver a share of acked messages a
second time. A few events that can never succeed are published straight to
the topic, as a producer that skips the ingest checks would. Afterwards every
accepted event must have exactly one result or one failure record: the report
counts what was lost and what was doubled, and both must be 0.

Run: python -m lab_support chaos [--uploads N] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import shutil
import signal
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Final

from PIL import Image

from lab_support import client, config, relay, trace
from lab_support.chaos_report import ChaosReport, stored_ids, tally
from lab_support.environ import overridden
from lab_support.errors import CourseError
from lab_support.s3_faults import FaultPlan, FaultyS3Proxy

DEFAULT_UPLOADS: Final = 500
CRASHES: Final = 3
S3_FAULT_RATE: Final = 0.05
DUPLICATE_RATE: Final = 0.05
POISON_RATE: Final = 0.02
UPLOAD_WORKERS: Final = 4
# Uploads are paced, so the crashes fall while uploads are still flowing.
UPLOADS_PER_S: Final = 40.0
# A crash takes the processor away for about 2 s while it restarts; the next
# one waits at least this long after that, so no message meets two crashes.
CRASH_SPACING_S: Final = 2.0
# Cloud Run holds requests while a new instance starts; the relay does the same
# for this long when the processor is down, instead of refusing at once.
COLD_START_S: Final = 10.0
SETTLE_TIMEOUT_S: Final = 90.0
# A nacked message comes back about a second later: once the relay has logged
# nothing for QUIET_S, with everything accounted for, the run is over; after
# STILL_S of silence nothing more will come, accounted for or not.
QUIET_S: Final = 1.5
STILL_S: Final = 5.0


def picture(index: int) -> bytes:
    """A small PNG that differs for every index, so each upload is its own."""
    colour = (index % 251, (index * 7) % 253, (index * 13) % 255)
    image = Image.new("RGB", (64, 48), colour)
    image.putpixel((index % 64, (index // 64) % 48), (255, 255, 255))
    encoded = io.BytesIO()
    image.save(encoded, "PNG")
    return encoded.getvalue()


class _Run:
    """One chaos run against its own local cloud; see run()."""

    def __init__(self, lab: Any, proxy: FaultyS3Proxy, seed: int | None) -> None:
        self.lab = lab
        self.proxy = proxy
        self.random = random.Random(seed)
        self.accepted: set[str] = set()
        self.sent = 0
        self.crashes = 0
        self.processor_lines: list[dict[str, Any]] = []
        self.crash_error: BaseException | None = None
        self._sending = threading.Event()
        self._lock = threading.Lock()

    def send(self, uploads: int, poison_rate: float, crashes: int) -> None:
        """Send every upload and poison event while the crash thread does its work."""
        poison = set(self.random.sample(range(uploads), round(uploads * poison_rate)))
        self._sending.set()
        crasher = threading.Thread(
            target=self._crash, args=(uploads, crashes), daemon=True
        )
        crasher.start()
        publisher = _Publisher(self.lab)
        try:
            with ThreadPoolExecutor(UPLOAD_WORKERS) as pool:
                start = time.monotonic()
                for index in range(uploads):
                    time.sleep(
                        max(0.0, start + index / UPLOADS_PER_S - time.monotonic())
                    )
                    if index in poison:
                        pool.submit(self._publish_poison, publisher, index)
                    else:
                        pool.submit(self._upload, index)
        finally:
            self._sending.clear()
            publisher.close()
        crasher.join()
        if self.crash_error is not None:
            raise CourseError(
                f"the chaos run could not restart the processor: {self.crash_error}"
            ) from self.crash_error

    def _upload(self, index: int) -> None:
        try:
            answer = client.upload_bytes(
                self.lab.endpoints.function_url, f"chaos-{index}.png", picture(index)
            )
        except CourseError:
            answer = None
        with self._lock:
            self.sent += 1
            if answer is not None and answer.status == 202:
                self.accepted.add(answer.json()["event_id"])

    def _publish_poison(self, publisher: _Publisher, index: int) -> None:
        event_id = publisher.publish_not_an_image(index)
        with self._lock:
            self.sent += 1
            if event_id:
                self.accepted.add(event_id)

    def _crash(self, uploads: int, crashes: int) -> None:
        """Kill the processor at evenly spaced points of the run, then restart it."""
        try:
            for number in range(1, crashes + 1):
                threshold = uploads * number // (crashes + 1)
                while self.sent < threshold and self._sending.is_set():
                    time.sleep(0.01)
                self._kill_and_restart()
                self.crashes += 1
                time.sleep(CRASH_SPACING_S)
        except Exception as error:
            self.crash_error = error

    def _kill_and_restart(self) -> None:
        from lab_support import cloud
        from lab_support.cloud import lifecycle

        service = cloud.up().services["processor"]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(service.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while lifecycle.running(service) and time.monotonic() < deadline:
            time.sleep(0.01)
        # The restart truncates the log; keep what the killed instance wrote.
        self.processor_lines += trace.json_lines(Path(service.log))
        cloud.up()

    def settle(self, timeout_s: float) -> None:
        """Wait until every accepted event is accounted for and deliveries stop."""
        relay_log = Path(self.lab.services["relay"].log)
        deadline = time.monotonic() + timeout_s
        last_size, quiet_since = -1, time.monotonic()
        while time.monotonic() < deadline:
            size = relay_log.stat().st_size
            if size != last_size:
                last_size, quiet_since = size, time.monotonic()
            quiet = time.monotonic() - quiet_since
            if quiet > STILL_S or (quiet > QUIET_S and self._all_accounted()):
                return
            time.sleep(0.25)

    def _all_accounted(self) -> bool:
        results, failures = self.stored()
        return self.accepted <= set(results) | set(failures)

    def stored(self) -> tuple[Counter, Counter]:
        """Count result objects and failure records by event id, every version."""
        s3 = self.lab.s3()
        pages = s3.get_paginator("list_object_versions").paginate(
            Bucket=self.lab.bucket
        )
        keys = [v["Key"] for page in pages for v in page.get("Versions", [])]
        return stored_ids(keys, "processed/"), stored_ids(keys, "failed/")

    def report(self, seconds: float) -> ChaosReport:
        """Count everything, from S3, the relay's log and the processor's logs."""
        results, failures = self.stored()
        processor_log = Path(self.lab.services["processor"].log)
        return tally(
            sent=self.sent,
            accepted=self.accepted,
            results=results,
            failures=failures,
            processor_lines=self.processor_lines + trace.json_lines(processor_log),
            relay_lines=trace.json_lines(Path(self.lab.services["relay"].log)),
            crashes=self.crashes,
            s3_faults=self.proxy.plan.counts.failed,
            dead_lettered=_Publisher(self.lab).drain_dead_letters(),
            seconds=seconds,
        )


class _Publisher:
    """Publish straight to the run's topic and read its dead-letter subscription."""

    def __init__(self, lab: Any) -> None:
        from lab_support.cloud import resources

        self.settings = config.settings()
        host = lab.endpoints.pubsub_emulator_host
        self.publisher, self.subscriber = resources.pubsub_clients(host)
        self.source = f"//chaos/{self.settings.prefix}"

    def publish_not_an_image(self, index: int) -> str | None:
        """Publish an image.uploaded event whose data is text; return its id."""
        from imagepipe.events import build_upload_event
        from imagepipe.pubsub import to_message

        event = build_upload_event(
            f"chaos poison {index}: this is text, not a PNG".encode(),
            source=self.source,
            subject=f"poison-{index}.png",
            datacontenttype="image/png",
        )
        data, attributes = to_message(event)
        future = self.publisher.publish(self.settings.topic_path, data, **attributes)
        try:
            future.result(timeout=10)
        except Exception:
            return None
        return event["id"]

    def drain_dead_letters(self) -> int:
        """Pull and ack the dead-letter subscription until it is empty."""
        path = self.subscriber.subscription_path(
            self.settings.gcp_project, self.settings.dead_letter_subscription
        )
        total = 0
        try:
            while True:
                answer = self.subscriber.pull(
                    subscription=path, max_messages=100, timeout=2
                )
                if not answer.received_messages:
                    return total
                self.subscriber.acknowledge(
                    subscription=path,
                    ack_ids=[m.ack_id for m in answer.received_messages],
                )
                total += len(answer.received_messages)
        finally:
            self.close()

    def close(self) -> None:
        """Close both gRPC channels."""
        self.publisher.transport.close()
        self.subscriber.close()


def run(
    uploads: int = DEFAULT_UPLOADS,
    *,
    crashes: int = CRASHES,
    s3_fault_rate: float = S3_FAULT_RATE,
    duplicate_rate: float = DUPLICATE_RATE,
    poison_rate: float = POISON_RATE,
    seed: int | None = None,
) -> ChaosReport:
    """Run the chaos test on a local cloud of its own, stop it, return the report."""
    from lab_support import cloud

    if uploads < 1:
        raise CourseError("a chaos run needs at least one upload: pass --uploads N")
    started = time.perf_counter()
    root = Path(tempfile.mkdtemp(prefix="lab-chaos-"))
    proxy = FaultyS3Proxy(FaultPlan(s3_fault_rate, per_key=1, seed=seed)).start()
    changes: dict[str, str | None] = {
        "LAB_STATE_DIR": str(root / "state"),
        "LAB_BUILD_DIR": str(root / "build"),
        "LAB_OUTPUT_DIR": str(root / "output"),
        # The processor's (and only its) S3 writes go through the proxy:
        # boto3 prefers AWS_ENDPOINT_URL_S3 to the AWS_ENDPOINT_URL it is given.
        "AWS_ENDPOINT_URL_S3": proxy.url,
        # One attempt per S3 call, so every injected fault reaches Pub/Sub.
        "AWS_MAX_ATTEMPTS": "1",
        relay.DUPLICATE_RATE_VARIABLE: str(duplicate_rate),
        relay.SEED_VARIABLE: None if seed is None else str(seed),
        relay.COLD_START_VARIABLE: str(COLD_START_S),
        "PUBSUB_EMULATOR_HOST": None,
    }
    try:
        with overridden(changes):
            lab = cloud.up()
            try:
                proxy.forward_to(lab.endpoints.s3_endpoint)
                lab.s3().put_bucket_versioning(
                    Bucket=lab.bucket,
                    VersioningConfiguration={"Status": "Enabled"},
                )
                chaos = _Run(lab, proxy, seed)
                chaos.send(uploads, poison_rate, crashes)
                chaos.settle(SETTLE_TIMEOUT_S)
                return chaos.report(time.perf_counter() - started)
            finally:
                cloud.down()
    finally:
        proxy.stop()
        shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    """Run `python -m lab_support chaos`; exit 0 when nothing was lost or doubled."""
    parser = argparse.ArgumentParser(
        prog="python -m lab_support chaos",
        description="Send uploads through a local cloud of its own while the "
        "processor crashes, S3 fails writes and the trigger delivers twice; "
        "count what became of each.",
    )
    parser.add_argument("--uploads", type=int, default=DEFAULT_UPLOADS)
    parser.add_argument("--crashes", type=int, default=CRASHES)
    parser.add_argument("--s3-fault-rate", type=float, default=S3_FAULT_RATE)
    parser.add_argument("--duplicate-rate", type=float, default=DUPLICATE_RATE)
    parser.add_argument("--poison-rate", type=float, default=POISON_RATE)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)

    report = run(
        args.uploads,
        crashes=args.crashes,
        s3_fault_rate=args.s3_fault_rate,
        duplicate_rate=args.duplicate_rate,
        poison_rate=args.poison_rate,
        seed=args.seed,
    )
    if args.json:
        print(
            json.dumps({**report.figures(), "seconds": report.seconds, "ok": report.ok})
        )
    else:
        print(report.describe())
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
