"""Names derived from untrusted input: the event subject and the S3 object keys."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Final
from urllib.parse import unquote_plus

from imagepipe.events import EventError
from imagepipe.settings import output_format

# The subject travels as a Pub/Sub attribute (1024 bytes at most) and, quoted,
# as S3 metadata (2 KB for all user metadata), so it stays well below both.
MAX_SUBJECT_BYTES: Final = 200
DEFAULT_STEM: Final = "upload"
RESULT_PREFIX: Final = "processed/"
FAILURE_PREFIX: Final = "failed/"
# S3 object keys are at most 1,024 bytes of UTF-8 (Amazon S3 User Guide,
# "Naming objects"); moto accepts longer ones, so the project checks itself.
MAX_KEY_BYTES: Final = 1024

_UNSAFE: Final = re.compile(r"[^\w.\-]+")
_EVENT_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]{0,127}")
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f]")


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


def checked_key(key: str) -> str:
    """Refuse an object key S3 would reject or a reader could take for a path."""
    size = len(key.encode("utf-8"))
    if not key or size > MAX_KEY_BYTES:
        raise EventError(
            f"object key of {size} bytes: S3 keys are 1 to {MAX_KEY_BYTES} bytes"
        )
    if key.startswith("/") or {".", ".."} & set(key.split("/")):
        raise EventError(
            f"object key {key[:60]!r} starts with '/' or has a '.' or '..' segment"
        )
    if _CONTROL.search(key):
        raise EventError(f"object key {key[:60]!r} holds a control character")
    return key


def key_from_s3_event(raw: str) -> str:
    """Decode an object key as S3 event notifications carry it: URL-encoded, + is space.

    S3 event notifications (Amazon S3 User Guide, "Event message structure")
    URL-encode the key as an HTML form does, so "+" means a space and a real
    "+" arrives as "%2B".
    """
    return unquote_plus(raw, encoding="utf-8", errors="strict")


def record_id(*candidates: str | None) -> str:
    """Choose what names a failure record: the first id that can name an object."""
    for candidate in candidates:
        if candidate and _EVENT_ID.fullmatch(candidate):
            return candidate
    # No usable id: name the record by a digest of the first id there is, so
    # redeliveries of the same event still find the same record.
    seed = next((c for c in candidates if c), "")
    return "sha256-" + hashlib.sha256(seed.encode("utf-8")).hexdigest()[:40]


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
    return checked_key(f"{RESULT_PREFIX}{_checked_event_id(event_id)}.{extension}")


def failure_key(event_id: str) -> str:
    """Name the S3 object that records why one event could not be processed."""
    return checked_key(f"{FAILURE_PREFIX}{_checked_event_id(event_id)}.json")
