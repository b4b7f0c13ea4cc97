"""Chapter 10's checks fail on wrong answers and pass on the solutions."""

from __future__ import annotations

import pytest

from lab_support import metadata_server, real_clouds
from lab_support.checks import ch10
from lab_support.deploy import policies
from notebooks.solutions import ch10_real_clouds as solution

UNIQUE_ID = "000000000000000000001"


@pytest.fixture(scope="module")
def trust():
    return policies.processor_trust(UNIQUE_ID)


@pytest.fixture(scope="module")
def claims():
    token = metadata_server.id_token(
        "sts.amazonaws.com",
        email="cec-processor@cloudevents-course.iam.gserviceaccount.com",
        unique_id=UNIQUE_ID,
        full=True,
        now=1_800_000_000,
    )
    return metadata_server.claims(token)


@pytest.fixture(scope="module")
def teardown_plan():
    return real_clouds.dry_run("teardown")


def test_audience_key_passes_the_solution_only(trust):
    verdict = ch10.audience_key(trust, solution.audience_key())

    assert verdict.ok, verdict
    assert "sts.amazonaws.com" in verdict.message
    for wrong in (None, "accounts.google.com:aud", "accounts.google.com:sub", "aud"):
        assert not ch10.audience_key(trust, wrong).ok


def test_audience_key_explains_that_aud_is_compared_with_azp(trust):
    verdict = ch10.audience_key(trust, "accounts.google.com:aud")

    assert "'azp'" in verdict.message


def test_differing_claim_passes_sub_and_azp_and_fails_the_rest(claims):
    assert ch10.differing_claim(claims, solution.differing_claim()).ok
    assert ch10.differing_claim(claims, "azp").ok
    for wrong in (None, "aud", "iss", "email", "exp", "kid"):
        assert not ch10.differing_claim(claims, wrong).ok


def test_differing_claim_says_the_policy_ignores_email(claims):
    verdict = ch10.differing_claim(claims, "email")

    assert "does not look at it" in verdict.message


def test_teardown_deletes_passes_the_counted_plan_only(teardown_plan):
    right = solution.teardown_deletes(teardown_plan)

    assert ch10.teardown_deletes(teardown_plan, right).ok
    for wrong in (None, "13", True, right - 1, right + 1, right + 2, 0):
        assert not ch10.teardown_deletes(teardown_plan, wrong).ok


def test_teardown_deletes_says_when_local_files_were_counted(teardown_plan):
    local = sum(1 for s in teardown_plan.steps() if s.verb == "delete")

    verdict = ch10.teardown_deletes(teardown_plan, local)

    assert "local files" in verdict.message
