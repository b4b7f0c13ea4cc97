"""Test handler that fails init: it imports a module its bundle does not have."""

import module_missing_from_the_bundle  # noqa: F401

print("never reached")


def handler(event, context):
    """Never runs: the import above fails first."""
    return event
