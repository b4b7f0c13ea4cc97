"""deploy.toml under environment variables, and the checks made before any call."""

from __future__ import annotations

import pytest

from lab_support.deploy.config import DeployError, load

LAYERED = (
    "COURSE_PREFIX",
    "AWS_REGION",
    "GOOGLE_CLOUD_PROJECT",
    "GOOGLE_CLOUD_REGION",
    "OUTPUT_FORMAT",
    "FIT_BOX",
    "OPERATION",
    "LAB_DEPLOY_CONFIG",
)


@pytest.fixture
def clean_env(monkeypatch):
    for name in LAYERED:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def _write(tmp_path, text: str):
    path = tmp_path / "deploy.toml"
    path.write_text(text)
    return path


def test_file_values_apply_where_the_environment_is_silent(tmp_path, clean_env):
    path = _write(
        tmp_path,
        'prefix = "cec-ada7"\naws_region = "eu-central-1"\n'
        'gcp_project = "ada-course"\ngcp_region = "europe-west3"\n'
        'output_format = "WEBP"\nfit_box = 512\noperation = "caption"\n',
    )

    config = load(path)

    assert config.settings.prefix == "cec-ada7"
    assert config.settings.aws_region == "eu-central-1"
    assert config.settings.gcp_project == "ada-course"
    assert config.gcp_region == "europe-west3"
    assert (config.output_format, config.fit_box, config.operation) == (
        "WEBP",
        "512",
        "caption",
    )
    assert config.names.bucket == "cec-ada7-results"
    assert config.source == path


def test_environment_variables_win_over_the_file(tmp_path, clean_env):
    path = _write(tmp_path, 'prefix = "cec-ada7"\ngcp_region = "europe-west3"\n')
    clean_env.setenv("COURSE_PREFIX", "cec-bob3")
    clean_env.setenv("GOOGLE_CLOUD_REGION", "asia-east1")

    config = load(path)

    assert config.settings.prefix == "cec-bob3"
    assert config.gcp_region == "asia-east1"


def test_without_a_file_the_course_defaults_apply(tmp_path, clean_env):
    clean_env.setenv("LAB_DEPLOY_CONFIG", str(_write(tmp_path, "")))

    config = load()

    assert config.settings.prefix == "cec"
    assert config.gcp_region == "us-central1"
    assert (config.output_format, config.fit_box, config.operation) == (
        "JPEG",
        "1024",
        "grayscale",
    )
    assert config.facts == {}


def test_looked_up_values_can_be_given_in_the_file(tmp_path, clean_env):
    path = _write(
        tmp_path,
        'aws_account_id = "123456789012"\ngcp_project_number = "98765"\n'
        'processor_unique_id = "1045"\n',
    )

    assert load(path).facts == {
        "aws-account-id": "123456789012",
        "gcp-project-number": "98765",
        "processor-unique-id": "1045",
    }


def test_an_unknown_key_is_refused_with_the_keys_that_exist(tmp_path, clean_env):
    path = _write(tmp_path, 'prefx = "cec"\n')

    with pytest.raises(
        DeployError, match="unknown keys prefx: use only aws_account_id"
    ):
        load(path)


def test_a_missing_config_file_says_so(tmp_path, clean_env):
    with pytest.raises(DeployError, match="does not exist"):
        load(tmp_path / "nowhere.toml")


def test_broken_toml_says_where(tmp_path, clean_env):
    path = _write(tmp_path, "prefix = \n")

    with pytest.raises(DeployError, match="is not valid TOML"):
        load(path)


@pytest.mark.parametrize(
    "prefix",
    ["CEC", "c", "cec_course", "gcp-course", "cec--x", "cec-", "a" * 21, "9cec"],
)
def test_a_prefix_some_resource_cannot_carry_is_refused(prefix, tmp_path, clean_env):
    clean_env.setenv("COURSE_PREFIX", prefix)

    with pytest.raises(DeployError, match="cannot name every resource"):
        load(_write(tmp_path, ""))


def test_function_settings_are_checked_by_the_functions_own_rules(tmp_path, clean_env):
    clean_env.setenv("OUTPUT_FORMAT", "GIF")

    with pytest.raises(DeployError, match="OUTPUT_FORMAT='GIF' is not supported"):
        load(_write(tmp_path, ""))
