"""Solutions to chapter 4's exercises, run by tests/lab_support/checks/test_ch04.py."""

from urllib.parse import quote

from cloudevents.http import CloudEvent


def extra_bytes(binary_body: bytes, structured_body: bytes) -> int:
    """4.1: the structured body less the binary body, in bytes."""
    return len(structured_body) - len(binary_body)


def header_value(subject: str) -> str:
    """4.2: each UTF-8 byte of space, 'ß' and '%' as %XY, the rest as it is.

    quote() with nothing kept safe gives exactly that for this subject; on a value
    with '/' or ':' it would encode more than the binding asks, which still decodes.
    """
    return quote(subject, safe="")


def sized_event() -> CloudEvent:
    """4.3: give the SDK the dict, and it serializes it once."""
    attributes = {
        "type": "org.example.imagepipe.image.measured.v1",
        "source": "/ch04/exercises",
        "id": "4.3",
        "datacontenttype": "application/json",
    }
    return CloudEvent(attributes, {"width": 512, "height": 600})
