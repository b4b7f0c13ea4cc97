"""A test Cloud Function: record each request it gets, and fail when told to.

The message attribute `fail-attempts` makes it raise (functions-framework then
answers 500) on every delivery attempt up to that number.
"""

import json
import os

import flask
import functions_framework


@functions_framework.cloud_event
def process(cloud_event):
    """Append the request's headers and the event to RECORD_FILE, then maybe fail."""
    record = {
        "headers": {k.lower(): v for k, v in flask.request.headers.items()},
        "attributes": dict(cloud_event.get_attributes()),
        "data": cloud_event.data,
    }
    with open(os.environ["RECORD_FILE"], "a", encoding="utf-8") as out:
        out.write(json.dumps(record) + "\n")

    attributes = cloud_event.data["message"].get("attributes", {})
    if cloud_event.data["deliveryAttempt"] <= int(attributes.get("fail-attempts", 0)):
        raise RuntimeError("asked by the test to fail this delivery")
