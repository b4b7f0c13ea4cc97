"""Chapter 4's request explorer: edit an event, flip the content mode, read the request.

`render` is the whole logic: it builds the CloudEvent from the fields, turns it
into an HTTP request with the SDK's `to_binary` or `to_structured`, and writes
that request as text. `explorer()` only wires ipywidgets to `render`.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from cloudevents.conversion import to_binary, to_structured
from cloudevents.exceptions import GenericException
from cloudevents.http import CloudEvent
from imagepipe.events import IMAGE_UPLOADED, EventError, validate_attributes

from lab_support import http_binding
from lab_support.display import Table

Mode = Literal["binary", "structured"]
# What the explorer sends: the first bytes of a JPEG, so the body stays short.
SAMPLE_DATA = bytes.fromhex("ffd8ffe000104a46494600010101004800480000")
BODY_PREVIEW_BYTES = 24


@dataclass(frozen=True)
class Fields:
    """What the learner can edit; id and time stay fixed so the output is stable."""

    type: str = IMAGE_UPLOADED
    source: str = "arn:aws:lambda:us-east-1:000000000000:function:cec-ingest"
    subject: str = "grace_hopper.jpg"
    extension_name: str = "tenant"
    extension_value: str = "classroom-7"
    mode: Mode = "binary"
    percent_encode: bool = False
    id: str = "ch04-explorer-0001"
    time: str = "2026-01-05T09:30:00Z"
    datacontenttype: str = "image/jpeg"


DEFAULT = Fields()


def build_event(fields: Fields, data: bytes = SAMPLE_DATA) -> CloudEvent:
    """Build the CloudEvent the fields describe; EventError says what is wrong."""
    attributes: dict[str, Any] = {
        "specversion": "1.0",
        "id": fields.id,
        "source": fields.source,
        "type": fields.type,
        "time": fields.time,
        "datacontenttype": fields.datacontenttype,
    }
    if fields.subject:
        attributes["subject"] = fields.subject
    if fields.extension_name:
        attributes[fields.extension_name] = fields.extension_value
    validate_attributes(attributes)
    return CloudEvent(attributes, data)


def request(fields: Fields, data: bytes = SAMPLE_DATA) -> tuple[dict[str, str], bytes]:
    """The headers and body the SDK writes for these fields in their content mode."""
    event = build_event(fields, data)
    convert = to_binary if fields.mode == "binary" else to_structured
    headers, body = convert(event)
    if fields.percent_encode:
        headers = http_binding.encode_headers(headers)
    return dict(headers), body


def _body_text(body: bytes) -> str:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and text.isprintable():
        return _pretty(text)
    shown = " ".join(f"{byte:02x}" for byte in body[:BODY_PREVIEW_BYTES])
    more = " ..." if len(body) > BODY_PREVIEW_BYTES else ""
    return f"<{len(body)} bytes of binary data: {shown}{more}>"


def _pretty(text: str) -> str:
    try:
        return json.dumps(json.loads(text), indent=2)
    except ValueError:
        return text


def wire_text(headers: Mapping[str, Any], body: bytes, path: str = "/") -> str:
    """Write a request as it reads on the wire (JSON bodies indented for reading)."""
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines.append(f"Content-Length: {len(body)}")
    return "\n".join([*lines, "", _body_text(body)])


def render(fields: Fields = DEFAULT, data: bytes = SAMPLE_DATA) -> str:
    """The explorer's text: the request for these fields, or why there is none."""
    try:
        headers, body = request(fields, data)
    except (EventError, GenericException) as error:
        return f"no request: {error}"
    return wire_text(headers, body)


def sizes(requests: Mapping[str, tuple[Mapping[str, Any], bytes]]) -> Table:
    """Header and body bytes of each request, to compare content modes."""
    rows = []
    for mode, (headers, body) in requests.items():
        head = sum(len(f"{k}: {v}\r\n".encode()) for k, v in headers.items())
        rows.append((mode, len(headers), f"{head:,} B", f"{len(body):,} B"))
    return Table(("mode", "headers", "header bytes", "body bytes"), rows)


def explorer(start: Fields = DEFAULT):
    """Text boxes for the attributes, a mode switch and the live HTTP request."""
    import ipywidgets as widgets

    texts = {
        name: widgets.Text(value=getattr(start, name), description=name)
        for name in ("type", "source", "subject", "extension_name", "extension_value")
    }
    mode = widgets.ToggleButtons(
        options=["binary", "structured"], value=start.mode, description="mode"
    )
    encode = widgets.Checkbox(
        value=start.percent_encode, description="percent-encode (3.1.3.2)"
    )
    shown = widgets.HTML()

    def update(_change: object = None) -> None:
        chosen = replace(
            start,
            **{name: box.value for name, box in texts.items()},
            mode=mode.value,
            percent_encode=encode.value,
        )
        shown.value = f"<pre>{html.escape(render(chosen))}</pre>"

    for control in (*texts.values(), mode, encode):
        control.observe(update, names="value")
    update()
    return widgets.VBox([*texts.values(), mode, encode, shown])
