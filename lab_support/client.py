"""A learner's HTTP client for the pipeline: upload an image, wait, download."""

from __future__ import annotations

import json
import mimetypes
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from lab_support.errors import CourseError


@dataclass(frozen=True)
class Response:
    """One HTTP answer: status, lower-cased headers, body, and how long it took."""

    status: int
    headers: dict[str, str]
    body: bytes
    elapsed_ms: float

    def json(self) -> dict:
        return json.loads(self.body)


@dataclass(frozen=True)
class Receipt:
    """What the ingest function answered to an accepted upload."""

    event_id: str
    result_key: str
    status_url: str
    answer: dict = field(repr=False)
    response: Response = field(repr=False)


def request(method: str, url: str, body: bytes | None = None, headers=None) -> Response:
    """Send one request and return the answer, whatever its status code."""
    started = time.perf_counter()
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as answer:
            status, raw_headers, payload = answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        status, raw_headers, payload = error.code, error.headers, error.read()
    except urllib.error.URLError as error:
        raise CourseError(
            f"cannot reach {url}: {error.reason}; is the local cloud running? "
            "Start it with `python -m lab_support up`"
        ) from error
    elapsed_ms = (time.perf_counter() - started) * 1000
    headers = {name.lower(): value for name, value in raw_headers.items()}
    return Response(status, headers, payload, elapsed_ms)


def multipart(field_name: str, filename: str, content: bytes, content_type: str):
    """Encode one file as a multipart/form-data body, as a browser form would."""
    boundary = f"----lab-{uuid.uuid4().hex}"
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="{field_name}"; '
        f'filename="{filename}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n"
    ).encode()
    body = head + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def upload_bytes(function_url: str, filename: str, content: bytes) -> Response:
    """POST an image to the ingest function as a form upload."""
    declared = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    body, content_type = multipart("file", filename, content, declared)
    url = function_url.rstrip("/") + "/images"
    return request("POST", url, body, {"content-type": content_type})


def upload(function_url: str, path: Path) -> Receipt:
    """Upload one image file and return the receipt, or explain the refusal."""
    response = upload_bytes(function_url, path.name, path.read_bytes())
    answer = response.json()
    if response.status != 202:
        message = answer.get("message", response.body.decode(errors="replace"))
        raise CourseError(
            f"upload of {path.name} refused ({response.status}): {message}"
        )
    return Receipt(
        answer["event_id"], answer["result_key"], answer["status_url"], answer, response
    )


def wait_for_result(function_url: str, receipt: Receipt, timeout_s: float = 30.0):
    """Poll the status URL until the result exists; return its final answer."""
    url = function_url.rstrip("/") + receipt.status_url
    deadline = time.monotonic() + timeout_s
    while True:
        response = request("GET", url)
        if response.status != 202:
            return response
        if time.monotonic() > deadline:
            raise CourseError(
                f"no result for event {receipt.event_id} after {timeout_s:.0f} s; "
                "look at `python -m lab_support logs processor` and `logs relay`"
            )
        time.sleep(0.005)
