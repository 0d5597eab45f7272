"""Optional tables are optional (issue 8 §3/§4): the coverage plan, validate's forecast, and the studies agree.

* :func:`kapta_research.coverage.plan` on every combination of the five optional tables
  (unit test on a stand-in programme, and ``validate`` on real copies of the sample);
* studies run end to end on the combinations that change what they can do (no
  invitations; responses and accounts only; responses only), their PDFs list exactly the
  skipped sections in the "Not covered" box on page 1, and validate forecast the same;
* suppression: a segment of 1 and one of 2 accounts (30+ responses each) is never printed
  in a table's numbers, a figure or the PDF.
"""
from __future__ import annotations

import itertools
import re
import shutil
from types import SimpleNamespace

import pandas as pd
import pytest
from pypdf import PdfReader

from kapta_research import coverage
from kapta_research.cli import main
from kapta_research.config import SAMPLE_DIR
from kapta_research.errors import ParameterError
from kapta_research.io import load_programme

OPTIONAL = ("accounts", "contacts", "invitations", "followups", "voc_interviews")
COMBOS = [drop for k in range(len(OPTIONAL) + 1) for drop in itertools.combinations(OPTIONAL, k)]


def _stand_in(dropped):
    """A programme stand-in: provided() answers from the table set; responses as the sample's."""
    given = {"responses", *OPTIONAL} - set(dropped)
    cols = {"accounts": {"segment", "region", "industry", "churn_date", "churned"},
            "responses": {"ltr", "invitation_id", "trust", "value_for_money", "ease_of_doing_business",
                          "commitment", "satisfaction", "feel_valued", "leading_edge", "proactivity"}}
    resp = pd.DataFrame({"wave": [1, 2, 2], "invitation_id": ["i1", "i2", "i3"],
                         **{d: [1.0, 2.0, 3.0] for d in cols["responses"] - {"invitation_id"}}})
    return SimpleNamespace(
        provided=lambda t, c=None: t in given and (c is None or c in cols.get(t, {c})),
        responses=resp, drivers=sorted(cols["responses"] - {"ltr", "invitation_id"}), load_notes={})


@pytest.mark.parametrize("dropped", COMBOS, ids=lambda d: "-".join(d) or "all")
def test_plan_on_every_optional_table_combination(dropped):
    prog = _stand_in(dropped)
    p1 = coverage.plan("nps-overview", prog)
    assert p1.runs("overall") and p1.runs("trend")
    for name in ("by_segment", "by_region", "mix", "segment_changes"):
        assert p1.runs(name) == ("accounts" not in dropped), name
    assert p1.runs("response_rates") == ("invitations" not in dropped)
    assert coverage.plan("key-drivers", prog).status == "runs fully"
    p3 = coverage.plan("churn-correlation", prog)
    if "accounts" in dropped:
        assert p3.status == "cannot run: Churn outcomes are missing: no accounts table was given."
        assert p3.models == {}
    else:
        assert p3.runs("prediction") and p3.runs("survival") and p3.runs("freshness")
        assert p3.runs("churn_by_response_trend") == ("invitations" not in dropped)
        assert ("response_rate_trend" in p3.models["NPS + drivers + engagement"]) == ("invitations" not in dropped)
    expected_full = not ({"accounts", "invitations"} & set(dropped))
    assert (p1.status == "runs fully") == expected_full


def test_plan_names_missing_columns_and_drivers():
    prog = _stand_in(())
    p = coverage.plan("nps-overview", prog, {"segments": ["segment", "account_manager"]})
    assert p.segments == ["segment"]
    assert p.reason("by_account_manager") == ("NPS by account manager needs the accounts' account manager; the "
                                              "accounts table has no account_manager column.")
    assert p.status.startswith("runs without: NPS by account manager.")
    k = coverage.plan("key-drivers", prog, {"drivers": ["trust", "loyalty"]})
    assert not k.runs("importance") and "at least two driver ratings" in k.reason("importance")
    k = coverage.plan("key-drivers", prog, {"drivers": ["trust", "loyalty", "commitment"]})
    assert k.runs("importance") and k.drivers == ["trust", "commitment"]
    assert k.reason("all_drivers") == "This driver is not rated in the responses."


def test_churn_outcomes_missing_is_said_in_so_many_words():
    prog = _stand_in(())
    given = prog.provided
    prog.provided = lambda t, c=None: given(t, c) and not (t == "accounts" and c == "churn_date")
    p = coverage.plan("churn-correlation", prog)
    assert p.status == "cannot run: Churn outcomes are missing: the accounts table has no churn_date column."
    assert "no churn events" not in p.status.lower()


def test_plan_refuses_an_unknown_section():
    with pytest.raises(ParameterError, match=r"The 'name' parameter of Plan.runs must be a section of study "
                                             r"nps-overview: overall, .* Got 'rates' instead\."):
        coverage.plan("nps-overview", _stand_in(())).runs("rates")


def _programme(tmp_path, dropped, name="prog"):
    dest = tmp_path / name
    shutil.copytree(SAMPLE_DIR, dest)
    keep = [t for t in ("responses", *OPTIONAL) if t not in dropped]
    (dest / "programme.yaml").write_text("name: Trimmed sample\ntables:\n" + "".join(f"  {t}: {t}.csv\n" for t in keep))
    return dest


def _forecast_lines(text):
    from kapta_research.studies import list_studies   # every study validate forecasts, whoever added it
    names = "|".join(re.escape(st.name) for st in list_studies())
    return dict(re.findall(rf"^  ({names}): (.*)$", text, re.M))


@pytest.mark.parametrize("dropped", COMBOS, ids=lambda d: "-".join(d) or "all")
def test_validate_forecasts_every_combination_without_a_traceback(tmp_path, capsys, dropped):
    folder = _programme(tmp_path, dropped)
    assert main(["validate", "--data", str(folder)]) == 0
    out = capsys.readouterr().out
    prog = load_programme(folder)
    assert _forecast_lines(out) == {name: p.status for name, p in coverage.forecast(prog)}
    assert "Traceback" not in out


def test_validate_without_invitation_ids_links_and_does_not_crash(tmp_path, capsys):
    # Regression (issue 8): survey exports carry no invitation id; validate raised KeyError: 'invitation_id'.
    folder = _programme(tmp_path, ())
    path = folder / "responses.csv"
    pd.read_csv(path, dtype=str, keep_default_na=False).drop(columns=["invitation_id"]).to_csv(path, index=False)
    assert main(["validate", "--data", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "Loading:" in out and "linked to an invitation by contact and wave" in out
    assert "nps-overview: runs fully" in out


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
