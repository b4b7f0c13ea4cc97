"""Solutions to chapter 6's exercises (the ingest Lambda), pinned by test_ch06."""

from collections.abc import Mapping
from typing import Any

from lab_support import client, lambda_lab
from lab_support.config import SAMPLE_IMAGES


def padding(event: Mapping[str, Any]) -> int:
    """6.1: base64 comes in groups of 4 characters; '=' fills the last one up."""
    return -len(event["body"]) % 4


def raw_not_an_image(function_url: str) -> client.Response:
    """6.2: the file itself as the body, declared image/jpeg, not a form."""
    path = SAMPLE_IMAGES / "tricky" / "not_an_image.jpg"
    url = function_url.rstrip("/") + "/images"
    headers = {"content-type": "image/jpeg"}
    return client.request("POST", url, path.read_bytes(), headers)


def billed_duration(log: str) -> int:
    """6.3: the REPORT line's Billed Duration field, without its unit."""
    return int(lambda_lab.report_fields(log)["Billed Duration"].split()[0])
