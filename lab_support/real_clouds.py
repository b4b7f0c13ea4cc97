"""Chapter 10's tools: a printed deploy plan read back, and cells for real accounts.

`dry_run` runs the project's own `deploy.main([... "--dry-run"])` and splits what
it printed into its header, cost notes and numbered steps, so a notebook can show
one step at a time. `for_real` runs deploy or teardown only when credentials for
real accounts are on this machine, found from environment variables and files
alone (no network call, no `gcloud` run), and the learner has said yes.
`as_processor` lets a cell run the processor's credential code in the
processor's own local environment.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import psutil

from lab_support.display import Banner, Table, banner
from lab_support.environ import overridden
from lab_support.errors import CourseError

AWS_HINT: Final = (
    "set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run "
    "`aws configure`; leave AWS_ENDPOINT_URL unset"
)
GCP_HINT: Final = (
    "run `gcloud auth login`, or set CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE to a "
    "service account key file"
)
# The processor's variables that decide where its AWS calls go and as whom.
PROCESSOR_VARIABLES: Final = (
    "AWS_ENDPOINT_URL",
    "AWS_REGION",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_AUDIENCE",
    "GCE_METADATA_HOST",
)
# Variables that would give boto3 credentials of their own; the processor has none.
KEY_VARIABLES: Final = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
)
LOOPBACK: Final = "127.0.0.1:"
CLOUD_NAMES: Final = {"aws": "AWS", "gcp": "Google Cloud"}


@dataclass(frozen=True)
class PlanStep:
    """One numbered step of a printed plan: its heading's parts and its whole text."""

    number: int
    cloud: str
    verb: str
    what: str
    text: str

    def __repr__(self) -> str:
        return self.text


@dataclass(frozen=True)
class PrintedPlan:
    """What a deploy or teardown run printed, split into header, costs and steps."""

    text: str

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    def _first_step_line(self) -> int:
        return next(i for i, line in enumerate(self.lines) if _is_heading(line))

    @property
    def header(self) -> str:
        """The opening lines: what runs where, and that a dry run calls nothing."""
        lead = self.lines[: self._first_step_line()]
        end = next(
            (i for i, line in enumerate(lead) if line.startswith("What this")),
            len(lead),
        )
        return "\n".join(lead[:end]).strip()

    @property
    def costs(self) -> str:
        """The cost notes and limits printed before the first step (deploy only)."""
        lead = "\n".join(self.lines[: self._first_step_line()])
        start = lead.find("What this can cost")
        return lead[start:].strip() if start >= 0 else ""

    @property
    def summary(self) -> str:
        """The last line: how many steps, or what a real run did."""
        return self.text.rstrip().rsplit("\n", 1)[-1]

    def steps(self) -> list[PlanStep]:
        """Every numbered step, in order."""
        found: list[PlanStep] = []
        lines = self.lines
        starts = [i for i, line in enumerate(lines) if _is_heading(line)]
        for n, start in enumerate(starts):
            end = starts[n + 1] if n + 1 < len(starts) else len(lines)
            body = lines[start:end]
            while body and (not body[-1].strip() or body[-1] == self.summary):
                body.pop()
            heading = lines[start]
            found.append(
                PlanStep(
                    number=int(heading[:2]),
                    cloud=heading[4:9].strip(),
                    verb=heading[10:19].strip(),
                    what=heading[20:],
                    text="\n".join(body),
                )
            )
        return found

    def step(self, words: str) -> PlanStep:
        """The first step whose heading contains `words`."""
        for each in self.steps():
            if words in each.what:
                return each
        raise CourseError(
            f"no step of this plan mentions {words!r}: look at plan.outline()"
        )

    def outline(self, caption: str = "") -> Table:
        """One row a step: number, cloud, verb and what it acts on."""
        rows = [(s.number, s.cloud, s.verb, s.what) for s in self.steps()]
        return Table(("step", "cloud", "verb", "what"), rows, caption)


def _is_heading(line: str) -> bool:
    return len(line) > 20 and line[:2].strip().isdigit() and line[2:4] == ". "


def dry_run(command: str, *flags: str) -> PrintedPlan:
    """Run `deploy` or `teardown` with --dry-run and keep what it printed."""
    from lab_support import deploy

    out = io.StringIO()
    deploy.main([command, *flags, "--dry-run"], out=out)
    return PrintedPlan(out.getvalue())


def _existing(path: str | Path | None) -> bool:
    return bool(path) and Path(str(path)).expanduser().is_file()


def aws_credentials_found(
    environ: Mapping[str, str] | None = None, home: Path | None = None
) -> bool:
    """Tell whether boto3 could find keys for a real account, without asking AWS."""
    env = os.environ if environ is None else environ
    home = Path.home() if home is None else home
    # With an endpoint override every call goes to an emulator, not an account.
    if env.get("AWS_ENDPOINT_URL"):
        return False
    if env.get("AWS_ACCESS_KEY_ID") and env.get("AWS_SECRET_ACCESS_KEY"):
        return True
    if env.get("AWS_PROFILE") or env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI"):
        return True
    files = (
        env.get("AWS_SHARED_CREDENTIALS_FILE") or home / ".aws" / "credentials",
        env.get("AWS_CONFIG_FILE") or home / ".aws" / "config",
        env.get("AWS_WEB_IDENTITY_TOKEN_FILE"),
    )
    return any(_existing(file) for file in files)


def gcp_credentials_found(
    environ: Mapping[str, str] | None = None, home: Path | None = None
) -> bool:
    """Tell whether gcloud has an account to use, from its files, without running it."""
    env = os.environ if environ is None else environ
    home = Path.home() if home is None else home
    config = Path(env.get("CLOUDSDK_CONFIG") or home / ".config" / "gcloud")
    files = (
        config / "credentials.db",
        env.get("CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE"),
        env.get("CLOUDSDK_AUTH_ACCESS_TOKEN_FILE"),
    )
    return any(_existing(file) for file in files)


def _clouds(argv: Sequence[str]) -> list[str]:
    chosen = [cloud for cloud in ("aws", "gcp") if f"--{cloud}" in argv]
    return chosen or ["aws", "gcp"]


def missing_credentials(
    clouds: Sequence[str],
    environ: Mapping[str, str] | None = None,
    home: Path | None = None,
) -> list[str]:
    """One "skipped: ..." line for each chosen cloud that has no credentials here."""
    lines = []
    if "aws" in clouds and not aws_credentials_found(environ, home):
        lines.append(f"skipped: no AWS credentials found ({AWS_HINT})")
    if "gcp" in clouds and not gcp_credentials_found(environ, home):
        lines.append(f"skipped: no Google Cloud credentials found ({GCP_HINT})")
    return lines


def _needs(clouds: Sequence[str], command: str) -> Banner:
    accounts = " and ".join(CLOUD_NAMES[cloud] for cloud in clouds)
    return banner(
        f"Needs your {accounts} account{'s' if len(clouds) > 1 else ''}",
        f"This cell runs `python -m lab_support {command}` for real: it creates or "
        "removes billable resources. Without credentials it is skipped.",
    )


def for_real(argv: Sequence[str], *, confirmed: bool) -> int | None:
    """Run deploy or teardown against real accounts, or print why the cell skips."""
    from IPython.display import display

    from lab_support import deploy

    if "--dry-run" in argv:
        raise CourseError("for_real() runs for real: use dry_run() for a dry run")
    clouds = _clouds(argv)
    display(_needs(clouds, " ".join(argv)))
    missing = missing_credentials(clouds)
    if missing:
        print("\n".join(missing))
        return None
    if not confirmed:
        print(
            "skipped: credentials found, but this cell creates real resources: set "
            "FOR_REAL = True in the cell above, then run this cell again"
        )
        return None
    return deploy.main(list(argv))


def _processor_environ(cloud: Any) -> dict[str, str]:
    service = cloud.services["processor"]
    try:
        return psutil.Process(service.pid).environ()
    except psutil.Error as error:
        raise CourseError(
            f"cannot read the processor's environment ({error}): run "
            "`python -m lab_support up` and try again"
        ) from None


def processor_environment(cloud: Any) -> dict[str, str]:
    """The processor's AWS-related variables as its process has them, keys included."""
    env = _processor_environ(cloud)
    names = (*PROCESSOR_VARIABLES, *KEY_VARIABLES)
    return {name: env.get(name, "(not set)") for name in names}


@contextlib.contextmanager
def as_processor(cloud: Any) -> Iterator[dict[str, str]]:
    """Run a block with the processor's AWS variables and none of its absent keys."""
    env = _processor_environ(cloud)
    chosen = {name: env[name] for name in PROCESSOR_VARIABLES if name in env}
    endpoint = chosen.get("AWS_ENDPOINT_URL", "")
    metadata = chosen.get("GCE_METADATA_HOST", "")
    if not endpoint.startswith(f"http://{LOOPBACK}") or not metadata.startswith(
        LOOPBACK
    ):
        raise CourseError(
            "the running processor is not pointed at the local cloud's moto and "
            "metadata stand-in: run `python -m lab_support down`, then `up`"
        )

    with overridden({**dict.fromkeys(KEY_VARIABLES), **chosen}):
        yield chosen


def local_role(cloud: Any) -> dict[str, Any]:
    """The processor's role as moto's IAM has it: trust, path, when it was last used.

    moto marks a role used whenever a request arrives signed with temporary keys
    of that role, as IAM's RoleLastUsed does.
    """
    import boto3

    env = cloud.env()
    iam = boto3.client(
        "iam",
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name=env["AWS_REGION"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=env["AWS_SESSION_TOKEN"],
    )
    role_arn = _processor_environ(cloud).get("AWS_ROLE_ARN", "")
    if not role_arn:
        raise CourseError(
            "the running processor has no AWS_ROLE_ARN: run "
            "`python -m lab_support down`, then `up`"
        )
    return iam.get_role(RoleName=role_arn.rsplit("/", 1)[1])["Role"]


def identity_requests(cloud: Any) -> list[str]:
    """The ID token requests the metadata stand-in has answered, oldest first."""
    log = Path(cloud.services["metadata"].log)
    return [
        line for line in log.read_text(errors="replace").splitlines() if "GET" in line
    ]
