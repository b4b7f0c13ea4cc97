"""Every conformance case, in both content modes, is accepted by the processor.

The cases are CloudEvents but not Eventarc deliveries: the receiving path must
take each one (no 4xx from the request guard, no 500), and the function then
records it as a permanent failure that names the type it expected, and acks.
"""

from __future__ import annotations

import pytest
from imagepipe import sdk
from imagepipe.http_binding import to_http

from tests.conformance.cases import cases
from tests.functions.helpers import delivery_id, log_lines, stored_json

CASES = cases()


@pytest.fixture(scope="module")
def app(processor_app):
    return processor_app()


@pytest.mark.parametrize("mode", ["binary", "structured"])
@pytest.mark.parametrize(
    ("attributes", "data"),
    [(attributes, data) for _, attributes, data in CASES],
    ids=[name for name, _, _ in CASES],
)
def test_conformance_case_is_received_then_recorded_not_refused(
    attributes, data, mode, app, s3, capsys
):
    # Each delivery its own id, so each writes its own record in the shared bucket.
    unique = {**attributes, "id": f"{attributes['id']}-{delivery_id()}"}
    headers, body = to_http(sdk.event(unique, data), mode)

    response = app.post("/", data=body, headers=headers)

    assert response.status_code == 200
    [line] = log_lines(capsys.readouterr().out)
    assert line["outcome"] == "failed"
    assert line["delivery_id"] == unique["id"]
    record = stored_json(s3, f"failed/{unique['id']}.json")
    assert record["delivery_type"] == attributes["type"]
    assert "google.cloud.pubsub.topic.v1.messagePublished" in record["reason"]
