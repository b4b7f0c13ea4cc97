"""Relay a runtime process's output, line by line, into the host's log."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Final

_POLL_S: Final = 0.05


class OutputRelay:
    """Copy the runtime's output, line by line, from its log file to the host's log.

    The runtime's stdout and stderr share one file, so lines stay in the order they
    were written; drain() reads to the end, so everything the handler wrote before
    it answered is relayed before END.
    """

    def __init__(self, path: Path, emit: Callable[[str], None]) -> None:
        self._file = open(path, "rb")  # noqa: SIM115 - closed in close()
        self._emit = emit
        self._pending = b""
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def drain(self) -> None:
        """Relay everything written so far, a last unterminated line included."""
        self._read(final=True)

    def close(self) -> None:
        """Relay what is left and stop reading."""
        self._stopped.set()
        self._thread.join()
        self._read(final=True)
        with self._lock:
            self._file.close()

    def _run(self) -> None:
        while not self._stopped.wait(_POLL_S):
            self._read(final=False)

    def _read(self, final: bool) -> None:
        with self._lock:
            if self._file.closed:
                return
            data = self._pending + self._file.read()
            lines = data.splitlines(keepends=True)
            self._pending = b""
            if lines and not final and not lines[-1].endswith(b"\n"):
                # Unterminated, or a \r whose \n may still come: wait for more.
                self._pending = lines.pop()
            for line in lines:
                self._emit(line.rstrip(b"\r\n").decode("utf-8", "replace"))
