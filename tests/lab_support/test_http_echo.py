"""The echo server records requests as sent, answers as told, and frees its port."""

from __future__ import annotations

import socket

import pytest

from lab_support import http_echo


def test_it_records_header_names_as_sent_and_body_bytes():
    with http_echo.EchoServer() as echo:
        status = http_echo.post(echo.url, {"Ce-Id": "1", "x-any": "v"}, b"\x00\xff")
        (received,) = echo.wait_for(1)

    assert status == 204
    assert received.method == "POST"
    assert ("Ce-Id", "1") in received.headers
    assert received.header("ce-id") == "1"
    assert received.header("missing") is None
    assert received.body == b"\x00\xff"


def test_it_keeps_latin1_bytes_of_a_raw_non_ascii_header():
    with http_echo.EchoServer() as echo:
        http_echo.post(echo.url, {"ce-subject": "caf\u00e9"}, b"")
        (received,) = echo.wait_for(1)

    assert b"ce-subject: caf\xe9" in received.raw_header_lines()


def test_it_answers_the_given_statuses_in_turn_and_repeats_the_last():
    with http_echo.EchoServer(answers=(202, 500, 200)) as echo:
        statuses = [http_echo.post(echo.url, {}, b"x") for _ in range(4)]

    assert statuses == [202, 500, 200, 200]
    assert [r.status for r in echo.requests] == statuses


def test_wait_for_stops_at_its_timeout():
    with http_echo.EchoServer() as echo:
        assert echo.wait_for(1, timeout=0.1) == []


def test_stop_frees_the_port_and_says_how_many_requests_came():
    echo = http_echo.EchoServer().start()
    port = int(echo.url.rsplit(":", 1)[1].strip("/"))
    http_echo.post(echo.url, {}, b"")

    assert echo.stop() == "echo server stopped after 1 request(s)"
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0
    with pytest.raises(RuntimeError, match="start"):
        _ = echo.url


def test_post_refuses_any_host_but_loopback():
    with pytest.raises(ValueError, match="127.0.0.1"):
        http_echo.post("http://localhost:1/", {}, b"")


def test_a_server_needs_a_status_to_answer_with():
    with pytest.raises(ValueError, match="status"):
        http_echo.EchoServer(answers=())
