"""HTML tables of study 04's health-score part (validation, comparisons, top-k, coefficients, action counts).

Each function takes a saved table of :func:`kapta_research.accounts.validate_health`
or :func:`kapta_research.accounts.action_counts` and formats it; nothing here computes a statistic.
Top-k tables name accounts (companies), never contacts.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .findings.health import _cap, health_score_label
from .format import _conf, _n, _share, fmt_ci, fmt_p, fmt_points
from .html import table_html

__all__ = ["health_validation_table_html", "health_comparisons_table_html", "health_top_k_table_html",
           "health_coefficients_table_html", "action_counts_table_html"]


def _range(lo, hi, digits=0, pct=True) -> str:
    if pd.isna(lo) or pd.isna(hi):
        return "–"
    return f"{100 * lo:.{digits}f}–{100 * hi:.{digits}f} %" if pct else f"{lo:.{digits}f} to {hi:.{digits}f}"


def _num(v, digits=2) -> str:
    return "–" if pd.isna(v) else f"{v:.{digits}f}".replace("-", "−")


def health_validation_table_html(summary: pd.DataFrame, *, confidence=0.95) -> str:
    """One row per score: AUC, calibration, Brier and top-k yield in the test period, each with its interval.

    Examples
    --------
    >>> s = pd.DataFrame({"score": ["learned"], "n": [247], "n_events": [36], "auc": [0.72], "auc_ci_low": [0.62],
    ...   "auc_ci_high": [0.8], "calibration_slope": [1.2], "calibration_slope_ci_low": [0.6],
    ...   "calibration_slope_ci_high": [1.9], "calibration_intercept": [0.05], "brier": [0.116],
    ...   "brier_ci_low": [0.09], "brier_ci_high": [0.146], "top_k": [20], "churned_top_k": [6],
    ...   "precision_top_k": [0.3], "precision_ci_low": [0.15], "precision_ci_high": [0.52], "recall_top_k": [0.17],
    ...   "revenue_at_risk_share": [0.23], "revenue_at_risk_share_ci_low": [0.1],
    ...   "revenue_at_risk_share_ci_high": [0.4], "churn_rate": [0.146]})
    >>> "72 %" in health_validation_table_html(s)
    True
    """
    s = summary
    k = int(s["top_k"].iloc[0])
    disp = pd.DataFrame({
        "Score": s["score"].map(lambda m: _cap(health_score_label(m))),
        "AUC": s["auc"].map(_share),
        f"AUC {_conf(confidence)}": [_range(a, b) for a, b in zip(s["auc_ci_low"], s["auc_ci_high"])],
        "Calibration slope (CI)": [f"{_num(v)} ({_num(a)} to {_num(b)})" for v, a, b in
                                   zip(s["calibration_slope"], s["calibration_slope_ci_low"],
                                       s["calibration_slope_ci_high"])],
        "Calibration intercept": s["calibration_intercept"].map(_num),
        "Brier (CI)": [f"{_num(v, 3)} ({_num(a, 3)} to {_num(b, 3)})" for v, a, b in
                       zip(s["brier"], s["brier_ci_low"], s["brier_ci_high"])],
        f"Churned in top {k}": [f"{int(h)} ({_share(p)}; {_range(a, b)})" for h, p, a, b in
                                zip(s["churned_top_k"], s["precision_top_k"], s["precision_ci_low"],
                                    s["precision_ci_high"])],
        f"Share of churners in top {k}": s["recall_top_k"].map(_share),
        f"Churned revenue in top {k} (CI)": [
            "–" if pd.isna(v) or pd.isna(a) else f"{_share(v)} ({_range(a, b)})" for v, a, b in
            zip(s["revenue_at_risk_share"], s.get("revenue_at_risk_share_ci_low", pd.Series(np.nan, s.index)),
                s.get("revenue_at_risk_share_ci_high", pd.Series(np.nan, s.index)))],
    })
    r = s.iloc[0]
    note = (f"Test period: n = {_n(r['n'])} accounts, {_n(r['n_events'])} churned ({_share(r['churn_rate'])}, the "
            f"precision of a random list). AUC: how often a churner ranks below a stayer (50 % = chance), "
            f"account-bootstrap interval. Calibration slope 1 and intercept 0 are ideal; each score's churn "
            f"probability is learned on the earlier snapshot dates only.")
    return table_html(disp, caption="Does the health score predict churn? Test-period validation", note=note)


def health_comparisons_table_html(comparisons: pd.DataFrame, *, confidence=0.95) -> str:
    """Pairwise AUC differences (percentage points) with paired account-bootstrap intervals."""
    c = comparisons
    disp = pd.DataFrame({
        "Score": c["score_a"].map(lambda m: _cap(health_score_label(m))),
        "vs": c["score_b"].map(health_score_label),
        "AUC difference": (100 * c["auc_diff"]).map(lambda v: f"{fmt_points(v)} points"),
        _conf(confidence): [fmt_ci(100 * a, 100 * b) for a, b in zip(c["ci_low"], c["ci_high"])],
        "p": c["p_value"].map(fmt_p),
        "p (Holm)": c["p_holm"].map(fmt_p),
    })
    return table_html(disp, caption="Differences in AUC between the scores (same accounts, paired)",
                      note=f"Paired bootstrap over accounts; an interval that includes 0 means the data cannot "
                           f"tell the two scores apart. p (Holm): adjusted for the {len(c)} comparisons; "
                           f"significance is read from it.")


def health_top_k_table_html(top_k: pd.DataFrame, *, score="your weights", accounts: pd.DataFrame | None = None
                            ) -> str:
    """The accounts one score ranked most at risk at the test date, and whether they churned.

    ``accounts`` (the programme's accounts table) adds the account name; accounts are companies, so
    their names may be shown; contacts never are.
    """
    t = top_k[top_k["score"] == score]
    name = t["account_id"]
    if accounts is not None and "account_name" in accounts:
        name = t["account_id"].map(accounts.set_index("account_id")["account_name"]).fillna(t["account_id"])
    disp = pd.DataFrame({"Rank": t["rank"].astype(str), "Account": name.astype(str)})
    if "segment" in t:
        disp["Segment"] = t["segment"].astype(str).to_numpy()
    disp["Health"] = t["health"].map(lambda v: f"{v:.0f}").to_numpy()
    disp["Annual value"] = t["annual_value"].map(lambda v: "–" if pd.isna(v) else f"{v:,.0f}").to_numpy()
    disp["Churned"] = t["churned"].map({True: "yes", False: "no"}).to_numpy()
    return table_html(disp, caption=f"The {len(t)} accounts {health_score_label(score)} ranked most at risk",
                      note="Health on the 0–100 scale at the test date; churned = within the horizon after it.")


def health_coefficients_table_html(coefficients: pd.DataFrame) -> str:
    """The learned weights: churn odds ratio per 10 points of each component."""
    c = coefficients[coefficients["term"] != "intercept"]
    disp = pd.DataFrame({
        "Component": c["term"].str.replace("_", " ").str.capitalize(),
        "Odds ratio per 10 points": c["odds_ratio"].map(lambda v: f"{v:.2f}"),
        "Standardised coefficient": c["std_coef"].map(_num),
        "Imputed rows": c["n_imputed"].map(_n),
    })
    return table_html(disp, caption="Learned weights (penalised logistic regression on the earlier dates)",
                      note="Below 1: a healthier component, less churn. The penalty shrinks the coefficients; "
                           "they rank the components, they are not causal effects.")


def action_counts_table_html(counts: pd.DataFrame) -> str:
    """How many rows each action list has (no contact data)."""
    disp = pd.DataFrame({"Action list": counts["description"], "Rows": counts["n"].map(_n),
                         "Note": counts["note"].fillna("")})
    return table_html(disp, caption="Action lists for the account teams (in actions.xlsx, not in this report)",
                      note="The lists name contacts so the account teams can reach them; this report shows "
                           "only their size.")
