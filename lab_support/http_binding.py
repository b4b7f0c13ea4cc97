"""The parts of the CloudEvents HTTP binding that cloudevents 1.12 leaves to you.

The SDK's `to_binary` copies attribute values into `ce-` headers as they are and
`from_http` reads them back as they are; it has no batch format. This module
adds what the binding (cloudevents/spec, bindings/http-protocol-binding.md)
asks for on top: percent-encoded header values (3.1.3.2), the receiver's choice
of content mode (3) and the JSON batch format (3.3; formats/json-format.md 4).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Final, Literal

from cloudevents.conversion import to_json
from cloudevents.http import CloudEvent, from_json
from imagepipe.events import canonical_string

CE_PREFIX: Final = "ce-"
STRUCTURED_PREFIX: Final = "application/cloudevents"
BATCH_PREFIX: Final = "application/cloudevents-batch"
BATCH_CONTENT_TYPE: Final = "application/cloudevents-batch+json; charset=UTF-8"

# HTTP binding 3.1.3.2: space, double-quote, percent and everything outside
# printable ASCII (U+0021-U+007E) MUST be percent-encoded; the rest stays.
_KEPT: Final = frozenset(chr(c) for c in range(0x21, 0x7F)) - {'"', "%"}
_HEX: Final = frozenset("0123456789abcdefABCDEF")

ContentMode = Literal["binary", "structured", "batch"]


class HeaderValueError(ValueError):
    """A header value cannot be decoded as the HTTP binding requires."""


class BatchError(ValueError):
    """A body is not a CloudEvents JSON batch, or the events cannot form one."""


def percent_encode(value: str) -> str:
    """Encode a canonical string for a `ce-` header value (binding 3.1.3.2)."""
    out: list[str] = []
    for char in value:
        if char in _KEPT:
            out.append(char)
        else:
            out.extend(f"%{byte:02X}" for byte in char.encode("utf-8"))
    return "".join(out)


def _unquote(value: str) -> str:
    # RFC 7230 3.2.6: a quoted-string, with backslash escaping the next character.
    if len(value) < 2 or value[0] != '"' or value[-1] != '"':
        return value
    inner, out, escaped = value[1:-1], [], False
    for char in inner:
        if escaped or char != "\\":
            out.append(char)
            escaped = False
        else:
            escaped = True
    return "".join(out)


def percent_decode(value: str) -> str:
    """Decode a `ce-` header value: unquote, one round of %XY, strict UTF-8."""
    text = _unquote(value)
    raw = bytearray()
    i = 0
    while i < len(text):
        char = text[i]
        if char != "%":
            raw.extend(char.encode("utf-8"))
            i += 1
            continue
        pair = text[i + 1 : i + 3]
        if len(pair) != 2 or not set(pair) <= _HEX:
            raise HeaderValueError(
                f"header value {value!r} has a '%' not followed by two hex digits "
                f"at position {i}: the sender must encode '%' itself as %25"
            )
        raw.append(int(pair, 16))
        i += 3
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise HeaderValueError(
            f"header value {value!r} percent-decodes to bytes that are not valid "
            "UTF-8; the HTTP binding says to reject it: ask the sender to encode "
            "the UTF-8 bytes of each character"
        ) from error


def encode_headers(headers: Mapping[str, Any]) -> dict[str, str]:
    """Write each `ce-` value as its canonical string, percent-encoded; keep others."""
    return {
        name: percent_encode(canonical_string(value))
        if name.lower().startswith(CE_PREFIX)
        else str(value)
        for name, value in headers.items()
    }


def decode_headers(headers: Iterable[tuple[str, str]] | Mapping[str, str]) -> dict:
    """Lower-case header names and percent-decode `ce-` values, before `from_http`."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    decoded: dict[str, str] = {}
    for name, value in items:
        key = name.lower()
        decoded[key] = percent_decode(value) if key.startswith(CE_PREFIX) else value
    return decoded


def content_mode(headers: Mapping[str, str]) -> ContentMode:
    """Pick the content mode as a receiver must: by the Content-Type prefix (3)."""
    lowered = {name.lower(): value for name, value in headers.items()}
    content_type = lowered.get("content-type", "").strip().lower()
    if content_type.startswith(BATCH_PREFIX):
        return "batch"
    if content_type.startswith(STRUCTURED_PREFIX):
        return "structured"
    return "binary"


def to_batch(events: Iterable[CloudEvent]) -> tuple[dict[str, str], bytes]:
    """Put events in one JSON batch body: a JSON array of structured events (3.3)."""
    chosen = list(events)
    versions = {event["specversion"] for event in chosen}
    if len(versions) > 1:
        raise BatchError(
            f"a batch mixes specversions {sorted(versions)}; HTTP binding 3.3.2 "
            "says all batched events MUST share one: send them in separate batches"
        )
    body = b"[" + b",".join(to_json(event) for event in chosen) + b"]"
    return {"content-type": BATCH_CONTENT_TYPE}, body


def from_batch(headers: Mapping[str, str], body: bytes | str) -> list[CloudEvent]:
    """Read every event of a JSON batch body; refuse a body that is not one."""
    if content_mode(headers) != "batch":
        raise BatchError(
            "the request's Content-Type is not application/cloudevents-batch+json: "
            "read it with cloudevents.http.from_http instead"
        )
    try:
        items = json.loads(body)
    except ValueError as error:
        raise BatchError(f"the batch body is not JSON: {error}") from error
    if not isinstance(items, list):
        raise BatchError(
            f"a JSON batch is an array of events, this body is a "
            f"{type(items).__name__}: send [event, ...]"
        )
    return [from_json(json.dumps(item)) for item in items]
