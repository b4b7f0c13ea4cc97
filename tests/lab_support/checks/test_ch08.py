"""Chapter 8's checks fail on wrong answers and pass on the solutions."""

from __future__ import annotations

import pytest

from lab_support import config, demo
from lab_support.checks import ch08
from notebooks.solutions import ch08_end_to_end as solution

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def sent(local_cloud):
    return demo.send(local_cloud, config.DEFAULT_IMAGE)


@pytest.fixture(scope="module")
def head(local_cloud, sent):
    return local_cloud.s3().head_object(
        Bucket=local_cloud.bucket, Key=sent.receipt.result_key
    )


def test_slowest_hop_passes_the_solution_and_fails_the_others(sent):
    right = solution.slowest_hop(sent.trace)

    assert ch08.slowest_hop(sent.trace, right).ok
    assert not ch08.slowest_hop(sent.trace, None).ok
    assert not ch08.slowest_hop(sent.trace, "total").ok
    for hop in sent.trace.timings_ms:
        if hop not in (right, "total"):
            assert not ch08.slowest_hop(sent.trace, hop).ok


def test_source_event_id_passes_the_solution_only(sent, head):
    event_id = sent.receipt.event_id

    assert ch08.source_event_id(head["Metadata"], event_id, solution.source_id(head)).ok
    assert not ch08.source_event_id(head["Metadata"], event_id, None).ok
    assert not ch08.source_event_id(head["Metadata"], event_id, "processed/x.jpg").ok
    assert not ch08.source_event_id(head["Metadata"], "another-event", event_id).ok


def test_refusal_status_passes_the_real_answer_only(local_cloud):
    status = solution.truncated_upload_status(local_cloud.endpoints.function_url)

    verdict = ch08.refusal_status(status, expected=422, what="a truncated image")
    assert verdict.ok, verdict
    for wrong in (None, "422", True, 415, 500):
        assert not ch08.refusal_status(wrong, expected=422, what="x").ok


def test_verdict_renders_both_as_text_and_html():
    verdict = ch08.refusal_status(None, expected=422, what="x")

    assert repr(verdict).startswith("not yet: set status first")
    assert "✘ not yet" in verdict._repr_html_()
