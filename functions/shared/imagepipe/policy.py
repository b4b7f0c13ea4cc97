"""The shape of a status-code policy: each kind of input, its answer, what follows.

Each function writes its policy once, as a table of Rule rows in its own module
(processor/delivery_policy.py, ingest/request_policy.py); the code answers
from those rows, tests pin each row, and the course shows the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    """One row of a policy: a kind of input or failure and how it is answered."""

    case: str
    status: int
    outcome: str
    action: str
    then: str
