"""The CloudEvents HTTP binding: a CloudEvent to a request and back, both content modes.

The binding is cloudevents/spec http-protocol-binding.md (1.0.2). Binary mode
carries each attribute in a `ce-<name>` header (datacontenttype in
`Content-Type`) and the data as the body; structured mode carries the whole
event in the JSON format with `Content-Type: application/cloudevents+json`.
Encoding and decoding use cloudevents 1.12, corrected by imagepipe.sdk.
A request that is not one CloudEvent is refused with the status to answer and
the attribute or rule it breaks.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any, Final, Literal

from cloudevents.conversion import to_binary, to_structured
from cloudevents.exceptions import GenericException
from cloudevents.http import CloudEvent
from cloudevents.http import from_http as sdk_from_http

from imagepipe import sdk
from imagepipe.events import EventError

PREFIX: Final = "ce-"
STRUCTURED: Final = "application/cloudevents+json"
BATCH: Final = "application/cloudevents-batch+json"
REQUIRED: Final = ("specversion", "id", "source", "type")
# The CloudEvents versions cloudevents 1.12 reads; 1.0 is what this project sends.
SPECVERSIONS: Final = ("1.0", "0.3")

Mode = Literal["binary", "structured"]


class BindingError(EventError):
    """A request is not one CloudEvent; `status` is the HTTP answer it deserves."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def media_type(headers: Mapping[str, str]) -> str:
    """Return the request's media type, lower-cased, without its parameters."""
    value = _lowered(headers).get("content-type", "")
    return value.split(";", 1)[0].strip().lower()


def content_mode(headers: Mapping[str, str]) -> Mode:
    """Say which content mode a request uses, or refuse one that uses neither."""
    media = media_type(headers)
    if media == BATCH:
        raise BindingError(
            415,
            f"batched content mode ({BATCH}) is not accepted: an Eventarc trigger "
            "delivers one event a request; send each event in its own request",
        )
    if media.startswith("application/cloudevents"):
        if media != STRUCTURED:
            raise BindingError(
                415,
                f"event format {media!r} is not supported: use the JSON format "
                f"({STRUCTURED}) or binary content mode",
            )
        return "structured"
    if any(name.startswith(PREFIX) for name in _lowered(headers)):
        return "binary"
    raise BindingError(
        400,
        "the request is not a CloudEvent: binary content mode needs the headers "
        "ce-id, ce-source, ce-specversion and ce-type, structured mode needs "
        f"Content-Type {STRUCTURED}, and it has neither",
    )


def to_http(event: CloudEvent, mode: Mode = "binary") -> tuple[dict[str, str], bytes]:
    """Turn a CloudEvent into HTTP headers and body in the given content mode."""
    if mode == "structured":
        _, body = to_structured(event)
        envelope = sdk.to_v03_json(json.loads(body))
        return {"content-type": STRUCTURED}, json.dumps(envelope).encode("utf-8")
    if mode != "binary":
        raise EventError(f"content mode {mode!r} unknown: use binary or structured")

    headers, body = to_binary(event)
    encoded = {
        name: sdk.header_value(value) if name.startswith(PREFIX) else value
        for name, value in headers.items()
    }
    return encoded, _as_bytes(body)


def from_http(headers: Mapping[str, str], body: bytes) -> CloudEvent:
    """Read the one CloudEvent a request carries, or refuse it with a reason."""
    if content_mode(headers) == "structured":
        return _from_structured(body)
    return _from_binary(headers, body)


def _lowered(headers: Mapping[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def _as_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    return bytes(body)


def _check_required(attributes: Mapping[str, Any], where: str) -> None:
    missing = [
        name
        for name in REQUIRED
        if not isinstance(attributes.get(name), str) or not attributes[name]
    ]
    if missing:
        named = ", ".join(where.format(name) for name in missing)
        raise BindingError(
            400,
            f"the CloudEvent lacks {named}: CloudEvents requires specversion, id, "
            "source and type as non-empty strings",
        )
    if attributes["specversion"] not in SPECVERSIONS:
        raise BindingError(
            400,
            f"{where.format('specversion')} {attributes['specversion']!r} is not a "
            f"CloudEvents version this processor reads ({', '.join(SPECVERSIONS)})",
        )


def _from_binary(headers: Mapping[str, str], body: bytes) -> CloudEvent:
    lowered = _lowered(headers)
    attributes: dict[str, str] = {}
    for name, value in lowered.items():
        if not name.startswith(PREFIX):
            continue
        try:
            attributes[name[len(PREFIX) :]] = sdk.attribute_value(value)
        except sdk.HeaderValueError as error:
            raise BindingError(
                400,
                f"header {name} is not percent-encoded UTF-8 ({error}): "
                "encode attribute values as the HTTP binding, section 3.1.3.2, says",
            ) from error
    _check_required(attributes, "header ce-{}")

    # The SDK reads ce- headers and Content-Type itself; pass it decoded values.
    decoded = {PREFIX + name: value for name, value in attributes.items()}
    if "content-type" in lowered:
        decoded["content-type"] = lowered["content-type"]
    event = sdk_from_http(decoded, body, data_unmarshaller=sdk.keep_bytes)
    return sdk.without_invented(event, attributes)


def _from_structured(body: bytes) -> CloudEvent:
    try:
        sent = json.loads(body)
    except ValueError as error:
        raise BindingError(
            400,
            f"the structured-mode body is not JSON ({error}): send the event in "
            "the CloudEvents JSON format",
        ) from error
    if not isinstance(sent, dict):
        raise BindingError(
            400,
            "the structured-mode body is not a JSON object: one event is one "
            f"object (a JSON array is a batch, {BATCH})",
        )
    _check_required(sent, "attribute {}")
    envelope = sdk.from_v03_json(sent)
    binary = "data_base64" in envelope
    if binary:
        _check_base64(envelope["data_base64"])

    try:
        event = sdk_from_http(
            {"content-type": STRUCTURED},
            json.dumps(envelope),
            data_unmarshaller=sdk.keep_bytes if binary else None,
        )
    except GenericException as error:
        raise BindingError(
            400, f"the structured-mode event is invalid: {error}"
        ) from error
    return sdk.without_invented(event, envelope)


def _check_base64(encoded: Any) -> None:
    if not isinstance(encoded, str):
        raise BindingError(400, "attribute data_base64 is not a base64 string")
    try:
        base64.b64decode(encoded, validate=True)
    except ValueError as error:  # binascii.Error, or a character outside ASCII
        raise BindingError(
            400, f"attribute data_base64 is not valid base64 ({error})"
        ) from error
