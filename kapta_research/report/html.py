"""HTML pieces of a study: tables for people, title page, key findings, manifest.

Each ``*_table_html`` takes a saved analysis table and formats it with
:mod:`kapta_research.report.format`; nothing here computes a statistic.
"""
from __future__ import annotations

import html
import re
from datetime import date

import pandas as pd

from .format import _conf, _n, _ratio, _share, _test_name, caption as _caption, driver_label, fmt_ci, fmt_p, fmt_pct, fmt_points

__all__ = ["show", "table_html", "title_html", "findings_html", "manifest_html", "not_covered_html", "skipped_html", "nps_table_html",
           "compare_table_html", "mix_table_html", "rates_table_html", "importance_table_html",
           "transition_table_html", "ipa_table_html", "odds_ratio_table_html", "predictive_table_html",
           "churn_rate_table_html", "cox_table_html", "freshness_table_html", "logrank_html"]


def show(*parts: str):
    """Display HTML parts in a notebook (no-op outside IPython; empty parts are left out)."""
    try:
        from IPython.display import HTML, display
    except ImportError:  # pragma: no cover
        return
    parts = [p for p in parts if p]  # a section that did not run contributes nothing
    if parts:
        display(HTML("\n".join(parts)))


def table_html(df: pd.DataFrame, *, caption: str | None = None, note: str | None = None) -> str:
    """A plain HTML table (strings already formatted) with optional caption and note.

    An empty table is replaced by its caption and a sentence saying so.
    """
    cap = f"<p class='kr-caption'><strong>{html.escape(caption)}</strong></p>" if caption else ""  # bold in Lab too
    if len(df) == 0:
        return (f"<div class='kr-block'>{cap}<p class='kr-note'>Nothing to show"
                f"{': ' + html.escape(note) if note else '.'}</p></div>")
    body = df.to_html(index=False, escape=True, border=0, classes="kr-table")
    # one class whatever pandas writes (pandas 3 dropped border="0" from the opening tag)
    body = re.sub(r"<table\b[^>]*>", '<table class="kr-table">', body, count=1)
    foot = f"<p class='kr-note'>{html.escape(note)}</p>" if note else ""
    # a block, not <caption>: WeasyPrint can break a page between a caption and its table
    return f"<div class='kr-block'>{cap}{body}{foot}</div>"


def title_html(title: str, *, scope: list[str], run_date: str | None = None) -> str:
    items = "".join(f"<li>{html.escape(s)}</li>" for s in scope)
    return (f"<div class='kr-title'><h1>{html.escape(title)}</h1>"
            f"<p class='kr-date'>{html.escape(run_date or date.today().isoformat())}</p>"
            f"<ul class='kr-scope'>{items}</ul></div>")


def findings_html(sentences: list[str]) -> str:
    items = "".join(f"<li>{html.escape(s)}</li>" for s in sentences)
    return f"<div class='kr-findings'><h2>Key findings</h2><ol>{items}</ol></div>"


def not_covered_html(plan) -> str:
    """The "Not covered" box of page 1: each section the data did not allow, with the reason.

    Empty when the study runs fully.  ``plan`` is a :class:`kapta_research.coverage.Plan`.
    """
    skipped = plan.skipped
    if not skipped:
        return ""
    by_reason = {}
    for s in skipped:  # one line per reason, naming every section it stops
        by_reason.setdefault(s.reason, []).append(s.title)
    items = "".join(f"<li><strong>{html.escape('; '.join(titles))}</strong> — {html.escape(reason)}</li>"
                    for reason, titles in by_reason.items())
    return f"<div class='kr-notcovered'><h2>Not covered</h2><ul>{items}</ul></div>"


def skipped_html(plan, name: str) -> str:
    """One line under a section's heading when the section did not run (empty when it did)."""
    if plan.runs(name):
        return ""
    return f"<p class='kr-note'>Not covered: {html.escape(plan.reason(name))}</p>"


def manifest_html(manifest: dict) -> str:
    def plain(x):
        if isinstance(x, (list, tuple)):
            return ", ".join(map(str, x)) if x else "(none)"
        return "(empty)" if x == "" else str(x)

    def render(v):
        if isinstance(v, dict):
            return "<br>".join(f"{html.escape(str(k))}: {html.escape(plain(x))}" for k, x in v.items())
        return html.escape(plain(v))
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{render(v)}</td></tr>" for k, v in manifest.items())
    return (f"<div class='kr-manifest'><h2>Run manifest</h2>"
            f"<p>Everything needed to reproduce this report.</p><table class='kr-table'>{rows}</table></div>")


def nps_table_html(table: pd.DataFrame, *, by=None, confidence=0.95, min_n=5, min_accounts=None,
                   caption=None) -> str:
    """NPS table for people: suppressed groups removed and counted in a note (caption default "NPS by <by>")."""
    by = [] if by is None else ([by] if isinstance(by, str) else list(by))
    if caption is None and by:
        caption = _caption("nps_by", by[0])
    shown = table[~table["suppressed"]]
    disp = pd.DataFrame({b.replace("_", " ").capitalize(): shown[b].astype(str) for b in by})
    disp["n"] = shown["n"].map(_n)
    if "n_clusters" in shown and (shown["n_clusters"] != shown["n"]).any():
        disp["Accounts"] = shown["n_clusters"].map(_n)
    disp["Promoters"] = shown["pct_promoters"].map(fmt_pct)
    disp["Passives"] = shown["pct_passives"].map(fmt_pct)
    disp["Detractors"] = shown["pct_detractors"].map(fmt_pct)
    disp["NPS"] = shown["nps"].map(fmt_points)
    disp[_conf(confidence)] = [fmt_ci(lo, hi) for lo, hi in zip(shown["ci_low"], shown["ci_high"])]
    hidden = int(table["suppressed"].sum())
    rule = f"fewer than {min_n} responses" + (f" or {min_accounts} accounts" if min_accounts else "")
    note = (f"{hidden} group(s) with {rule} suppressed." if hidden else None)
    return table_html(disp, caption=caption, note=note)


def compare_table_html(cmp: pd.DataFrame, *, confidence=0.95, caption=None, label="Group") -> str:
    """Comparisons from :func:`kapta_research.nps.compare`, suppressed rows removed."""
    shown = cmp[~cmp["suppressed"]]
    by = list(cmp.columns[:list(cmp.columns).index("group")])
    if caption is None:
        caption = _caption("changes_by", by[0]) if by else "Change since the previous wave"
    disp = pd.DataFrame({b.replace("_", " ").capitalize(): shown[b].astype(str) for b in by})
    disp = disp.assign(**{
        label: shown["group"].astype(str), "vs": shown["reference"].astype(str),
        "NPS": shown["nps"].map(lambda v: fmt_points(v, digits=1)),
        "NPS (vs)": shown["nps_reference"].map(lambda v: fmt_points(v, digits=1)),
        "Change": shown["diff"].map(lambda v: fmt_points(v, digits=1)),
        _conf(confidence): [fmt_ci(lo, hi, digits=1) for lo, hi in zip(shown["ci_low"], shown["ci_high"])],
        "p": shown["p_value"].map(lambda p: fmt_p(p).replace("p = ", "").replace("p ", "")),
        "n": [f"{_n(a)} / {_n(b)}" for a, b in zip(shown["n"], shown["n_reference"])],
    })
    hidden = int(cmp["suppressed"].sum())
    return table_html(disp, caption=caption,
                      note=f"{hidden} comparison(s) suppressed (too few responses)." if hidden else None)


def mix_table_html(mix: pd.DataFrame) -> str:
    """Pairs of groups from :func:`kapta_research.nps.mix_contrasts`, flagged pairs first."""
    if len(mix) == 0:
        return "<p class='kr-note'>Fewer than two groups large enough to compare mixes.</p>"
    m = mix.sort_values(["same_score_different_mix", "mix_distance"], ascending=[False, False])
    disp = pd.DataFrame({
        "Group A": m["group_a"].astype(str), "Group B": m["group_b"].astype(str),
        "NPS A": m["nps_a"].map(fmt_points), "NPS B": m["nps_b"].map(fmt_points),
        "Passives A": m["pct_passives_a"].map(fmt_pct), "Passives B": m["pct_passives_b"].map(fmt_pct),
        "Mix distance": m["mix_distance"].map(lambda v: f"{v:.0f} pt" + ("" if round(v) == 1 else "s")),
        "p (mix)": m["p_value_mix"].map(lambda p: fmt_p(p).replace("p = ", "").replace("p ", "")),
        "Same score, different mix": m["same_score_different_mix"].map({True: "yes", False: "no"}),
    })
    return table_html(disp, caption="Score versus mix, pairs of groups",
                      note="Flagged: NPS within 5 points but mixes at least 10 points apart. p (mix): chi-square "
                           "test of equal mixes with respondents taken as independent (optimistic when "
                           "respondents cluster in accounts).")


def rates_table_html(rates: pd.DataFrame, *, confidence=0.95) -> str:
    """Response rates from :func:`kapta_research.metrics.response_rates`."""
    shown = rates[~rates["suppressed"]]
    by = list(rates.columns[:list(rates.columns).index("n_invited")])
    disp = pd.DataFrame({b.replace("_", " ").capitalize(): shown[b].astype(str) for b in by})
    disp = disp.assign(**{
        "Invited": shown["n_invited"].map(_n), "Responded": shown["n_responded"].map(_n),
        "Rate": (100 * shown["rate"]).map(fmt_pct),
        _conf(confidence): [fmt_ci(100 * lo, 100 * hi, pct=True) for lo, hi in zip(shown["ci_low"], shown["ci_high"])],
    })
    hidden = int(rates["suppressed"].sum())
    return table_html(disp, caption="Response counts and rates",
                      note=f"{hidden} group(s) suppressed (too few invitations)." if hidden else None)


def importance_table_html(summary: pd.DataFrame, *, confidence=0.95, caption=None) -> str:
    """Relative importance table for people (shares in %, intervals, ranks)."""
    s = summary.sort_values("rank")
    disp = pd.DataFrame({"Driver": s["driver"].map(driver_label).str.capitalize(),
                         "Share of R²": s["share"].map(_share)})
    if "ci_low" in s:
        disp[_conf(confidence)] = [f"{_share(a)} to {_share(b)}" for a, b in zip(s["ci_low"], s["ci_high"])]
        disp["Rank"] = s["rank"].astype(int).astype(str)
        disp["Rank interval"] = [f"{int(a)}–{int(b)}" for a, b in zip(s["rank_ci_low"], s["rank_ci_high"])]
    else:
        disp["Rank"] = s["rank"].astype(int).astype(str)
    return table_html(disp, caption=caption)


def transition_table_html(summary: pd.DataFrame, difference: pd.DataFrame, *, confidence=0.95) -> str:
    """Side-by-side odds ratios and shares of the two transitions, with the difference test."""
    parts = []
    wide = {}
    for step in ("detractor_to_passive", "passive_to_promoter"):
        st = summary[summary["transition"] == step].set_index("driver")
        wide[step] = st
    drivers = list(wide["detractor_to_passive"].index)
    diff = difference.set_index("driver")
    rows = []
    for d in drivers:
        a, b = wide["detractor_to_passive"].loc[d], wide["passive_to_promoter"].loc[d]
        rows.append({
            "Driver": driver_label(d).capitalize(),
            "Detractor→Passive odds ratio": f"{a['odds_ratio']:.2f} ({a['or_ci_low']:.2f}–{a['or_ci_high']:.2f})",
            "Detractor→Passive share": _share(a["share"]) + (f" ({_share(a['ci_low'])}–{_share(a['ci_high'])})" if "ci_low" in a else ""),
            "Passive→Promoter odds ratio": f"{b['odds_ratio']:.2f} ({b['or_ci_low']:.2f}–{b['or_ci_high']:.2f})",
            "Passive→Promoter share": _share(b["share"]) + (f" ({_share(b['ci_low'])}–{_share(b['ci_high'])})" if "ci_low" in b else ""),
            "Differs? (p)": fmt_p(diff.loc[d, "p_value"]).replace("p = ", "").replace("p ", ""),
        })
    n1 = int(wide["detractor_to_passive"]["n"].iloc[0])
    n2 = int(wide["passive_to_promoter"]["n"].iloc[0])
    parts.append(table_html(pd.DataFrame(rows), caption="Drivers of each step (odds ratio per scale point, "
                                                          f"share of explained variation; {_conf(confidence)})",
                            note=f"Detractor→Passive: passives vs detractors, n = {_n(n1)}; Passive→Promoter: promoters vs passives, "
                                 f"n = {_n(n2)}. 'Differs?': test that the driver's effect is the same in both steps."))
    return "\n".join(parts)


def ipa_table_html(ipa: pd.DataFrame, *, confidence=0.95) -> str:
    """Importance–performance table with quadrants."""
    disp = pd.DataFrame({
        "Driver": ipa["driver"].map(driver_label).str.capitalize(),
        "Importance": [_share(s) + ("" if pd.isna(a) else f" ({_share(a)}–{_share(b)})") for s, a, b in
                       zip(ipa["share"], ipa["share_ci_low"], ipa["share_ci_high"])],
        "Mean rating": [f"{m:.2f} ({a:.2f}–{b:.2f})" for m, a, b in zip(ipa["mean"], ipa["mean_ci_low"], ipa["mean_ci_high"])],
        "Top box": [f"{t:.0f} %" for t in ipa["top_box_pct"]],
        "Quadrant": ipa["quadrant"].astype(str),
    })
    return table_html(disp, caption=f"Importance and performance ({_conf(confidence)} in brackets)",
                      note="'Uncertain': an interval straddles the importance or performance threshold.")


def odds_ratio_table_html(value, *, model, confidence=0.95) -> str:
    """Adjusted odds ratios of churn per scale point of each predictor of one model."""
    t = value.odds_ratios[value.odds_ratios["model"] == model]
    disp = pd.DataFrame({
        "Predictor": t["predictor"].map(lambda c: "NPS" if c.lower() == "nps" else driver_label(c).capitalize()),
        "Odds ratio": t["odds_ratio"].map(lambda v: f"{v:.2f}"),
        _conf(confidence): [f"{_ratio(a)} to {_ratio(b)}" for a, b in zip(t["ci_low"], t["ci_high"])],
        "p": t["p_value"].map(fmt_p),
    })
    clustered = " Standard errors allow for an account appearing at several dates." if value.cluster else ""
    return table_html(disp, caption=f"Churn odds per point, {model} model (adjusted for each other)",
                      note="Below 1: higher ratings, less churn. Among correlated drivers an odds ratio above 1 "
                           "often reflects their overlap (suppression) rather than a harmful effect." + clustered)


def predictive_table_html(value, *, confidence=0.95) -> str:
    """Model comparison table (AUC with CI, cross-validated AUC, Brier, calibration, test of added value)."""
    s = value.summary
    disp = pd.DataFrame({
        "Model": s["model"], "Predictors": s["n_predictors"].astype(str),
        "AUC": s["auc"].map(lambda v: f"{v:.2f}"),
        _conf(confidence): [f"{a:.2f} to {b:.2f}" for a, b in zip(s["auc_ci_low"], s["auc_ci_high"])],
        "CV AUC": s["cv_auc"].map(lambda v: f"{v:.2f}"), "Brier": s["brier"].map(lambda v: f"{v:.3f}"),
        "Calibration slope": s["calibration_slope"].map(lambda v: f"{v:.2f}"),
        f"Adds to {value.base or 'base'}": s["test_p_value"].map(lambda p: "–" if pd.isna(p) else fmt_p(p)),
    })
    return table_html(disp, caption="How well each model predicts churn",
                      note=f"n = {_n(s['n'].iloc[0])} account snapshots, {_n(s['n_events'].iloc[0])} churned. "
                           "AUC 0.5 = chance; cross-validated AUC is the honest out-of-sample figure. "
                           f"'Adds to {value.base or 'base'}': p-value that the model's extra predictors add "
                           f"nothing ({_test_name(value)}).")


def churn_rate_table_html(table: pd.DataFrame, *, label: str, confidence=0.95) -> str:
    """Churn rate by category with Wilson intervals."""
    key = "level" if "level" in table else "bin"
    disp = pd.DataFrame({
        label: table[key].astype(str), "Accounts": table["n"].map(_n), "Churned": table["n_events"].map(_n),
        "Churn rate": (100 * table["churn_rate"]).map(fmt_pct),
        _conf(confidence): [fmt_ci(100 * a, 100 * b, pct=True) for a, b in zip(table["ci_low"], table["ci_high"])],
    })
    lead = label if label[:2].isupper() else label[:1].lower() + label[1:]  # keep "NPS", lower "Response"
    return table_html(disp, caption=f"Churn rate by {lead}")


def cox_table_html(summary: pd.DataFrame, *, confidence=0.95, n=None, n_events=None) -> str:
    """Cox hazard ratios for people."""
    disp = pd.DataFrame({
        "Covariate": summary["covariate"].map(lambda c: driver_label(c).capitalize() if c != "nps"
                                              else "NPS (per point)"),
        "Hazard ratio": summary["hazard_ratio"].map(lambda v: f"{v:.3f}"),
        _conf(confidence): [f"{a:.3f} to {b:.3f}" for a, b in zip(summary["ci_low"], summary["ci_high"])],
        "p": summary["p_value"].map(lambda p: fmt_p(p).replace("p = ", "").replace("p ", "")),
    })
    note = (f"n = {_n(n)} accounts, {_n(n_events)} churned; a hazard ratio below 1 means a lower churn risk "
            "per point." if n is not None else None)
    return table_html(disp, caption="Cox model of time to churn (hazard ratio per point)", note=note)


def freshness_table_html(table: pd.DataFrame, *, confidence=0.95) -> str:
    disp = pd.DataFrame({
        "Score from": ["latest wave" if k == 0 else f"{k} wave{'s' if k > 1 else ''} earlier" for k in table["lag_waves"]],
        "Median age": table["median_age_days"].map(lambda v: "–" if pd.isna(v) else f"{v:.0f} days"),
        "Snapshots": table["n"].map(_n), "Churned": table["n_events"].map(_n),
        "AUC": table["auc"].map(lambda v: "–" if pd.isna(v) else f"{v:.2f}"),
        _conf(confidence): ["–" if pd.isna(a) else f"{a:.2f} to {b:.2f}" for a, b in zip(table["ci_low"], table["ci_high"])],
    })
    return table_html(disp, caption="Does a score go stale? AUC of the account NPS by the age of the wave it comes from",
                      note="Each row measures the account NPS from a single wave before the snapshot.")


def logrank_html(km) -> str:
    """One sentence for the log-rank test of a :class:`~kapta_research.churn.SurvivalResult`."""
    if km.logrank is None or len(km.logrank) == 0:
        return ""
    r = km.logrank.iloc[0]
    return (f"<p>Log-rank test of equal survival across the {len(km.groups)} groups: χ² = {r['statistic']:.1f} "
            f"on {int(r['df'])} df, {fmt_p(r['p_value'])} (n = {_n(km.n)} accounts, {_n(km.n_events)} churned).</p>")
