"""Checks of chapter 10's exercises (to the real clouds)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lab_support.checks import Verdict, unanswered
from lab_support.deploy.policies import GOOGLE_TOKEN_CLAIMS
from lab_support.real_clouds import PrintedPlan


def _conditions(trust: Mapping[str, Any]) -> dict[str, str]:
    return dict(trust["Statement"][0]["Condition"]["StringEquals"])


def audience_key(trust: Mapping[str, Any], answer: Any) -> Verdict:
    """Exercise 10.1: the trust policy key that pins the ID token's audience."""
    conditions = _conditions(trust)
    if answer is None:
        return unanswered("audience_key", f"one of {', '.join(conditions)}")
    if answer not in conditions:
        return Verdict(
            False,
            f"{answer!r} is not a condition key of this trust policy; its keys are "
            f"{', '.join(conditions)}",
        )
    claim = GOOGLE_TOKEN_CLAIMS[answer]
    if claim != "aud":
        return Verdict(
            False,
            f"for a service account's token IAM compares {answer} with the token's "
            f"{claim!r} claim, the account's unique id, not with its audience",
        )
    return Verdict(
        True,
        f"{answer} must equal {conditions[answer]}, so a token requested for any "
        "other audience is refused",
    )


def differing_claim(claims: Mapping[str, Any], answer: Any) -> Verdict:
    """Exercise 10.2: the claim that tells another service account's token apart."""
    pinned = {GOOGLE_TOKEN_CLAIMS[key] for key in GOOGLE_TOKEN_CLAIMS}
    if answer is None:
        return unanswered("differing_claim", "the name of a claim of the token")
    if answer not in claims:
        return Verdict(
            False,
            f"the token has no claim {answer!r}; its claims are "
            f"{', '.join(sorted(claims))}",
        )
    if answer == "aud":
        return Verdict(False, "the other account asked for the same audience")
    if answer not in pinned:
        return Verdict(
            False,
            f"{answer!r} may differ or not, but the trust policy does not look at "
            f"it; it pins {', '.join(sorted(pinned))}",
        )
    return Verdict(
        True,
        f"{answer} is the account's own unique id, and the trust policy requires "
        "the processor's",
    )


def teardown_deletes(plan: PrintedPlan, answer: Any) -> Verdict:
    """Exercise 10.3: how many teardown steps delete something in a cloud."""
    if answer is None:
        return unanswered("deletes", "a count of steps")
    if not isinstance(answer, int) or isinstance(answer, bool):
        return Verdict(False, f"a count is a whole number, not {answer!r}")
    steps = plan.steps()
    in_clouds = [s for s in steps if s.verb == "delete" and s.cloud != "local"]
    everywhere = [s for s in steps if s.verb == "delete"]
    if answer == len(everywhere) != len(in_clouds):
        return Verdict(False, "that counts the local files teardown deletes too")
    if answer != len(in_clouds):
        return Verdict(
            False,
            f"{answer} is not it: count the steps whose verb is delete and whose "
            "cloud is aws or gcp",
        )
    clouds = sorted({s.cloud for s in in_clouds})
    return Verdict(
        True,
        f"{len(in_clouds)} deletions in {' and '.join(clouds)}, each found by the "
        "course tag first",
    )
