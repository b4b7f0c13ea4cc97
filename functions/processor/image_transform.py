"""Turn a decoded upload into the result image: upright, fitted, processed, encoded."""

from __future__ import annotations

import io
from typing import Final

from imagepipe.settings import OutputFormat
from PIL import Image, ImageDraw, ImageFont, ImageOps

WHITE: Final = (255, 255, 255, 255)
# Quality settings that keep photos clean at a fraction of the original size.
SAVE_OPTIONS: Final = {
    "JPEG": {"quality": 85},
    "PNG": {},
    "WEBP": {"quality": 80},
}
# Modes each output format can hold as they are; anything else is converted.
FORMAT_MODES: Final = {
    "JPEG": ("L", "RGB"),
    "PNG": ("L", "LA", "RGB", "RGBA"),
    "WEBP": ("RGB", "RGBA"),
}
_CAPTION_SIZE: Final = 16
_CAPTION_SMALL_SIZE: Final = 8
# Dark band and light text in each working mode.
_INK: Final = {
    "L": (0, 255),
    "LA": ((0, 255), (255, 255)),
    "RGB": ((0, 0, 0), (255, 255, 255)),
    "RGBA": ((0, 0, 0, 255), (255, 255, 255, 255)),
}
# Fonts are loaded once per instance, not once per event.
CAPTION_FONT: Final = ImageFont.load_default(size=_CAPTION_SIZE)
CAPTION_FONT_SMALL: Final = ImageFont.load_default(size=_CAPTION_SMALL_SIZE)


def _scaled_to_8bit(image: Image.Image) -> Image.Image:
    # convert("L") clamps every value above 255 to white; scale the range instead.
    wide = image.convert("F" if image.mode == "F" else "I")
    low, high = wide.getextrema()
    if image.mode.startswith("I;16"):
        low, high = 0, 65535
    span = max(high - low, 1)
    return wide.point(lambda v: (v - low) * 255.0 / span).convert("L")


def to_working_mode(image: Image.Image) -> Image.Image:
    """Bring any decoded mode to L, LA, RGB or RGBA without losing what it shows."""
    mode = image.mode
    if mode in ("L", "LA", "RGB", "RGBA"):
        return image
    if mode.startswith("I") or mode == "F":
        return _scaled_to_8bit(image)
    if mode == "1":
        return image.convert("L")
    if mode in ("P", "PA"):
        return image.convert("RGBA" if image.has_transparency_data else "RGB")
    if mode == "La":
        return image.convert("LA")
    if mode == "RGBa":
        return image.convert("RGBA")
    # CMYK, YCbCr, LAB, HSV, RGBX and the rest.
    # Limitation: an embedded ICC profile is not applied, so CMYK colours are a
    # plain conversion, not a colour-managed one.
    return image.convert("RGB")


def flatten_on_white(image: Image.Image) -> Image.Image:
    """Composite an image with alpha over white, so transparent pixels turn white."""
    rgba = image.convert("RGBA")
    white = Image.new("RGBA", rgba.size, WHITE)
    return Image.alpha_composite(white, rgba).convert("RGB")


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("LA", "RGBA")


def grayscale(image: Image.Image) -> Image.Image:
    """Drop colour, keeping transparency where the image has it."""
    return image.convert("LA" if _has_alpha(image) else "L")


def caption(image: Image.Image, text: str) -> Image.Image:
    """Draw the text in light ink on a dark band along the bottom edge."""
    font = CAPTION_FONT
    if font.getlength(text) + 8 > image.width:
        # Limitation: on images narrower than about 200 px even the small font
        # does not fit, and the caption is cut at the right edge.
        font = CAPTION_FONT_SMALL
    dark, light = _INK[image.mode]

    captioned = image.copy()
    draw = ImageDraw.Draw(captioned)
    _, top, _, bottom = draw.textbbox((0, 0), text, font=font)
    band_top = captioned.height - (bottom - top) - 8
    draw.rectangle((0, band_top, captioned.width, captioned.height), fill=dark)
    draw.text((4, band_top + 4 - top), text, font=font, fill=light)
    return captioned


def _apply(image: Image.Image, operation: str, event_id: str) -> Image.Image:
    if operation == "grayscale":
        return grayscale(image)
    if operation == "caption":
        return caption(image, event_id)
    return image


def _for_format(image: Image.Image, output: OutputFormat) -> Image.Image:
    allowed = FORMAT_MODES[output.name]
    if image.mode in allowed:
        return image
    if _has_alpha(image) and "RGBA" in allowed:
        return image.convert("RGBA")
    if _has_alpha(image):
        return flatten_on_white(image)
    return image.convert("RGB")


def render(
    image: Image.Image,
    *,
    fit_box: int,
    operation: str,
    output: OutputFormat,
    event_id: str,
) -> bytes:
    """Make the result: upright, within fit_box, processed, encoded as output."""
    # Policy for animated images (GIF, WebP): the result is the first frame;
    # decode() loaded only that frame, and no other frame is read.
    upright = ImageOps.exif_transpose(image)
    working = to_working_mode(upright)
    if _has_alpha(working) and "RGBA" not in FORMAT_MODES[output.name]:
        working = flatten_on_white(working)

    working.thumbnail((fit_box, fit_box), Image.Resampling.LANCZOS)
    processed = _for_format(_apply(working, operation, event_id), output)

    buffer = io.BytesIO()
    processed.save(buffer, format=output.name, **SAVE_OPTIONS[output.name])
    return buffer.getvalue()
