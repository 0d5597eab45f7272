"""Key-finding sentences and title-page scope of the key-driver study (02)."""
from __future__ import annotations

import pandas as pd

from ..format import _and, _conf, _n, _share, driver_label, fmt_ci, fmt_p, fmt_points, significance_level

__all__ = ["driver_findings", "driver_scope_lines"]


_STEP = {"detractor_to_passive": "turn detractors into passives",
         "passive_to_promoter": "turn passives into promoters"}


def driver_findings(*, importance, transitions, ipa=None, r2=None, confidence=0.95, plan=None) -> list[str]:
    """Key-finding sentences for the key-driver study.

    A transition's driver is named only when the bootstrap supports it (its
    rank interval is 1 to 1, or 1 to 2 for a pair), and the two steps are
    called different only when the between-transition test rejects.

    Parameters
    ----------
    importance : ImportanceResult
        :func:`kapta_research.drivers.relative_importance` with ``n_boot > 0``.
    transitions : TransitionResult
        :func:`kapta_research.drivers.transition_drivers` with ``n_boot > 0``.
    ipa : DataFrame, optional
        :func:`kapta_research.drivers.importance_performance`.
    r2 : DataFrame, optional
        The saved R² table (``ImportanceResult.r2_summary``: ``r2``, ``ci_low``,
        ``ci_high``); its interval is worded, never recomputed here.
    plan : Plan, optional
        :func:`kapta_research.coverage.plan` of the study: when the analysis
        could not run (``importance`` is None), the finding says why.
    confidence : float
        Also the significance rule: a p-value below ``1 - confidence`` is called significant.

    Returns
    -------
    list of str
    """
    alpha = significance_level(confidence)  # never a fixed 0.05
    if importance is None:
        return [plan.reason("importance") if plan is not None else "The key-driver analysis did not run."]
    out = []
    s = importance.summary.sort_values("rank")
    has_ci = "ci_low" in s
    top = s.iloc[0]
    r2_ci = ""
    if r2 is not None and len(r2) and pd.notna(r2["ci_low"].iloc[0]):  # the saved R² table (r2_summary)
        r2_ci = f", {_conf(confidence)} {r2['ci_low'].iloc[0]:.2f} to {r2['ci_high'].iloc[0]:.2f}"
    txt = (f"The {len(s)} drivers explain R² = {importance.r2:.2f} of the variation in likelihood to recommend "
           f"({r2_ci.lstrip(', ') + '; ' if r2_ci else ''}n = {_n(importance.n)} responses" +
           (f" from {_n(importance.n_clusters)} accounts" if getattr(importance, "n_clusters", None) else "") + "). ")
    if has_ci:
        txt += (f"The strongest driver is {driver_label(top['driver'])}, with {_share(top['share'])} of the explained "
                f"variation ({_conf(confidence)} {_share(top['ci_low'])} to {_share(top['ci_high'])}; rank "
                f"{int(top['rank_ci_low'])} to {int(top['rank_ci_high'])} across bootstrap resamples of accounts).")
        second = s.iloc[1]
        txt += (f" Next is {driver_label(second['driver'])} ({_share(second['share'])}, "
                f"{_share(second['ci_low'])} to {_share(second['ci_high'])}).")
    else:
        txt += (f"The strongest driver is {driver_label(top['driver'])} ({_share(top['share'])} of the explained "
                "variation); run with n_boot > 0 for intervals before acting on it.")
    out.append(txt)
    t = transitions.summary
    diff = transitions.difference.set_index("driver")
    named = {}
    for step in ("detractor_to_passive", "passive_to_promoter"):
        st = t[t["transition"] == step].sort_values("rank")
        first = st.iloc[0]
        n, ev = int(first["n"]), int(first["n_events"])
        if "rank_ci_high" not in st:
            out.append(f"To {_STEP[step]}: no bootstrap was run, so no driver can be named with confidence.")
            continue
        if first["rank_ci_high"] == 1:
            named[step] = [first["driver"]]
            out.append(
                f"To {_STEP[step]}, focus on {driver_label(first['driver'])}: it carries {_share(first['share'])} of "
                f"the explained variation in that step ({_conf(confidence)} {_share(first['ci_low'])} to "
                f"{_share(first['ci_high'])}; rank interval 1 to 1), and each point "
                f"multiplies the odds of moving up by {first['odds_ratio']:.2f} ({first['or_ci_low']:.2f} to "
                f"{first['or_ci_high']:.2f}; n = {_n(n)} respondents).")
        elif first["rank_ci_high"] == 2 and st.iloc[1]["rank_ci_low"] == 1:
            pair = [first["driver"], st.iloc[1]["driver"]]
            named[step] = pair
            out.append(
                f"To {_STEP[step]}, focus on {driver_label(pair[0])} or {driver_label(pair[1])}: together they "
                f"lead the step ({_share(first['share'])} and {_share(st.iloc[1]['share'])} of the explained "
                f"variation), but the data cannot order them (n = {_n(n)} respondents).")
        else:
            out.append(
                f"The data cannot single out a driver to {_STEP[step]}: the leading candidate, "
                f"{driver_label(first['driver'])} ({_share(first['share'])}, {_share(first['ci_low'])} to "
                f"{_share(first['ci_high'])}), ranks anywhere from {int(first['rank_ci_low'])} to "
                f"{int(first['rank_ci_high'])} (n = {_n(n)} respondents, {_n(ev)} moved up).")
    if len(named) == 2 and set(named["detractor_to_passive"]) != set(named["passive_to_promoter"]):
        parts, supported = [], True
        for step, other in (("detractor_to_passive", "passive_to_promoter"),
                            ("passive_to_promoter", "detractor_to_passive")):
            d = named[step][0]
            row = diff.loc[d]
            ors = t[t["driver"] == d].set_index("transition")["odds_ratio"]
            supported &= bool(row["p_value"] < alpha)
            parts.append(f"{driver_label(d)} matters more for the step to {_STEP[step].split()[-1]} "
                         f"(odds ratios {ors[step]:.2f} vs {ors[other]:.2f}; difference {fmt_p(row['p_value'])})")
        if supported:
            out.append("The two steps need different levers: " + "; ".join(parts) + ".")
        else:
            out.append("The data cannot show that the two steps need different levers: " + "; ".join(parts) + ".")
    elif len(named) == 2:
        out.append("The same driver leads both steps.")
    if ipa is not None and len(ipa) and ipa["share_ci_low"].isna().any():
        out.append("Importance versus performance needs bootstrap intervals (n_boot > 0) before any driver can be "
                   "called 'fix first'.")
    elif ipa is not None and len(ipa):
        fix = ipa[ipa["quadrant"].astype(str) == "fix first"]
        if len(fix):
            items = [f"{driver_label(r.driver)} ({_share(r.share)} of the explained variation, "
                     f"{_conf(confidence)} {_share(r.share_ci_low)} to {_share(r.share_ci_high)}; mean rating "
                     f"{r.mean:.1f}, {fmt_points(r.gap, digits=2)} vs the average driver, "
                     f"{fmt_ci(r.gap_ci_low, r.gap_ci_high, digits=2)})"
                     for r in fix.itertuples()]
            out.append("Fix first — important and under-performing: " + _and(items) + ".")
        else:
            out.append("No driver is both clearly important and clearly under-performing ('fix first'); "
                       f"{int((ipa['quadrant'].astype(str) == 'uncertain').sum())} of {len(ipa)} drivers are "
                       "uncertain on one axis.")
    return out[:6]


def driver_scope_lines(programme, responses: pd.DataFrame, parameters: dict, importance) -> list[str]:
    """Scope of the key-driver study for its title page (``responses`` may be an engine table)."""
    from ...studies import response_scope
    sc = response_scope(responses)
    seg = parameters.get("segment_filter") or []
    used = (f"; {_n(importance.n)} with every driver rated ({_n(importance.n_excluded)} with a missing rating "
            "left out)") if importance is not None else ""
    return [
        f"Programme: {programme.name}",
        f"{_n(sc['n'])} responses from {_n(sc['n_accounts'])} accounts"
        + (f" in {', '.join(seg)}" if seg else ", all segments")
        + used,
        f"Drivers: {', '.join(driver_label(d) for d in parameters.get('drivers', []))}",
        f"Intervals: {100 * parameters.get('confidence', 0.95):g} %, {parameters.get('n_boot')} bootstrap "
        "resamples of accounts" if parameters.get("cluster") else
        f"Intervals: {100 * parameters.get('confidence', 0.95):g} %, respondents taken as independent",
    ]
