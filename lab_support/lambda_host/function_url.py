"""Lambda Function URL mapping: an HTTP request to a payload-2.0 event and back.

Pure functions only, so each AWS rule can be pinned by a unit test. The rules follow
the Lambda developer guide, "Invoking Lambda function URLs" (request and response
payloads), which uses the API Gateway HTTP API payload format version 2.0.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import parse_qsl

# Lambda's synchronous invocation limit, for the request and for the response.
PAYLOAD_LIMIT: Final = 6_291_456
# With auth type NONE there is no calling account; AWS puts this word instead.
ANONYMOUS_ACCOUNT: Final = "anonymous"
# English month names whatever the locale, as AWS writes them.
_MONTHS: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun") + (
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)
# Media types Lambda passes as text; every other body (or none) arrives base64.
_TEXT_TYPES: Final = frozenset(
    {
        "application/json",
        "application/xml",
        "application/javascript",
        "application/x-javascript",
        "application/ecmascript",
    }
)
# Headers the front end computes itself and never takes from a handler's result.
_HOP_HEADERS: Final = frozenset({"content-length", "transfer-encoding", "connection"})
_JSON: Final = ("Content-Type", "application/json")


@dataclass(frozen=True)
class HttpRequest:
    """The parts of an HTTP request the front end turns into an event."""

    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes = b""
    source_ip: str = "127.0.0.1"
    protocol: str = "HTTP/1.1"


@dataclass(frozen=True)
class HttpResponse:
    """What the front end sends back to the client."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


class MalformedResult(ValueError):
    """The function returned something Lambda cannot turn into an HTTP response."""


def url_id(function_name: str, region: str) -> str:
    """Return a stable 32-character url-id, the shape AWS gives a function URL."""
    return hashlib.sha256(f"{region}/{function_name}".encode()).hexdigest()[:32]


def is_text(content_type: str | None) -> bool:
    """Tell whether Lambda passes a body of this content type as text, not base64."""
    if not content_type:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    if media.startswith("text/") or media in _TEXT_TYPES:
        return True
    return media.startswith("application/") and media.endswith(("+json", "+xml"))


def build_event(
    request: HttpRequest,
    *,
    request_id: str,
    function_url_id: str,
    region: str,
    now: float | None = None,
) -> dict:
    """Return the payload-2.0 event Lambda builds for this request."""
    now = time.time() if now is None else now
    path, _, raw_query = request.target.partition("?")
    headers, cookies = _fold_headers(request.headers)
    query = _fold_pairs(parse_qsl(raw_query, keep_blank_values=True))
    domain = f"{function_url_id}.lambda-url.{region}.on.aws"

    event: dict = {"version": "2.0", "routeKey": "$default"}
    event["rawPath"] = path or "/"
    event["rawQueryString"] = raw_query
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    if query:
        event["queryStringParameters"] = query
    event["requestContext"] = {
        "accountId": ANONYMOUS_ACCOUNT,
        "apiId": function_url_id,
        "domainName": domain,
        "domainPrefix": function_url_id,
        "http": {
            "method": request.method.upper(),
            "path": path or "/",
            "protocol": request.protocol,
            "sourceIp": request.source_ip,
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": request_id,
        "routeKey": "$default",
        "stage": "$default",
        "time": _clf_time(now),
        "timeEpoch": int(now * 1000),
    }
    if request.body:
        event["body"], event["isBase64Encoded"] = _encode_body(
            request.body, headers.get("content-type")
        )
    else:
        event["isBase64Encoded"] = False
    return event


def encode_event(event: dict) -> bytes:
    """Return the event as the JSON bytes Lambda hands to the runtime."""
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()


def oversize(payload: bytes, event: dict, body_size: int) -> HttpResponse | None:
    """Return Lambda's 413 when the encoded event is over the payload limit."""
    if len(payload) <= PAYLOAD_LIMIT:
        return None
    encoded = event.get("isBase64Encoded") is True
    return too_large(body_size, len(payload), base64_body=encoded)


def too_large(
    body_size: int, event_size: int | None = None, *, base64_body: bool = False
) -> HttpResponse:
    """Return Lambda's 413, naming the body's size and, once built, the event's."""
    if event_size is None:
        # Refused unread: the event would hold the whole body, so it is larger.
        size = (
            f"the request body alone is {body_size:,} bytes, so the event Lambda "
            "builds from it would be larger still"
        )
    else:
        encoded = " with the body base64-encoded" if base64_body else ""
        size = (
            f"the request body is {body_size:,} bytes and its event "
            f"{event_size:,} bytes{encoded}"
        )
    detail = (
        f"{size}; Lambda's limit is {PAYLOAD_LIMIT:,} bytes for the event (about "
        "4.5 MB of binary body, which base64 grows by 4/3): send a smaller file"
    )
    body = {"message": "Request Entity Too Large", "detail": detail}
    return HttpResponse(413, [_JSON], json.dumps(body).encode())


def function_error() -> HttpResponse:
    """Return the 502 a client sees when the function fails or times out."""
    return HttpResponse(502, [_JSON], b'{"message": "Internal Server Error"}')


def map_response(payload: bytes) -> HttpResponse:
    """Return the HTTP response Lambda makes of a function's result payload."""
    try:
        result = json.loads(payload)
    except ValueError as error:
        raise MalformedResult(f"the result is not JSON ({error})") from None
    if not (isinstance(result, dict) and "statusCode" in result):
        # A result without statusCode is sent as it is: 200, JSON, body = result.
        return HttpResponse(200, [_JSON], payload)

    status = result["statusCode"]
    if isinstance(status, bool) or not isinstance(status, int):
        raise MalformedResult(f"statusCode must be an integer, not {status!r}")
    if not 100 <= status <= 599:
        raise MalformedResult(f"statusCode {status} is not an HTTP status")
    headers = _result_headers(result.get("headers"), result.get("cookies"))
    body = _result_body(result.get("body"), result.get("isBase64Encoded", False))
    return HttpResponse(status, headers, body)


def _fold_headers(pairs: Iterable[tuple[str, str]]) -> tuple[dict[str, str], list]:
    """Lower-case header names, join duplicates with commas, move cookies out."""
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in pairs:
        key = name.lower()
        if key == "cookie":
            cookies += [part.strip() for part in value.split(";") if part.strip()]
            continue
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    return headers, cookies


def _fold_pairs(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Join the values of repeated query parameters with commas, as payload 2.0 does."""
    folded: dict[str, str] = {}
    for name, value in pairs:
        folded[name] = f"{folded[name]},{value}" if name in folded else value
    return folded


def _encode_body(body: bytes, content_type: str | None) -> tuple[str, bool]:
    """Return the event body and whether it is base64, by the request's content type."""
    if is_text(content_type):
        with contextlib.suppress(UnicodeDecodeError):
            return body.decode("utf-8"), False
    return base64.b64encode(body).decode("ascii"), True


def _clf_time(now: float) -> str:
    """Format a time as requestContext.time shows it: 12/Mar/2020:19:03:58 +0000."""
    t = time.gmtime(now)
    return (
        f"{t.tm_mday:02d}/{_MONTHS[t.tm_mon - 1]}/{t.tm_year}:"
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000"
    )


def _result_headers(headers: object, cookies: object) -> list[tuple[str, str]]:
    """Return response headers from a result's headers map and cookies list."""
    if headers is None:
        headers = {}
    if not isinstance(headers, dict):
        raise MalformedResult("headers must be an object of name: value")
    if cookies is None:
        cookies = []
    if not isinstance(cookies, list):
        raise MalformedResult("cookies must be a list of Set-Cookie values")

    pairs = [
        (str(name), _header_value(value))
        for name, value in headers.items()
        if str(name).lower() not in _HOP_HEADERS
    ]
    if not any(name.lower() == "content-type" for name, _ in pairs):
        pairs.append(_JSON)
    pairs += [("Set-Cookie", str(cookie)) for cookie in cookies]
    return pairs


def _header_value(value: object) -> str:
    """Render a header value the way JSON numbers and booleans read in HTTP."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _result_body(body: object, is_base64: object) -> bytes:
    """Return the response body bytes, decoding base64 when the result says so."""
    if body is None:
        return b""
    if not isinstance(body, str):
        raise MalformedResult("body must be a string (json.dumps an object first)")
    if not is_base64:
        return body.encode("utf-8")
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise MalformedResult(
            "isBase64Encoded is true but body is not base64"
        ) from None
