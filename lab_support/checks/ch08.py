"""Checks of chapter 8's exercises (end to end)."""

from __future__ import annotations

from typing import Any

from lab_support.checks import Verdict, unanswered
from lab_support.trace import EventTrace


def slowest_hop(trace: EventTrace, answer: Any) -> Verdict:
    """Exercise 8.1: name the hop that took longest for this upload."""
    hops = {hop: ms for hop, ms in trace.timings_ms.items() if hop != "total"}
    if answer is None:
        return unanswered("slowest_hop", f"one of {', '.join(hops)}")
    if answer not in hops:
        return Verdict(
            False, f"{answer!r} is not a hop; the hops are {', '.join(hops)}"
        )
    slowest = max(hops, key=hops.get)
    if answer != slowest:
        return Verdict(
            False,
            f"{answer} took {hops[answer]:.1f} ms; another hop took longer",
        )
    return Verdict(True, f"{slowest} took {hops[slowest]:.1f} ms")


def source_event_id(metadata: dict[str, str], event_id: str, answer: Any) -> Verdict:
    """Exercise 8.2: read the event id back from the result object's metadata."""
    if answer is None:
        return unanswered("source_id", "a value from the object's Metadata")
    if answer != metadata.get("source-event-id"):
        return Verdict(False, "that is not the value of the source-event-id metadata")
    if answer != event_id:
        return Verdict(False, "that metadata belongs to another event")
    return Verdict(True, "the result points back to the event that made it")


def refusal_status(answer: Any, *, expected: int, what: str) -> Verdict:
    """Exercise 8.3 and alike: the status code a bad upload gets."""
    if answer is None:
        return unanswered("status", "the status code of the response")
    if not isinstance(answer, int) or isinstance(answer, bool):
        return Verdict(False, f"a status code is a whole number, not {answer!r}")
    if answer != expected:
        return Verdict(False, f"{answer} is not what the function answers {what}")
    return Verdict(True, f"{expected} is the answer for {what}")
