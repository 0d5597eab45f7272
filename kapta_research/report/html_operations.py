"""HTML tables of the programme-health study (05), formatted from its saved tables (no statistics here)."""
from __future__ import annotations

import pandas as pd

from ..rules import VOC_TARGET_DAYS
from .findings.operations import sla_label
from .format import _conf, _n, fmt_ci, fmt_p, fmt_points
from .html import table_html

__all__ = ["sla_table_html", "median_table_html", "cadence_table_html", "role_rates_table_html",
           "benchmark_table_html", "plan_table_html", "enps_table_html", "loop_effect_table_html",
           "enps_link_table_html"]


def _pct(x) -> str:
    return "–" if pd.isna(x) else f"{100 * x:.0f} %"


def _pct_ci(lo, hi) -> str:
    return "–" if pd.isna(lo) else f"{_pct(lo)} to {_pct(hi)}"


def _int(x) -> str:
    return "–" if pd.isna(x) else _n(x)


def _label(v) -> str:
    return str(v).replace("_", " ")


def _hidden_note(t: pd.DataFrame, what: str) -> str | None:
    k = int(t["suppressed"].astype(bool).sum()) if "suppressed" in t else 0
    return f"{k} {what} below the suppression rule are not shown." if k else None


def sla_table_html(summary: pd.DataFrame, *, confidence=0.95, caption="Detractors followed up within each window",
                   label="Group") -> str:
    """Share followed up within each SLA window (``closed_loop(...).summary``)."""
    t = summary[~summary["suppressed"].astype(bool)]
    rows = pd.DataFrame({label: [("All" if g == "all" else _label(v)) for g, v in zip(t["group"], t["level"])],
                         "Window": [sla_label(d) for d in t["sla_days"]],
                         "Followed up": [_pct(x) for x in t["share"]],
                         _conf(confidence): [_pct_ci(a, b) for a, b in zip(t["ci_low"], t["ci_high"])],
                         "Detractors": [_int(x) for x in t["n"]], "Accounts": [_int(x) for x in t["n_clusters"]]})
    return table_html(rows, caption=caption, note=_hidden_note(summary, "groups"))


def median_table_html(median: pd.DataFrame, *, confidence=0.95, label="Group",
                      caption="Median days to the first follow-up (Kaplan–Meier)") -> str:
    t = median[~median["suppressed"].astype(bool)]
    f = (lambda x: "not reached" if pd.isna(x) else f"{x:.1f}")
    rows = pd.DataFrame({label: [("All" if g == "all" else _label(v)) for g, v in zip(t["group"], t["level"])],
                         "Median days": [f(x) for x in t["median_days"]],
                         _conf(confidence): [f"{f(a)} to {f(b)}" for a, b in zip(t["ci_low"], t["ci_high"])],
                         "Cases": [_int(x) for x in t["n"]], "Still open": [_int(x) for x in t["n_open"]]})
    return table_html(rows, caption=caption, note=_hidden_note(median, "groups"))


def loop_effect_table_html(effect: pd.DataFrame, *, confidence=0.95, wording="") -> str:
    rows = pd.DataFrame({"Detractors": [_label(g) for g in effect["group"]],
                         "Account's next-wave NPS": [fmt_points(x, digits=1) for x in effect["estimate"]],
                         _conf(confidence): [fmt_ci(a, b, digits=1) for a, b in zip(effect["ci_low"], effect["ci_high"])],
                         "n": [_n(x) for x in effect["n"]], "Accounts": [_n(x) for x in effect["n_clusters"]],
                         "p": ["" if pd.isna(p) else fmt_p(p) for p in effect["p_value"]]})
    return table_html(rows, caption="Followed up in time or not: the account's next-wave NPS (association)",
                      note=wording)


def cadence_table_html(summary: pd.DataFrame, *, confidence=0.95, target_days=VOC_TARGET_DAYS) -> str:
    t = summary[~summary["suppressed"].astype(bool)]
    rows = pd.DataFrame({"Group": ["All accounts" if g == "all" else _label(v) for g, v in zip(t["group"], t["level"])],
                         f"Interviewed in the last {target_days[1]:g} days": [_pct(x) for x in t["share"]],
                         _conf(confidence): [_pct_ci(a, b) for a, b in zip(t["ci_low"], t["ci_high"])],
                         "Accounts": [_int(x) for x in t["n"]]})
    return table_html(rows, caption="VOC interview cadence", note=_hidden_note(summary, "groups"))


def role_rates_table_html(rates: pd.DataFrame, trend: pd.DataFrame | None = None, *, confidence=0.95) -> str:
    t = rates[~rates["suppressed"].astype(bool)]
    rows = pd.DataFrame({"Role": [_label(r) for r in t["role"]], "Response rate": [_pct(x) for x in t["rate"]],
                         _conf(confidence): [_pct_ci(a, b) for a, b in zip(t["ci_low"], t["ci_high"])],
                         "Invitations": [_int(x) for x in t["n_invited"]]})
    if trend is not None and len(trend):
        tr = trend.set_index("role")
        rows["Trend per wave"] = [f"{fmt_points(100 * tr.loc[r, 'slope'], digits=1)} points ({fmt_p(tr.loc[r, 'p_value'])})"
                                  if r in tr.index else "–" for r in t["role"]]
    return table_html(rows, caption="Response rate by role", note=_hidden_note(rates, "roles"))


def benchmark_table_html(bench: pd.DataFrame, *, confidence=0.95) -> str:
    rows = pd.DataFrame({"Benchmark": [f"{s.split(',')[0]} ({int(y)})" for s, y in zip(bench["source"], bench["year"])],
                         "Covers": [str(x) for x in bench["industry"]],
                         "Benchmark NPS": [fmt_points(x, digits=1) for x in bench["benchmark_nps"]],
                         "Difference": [fmt_points(x, digits=1) for x in bench["difference"]],
                         _conf(confidence): [fmt_ci(a, b, digits=1) for a, b in zip(bench["ci_low"], bench["ci_high"])]})
    if (bench["position"] != "").any():
        rows["Position"] = list(bench["position"])
    kinds = bench["interval"].unique() if len(bench) else []
    if len(kinds) > 1:
        rows["Interval"] = list(bench["interval"])
    note = " ".join([*(["Every benchmark is treated as a fixed number (its sample size is not published): the "
                        "interval shows only the programme's uncertainty."] if list(kinds) == [
                         "benchmark treated as fixed"] else []),
                     bench["caveat"].iloc[0] if len(bench) else "", "Sources and links: the benchmark file."])
    return table_html(rows, caption="Programme NPS against the supplied benchmarks", note=note)


def plan_table_html(plan: pd.DataFrame, *, segment=None, confidence=0.95) -> str:
    t = plan[~plan["suppressed"].astype(bool)]
    reach = t["reachable"].astype(bool) if "reachable" in t else pd.Series(True, index=t.index)
    fpc = t["fpc"] if "fpc" in t else pd.Series("", index=t.index)
    rows = pd.DataFrame({
        **({_label(segment).capitalize(): list(t[segment])} if segment and segment in t else {}),
        "Responses needed": [_int(x) for x in t["n_responses"]], "Accounts needed": [_int(x) for x in t["n_accounts"]],
        "Best margin (every account)": ["–" if ok else f"±{x:.0f}" for ok, x in zip(reach, t.get("best_margin", t["margin"]))],
        "Responses per account": [f"{x:.1f}" for x in t["respondents_per_account"]],
        "ICC": [f"{x:.2f}" for x in t["icc"]], "Design effect": [f"{x:.2f}" for x in t["design_effect"]],
        "Last wave": [_int(x) for x in t["last_wave_n"]],
        "Last wave's margin": ["–" if pd.isna(x) else f"±{x:.0f}" for x in t["last_wave_margin"]],
        "Population correction": [str(x).replace("none: ", "none (") + (")" if str(x).startswith("none") else "")
                                  for x in fpc]})
    margin = plan["margin"].iloc[0] if len(plan) else float("nan")
    return table_html(rows, caption=f"Responses needed for ±{margin:g} NPS points ({100 * confidence:g} % confidence)",
                      note="Rocks (2016) variance × Kish's design effect 1 + (m* − 1)·ICC, m* = Σ n² / N over the "
                           "accounts' last-wave responses; no finite-population correction under clustering "
                           "(conservative when most accounts answer); never more accounts than the group has; "
                           "rounded up.")


def enps_table_html(table: pd.DataFrame, *, confidence=0.95) -> str:
    t = table[~table["suppressed"].astype(bool)]
    rows = pd.DataFrame({"Team": [str(x) for x in t["team"]], "eNPS": [fmt_points(x) for x in t["nps"]],
                         _conf(confidence): [fmt_ci(a, b) for a, b in zip(t["ci_low"], t["ci_high"])],
                         "Answers": [_int(x) for x in t["n"]], "Employees": [_int(x) for x in t["n_clusters"]]})
    return table_html(rows, caption="Employee NPS by team", note=_hidden_note(table, "teams"))


def enps_link_table_html(summary: pd.DataFrame, *, confidence=0.95) -> str:
    """The saved ``enps_vs_nps`` table: correlation across teams with its interval, slope and p."""
    num = (lambda x: "–" if pd.isna(x) else f"{x:.2f}".replace("-", "−"))
    t = summary[~summary["suppressed"].astype(bool)]
    rows = pd.DataFrame({"Teams": [_int(x) for x in t["n_teams"]], "Correlation": [num(x) for x in t["correlation"]],
                         _conf(confidence): [f"{num(a)} to {num(b)}" for a, b in zip(t["ci_low"], t["ci_high"])],
                         "p": [fmt_p(x) for x in t["p_value"]],
                         "Customer NPS points per eNPS point": [num(x) for x in t["slope"]],
                         f"Slope {_conf(confidence)}": [f"{num(a)} to {num(b)}"
                                                        for a, b in zip(t["slope_ci_low"], t["slope_ci_high"])]})
    note = ("Pearson correlation across account teams (Fisher-z interval) and the OLS slope: an association "
            "across teams, not an effect.")
    if len(summary) and bool(summary["suppressed"].iloc[0]):
        note = f"Not shown: {summary['suppressed_reason'].iloc[0]}."
    return table_html(rows, caption="Team eNPS and the team's customer NPS across teams", note=note)
