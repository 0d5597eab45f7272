"""Key-finding sentences and title-page scope of the accounts study (04), from saved tables only."""
from __future__ import annotations

import pandas as pd

from ..format import _conf, _n, _share, fmt_ci, fmt_points

__all__ = ["accounts_findings", "accounts_scope_lines"]


def _nps_with_ci(row, confidence, show_conf=True) -> str:
    c = f"{_conf(confidence)} " if show_conf else ""
    return f"{fmt_points(row['nps'])} ({c}{fmt_ci(row['ci_low'], row['ci_high'])}; n = {_n(row['n'])})"


def _rollup_sentence(sensitivity: pd.DataFrame, confidence) -> str | None:
    t = sensitivity[~sensitivity["suppressed"]]
    if len(t) < 2:
        return None
    lo, hi = t.loc[t["nps"].idxmin()], t.loc[t["nps"].idxmax()]
    spread = hi["nps"] - lo["nps"]
    return (f"The portfolio NPS depends on how an account's voices are counted: from "
            f"{_nps_with_ci(lo, confidence)} — {lo['label'].lower()} — to {_nps_with_ci(hi, confidence, False)} — "
            f"{hi['label'].lower()}; a spread of {spread:.0f} points across {len(t)} methods. Quote one method "
            f"and keep it from wave to wave.")


def _shrink_sentence(overview: pd.DataFrame) -> str | None:
    if overview is None or not len(overview):
        return None
    o = overview.iloc[0]
    if pd.isna(o["concentration"]):
        return None
    bound = (" The data cannot show that the accounts differ more than chance would make them, so every account "
             "is pulled to the portfolio." if o["at_bound"] else "")
    return (f"{_n(o['n_thin'])} of {_n(o['n_accounts'])} accounts were heard from by at most two answers; an "
            f"account NPS from so few voices is mostly noise, so each account's mix is shrunk towards the "
            f"portfolio's (detractors {o['prior_pct_detractors']:.0f} %, passives {o['prior_pct_passives']:.0f} %, "
            f"promoters {o['prior_pct_promoters']:.0f} %) with the weight of {o['concentration']:.1f} answers, "
            f"fitted to the portfolio.{bound}")


def _coverage_sentences(coverage: pd.DataFrame, confidence, target, waves) -> list[str]:
    if coverage is None or not len(coverage):
        return []
    allrow = coverage.iloc[-1]
    if allrow.get("suppressed", False):
        return []
    period = f"In wave {', '.join(map(str, waves))}" if waves else "In the period"
    out = [f"{period}, {_share(allrow['heard_share'])} of the {_n(allrow['n_accounts'])} accounts invited were heard "
           f"from ({_conf(confidence)} {_share(allrow['heard_share_ci_low'])} to "
           f"{_share(allrow['heard_share_ci_high'])})"
           + (f"; the decision maker was among the voices in {_share(allrow['dm_heard_share'])} of them "
              f"({_share(allrow['dm_heard_share_ci_low'])} to {_share(allrow['dm_heard_share_ci_high'])}) and "
              f"{_share(allrow['single_voice_share'])} of the {_n(allrow['n_heard'])} accounts heard were heard from "
              f"one voice only ({_share(allrow['single_voice_share_ci_low'])} to "
              f"{_share(allrow['single_voice_share_ci_high'])}; accounts are the unit, Wilson interval)."
              if pd.notna(allrow.get("dm_heard_share")) else ".")]
    verdict = ("below" if allrow["ci_high"] < target else "above" if allrow["ci_low"] > target
               else "not distinguishable from")
    out.append(f"Revenue coverage: accounts heard from hold {_share(allrow['revenue_coverage'])} of the annual value "
               f"({_conf(confidence)} {_share(allrow['ci_low'])} to {_share(allrow['ci_high'])}), "
               f"{verdict} the {_share(target)} a quarter that B2B practice aims for.")
    return out


def _category_sentence(shares: pd.DataFrame, confidence) -> str | None:
    if shares is None or not len(shares):
        return None
    s = shares.set_index("category")
    parts = []
    for name in ("Ambassador", "Rational", "Ambivalent + Stalker + Opponent"):
        if name in s.index:
            r = s.loc[name]
            label = {"Ambassador": "Ambassadors", "Rational": "Rationals"}.get(name, "Ambivalents, Stalkers and "
                                                                               "Opponents together")
            parts.append(f"{label} {_share(r['share'])} ({_share(r['ci_low'])} to {_share(r['ci_high'])}; "
                         f"typical: {r['typical']})")
    n = int(s.loc[[c for c in s.index if "+" not in c], "n_accounts"].sum())
    return (f"Account categories ({_conf(confidence)}, n = {_n(n)} accounts): " + "; ".join(parts) + ".")


def _quadrant_sentence(counts: pd.DataFrame, cut_text: str) -> str | None:
    if counts is None or not len(counts):
        return None
    q2 = counts.set_index("quadrant").loc["Q2"]
    q4 = counts.set_index("quadrant").loc["Q4"]
    return (f"{_n(q2['n_accounts'])} accounts are high value but not loyal (Q2, act now), holding "
            f"{_share(q2['value_share'])} of the annual value; {_n(q4['n_accounts'])} are loyal with low value "
            f"(Q4, up-sell). Loyal means shrunk account NPS above {cut_text}; accounts sit in their quadrant "
            f"with a mean probability of {q2['mean_probability']:.2f} (Q2).")


def accounts_findings(*, sensitivity=None, overview=None, coverage=None, coverage_waves=None, target=0.8,
                      shares=None, quadrant_counts=None, loyalty_cut_text="0", confidence=0.95,
                      extra=None) -> list[str]:
    """Key-finding sentences of the accounts study, each with its interval and n.

    Parameters
    ----------
    sensitivity : DataFrame
        :func:`kapta_research.accounts.rollup_sensitivity` (saved table).
    overview : DataFrame
        ``AccountNPS.overview()`` (saved table).
    coverage : DataFrame
        ``voice_coverage(...).summary`` (saved table; its last row is all accounts).
    shares : DataFrame
        ``account_categories(...).shares`` (saved table).
    quadrant_counts : DataFrame
        ``quadrants(...).counts`` (saved table).
    extra : list of str, optional
        Further sentences (e.g. the health-score validation), appended.

    Returns
    -------
    list of str
    """
    out = [_rollup_sentence(sensitivity, confidence) if sensitivity is not None else None,
           _shrink_sentence(overview)]
    out += _coverage_sentences(coverage, confidence, target, coverage_waves)
    out += [_category_sentence(shares, confidence), _quadrant_sentence(quadrant_counts, loyalty_cut_text)]
    out += list(extra or [])
    return [s for s in out if s]


def accounts_scope_lines(programme, params, overview=None) -> list[str]:
    """Title-page lines: programme, responses and accounts, roll-up, intervals."""
    r = programme.responses
    lines = [f"Programme: {programme.name}",
             f"{_n(len(r))} responses from {_n(r['account_id'].nunique())} accounts, waves "
             f"{int(r['wave'].min())}–{int(r['wave'].max())}"]
    if overview is not None and len(overview):
        lines.append(f"Account NPS roll-up: {overview.iloc[0]['rollup'].replace('_', ' ')}; empirical-Bayes "
                     "shrinkage towards the portfolio")
    lines.append(f"Intervals: {_conf(params['confidence'])}; account-level tables are in the run folder's "
                 "accounts/ (not in this report)")
    return lines
