"""The order of a whole deploy or teardown across both clouds, phase by phase.

A phase builds its steps from what earlier phases found (the AWS account id,
the service account's unique id), so a dry run, which finds nothing, shows
those values as placeholders and a real run fills them in as it goes.
"""

from __future__ import annotations

import shutil
import stat
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Final

from lab_support.deploy import aws, aws_storage, aws_teardown, gcp, gcp_teardown
from lab_support.deploy.config import DeployConfig, DeployError
from lab_support.deploy.names import CREDENTIAL_FILE
from lab_support.deploy.plan import Facts, LocalAction, LocalPath, Step

Phase = Callable[[Facts], list[Step]]
# Lambda takes a zip of up to 50 MB in the request itself.
MAX_DIRECT_ZIP_BYTES: Final = 50 * 1024 * 1024


def _package():
    try:
        from lab_support import package
    except ImportError as error:
        raise DeployError(
            f"the packaging step is not available ({error}): pass --lambda-zip and "
            "--processor-source with bundles built elsewhere"
        ) from None
    return package


def build_bundle(config: DeployConfig, lambda_zip: Path | None) -> LocalPath:
    """Copy the ingest zip and add the WIF credential config, readable by Lambda."""
    if lambda_zip is None:
        lambda_zip = Path(
            _package().build_lambda_zip(config.build_dir, platform="lambda")
        )
    credential = config.credential_config
    if not credential.is_file():
        raise DeployError(
            f"{credential} is missing: deploy --gcp first (it writes the Lambda's "
            "Workload Identity Federation config there)"
        )
    target = config.lambda_bundle
    if lambda_zip.resolve() == target.resolve():
        raise DeployError(f"--lambda-zip must not be {target}: deploy writes that file")

    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    shutil.copyfile(lambda_zip, partial)
    with zipfile.ZipFile(partial, "a", compression=zipfile.ZIP_DEFLATED) as bundle:
        if CREDENTIAL_FILE in bundle.namelist():
            raise DeployError(
                f"{lambda_zip} already holds {CREDENTIAL_FILE}: rebuild it"
            )
        entry = zipfile.ZipInfo(CREDENTIAL_FILE)
        # Lambda runs the code as an unprivileged user: the file must be world-readable.
        entry.external_attr = (stat.S_IFREG | 0o644) << 16
        bundle.writestr(entry, credential.read_bytes())
    if partial.stat().st_size > MAX_DIRECT_ZIP_BYTES:
        partial.unlink()
        raise DeployError(
            f"the ingest bundle is over 50 MB, Lambda's limit for a direct upload: "
            f"check what {lambda_zip} holds"
        )
    partial.replace(target)
    return config.local(target)


def stage_processor(config: DeployConfig, source: Path | None) -> LocalPath:
    """The folder `gcloud functions deploy --source` uploads: main.py and friends."""
    if source is None:
        source = Path(_package().stage(config.build_dir)["processor"])
    if not (source / "main.py").is_file():
        raise DeployError(
            f"{source} has no main.py: build the processor bundle with "
            "`python -m lab_support package`, or point --processor-source at one"
        )
    return config.local(source)


def _local(verb: str, resource: str, text: str, action, produces: str = "") -> Step:
    return Step(
        cloud="local",
        verb=verb,
        resource=resource,
        call=LocalAction(text, action),
        produces=produces,
    )


def deploy_phases(
    config: DeployConfig,
    clouds: set[str],
    *,
    public_url: bool,
    lambda_zip: Path | None = None,
    processor_source: Path | None = None,
) -> list[Phase]:
    """Google's identity (AWS trusts it), AWS, the function, then its dead letters."""
    bundle = config.local(config.lambda_bundle)
    credential = config.local(config.credential_config)
    zip_source = (
        f"{config.local(lambda_zip).shown} (--lambda-zip)"
        if lambda_zip
        else "the ingest zip (lab_support.package.build_lambda_zip, platform='lambda')"
    )
    phases: list[Phase] = [lambda facts: [aws.lookup_account()]]
    if "gcp" in clouds:
        phases.append(lambda facts: [gcp.lookup_project_number(config)])
        phases.append(lambda facts: gcp.identity_steps(config, facts))
    if "aws" in clouds:
        if "gcp" not in clouds:
            phases.append(lambda facts: [gcp.lookup_processor_id(config)])
        phases.append(
            lambda facts: [
                _local(
                    "build",
                    f"Lambda bundle {bundle.shown}",
                    f"{zip_source} plus {credential.shown} as {CREDENTIAL_FILE}",
                    lambda: build_bundle(config, lambda_zip),
                )
            ]
        )
        phases.append(lambda facts: aws_storage.bucket_steps(config))
        phases.append(lambda facts: aws_storage.log_group_steps(config, facts))
        phases.append(lambda facts: aws.role_steps(config, facts))
        phases.append(lambda facts: aws.function_steps(config, facts, public_url))
    if "gcp" in clouds:
        source = config.local(config.build_dir / "processor")
        phases.append(
            lambda facts: [
                _local(
                    "stage",
                    f"processor source {source.shown}",
                    "functions/processor plus imagepipe (lab_support.package.stage)",
                    lambda: stage_processor(config, processor_source),
                    produces="processor-source",
                )
            ]
        )
        phases.append(
            lambda facts: gcp.function_steps(
                config, facts, facts.get("processor-source", source)
            )
        )
        phases.append(lambda facts: gcp.dead_letter_steps(config, facts))
        phases.append(lambda facts: [gcp.trigger_subscription_lookup(facts)])
        phases.append(lambda facts: gcp.dead_letter_policy_steps(config, facts))
    return phases


def _remove_file(path: Path) -> str:
    if not path.exists():
        return ""
    path.unlink()
    return str(path)


def teardown_phases(config: DeployConfig, clouds: set[str]) -> list[Phase]:
    """Google first (the processor stops writing), then AWS; found by tag each time."""
    phases: list[Phase] = []
    if "gcp" in clouds:
        credential = config.local(config.credential_config)
        phases.append(lambda facts: gcp_teardown.find_steps(config))
        phases.append(lambda facts: gcp_teardown.delete_steps(config, facts))
        phases.append(
            lambda facts: [
                _local(
                    "delete",
                    f"local file {credential.shown}",
                    f"rm -f {credential.shown}  # names a pool that is gone",
                    lambda: _remove_file(config.credential_config),
                )
            ]
        )
    if "aws" in clouds:
        bundle = config.local(config.lambda_bundle)
        phases.append(lambda facts: aws_teardown.find_steps(config))
        phases.append(lambda facts: aws_teardown.role_tag_steps(config, facts))
        phases.append(lambda facts: aws_teardown.delete_steps(config, facts))
        phases.append(
            lambda facts: [
                _local(
                    "delete",
                    f"local file {bundle.shown}",
                    f"rm -f {bundle.shown}",
                    lambda: _remove_file(config.lambda_bundle),
                )
            ]
        )
    return phases
