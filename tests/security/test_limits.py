"""The limits the project enforces itself, since moto and the emulator enforce few."""

from __future__ import annotations

import subprocess
import sys

from imagepipe import images, keys, pubsub, settings

from lab_support import package


def test_pillow_pixel_limit_is_set_explicitly_to_the_projects_limit():
    from PIL import Image

    assert settings.MAX_IMAGE_PIXELS == 25_000_000
    assert Image.MAX_IMAGE_PIXELS == settings.MAX_IMAGE_PIXELS
    assert images.ACCEPTED_FORMATS == ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF")


def test_each_bundle_sets_the_pixel_limit_when_it_loads(tmp_path):
    bundles = package.stage(tmp_path)
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]); import imagepipe.images; "
        "from PIL import Image; print(Image.MAX_IMAGE_PIXELS)"
    )

    for folder in bundles.values():
        done = subprocess.run(
            [sys.executable, "-c", probe, str(folder)],
            capture_output=True,
            text=True,
            check=True,
        )
        assert done.stdout.strip() == "25000000"


def test_request_and_message_limits_are_the_documented_values():
    assert settings.MAX_IMAGE_BYTES == 4_500_000
    assert settings.MAX_DELIVERY_BYTES == 6_262_144
    assert pubsub.MAX_MESSAGE_BYTES == 10_000_000
    assert pubsub.MAX_ATTRIBUTES == 100
    assert pubsub.MAX_ATTRIBUTE_KEY_BYTES == 256
    assert pubsub.MAX_ATTRIBUTE_VALUE_BYTES == 1024
    assert keys.MAX_KEY_BYTES == 1024
    assert keys.MAX_SUBJECT_BYTES == 200
