"""Checks of chapter 1's exercises (welcome and set-up)."""

from __future__ import annotations

from typing import Any, Final

from lab_support.checks import Verdict, unanswered

# The pieces of the pipeline in the order an upload crosses them.
PIPELINE: Final = (
    "ingest Lambda",
    "Pub/Sub topic",
    "Eventarc trigger",
    "processor",
    "S3 bucket",
)
# The same pieces, shuffled, as the exercise hands them to the learner.
PIECES: Final = (
    "processor",
    "S3 bucket",
    "Pub/Sub topic",
    "ingest Lambda",
    "Eventarc trigger",
)
_ORDINALS: Final = ("first", "second", "third", "fourth", "fifth")


def emulator_host(local: Any, answer: Any) -> Verdict:
    """Exercise 1.1: where the Pub/Sub emulator of this local cloud answers."""
    expected = local.endpoints.pubsub_emulator_host
    if answer is None:
        return unanswered("emulator_host", "host:port, from the endpoints table")
    if not isinstance(answer, str):
        return Verdict(False, f"give host:port as a string, not {answer!r}")
    others = {url: name for name, url in vars(local.endpoints).items()}
    if answer != expected and answer in others:
        return Verdict(False, f"that is {others[answer]}, another service's endpoint")
    if answer.startswith(("http://", "https://")):
        return Verdict(
            False,
            "the emulator speaks gRPC, not HTTP: give host:port without a scheme, "
            "as PUBSUB_EMULATOR_HOST expects",
        )
    if answer != expected:
        return Verdict(False, f"{answer} is not where the emulator answers")
    return Verdict(
        True, "google-cloud-pubsub finds the emulator through PUBSUB_EMULATOR_HOST"
    )


def accepted_status(answer: Any, *, observed: int) -> Verdict:
    """Exercise 1.2: the status code the ingest function answered to the upload."""
    if answer is None:
        return unanswered("accepted_status", "a status code, a whole number")
    if not isinstance(answer, int) or isinstance(answer, bool):
        return Verdict(False, f"a status code is a whole number, not {answer!r}")
    if answer != observed:
        return Verdict(False, f"the function answered {observed}, not {answer}")
    if answer == 202:
        return Verdict(
            True,
            "202 Accepted: the upload is taken, the work happens later, elsewhere",
        )
    return Verdict(True, f"the function answered {observed}")


def pipeline_order(answer: Any) -> Verdict:
    """Exercise 1.3: the pipeline's pieces in the order an upload crosses them."""
    if answer is None:
        return unanswered("order", "a list of the five pieces")
    if not isinstance(answer, list | tuple) or sorted(map(str, answer)) != sorted(
        PIPELINE
    ):
        return Verdict(
            False, f"use each of these five pieces once: {', '.join(PIECES)}"
        )
    for position, (given, right) in enumerate(zip(answer, PIPELINE, strict=True)):
        if given != right:
            return Verdict(
                False,
                f"{given} does not come {_ORDINALS[position]}: follow the arrows "
                "of the diagram from the upload",
            )
    return Verdict(True, " -> ".join(PIPELINE))
