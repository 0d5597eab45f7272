"""Findings builders: each one's sentences from a small hand-made table, without running a notebook.

Issue 9: significance follows ``confidence`` (alpha = 1 - confidence), and a builder only
words numbers that are in the saved tables it is given.  Issue 8 §5: "highest vs lowest"
considers only unsuppressed groups, uses the adjusted p and says "cannot distinguish"
otherwise.
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from kapta_research import report
from kapta_research.coverage import Plan, Section
from kapta_research.errors import ParameterError

NAN = float("nan")


def _overall():
    return pd.DataFrame([{"n": 400, "n_clusters": 120, "pct_promoters": 45.0, "pct_passives": 30.0,
                          "pct_detractors": 25.0, "nps": 20.0, "ci_low": 12.0, "ci_high": 28.0, "suppressed": False}])


def _trend(p):
    # a change whose 90 % interval excludes 0 (it came from the same test as p = 0.07)
    return pd.DataFrame([{"group": 2, "reference": 1, "n": 200, "n_reference": 200, "nps": 25.0,
                          "nps_reference": 15.0, "diff": 10.0, "se": 5.5, "ci_low": 1.0, "ci_high": 19.0,
                          "p_value": p, "suppressed": False}])


@pytest.mark.parametrize("confidence, verdict", [(0.9, ": a statistically significant change."),
                                                 (0.95, ": not a statistically significant change.")])
def test_significance_follows_confidence_not_a_fixed_005(confidence, verdict):
    # Regression (issue 9): findings used alpha = 0.05 whatever the confidence, so at confidence=0.9
    # a change whose printed 90 % interval excluded 0 was called "not significant".
    text = report.nps_findings(overall=_overall(), trend=_trend(0.07), confidence=confidence)
    change = [t for t in text if t.startswith("From wave 1 to wave 2")]
    assert len(change) == 1 and change[0].endswith(verdict)
    assert f"{100 * confidence:g} % CI +1.0 to +19.0, p = 0.07" in change[0]


def _by_segment():
    # "Tiny" has the highest raw score but is suppressed (1 account): it must never be named
    return pd.DataFrame({
        "segment": ["Enterprise", "SMB", "Mid", "Tiny"],
        "n": [300, 200, 150, 30], "n_clusters": [60, 50, 40, 1],
        "nps": [30.0, 5.0, 12.0, NAN], "se": [5.0, 6.0, 7.0, NAN],
        "ci_low": [20.0, -7.0, -2.0, NAN], "ci_high": [39.0, 17.0, 25.0, NAN],
        "suppressed": [False, False, False, True]})


def _gaps(p_adjusted):
    return pd.DataFrame({
        "group_a": ["Enterprise", "Enterprise", "Mid"], "group_b": ["SMB", "Mid", "SMB"],
        "nps_a": [30.0, 30.0, 12.0], "nps_b": [5.0, 12.0, 5.0], "diff": [25.0, 18.0, 7.0],
        "se": [7.8, 8.6, 9.2], "ci_low": [9.7, 1.1, -11.0], "ci_high": [40.3, 34.9, 25.0],
        "p_value": [0.001, 0.04, 0.45], "p_adjusted": [p_adjusted, 0.08, 0.45],
        "extremes": [True, False, False]})


def test_highest_vs_lowest_uses_the_saved_adjusted_p():
    text = report.nps_findings(overall=_overall(), by_segment=_by_segment(), segment="segment", gaps=_gaps(0.003))
    s = [t for t in text if t.startswith("By segment")][0]
    assert s.startswith("By segment, Enterprise scores highest (+30, 95 % CI +20 to +39, n = 300) and SMB lowest "
                        "(+5, 95 % CI −7 to +17, n = 200): a statistically significant gap")
    assert "(gap 25.0 points, 95 % CI 9.7 to 40.3; p = 0.003 adjusted for the 3 pairs of groups compared)" in s
    assert "Tiny" not in " ".join(text)
    assert ("1 segment group(s) with fewer than 5 responses or fewer than 3 accounts are not shown." in text)


def test_highest_vs_lowest_says_cannot_distinguish_when_the_adjusted_p_is_large():
    # raw p 0.001 would have been "significant"; after adjustment (0.2) it is not
    text = report.nps_findings(overall=_overall(), by_segment=_by_segment(), segment="segment", gaps=_gaps(0.2))
    s = [t for t in text if t.startswith("By segment")][0]
    assert ": the data cannot distinguish the two (gap 25.0 points" in s and "p = 0.20 adjusted" in s


def test_no_highest_vs_lowest_claim_without_two_unsuppressed_groups():
    seg = _by_segment().assign(suppressed=[False, True, True, True])
    gaps = _gaps(0.2).iloc[0:0]
    text = report.nps_findings(overall=_overall(), by_segment=seg, segment="segment", gaps=gaps)
    assert not any(t.startswith("By segment") for t in text)
    assert "3 segment group(s) with fewer than 5 responses or fewer than 3 accounts are not shown." in text


def test_last_wave_changes_are_judged_by_their_saved_holm_p():
    sc = pd.DataFrame({"segment": ["A", "B"], "group": [8, 8], "reference": [7, 7], "n": [90, 80],
                       "n_reference": [85, 82], "nps": [20.0, 5.0], "nps_reference": [5.0, 4.0],
                       "diff": [15.0, 1.0], "se": [6.0, 7.0], "ci_low": [3.2, -12.7], "ci_high": [26.8, 14.7],
                       "p_value": [0.012, 0.89], "p_adjusted": [0.024, 0.89], "suppressed": [False, False]})
    text = report.nps_findings(overall=_overall(), segment="segment", segment_changes=sc)
    assert ("Significant changes by segment in the last wave: A +15 (95 % CI +3 to +27, n = 90, "
            "Holm-adjusted p = 0.02).") in text
    text = report.nps_findings(overall=_overall(), segment="segment", segment_changes=sc.assign(p_adjusted=[0.06, 0.89]))
    assert any(t.startswith("No segment changed significantly in the last wave (largest move: A +15") for t in text)


def _rates():
    return pd.DataFrame({"wave": [1, 2], "n_invited": [1000, 900], "rate": [0.35, 0.30], "ci_low": [0.32, 0.27],
                         "ci_high": [0.38, 0.33], "suppressed": [False, False]})


@pytest.mark.parametrize("confidence, word", [(0.9, ": a significant decline of"), (0.95, "is not statistically")])
def test_response_rate_trend_follows_confidence(confidence, word):
    trend = pd.DataFrame([{"slope": -0.02, "ci_low": -0.039, "ci_high": -0.001, "p_value": 0.08}])
    text = report.nps_findings(overall=_overall(), rates=_rates(), rate_trend=trend, confidence=confidence)
    assert word in text[-1]


# ---------------------------------------------------------------- churn
def _by_trend(p):
    return pd.DataFrame({"level": ["falling", "stable", "rising", "not enough waves"], "n": [250, 270, 40, 80],
                         "n_events": [50, 35, 5, 10], "churn_rate": [0.20, 0.13, 0.125, 0.125],
                         "ci_low": [0.15, 0.09, 0.05, 0.06], "ci_high": [0.26, 0.18, 0.26, 0.21],
                         "rate_diff": [0.07, 0.0, -0.005, -0.005], "rate_diff_ci_low": [0.005, NAN, -0.1, -0.1],
                         "rate_diff_ci_high": [0.135, NAN, 0.1, 0.1], "p_value": [p, NAN, 0.9, 0.9]})


def _value(events=60):
    summary = pd.DataFrame([{"model": "NPS", "n_predictors": 1, "n": 700, "n_events": events, "auc": 0.64,
                             "auc_ci_low": 0.56, "auc_ci_high": 0.72, "cv_auc": 0.63, "test_p_value": NAN}])
    return SimpleNamespace(summary=summary, odds_ratios=None, predictors={"NPS": ["nps"]}, test_method=None)


@pytest.mark.parametrize("confidence, verdict", [(0.9, "a significant difference"),
                                                 (0.95, "a difference the data cannot confirm")])
def test_churn_rate_gap_is_read_from_the_saved_table_and_follows_confidence(confidence, verdict):
    text = report.churn_findings(value=_value(), horizon_days=365, by_trend=_by_trend(0.07), confidence=confidence)
    s = [t for t in text if t.startswith("Where the response rate was falling")][0]
    assert f": {verdict} (difference +7.0 points, {100 * confidence:g} % CI +0.5 to +13.5, p = 0.07)." in s


def test_churn_findings_without_outcomes_say_they_are_missing():
    plan = Plan("churn-correlation", [Section("prediction", "Prediction", False,
                                              "Churn outcomes are missing: no accounts table was given.")])
    text = report.churn_findings(value=None, horizon_days=365, plan=plan)
    assert text == ["Churn outcomes are missing: no accounts table was given."]
    assert "no churn events" not in text[0].lower()


# ---------------------------------------------------------------- drivers
def _driver_inputs(p_diff):
    imp = SimpleNamespace(
        summary=pd.DataFrame({"driver": ["trust", "ease_of_doing_business"], "share": [0.6, 0.4], "rank": [1, 2],
                              "ci_low": [0.45, 0.25], "ci_high": [0.75, 0.55], "rank_ci_low": [1, 1],
                              "rank_ci_high": [1, 2]}),
        r2=0.41, n=900, n_clusters=250, replicates=None)
    rows = []
    for step, lead in (("detractor_to_passive", "ease_of_doing_business"), ("passive_to_promoter", "trust")):
        for d in ("trust", "ease_of_doing_business"):
            first = d == lead
            rows.append({"transition": step, "driver": d, "n": 400, "n_events": 200, "odds_ratio": 1.8 if first else 1.1,
                         "or_ci_low": 1.4, "or_ci_high": 2.2, "share": 0.7 if first else 0.3, "ci_low": 0.5,
                         "ci_high": 0.85, "rank": 1 if first else 2, "rank_ci_low": 1 if first else 2,
                         "rank_ci_high": 1 if first else 2})
    trans = SimpleNamespace(summary=pd.DataFrame(rows),
                            difference=pd.DataFrame({"driver": ["trust", "ease_of_doing_business"],
                                                     "p_value": [p_diff, p_diff]}))
    return imp, trans


@pytest.mark.parametrize("confidence, lead", [(0.9, "The two steps need different levers: "),
                                              (0.95, "The data cannot show that the two steps need different levers")])
def test_driver_findings_follow_confidence(confidence, lead):
    imp, trans = _driver_inputs(0.07)
    text = report.driver_findings(importance=imp, transitions=trans, confidence=confidence)
    assert any(t.startswith(lead) for t in text)


def test_driver_r2_interval_is_read_from_the_saved_table():
    imp, trans = _driver_inputs(0.5)
    r2 = pd.DataFrame([{"r2": 0.41, "ci_low": 0.352, "ci_high": 0.468, "n": 900}])
    text = report.driver_findings(importance=imp, transitions=trans, r2=r2)
    assert text[0].startswith("The 2 drivers explain R² = 0.41 of the variation in likelihood to recommend "
                              "(95 % CI 0.35 to 0.47; n = 900 responses from 250 accounts).")
    assert "CI" not in report.driver_findings(importance=imp, transitions=trans)[0].split(").")[0]


def test_driver_findings_when_the_analysis_could_not_run():
    plan = Plan("key-drivers", [Section("importance", "Which drivers matter", False,
                                        "The key-driver analysis needs at least two driver ratings.")])
    assert report.driver_findings(importance=None, transitions=None, plan=plan) == [
        "The key-driver analysis needs at least two driver ratings."]


# ---------------------------------------------------------------- html pieces
def test_not_covered_box_groups_sections_by_reason_and_escapes():
    plan = Plan("x", [Section("a", "NPS by segment", False, "Needs <accounts>."),
                      Section("b", "NPS by region", False, "Needs <accounts>."),
                      Section("c", "Response rates", False, "Needs invitations."),
                      Section("d", "NPS overall", True)])
    out = report.not_covered_html(plan)
    assert out.startswith("<div class='kr-notcovered'><h2>Not covered</h2><ul>")
    assert "<li><strong>NPS by segment; NPS by region</strong> — Needs &lt;accounts&gt;.</li>" in out
    assert "<li><strong>Response rates</strong> — Needs invitations.</li>" in out and "NPS overall" not in out
    assert report.not_covered_html(Plan("x", [Section("d", "NPS overall", True)])) == ""
    assert report.skipped_html(plan, "c") == "<p class='kr-note'>Not covered: Needs invitations.</p>"
    assert report.skipped_html(plan, "d") == ""


def test_captions_are_built_once():
    assert report.caption("nps_by", "annual_value") == "NPS by annual value"
    t = pd.DataFrame({"wave": [1], "n": [10], "n_clusters": [5], "pct_promoters": [50.0], "pct_passives": [20.0],
                      "pct_detractors": [30.0], "nps": [20.0], "ci_low": [1.0], "ci_high": [40.0],
                      "suppressed": [False]})
    assert "<strong>NPS by wave</strong>" in report.nps_table_html(t, by="wave")
    with pytest.raises(ParameterError, match=r"The 'kind' parameter of caption must be one of nps_by, .* "
                                             r"Got 'nps' instead\."):
        report.caption("nps", "segment")


def test_suppressed_groups_never_reach_a_table():
    t = _by_segment().assign(pct_promoters=[50.0, 40, 40, NAN], pct_passives=[30.0, 25, 32, NAN],
                             pct_detractors=[20.0, 35, 28, NAN])
    out = report.nps_table_html(t, by="segment", min_n=5, min_accounts=3)
    assert "Tiny" not in out and "1 group(s) with fewer than 5 responses or 3 accounts suppressed." in out
    assert np.isnan(t.loc[3, "nps"])
