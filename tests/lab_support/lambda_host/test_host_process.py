"""Drive the real Lambda host over HTTP, under awslambdaric and the builtin loop."""

from __future__ import annotations

import base64
import json
import re
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from lab_support.lambda_host.host import ready_line
from tests.lab_support.lambda_host.conftest import TIMEOUT_S
from tests.lab_support.lambda_host.harness import (
    HANDLERS,
    READY,
    Host,
    free_port,
    host_env,
)

REPORT = re.compile(
    r"^REPORT RequestId: (?P<id>[0-9a-f-]{36})\tDuration: (?P<duration>\d+\.\d{2}) ms"
    r"\tBilled Duration: (?P<billed>\d+) ms\tMemory Size: 512 MB"
    r"\tMax Memory Used: (?P<memory>\d+) MB"
    r"(\tInit Duration: (?P<init>\d+\.\d{2}) ms)?"
    r"(\tStatus: (?P<status>\w+))?(\tError Type: (?P<error>[\w.]+))?$"
)
API = "/2018-06-01/runtime"


def request_id(reply) -> str:
    value = reply.header("x-amzn-RequestId")
    assert value, reply.headers
    return value


def report(host: Host, reply) -> re.Match:
    line = host.invocation(request_id(reply))[-1]
    found = REPORT.match(line)
    assert found, line
    return found


def test_the_ready_line_names_both_ports(host):
    line = next(line for line in host.lines() if line.startswith("ready "))

    assert READY.match(line)
    assert line == ready_line(host.url_port, host.runtime_port)


def test_an_echo_carries_the_payload_2_0_event_and_the_context(host):
    reply = host.request(
        "POST",
        "/echo/path?a=1&a=2&b=x",
        body=b'{"hello": "world"}',
        headers={"Content-Type": "application/json", "Cookie": "c1=v1; c2=v2"},
    )

    assert reply.status == 201
    assert reply.header("x-echo") == "yes"
    cookies = [value for name, value in reply.headers if name == "Set-Cookie"]
    assert cookies == ["a=1", "b=2; Max-Age=60"]
    echoed = json.loads(reply.body)
    event, context = echoed["event"], echoed["context"]
    assert event["rawPath"] == "/echo/path"
    assert event["rawQueryString"] == "a=1&a=2&b=x"
    assert event["queryStringParameters"] == {"a": "1,2", "b": "x"}
    assert event["cookies"] == ["c1=v1", "c2=v2"]
    assert event["headers"]["content-type"] == "application/json"
    assert event["headers"]["x-forwarded-port"] == str(host.url_port)
    assert event["body"] == '{"hello": "world"}'
    assert event["isBase64Encoded"] is False
    assert event["requestContext"]["requestId"] == request_id(reply)
    assert context["aws_request_id"] == request_id(reply)
    assert context["invoked_function_arn"] == (
        "arn:aws:lambda:us-east-1:000000000000:function:test-function"
    )
    assert context["function_name"] == "test-function"
    assert context["memory_limit_in_mb"] == "512"
    assert context["function_version"] == "$LATEST"
    assert context["log_group_name"] == "/aws/lambda/test-function"
    assert re.fullmatch(
        r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", context["log_stream_name"]
    )
    assert 0 < context["remaining_ms"] <= TIMEOUT_S * 1000
    assert context["environ"] == {
        "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{host.runtime_port}",
        "LAMBDA_TASK_ROOT": str(HANDLERS),
        "_HANDLER": "handler.handler",
    }


def test_a_binary_body_reaches_the_function_base64_encoded(host):
    raw = bytes(range(256)) * 4

    reply = host.request(
        "PUT", "/echo", body=raw, headers={"Content-Type": "image/jpeg"}
    )

    event = json.loads(reply.body)["event"]
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == raw


def test_a_base64_result_comes_back_as_raw_bytes(host):
    reply = host.request("GET", "/png")

    assert reply.status == 200
    assert reply.header("Content-Type") == "image/png"
    assert reply.body == b"\x89PNG\r\n\x1a\n\x00\xffbinary"


def test_a_result_without_status_code_is_200_json(host):
    reply = host.request("GET", "/plain")

    assert reply.status == 200
    assert reply.header("Content-Type") == "application/json"
    assert json.loads(reply.body) == {"plain": True}


def test_an_exception_is_a_502_and_its_error_is_logged_inside_the_invocation(host):
    reply = host.request("GET", "/raise")

    assert reply.status == 502
    assert json.loads(reply.body) == {"message": "Internal Server Error"}
    lines = host.invocation(request_id(reply))
    assert lines[1] == "handling /raise"
    assert any(line.startswith("[ERROR] ValueError: asked to fail") for line in lines)
    assert lines[-2] == f"END RequestId: {request_id(reply)}"
    assert report(host, reply)["status"] is None


def test_a_malformed_result_is_a_502(host):
    reply = host.request("GET", "/malformed")

    assert reply.status == 502
    record = host_record(host, request_id(reply))
    assert record["error"]["errorType"] == "MalformedResult"
    assert "must be a string" in record["error"]["errorMessage"]


def test_a_result_over_6_mb_is_a_502(host):
    reply = host.request("GET", "/huge")

    assert reply.status == 502
    record = host_record(host, request_id(reply))
    assert record["error"]["errorType"] == "Function.ResponseSizeTooLarge"
    assert host.request("GET", "/plain").status == 200


def test_handler_output_is_relayed_in_order_between_start_and_end(host):
    reply = host.request("GET", "/log")

    lines = host.invocation(request_id(reply))
    rid = request_id(reply)
    assert lines[0] == f"START RequestId: {rid} Version: $LATEST"
    assert lines[1] == "handling /log"
    stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
    warning = rf"\[WARNING\]\t{stamp}\t{rid}\ta warning through logging"
    assert re.fullmatch(warning, lines[2])
    assert lines[3:5] == ["to stderr", "to stdout"]
    assert lines[5] == f"END RequestId: {rid}"
    assert len(lines) == 7


def test_the_report_line_has_durations_billing_and_peak_memory(host):
    reply = host.request("GET", "/sleep?s=0.05")

    found = report(host, reply)
    duration = float(found["duration"])
    init = float(found["init"] or 0)
    assert duration >= 50
    assert int(found["billed"]) == int(-(-(duration + init) // 1))
    assert 5 <= int(found["memory"]) < 512


def test_a_timeout_is_a_502_the_runtime_is_replaced_and_the_next_call_is_cold(host):
    before = host.runtime_pids()

    started = time.monotonic()
    reply = host.request("GET", "/sleep?s=30")
    elapsed = time.monotonic() - started

    assert reply.status == 502
    assert TIMEOUT_S <= elapsed < TIMEOUT_S + 5
    lines = host.invocation(request_id(reply))
    assert any(
        line.endswith(
            f"{request_id(reply)} Task timed out after {TIMEOUT_S:.2f} seconds"
        )
        for line in lines
    )
    found = report(host, reply)
    assert (found["status"], found["error"]) == ("timeout", "Sandbox.Timedout")
    next_reply = host.request("GET", "/plain")
    assert next_reply.status == 200
    assert report(host, next_reply)["init"] is not None
    assert before and not before & host.runtime_pids()


def test_a_crash_is_a_502_and_the_runtime_is_restarted(host):
    before = host.runtime_pids()

    reply = host.request("GET", "/crash")

    assert reply.status == 502
    rid = request_id(reply)
    assert f"RequestId: {rid} Error: Runtime exited with error: exit status 3" in (
        host.invocation(rid)
    )
    found = report(host, reply)
    assert (found["status"], found["error"]) == ("error", "Runtime.ExitError")
    assert host.request("GET", "/plain").status == 200
    assert before and not before & host.runtime_pids()


def test_concurrent_requests_wait_their_turn_in_one_runtime(host):
    host.request("GET", "/plain")
    started = time.monotonic()

    with ThreadPoolExecutor(4) as pool:
        replies = list(
            pool.map(lambda _: host.request("GET", "/sleep?s=0.25"), range(4))
        )

    assert [reply.status for reply in replies] == [200] * 4
    assert time.monotonic() - started >= 1.0
    ids = {request_id(reply) for reply in replies}
    marks = [re.match(r"^(START|END) RequestId: (\S+)", line) for line in host.lines()]
    order = [mark[1] for mark in marks if mark and mark[2] in ids]
    assert order == ["START", "END"] * 4


def test_a_request_over_6_mb_after_base64_is_413_and_never_invoked(host):
    body = bytes(4_800_000)  # 4.8 MB raw, 6.4 MB once base64-encoded

    reply = host.request(
        "POST", "/echo", body=body, headers={"Content-Type": "image/png"}
    )

    assert reply.status == 413
    assert json.loads(reply.body)["message"] == "Request Entity Too Large"
    assert f"START RequestId: {request_id(reply)} Version: $LATEST" not in host.lines()
    assert host_record(host, request_id(reply))["duration_ms"] is None
    detail = json.loads(reply.body)["detail"]
    assert detail.startswith("the request body is 4,800,000 bytes and its event ")
    assert "bytes with the body base64-encoded;" in detail


def test_a_body_over_6_mb_is_413_unread_and_its_size_is_the_bodys(host):
    body = bytes(7_000_003)

    reply = host.request(
        "POST", "/echo", body=body, headers={"Content-Type": "image/png"}
    )

    assert reply.status == 413
    detail = json.loads(reply.body)["detail"]
    assert detail.startswith("the request body alone is 7,000,003 bytes,")
    assert "base64-encoded" not in detail
    assert f"START RequestId: {request_id(reply)} Version: $LATEST" not in host.lines()


def test_the_invocation_history_shows_recent_events_with_short_bodies(host):
    reply = host.request(
        "POST", "/echo", body=b"z" * 500, headers={"Content-Type": "text/plain"}
    )

    record = host_record(host, request_id(reply))

    assert record["status_code"] == 201
    assert record["body_length"] == 500
    assert record["event"]["body"] == "z" * 200
    assert record["event"]["rawPath"] == "/echo"
    assert record["duration_ms"] > 0
    assert record["response_headers"]["x-echo"] == "yes"
    assert record["response_headers"]["set-cookie"] == "a=1, b=2; Max-Age=60"
    assert record["error"] is None
    assert set(record) == {
        "request_id",
        "time",
        "status_code",
        "duration_ms",
        "init_duration_ms",
        "latency_ms",
        "body_length",
        "event",
        "response_headers",
        "error",
    }


def test_the_invocation_history_keeps_the_last_50(host):
    for _ in range(55):
        host.request("GET", "/plain")

    records = json.loads(host.request("GET", "/_lab/invocations").body)

    assert len(records) == 50
    assert all(record["event"]["rawPath"] == "/plain" for record in records[-50:])


def test_the_runtime_api_answers_unknown_routes_and_ids_with_json_errors(host):
    missing = host.request("GET", f"{API}/nowhere", port=host.runtime_port)
    unknown = host.request(
        "POST",
        f"{API}/invocation/not-a-request/response",
        b"{}",
        port=host.runtime_port,
    )
    late = host.request("POST", f"{API}/init/error", b"{}", port=host.runtime_port)

    assert missing.status == 404
    assert json.loads(missing.body)["errorType"] == "UnknownRoute"
    assert unknown.status == 400
    assert json.loads(unknown.body)["errorType"] == "InvalidRequestID"
    assert late.status == 403
    assert host.request("GET", "/plain").status == 200


def host_record(host: Host, rid: str) -> dict:
    records = json.loads(host.request("GET", "/_lab/invocations").body)
    return next(record for record in records if record["request_id"] == rid)


def test_the_first_invocation_is_cold_and_the_second_warm(fresh_host, runtime):
    host = fresh_host(runtime)

    first = host.request("GET", "/plain")
    second = host.request("GET", "/plain")

    cold, warm = report(host, first), report(host, second)
    assert cold["init"] is not None and float(cold["init"]) > 0
    assert int(cold["billed"]) >= float(cold["duration"]) + float(cold["init"])
    assert warm["init"] is None
    assert host.lines().index("handler module imported") < host.lines().index(
        ready_line(host.url_port, host.runtime_port)
    )


def test_a_handler_that_fails_init_reports_it_and_every_call_is_a_502(
    fresh_host, runtime
):
    host = fresh_host(runtime, handler="broken.handler", wait_ready=False)
    host.wait_for_line(r"^INIT_REPORT ")

    reply = host.request("GET", "/")

    assert reply.status == 502
    init_reports = [line for line in host.lines() if line.startswith("INIT_REPORT ")]
    assert len(init_reports) == 2
    assert all(
        line.endswith("\tStatus: error\tError Type: Runtime.ImportModuleError")
        for line in init_reports
    )
    assert "module_missing_from_the_bundle" in host.text()
    assert not any(line.startswith("ready ") for line in host.lines())
    found = report(host, reply)
    assert (found["status"], found["error"]) == ("error", "Runtime.ImportModuleError")


def test_sigterm_stops_the_host_and_its_runtime_process(fresh_host, runtime):
    host = fresh_host(runtime)
    runtimes = host.runtime_pids()

    assert host.stop() == 0

    assert len(runtimes) == 1
    assert host.leftovers() == []


def test_a_busy_port_stops_the_host_with_advice(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        command = [
            sys.executable,
            "-m",
            "lab_support.lambda_host",
            "--code",
            str(HANDLERS),
        ]
        command += ["--handler", "handler.handler", "--runtime", "builtin"]
        command += ["--runtime-port", str(free_port()), "--url-port", str(port)]

        done = subprocess.run(
            command, capture_output=True, text=True, timeout=30, env=host_env()
        )

    assert done.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "--url-port" in done.stderr


def test_a_missing_code_folder_stops_the_host_with_advice(tmp_path):
    command = [sys.executable, "-m", "lab_support.lambda_host"]
    command += ["--code", str(tmp_path / "nowhere"), "--handler", "handler.handler"]
    command += ["--runtime-port", str(free_port()), "--url-port", str(free_port())]

    done = subprocess.run(
        command, capture_output=True, text=True, timeout=30, env=host_env()
    )

    assert done.returncode == 2
    assert "is not a folder" in done.stderr


@pytest.mark.parametrize("path", ["/plain", "/echo"])
def test_head_requests_get_headers_only(host, path):
    reply = host.request("HEAD", path)

    assert reply.status in (200, 201)
    assert reply.body == b""


def test_an_init_that_never_ends_times_out_the_waiting_invocation(fresh_host, runtime):
    host = fresh_host(
        runtime, handler="slow_init.handler", timeout_s=1.0, wait_ready=False
    )
    host.wait_for_line(r"^INIT_START ")

    reply = host.request("GET", "/")

    assert reply.status == 502
    rid = request_id(reply)
    lines = host.invocation(rid)
    assert lines[1].endswith(f"{rid} Task timed out after 1.00 seconds")
    found = report(host, reply)
    assert (found["status"], found["error"]) == ("timeout", "Sandbox.Timedout")
    assert not any(line.startswith("ready ") for line in host.lines())
