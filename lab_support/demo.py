"""Send one image through the whole local pipeline and bring the result home."""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from lab_support import client, cloud, config, trace
from lab_support.errors import CourseError


@dataclass
class DemoResult:
    """One trip: where the result is, what it is, how long each hop took."""

    source: Path
    receipt: client.Receipt
    result: dict
    output_path: Path
    width: int
    height: int
    format: str
    trace: trace.EventTrace

    def as_dict(self) -> dict:
        """The demo's JSON line: the fields a script or a test reads."""
        return {
            "event_id": self.receipt.event_id,
            "result_key": self.receipt.result_key,
            "output_path": str(self.output_path),
            "width": self.width,
            "height": self.height,
            "format": self.format,
            "timings_ms": self.trace.timings_ms,
        }

    def describe(self) -> str:
        """Say in a few lines what happened, for a person at a terminal."""
        hops = "  ".join(f"{hop} {ms:g}" for hop, ms in self.trace.timings_ms.items())
        return "\n".join(
            [
                f"uploaded {self.source.name}: event {self.receipt.event_id}",
                f"result  {self.receipt.result_key} -> {self.output_path}",
                f"        {self.format} {self.width} x {self.height}",
                f"ms      {hops}",
            ]
        )


def _check_file(path: Path) -> None:
    if not path.is_file():
        raise CourseError(
            f"{path} is not a file: give the path of an image, for example "
            f"{config.DEFAULT_IMAGE.relative_to(config.PROJECT_ROOT)}"
        )


def fetch_result(function_url: str, receipt: client.Receipt) -> tuple[dict, bytes]:
    """Wait for the result, then download it through its presigned URL."""
    answer = client.wait_for_result(function_url, receipt)
    body = answer.json()
    if answer.status != 200 or body.get("status") != "done":
        raise CourseError(
            f"event {receipt.event_id} did not produce a result: "
            f"{body.get('message') or body}"
        )
    download = client.request("GET", body["url"])
    if download.status != 200:
        raise CourseError(
            f"the presigned URL answered {download.status}: {download.body[:200]!r}"
        )
    return body, download.body


def send(local: cloud.LocalCloud, path: Path) -> DemoResult:
    """Upload `path`, wait for its result, save it under the output folder."""
    _check_file(path)
    function_url = local.endpoints.function_url

    started = time.perf_counter()
    receipt = client.upload(function_url, path)
    result, content = fetch_result(function_url, receipt)
    total_ms = (time.perf_counter() - started) * 1000

    output_dir = config.settings().output_dir
    output_dir.mkdir(parents=True, exist_ok=True)
    output_path = output_dir / Path(receipt.result_key).name
    output_path.write_bytes(content)
    with Image.open(io.BytesIO(content)) as image:
        width, height, kind = image.width, image.height, image.format
    hops = trace.follow(local, receipt, total_ms)
    return DemoResult(path, receipt, result, output_path, width, height, kind, hops)


def run(path: Path) -> DemoResult:
    """Start (or reuse) the local cloud, send one image, stop what was started."""
    _check_file(path)
    with cloud.start() as local:
        return send(local, path)
