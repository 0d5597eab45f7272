"""Key-finding sentences of study 04's health-score part: does the health score predict churn?

Built only from the saved tables of :func:`kapta_research.accounts.validate_health`
(``summary`` and ``comparisons``) and :func:`kapta_research.accounts.action_counts`;
significance follows ``confidence``: a pairwise AUC difference is called one
when its Holm-adjusted p (``p_holm``, over every pairwise comparison in the
table) is below 1 - confidence; the raw p is printed beside it.
"""
from __future__ import annotations

import pandas as pd

from ...errors import ParameterError
from ..format import _conf, _n, _share, fmt_ci, fmt_p, fmt_points, significance_level

__all__ = ["health_findings", "health_score_label", "action_count_sentence"]

_LABELS = {"your weights": "your health score", "learned": "learned weights", "NPS alone": "NPS alone",
           "tenure and value": "tenure and value alone"}


def health_score_label(name: str) -> str:
    """How a score is named in a sentence ("your weights" -> "your health score").

    Examples
    --------
    >>> health_score_label("learned"), health_score_label("my model")
    ('learned weights', 'my model')
    """
    return _LABELS.get(name, name)


def _pct_ci(row, confidence, *, key="auc", conf=True) -> str:
    lead = f"{_conf(confidence)} " if conf else ""
    return f"{_share(row[key])} of the time ({lead}{_range(row[key + '_ci_low'], row[key + '_ci_high'])})"


def _range(lo, hi) -> str:
    """``54–68 %`` (shares on the 0-1 scale)."""
    return f"{100 * lo:.0f}–{100 * hi:.0f} %"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _auc_sentence(s: pd.DataFrame, reference: str, confidence: float, horizon_days: int) -> str:
    r = s.loc[reference]
    txt = (f"{_cap(health_score_label(reference))} ranks accounts that churned within {horizon_days} days above "
           f"those that stayed {_pct_ci(r, confidence)}, {_verdict(r)}")
    others = [f"{health_score_label(m)} {_share(s.loc[m, 'auc'])} "
              f"({_range(s.loc[m, 'auc_ci_low'], s.loc[m, 'auc_ci_high'])})" for m in s.index if m != reference]
    if others:
        txt += "; " + "; ".join(others)
    return (txt + f". 50 % is chance; n = {_n(r['n'])} accounts in the test period, {_n(r['n_events'])} of which "
                  "churned.")


def _verdict(r: pd.Series) -> str:
    """Whether the score beats chance: its AUC interval lies above 50 % (the interval's level is the study's)."""
    if r["auc_ci_low"] > 0.5:
        return "better than chance"
    return "not shown to be better than chance (the interval includes 50 %)"


def _comparison_sentence(c: pd.Series, confidence: float, alpha: float, n_comparisons: int) -> str:
    a, b = health_score_label(c["score_a"]), health_score_label(c["score_b"])
    diff, lo, hi = 100 * c["auc_diff"], 100 * c["ci_low"], 100 * c["ci_high"]
    better, worse, d = (a, b, diff) if diff >= 0 else (b, a, -diff)
    lo_, hi_ = (lo, hi) if diff >= 0 else (-hi, -lo)
    verdict = ("a significant difference" if c["p_holm"] < alpha else "a difference the data cannot confirm")
    return (f"{_cap(better)} rank{'s' if not better.endswith('weights') else ''} churners better than {worse} by "
            f"{fmt_points(d, signed=False)} percentage points of AUC ({_conf(confidence)} "
            f"{fmt_ci(lo_, hi_, signed=False)} unadjusted, {fmt_p(c['p_value'])}; {fmt_p(c['p_holm'])} after Holm's "
            f"adjustment for {n_comparisons} comparison{'s' if n_comparisons != 1 else ''}): {verdict}.")


def _embargo_sentence(horizon_days: int, embargo: bool = False) -> str:
    if embargo:
        return (f"Training used only snapshots whose {horizon_days}-day churn window had closed by the test "
                "snapshot date (an embargo), so nothing learned was unknown at that date.")
    return (f"The training snapshots' churn outcomes (up to {horizon_days} days after each snapshot) can reach past "
            f"the test snapshot date (no embargo: that needs snapshots {horizon_days} days before it).")


def _top_k_sentence(r: pd.Series, name: str, confidence: float) -> str:
    k, hits, events = int(r["top_k"]), int(r["churned_top_k"]), int(r["n_events"])
    txt = (f"The {k} accounts {health_score_label(name)} ranks most at risk include {hits} of the {events} that "
           f"churned (precision {_share(r['precision_top_k'])}, {_conf(confidence)} "
           f"{_range(r['precision_ci_low'], r['precision_ci_high'])}, against {_share(r['churn_rate'])} for a random "
           "list)")
    if pd.notna(r.get("revenue_at_risk_share")) and pd.notna(r.get("revenue_at_risk_share_ci_low")):
        txt += (f" and {_share(r['revenue_at_risk_share'])} of the annual value lost to churn ({_conf(confidence)} "
                f"{_range(r['revenue_at_risk_share_ci_low'], r['revenue_at_risk_share_ci_high'])}; "
                f"n = {_n(r['n_churned_valued'])} churned accounts with a known value)")
    return txt + "."


def _calibration_sentence(r: pd.Series, name: str, confidence: float) -> str | None:
    if pd.isna(r["calibration_slope"]):
        return None
    return (f"Calibration of {health_score_label(name)} in the later period: slope {r['calibration_slope']:.2f} "
            f"({_conf(confidence)} {r['calibration_slope_ci_low']:.2f} to {r['calibration_slope_ci_high']:.2f}; 1 is "
            f"ideal, below 1 the risks are too extreme), Brier score {r['brier']:.3f} "
            f"({r['brier_ci_low']:.3f} to {r['brier_ci_high']:.3f}).")


def health_findings(summary: pd.DataFrame, comparisons: pd.DataFrame | None = None, *, confidence=0.95,
                    horizon_days=365, reference="your weights", min_events=10, embargo=False) -> list[str]:
    """Sentences on whether the health scores predict churn, worded from the validation tables.

    Parameters
    ----------
    summary, comparisons : DataFrame
        ``HealthValidation.summary`` and ``.comparisons``
        (:func:`kapta_research.accounts.validate_health`), or the same tables
        read back from ``tables/``.
    confidence : float
        Level of the intervals, and the significance rule (Holm-adjusted
        p < 1 - confidence).
    horizon_days : int
    reference : str
        The score the sentences lead with (default "your weights"; the first
        score when absent).
    min_events : int
        Below this many churn events in the test period the study says the
        data cannot tell.
    embargo : bool
        Whether the validation trained with an embargo (``HealthValidation.embargo``).

    Returns
    -------
    list of str
        The last sentence says that training outcomes can reach past the
        test snapshot date (no embargo), or, with ``embargo=True``
        (``HealthValidation.embargo``), that they could not.

    Raises
    ------
    ParameterError
        ``comparisons`` without the ``p_holm`` column.

    Examples
    --------
    >>> s = pd.DataFrame({"score": ["your weights", "learned"], "n": [247, 247], "n_events": [36, 36],
    ...                   "auc": [0.61, 0.72], "auc_ci_low": [0.54, 0.64], "auc_ci_high": [0.68, 0.80]})
    >>> health_findings(s)[0]  # doctest: +NORMALIZE_WHITESPACE
    'Your health score ranks accounts that churned within 365 days above those that stayed 61 % of the time
     (95 % CI 54–68 %), better than chance; learned weights 72 % (64–80 %). 50 % is chance; n = 247 accounts
     in the test period, 36 of which churned.'
    """
    alpha = significance_level(confidence)
    s = summary.set_index("score")
    if reference not in s.index:
        reference = s.index[0]
    r = s.loc[reference]
    if int(r["n_events"]) < min_events:
        return [f"Only {int(r['n_events'])} accounts churned within {horizon_days} days of the test snapshot "
                f"(n = {_n(r['n'])}): too few to tell whether any health score predicts churn. Collect more "
                "history before trusting a health score."]
    out = [_auc_sentence(s, reference, confidence, horizon_days)]
    if comparisons is not None and len(comparisons):
        c = comparisons
        if "p_holm" not in c:
            raise ParameterError("health_findings: the comparisons table has no 'p_holm' column (Holm-adjusted "
                                 "p); pass HealthValidation.comparisons from validate_health, or its saved table")
        pairs = [("learned", reference), (reference, "NPS alone")]
        for a, b in pairs:
            hit = c[((c["score_a"] == a) & (c["score_b"] == b)) | ((c["score_a"] == b) & (c["score_b"] == a))]
            if a != b and len(hit):
                out.append(_comparison_sentence(hit.iloc[0], confidence, alpha, len(c)))
    if "precision_top_k" in s:
        out.append(_top_k_sentence(r, reference, confidence))
    if "calibration_slope" in s:
        cal = _calibration_sentence(r, reference, confidence)
        if cal:
            out.append(cal)
    return out + [_embargo_sentence(horizon_days, bool(embargo))]


def action_count_sentence(counts: pd.DataFrame) -> str:
    """One sentence with the size of each action list (counts only; no contact is ever named).

    Examples
    --------
    >>> counts = pd.DataFrame({"list": ["voc_overdue"], "description": ["Accounts overdue for a VOC interview"],
    ...                        "n": [78], "note": [""]})
    >>> action_count_sentence(counts)
    'Action lists for the account teams (actions.xlsx, not in this report): accounts overdue for a VOC interview: 78.'
    """
    items = [f"{row.description[:1].lower() + row.description[1:]}: {_n(row.n)}" for row in counts.itertuples()]
    return "Action lists for the account teams (actions.xlsx, not in this report): " + "; ".join(items) + "."
