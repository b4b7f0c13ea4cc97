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
