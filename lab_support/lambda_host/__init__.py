"""The local Lambda host: runs a handler offline the way AWS Lambda runs it.

It serves the Lambda Runtime API to one runtime process (awslambdaric, or the
builtin loop where that does not install), writes CloudWatch-style START, END and
REPORT lines to stdout, and fronts the function with a function URL that builds
payload-2.0 events. `python -m lab_support.lambda_host --help` lists the options.
"""
