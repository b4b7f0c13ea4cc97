"""Chapter 1's checks fail on wrong answers and pass on the solutions."""

from __future__ import annotations

import pytest

from lab_support import config, demo
from lab_support.checks import ch01
from notebooks.solutions import ch01_welcome as solution


def test_pipeline_order_passes_the_solution_only():
    assert ch01.pipeline_order(solution.pipeline_order()).ok
    assert not ch01.pipeline_order(None).ok
    assert not ch01.pipeline_order(list(ch01.PIECES)).ok
    assert not ch01.pipeline_order(list(reversed(ch01.PIPELINE))).ok
    assert not ch01.pipeline_order(list(ch01.PIPELINE[:4])).ok
    assert not ch01.pipeline_order("ingest Lambda, Pub/Sub topic").ok


def test_pipeline_order_names_the_first_piece_out_of_place():
    answer = list(ch01.PIPELINE)
    answer[1], answer[2] = answer[2], answer[1]

    verdict = ch01.pipeline_order(answer)

    assert not verdict.ok
    assert verdict.message.startswith("Eventarc trigger does not come second")


def test_pieces_are_the_pipeline_shuffled():
    assert sorted(ch01.PIECES) == sorted(ch01.PIPELINE)
    assert list(ch01.PIECES) != list(ch01.PIPELINE)


def test_accepted_status_fails_what_was_not_observed():
    for wrong in (None, "202", True, 200, 2.02):
        assert not ch01.accepted_status(wrong, observed=202).ok
    assert ch01.accepted_status(202, observed=202).ok


@pytest.mark.integration
def test_emulator_host_passes_the_solution_and_fails_the_others(local_cloud):
    right = solution.emulator_host(local_cloud)

    assert ch01.emulator_host(local_cloud, right).ok
    assert not ch01.emulator_host(local_cloud, None).ok
    assert not ch01.emulator_host(local_cloud, f"http://{right}").ok
    assert not ch01.emulator_host(local_cloud, "127.0.0.1:1").ok
    assert not ch01.emulator_host(local_cloud, 8085).ok
    other = ch01.emulator_host(local_cloud, local_cloud.endpoints.s3_endpoint)
    assert not other.ok
    assert "s3_endpoint" in other.message


@pytest.mark.integration
def test_accepted_status_passes_the_real_answer_of_an_upload(local_cloud):
    result = demo.send(local_cloud, config.DEFAULT_IMAGE)
    observed = result.receipt.response.status

    verdict = ch01.accepted_status(solution.accepted_status(result), observed=observed)

    assert verdict.ok, verdict
    assert "202 Accepted" in verdict.message
