"""Pin the payload-2.0 rules of the function URL mapping, one AWS rule a test."""

from __future__ import annotations

import base64
import json

import pytest

from lab_support.lambda_host.function_url import (
    PAYLOAD_LIMIT,
    HttpRequest,
    MalformedResult,
    build_event,
    encode_event,
    function_error,
    is_text,
    map_response,
    oversize,
    too_large,
    url_id,
)

URL_ID = url_id("cec-ingest", "us-east-1")
# 2020-03-12T19:03:58.390Z, the instant of the example in Lambda's guide.
NOW = 1584039838.390


def event_for(request: HttpRequest) -> dict:
    return build_event(
        request, request_id="req-1", function_url_id=URL_ID, region="us-east-1", now=NOW
    )


def post(body: bytes, content_type: str | None, target: str = "/") -> dict:
    headers = [("Content-Type", content_type)] if content_type else []
    return event_for(HttpRequest("POST", target, headers, body))


def test_a_post_becomes_the_whole_payload_2_0_event():
    request = HttpRequest(
        method="POST",
        target="/my/path?parameter1=value1&parameter1=value2&parameter2=value",
        headers=[
            ("Host", "127.0.0.1:9000"),
            ("User-Agent", "agent"),
            ("Content-Type", "text/plain"),
            ("Cookie", "cookie1; cookie2"),
            ("X-Many", "value1"),
            ("x-many", "value2"),
        ],
        body=b"Hello from client!",
        source_ip="127.0.0.1",
    )

    assert event_for(request) == {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/my/path",
        "rawQueryString": "parameter1=value1&parameter1=value2&parameter2=value",
        "cookies": ["cookie1", "cookie2"],
        "headers": {
            "host": "127.0.0.1:9000",
            "user-agent": "agent",
            "content-type": "text/plain",
            "x-many": "value1,value2",
        },
        "queryStringParameters": {"parameter1": "value1,value2", "parameter2": "value"},
        "requestContext": {
            "accountId": "anonymous",
            "apiId": URL_ID,
            "domainName": f"{URL_ID}.lambda-url.us-east-1.on.aws",
            "domainPrefix": URL_ID,
            "http": {
                "method": "POST",
                "path": "/my/path",
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "agent",
            },
            "requestId": "req-1",
            "routeKey": "$default",
            "stage": "$default",
            "time": "12/Mar/2020:19:03:58 +0000",
            "timeEpoch": 1584039838390,
        },
        "body": "Hello from client!",
        "isBase64Encoded": False,
    }


def test_header_names_are_lower_cased_and_repeats_joined_with_commas():
    headers = [("X-Trace", "a"), ("X-TRACE", "b"), ("x-trace", "c"), ("Accept", "*/*")]

    event = event_for(HttpRequest("GET", "/", headers))

    assert event["headers"] == {"x-trace": "a,b,c", "accept": "*/*"}


def test_every_cookie_header_moves_to_cookies_and_leaves_headers():
    headers = [("Cookie", "a=1; b=2"), ("cookie", "c=3")]

    event = event_for(HttpRequest("GET", "/", headers))

    assert event["cookies"] == ["a=1", "b=2", "c=3"]
    assert "cookie" not in event["headers"]


def test_a_request_without_cookies_query_or_body_has_no_such_keys():
    event = event_for(HttpRequest("GET", "/", [("Accept", "*/*")]))

    assert "cookies" not in event
    assert "queryStringParameters" not in event
    assert "body" not in event
    assert event["rawQueryString"] == ""
    assert event["isBase64Encoded"] is False


def test_query_values_are_decoded_and_repeats_joined_with_commas():
    event = event_for(HttpRequest("GET", "/s?q=a%20b&q=c&empty=", []))

    assert event["rawQueryString"] == "q=a%20b&q=c&empty="
    assert event["queryStringParameters"] == {"q": "a b,c", "empty": ""}


def test_user_agent_is_copied_into_request_context():
    event = event_for(HttpRequest("GET", "/", [("User-Agent", "curl/8")]))

    assert event["requestContext"]["http"]["userAgent"] == "curl/8"


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "text/html; charset=utf-8",
        "application/json",
        "application/cloudevents+json",
        "application/xml",
        "application/atom+xml",
        "application/javascript",
        "TEXT/CSV",
    ],
)
def test_text_json_xml_and_javascript_bodies_arrive_as_text(content_type):
    event = post(b'{"a": 1}', content_type)

    assert is_text(content_type)
    assert event["isBase64Encoded"] is False
    assert event["body"] == '{"a": 1}'


@pytest.mark.parametrize(
    "content_type",
    [
        "image/jpeg",
        "image/svg+xml",
        "application/octet-stream",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        None,
    ],
)
def test_every_other_body_arrives_base64_encoded(content_type):
    raw = b"\xff\xd8\xff\xe0 not text"

    event = post(raw, content_type)

    assert not is_text(content_type)
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == raw


def test_a_text_body_that_is_not_utf8_arrives_base64_encoded():
    event = post(b"caf\xe9", "text/plain")

    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"caf\xe9"


def test_an_event_at_the_6_mb_limit_is_invoked_and_one_byte_more_is_refused():
    overhead = len(encode_event(post(b"", "text/plain"))) + len(',"body":""')
    fitting = b"a" * (PAYLOAD_LIMIT - overhead)

    at_limit = encode_event(post(fitting, "text/plain"))
    over_event = post(fitting + b"a", "text/plain")
    over_limit = encode_event(over_event)

    assert len(at_limit) == PAYLOAD_LIMIT
    assert oversize(at_limit, post(fitting, "text/plain"), len(fitting)) is None
    refusal = oversize(over_limit, over_event, len(fitting) + 1)
    assert refusal is not None
    assert refusal.status == 413
    answer = json.loads(refusal.body)
    assert answer["message"] == "Request Entity Too Large"
    assert f"its event {PAYLOAD_LIMIT + 1:,} bytes;" in answer["detail"]
    assert "base64-encoded" not in answer["detail"]


def test_the_limit_counts_the_body_after_base64():
    raw = bytes(4_800_000)  # 4.8 MB of binary: 6.4 MB once base64-encoded
    event = post(raw, "image/jpeg")
    payload = encode_event(event)

    refusal = oversize(payload, event, len(raw))

    assert len(raw) < PAYLOAD_LIMIT
    assert refusal is not None and refusal.status == 413
    detail = json.loads(refusal.body)["detail"]
    assert detail.startswith(
        f"the request body is 4,800,000 bytes and its event {len(payload):,} "
        "bytes with the body base64-encoded;"
    )


def test_a_body_refused_unread_is_reported_as_the_body_not_the_event():
    detail = json.loads(too_large(7_000_003).body)["detail"]

    assert detail.startswith("the request body alone is 7,000,003 bytes,")
    assert "base64-encoded" not in detail
    assert "7000003" not in detail


def test_the_url_id_is_stable_and_shaped_like_aws():
    assert url_id("cec-ingest", "us-east-1") == URL_ID
    assert url_id("cec-ingest", "eu-west-1") != URL_ID
    assert len(URL_ID) == 32 and URL_ID.isalnum() and URL_ID.islower()


def result(document: object) -> bytes:
    return json.dumps(document).encode()


def test_a_result_with_status_code_sets_status_headers_and_body():
    response = map_response(
        result(
            {
                "statusCode": 201,
                "headers": {"Content-Type": "text/plain", "X-Custom": "yes"},
                "body": "created",
            }
        )
    )

    assert response.status == 201
    assert response.headers == [("Content-Type", "text/plain"), ("X-Custom", "yes")]
    assert response.body == b"created"


def test_each_cookie_of_a_result_becomes_one_set_cookie_header():
    response = map_response(
        result({"statusCode": 200, "cookies": ["a=1; Max-Age=60", "b=2"], "body": ""})
    )

    set_cookies = [value for name, value in response.headers if name == "Set-Cookie"]
    assert set_cookies == ["a=1; Max-Age=60", "b=2"]


def test_a_base64_result_body_is_decoded_to_bytes():
    image = b"\x89PNG\r\n\x1a\n\x00binary"

    response = map_response(
        result(
            {
                "statusCode": 200,
                "headers": {"content-type": "image/png"},
                "body": base64.b64encode(image).decode(),
                "isBase64Encoded": True,
            }
        )
    )

    assert response.body == image
    assert ("content-type", "image/png") in response.headers


def test_a_result_without_content_type_is_sent_as_json():
    response = map_response(result({"statusCode": 204}))

    assert response.status == 204
    assert response.headers == [("Content-Type", "application/json")]
    assert response.body == b""


def test_a_handler_cannot_set_the_content_length_the_front_end_computes():
    response = map_response(
        result({"statusCode": 200, "headers": {"Content-Length": "999"}, "body": "x"})
    )

    assert all(name.lower() != "content-length" for name, _ in response.headers)


@pytest.mark.parametrize(
    "document",
    [{"message": "Hello, world!"}, "Hello, world!", [1, 2, 3], 42, None],
)
def test_a_result_without_status_code_is_200_json_of_the_result(document):
    payload = result(document)

    response = map_response(payload)

    assert response.status == 200
    assert response.headers == [("Content-Type", "application/json")]
    assert response.body == payload


def test_a_string_result_keeps_its_json_quotes():
    assert map_response(b'"Hello, world!"').body == b'"Hello, world!"'


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"not json", "not JSON"),
        (result({"statusCode": "200"}), "integer"),
        (result({"statusCode": 99}), "not an HTTP status"),
        (result({"statusCode": 200, "body": {"a": 1}}), "must be a string"),
        (result({"statusCode": 200, "headers": ["x"]}), "headers"),
        (result({"statusCode": 200, "cookies": "a=1"}), "cookies"),
        (
            result({"statusCode": 200, "body": "***", "isBase64Encoded": True}),
            "not base64",
        ),
    ],
)
def test_a_malformed_result_is_refused_with_the_reason(payload, reason):
    with pytest.raises(MalformedResult, match=reason):
        map_response(payload)


def test_a_function_error_is_a_502_internal_server_error():
    response = function_error()

    assert response.status == 502
    assert json.loads(response.body) == {"message": "Internal Server Error"}
    assert ("Content-Type", "application/json") in response.headers
