"""The kapta-research command line."""
from __future__ import annotations

import shutil

import pytest

from kapta_research.cli import main
from kapta_research.config import SAMPLE_DIR


def test_list_shows_studies_and_typed_parameters(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "nps-overview" in out and "confidence: float = 0.95" in out


@pytest.mark.parametrize("cmd", [["--help"], ["run", "--help"], ["validate", "--help"], ["simulate", "--help"],
                                 ["list", "--help"], ["run-all", "--help"]])
def test_every_command_has_help(cmd, capsys):
    with pytest.raises(SystemExit) as e:
        main(cmd)
    assert e.value.code == 0
    assert "usage: kapta-research" in capsys.readouterr().out


def test_run_refuses_a_wrongly_typed_parameter(capsys):
    assert main(["run", "nps-overview", "-p", "confidence", "high"]) == 2
    assert "The 'confidence' parameter of study nps-overview must be float. Got 'high' (str) instead." \
        in capsys.readouterr().err


def test_run_refuses_an_unknown_parameter(capsys):
    assert main(["run", "nps-overview", "-p", "colour", "blue"]) == 2
    assert "Unknown parameter 'colour'" in capsys.readouterr().err


def test_run_refuses_an_unknown_study(capsys):
    assert main(["run", "no-such-study"]) == 2
    assert "No study named 'no-such-study'. Known studies: nps-overview" in capsys.readouterr().err


def test_validate_prints_the_quality_report(capsys):
    assert main(["validate", "--data", str(SAMPLE_DIR)]) == 0
    out = capsys.readouterr().out
    assert "responses" in out and "2605 rows" in out and "response rate" in out


def test_validate_lists_problems_and_exits_1(tmp_path, capsys):
    bad = tmp_path / "prog"
    shutil.copytree(SAMPLE_DIR, bad)
    text = (bad / "responses.csv").read_text().splitlines()
    header = text[0].split(",")
    cells = text[1].split(",")
    cells[header.index("ltr")] = "11"
    text[1] = ",".join(cells)
    (bad / "responses.csv").write_text("\n".join(text) + "\n")
    assert main(["validate", "--data", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "responses.csv" in err and "column 'ltr'" in err and "1 row: 2" in err and "'11'" in err


def test_simulate_writes_a_programme(tmp_path, capsys):
    assert main(["simulate", "--seed", "3", "--accounts", "20", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "responses.csv").is_file() and (tmp_path / "truth.json").is_file()
    assert main(["validate", "--data", str(tmp_path)]) == 0
