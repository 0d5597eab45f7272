"""HTML tables of the accounts study (04), formatted from saved tables (nothing computed here)."""
from __future__ import annotations

import pandas as pd

from .format import _conf, _n, _share, fmt_ci, fmt_points
from .html import table_html

__all__ = ["rollup_table_html", "coverage_table_html", "category_table_html", "quadrant_table_html",
           "loyalty_cut_html"]


def _pct_ci(lo, hi) -> str:
    return f"{_share(lo)} to {_share(hi)}"


def rollup_table_html(table: pd.DataFrame, *, confidence=0.95, by=None) -> str:
    """Portfolio NPS under each roll-up (``rollup_sensitivity``); suppressed rows say why."""
    rows = []
    for r in table.itertuples():
        row = {"Method": r.label}
        if by:
            row[by.replace("_", " ").capitalize()] = getattr(r, by)
        if r.suppressed:
            row.update({"NPS": "–", _conf(confidence): "–", "Responses": "–", "Accounts": "–",
                        "Note": f"not shown: {r.suppressed_reason}"})
        else:
            row.update({"NPS": fmt_points(r.nps), _conf(confidence): fmt_ci(r.ci_low, r.ci_high),
                        "Responses": _n(r.n), "Accounts": _n(r.n_clusters), "Note": ""})
        rows.append(row)
    return table_html(pd.DataFrame(rows), caption="Portfolio NPS under each roll-up",
                      note="Intervals are clustered by account. Account averages weight each response by "
                           "1 / (the account's responses), or by annual value / responses.")


def coverage_table_html(summary: pd.DataFrame, *, by="segment", confidence=0.95, waves=None) -> str:
    """Voices and revenue coverage per group (``voice_coverage(...).summary``)."""
    rows = []
    for r in summary.itertuples():
        row = {by.replace("_", " ").capitalize(): getattr(r, by), "Accounts": _n(r.n_accounts)}
        if r.suppressed:
            row.update({"Heard": "–", "Decision maker heard": "–", "One voice only": "–", "Roles heard": "–",
                        "Revenue coverage": f"not shown: {r.suppressed_reason}"})
        else:
            row.update({
                "Heard": f"{_share(r.heard_share)} ({_pct_ci(r.heard_share_ci_low, r.heard_share_ci_high)})",
                "Decision maker heard": f"{_share(r.dm_heard_share)}" if pd.notna(r.dm_heard_share) else "–",
                "One voice only": f"{_share(r.single_voice_share)}" if pd.notna(r.single_voice_share) else "–",
                "Roles heard": f"{r.mean_roles_heard:.1f}" if pd.notna(r.mean_roles_heard) else "–",
                "Revenue coverage": f"{_share(r.revenue_coverage)} ({_pct_ci(r.ci_low, r.ci_high)})"})
        rows.append(row)
    period = f"wave {', '.join(map(str, waves))}" if waves else "the period"
    return table_html(pd.DataFrame(rows), caption=f"Voices and revenue coverage, {period}",
                      note=f"{_conf(confidence)} in brackets. Decision maker heard and one voice only are shares "
                           "of the accounts heard; roles heard is their mean number of roles.")


def category_table_html(shares: pd.DataFrame, *, confidence=0.95) -> str:
    """Category shares beside the typical portfolio (``account_categories(...).shares``)."""
    rows = [{"Category": r.category, "Share of accounts": _share(r.share),
             _conf(confidence): _pct_ci(r.ci_low, r.ci_high), "Most likely for": f"{_n(r.n_accounts)} accounts",
             "Typical portfolio": r.typical or ""} for r in shares.itertuples()]
    return table_html(pd.DataFrame(rows), caption="Account categories",
                      note="Shares are expected shares: each account counts with its probability of each "
                           "category, given its respondents.")


def quadrant_table_html(counts: pd.DataFrame) -> str:
    """Accounts and value per quadrant (``quadrants(...).counts``)."""
    rows = [{"Quadrant": f"{r.quadrant} {r.meaning}", "Accounts": _n(r.n_accounts),
             "Share of annual value": _share(r.value_share),
             "Mean probability of the quadrant": f"{r.mean_probability:.2f}" if pd.notna(r.mean_probability) else "–",
             "Suggested action": r.action} for r in counts.itertuples()]
    return table_html(pd.DataFrame(rows), caption="Loyalty × value quadrants")


def loyalty_cut_html(folds: pd.DataFrame, *, cut: float) -> str:
    """Cross-validated choice of the loyalty cut (``quadrants(...).cut_choice``)."""
    rows = [{"Fold": r.fold, "Cut chosen on the other folds": fmt_points(r.cut),
             "Youden J, training": f"{r.j_train:.2f}", "Youden J, held out": f"{r.j_test:.2f}",
             "Held-out snapshots": _n(r.n_test), "of which churned": _n(r.events_test)}
            for r in folds.itertuples()]
    return table_html(pd.DataFrame(rows), caption=f"Choosing the loyalty cut from churn (chosen: NPS {fmt_points(cut)})",
                      note="Youden J = share of later churners below the cut minus share of retained accounts "
                           "below it. Folds hold out whole accounts.")
