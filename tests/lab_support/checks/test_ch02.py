"""Chapter 2's checks fail on wrong answers and pass on the solutions."""

from __future__ import annotations

from lab_support.checks import ch02
from notebooks.solutions import ch02_event_driven as solution


def test_kinds_passes_the_solution_and_fails_each_wrong_word():
    right = solution.kinds()

    assert ch02.kinds(right).ok
    assert not ch02.kinds(None).ok
    assert not ch02.kinds(right[:-1]).ok
    assert not ch02.kinds("event").ok
    for position, word in enumerate(right):
        flipped = list(right)
        flipped[position] = "command" if word == "event" else "event"
        verdict = ch02.kinds(flipped)
        assert not verdict.ok
        assert verdict.message.startswith(f"statement {position + 1} ")


def test_kinds_refuses_a_word_that_is_neither():
    answer = ["message", *solution.kinds()[1:]]

    assert "neither" in ch02.kinds(answer).message


def test_guarantee_passes_at_most_once_written_any_way():
    assert ch02.guarantee(solution.guarantee()).ok
    assert ch02.guarantee("At-most-once").ok
    assert ch02.guarantee("at_most_once").ok
    for wrong in (None, "at least once", "effectively once", "exactly once", 1):
        assert not ch02.guarantee(wrong).ok


def test_deliveries_counts_one_copy_per_subscription():
    assert ch02.deliveries(solution.handled()).ok
    for wrong in (None, 9, 1, 4, "3", True):
        assert not ch02.deliveries(wrong).ok
    assert "compete" in ch02.deliveries(9).message


def test_dedup_key_needs_source_and_id_in_any_order():
    assert ch02.dedup_key(solution.key_attributes()).ok
    assert ch02.dedup_key(["ce-id", "ce-source"]).ok
    for wrong in (None, "ce-id", ("ce-id",), ("message_id",), ("ce-type", "ce-id")):
        assert not ch02.dedup_key(wrong).ok
    assert "transport" in ch02.dedup_key(("ce-source", "message_id")).message
    assert "within its source" in ch02.dedup_key(("ce-id",)).message
