"""Solutions to chapter 7's exercises (the processor), pinned by test_ch07."""

from collections.abc import Mapping
from typing import Any

from lab_support import function_code, processor_lab
from lab_support.checks.ch07 import GRAY16, GRAY16_PIXEL


def message_text(body: Mapping[str, Any]) -> str:
    """7.1: the processor's own parser decodes message.data once."""
    message_published = function_code.load("processor", "message_published")
    return message_published.parse(body).data.decode("utf-8")


def gray16_value() -> int:
    """7.2: to_working_mode scales the 16-bit range onto 0..255."""
    from PIL import Image

    image_transform = function_code.load("processor", "image_transform")
    with Image.open(GRAY16) as image:
        image.load()
        return image_transform.to_working_mode(image).getpixel(GRAY16_PIXEL)


def third_delivery(cloud, publisher, topic: str, data, attributes, event_id) -> str:
    """7.3: publish the same event again; the processor finds its result exists."""
    before = len(processor_lab.records(cloud, "processor", event_id=event_id))
    publisher.publish(topic, data, **attributes).result()
    lines = processor_lab.wait_for(
        cloud, "processor", count=before + 1, event_id=event_id
    )
    return lines[-1]["outcome"]
