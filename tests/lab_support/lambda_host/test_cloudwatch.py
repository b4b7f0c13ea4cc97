"""Pin the CloudWatch-style lines the Lambda host writes around invocations."""

from __future__ import annotations

import io
import threading

from lab_support.lambda_host import cloudwatch

ID = "8476a536-e9f4-11e8-9739-2dfe598c3fcd"


def test_start_and_end_name_the_request_and_version():
    assert cloudwatch.start_line(ID) == f"START RequestId: {ID} Version: $LATEST"
    assert cloudwatch.end_line(ID) == f"END RequestId: {ID}"


def test_a_warm_report_has_durations_and_memory_separated_by_tabs():
    line = cloudwatch.report_line(
        ID, duration_ms=12.341, memory_mb=512, max_memory_mb=81
    )

    assert line == (
        f"REPORT RequestId: {ID}\tDuration: 12.34 ms\tBilled Duration: 13 ms"
        "\tMemory Size: 512 MB\tMax Memory Used: 81 MB"
    )


def test_a_cold_report_adds_init_duration_and_bills_it():
    line = cloudwatch.report_line(
        ID, duration_ms=2.5, memory_mb=128, max_memory_mb=40, init_duration_ms=110.2
    )

    assert line.endswith("\tInit Duration: 110.20 ms")
    assert "\tBilled Duration: 113 ms\t" in line


def test_a_timed_out_report_states_its_status_and_error_type():
    line = cloudwatch.report_line(
        ID,
        duration_ms=3000.4,
        memory_mb=128,
        max_memory_mb=40,
        status="timeout",
        error_type="Sandbox.Timedout",
    )

    assert line.endswith("\tStatus: timeout\tError Type: Sandbox.Timedout")


def test_billed_duration_rounds_up_to_whole_milliseconds():
    assert cloudwatch.billed_ms(1.0) == 1
    assert cloudwatch.billed_ms(1.01) == 2
    assert cloudwatch.billed_ms(0.2, 0.9) == 2


def test_the_timeout_line_has_the_utc_time_the_request_and_the_limit():
    line = cloudwatch.timeout_message(ID, 3, now=1584039838.390)

    assert line == f"2020-03-12T19:03:58.390Z {ID} Task timed out after 3.00 seconds"


def test_the_exit_line_gives_the_reason_the_runtime_died():
    assert cloudwatch.exit_message(ID, "exit status 3") == (
        f"RequestId: {ID} Error: Runtime exited with error: exit status 3"
    )


def test_a_failed_init_reports_phase_status_and_error_type():
    line = cloudwatch.init_report_line(251.3, "Runtime.ImportModuleError")

    assert line == (
        "INIT_REPORT Init Duration: 251.30 ms\tPhase: init\tStatus: error"
        "\tError Type: Runtime.ImportModuleError"
    )


def test_lines_from_many_threads_never_mix():
    stream = io.StringIO()
    writer = cloudwatch.LogWriter(stream)

    def write(tag: str) -> None:
        for _ in range(200):
            writer.line(tag * 50)

    threads = [threading.Thread(target=write, args=(tag,)) for tag in "abcd"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    lines = stream.getvalue().splitlines()
    assert len(lines) == 800
    assert all(len(set(line)) == 1 and len(line) == 50 for line in lines)
