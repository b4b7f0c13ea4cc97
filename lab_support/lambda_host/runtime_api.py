"""The Lambda Runtime API (version 2018-06-01) a runtime process polls for events.

Routes and status codes follow the Lambda developer guide, "Using the Lambda
runtime API for custom runtimes": next invocation, invocation response,
invocation error, initialization error.
"""

from __future__ import annotations

import re
from typing import Final

from lab_support.lambda_host.environment import ExecutionEnvironment
from lab_support.lambda_host.http_io import LoopbackServer, QuietHandler
from lab_support.lambda_host.invocation import Answer

_PREFIX: Final = "/2018-06-01/runtime"
_NEXT: Final = f"{_PREFIX}/invocation/next"
_INIT_ERROR: Final = f"{_PREFIX}/init/error"
_ANSWER: Final = re.compile(rf"^{_PREFIX}/invocation/([^/]+)/(response|error)$")
_ERROR_TYPE_HEADER: Final = "Lambda-Runtime-Function-Error-Type"


class RuntimeApiServer(LoopbackServer):
    """The Runtime API on 127.0.0.1, answering for one execution environment."""

    def __init__(self, port: int, environment: ExecutionEnvironment) -> None:
        self.environment = environment
        super().__init__(port, RuntimeApiHandler)


class RuntimeApiHandler(QuietHandler):
    """Serve one runtime connection: long-poll for events, take answers."""

    server: RuntimeApiServer

    def do_GET(self) -> None:
        """Serve GET /runtime/invocation/next, the long poll for the next event."""
        path = self.path.split("?", 1)[0]
        if path != _NEXT:
            self._not_found(path)
            return

        environment = self.server.environment
        invocation = environment.next_invocation(self.client_connected)
        if invocation is None and not self.client_connected():
            self.close_connection = True
            return
        if invocation is None:
            self.send_json(
                503,
                {
                    "errorMessage": "no invocation: the host is stopping",
                    "errorType": "",
                },
            )
            return
        headers = [
            ("Content-Type", "application/json"),
            ("Lambda-Runtime-Aws-Request-Id", invocation.request_id),
            ("Lambda-Runtime-Deadline-Ms", str(invocation.deadline_ms)),
            ("Lambda-Runtime-Invoked-Function-Arn", environment.config.arn),
            ("Lambda-Runtime-Trace-Id", invocation.trace_id),
        ]
        self.send(200, headers, invocation.event)

    def do_POST(self) -> None:
        """Serve the response, error and init error routes."""
        path = self.path.split("?", 1)[0]
        body = self.read_body()
        error_type = self.headers.get(_ERROR_TYPE_HEADER)
        environment = self.server.environment

        if path == _INIT_ERROR:
            self._answer(environment.post_init_error(body, error_type))
            return
        matched = _ANSWER.match(path)
        if matched is None:
            self._not_found(path)
            return
        request_id, kind = matched.groups()
        if kind == "response":
            self._answer(environment.post_response(request_id, body))
        else:
            self._answer(environment.post_error(request_id, body, error_type))

    def do_PUT(self) -> None:
        """Refuse methods the Runtime API does not have."""
        self._not_found(self.path)

    do_DELETE = do_PATCH = do_PUT

    def _answer(self, answer: Answer) -> None:
        self.send_json(answer.status, answer.body)

    def _not_found(self, path: str) -> None:
        self.send_json(
            404,
            {
                "errorMessage": (
                    f"{self.command} {path} is not a Runtime API route: the routes are "
                    f"GET {_NEXT}, POST {_PREFIX}/invocation/ID/response, "
                    f"POST {_PREFIX}/invocation/ID/error and POST {_INIT_ERROR}"
                ),
                "errorType": "UnknownRoute",
            },
        )
