"""Solutions to chapter 10's exercises, run by tests/lab_support/checks/test_ch10.py."""

from lab_support.deploy.policies import GOOGLE_TOKEN_CLAIMS
from lab_support.real_clouds import PrintedPlan


def audience_key() -> str:
    """10.1: the key IAM compares with the token's own `aud` claim."""
    return next(key for key, claim in GOOGLE_TOKEN_CLAIMS.items() if claim == "aud")


def differing_claim() -> str:
    """10.2: `sub` (and `azp`) is the unique id of the account that asked."""
    return "sub"


def teardown_deletes(plan: PrintedPlan) -> int:
    """10.3: the steps that delete something in AWS or Google Cloud."""
    return sum(1 for s in plan.steps() if s.verb == "delete" and s.cloud != "local")
