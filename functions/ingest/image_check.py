"""Find out what an upload really is with Pillow, trusting neither name nor type."""

from __future__ import annotations

from dataclasses import dataclass

from http_response import HttpError
from imagepipe.images import (
    EXTENSIONS,
    ImageTooLargeError,
    NotAnImageError,
    UndecodableImageError,
    decode,
    mime_type,
    verify,
)


@dataclass(frozen=True)
class ImageFacts:
    """What Pillow found in the bytes: format, MIME type, size."""

    format: str
    mime: str
    width: int
    height: int

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.format]


def identify(data: bytes) -> ImageFacts:
    """Identify, size-check and fully decode the image, or answer why not."""
    try:
        verify(data)
        # verify() checks structure only (for JPEG nothing at all); decoding
        # the first frame finds truncated or corrupt pixel data.
        with decode(data) as image:
            return ImageFacts(image.format, mime_type(image), image.width, image.height)
    except NotAnImageError as error:
        raise HttpError(415, "unsupported_media_type", str(error)) from error
    except ImageTooLargeError as error:
        raise HttpError(413, "image_too_large", str(error)) from error
    except UndecodableImageError as error:
        raise HttpError(422, "unprocessable_image", str(error)) from error
