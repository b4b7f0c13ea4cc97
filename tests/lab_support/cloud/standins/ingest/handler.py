"""A test Lambda handler: accept every request, do nothing else."""


def handler(event, context):
    """Answer 200 with an empty JSON object."""
    return {"statusCode": 200, "body": "{}"}
