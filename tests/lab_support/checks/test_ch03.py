"""Chapter 3's checks fail on wrong answers and pass on the solutions."""

from __future__ import annotations

from imagepipe.events import IMAGE_UPLOADED

from lab_support.checks import ch03
from notebooks.solutions import ch03_anatomy as solution


def test_fixed_event_passes_the_solution():
    verdict = ch03.fixed_event(solution.fixed())

    assert verdict.ok, verdict


def test_fixed_event_fails_the_broken_event_and_each_half_fix():
    right = solution.fixed()

    assert not ch03.fixed_event(None).ok
    assert not ch03.fixed_event(dict(ch03.BROKEN_EVENT)).ok
    assert not ch03.fixed_event("{}").ok
    naive = {**right, "time": "2025-03-01T09:30:00"}
    assert "date-time" in ch03.fixed_event(naive).message
    bad_name = {**right, "camera-model": "X100"}
    assert "camera-model" in ch03.fixed_event(bad_name).message
    assert not ch03.fixed_event({**right, "type": "image.uploaded"}).ok
    assert not ch03.fixed_event({**right, "subject": "other.jpg"}).ok
    without_time = {k: v for k, v in right.items() if k != "time"}
    assert not ch03.fixed_event(without_time).ok


def test_fixed_event_fails_a_time_at_another_instant_and_names_the_gap():
    right = solution.fixed()

    assert ch03.fixed_event({**right, "time": "2025-03-01T08:30:00Z"}).ok
    an_hour_late = ch03.fixed_event({**right, "time": "2025-03-01T09:30:00Z"})
    assert not an_hour_late.ok
    assert "1:00:00 later" in an_hour_late.message
    an_hour_early = ch03.fixed_event({**right, "time": "2025-03-01T09:30:00+02:00"})
    assert not an_hour_early.ok
    assert "1:00:00 earlier" in an_hour_early.message


def test_fixed_event_fails_an_id_of_blank_space():
    right = solution.fixed()

    for blank in (" ", "   ", "\t"):
        verdict = ch03.fixed_event({**right, "id": blank})
        assert not verdict.ok
        assert "blank" in verdict.message


def test_fixed_event_keeps_the_upload_type():
    assert solution.fixed()["type"] == IMAGE_UPLOADED


def test_allowed_extensions_passes_the_solution_only():
    right = solution.allowed()

    assert ch03.allowed_extensions(right).ok
    assert ch03.allowed_extensions(sorted(right)).ok
    assert not ch03.allowed_extensions(None).ok
    assert not ch03.allowed_extensions("traceparent").ok
    assert not ch03.allowed_extensions(set(ch03.EXTENSION_CANDIDATES)).ok
    assert not ch03.allowed_extensions(right - {"camera2"}).ok
    assert not ch03.allowed_extensions(right | {"imageWidth"}).ok
    assert not ch03.allowed_extensions(right | {"somethingelse"}).ok


def test_allowed_extensions_refuses_the_long_and_the_taken_names():
    assert "uploadedbyfrontdoorcamera" not in solution.allowed()
    assert "subject" not in solution.allowed()


def test_rfc3339_time_accepts_the_moment_in_any_zone():
    assert ch03.rfc3339_time(solution.when()).ok
    assert ch03.rfc3339_time("2025-03-01T08:30:00Z").ok
    assert ch03.rfc3339_time("2025-03-01T08:30:00.000+00:00").ok


def test_rfc3339_time_says_the_utc_form_only_when_the_answer_is_not_in_it():
    berlin = ch03.rfc3339_time("2025-03-01T09:30:00+01:00")
    utc = ch03.rfc3339_time("2025-03-01T08:30:00Z")

    assert "2025-03-01T08:30:00Z" in berlin.message
    assert utc.message.count("08:30:00") == 1


def test_rfc3339_time_fails_naive_and_wrong_moments():
    for wrong in (None, 1740817800, "2025-03-01T09:30:00", "2025-03-01 09:30+01:00"):
        assert not ch03.rfc3339_time(wrong).ok
    off_by_an_hour = ch03.rfc3339_time("2025-03-01T09:30:00Z")
    assert not off_by_an_hour.ok
    assert "1:00:00" in off_by_an_hour.message


def test_type_name_passes_the_solution_and_explains_the_others():
    assert ch03.type_name(solution.convention()).ok
    assert not ch03.type_name(None).ok
    assert not ch03.type_name("org.example.imagepipe.image.stored.v1").ok
    for candidate in ch03.TYPE_CANDIDATES:
        if candidate != solution.convention():
            verdict = ch03.type_name(candidate)
            assert not verdict.ok
            assert "choose one" not in verdict.message
