"""Properties of the upload parser over made-up bodies: the file comes out exact.

For any file bytes and file name, a multipart form (with other fields around
the file) and a raw body, base64-encoded with or without padding as Function
URLs do, give back exactly the bytes and the name; any other body is either
read or refused with an HttpError, never another exception.
"""

from __future__ import annotations

import base64
import uuid

from http_response import HttpError
from hypothesis import given, settings
from hypothesis import strategies as st
from upload_body import read_upload

# File names a browser can send inside a quoted filename="..." parameter.
FILENAMES = st.text(
    st.characters(
        blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters='"\\'
    ),
    min_size=1,
    max_size=60,
).filter(lambda name: name.strip() == name)
FIELDS = st.lists(
    st.tuples(st.from_regex(r"[a-z]{1,10}", fullmatch=True), st.binary(max_size=200)),
    max_size=3,
)


def _event(body: bytes, content_type: str, padding: bool = True) -> dict:
    text = base64.b64encode(body).decode("ascii")
    return {
        "headers": {"content-type": content_type},
        "body": text if padding else text.rstrip("="),
        "isBase64Encoded": True,
    }


def _form(filename: str, content: bytes, fields: list[tuple[str, bytes]]):
    boundary = f"----form-{uuid.uuid4().hex}"
    parts = [
        (f'form-data; name="{name}"', None, value)
        for name, value in fields
        if name != "file"
    ]
    middle = len(parts) // 2
    parts.insert(
        middle, (f'form-data; name="file"; filename="{filename}"', "image/png", content)
    )
    body = b""
    for disposition, content_type, value in parts:
        head = f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
        if content_type:
            head += f"Content-Type: {content_type}\r\n"
        body += head.encode("utf-8") + b"\r\n" + value + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


@settings(max_examples=200, deadline=None)
@given(
    filename=FILENAMES,
    content=st.binary(min_size=1, max_size=4000),
    fields=FIELDS,
    padding=st.booleans(),
)
def test_multipart_file_comes_out_byte_for_byte_with_its_name(
    filename, content, fields, padding
):
    body, content_type = _form(filename, content, fields)

    upload = read_upload(_event(body, content_type, padding))

    assert upload.data == content
    assert upload.filename == filename
    assert upload.declared_type == "image/png"


@settings(max_examples=200, deadline=None)
@given(content=st.binary(min_size=1, max_size=4000), padding=st.booleans())
def test_raw_body_comes_out_byte_for_byte_with_or_without_padding(content, padding):
    upload = read_upload(_event(content, "image/png", padding))

    assert upload.data == content


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(max_size=300),
    content_type=st.sampled_from(
        ["image/png", "multipart/form-data; boundary=x", "multipart/form-data"]
    ),
    encoded=st.booleans(),
)
def test_any_other_body_is_read_or_refused_with_a_reason(text, content_type, encoded):
    event = {
        "headers": {"content-type": content_type},
        "body": text,
        "isBase64Encoded": encoded,
    }

    try:
        upload = read_upload(event)
    except HttpError as refusal:
        assert refusal.status in (400, 413, 415)
        assert refusal.message
    else:
        assert isinstance(upload.data, bytes)
