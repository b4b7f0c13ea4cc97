"""No key-shaped string in the repository or in the bundles the functions deploy as."""

from __future__ import annotations

import zipfile

import pytest

from lab_support import package, secret_scan

# Samples are put together at run time, so this file holds none of them.
SAMPLES = {
    "AWS access key id": "AKIA" + "Z" * 4 + "7" * 12,
    "AWS secret access key": "aws_secret_access_key = "
    + "wJalrXUtnFEMI/K7MDENG/bPx"
    + "R" * 15,
    "private key (PEM)": "-----BEGIN " + "RSA PRIVATE KEY-----",
    "GCP service-account key": '{"type": "service_account", "private_key_id": "'
    + "0f" * 20
    + '"}',
    "Google API key": "AIza" + "S" * 35,
    "GitHub token": "ghp" + "_" + "a1" * 18,
    "Slack token": "xox" + "b-" + "1234567890-abcdef",
}


def test_git_tracked_files_hold_no_key_shaped_string():
    files = secret_scan.tracked_files()

    findings = secret_scan.scan(files)

    assert len(files) > 100
    assert findings == [], "\n".join(map(str, findings))


def test_built_bundles_hold_no_key_shaped_string(tmp_path):
    bundles = package.stage(tmp_path)

    files = [
        path for folder in bundles.values() for path in secret_scan.files_under(folder)
    ]
    findings = secret_scan.scan(files, root=tmp_path)

    assert {path.name for path in files} >= {"main.py", "handler.py", "keys.py"}
    assert findings == [], "\n".join(map(str, findings))


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_a_planted_sample_of_each_kind_is_caught(kind, tmp_path):
    planted = tmp_path / "settings.py"
    planted.write_text(f"# harmless line\nVALUE = {SAMPLES[kind]!r}\n")

    findings = secret_scan.scan_file(planted, "settings.py")

    assert [(f.line, f.kind) for f in findings] == [(2, kind)]


def test_a_sample_inside_a_zipped_bundle_is_caught(tmp_path):
    bundle = tmp_path / "ingest.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("handler.py", "print('fine')\n")
        archive.writestr(
            "vendor/config.py", f"KEY = {SAMPLES['AWS access key id']!r}\n"
        )

    findings = secret_scan.scan_file(bundle, "ingest.zip")

    assert [str(f) for f in findings] == [
        "ingest.zip!vendor/config.py:1: looks like a AWS access key id"
    ]


def test_the_command_fails_on_a_planted_key_and_never_prints_it(tmp_path, capsys):
    planted = tmp_path / "notebook.ipynb"
    planted.write_text('{"outputs": ["' + SAMPLES["AWS access key id"] + '"]}\n')

    status = secret_scan.main([str(tmp_path)])

    printed = capsys.readouterr()
    assert status == 1
    assert "notebook.ipynb:1: looks like a AWS access key id" in printed.out
    assert SAMPLES["AWS access key id"] not in printed.out + printed.err


def test_the_local_clouds_dummy_credentials_are_not_key_shaped(tmp_path):
    harmless = tmp_path / "env.py"
    harmless.write_text(
        "AWS_ACCESS_KEY_ID = 'testing'\nAWS_SECRET_ACCESS_KEY = 'testing'\n"
        "EVENT_ID = '0b9f4f5e-3c1a-4d2b-9e8f-7a6b5c4d3e2f'\n"
        "ARN = 'arn:aws:lambda:us-east-1:123456789012:function:cec-ingest'\n"
    )

    assert secret_scan.scan_file(harmless) == []
