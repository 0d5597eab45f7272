"""Wording, tables and figures of study 04's health part: only numbers from the saved validation tables."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import kapta_research as kr  # noqa: E402
from kapta_research.accounts import action_counts, action_lists, default_scores, validate_health  # noqa: E402
from kapta_research.plots import calibration_plot, roc_curves  # noqa: E402
from kapta_research.errors import ParameterError  # noqa: E402
from kapta_research.report import (action_count_sentence, action_counts_table_html, health_coefficients_table_html,  # noqa: E402
                                   health_comparisons_table_html, health_findings, health_top_k_table_html,
                                   health_validation_table_html)
from kapta_research.report.findings.health import health_score_label  # noqa: E402
from kapta_research.report.format import fmt_p  # noqa: E402


@pytest.fixture(scope="module")
def val():
    snaps = kr.churn.snapshots(kr.load_sample(), as_of=["2024-07-01", "2024-10-01", "2025-01-01"])
    return validate_health(snaps, scores=default_scores(), n_boot=200, random_state=0)


def test_findings_word_the_table_numbers(val):
    s = val.summary.set_index("score")
    text = health_findings(val.summary, val.comparisons)
    r = s.loc["your weights"]
    assert text[0].startswith("Your health score ranks accounts that churned within 365 days above those that "
                              f"stayed {100 * r['auc']:.0f} % of the time (95 % CI {100 * r['auc_ci_low']:.0f}–"
                              f"{100 * r['auc_ci_high']:.0f} %), "
                              f"{'better than chance' if r['auc_ci_low'] > 0.5 else 'not shown to be better'}")
    assert f"; learned weights {100 * s.loc['learned', 'auc']:.0f} %" in text[0]
    assert f"n = {int(r['n'])} accounts in the test period, {int(r['n_events'])} of which churned" in text[0]
    assert any(t.startswith(f"The 20 accounts your health score ranks most at risk include {int(r['churned_top_k'])}")
               for t in text)
    assert any("Calibration of your health score" in t for t in text)
    lead = next(t for t in text if t.startswith("The 20 accounts"))
    assert (f"{100 * r['revenue_at_risk_share']:.0f} % of the annual value lost to churn (95 % CI "
            f"{100 * r['revenue_at_risk_share_ci_low']:.0f}–{100 * r['revenue_at_risk_share_ci_high']:.0f} %; "
            f"n = {int(r['n_churned_valued'])} churned accounts with a known value)") in lead
    comp = val.comparisons.set_index(["score_a", "score_b"])
    for a, b in [("your weights", "learned"), ("your weights", "NPS alone")]:
        c = comp.loc[(a, b)]
        verdict = "a significant difference." if c["p_holm"] < 0.05 else "a difference the data cannot confirm."
        la, lb = health_score_label(a).lower(), health_score_label(b).lower()
        sent = [t for t in text if la in t.lower() and lb in t.lower() and "percentage points of AUC" in t]
        assert len(sent) == 1, (a, b, text)
        assert f"{fmt_p(c['p_value'])}; {fmt_p(c['p_holm'])} after Holm's adjustment for 6 comparisons" in sent[0]
        assert sent[0].endswith(verdict)
    assert text[-1].startswith("The training snapshots' churn outcomes (up to 365 days after each snapshot) can "
                               "reach past the test snapshot date")
    assert "no embargo" in text[-1]
    assert "(no embargo: that needs snapshots 365 days before it)" in text[-1]
    with_embargo = health_findings(val.summary, val.comparisons, horizon_days=180, embargo=True)
    assert with_embargo[-1] == ("Training used only snapshots whose 180-day churn window had closed by the test "
                                "snapshot date (an embargo), so nothing learned was unknown at that date.")


def test_significance_follows_confidence():
    s = pd.DataFrame({"score": ["your weights", "learned"], "n": [300, 300], "n_events": [40, 40],
                      "auc": [0.6, 0.7], "auc_ci_low": [0.52, 0.62], "auc_ci_high": [0.68, 0.78]})
    c = pd.DataFrame({"score_a": ["your weights"], "score_b": ["learned"], "auc_diff": [-0.1], "se": [0.045],
                      "ci_low": [-0.188], "ci_high": [-0.012], "p_value": [0.03], "p_holm": [0.03]})
    at95 = health_findings(s, c, confidence=0.95)
    at99 = health_findings(s, c, confidence=0.99)
    assert "Learned weights rank churners better than your health score by 10 percentage points" in at95[1]
    assert at95[1].endswith("p = 0.03; p = 0.03 after Holm's adjustment for 1 comparison): a significant difference.")
    assert at99[1].endswith("a difference the data cannot confirm.")
    # significance is read from the Holm-adjusted p, not the raw one
    holm = health_findings(s, c.assign(p_holm=[0.09]), confidence=0.95)[1]
    assert holm.endswith("p = 0.03; p = 0.09 after Holm's adjustment for 1 comparison): a difference the data "
                         "cannot confirm.")
    with pytest.raises(ParameterError, match="no 'p_holm' column"):
        health_findings(s, c.drop(columns="p_holm"))
    assert "of the time (95 % CI 52–68 %), better than chance; learned weights" in at95[0]
    wide = s.assign(auc_ci_low=[0.45, 0.62])
    assert "(95 % CI 45–68 %), not shown to be better than chance (the interval includes 50 %); learned" in \
        health_findings(wide)[0]


def test_too_few_events_say_so():
    s = pd.DataFrame({"score": ["your weights"], "n": [100], "n_events": [4], "auc": [0.9], "auc_ci_low": [0.6],
                      "auc_ci_high": [1.0]})
    assert health_findings(s) == ["Only 4 accounts churned within 365 days of the test snapshot (n = 100): too few "
                                  "to tell whether any health score predicts churn. Collect more history before "
                                  "trusting a health score."]


def test_html_tables(val):
    html = health_validation_table_html(val.summary)
    assert "Does the health score predict churn?" in html and "NPS alone" in html
    assert "paired" in health_comparisons_table_html(val.comparisons)
    assert "p (Holm)" in health_comparisons_table_html(val.comparisons)
    r = val.summary.iloc[0]
    assert (f"{100 * r['revenue_at_risk_share']:.0f} % ({100 * r['revenue_at_risk_share_ci_low']:.0f}–"
            f"{100 * r['revenue_at_risk_share_ci_high']:.0f} %)") in html
    top = health_top_k_table_html(val.top_k, accounts=kr.load_sample().accounts)
    assert "Account 0" in top and html.count("<tr>") == 4  # one row per score
    assert "Odds ratio per 10 points" in health_coefficients_table_html(val.coefficients)


def test_action_counts_in_the_report_never_name_contacts():
    lists = action_lists(kr.load_sample(), as_of="2026-01-12")
    counts = action_counts(lists)
    html = action_counts_table_html(counts) + action_count_sentence(counts)
    contacts = kr.load_sample().contacts
    assert "@" not in html
    assert not any(name in html for name in contacts["name"])
    assert f"detractors without a follow-up within 7 days: {len(lists['detractors_without_followup'])}" in \
        action_count_sentence(counts)


def test_figures_draw_from_the_tables(val):
    ax = roc_curves(val.roc, summary=val.summary)
    assert len(ax.get_lines()) == 5  # four scores and the chance diagonal
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0].startswith("Your health score (AUC ")
    ax = calibration_plot(val.reliability, scores=["learned"])
    assert ax.get_xlabel() == "Predicted churn probability (bin mean)"
    with pytest.raises(ValueError, match="lacks the column"):
        roc_curves(val.summary)
