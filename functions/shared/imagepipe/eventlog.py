"""One JSON line per event on stdout, as Cloud Logging and CloudWatch parse it."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any, TextIO


class _StdoutHandler(logging.StreamHandler):
    """Write to whatever sys.stdout is at the moment of logging.

    A notebook or a test may replace sys.stdout after import; the line must
    still reach the stdout in use, so the stream is looked up on every record.
    """

    def __init__(self) -> None:
        super().__init__(sys.stdout)

    @property
    def stream(self) -> TextIO:
        return sys.stdout

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        """Ignore the stream StreamHandler tries to set; stdout is always used."""


def event_logger(name: str) -> logging.Logger:
    """Return the logger a function writes its one line per event to."""
    logger = logging.getLogger(name)
    if not any(isinstance(h, _StdoutHandler) for h in logger.handlers):
        handler = _StdoutHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    # The Lambda runtime and functions-framework configure the root logger with
    # their own format; this line must stay pure JSON, so it does not propagate.
    logger.propagate = False
    return logger


def log_event(logger: logging.Logger, **fields: Any) -> None:
    """Write one event's outcome as a single JSON object on one line."""
    logger.info(json.dumps(fields, default=str, separators=(",", ":")))
