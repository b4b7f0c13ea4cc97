"""The pipeline's event types and the rules a CloudEvent must follow to be sent on."""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

from cloudevents.http import CloudEvent

IMAGE_UPLOADED: Final = "org.example.imagepipe.image.uploaded.v1"
SPECVERSION: Final = "1.0"

# CloudEvents 1.0 "Context Attributes": the attributes the spec defines itself.
CORE_ATTRIBUTES: Final = frozenset(
    {
        "specversion",
        "id",
        "source",
        "type",
        "datacontenttype",
        "dataschema",
        "subject",
        "time",
    }
)
REQUIRED_ATTRIBUTES: Final = ("specversion", "id", "source", "type")
# CloudEvents 1.0 "Attribute Naming Convention": a-z and 0-9 only (MUST),
# at most 20 characters (SHOULD; this project refuses longer names too).
_NAME: Final = re.compile(r"[a-z0-9]+")
MAX_NAME_LENGTH: Final = 20
# CloudEvents 1.0 "Type System": Integer is a signed 32-bit value.
_INT32: Final = range(-(2**31), 2**31)


class EventError(ValueError):
    """An event breaks a CloudEvents rule or this pipeline's contract."""


def validate_extension_name(name: str) -> None:
    """Refuse an extension name the spec forbids, saying which rule it breaks."""
    if name in CORE_ATTRIBUTES or name == "data":
        raise EventError(
            f"extension name {name!r} is taken by the CloudEvents spec itself: "
            "choose another name"
        )
    if not _NAME.fullmatch(name):
        raise EventError(
            f"extension name {name!r} breaks CloudEvents 1.0 attribute naming: "
            "names MUST use only lower-case ASCII letters a-z and digits 0-9 "
            "(no upper case, '-', '_' or '.'); rename it, for example "
            f"{re.sub('[^a-z0-9]', '', name.lower()) or 'myext'!r}"
        )
    if len(name) > MAX_NAME_LENGTH:
        raise EventError(
            f"extension name {name!r} is {len(name)} characters long: CloudEvents "
            f"1.0 says names SHOULD NOT exceed {MAX_NAME_LENGTH} characters, and "
            "this pipeline holds to that; choose a shorter name"
        )


def canonical_string(value: Any) -> str:
    """Write an attribute value as its CloudEvents canonical string (Type System)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if value not in _INT32:
            raise EventError(
                f"attribute value {value} does not fit a CloudEvents Integer "
                "(signed 32-bit): send it as a string instead"
            )
        return str(value)
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise EventError(
                f"timestamp {value!r} has no time zone: CloudEvents Timestamps are "
                "RFC 3339 and need one; use datetime.now(UTC)"
            )
        return rfc3339(value)
    raise EventError(
        f"attribute value {value!r} of type {type(value).__name__} has no "
        "CloudEvents type: use a str, int, bool, bytes or aware datetime"
    )


def rfc3339(moment: datetime) -> str:
    """Format an aware datetime as RFC 3339 in UTC with millisecond precision."""
    utc = moment.astimezone(UTC).isoformat(timespec="milliseconds")
    return utc.replace("+00:00", "Z")


def validate_attributes(attributes: Mapping[str, Any]) -> None:
    """Check that the required attributes are present and every name is allowed."""
    missing = [name for name in REQUIRED_ATTRIBUTES if not attributes.get(name)]
    if missing:
        raise EventError(
            f"event lacks required attribute(s) {', '.join(missing)}: "
            "CloudEvents 1.0 requires specversion, id, source and type"
        )
    if attributes["specversion"] != SPECVERSION:
        raise EventError(
            f"specversion {attributes['specversion']!r} is not supported: "
            f"this pipeline speaks CloudEvents {SPECVERSION}"
        )
    for name in attributes:
        if name not in CORE_ATTRIBUTES:
            validate_extension_name(name)


def build_upload_event(
    data: bytes,
    *,
    source: str,
    subject: str,
    datacontenttype: str,
    extensions: Mapping[str, Any] | None = None,
) -> CloudEvent:
    """Wrap uploaded image bytes in an image.uploaded CloudEvent with a fresh id."""
    if not isinstance(data, bytes):
        raise EventError(
            f"event data must be the image bytes, not {type(data).__name__}"
        )
    for name, value in {"source": source, "subject": subject}.items():
        if not value:
            raise EventError(f"an image.uploaded event needs a non-empty {name}")
    if not datacontenttype.startswith("image/"):
        raise EventError(
            f"datacontenttype {datacontenttype!r} is not an image type: pass the "
            "MIME type Pillow found, such as image/jpeg"
        )

    attributes: dict[str, Any] = {
        "specversion": SPECVERSION,
        "id": str(uuid.uuid4()),
        "source": source,
        "type": IMAGE_UPLOADED,
        "time": rfc3339(datetime.now(UTC)),
        "subject": subject,
        "datacontenttype": datacontenttype,
    }
    for name, value in (extensions or {}).items():
        validate_extension_name(name)
        canonical_string(value)
        attributes[name] = value

    return CloudEvent(attributes, data)
