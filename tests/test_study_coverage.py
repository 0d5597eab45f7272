"""Optional tables are optional (issue 8 §3/§4): the coverage plan, validate's forecast, and the studies agree.

* :func:`kapta_research.coverage.plan` on every combination of the five optional tables
  (unit test on a stand-in programme, and ``validate`` on real copies of the sample);
* the studies run end to end on the combinations that change what they can do, and the
  suppression of tiny segments: tests/test_study_coverage_runs.py (a file of its own so
  that ``make test``'s two workers each take one half; they share the helpers below).
"""
from __future__ import annotations

import itertools
import re
import shutil
from types import SimpleNamespace

import pandas as pd
import pytest

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
        responses=resp, drivers=sorted(cols["responses"] - {"ltr", "invitation_id"}), load_notes={},
        # what coverage asks of a Programme instead of reading its frames (see Programme.has_values)
        has_values=lambda t, c: t == "responses" and c in resp and bool(resp[c].notna().any()),
        response_waves=lambda waves=None: [w for w in sorted(resp["wave"].unique()) if not waves or w in waves])


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
