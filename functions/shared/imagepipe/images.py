"""Open untrusted image bytes with Pillow safely: known formats, bounded pixels."""

from __future__ import annotations

import io
from typing import Final

from PIL import Image, UnidentifiedImageError

from imagepipe.settings import MAX_IMAGE_PIXELS

# Pillow warns above this many pixels and refuses twice as many; the pipeline
# checks its own limit (the same number) from the header before decoding.
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS

# The formats the pipeline accepts; Pillow tries no other decoder on an upload.
ACCEPTED_FORMATS: Final = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF")
EXTENSIONS: Final = {
    "JPEG": "jpg",
    "PNG": "png",
    "GIF": "gif",
    "WEBP": "webp",
    "BMP": "bmp",
    "TIFF": "tiff",
}


class ImageError(ValueError):
    """The bytes cannot become a picture; sending them again will not help."""


class NotAnImageError(ImageError):
    """Pillow recognises no accepted image format in the bytes."""


class UndecodableImageError(ImageError):
    """The bytes start like an image but are damaged or too large to decode."""


def _damaged(error: Exception) -> UndecodableImageError:
    return UndecodableImageError(
        f"the image is damaged and will not decode ({error}): upload the complete "
        "file again, or re-save it with an image editor"
    )


def _open(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except UnidentifiedImageError as error:
        raise NotAnImageError(
            "Pillow does not recognise the bytes as an image in a supported format "
            f"({', '.join(ACCEPTED_FORMATS)}), whatever the name or declared type "
            "says: send a real image file"
        ) from error
    except Image.DecompressionBombError as error:
        raise UndecodableImageError(str(error)) from error
    except (OSError, SyntaxError, ValueError) as error:
        raise _damaged(error) from error

    pixels = image.width * image.height
    if pixels > MAX_IMAGE_PIXELS:
        image.close()
        raise UndecodableImageError(
            f"the image is {image.width} x {image.height} = {pixels:,} pixels; the "
            f"limit is {MAX_IMAGE_PIXELS:,} pixels: scale it down and retry"
        )
    return image


def verify(data: bytes) -> None:
    """Check the file's structure (chunk checksums, markers) without decoding it."""
    with _open(data) as image:
        try:
            image.verify()
        except (OSError, SyntaxError, ValueError) as error:
            raise _damaged(error) from error


def decode(data: bytes) -> Image.Image:
    """Decode the first frame of an accepted, size-checked image."""
    image = _open(data)
    try:
        image.load()
    except (OSError, SyntaxError, ValueError) as error:
        image.close()
        raise _damaged(error) from error
    return image


def mime_type(image: Image.Image) -> str:
    """Return the MIME type of the format Pillow found, not the one declared."""
    return image.get_format_mimetype() or Image.MIME[image.format]
