"""Optional tables are optional (issue 8 §3/§4), end to end: studies on trimmed copies of the sample.

* studies run end to end on the combinations that change what they can do (no
  invitations; responses and accounts only; responses only), their PDFs list exactly the
  skipped sections in the "Not covered" box on page 1, and validate forecast the same;
* suppression: a segment of 1 and one of 2 accounts (30+ responses each) is never printed
  in a table's numbers, a figure or the PDF.

The coverage plans and validate's forecast on every combination of the optional tables are in
tests/test_study_coverage.py, whose helpers these tests use.
"""
from __future__ import annotations

import re

import pandas as pd
import pytest
from pypdf import PdfReader
from test_study_coverage import OPTIONAL, _forecast_lines, _programme

from kapta_research import coverage
from kapta_research.cli import main
from kapta_research.io import load_programme


def _page1(pdf) -> str:
    return re.sub(r"\s+", " ", PdfReader(str(pdf)).pages[0].extract_text())


def _all_text(pdf) -> str:
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(str(pdf)).pages))


# (tables dropped, studies to run): the combinations that change what a study can do; every
# other combination gives the same plans as one of these (checked by the tests above).
RUNS = [(("invitations",), ("nps-overview", "churn-correlation")),
        # key-drivers needs only responses: it runs here as on the full sample, and is run on responses only
        (("contacts", "invitations", "followups", "voc_interviews"), ("nps-overview", "churn-correlation")),
        (OPTIONAL, ("nps-overview", "key-drivers", "churn-correlation"))]


@pytest.mark.study
@pytest.mark.parametrize("dropped, studies", RUNS, ids=["no-invitations", "responses-accounts", "responses-only"])
def test_studies_degrade_and_the_pdf_says_what_is_not_covered(tmp_path, capsys, dropped, studies):
    from kapta_research.runner import run_study
    folder = _programme(tmp_path, dropped)
    assert main(["validate", "--data", str(folder)]) == 0
    forecast = _forecast_lines(capsys.readouterr().out)
    plans = dict(coverage.forecast(load_programme(folder)))
    for study in studies:
        params = {} if study == "nps-overview" else {"n_boot": 200}
        out = run_study(study, data=str(folder), output_root=tmp_path / "reports", run_id=study, parameters=params)
        page1 = _page1(out / "findings.pdf")
        plan = plans[study]
        assert forecast[study] == plan.status
        if plan.status == "runs fully":
            assert "Not covered" not in page1
            continue
        box = page1[page1.index("Not covered"):page1.index("Key findings")]
        for s in plan.skipped:
            assert s.title in box and s.reason in box, (study, s)
        for s in plan.sections:
            if s.runs:
                assert f"{s.title} —" not in box
        if study == "churn-correlation" and "accounts" in dropped:
            findings = page1[page1.index("Key findings"):]
            assert "Churn outcomes are missing" in findings and "no churn events" not in findings.lower()
        if study == "nps-overview" and "invitations" in dropped:
            assert "Response rates need the invitations table; none was given." in box
            assert not (out / "tables" / "response_rates.csv").exists()


@pytest.fixture(scope="module")
def tiny_segments(tmp_path_factory):
    """The sample with segment "Solo" (1 account, 31 responses) and "Duo" (2 accounts, 54 responses)."""
    from kapta_research.runner import run_study
    tmp = tmp_path_factory.mktemp("tiny")
    folder = _programme(tmp, ())
    acc = pd.read_csv(folder / "accounts.csv", dtype=str, keep_default_na=False)
    acc.loc[acc["account_id"] == "A0287", "segment"] = "Solo"
    acc.loc[acc["account_id"].isin(["A0251", "A0268"]), "segment"] = "Duo"
    acc.to_csv(folder / "accounts.csv", index=False)
    resp = load_programme(folder).respondents()
    assert resp.groupby("segment").size()[["Solo", "Duo"]].ge(30).all()  # precondition: 30+ responses each
    out = run_study("nps-overview", data=str(folder), output_root=tmp / "reports", run_id="tiny",
                    parameters={"segments": ["segment"]})
    return out


@pytest.mark.study
def test_segments_of_one_and_two_accounts_are_never_printed(tiny_segments):
    out = tiny_segments
    text = _all_text(out / "findings.pdf")
    assert "Solo" not in text and "Duo" not in text
    assert "Enterprise" in text and "suppressed" in text
    numbers = ["nps", "ci_low", "ci_high", "pct_promoters", "pct_passives", "pct_detractors", "se"]
    for f in (out / "tables").glob("*.csv"):
        t = pd.read_csv(f)
        for col in t.columns[t.isin(["Solo", "Duo"]).any()]:
            rows = t[t[col].isin(["Solo", "Duo"])]
            # a suppressed group may keep its label (flagged), never a number
            assert "suppressed" in t and rows["suppressed"].all(), f.name
            assert rows[[c for c in numbers if c in t]].isna().all().all(), f.name


@pytest.mark.study
def test_segments_of_one_and_two_accounts_are_not_drawn(tiny_segments):
    import matplotlib
    matplotlib.use("Agg")
    import kapta_research as kr
    table = pd.read_csv(tiny_segments / "tables" / "nps_by_segment.csv")
    ax = kr.plots.nps_by_group(table, by="segment", overall=10.0)
    labels = " ".join(t.get_text() for t in [*ax.get_xticklabels(), *ax.get_yticklabels()])
    assert "Enterprise" in labels and "Solo" not in labels and "Duo" not in labels
