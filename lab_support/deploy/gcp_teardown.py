"""The Google Cloud half of teardown: list by the course's label, delete by name.

Service accounts and workload identity pools take no labels, so deploy starts
their descriptions with the tag and teardown filters on that.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from lab_support.deploy.config import DeployConfig
from lab_support.deploy.gcp import GcloudStep, gcloud_command
from lab_support.deploy.names import TAG_KEY, Names
from lab_support.deploy.plan import Facts, Step


@dataclass(frozen=True)
class _Kind:
    """One kind of resource teardown lists by label, then deletes by name."""

    fact: str
    what: str
    plural: str
    list_words: tuple[str, ...]
    scope: tuple[str, ...]
    delete_words: tuple[str, ...]
    field: str = "name"


def _kinds(config: DeployConfig) -> list[_Kind]:
    region = config.gcp_region
    # In deletion order. Subscriptions go before topics: deleting a topic leaves
    # its subscriptions behind, detached.
    return [
        _Kind(
            "functions",
            "Cloud Function",
            "Cloud Functions",
            ("functions", "list", f"--regions={region}"),
            ("--gen2", f"--region={region}"),
            ("functions", "delete"),
        ),
        _Kind(
            "subscriptions",
            "Pub/Sub subscription",
            "Pub/Sub subscriptions",
            ("pubsub", "subscriptions", "list"),
            (),
            ("pubsub", "subscriptions", "delete"),
        ),
        _Kind(
            "topics",
            "Pub/Sub topic",
            "Pub/Sub topics",
            ("pubsub", "topics", "list"),
            (),
            ("pubsub", "topics", "delete"),
        ),
        _Kind(
            "repositories",
            "Artifact Registry repository",
            "Artifact Registry repositories",
            ("artifacts", "repositories", "list", f"--location={region}"),
            (f"--location={region}",),
            ("artifacts", "repositories", "delete"),
        ),
        _Kind(
            "pools",
            "workload identity pool",
            "workload identity pools",
            ("iam", "workload-identity-pools", "list", "--location=global"),
            ("--location=global",),
            ("iam", "workload-identity-pools", "delete"),
        ),
        _Kind(
            "service-accounts",
            "service account",
            "service accounts",
            ("iam", "service-accounts", "list"),
            (),
            ("iam", "service-accounts", "delete"),
            field="email",
        ),
    ]


def _expected(names: Names) -> dict[str, tuple[str, ...]]:
    return {
        "functions": (names.processor_function,),
        "subscriptions": (names.dead_letter_subscription,),
        "topics": (names.topic, names.dead_letter_topic),
        "repositories": (names.repository,),
        "pools": (names.pool,),
        "service-accounts": (names.processor_account,),
    }


def find_steps(config: DeployConfig) -> list[Step]:
    """List each kind of resource by the course's label or description marker."""
    names = config.names
    project = f"--project={names.project}"
    steps: list[Step] = []
    for kind in _kinds(config):
        labelled = kind.fact in (
            "functions",
            "subscriptions",
            "topics",
            "repositories",
        )
        selector = (
            f"--filter=labels.{TAG_KEY}={names.tag_value}"
            if labelled
            else f"--filter=description~'^{names.description_marker}'"
        )
        steps.append(
            GcloudStep(
                verb="find",
                resource=f"{kind.plural} with {names.tag}"
                + ("" if labelled else " in description"),
                call=gcloud_command(
                    *kind.list_words, selector, f"--format=value({kind.field})", project
                ),
                produces=kind.fact,
                lines=True,
            )
        )
    return steps


def delete_steps(config: DeployConfig, facts: Facts) -> list[Step]:
    """Delete what was found, if deploy names it so; the function goes first."""
    names = config.names
    expected = _expected(names)
    project = f"--project={names.project}"
    steps: list[Step] = []
    for kind in _kinds(config):
        found = facts.get(kind.fact, list(expected[kind.fact]))
        for name in found:
            short = name.rsplit("/", 1)[-1]
            if short not in expected[kind.fact]:
                continue
            steps.append(
                GcloudStep(
                    verb="delete",
                    resource=f"{kind.what} {short.split('@')[0]}",
                    call=gcloud_command(
                        *kind.delete_words, short, *kind.scope, project, "--quiet"
                    ),
                    gone_ok=True,
                    note=_DELETE_NOTES.get(kind.fact, ""),
                )
            )
    return steps


_DELETE_NOTES: Final = {
    "functions": "its Eventarc trigger and trigger subscription go with it",
    "subscriptions": "any dead letters still in it go with it",
    "topics": "its IAM bindings go with it",
    "pools": "its providers go with it; Google keeps the id 30 days",
}
