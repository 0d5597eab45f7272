"""Key-finding sentences and title-page scope of the NPS overview study (01)."""
from __future__ import annotations

import math

import pandas as pd

from ..format import _conf, _n, fmt_ci, fmt_p, fmt_pct, fmt_points

__all__ = ["nps_sentence", "nps_findings", "scope_lines"]


def nps_sentence(row, *, confidence, subject="NPS", accounts=True) -> str:
    """``NPS is +20 (95 % CI +13 to +26), n = 2,611 responses from 300 accounts.``"""
    s = (f"{subject} is {fmt_points(row['nps'])} ({_conf(confidence)} {fmt_ci(row['ci_low'], row['ci_high'])}), "
         f"n = {_n(row['n'])} responses")
    if accounts and "n_clusters" in row and row["n_clusters"] != row["n"]:
        s += f" from {_n(row['n_clusters'])} accounts"
    return s + "."


def nps_findings(*, overall, by_segment=None, segment=None, trend=None, segment_changes=None, mix=None,
                 rates=None, rate_trend=None, confidence=0.95, min_n=5) -> list[str]:
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
    trend : DataFrame, optional
        :func:`~kapta_research.nps.compare` of waves with ``reference="previous"``.
    segment_changes : DataFrame, optional
        :func:`~kapta_research.nps.compare` of the last two waves with
        ``by=segment``; significance is judged after Holm's adjustment over
        the segments.
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
    min_n : int

    Returns
    -------
    list of str
        3-6 sentences, each stating its numbers with intervals and n.
    """
    alpha = 1 - confidence  # significance follows the intervals' confidence, never a fixed 0.05
    out = []
    row = overall.iloc[0]
    if bool(row["suppressed"]):
        return [f"Fewer than {min_n} responses: no NPS is reported."]
    out.append(nps_sentence(row, confidence=confidence) +
               f" That is {fmt_pct(row['pct_promoters'])} promoters, {fmt_pct(row['pct_passives'])} passives "
               f"and {fmt_pct(row['pct_detractors'])} detractors.")
    if by_segment is not None and segment:
        shown = by_segment[~by_segment["suppressed"]]
        hidden = int(by_segment["suppressed"].sum())
        if len(shown) >= 2:
            hi_row = shown.loc[shown["nps"].idxmax()]
            lo_row = shown.loc[shown["nps"].idxmin()]
            gap = hi_row["nps"] - lo_row["nps"]
            se = math.hypot(hi_row["se"], lo_row["se"])
            from scipy import stats
            p = float(2 * stats.norm.sf(abs(gap) / se)) if se > 0 else float("nan")
            verdict = ("a statistically significant gap" if p < alpha else
                       "a gap the data cannot distinguish from chance")
            out.append(
                f"By {segment.replace('_', ' ')}, {hi_row[segment]} scores highest "
                f"({fmt_points(hi_row['nps'])}, {_conf(confidence)} {fmt_ci(hi_row['ci_low'], hi_row['ci_high'])}, "
                f"n = {_n(hi_row['n'])}) and {lo_row[segment]} lowest ({fmt_points(lo_row['nps'])}, "
                f"{_conf(confidence)} {fmt_ci(lo_row['ci_low'], lo_row['ci_high'])}, n = {_n(lo_row['n'])}): "
                f"{verdict} (gap {fmt_points(gap, signed=False, digits=1)} points, two-sample test {fmt_p(p)}).")
        if hidden:
            out.append(f"{hidden} {segment.replace('_', ' ')} group(s) with fewer than {min_n} responses "
                       "are not shown.")
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
        sc = segment_changes[~segment_changes["suppressed"]].copy()
        if len(sc):
            from statsmodels.stats.multitest import multipletests
            sc["p_holm"] = multipletests(sc["p_value"].to_numpy(), method="holm")[1]
            sig = sc[sc["p_holm"] < alpha]
            label = segment.replace("_", " ")
            if len(sig):
                parts = [f"{r[segment]} {fmt_points(r['diff'])} ({_conf(confidence)} {fmt_ci(r['ci_low'], r['ci_high'])}, "
                         f"n = {_n(r['n'])}, Holm-adjusted {fmt_p(r['p_holm'])})" for _, r in sig.iterrows()]
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
    """Scope of a study for its title page (no personal data)."""
    waves = sorted(responses["wave"].unique())
    first = responses["responded_at"].min()
    last = responses["responded_at"].max()
    method = parameters.get("method", "")
    cl = parameters.get("cluster")
    return [
        f"Programme: {programme.name}",
        f"Waves {waves[0]}–{waves[-1]} ({first:%d %b %Y} to {last:%d %b %Y}): {_n(len(responses))} responses "
        f"from {_n(responses['account_id'].nunique())} accounts",
        f"Intervals: {100 * parameters.get('confidence', 0.95):g} % "
        + (f"{method.replace('_', ' ')} intervals" if method else "intervals")
        + (", respondents clustered by account" if cl else ", respondents taken as independent"),
        f"Groups with fewer than {parameters.get('min_n', 5)} responses are suppressed",
    ]
