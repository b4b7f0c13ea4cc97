"""Solutions to chapter 1's exercises (test_ch01.py pins them)."""


def emulator_host(local) -> str:
    """1.1: the endpoints table lists the emulator's host:port."""
    return local.endpoints.pubsub_emulator_host


def accepted_status(result) -> int:
    """1.2: the status code of the upload's answer, kept on the receipt."""
    return result.receipt.response.status


def pipeline_order() -> list[str]:
    """1.3: follow the arrows from the upload to the stored result."""
    return [
        "ingest Lambda",
        "Pub/Sub topic",
        "Eventarc trigger",
        "processor",
        "S3 bucket",
    ]
