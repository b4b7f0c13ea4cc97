"""Chapter 9's checks fail on wrong answers and pass on the solutions."""

from __future__ import annotations

import pytest

from lab_support import reliability_lab
from lab_support.checks import ch09
from notebooks.solutions import ch09_reliability as solution

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def dead_letter(local_cloud):
    _message_id, marker = reliability_lab.publish_oversized(local_cloud)
    return reliability_lab.wait_for_dead_letter(local_cloud, marker)


def test_dead_letter_attempts_passes_the_solution_only(dead_letter):
    right = solution.dead_letter_attempts(dead_letter)

    assert right == 5
    assert ch09.dead_letter_attempts(dead_letter, right).ok
    assert not ch09.dead_letter_attempts(dead_letter, None).ok
    assert not ch09.dead_letter_attempts(dead_letter, 4).ok
    assert not ch09.dead_letter_attempts(dead_letter, "5").ok
    assert not ch09.dead_letter_attempts(dead_letter, True).ok


def test_failure_statuses_passes_the_solution_and_fails_each_wrong_status():
    right = solution.failure_statuses()

    assert ch09.failure_statuses(right).ok
    assert not ch09.failure_statuses(None).ok
    assert not ch09.failure_statuses({}).ok
    assert not ch09.failure_statuses({**right, "an extra failure": 200}).ok
    for name, status in right.items():
        for other in {200, 500, 503} - {status}:
            verdict = ch09.failure_statuses({**right, name: other})
            assert not verdict.ok
            assert name in verdict.message


def test_other_type_status_passes_the_real_answer_only(local_cloud):
    right = solution.other_type_status(local_cloud)

    assert right == 200
    assert ch09.other_type_status(local_cloud, right).ok
    assert not ch09.other_type_status(local_cloud, None).ok
    assert not ch09.other_type_status(local_cloud, "200").ok
    for wrong in (400, 415, 500, 503):
        verdict = ch09.other_type_status(local_cloud, wrong)
        assert not verdict.ok
        assert "_upload_event" in verdict.message
