"""Solutions to chapter 8's exercises; `tests/lab_support/test_checks.py` runs them."""

from pathlib import Path

from lab_support import client
from lab_support.config import SAMPLE_IMAGES


def slowest_hop(trace) -> str:
    """8.1: the hop with the most milliseconds, leaving out the total."""
    hops = {hop: ms for hop, ms in trace.timings_ms.items() if hop != "total"}
    return max(hops, key=hops.get)


def source_id(head: dict) -> str:
    """8.2: the result object's metadata names the event that produced it."""
    return head["Metadata"]["source-event-id"]


def truncated_upload_status(function_url: str) -> int:
    """8.3: half a JPEG is an image that will not decode."""
    path = Path(SAMPLE_IMAGES / "tricky" / "truncated.jpg")
    answer = client.upload_bytes(function_url, path.name, path.read_bytes())
    return answer.status
