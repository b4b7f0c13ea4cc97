"""Read the uploaded file out of a Function URL request: raw image/* or multipart."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from email import errors as email_errors
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any, Final

from http_response import HttpError
from imagepipe.settings import MAX_IMAGE_BYTES

# Room for the part headers and boundaries around the file in a multipart body.
MULTIPART_OVERHEAD: Final = 64 * 1024
FILE_FIELD: Final = "file"
_FATAL_MULTIPART_DEFECTS: Final = (
    email_errors.NoBoundaryInMultipartDefect,
    email_errors.StartBoundaryNotFoundDefect,
    email_errors.CloseBoundaryNotFoundDefect,
    email_errors.MultipartInvariantViolationDefect,
)


@dataclass(frozen=True)
class Upload:
    """The uploaded bytes, the client's file name and the type it declared."""

    data: bytes
    filename: str | None
    declared_type: str


def header(event: Mapping[str, Any], name: str) -> str:
    """Look a request header up case-insensitively (payload 2.0 lower-cases them)."""
    wanted = name.lower()
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == wanted:
            return value
    return ""


def _too_large(size: int) -> HttpError:
    return HttpError(
        413,
        "payload_too_large",
        f"the image is {size:,} bytes; the limit is {MAX_IMAGE_BYTES:,} bytes "
        "(Lambda accepts 6,291,456 bytes after base64): send a smaller or more "
        "compressed image",
    )


def _empty() -> HttpError:
    return HttpError(400, "bad_request", "the request body is empty: send an image")


def _decode_base64(text: str) -> bytes:
    # Base64 grows data by 4/3: refuse an oversized body before decoding it.
    if len(text) * 3 // 4 > MAX_IMAGE_BYTES + MULTIPART_OVERHEAD:
        raise _too_large(len(text) * 3 // 4)
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except ValueError as error:  # binascii.Error, or a character outside ASCII
        raise HttpError(
            400,
            "bad_request",
            f"the request body is marked isBase64Encoded but is not valid base64 "
            f"({error}); send the body unchanged",
        ) from error


def body_bytes(event: Mapping[str, Any]) -> bytes:
    """Return the request body as bytes, base64-decoding exactly when AWS encoded it."""
    body = event.get("body") or ""
    if not isinstance(body, str):
        raise HttpError(400, "bad_request", "the event's body is not a string")
    if event.get("isBase64Encoded") is True:
        return _decode_base64(body)
    # AWS passes text bodies (text/*, JSON, XML) as text; they are text already.
    return body.encode("utf-8")


def _parse_multipart(content_type: str, body: bytes) -> EmailMessage:
    head = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1", "replace")
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    fatal = [d for d in message.defects if isinstance(d, _FATAL_MULTIPART_DEFECTS)]
    if not message.is_multipart() or fatal:
        reason = type(fatal[0]).__name__ if fatal else "no parts"
        raise HttpError(
            400,
            "bad_request",
            f"the multipart/form-data body cannot be parsed ({reason}): send it "
            "with the boundary given in Content-Type",
        )
    return message


def _file_part(message: EmailMessage) -> EmailMessage:
    parts = [p for p in message.iter_parts() if p.get_content_disposition()]
    named = [
        p for p in parts if p.get_param("name", header="content-disposition") == "file"
    ]
    with_name = [p for p in parts if p.get_filename()]
    chosen = named or with_name
    if not chosen:
        raise HttpError(
            400,
            "bad_request",
            f"the multipart/form-data body has no file field: send the image in a "
            f"field named {FILE_FIELD!r}",
        )
    return chosen[0]


def _from_multipart(content_type: str, body: bytes) -> Upload:
    part = _file_part(_parse_multipart(content_type, body))
    data = part.get_payload(decode=True) or b""
    if len(data) > MAX_IMAGE_BYTES:
        raise _too_large(len(data))
    if not data:
        raise _empty()
    return Upload(data, part.get_filename(), part.get_content_type())


def _filename_from_query(event: Mapping[str, Any]) -> str | None:
    return (event.get("queryStringParameters") or {}).get("filename")


def read_upload(event: Mapping[str, Any]) -> Upload:
    """Extract the uploaded file from a POST /images request, within the size limit."""
    content_type = header(event, "content-type").strip()
    media_type = content_type.split(";", 1)[0].strip().lower()
    if not media_type.startswith("image/") and media_type != "multipart/form-data":
        raise HttpError(
            415,
            "unsupported_media_type",
            f"Content-Type {content_type or '(none)'!r} is not accepted: send the "
            "image as the raw body with an image/* Content-Type, or as "
            "multipart/form-data with a file field",
        )

    if event.get("isBase64Encoded") is not True and event.get("body"):
        # A Function URL passes every image and multipart body base64-encoded;
        # one that arrives as text has been decoded as text on the way, and
        # its bytes cannot be trusted to be the file's.
        raise HttpError(
            400,
            "bad_request",
            f"the {media_type} body arrived as text (isBase64Encoded is not true), "
            "so its bytes may have been changed on the way: send the file unchanged "
            "through the Function URL, which passes it base64-encoded",
        )
    body = body_bytes(event)
    if media_type == "multipart/form-data":
        if len(body) > MAX_IMAGE_BYTES + MULTIPART_OVERHEAD:
            raise _too_large(len(body))
        return _from_multipart(content_type, body)
    if len(body) > MAX_IMAGE_BYTES:
        raise _too_large(len(body))
    if not body:
        raise _empty()
    return Upload(body, _filename_from_query(event), media_type)
