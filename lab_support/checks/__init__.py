"""The exercises' checks: each says whether an answer is right, and why not.

One module a chapter (`ch08`, ...); `Verdict` is what every check returns.
"""

from __future__ import annotations

import html
from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    """A check's answer: right or not, with a sentence a learner can act on."""

    ok: bool
    message: str

    def __repr__(self) -> str:
        return f"{'correct' if self.ok else 'not yet'}: {self.message}"

    def _repr_html_(self) -> str:
        colour = "#2e7d32" if self.ok else "#b26a00"
        mark = "✔ correct" if self.ok else "✘ not yet"
        return (
            f'<div style="border-left:4px solid {colour};padding:4px 8px">'
            f"<b>{mark}</b>: {html.escape(self.message)}</div>"
        )


def unanswered(name: str, hint: str) -> Verdict:
    """The verdict for an exercise variable still left at None."""
    return Verdict(False, f"set {name} first ({hint})")
