"""Study 03 end to end: the PDF answers 'does NPS predict churn' with numbers and intervals."""
from __future__ import annotations

import re

import pytest
from pypdf import PdfReader

from kapta_research.config import SAMPLE_DIR
from kapta_research.errors import ParameterError
from kapta_research.runner import run_study

pytestmark = pytest.mark.study


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return run_study("churn-correlation", data=str(SAMPLE_DIR), output_root=tmp_path_factory.mktemp("r"),
                     run_id="a", parameters={"n_boot": 300})


def test_outputs(run):
    tables = {p.name for p in (run / "tables").glob("*.csv")}
    assert {"predictive_value.csv", "churn_by_nps_band.csv", "churn_by_response_trend.csv",
            "score_freshness.csv", "kaplan_meier.csv", "cox.csv"} <= tables
    # account-level rows (an account's score from one respondent is that person's answer) stay out
    # of tables/ and tables.xlsx: they are the account team's working data under accounts/
    assert "snapshots.csv" not in tables and (run / "accounts" / "snapshots.csv").is_file()
    from openpyxl import load_workbook
    assert "snapshots" not in load_workbook(run / "tables.xlsx", read_only=True).sheetnames


def test_pdf_answers_with_numbers_and_intervals(run):
    text = re.sub(r"\s+", " ", PdfReader(str(run / "findings.pdf")).pages[0].extract_text())
    assert re.search(r"Accounts' NPS predicts churn within 365 days with AUC 0\.\d\d \(95 % CI 0\.\d\d to 0\.\d\d; "
                     r"cross- ?validated 0\.\d\d\), n = [\d,]+ account snapshots of which \d+ churned", text)
    # the added value is judged by the account-clustered score bootstrap, not the naive LR test
    # (snapshots stack each account up to three times; tests/test_churn_truth.py)
    assert re.search(r"NPS \+ drivers model reaches AUC 0\.\d\d .*(adds|does not add) "
                     r"(significant )?predictive value beyond NPS \(cluster score bootstrap over "
                     r"accounts, p [=<] 0\.\d+\)", text)
    assert re.search(r"NPS below 0 churned at \d+ % \(95 % CI \d+ % to \d+ %", text)
    # the truth's protective drivers (value for money, trust) are the ones named, with intervals
    assert re.search(r"Holding NPS and the other drivers fixed, the drivers? most clearly linked to lower churn "
                     r"(is|are) value for money \(odds ratio 0\.\d\d per scale point, 95 % CI 0\.\d+ to 0\.\d+\)",
                     text)
    assert "Freshness" in text


def test_pdf_tables_carry_their_captions(run):
    text = re.sub(r"\s+", " ", "\n".join(p.extract_text() for p in PdfReader(str(run / "findings.pdf")).pages))
    for caption in ("How well each model predicts churn", "Churn odds per point, NPS + drivers model",
                    "Churn rate by NPS band", "Churn rate by response-rate trend"):
        assert caption in text, caption


def test_pdf_has_no_code_and_no_personal_data(run):
    text = "\n".join(p.extract_text() for p in PdfReader(str(run / "findings.pdf")).pages)
    for code in ("import ", "kr.", "ctx.", "snapshots(", "Traceback", "@", "Contact 0"):
        assert code not in text, code


def test_bad_parameters(tmp_path):
    with pytest.raises(ParameterError, match=r"'horizon_days' parameter of study churn-correlation must be an int > 0"):
        run_study("churn-correlation", parameters={"horizon_days": 0}, output_root=tmp_path)
    with pytest.raises(ParameterError, match=r"'as_of' parameter of study churn-correlation must be list\[str\]"):
        run_study("churn-correlation", parameters={"as_of": "2025-01-01"}, output_root=tmp_path)


def test_same_data_and_parameters_give_identical_tables(run, tmp_path):
    # bootstrap and cross-validation are seeded by the 'seed' parameter: a rerun is byte-identical
    again = run_study("churn-correlation", data=str(SAMPLE_DIR), output_root=tmp_path, run_id="b", pdf=False,
                      parameters={"n_boot": 300})
    first = sorted((run / "tables").glob("*.csv"))
    assert len(first) >= 3
    for f in first:
        assert (again / "tables" / f.name).read_bytes() == f.read_bytes(), f.name
