"""Study 06 (what customers say) end to end: outputs, key findings with intervals, no personal data
anywhere, identical tables on a rerun, and the "Not covered" box when comments or accounts are missing."""
from __future__ import annotations

import json
import re
import shutil

import pandas as pd
import pytest
from pypdf import PdfReader

from kapta_research import coverage
from kapta_research.config import SAMPLE_DIR
from kapta_research.io import load_programme
from kapta_research.runner import run_study
from kapta_research.text.quotes import EMAIL, PHONE

pytestmark = pytest.mark.study
FAST = {"n_boot": 200, "n_themes": 8}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return run_study("what-customers-say", data=str(SAMPLE_DIR), output_root=tmp_path_factory.mktemp("r"),
                     run_id="a", parameters=FAST)


def _pdf_text(run) -> str:
    return re.sub(r"\s+", " ", "\n".join(p.extract_text() for p in PdfReader(str(run / "findings.pdf")).pages))


def test_outputs(run):
    tables = {p.stem for p in (run / "tables").glob("*.csv")}
    assert {"comment_scope", "themes", "theme_shares_by_category", "theme_nps_difference", "theme_detractor_points",
            "sentiment_by_segment", "quotes", "nmf_themes"} <= tables
    assert {p.stem for p in (run / "figures").glob("*.png")} == {"theme_shares_by_category", "theme_nps_gap"}
    assert json.loads((run / "manifest.json").read_text())["parameters"]["n_boot"] == 200
    q = pd.read_csv(run / "tables" / "quotes.csv")
    assert q.groupby("theme")["category"].nunique().eq(3).all() and q["theme"].nunique() == 3
    assert (q.groupby(["theme", "category"]).size() == 3).all()


def test_pdf_key_findings_with_intervals(run):
    page1 = re.sub(r"\s+", " ", PdfReader(str(run / "findings.pdf")).pages[0].extract_text())
    assert re.search(r"[A-Z][a-z ]+ is raised in \d+ % of detractors' comments \(95 % CI \d+ % to \d+ %, n = [\d,]+\) "
                     r"against \d+ % of promoters' \(\d+ % to \d+ %, n = [\d,]+\); comments that raise it come with "
                     r"an NPS \d+ points lower than the others \([−+]?\d+ vs [−+]?\d+, difference 95 % CI −\d+ to −\d+",
                     page1), page1
    assert re.search(r"NPS among commenters would be \d+\.\d points higher if the detractors who raise it were "
                     r"passives \(95 % CI \d+\.\d to \d+\.\d; a what-if, not an effect\)", page1)
    assert re.search(r"\d+ comments in other languages were counted and left out: the methods are English-only", page1)
    assert "Negative comments are most common in" in page1
    text = _pdf_text(run)
    for heading in ("Themes in the comments", "What each theme weighs in NPS", "Sentiment by segment",
                    "In their own words", "Themes found without a dictionary"):
        assert heading in text, heading


def test_findings_numbers_come_from_the_saved_tables(run):
    page1 = re.sub(r"\s+", " ", PdfReader(str(run / "findings.pdf")).pages[0].extract_text())
    pts = pd.read_csv(run / "tables" / "theme_detractor_points.csv").sort_values("points", ascending=False)
    top = pts.iloc[0]
    assert f"{top['theme'].replace('_', ' ').capitalize()} is raised in" in page1
    assert f"would be {top['points']:.1f} points higher if the detractors who raise it were passives (95 % CI {top['ci_low']:.1f} to {top['ci_high']:.1f}; a what-if" in page1


def test_no_personal_data_in_any_table_figure_or_pdf(run, sample):
    """No planted e-mail, phone number, contact name or account manager reaches an output."""
    names = set(sample.contacts["name"].dropna()) | set(sample.accounts["account_manager"].dropna())
    emails = set(sample.contacts["email"].dropna())
    planted = pd.read_csv(SAMPLE_DIR / "truth_comments.csv", keep_default_na=False)
    raw = sample.responses.set_index("response_id").loc[planted.loc[planted["pii"] == "phone", "response_id"], "comment"]
    phones = {PHONE.search(t).group(0) for t in raw}
    assert len(phones) > 10
    texts = {"findings.pdf": _pdf_text(run)}
    texts.update({p.name: p.read_text(encoding="utf-8") for p in (run / "tables").glob("*.csv")})
    from openpyxl import load_workbook
    wb = load_workbook(run / "tables.xlsx", read_only=True)
    texts["tables.xlsx"] = " ".join(str(c) for ws in wb for row in ws.iter_rows(values_only=True) for c in row)
    for name, text in texts.items():
        assert not EMAIL.search(text), name
        assert not any(e in text for e in emails), name
        assert not re.search(r"Contact \d{5}|\bAM\d\d\b", text), name
        assert not any(n in text for n in names), name
        assert not any(p in text for p in phones), name
    # figures are drawn from theme tables only: their text is theme names and axis labels
    assert all(p.stat().st_size > 0 for p in (run / "figures").glob("*.png"))
    assert (planted["pii"] != "").sum() > 50   # the check above had something to find


def test_pdf_has_no_code(run):
    text = _pdf_text(run)
    for code in ("import ", "kr.", "ctx.", "Traceback", "kt."):
        assert code not in text, code


def test_same_data_and_parameters_give_identical_tables(run, tmp_path):
    again = run_study("what-customers-say", data=str(SAMPLE_DIR), output_root=tmp_path, run_id="b", pdf=False,
                      parameters=FAST)
    for f in sorted((run / "tables").glob("*.csv")):
        assert (again / "tables" / f.name).read_bytes() == f.read_bytes(), f.name


def _programme_without(tmp_path, *, comments=False, accounts=False):
    dest = tmp_path / "prog"
    shutil.copytree(SAMPLE_DIR, dest)
    cfg = (dest / "programme.yaml").read_text()
    if accounts:
        cfg = cfg.replace("  accounts: accounts.csv\n", "")
        (dest / "accounts.csv").unlink()
    if comments:
        r = pd.read_csv(dest / "responses.csv")
        r.drop(columns="comment").to_csv(dest / "responses.csv", index=False)
    (dest / "programme.yaml").write_text(cfg)
    return dest


def test_plan_without_comments_or_accounts(tmp_path, sample):
    """No comment column, or only blank comments: every section is in the Not covered box (the notebook runs
    exactly the plan's sections, as the no-accounts run below shows end to end)."""
    prog = load_programme(_programme_without(tmp_path, comments=True))
    p = coverage.plan("what-customers-say", prog)
    assert p.status.startswith("cannot run: The comment sections need a comment column")
    blank = load_programme(SAMPLE_DIR)
    blank.responses["comment"] = None
    assert "Every comment is blank" in coverage.plan("what-customers-say", blank).status
    assert coverage.plan("what-customers-say", sample).status == "runs fully"


def test_study_without_accounts_lists_sentiment_as_not_covered(tmp_path):
    prog = _programme_without(tmp_path, accounts=True)
    out = run_study("what-customers-say", data=str(prog), output_root=tmp_path / "r", run_id="x", parameters=FAST)
    page1 = re.sub(r"\s+", " ", PdfReader(str(out / "findings.pdf")).pages[0].extract_text())
    assert "Not covered" in page1 and "Sentiment by segment" in page1
    assert "accounts table; none was given" in page1
    assert (out / "tables" / "themes.csv").is_file() and not (out / "tables" / "sentiment_by_segment.csv").exists()
