"""Key-finding sentences and title-page scope of the programme-health study (05).

Every sentence words numbers of a saved table (``tables/*.csv``) with its
interval and n; significance follows ``confidence`` (alpha = 1 − confidence).
"""
from __future__ import annotations

import pandas as pd

from ...operations._common import MIN_ACCOUNTS, MIN_N
from ...rules import VOC_TARGET_DAYS
from ..format import _and, _conf, _n, fmt_ci, fmt_p, fmt_points, significance_level

__all__ = ["operations_findings", "operations_scope_lines", "sla_label"]


def sla_label(days: float) -> str:
    """``2`` -> "48 hours", ``7`` -> "7 days", ``1`` -> "24 hours"."""
    return f"{24 * days:g} hours" if days <= 2 else f"{days:g} days"


def _pct(x) -> str:
    return f"{100 * x:.0f} %"


def _share(row, confidence, what="n") -> str:
    return (f"{_pct(row['share'])} ({_conf(confidence)} {_pct(row['ci_low'])} to {_pct(row['ci_high'])}, "
            f"{what} = {_n(row['n'])})")


def _shown(t: pd.DataFrame | None) -> pd.DataFrame:
    if t is None or not len(t):
        return pd.DataFrame()
    return t[~t["suppressed"].astype(bool)]


def _loop_sentences(sla, median, by_owner, by_segment, confidence, segment, as_of) -> list[str]:
    out = []
    rows = _shown(sla)
    rows = rows[rows["group"] == "all"] if len(rows) else rows
    text = ""
    if len(rows):
        parts = [f"within {sla_label(r['sla_days'])} {_share(r, confidence, 'n')}" for _, r in rows.iterrows()]
        text = "Detractors followed up " + _and(parts) + " (n: detractors whose window had closed)."
    m = _shown(median)
    if len(m) and (m["group"] == "all").any():
        r = m[m["group"] == "all"].iloc[0]
        hi = "not reached" if pd.isna(r["ci_high"]) else f"{r['ci_high']:.1f}"
        lo = "not reached" if pd.isna(r["ci_low"]) else f"{r['ci_low']:.1f}"
        med = "not reached (fewer than half were followed up)" if pd.isna(r["median_days"]) else \
            f"{r['median_days']:.1f} days"
        text += (f" Median time to the first follow-up: {med} ({_conf(confidence)} {lo} to {hi}; Kaplan–Meier, "
                 f"n = {_n(r['n'])}, {_n(r['n_open'])} still open on {as_of}).")
    if text:
        out.append(text.strip())
    behind = []
    for table, label in ((by_owner, "owner"), (by_segment, segment.replace("_", " "))):
        t = _shown(table)
        if not len(t):
            continue
        t = t[t["group"] != "all"]
        longest = t["sla_days"].max() if len(t) else None
        t = t[t["sla_days"] == longest].sort_values(["share", "level"])
        if len(t) < 2:
            continue
        worst = t.head(3 if label == "owner" else 1)
        items = [f"{r['level']} {_share(r, confidence)}" for _, r in worst.iterrows()]
        best = t.iloc[-1]
        hidden = int(table[(table["group"] != "all") & (table["sla_days"] == longest)]["suppressed"].sum())
        behind.append(f"by {label} {_and(items)}, best {best['level']} {_share(best, confidence)}"
                      + (f"; {hidden} {label}(s) with too few cases not shown" if hidden else ""))
    if behind:
        out.append(f"Furthest behind (share within {sla_label(longest)}): " + "; ".join(behind) + ".")
    return out


def _loop_effect_sentence(effect, confidence) -> list[str]:
    if effect is None or not len(effect):
        return []
    e = effect.set_index("group")
    d, a, b = e.loc["difference"], e.loc["in time"], e.loc["not in time"]
    alpha = significance_level(confidence)
    verdict = "a statistically significant difference" if d["p_value"] < alpha else \
        "no difference the data can distinguish from zero"
    def size(r):
        acc = f" from {_n(r['n_clusters'])} accounts" if "n_clusters" in r and pd.notna(r["n_clusters"]) else ""
        return f"n = {_n(r['n'])} next-wave responses{acc}"
    return [f"Next wave, accounts whose detractor was followed up in time scored {fmt_points(a['estimate'])} "
            f"({size(a)}) against {fmt_points(b['estimate'])} ({size(b)}): {verdict} "
            f"({fmt_points(d['estimate'], digits=1)} points, {_conf(confidence)} "
            f"{fmt_ci(d['ci_low'], d['ci_high'], digits=1)}, {fmt_p(d['p_value'])}). An association: regression "
            "to the mean affects both groups alike, but the design cannot exclude that easier cases are followed "
            "up faster."]


def _voc_sentences(voc, overdue_n, target_days, segment, confidence) -> list[str]:
    t = _shown(voc)
    if not len(t):
        return []
    out = []
    r = t[t["group"] == "all"].iloc[0]
    text = (f"{_pct(r['share'])} of active accounts had a VOC interview in the last {target_days[1]:g} days "
            f"({_conf(confidence)} {_pct(r['ci_low'])} to {_pct(r['ci_high'])}, n = {_n(r['n'])} accounts)"
            + (f"; {_n(overdue_n)} are overdue or never interviewed" if overdue_n is not None else ""))
    seg = t[t["group"] == segment]
    if len(seg) >= 2:
        lo, hi = seg.sort_values("share").iloc[0], seg.sort_values("share").iloc[-1]
        text += (f"; lowest {lo['level']} {_share(lo, confidence)}, highest {hi['level']} "
                 f"{_share(hi, confidence)}")
    out.append(text + ".")
    return out


def _role_sentences(rates, trend, confidence) -> list[str]:
    t = rates[~rates["suppressed"].astype(bool)] if rates is not None and len(rates) else pd.DataFrame()
    if not len(t):
        return []
    t = t.sort_values("rate")
    items = [f"{str(r['role']).replace('_', ' ')} {_pct(r['rate'])} ({_conf(confidence)} {_pct(r['ci_low'])} to "
             f"{_pct(r['ci_high'])}, n = {_n(r['n_invited'])})" for _, r in t.iterrows()]
    out = [f"Response rate by role (n = invitations): {_and(items)}; the voice most missing is the "
           f"{str(t.iloc[0]['role']).replace('_', ' ')}s'."]
    if trend is not None and len(trend):
        alpha = significance_level(confidence)
        falling = trend[(trend["slope"] < 0) & (trend["p_value"] < alpha)]
        if len(falling):
            items = [f"{str(r['role']).replace('_', ' ')} ({fmt_points(100 * r['slope'], digits=1)} points per wave, "
                     f"{_conf(confidence)} {fmt_ci(100 * r['ci_low'], 100 * r['ci_high'], digits=1)}, "
                     f"{fmt_p(r['p_value'])})" for _, r in falling.iterrows()]
            out[-1] += " Falling: " + _and(items) + "."
        else:
            out[-1] += " No role's rate is falling significantly across waves."
    return out


def _benchmark_verdict(r) -> str:
    """The interval at ``confidence`` decides: below, above, or no difference the data can distinguish."""
    if r["ci_low"] > 0:
        return "above it"
    if r["ci_high"] < 0:
        return "below it"
    return "no difference the data can distinguish"


def _benchmark_sentence(bench, confidence) -> list[str]:
    if bench is None or not len(bench):
        return []
    r0 = bench.iloc[0]
    b = bench.sort_values("difference")
    pick = [b.iloc[-1]] if len(b) == 1 else [b.iloc[-1], b.iloc[0]]
    items = [f"{fmt_points(r['difference'], digits=1)} ({_conf(confidence)} "
             f"{fmt_ci(r['ci_low'], r['ci_high'], digits=1)}) against {r['source'].split(',')[0]} {int(r['year'])} "
             f"({fmt_points(r['benchmark_nps'], digits=1)}: {_benchmark_verdict(r)})" for r in pick]
    prog_ci = (f" ({_conf(confidence)} {fmt_ci(r0['programme_ci_low'], r0['programme_ci_high'])}, n = {_n(r0['n'])})"
               if "programme_ci_low" in bench.columns else f" (n = {_n(r0['n'])})")
    fixed = (bench["interval"] == "benchmark treated as fixed").all()
    return [f"The programme's NPS of {fmt_points(r0['programme_nps'])}{prog_ci} against the "
            f"{len(bench)} supplied benchmark(s): a difference of " + " to ".join(items) + "."
            + (" Their sample sizes are not published, so the intervals show only the programme's uncertainty."
               if fixed else "")
            + " Benchmarks are rarely comparable: orientation, not a verdict."]


def _plan_item(r, margin) -> str:
    """One group's plan: responses and accounts, or the best margin when ±margin needs more accounts than exist."""
    if "reachable" in r and not bool(r["reachable"]):
        return (f"±{margin:g} is not reachable: at most ±{r['best_margin']:.0f} with every one of its "
                f"{_n(r['accounts_available'])} accounts (~{_n(r['n_responses'])} responses)")
    return f"~{_n(r['n_responses'])} responses from ~{_n(r['n_accounts'])} accounts"


def _plan_sentence(plan_table, margin, segment, confidence) -> list[str]:
    t = _shown(plan_table)
    if not len(t):
        return []
    key = segment if segment in t.columns else None
    if key:
        items = [f"{r[key]} {_plan_item(r, margin)} (last wave {_n(r['last_wave_n'])}, "
                 f"±{r['last_wave_margin']:.0f} points)" for _, r in t.iterrows()]
        head = f"To know each {segment.replace('_', ' ')}'s NPS within ±{margin:g} points next wave"
    else:
        r = t.iloc[0]
        items = [f"{_plan_item(r, margin)} (last wave {_n(r['last_wave_n'])}, ±{r['last_wave_margin']:.0f} points)"]
        head = f"To know the NPS within ±{margin:g} points next wave"
    fpc = set(t["fpc"]) if "fpc" in t.columns else set()
    note = (" Clustered by account; no finite-population correction (conservative when most accounts answer)."
            if fpc == {"none: clustered design"} else
            " No finite-population correction was made: the number of contacts is not known."
            if "none: population unknown" in fpc else "")
    return [f"{head} ({100 * confidence:g} % confidence): " + "; ".join(items) + "." + note]


def _enps_sentences(enps, link, confidence) -> list[str]:
    out = []
    t = _shown(enps)
    if len(t):
        r = t.iloc[0]
        out.append(f"Employee NPS is {fmt_points(r['nps'])} ({_conf(confidence)} {fmt_ci(r['ci_low'], r['ci_high'])}, "
                   f"n = {_n(r['n'])} answers from {_n(r['n_clusters'])} employees).")
    num = (lambda x: f"{x:.2f}".replace("-", "−"))
    if link is not None and len(link):
        r = link.iloc[0]
        if bool(r["suppressed"]):
            out.append(f"The link between team eNPS and customer NPS is not shown: {r['suppressed_reason']}.")
        else:
            alpha = significance_level(confidence)
            verdict = "a statistically significant association" if r["p_value"] < alpha else \
                "no association the data can distinguish from zero"
            sentence = (f"Across {_n(r['n_teams'])} account teams, team eNPS and the team's customer NPS correlate "
                        f"at {num(r['correlation'])} ({_conf(confidence)} {num(r['ci_low'])} to {num(r['ci_high'])}, "
                        f"{fmt_p(r['p_value'])}): {verdict} (an association across teams, not an effect).")
            if out:
                out[-1] += " " + sentence
            else:
                out.append(sentence)
    return out


def operations_findings(*, sla=None, median=None, by_owner=None, by_segment=None, loop_effect=None, voc=None,
                        voc_overdue_n=None, target_days=VOC_TARGET_DAYS, rates_by_role=None, role_trend=None,
                        bench=None, plan_table=None, margin=10.0, enps=None, enps_link=None,
                        segment="segment", as_of="", confidence=0.95, plan=None) -> list[str]:
    """Key-finding sentences of the programme-health study, from its saved tables.

    Parameters
    ----------
    sla, median : DataFrame, optional
        ``closed_loop(...).summary`` and ``.median`` (overall).
    by_owner, by_segment : DataFrame, optional
        ``closed_loop(..., by=...).summary``.
    loop_effect : DataFrame, optional
        ``loop_effect(...).summary``.
    voc : DataFrame, optional
        ``voc_cadence(...).summary``; ``voc_overdue_n`` the length of its overdue list.
    rates_by_role, role_trend : DataFrame, optional
        ``response_rates(by="role")`` and ``response_rate_trend(by="role")``.
    bench : DataFrame, optional
        :func:`kapta_research.operations.benchmark` of the overall NPS.
    plan_table : DataFrame, optional
        :func:`kapta_research.operations.plan_sample` (by ``segment`` or overall).
    enps, enps_link : DataFrame, optional
        ``employee_nps(by=None)`` and ``enps_vs_nps(...).summary``.
    segment, as_of, margin, target_days, confidence
        Wording; significance is alpha = 1 − confidence.
    plan : Plan, optional
        The study's coverage plan: when nothing could run, its reasons.

    Returns
    -------
    list of str
    """
    out = []
    out += _loop_sentences(sla, median, by_owner, by_segment, confidence, segment, as_of)
    out += _loop_effect_sentence(loop_effect, confidence)
    out += _voc_sentences(voc, voc_overdue_n, target_days, segment, confidence)
    out += _role_sentences(rates_by_role, role_trend, confidence)
    out += _benchmark_sentence(bench, confidence)
    out += _plan_sentence(plan_table, margin, segment, confidence)
    out += _enps_sentences(enps, enps_link, confidence)
    if not out and plan is not None:
        out = [s.reason for s in plan.skipped][:1]
    return out


def operations_scope_lines(programme, parameters: dict, as_of) -> list[str]:
    """Title-page scope: programme, the data's date range and the rules applied."""
    r = programme.responses
    when = ""
    if "responded_at" in r and r["responded_at"].notna().any():
        when = f" ({r['responded_at'].min():%d %b %Y} to {r['responded_at'].max():%d %b %Y})"
    return [f"Programme: {programme.name}",
            f"{_n(len(r))} responses from {_n(r['account_id'].nunique())} accounts{when}; state of the programme "
            f"on {as_of:%d %b %Y}",
            f"Intervals: {100 * parameters.get('confidence', 0.95):g} %, clustered by account where respondents "
            "share one",
            f"Groups with fewer than {parameters.get('min_n', MIN_N)} cases or fewer than {MIN_ACCOUNTS} accounts "
            "are suppressed"]
