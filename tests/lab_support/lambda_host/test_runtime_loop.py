"""Pin how the builtin runtime loads handlers and what its context object says."""

from __future__ import annotations

import time
import uuid

import pytest

from lab_support.lambda_host.runtime_loop import Fault, LambdaContext, load_handler


@pytest.fixture
def bundle(tmp_path, monkeypatch):
    """A bundle folder on sys.path, where each test writes uniquely named modules."""
    monkeypatch.syspath_prepend(str(tmp_path))

    def write(source: str) -> str:
        name = f"handler_{uuid.uuid4().hex}"
        (tmp_path / f"{name}.py").write_text(source)
        return name

    return write


def test_a_handler_is_imported_and_returned(bundle):
    module = bundle("def handler(event, context):\n    return event\n")

    assert load_handler(f"{module}.handler")({"a": 1}, None) == {"a": 1}


@pytest.mark.parametrize(
    ("source", "error_type", "message"),
    [
        (
            "import no_such_module_in_the_bundle\n",
            "Runtime.ImportModuleError",
            "Unable",
        ),
        ("def handler(:\n", "Runtime.UserCodeSyntaxError", "Syntax error in module"),
        (
            "def other(event, context):\n    pass\n",
            "Runtime.HandlerNotFound",
            "missing",
        ),
    ],
)
def test_a_handler_that_cannot_load_fails_with_lambdas_error_type(
    bundle, source, error_type, message
):
    module = bundle(source)

    with pytest.raises(Fault, match=message) as failure:
        load_handler(f"{module}.handler")

    assert failure.value.error_type == error_type


def test_a_handler_name_without_a_module_is_malformed():
    with pytest.raises(Fault) as failure:
        load_handler("handler")

    assert failure.value.error_type == "Runtime.MalformedHandlerName"


def test_a_builtin_module_cannot_be_the_handler_module():
    with pytest.raises(Fault) as failure:
        load_handler("sys.exit")

    assert failure.value.error_type == "Runtime.BuiltInModuleConflict"


def test_the_context_reads_the_function_from_lambdas_variables(monkeypatch):
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "cec-ingest")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
    monkeypatch.setenv("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/cec-ingest")
    monkeypatch.setenv("AWS_LAMBDA_LOG_STREAM_NAME", "2026/12/04/[$LATEST]ab")
    arn = "arn:aws:lambda:us-east-1:000000000000:function:cec-ingest"

    context = LambdaContext("req-1", arn, int(time.time() * 1000) + 3000)

    assert context.aws_request_id == "req-1"
    assert context.invoked_function_arn == arn
    assert context.function_name == "cec-ingest"
    assert context.function_version == "$LATEST"
    assert context.memory_limit_in_mb == "512"
    assert context.log_group_name == "/aws/lambda/cec-ingest"
    assert context.log_stream_name == "2026/12/04/[$LATEST]ab"
    assert 2000 < context.get_remaining_time_in_millis() <= 3000


def test_remaining_time_never_goes_below_zero():
    context = LambdaContext("req-1", "arn", int(time.time() * 1000) - 5000)

    assert context.get_remaining_time_in_millis() == 0
