"""Study 04 (accounts) end to end: roll-up spread, voices, categories, quadrants in a PDF with intervals."""
from __future__ import annotations

import re
import shutil
from types import SimpleNamespace

import pandas as pd
import pytest
from pypdf import PdfReader

from kapta_research import coverage
from kapta_research.config import SAMPLE_DIR
from kapta_research.errors import ParameterError
from kapta_research.runner import run_study


def _text(pdf, pages=None) -> str:
    reader = PdfReader(str(pdf))
    chosen = reader.pages if pages is None else [reader.pages[i] for i in pages]
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in chosen))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return run_study("accounts", data=str(SAMPLE_DIR), output_root=tmp_path_factory.mktemp("r"), run_id="a",
                     parameters={"n_boot": 300})


@pytest.mark.study
def test_outputs(run):
    tables = {p.name for p in (run / "tables").glob("*.csv")}
    assert {"rollup_sensitivity.csv", "account_nps_prior.csv", "voice_coverage.csv", "category_shares.csv",
            "quadrant_counts.csv"} <= tables
    # account rows (an account's NPS from one respondent is that person's answer) stay in accounts/
    accounts = {p.name for p in (run / "accounts").glob("*.csv")}
    assert {"account_nps.csv", "account_categories.csv", "account_quadrants.csv",
            "voice_coverage_accounts.csv"} <= accounts and not accounts & tables
    assert {p.name for p in (run / "figures").glob("*.png")} >= {"rollup_spread.png", "revenue_coverage.png",
                                                                 "category_shares.png", "quadrant_map.png"}
    assert (run / "manifest.json").is_file() and (run / "findings.pdf").is_file()
    # health (issue 10 B) wired in: validation tables, plots, and the account managers' workbook
    assert {"health_validation.csv", "health_comparisons.csv", "action_counts.csv"} <= tables
    assert {"health_roc.png", "health_calibration.png"} <= {p.name for p in (run / "figures").glob("*.png")}
    assert (run / "actions.xlsx").is_file() and (run / "accounts" / "health_top_k.csv").is_file()


@pytest.mark.study
def test_pdf_states_findings_with_intervals_and_n(run):
    text = _text(run / "findings.pdf", [0])
    assert re.search(r"The portfolio NPS depends on how an account's voices are counted: from [+−]?\d+ \(95 % CI "
                     r"[+−]?\d+ to [+−]?\d+; n = [\d,]+\) — .* to [+−]?\d+ \([+−]?\d+ to [+−]?\d+; n = [\d,]+\) — "
                     r".*; a spread of \d+ points across 6 methods", text)
    assert re.search(r"\d+ of \d+ accounts were heard from by at most two answers; .* with the weight of "
                     r"\d+\.\d answers", text)
    assert re.search(r"In wave 8, \d+ % of the \d+ accounts invited were heard from \(95 % CI \d+ % to \d+ %\)", text)
    assert re.search(r"Revenue coverage: accounts heard from hold \d+ % of the annual value \(95 % CI \d+ % to "
                     r"\d+ %\), (below|above|not distinguishable from) the 80 % a quarter", text)
    assert re.search(r"Account categories \(95 % CI, n = \d+ accounts\): Ambassadors \d+ % \(\d+ % to \d+ %; "
                     r"typical: about a third\); Rationals \d+ % .*typical: about half", text)
    assert re.search(r"\d+ accounts are high value but not loyal \(Q2, act now\), holding \d+ % of the annual value",
                     text)
    assert re.search(r"Your health score ranks accounts that churned within 365 days above those that stayed \d+ % "
                     r"of the time \(95 % CI \d+–\d+ %\), (?:better than chance|not shown to be better than "
                     r"chance \(the interval includes 50 %\)); learned weights \d+ % \(\d+–\d+ %\); NPS alone \d+ %",
                     text)
    assert re.search(r"Action lists for the account teams \(actions.xlsx, not in this report\): detractors without "
                     r"a follow- ?up within 7 days: \d+", text)
    assert "Not covered" not in text  # the sample has every table


@pytest.mark.study
def test_pdf_has_tables_figures_no_code_and_no_personal_data(run):
    text = _text(run / "findings.pdf")
    for caption in ("Portfolio NPS under each roll-up", "Voices and revenue coverage, wave 8",
                    "Account categories", "Loyalty × value quadrants"):
        assert caption in text, caption
    contacts = pd.read_csv(SAMPLE_DIR / "contacts.csv")
    for bad in ("import ", "kr.", "ctx.", "Traceback", "@", "Contact 0", contacts["name"].iloc[0],
                contacts["email"].iloc[0]):
        assert bad not in text, bad
    # no group below the suppression rule (3 accounts) in any saved table
    vc = pd.read_csv(run / "tables" / "voice_coverage.csv")
    assert (vc.loc[~vc["suppressed"], "n_accounts"] >= 3).all()
    roll = pd.read_csv(run / "tables" / "rollup_sensitivity.csv")
    assert (roll.loc[~roll["suppressed"], "n_clusters"] >= 3).all()


@pytest.mark.study
def test_same_data_and_parameters_give_identical_tables(run, tmp_path):
    again = run_study("accounts", data=str(SAMPLE_DIR), output_root=tmp_path, run_id="b", pdf=False,
                      parameters={"n_boot": 300})
    first = sorted((run / "tables").glob("*.csv")) + sorted((run / "accounts").glob("*.csv"))
    assert len(first) >= 8
    for f in first:
        assert (again / f.parent.name / f.name).read_bytes() == f.read_bytes(), f.name


@pytest.mark.study
def test_responses_only_lists_what_is_not_covered(tmp_path):
    folder = tmp_path / "prog"
    folder.mkdir()
    shutil.copy(SAMPLE_DIR / "responses.csv", folder / "responses.csv")
    out = run_study("accounts", data=str(folder), output_root=tmp_path / "reports", run_id="r")
    page1 = _text(out / "findings.pdf", [0])
    box = page1[page1.index("Not covered"):page1.index("Key findings")]
    for title in ("Role-weighted and decision-maker roll-ups", "Revenue-weighted portfolio NPS",
                  "Voices and revenue coverage", "Loyalty × value quadrants", "Does the health score predict churn?",
                  "Action lists for the account teams"):
        assert title in box, title
    assert "the contacts table; none was given" in box and "the accounts table; none was given" in box
    assert "Account categories (95 % CI" in page1  # what the responses allow still runs
    assert not (out / "tables" / "voice_coverage.csv").exists() and not (out / "actions.xlsx").exists()


def _stand_in(given, accounts_cols=("segment", "annual_value", "churn_date")):
    resp = pd.DataFrame({"wave": [1, 2], "ltr": [9, 3], "trust": [5.0, 3.0], "value_for_money": [4.0, 2.0]})
    cols = {"accounts": set(accounts_cols), "contacts": {"role"}}
    return SimpleNamespace(provided=lambda t, c=None: t in given and (c is None or c in cols.get(t, {c})),
                           responses=resp, drivers=["trust", "value_for_money"],
                           has_values=lambda t, c: t == "responses" and c in resp and bool(resp[c].notna().any()),
                           response_waves=lambda waves=None: [w for w in sorted(resp["wave"].unique())
                                                              if not waves or w in waves])


@pytest.mark.parametrize("given, skipped", [
    ({"responses", "accounts", "contacts"}, set()),
    ({"responses", "accounts"}, {"role_rollups"}),
    ({"responses", "contacts"}, {"revenue_rollup", "voices", "quadrants", "health_validation", "actions"}),
    ({"responses"}, {"role_rollups", "revenue_rollup", "voices", "quadrants", "health_validation", "actions"}),
])
def test_plan_of_every_table_combination(given, skipped):
    p = coverage.plan("accounts", _stand_in(given), {"as_of": ["2024-07-01", "2025-01-01"]})
    assert {s.name for s in p.skipped} == skipped
    assert p.runs("rollups") and p.runs("account_nps") and p.runs("categories")


def test_plan_without_annual_value_or_churn_dates():
    p = coverage.plan("accounts", _stand_in({"responses", "accounts", "contacts"}, ("segment",)),
                      {"loyalty_cut": "churn"})
    assert p.reason("quadrants") == ("The quadrants need the accounts' annual value; the accounts table has no "
                                     "annual_value column.")
    assert not p.runs("loyalty_cut")
    p = coverage.plan("accounts", _stand_in({"responses", "accounts", "contacts"}, ("segment", "annual_value")),
                      {"loyalty_cut": "churn"})
    assert "no churn_date column (the cut 0 is used)" in p.reason("loyalty_cut")
    assert p.reason("health_validation") == ("The health-score validation needs churn dates; the accounts table has "
                                             "no churn_date column.")
    p = coverage.plan("accounts", _stand_in({"responses", "accounts", "contacts"}), {"as_of": ["2025-01-01"]})
    assert "gives fewer than two dates" in p.reason("health_validation")


def test_bad_parameters(tmp_path):
    with pytest.raises(ParameterError, match=r"'rollup' parameter of study accounts must be one of"):
        run_study("accounts", parameters={"rollup": "mean"}, output_root=tmp_path)
    with pytest.raises(ParameterError, match=r"'top_k' parameter of study accounts must be at least 1"):
        run_study("accounts", parameters={"top_k": 0}, output_root=tmp_path)
