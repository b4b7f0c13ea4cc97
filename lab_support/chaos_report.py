"""The figures of a chaos run, counted from S3 and the services' own log lines.

Each accepted event must end with exactly one result or one failure record: an
event with neither is lost, one with more than one object (or two
`processed` log lines) is doubled. The other figures say what the faults did
and how the pipeline absorbed them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Final

FIGURES: Final = (
    "sent",
    "accepted",
    "processed",
    "failed",
    "duplicates absorbed",
    "redeliveries",
    "most delivery attempts",
    "duplicate deliveries",
    "processor crashes",
    "S3 writes failed",
    "dead-lettered",
    "lost",
    "doubled",
)
# The figures that come out the same on every run with the same inputs.
STABLE: Final = (
    "sent",
    "accepted",
    "processed",
    "failed",
    "dead-lettered",
    "lost",
    "doubled",
)


@dataclass
class ChaosReport:
    """What a chaos run sent, what became of it, and what the faults did."""

    sent: int
    accepted: int
    processed: int
    failed: int
    duplicates_absorbed: int
    redeliveries: int
    most_delivery_attempts: int
    duplicate_deliveries: int
    processor_crashes: int
    s3_writes_failed: int
    dead_lettered: int
    lost: int
    doubled: int
    seconds: float

    @property
    def ok(self) -> bool:
        """Every accepted event has exactly one result or failure record."""
        return self.lost == 0 and self.doubled == 0 and self.dead_lettered == 0

    def figures(self) -> dict[str, int]:
        """The counts by their printed names, in the order the report shows them."""
        values = asdict(self)
        return {name: values[_field(name)] for name in FIGURES}

    def describe(self) -> str:
        """The figures as aligned lines, and the verdict."""
        lines = [f"{name:<24}{value:>6}" for name, value in self.figures().items()]
        verdict = "nothing lost, nothing doubled" if self.ok else "NOT reliable"
        lines.append(f"{verdict} ({self.seconds:.1f} s)")
        return "\n".join(lines)


def _field(name: str) -> str:
    return name.replace(" ", "_").replace("-", "_").lower()


def stored_ids(keys: Iterable[str], prefix: str) -> Counter:
    """Count object versions under prefix by the event id in their key."""
    return Counter(
        key[len(prefix) :].rsplit(".", 1)[0] for key in keys if key.startswith(prefix)
    )


def tally(
    *,
    sent: int,
    accepted: set[str],
    results: Counter,
    failures: Counter,
    processor_lines: Sequence[Mapping[str, Any]],
    relay_lines: Sequence[Mapping[str, Any]],
    crashes: int,
    s3_faults: int,
    dead_lettered: int,
    seconds: float,
) -> ChaosReport:
    """Count a run's figures from what S3 holds and what the services logged."""
    deliveries = [line for line in relay_lines if line.get("component") == "relay"]
    attempts = [line.get("delivery_attempt") or 1 for line in deliveries]
    processed_lines = Counter(
        line["event_id"]
        for line in processor_lines
        if line.get("outcome") == "processed"
    )
    doubled = [
        event_id
        for event_id in accepted
        if results[event_id] + failures[event_id] > 1 or processed_lines[event_id] > 1
    ]
    lost = [e for e in accepted if not results[e] and not failures[e]]

    return ChaosReport(
        sent=sent,
        accepted=len(accepted),
        processed=sum(1 for event_id in accepted if results[event_id]),
        failed=sum(1 for event_id in accepted if failures[event_id]),
        duplicates_absorbed=sum(
            1 for line in processor_lines if line.get("outcome") == "duplicate"
        ),
        redeliveries=sum(1 for attempt in attempts if attempt > 1),
        most_delivery_attempts=max(attempts, default=0),
        duplicate_deliveries=sum(1 for line in deliveries if line.get("duplicated")),
        processor_crashes=crashes,
        s3_writes_failed=s3_faults,
        dead_lettered=dead_lettered,
        lost=len(lost),
        doubled=len(doubled),
        seconds=round(seconds, 1),
    )
