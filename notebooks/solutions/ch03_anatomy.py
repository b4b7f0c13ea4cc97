"""Solutions to chapter 3's exercises (test_ch03.py pins them)."""

from imagepipe.events import IMAGE_UPLOADED, validate_extension_name

from lab_support.checks.ch03 import BROKEN_EVENT, EXTENSION_CANDIDATES


def fixed() -> dict:
    """3.1: add the type, give an id, write the zone, rename the extension."""
    event = {key: value for key, value in BROKEN_EVENT.items() if key != "camera-model"}
    event |= {
        "type": IMAGE_UPLOADED,
        "id": "a3f1c2d4-0b6e-4e8a-9c51-7d2f4e6a8b90",
        "time": "2025-03-01T09:30:00+01:00",
        "cameramodel": BROKEN_EVENT["camera-model"],
    }
    return event


def allowed() -> set[str]:
    """3.2: the names validate_extension_name accepts."""
    accepted = set()
    for name in EXTENSION_CANDIDATES:
        try:
            validate_extension_name(name)
        except ValueError:
            continue
        accepted.add(name)
    return accepted


def when() -> str:
    """3.3: Berlin is one hour ahead of UTC on 1 March."""
    return "2025-03-01T09:30:00+01:00"


def convention() -> str:
    """3.4: reverse-DNS prefix, a noun, a verb in the past tense, a version."""
    return "org.example.imagepipe.image.processed.v1"
