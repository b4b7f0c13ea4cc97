"""Function URL responses: JSON bodies, and errors that carry their own status."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def json_response(
    status: int, body: Mapping[str, Any], headers: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Build a payload 2.0 response whose body is the given JSON object."""
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json", **(headers or {})},
        "body": json.dumps(body, separators=(",", ":")),
        "isBase64Encoded": False,
    }


class HttpError(Exception):
    """A request the handler refuses, with the status and reason to answer."""

    def __init__(
        self,
        status: int,
        error: str,
        message: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.headers = dict(headers or {})

    def response(self) -> dict[str, Any]:
        """Answer as `{"error": ..., "message": ...}` with this error's status."""
        body = {"error": self.error, "message": self.message}
        return json_response(self.status, body, self.headers)
