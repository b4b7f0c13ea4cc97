"""Open untrusted image bytes with Pillow safely: known formats, bounded pixels."""

from __future__ import annotations

import io
import re
import warnings
from typing import Final

from PIL import Image, UnidentifiedImageError

from imagepipe.settings import MAX_IMAGE_PIXELS

# Pillow warns above this many pixels and refuses twice as many while it reads
# the header; the pipeline refuses from the same header anything above it, so
# no image over the limit is ever decoded.
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
# Pillow's warning between the limit and twice the limit is about exactly the
# images the pipeline's own check refuses next, so it says nothing new.
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)
_BOMB_PIXELS: Final = re.compile(r"\((\d+) pixels\)")

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


class ImageTooLargeError(UndecodableImageError):
    """The header announces more pixels than the project's limit: never decoded."""


def _too_many_pixels(pixels: int, size: str = "") -> ImageTooLargeError:
    return ImageTooLargeError(
        f"the image has {pixels:,} pixels{size}; the limit is "
        f"{MAX_IMAGE_PIXELS:,} pixels, checked before decoding: scale it down and "
        "upload it again"
    )


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
        found = _BOMB_PIXELS.search(str(error))
        pixels = int(found.group(1)) if found else 2 * MAX_IMAGE_PIXELS + 1
        raise _too_many_pixels(pixels) from error
    except (OSError, SyntaxError, ValueError) as error:
        raise _damaged(error) from error

    pixels = image.width * image.height
    if pixels > MAX_IMAGE_PIXELS:
        image.close()
        raise _too_many_pixels(pixels, f" ({image.width} x {image.height})")
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
