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
    assert "responses" in out and "2625 rows" in out and "response rate" in out


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
    assert "the data have problems" in err


def test_validate_says_a_config_problem_is_one(tmp_path, capsys):
    bad = tmp_path / "prog"
    shutil.copytree(SAMPLE_DIR, bad)
    (bad / "programme.yaml").write_text("name: x\ntabels: {}\n")
    assert main(["validate", "--data", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "the programme's configuration has problems" in err and "did you mean 'tables'" in err


def test_simulate_writes_a_programme(tmp_path, capsys):
    assert main(["simulate", "--seed", "3", "--accounts", "20", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "responses.csv").is_file() and (tmp_path / "truth.json").is_file()
    assert main(["validate", "--data", str(tmp_path)]) == 0


def test_run_all_refuses_a_parameter_no_study_has_with_a_did_you_mean(capsys):
    assert main(["run-all", "-p", "confidnce", "0.9"]) == 2
    err = capsys.readouterr().err
    assert "Unknown parameter 'confidnce': no study has it. Did you mean 'confidence'?" in err


def test_run_all_gives_each_study_only_the_parameters_it_has():
    from kapta_research.cli import _shared_parameters
    from kapta_research.studies import list_studies
    shared = _shared_parameters(list_studies(), [("waves", "1,2"), ("n_boot", "200"), ("confidence", "0.9")])
    assert shared["nps-overview"] == {"waves": [1, 2], "confidence": 0.9}
    assert shared["key-drivers"] == {"n_boot": 200, "confidence": 0.9}
    assert shared["churn-correlation"] == {"n_boot": 200, "confidence": 0.9}


def test_validate_never_shows_a_traceback(monkeypatch, capsys):
    import kapta_research.quality as quality

    def broken(location):
        raise KeyError("invitation_id")
    monkeypatch.setattr(quality, "quality_report", broken)
    assert main(["validate", "--data", str(SAMPLE_DIR)]) == 1
    err = capsys.readouterr().err
    assert "validate could not finish (KeyError: 'invitation_id')" in err and "Traceback" not in err


@pytest.mark.study
def test_run_all_continues_past_a_failure_and_summarises(tmp_path, capsys):
    # waves [99] fails study 01 (the only one with a 'waves' parameter); the others still run
    rc = main(["run-all", "--output", str(tmp_path), "-p", "waves", "99", "-p", "n_boot", "200"])
    out = capsys.readouterr().out
    assert rc == 1
    lines = {ln.split()[0]: ln for ln in out.splitlines() if ln.split() and ln.split()[0] in
             ("nps-overview", "key-drivers", "churn-correlation")}
    assert " FAILED " in lines["nps-overview"] and "The 'waves' parameter names waves [99]" in lines["nps-overview"]
    for s in ("key-drivers", "churn-correlation"):
        assert " ok " in lines[s] and lines[s].rstrip().endswith("findings.pdf")
        pdf = lines[s].split()[-1]
        assert (tmp_path / s) in __import__("pathlib").Path(pdf).parents
    from kapta_research.studies import list_studies
    n = len(list_studies())   # every other study runs (05 programme-health has neither parameter)
    assert f"{n - 1} of {n} studies ok" in out and "Failed: nps-overview." in out


def test_validate_warns_while_the_programme_keeps_inits_placeholder_name(tmp_path, capsys):
    # New-user trial: init's "Draft programme" went onto leadership PDFs without a word.
    prog = tmp_path / "prog"
    shutil.copytree(SAMPLE_DIR, prog)
    text = (prog / "programme.yaml").read_text()
    (prog / "programme.yaml").write_text(text.replace("name: Sample B2B programme (synthetic)",
                                                      'name: "Draft programme"', 1))
    assert main(["validate", "--data", str(prog)]) == 0
    out = capsys.readouterr().out
    assert "[WARN] programme name: still init's placeholder 'Draft programme': set name: in programme.yaml" in out
