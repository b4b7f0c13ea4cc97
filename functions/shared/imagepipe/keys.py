"""Names derived from untrusted input: the event subject and the S3 object keys."""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from imagepipe.events import EventError
from imagepipe.settings import output_format

# The subject travels as a Pub/Sub attribute (1024 bytes at most) and, quoted,
# as S3 metadata (2 KB for all user metadata), so it stays well below both.
MAX_SUBJECT_BYTES: Final = 200
DEFAULT_STEM: Final = "upload"
RESULT_PREFIX: Final = "processed/"
FAILURE_PREFIX: Final = "failed/"

_UNSAFE: Final = re.compile(r"[^\w.\-]+")
_EVENT_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]{0,127}")


def _truncate_utf8(text: str, limit: int) -> str:
    return text.encode("utf-8")[:limit].decode("utf-8", errors="ignore")


def _bounded(name: str, limit: int) -> str:
    if len(name.encode("utf-8")) <= limit:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension.encode("utf-8")) > 16:
        return _truncate_utf8(name, limit)
    room = limit - len(extension.encode("utf-8")) - 1
    return f"{_truncate_utf8(stem, room)}.{extension}"


def subject_from_filename(name: str | None, *, default_extension: str = "") -> str:
    """Turn an uploaded file name into a safe event subject: base name, safe chars."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", name or ""))[-1]
    safe = _UNSAFE.sub("_", base)
    safe = re.sub(r"\.{2,}", ".", safe).strip("._")
    if not safe:
        safe = DEFAULT_STEM + (f".{default_extension}" if default_extension else "")
    return _bounded(safe, MAX_SUBJECT_BYTES)


def _checked_event_id(event_id: str) -> str:
    if not _EVENT_ID.fullmatch(event_id):
        raise EventError(
            f"event id {event_id[:60]!r} cannot name an S3 object: ids must be "
            "1-128 letters, digits, '.', '_' or '-' (the ingest function uses "
            "UUIDs)"
        )
    return event_id


def result_key(event_id: str, output_format_name: str) -> str:
    """Name the S3 object that holds the processed image of one event."""
    extension = output_format(output_format_name).extension
    return f"{RESULT_PREFIX}{_checked_event_id(event_id)}.{extension}"


def failure_key(event_id: str) -> str:
    """Name the S3 object that records why one event could not be processed."""
    return f"{FAILURE_PREFIX}{_checked_event_id(event_id)}.json"
