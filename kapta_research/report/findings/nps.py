"""Key-finding sentences and title-page scope of the NPS overview study (01)."""
from __future__ import annotations

import pandas as pd

from ..format import _conf, _n, fmt_ci, fmt_p, fmt_pct, fmt_points, significance_level

__all__ = ["nps_sentence", "nps_findings", "scope_lines"]


def nps_sentence(row, *, confidence, subject="NPS", accounts=True) -> str:
    """``NPS is +20 (95 % CI +13 to +26), n = 2,611 responses from 300 accounts.``"""
    s = (f"{subject} is {fmt_points(row['nps'])} ({_conf(confidence)} {fmt_ci(row['ci_low'], row['ci_high'])}), "
         f"n = {_n(row['n'])} responses")
    if accounts and "n_clusters" in row and row["n_clusters"] != row["n"]:
        s += f" from {_n(row['n_clusters'])} accounts"
    return s + "."


def nps_findings(*, overall, by_segment=None, segment=None, gaps=None, trend=None, segment_changes=None, mix=None,
                 rates=None, rate_trend=None, confidence=0.95, min_n=5, min_accounts=3) -> list[str]:
    """Key-finding sentences for the NPS overview study.

    Parameters
    ----------
    overall : DataFrame
        One-row output of :func:`kapta_research.nps.nps`.
    by_segment : DataFrame, optional
        :func:`~kapta_research.nps.nps` by ``segment`` (an account-level
        column, so segments are independent samples of accounts).
    segment : str, optional
        The segment column's name (for wording).
    gaps : DataFrame, optional
        :func:`~kapta_research.nps.group_gaps` of ``by_segment``'s groups:
        the "highest vs lowest" sentence reads its ``extremes`` row and judges
        the gap by its adjusted p-value (``p_adjusted``); without it the
        sentence names no verdict.
    trend : DataFrame, optional
        :func:`~kapta_research.nps.compare` of waves with ``reference="previous"``.
    segment_changes : DataFrame, optional
        :func:`~kapta_research.nps.compare` of the last two waves with
        ``by=segment`` and ``adjust="holm"``; significance is judged by its
        ``p_adjusted`` column (Holm's adjustment over the segments).
    mix : DataFrame, optional
        :func:`~kapta_research.nps.mix_contrasts` of the segments.
    rates : DataFrame, optional
        :func:`~kapta_research.metrics.response_rates` by wave.
    rate_trend : DataFrame, optional
        :func:`~kapta_research.metrics.response_rate_trend`; judges whether
        the response rate is rising or falling.
    confidence : float
        Also the significance rule: a p-value below ``1 - confidence`` is called
        significant, so a verdict always agrees with the printed interval.
    min_n, min_accounts : int
        The suppression rule, for wording the note on hidden groups.

    Returns
    -------
    list of str
        3-6 sentences, each stating its numbers with intervals and n.
    """
    alpha = significance_level(confidence)  # never a fixed 0.05
    out = []
    row = overall.iloc[0]
    if bool(row["suppressed"]):
        return [f"Fewer than {min_n} responses: no NPS is reported."]
    out.append(nps_sentence(row, confidence=confidence) +
               f" That is {fmt_pct(row['pct_promoters'])} promoters, {fmt_pct(row['pct_passives'])} passives "
               f"and {fmt_pct(row['pct_detractors'])} detractors.")
    if by_segment is not None and segment:
        out += _extremes_sentences(by_segment, gaps, segment=segment, confidence=confidence, alpha=alpha,
                                   min_n=min_n, min_accounts=min_accounts)
    if trend is not None and len(trend):
        last = trend.iloc[-1]
        if bool(last["suppressed"]):
            out.append(f"The change from wave {last['reference']} to wave {last['group']} is not shown: one of the "
                       f"waves has fewer than {min_n} responses.")
        else:
            sig = last["p_value"] < alpha
            out.append(
                f"From wave {last['reference']} to wave {last['group']} NPS moved from "
                f"{fmt_points(last['nps_reference'], digits=1)} to {fmt_points(last['nps'], digits=1)} (change "
                f"{fmt_points(last['diff'], digits=1)}, {_conf(confidence)} "
                f"{fmt_ci(last['ci_low'], last['ci_high'], digits=1)}, {fmt_p(last['p_value'])}, "
                f"n = {_n(last['n_reference'])} and {_n(last['n'])}): "
                + ("a statistically significant change." if sig else "not a statistically significant change."))
    if segment_changes is not None and segment and len(segment_changes):
        sc = segment_changes[~segment_changes["suppressed"]]
        if len(sc):
            sig = sc[sc["p_adjusted"] < alpha]
            label = segment.replace("_", " ")
            if len(sig):
                parts = [f"{r[segment]} {fmt_points(r['diff'])} ({_conf(confidence)} {fmt_ci(r['ci_low'], r['ci_high'])}, "
                         f"n = {_n(r['n'])}, Holm-adjusted {fmt_p(r['p_adjusted'])})" for _, r in sig.iterrows()]
                out.append(f"Significant changes by {label} in the last wave: " + "; ".join(parts) + ".")
            else:
                widest = sc.loc[sc["diff"].abs().idxmax()]
                out.append(f"No {label} changed significantly in the last wave (largest move: {widest[segment]} "
                           f"{fmt_points(widest['diff'])}, {_conf(confidence)} "
                           f"{fmt_ci(widest['ci_low'], widest['ci_high'])}, n = {_n(widest['n'])}; "
                           "Holm-adjusted across segments).")
    if mix is not None and len(mix) and mix["same_score_different_mix"].any():
        m = mix[mix["same_score_different_mix"]].sort_values("mix_distance", ascending=False).iloc[0]
        out.append(
            f"Same score, different customers: {m['group_a']} ({fmt_points(m['nps_a'])}) and {m['group_b']} "
            f"({fmt_points(m['nps_b'])}) score alike, but their mixes differ by {m['mix_distance']:.0f} points "
            f"(passives {fmt_pct(m['pct_passives_a'])} vs {fmt_pct(m['pct_passives_b'])}, "
            f"{fmt_p(m['p_value_mix'])}); they need different actions.")
    if rates is not None and len(rates) >= 2:
        r = rates[~rates["suppressed"]]
        first, last = r.iloc[0], r.iloc[-1]
        txt = (f"The response rate was {fmt_pct(100 * first['rate'])} ({_conf(confidence)} "
               f"{fmt_ci(100 * first['ci_low'], 100 * first['ci_high'], pct=True)}, {_n(first['n_invited'])} "
               f"invitations) in wave {first['wave']} and {fmt_pct(100 * last['rate'])} "
               f"({fmt_ci(100 * last['ci_low'], 100 * last['ci_high'], pct=True)}, {_n(last['n_invited'])} "
               f"invitations) in wave {last['wave']}")
        if rate_trend is not None and len(rate_trend):
            t = rate_trend.iloc[0]
            slope = (f"{fmt_points(100 * t['slope'], digits=1)} points per wave "
                     f"({fmt_ci(100 * t['ci_low'], 100 * t['ci_high'], digits=1)}, {fmt_p(t['p_value'])})")
            if t["p_value"] < alpha and t["slope"] < 0:
                txt += (f": a significant decline of {slope}. Falling response rates are an early warning of "
                        "disengagement in their own right.")
            elif t["p_value"] < alpha:
                txt += f": a significant rise of {slope}."
            else:
                txt += f"; the trend, {slope}, is not statistically significant."
        else:
            txt += "."
        out.append(txt)
    return out[:6]


def scope_lines(programme, responses: pd.DataFrame, parameters: dict) -> list[str]:
    """Scope of a study for its title page (no personal data); ``responses`` may be an engine table."""
    from ...studies import response_scope
    sc = response_scope(responses)
    waves, first, last, n, k = sc["waves"], sc["first"], sc["last"], sc["n"], sc["n_accounts"]
    method = parameters.get("method", "")
    cl = parameters.get("cluster")
    return [
        f"Programme: {programme.name}",
        f"Waves {waves[0]}–{waves[-1]}"
        + (f" ({first:%d %b %Y} to {last:%d %b %Y})" if pd.notna(first) and pd.notna(last) else " (undated)")
        + f": {_n(n)} responses from {_n(k)} accounts",
        f"Intervals: {100 * parameters.get('confidence', 0.95):g} % "
        + (f"{method.replace('_', ' ')} intervals" if method else "intervals")
        + (", respondents clustered by account" if cl else ", respondents taken as independent"),
        f"Groups with fewer than {parameters.get('min_n', 5)} responses"
        + (f" or fewer than {parameters.get('min_accounts', 3)} accounts" if cl else "") + " are suppressed",
    ]


def _extremes_sentences(by_segment, gaps, *, segment, confidence, alpha, min_n, min_accounts) -> list[str]:
    """Highest vs lowest unsuppressed group, judged by the saved gap table's adjusted p; hidden groups counted."""
    out = []
    label = segment.replace("_", " ")
    shown = by_segment[~by_segment["suppressed"].astype(bool)].set_index(by_segment[segment].astype(str)[
        ~by_segment["suppressed"].astype(bool)])
    ext = gaps[gaps["extremes"].astype(bool)] if gaps is not None and len(gaps) else None
    if ext is not None and len(ext) and len(shown) >= 2:
        g = ext.iloc[0]
        hi, lo = shown.loc[str(g["group_a"])], shown.loc[str(g["group_b"])]
        k = len(gaps)
        verdict = ("a statistically significant gap" if g["p_adjusted"] < alpha else
                   "the data cannot distinguish the two")
        out.append(
            f"By {label}, {g['group_a']} scores highest ({fmt_points(hi['nps'])}, {_conf(confidence)} "
            f"{fmt_ci(hi['ci_low'], hi['ci_high'])}, n = {_n(hi['n'])}) and {g['group_b']} lowest "
            f"({fmt_points(lo['nps'])}, {_conf(confidence)} {fmt_ci(lo['ci_low'], lo['ci_high'])}, n = {_n(lo['n'])}): "
            f"{verdict} (gap {fmt_points(g['diff'], signed=False, digits=1)} points, {_conf(confidence)} "
            f"{fmt_ci(g['ci_low'], g['ci_high'], signed=False, digits=1)}; {fmt_p(g['p_adjusted'])} adjusted for "
            f"the {k} pairs of groups compared).")
    elif len(shown) >= 2:
        hi, lo = shown.loc[shown["nps"].idxmax()], shown.loc[shown["nps"].idxmin()]
        out.append(f"By {label}, {hi.name} scores highest ({fmt_points(hi['nps'])}, {_conf(confidence)} "
                   f"{fmt_ci(hi['ci_low'], hi['ci_high'])}, n = {_n(hi['n'])}) and {lo.name} lowest "
                   f"({fmt_points(lo['nps'])}, {_conf(confidence)} {fmt_ci(lo['ci_low'], lo['ci_high'])}, "
                   f"n = {_n(lo['n'])}); no test of the gap was run.")
    hidden = int(by_segment["suppressed"].astype(bool).sum())
    if hidden:
        out.append(f"{hidden} {label} group(s) with fewer than {min_n} responses or fewer than {min_accounts} "
                   "accounts are not shown.")
    return out
