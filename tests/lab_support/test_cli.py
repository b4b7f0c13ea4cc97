"""The command line answers mistakes with a clear message and a non-zero status."""

from __future__ import annotations

import json

import pytest

from lab_support import cli


@pytest.fixture(autouse=True)
def own_state(tmp_path, monkeypatch):
    monkeypatch.setenv("LAB_STATE_DIR", str(tmp_path / "state"))


def test_demo_of_a_missing_file_says_what_to_give_and_starts_nothing(capsys, tmp_path):
    status = cli.main(["demo", str(tmp_path / "no-such-photo.jpg")])

    err = capsys.readouterr().err
    assert status == 2
    assert "no-such-photo.jpg is not a file" in err
    assert "grace_hopper.jpg" in err
    assert not (tmp_path / "state" / "state.json").exists()


def test_status_without_a_running_cloud_exits_one_and_says_so(capsys):
    status = cli.main(["status", "--json"])

    report = json.loads(capsys.readouterr().out)
    assert status == 1
    assert report["running"] is False


def test_an_unknown_command_is_refused_by_argparse(capsys):
    with pytest.raises(SystemExit) as stopped:
        cli.main(["launch"])

    assert stopped.value.code == 2
    assert "invalid choice: 'launch'" in capsys.readouterr().err


def test_delegated_commands_reach_their_own_parser(capsys):
    with pytest.raises(SystemExit) as stopped:
        cli.main(["deploy", "--help"])

    assert stopped.value.code == 0
    assert "--dry-run" in capsys.readouterr().out


@pytest.mark.parametrize("lines", ["-3", "0", "many"])
def test_logs_refuses_a_line_count_below_one_with_usage(capsys, lines):
    with pytest.raises(SystemExit) as stopped:
        cli.main(["logs", "lambda", "--lines", lines])

    assert stopped.value.code == 2
    assert "--lines" in capsys.readouterr().err
