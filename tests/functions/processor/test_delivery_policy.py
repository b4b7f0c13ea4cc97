"""Every row of the processor's status-code policy, against the real app and S3.

Each scenario sends one kind of delivery through functions-framework's own
app (moto behind it, or the fault proxy in front of moto) and returns the
status; the test holds it to the row's status, so the table and the code
cannot drift apart.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import delivery_policy as policy
import pytest
import result_store
from imagepipe.settings import MAX_DELIVERY_BYTES

from lab_support.s3_faults import FaultPlan, FaultyS3Proxy
from tests.functions.helpers import (
    BUCKET,
    SAMPLES,
    eventarc_headers,
    keys_under,
    log_lines,
    png_bytes,
    upload_delivery,
)


@pytest.fixture(scope="module")
def app(processor_app):
    return processor_app()


@pytest.fixture
def app_through(processor_app, s3, monkeypatch) -> Iterator[Callable[..., Any]]:
    """Build an app whose S3 client goes through a fault proxy to moto."""
    proxies: list[FaultyS3Proxy] = []

    def build(rate: float, endpoint: str | None = None, **settings: str) -> Any:
        proxy = FaultyS3Proxy(FaultPlan(rate, per_key=100, seed=3)).start()
        proxies.append(proxy)
        proxy.forward_to(s3.meta.endpoint_url)
        # The processor keeps one S3 client a process; the test needs a new one.
        monkeypatch.setattr(result_store, "_client", None)
        monkeypatch.setenv("AWS_ENDPOINT_URL_S3", endpoint or proxy.url)
        monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
        built = processor_app(**settings)
        monkeypatch.delenv("AWS_ENDPOINT_URL_S3")
        monkeypatch.delenv("AWS_MAX_ATTEMPTS")
        return built

    yield build
    for proxy in proxies:
        proxy.stop()


def _processed(app, s3, **_: Any) -> int:
    headers, body, event = upload_delivery(png_bytes())
    response = app.post("/", data=body, headers=headers)
    assert keys_under(s3, f"processed/{event['id']}") != []
    return response.status_code


def _duplicate(app, s3, **_: Any) -> int:
    headers, body, event = upload_delivery(png_bytes())
    app.post("/", data=body, headers=headers)
    before = s3.head_object(Bucket=BUCKET, Key=f"processed/{event['id']}.jpg")
    response = app.post("/", data=body, headers=headers)
    after = s3.head_object(Bucket=BUCKET, Key=f"processed/{event['id']}.jpg")
    assert after["ETag"] == before["ETag"]
    assert after["LastModified"] == before["LastModified"]
    return response.status_code


def _permanent(app, s3, **_: Any) -> int:
    truncated = (SAMPLES / "tricky" / "truncated.jpg").read_bytes()
    headers, body, event = upload_delivery(truncated, datacontenttype="image/jpeg")
    response = app.post("/", data=body, headers=headers)
    assert keys_under(s3, f"failed/{event['id']}") == [f"failed/{event['id']}.json"]
    return response.status_code


def _not_a_cloudevent(app, s3, **_: Any) -> int:
    headers, body, _event = upload_delivery(png_bytes())
    del headers["ce-id"]
    return app.post("/", data=body, headers=headers).status_code


def _unsupported_format(app, s3, **_: Any) -> int:
    event = {"specversion": "1.0", "id": "1", "source": "/s", "type": "t"}
    batch = json.dumps([event, {**event, "id": "2"}])
    headers = {"content-type": "application/cloudevents-batch+json"}
    return app.post("/", data=batch, headers=headers).status_code


def _too_large(app, s3, **_: Any) -> int:
    headers = eventarc_headers()
    return app.post(
        "/", data=b" " * (MAX_DELIVERY_BYTES + 1), headers=headers
    ).status_code


def _transient(app, s3, app_through) -> int:
    through = app_through(1.0)
    headers, body, event = upload_delivery(png_bytes())
    response = through.post("/", data=body, headers=headers)
    assert keys_under(s3, f"failed/{event['id']}") == []
    return response.status_code


def _unexpected(app, s3, app_through) -> int:
    missing = app_through(0.0, RESULTS_BUCKET="cec-no-such-bucket")
    headers, body, _event = upload_delivery(png_bytes())
    return missing.post("/", data=body, headers=headers).status_code


SCENARIOS = {
    policy.PROCESSED: _processed,
    policy.DUPLICATE: _duplicate,
    policy.PERMANENT: _permanent,
    policy.NOT_A_CLOUDEVENT: _not_a_cloudevent,
    policy.UNSUPPORTED_FORMAT: _unsupported_format,
    policy.TOO_LARGE: _too_large,
    policy.TRANSIENT: _transient,
    policy.UNEXPECTED: _unexpected,
}


def test_every_row_of_the_policy_has_a_scenario():
    assert set(SCENARIOS) == set(policy.RULES)


@pytest.mark.parametrize(
    "rule", policy.RULES, ids=[f"{r.status}-{r.outcome}" for r in policy.RULES]
)
def test_the_processor_answers_each_kind_of_delivery_as_its_row_says(
    rule, app, s3, app_through
):
    status = SCENARIOS[rule](app, s3, app_through=app_through)

    assert status == rule.status


def test_acked_rows_are_exactly_the_2xx_ones():
    for rule in policy.RULES:
        assert (rule.then.startswith("acked")) == (200 <= rule.status < 300), rule


def test_s3_write_that_was_stored_but_answered_503_makes_the_retry_a_duplicate(
    app_through, s3, capsys
):
    # The write reaches moto, its answer is lost: the processor answers 503,
    # the redelivery finds the result and writes nothing.
    through = app_through(1.0)
    headers, body, event = upload_delivery(png_bytes())

    statuses = []
    for _ in range(30):
        statuses.append(through.post("/", data=body, headers=headers).status_code)
        if statuses[-1] == 200:
            break

    assert statuses[0] == 503 and statuses[-1] == 200
    outcomes = [line["outcome"] for line in log_lines(capsys.readouterr().out)]
    assert outcomes[-1] == "duplicate"
    assert set(outcomes[:-1]) == {"retry"}
    assert keys_under(s3, f"processed/{event['id']}") == [
        f"processed/{event['id']}.jpg"
    ]


def test_transient_failure_logs_retry_with_the_s3_error(app_through, capsys):
    through = app_through(1.0)
    headers, body, _event = upload_delivery(png_bytes())

    response = through.post("/", data=body, headers=headers)

    assert response.status_code == 503
    assert response.json["error"] == "retry"
    [line] = log_lines(capsys.readouterr().out)
    assert line["outcome"] == "retry" and line["status"] == 503
    assert "SlowDown" in line["error"]


def test_unreachable_s3_is_transient(app_through, capsys):
    closed = app_through(0.0, endpoint="http://127.0.0.1:9")
    headers, body, _event = upload_delivery(png_bytes())

    response = closed.post("/", data=body, headers=headers)

    assert response.status_code == 503
    [line] = log_lines(capsys.readouterr().out)
    assert "EndpointConnectionError" in line["error"]
