"""Test handler for the Lambda host: the request path picks what it does."""

import base64
import json
import logging
import os
import sys
import time

print("handler module imported")

PNG = b"\x89PNG\r\n\x1a\n\x00\xffbinary"


def handler(event, context):
    """Echo the event and context, or misbehave the way the path asks."""
    path = event.get("rawPath", "/")
    query = event.get("queryStringParameters", {})
    print(f"handling {path}")
    if path == "/raise":
        raise ValueError("asked to fail")
    if path == "/sleep":
        time.sleep(float(query.get("s", "60")))
        return {"statusCode": 200, "body": "woke up"}
    if path == "/crash":
        os._exit(3)
    if path == "/log":
        logging.getLogger().warning("a warning through logging")
        print("to stderr", file=sys.stderr)
        print("to stdout")
        return {"statusCode": 200, "body": "logged"}
    if path == "/plain":
        return {"plain": True}
    if path == "/png":
        return {
            "statusCode": 200,
            "headers": {"Content-Type": "image/png"},
            "body": base64.b64encode(PNG).decode(),
            "isBase64Encoded": True,
        }
    if path == "/huge":
        return {"statusCode": 200, "body": "x" * 6_300_000}
    if path == "/malformed":
        return {"statusCode": 200, "body": {"not": "a string"}}
    return {
        "statusCode": 201,
        "headers": {"content-type": "application/json", "x-echo": "yes"},
        "cookies": ["a=1", "b=2; Max-Age=60"],
        "body": json.dumps({"event": event, "context": _context(context)}),
    }


def _context(context):
    return {
        "aws_request_id": context.aws_request_id,
        "invoked_function_arn": context.invoked_function_arn,
        "function_name": context.function_name,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "function_version": context.function_version,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "environ": {
            name: os.environ.get(name)
            for name in ("AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "_HANDLER")
        },
    }
