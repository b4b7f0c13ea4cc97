"""The doctor's stable view hides versions, paths and ports, and nothing else."""

from __future__ import annotations

import re

import pytest

from lab_support import doctor, doctor_view
from lab_support.doctor import Check


@pytest.mark.parametrize(
    ("detail", "stable"),
    [
        ("3.11.7 at /work/main/.venv/bin/python", "<version> at <path>"),
        ("Java 17 at /usr/bin/java", "Java <version> at <path>"),
        ("awslambdaric 4.2.2", "awslambdaric <version>"),
        ("2.0.0rc1", "<version>"),
        (
            "can listen on 127.0.0.1 (tried 58481)",
            "can listen on 127.0.0.1 (tried <port>)",
        ),
        (
            "running: s3, pubsub; function URL http://127.0.0.1:38799",
            "running: s3, pubsub; function URL http://127.0.0.1:<port>",
        ),
        ("not found", "not found"),
        ("linux", "linux"),
        ("an image/jpeg file", "an image/jpeg file"),
    ],
)
def test_stable_detail_replaces_only_machine_specific_values(detail, stable):
    assert doctor_view.stable_detail(detail) == stable


def test_the_real_report_reads_the_same_on_any_machine():
    checks = [check for check in doctor.report() if check.name != "local cloud"]

    shown = repr(doctor_view.table(checks))

    assert not re.search(r"\d+\.\d+\.\d+", shown.replace("127.0.0.1", ""))
    assert not re.search(r"(?<![\w<])/(usr|work|home|opt|tmp|root)\b", shown)
    assert len(shown.splitlines()) == len(checks) + 2


def test_table_leaves_out_what_it_is_told_and_shows_the_fix_of_a_failure():
    checks = [
        Check("java", "fail", "not found", "sudo apt install openjdk-17-jre-headless"),
        Check("local cloud", "warn", "not running", "python -m lab_support up"),
    ]

    table = doctor_view.table(checks, leave_out={"local cloud"})

    assert [row[0] for row in table.rows] == ["java"]
    assert table.rows[0][1] == "FAIL"
    assert "fix: sudo apt install" in table.rows[0][2]


def test_verdict_counts_failures_not_warnings():
    warned = [Check("a", "ok", ""), Check("b", "warn", "")]
    failed = [*warned, Check("java", "fail", "not found")]

    assert doctor_view.verdict(warned) == "ready for the course: no check failed"
    assert doctor_view.verdict(failed) == "1 problem(s) to fix first: java"
