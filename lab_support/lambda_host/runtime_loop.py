"""The builtin runtime: a small Runtime API client, for where awslambdaric is not.

awslambdaric ships Linux wheels only. Where a handler can tell, this loop behaves
like AWS's Python runtime: the handler is imported once, errors are reported with
errorMessage, errorType and stackTrace, the context object has the same
attributes, and logging writes the same lines.

Run as: python -m lab_support.lambda_host.runtime_loop MODULE.FUNCTION
"""

from __future__ import annotations

import decimal
import http.client
import importlib
import json
import logging
import os
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any, Final

_PREFIX: Final = "/2018-06-01/runtime"
_ERROR_TYPE_HEADER: Final = "Lambda-Runtime-Function-Error-Type"
_request_id = ""


class Fault(Exception):
    """A failure the runtime itself reports, under Lambda's name for it."""

    def __init__(self, error_type: str, message: str, trace: list[str] | None = None):
        super().__init__(message)
        self.error_type = error_type
        self.trace = trace or []


class LambdaContext:
    """The context object a handler receives, with the attributes AWS gives it."""

    def __init__(self, request_id: str, function_arn: str, deadline_ms: int) -> None:
        self.aws_request_id = request_id
        self.invoked_function_arn = function_arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        # A string, as awslambdaric gives it: the value of the environment variable.
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.identity = None
        self.client_context = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        """Return the milliseconds left before Lambda stops this invocation."""
        return max(self._deadline_ms - int(time.time() * 1000), 0)


class RuntimeClient:
    """The three calls a runtime makes, over one kept-alive HTTP connection."""

    def __init__(self, address: str) -> None:
        host, _, port = address.rpartition(":")
        self._connection = http.client.HTTPConnection(host, int(port))

    def next(self) -> tuple[bytes, http.client.HTTPMessage]:
        """Long-poll for the next event; return its body and headers."""
        return self._call("GET", f"{_PREFIX}/invocation/next", None, {}, 200)

    def respond(self, request_id: str, body: bytes, content_type: str) -> None:
        """Send a handler's result."""
        path = f"{_PREFIX}/invocation/{request_id}/response"
        self._call("POST", path, body, {"Content-Type": content_type}, 202)

    def fail(self, request_id: str, error: dict) -> None:
        """Send a handler's error."""
        path = f"{_PREFIX}/invocation/{request_id}/error"
        self._call("POST", path, _to_json(error), _error_headers(error), 202)

    def fail_init(self, error: dict) -> None:
        """Report that the handler could not be loaded."""
        self._call(
            "POST", f"{_PREFIX}/init/error", _to_json(error), _error_headers(error), 202
        )

    def _call(
        self,
        method: str,
        path: str,
        body: bytes | None,
        headers: dict[str, str],
        expected: int,
    ) -> tuple[bytes, http.client.HTTPMessage]:
        self._connection.request(method, path, body=body, headers=headers)
        response = self._connection.getresponse()
        data = response.read()
        if response.status != expected:
            raise RuntimeError(
                f"Runtime API {method} {path} answered {response.status}: {data!r}"
            )
        return data, response.headers


def load_handler(name: str) -> Callable[[Any, LambdaContext], Any]:
    """Import MODULE.FUNCTION once, naming failures as Lambda's runtime does."""
    module_name, dot, function_name = name.rpartition(".")
    if not dot or not module_name:
        raise Fault(
            "Runtime.MalformedHandlerName", f"Bad handler '{name}': use MODULE.FUNCTION"
        )
    if module_name.split(".")[0] in sys.builtin_module_names:
        raise Fault(
            "Runtime.BuiltInModuleConflict",
            f"Cannot use built-in module {module_name} as a handler module",
        )
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except SyntaxError as error:
        trace = [f'  File "{error.filename}" Line {error.lineno}\n    {error.text}']
        raise Fault(
            "Runtime.UserCodeSyntaxError",
            f"Syntax error in module '{module_name}': {error}",
            trace,
        ) from None
    except ImportError as error:
        raise Fault(
            "Runtime.ImportModuleError",
            f"Unable to import module '{module_name}': {error}",
        ) from None
    handler = getattr(module, function_name, None)
    if handler is None:
        raise Fault(
            "Runtime.HandlerNotFound",
            f"Handler '{function_name}' missing on module '{module_name}'",
        )
    return handler


def run(handler_name: str, client: RuntimeClient) -> int:
    """Load the handler, then serve invocations until the Runtime API goes away."""
    global _request_id
    try:
        handler = load_handler(handler_name)
    except Fault as error:
        report = _error_report(error.error_type, str(error), error.trace)
        _log_error(report)
        client.fail_init(report)
        return 1
    except Exception as error:
        report = _error_report(type(error).__name__, str(error), _frames(error))
        _log_error(report)
        client.fail_init(report)
        return 1

    while True:
        event_body, headers = client.next()
        _request_id = headers.get("Lambda-Runtime-Aws-Request-Id", "")
        _set_trace(headers.get("Lambda-Runtime-Trace-Id"))
        context = LambdaContext(
            _request_id,
            headers.get("Lambda-Runtime-Invoked-Function-Arn", ""),
            int(headers.get("Lambda-Runtime-Deadline-Ms", "0")),
        )
        content_type = headers.get("Content-Type", "application/json")
        _invoke(client, handler, event_body, content_type, context)


def _invoke(client, handler, event_body, content_type, context) -> None:
    """Run the handler on one event and send its result or its error."""
    request_id = context.aws_request_id
    try:
        event = _parse_event(event_body, content_type)
        result = handler(event, context)
        body, result_type = _marshal(result)
    except Fault as error:
        report = _error_report(error.error_type, str(error), error.trace, request_id)
    except Exception as error:
        report = _error_report(
            type(error).__name__, str(error), _frames(error), request_id
        )
    else:
        _flush()
        client.respond(request_id, body, result_type)
        return
    _log_error(report)
    _flush()
    client.fail(request_id, report)


def _parse_event(body: bytes, content_type: str) -> Any:
    if content_type != "application/json":
        return body
    try:
        return json.loads(body)
    except ValueError as error:
        raise Fault(
            "Runtime.UnmarshalError", f"Unable to unmarshal input: {error}"
        ) from None


def _marshal(result: Any) -> tuple[bytes, str]:
    if isinstance(result, bytes):
        return result, "application/unknown"
    try:
        return _to_json(result), "application/json"
    except (TypeError, ValueError) as error:
        raise Fault(
            "Runtime.MarshalError", f"Unable to marshal response: {error}"
        ) from None


def _to_json(value: Any) -> bytes:
    return json.dumps(value, default=_json_default).encode()


def _json_default(value: Any) -> Any:
    """Encode Decimals (which boto3's DynamoDB types use) as JSON numbers."""
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _error_report(
    error_type: str, message: str, trace: list[str], request_id: str = ""
) -> dict:
    return {
        "errorMessage": message,
        "errorType": error_type,
        "requestId": request_id,
        "stackTrace": trace,
    }


def _error_headers(error: dict) -> dict[str, str]:
    return {"Content-Type": "application/json", _ERROR_TYPE_HEADER: error["errorType"]}


def _frames(error: BaseException) -> list[str]:
    """Return the traceback of a handler error without this module's own frames."""
    frames = traceback.extract_tb(error.__traceback__)
    own = os.path.abspath(__file__)
    user = [frame for frame in frames if os.path.abspath(frame.filename) != own]
    return traceback.format_list(user)


def _log_error(report: dict) -> None:
    """Write the error the way Lambda's Python runtime logs an unhandled exception."""
    lines = [f"[ERROR] {report['errorType']}: {report['errorMessage']}"]
    if report["stackTrace"]:
        lines.append("Traceback (most recent call last):")
        lines += [line for entry in report["stackTrace"] for line in entry.splitlines()]
    sys.stdout.write("\n".join(lines) + "\n")


def _set_trace(trace_id: str | None) -> None:
    if trace_id:
        os.environ["_X_AMZN_TRACE_ID"] = trace_id
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)


def _flush() -> None:
    sys.stdout.flush()
    sys.stderr.flush()


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = _request_id
        return True


def _setup_logging() -> None:
    """Give the root logger Lambda's text format: level, UTC time, request id."""
    handler = logging.StreamHandler(sys.stdout)
    formatter = logging.Formatter(
        "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s",
        "%Y-%m-%dT%H:%M:%S",
    )
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    handler.addFilter(_RequestIdFilter())
    logging.getLogger().addHandler(handler)


def main(argv: list[str] | None = None) -> int:
    """Start the runtime for the handler named on the command line (or in _HANDLER)."""
    args = sys.argv[1:] if argv is None else argv
    handler_name = args[0] if args else os.environ.get("_HANDLER", "")
    address = os.environ.get("AWS_LAMBDA_RUNTIME_API")
    if not address:
        sys.stderr.write(
            "AWS_LAMBDA_RUNTIME_API is not set: start this through the Lambda host\n"
        )
        return 2
    sys.stdout.reconfigure(line_buffering=True)
    sys.stderr.reconfigure(line_buffering=True)
    _setup_logging()
    try:
        return run(handler_name, RuntimeClient(address))
    except (ConnectionError, http.client.HTTPException, RuntimeError) as error:
        sys.stderr.write(f"builtin runtime stopped: {error}\n")
        return 1


if __name__ == "__main__":
    sys.exit(main())
