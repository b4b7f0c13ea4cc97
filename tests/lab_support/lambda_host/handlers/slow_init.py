"""Test handler whose init never ends in time: it sleeps at import."""

import time

time.sleep(60)


def handler(event, context):
    """Never runs within the tests' timeout."""
    return event
