"""Study 05 end to end: how well the programme is run, with intervals, and what the data did not cover."""
from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest
from pypdf import PdfReader

from kapta_research.config import SAMPLE_DIR
from kapta_research.errors import ParameterError
from kapta_research.runner import run_study

pytestmark = pytest.mark.study


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return run_study("programme-health", data=str(SAMPLE_DIR), output_root=tmp_path_factory.mktemp("r"), run_id="a")


def _text(folder, first_page_only=False) -> str:
    pages = PdfReader(str(folder / "findings.pdf")).pages
    return re.sub(r"\s+", " ", "\n".join(p.extract_text() for p in (pages[:2] if first_page_only else pages)))


def test_outputs(run):
    tables = {p.stem for p in (run / "tables").glob("*.csv")}
    assert {"followup_sla", "followup_median", "followup_km", "followup_by_owner", "loop_effect", "voc_cadence",
            "response_rates_by_role", "response_rate_trend_by_role", "benchmark", "sample_size_plan",
            "enps_overall", "enps_by_team", "enps_vs_nps"} <= tables
    # per-account rows (cases, cadence, the overdue list) are the account teams' working data, not tables/
    assert {"followup_cases", "voc_accounts", "voc_overdue"}.isdisjoint(tables)
    assert {p.stem for p in (run / "accounts").glob("*.csv")} == {"followup_cases", "voc_accounts", "voc_overdue"}
    assert {p.stem for p in (run / "figures").glob("*.png")} >= {"followup_km", "followup_sla", "voc_cadence",
                                                                "benchmark"}
    assert (run / "manifest.json").is_file() and (run / "tables.xlsx").is_file()


def test_pdf_key_findings_word_the_saved_numbers_with_intervals(run):
    text = _text(run, first_page_only=True)
    sla = pd.read_csv(run / "tables" / "followup_sla.csv")
    two = sla[(sla["group"] == "all") & (sla["sla_days"] == 2)].iloc[0]
    assert (f"Detractors followed up within 48 hours {100 * two['share']:.0f} % (95 % CI "
            f"{100 * two['ci_low']:.0f} % to {100 * two['ci_high']:.0f} %, n = {int(two['n'])})") in text
    assert re.search(r"and within 7 days \d+ % \(95 % CI \d+ % to \d+ %, n = [\d,]+\)", text)
    assert re.search(r"Median time to the first follow-up: \d+\.\d days \(95 % CI \d+\.\d to \d+\.\d; Kaplan–Meier", text)
    assert re.search(r"Furthest behind \(share within 7 days\): by owner AM\d\d \d+ % \(95 % CI", text)
    assert re.search(r"\d+ % of active accounts had a VOC interview in the last 120 days \(95 % CI \d+ % to \d+ %, "
                     r"n = \d+ accounts\)", text)
    rates = pd.read_csv(run / "tables" / "response_rates_by_role.csv").sort_values("rate")
    low = rates.iloc[0]
    assert (f"Response rate by role (n = invitations): {low['role'].replace('_', ' ')} {100 * low['rate']:.0f} % "
            f"(95 % CI {100 * low['ci_low']:.0f} % to {100 * low['ci_high']:.0f} %, n = {low['n_invited']:,})") in text
    assert f"the voice most missing is the {low['role'].replace('_', ' ')}s'" in text
    assert re.search(r"The programme's NPS of \+\d+ \(n = [\d,]+\) differs from the 5 supplied benchmark\(s\) by", text)
    assert "rarely comparable" in text and "only the programme's uncertainty" in text
    assert re.search(r"To know each segment's NPS within ±10 points next wave \(95 % confidence\): Enterprise ~\d+ "
                     r"responses from ~\d+ accounts", text)
    assert re.search(r"Employee NPS is [+−]?\d+ \(95 % CI", text)
    assert re.search(r"Across 18 account teams, team eNPS and the team's customer NPS correlate at −?0\.\d\d", text)
    assert "association" in text and "regression to the mean" in text


def test_slow_owners_are_named_furthest_behind(run):
    from kapta_research.simulate._operations import SLOW_OWNERS
    text = _text(run, first_page_only=True)
    behind = re.search(r"by owner (.*?), best", text).group(1)
    assert set(re.findall(r"AM\d\d", behind)) == set(SLOW_OWNERS)


def test_pdf_has_no_code_no_personal_data_and_no_suppressed_group(run):
    text = _text(run)
    for code in ("import ", "kr.", "ctx.", "ops.", "Traceback", "@", "Contact 0"):
        assert code not in text, code
    for name in ("followup_by_owner", "enps_by_team", "voc_cadence", "response_rates_by_role"):
        t = pd.read_csv(run / "tables" / f"{name}.csv")
        hidden = t[t["suppressed"]]
        numbers = [c for c in ("share", "rate", "nps", "ci_low", "ci_high") if c in t]
        assert hidden[numbers].isna().all().all(), name


def test_same_data_and_parameters_give_identical_tables(run, tmp_path):
    again = run_study("programme-health", data=str(SAMPLE_DIR), output_root=tmp_path, run_id="b", pdf=False)
    first = sorted((run / "tables").glob("*.csv"))
    assert len(first) >= 10
    for f in first:
        assert (again / "tables" / f.name).read_bytes() == f.read_bytes(), f.name


def test_without_followups_voc_interviews_or_employees_the_pdf_says_what_is_not_covered(tmp_path):
    prog = tmp_path / "prog"
    shutil.copytree(SAMPLE_DIR, prog)
    cfg = (prog / "programme.yaml").read_text()
    for t in ("followups", "voc_interviews", "employees"):
        (prog / f"{t}.csv").unlink()
        cfg = cfg.replace(f"  {t}: {t}.csv\n", "")
    (prog / "programme.yaml").write_text(cfg)
    out = run_study("programme-health", data=str(prog), output_root=tmp_path / "out", run_id="c")
    text = _text(out, first_page_only=True)
    assert "Not covered" in text
    assert "Closing the loop needs the followups table; none was given." in text
    assert "The VOC cadence needs the voc interviews table; none was given." in text
    assert "Employee NPS needs the employees table; none was given." in text
    # what the data allow still runs
    assert "Response rate by role" in text and "To know each segment's NPS within ±10 points" in text
    assert not (out / "tables" / "followup_sla.csv").exists()


def test_bad_parameters(tmp_path):
    with pytest.raises(ParameterError, match=r"The 'margin' parameter of study programme-health must be at least 0\.5"):
        run_study("programme-health", parameters={"margin": 0.0}, output_root=tmp_path)
    with pytest.raises(ParameterError, match=r"The 'categories' parameter of study programme-health must be one of"):
        run_study("programme-health", parameters={"categories": ["unhappy"]}, output_root=tmp_path)
