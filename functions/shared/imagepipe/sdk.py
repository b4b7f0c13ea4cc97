"""Where cloudevents 1.12 departs from the CloudEvents spec, and the one fix of each.

Every module of the project builds and reads events through this one, so each
departure is worked around here and nowhere else; tests/conformance pins both
the SDK's behaviour and the fix, so a fixed SDK release shows up as a failing test.

1. `CloudEvent(attributes, data)` invents an `id` (a UUID) and a `time` (now)
   when they are absent. A receiver must see an event as it was sent: an event
   without `time` has none, and one without `id` is not a CloudEvent at all.
2. `to_binary` writes attribute values into HTTP headers unescaped, and
   `from_http` reads them unescaped. The HTTP binding (1.0.2, section 3.1.3.2)
   requires percent-encoding of space, `"`, `%` and every character outside
   printable ASCII; unescaped, a value with a line break cannot be sent at all.
3. `from_http` parses binary data as JSON whenever it happens to be JSON,
   whatever `datacontenttype` says: a `text/plain` body `5` (or `data_base64`
   of it) comes back as the integer 5. Binary data is the bytes that were sent.
4. For a 0.3 event, the JSON format carries binary data as a base64 `data`
   with `datacontentencoding: base64`; 1.12 writes and reads 1.0's
   `data_base64` instead, which a 0.3 receiver does not know.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import unquote

from cloudevents.http import CloudEvent

INVENTED: Final = ("id", "time")
# HTTP binding 3.1.3.2: printable ASCII except '"' and '%' travels as it is.
_HEADER_SAFE: Final = frozenset(chr(c) for c in range(0x21, 0x7F)) - {'"', "%"}
_QUOTED_PAIR: Final = re.compile(r"\\(.)")
_STRAY_PERCENT: Final = re.compile(r"%(?![0-9A-Fa-f]{2})")


def event(attributes: Mapping[str, Any], data: Any) -> CloudEvent:
    """Build a CloudEvent holding exactly the given attributes (fix 1)."""
    built = CloudEvent(dict(attributes), data)
    return without_invented(built, attributes)


def without_invented(built: CloudEvent, sent: Mapping[str, Any]) -> CloudEvent:
    """Take out the id and time the SDK filled in but the sender never sent (fix 1)."""
    for name in INVENTED:
        if name not in sent and name in built:
            del built[name]
    return built


def header_value(value: str) -> str:
    """Percent-encode an attribute value for an HTTP header (fix 2)."""
    return "".join(
        char
        if char in _HEADER_SAFE
        else "".join(f"%{byte:02X}" for byte in char.encode("utf-8"))
        for char in value
    )


class HeaderValueError(ValueError):
    """A ce- header value that the HTTP binding's percent-encoding cannot decode."""


def attribute_value(header: str) -> str:
    """Decode a header value back to the attribute (fix 2).

    First a quoted-string is unquoted (RFC 7230 3.2.6: older senders quote
    values with spaces), then one round of percent-decoding. A '%' without two
    hex digits, or bytes that are not UTF-8 (an overlong "%C0%A0", say), raise
    HeaderValueError: the binding says such a value must be rejected.
    """
    text = header.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = _QUOTED_PAIR.sub(r"\1", text[1:-1])
    stray = _STRAY_PERCENT.search(text)
    if stray:
        raise HeaderValueError(
            f"header value {header!r} has a '%' not followed by two hex digits at "
            f"position {stray.start()}: the sender must encode '%' itself as %25"
        )
    try:
        return unquote(text, encoding="utf-8", errors="strict")
    except UnicodeDecodeError as error:
        raise HeaderValueError(
            f"header value {header!r} percent-decodes to bytes that are not valid "
            f"UTF-8 ({error.reason}): ask the sender to encode the UTF-8 bytes of "
            "each character"
        ) from error


def keep_bytes(body: bytes) -> bytes:
    """A data unmarshaller that leaves binary data as the bytes it is (fix 3)."""
    return body


def to_v03_json(envelope: dict[str, Any]) -> dict[str, Any]:
    """Write a 0.3 event's binary data the 0.3 JSON format's way (fix 4)."""
    if envelope.get("specversion") != "0.3" or "data_base64" not in envelope:
        return envelope
    written = dict(envelope)
    written["datacontentencoding"] = "base64"
    written["data"] = written.pop("data_base64")
    return written


def from_v03_json(envelope: dict[str, Any]) -> dict[str, Any]:
    """Read a 0.3 event's base64 data back as binary data for the SDK (fix 4)."""
    if envelope.get("specversion") != "0.3":
        return envelope
    if envelope.get("datacontentencoding") != "base64" or "data" not in envelope:
        return envelope
    read = dict(envelope)
    del read["datacontentencoding"]
    read["data_base64"] = read.pop("data")
    return read
