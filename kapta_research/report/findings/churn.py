"""Key-finding sentences and title-page scope of the churn-correlation study (03)."""
from __future__ import annotations

import pandas as pd

from ..format import _conf, _n, _ratio, _test_name, driver_label, fmt_ci, fmt_p, fmt_points, significance_level

__all__ = ["churn_findings", "churn_scope_lines"]


def _auc_text(row, confidence) -> str:
    return (f"AUC {row['auc']:.2f} ({_conf(confidence)} {row['auc_ci_low']:.2f} to {row['auc_ci_high']:.2f}; "
            f"cross-validated {row['cv_auc']:.2f})")


def _protective_drivers_text(value, model, base, confidence) -> str | None:
    """Sentence naming the predictors whose adjusted odds ratio is below 1 with its whole CI."""
    table = getattr(value, "odds_ratios", None)
    if table is None or not len(table):
        return None
    extra = [c for c in value.predictors[model] if c not in value.predictors.get(base, [])]
    t = table[(table["model"] == model) & table["predictor"].isin(extra)]
    if not len(t):
        return None
    held = "NPS and the other drivers" if value.predictors.get(base) else "the other drivers"
    protective = t[t["ci_high"] < 1].sort_values("z").head(3)
    if not len(protective):
        return (f"Holding {held} fixed, no single driver is clearly associated with churn "
                f"(every odds ratio's {_conf(confidence)} includes 1).")
    items = [f"{driver_label(r.predictor)} (odds ratio {_ratio(r.odds_ratio)} per scale point, {_conf(confidence)} "
             f"{_ratio(r.ci_low)} to {_ratio(r.ci_high)})" for r in protective.itertuples()]
    if len(items) == 1:
        return (f"Holding {held} fixed, the driver most clearly linked to lower churn is {items[0]}; the drivers "
                f"are correlated, so this ranking is tentative.")
    listed = ", ".join(items[:-1]) + " and " + items[-1]
    return (f"Holding {held} fixed, the drivers most clearly linked to lower churn are {listed}; the drivers are "
            f"correlated, so their order is tentative.")


def _rate(row, confidence, show_conf=True) -> str:
    ci = f"{_conf(confidence)} " if show_conf else ""
    return (f"{100 * row['churn_rate']:.0f} % ({ci}{100 * row['ci_low']:.0f} % to {100 * row['ci_high']:.0f} %, "
            f"n = {_n(row['n'])})")


def churn_findings(*, value, horizon_days, by_nps=None, by_trend=None, freshness=None, base="NPS",
                   confidence=0.95, min_events=20, plan=None) -> list[str]:
    """Key-finding sentences for the churn-correlation study.

    Parameters
    ----------
    value : PredictiveValueResult
        :func:`kapta_research.churn.predictive_value`; its first model is NPS.
    horizon_days : int
    by_nps, by_trend : DataFrame, optional
        :func:`kapta_research.churn.churn_by_category` of ``nps_band`` and of
        ``response_trend_band``; the latter with ``reference="stable"``, whose
        ``rate_diff`` interval and ``p_value`` the falling-vs-stable sentence
        words.
    freshness : DataFrame, optional
        :func:`kapta_research.churn.score_freshness`.
    base : str
        Name of the NPS-only model.
    confidence : float
        Also the significance rule: a p-value below ``1 - confidence`` is called significant.
    min_events : int
        Below this many churn events the study says the data cannot tell.
    plan : Plan, optional
        :func:`kapta_research.coverage.plan` of the study: when no model
        could run (``value`` is None), the finding says why (e.g. churn
        outcomes are missing -- not "no churn events").

    Returns
    -------
    list of str
    """
    alpha = significance_level(confidence)  # never a fixed 0.05
    if value is None:
        return [plan.reason("prediction") if plan is not None else "The churn models did not run."]
    out = []
    s = value.summary.set_index("model")
    b = s.loc[base]
    events = int(b["n_events"])
    if events < min_events:
        return [f"Only {events} churn events among {_n(b['n'])} account snapshots within {horizon_days} days: too few "
                "to tell whether NPS or the drivers predict churn here. Collect more history before acting on "
                "any churn model."]
    out.append(f"Accounts' NPS predicts churn within {horizon_days} days with {_auc_text(b, confidence)}, "
               f"n = {_n(b['n'])} account snapshots of which {events} churned (0.5 = no better than chance).")
    others = [m for m in s.index if m != base]
    if others:
        r = s.loc[others[0]]
        txt = f"The {others[0]} model reaches {_auc_text(r, confidence)}"
        p_added = r.get("test_p_value", float("nan"))
        if pd.notna(p_added):
            txt += (" and adds predictive value beyond NPS" if p_added < alpha
                    else " and does not add significant predictive value beyond NPS")
            txt += f" ({_test_name(value)}, {fmt_p(p_added)})"
        for m in others[1:]:
            r2 = s.loc[m]
            txt += (f"; the {m} model reaches AUC {r2['auc']:.2f} ({r2['auc_ci_low']:.2f} to {r2['auc_ci_high']:.2f}; "
                    f"cross-validated {r2['cv_auc']:.2f})")
        out.append(txt + ".")
        drivers_text = _protective_drivers_text(value, others[0], base, confidence)
        if drivers_text:
            out.append(drivers_text)
    if by_nps is not None and len(by_nps):
        t = by_nps.set_index("level")
        lo, hi = "NPS below 0", "NPS 50 or more"
        silent = "no response" in t.index and t.loc["no response", "n"] > 0
        if lo in t.index and hi in t.index and t.loc[lo, "n"] > 0 and t.loc[hi, "n"] > 0:
            txt = (f"Accounts with an NPS below 0 churned at {_rate(t.loc[lo], confidence)}, against "
                   f"{_rate(t.loc[hi], confidence, False)} for accounts at +50 or more")
            if silent:
                txt += (f"; silent accounts (no response in the lookback) at "
                        f"{_rate(t.loc['no response'], confidence, False)}")
            out.append(txt + ".")
        elif silent:
            out.append(f"Silent accounts (no response in the lookback) churned at "
                       f"{_rate(t.loc['no response'], confidence)}.")
    if by_trend is not None and len(by_trend):
        t = by_trend.set_index("level")
        if "falling" in t.index and "stable" in t.index and t.loc["falling", "n"] > 0 and t.loc["stable", "n"] > 0:
            f = t.loc["falling"]  # rate_diff, its interval and p: churn_by_category(..., reference="stable")
            verdict = ("a significant difference" if f["p_value"] < alpha else "a difference the data cannot confirm")
            out.append(f"Where the response rate was falling, accounts churned at {_rate(f, confidence)}; "
                       f"where it was stable, at {_rate(t.loc['stable'], confidence, False)}: {verdict} (difference "
                       f"{fmt_points(100 * f['rate_diff'], digits=1)} points, {_conf(confidence)} "
                       f"{fmt_ci(100 * f['rate_diff_ci_low'], 100 * f['rate_diff_ci_high'], digits=1)}, "
                       f"{fmt_p(f['p_value'])}).")
    if freshness is not None and len(freshness.dropna(subset=["auc"])) >= 2:
        f = freshness.dropna(subset=["auc"])
        a, z = f.iloc[0], f.iloc[-1]
        overlap = not (a["ci_low"] > z["ci_high"] or z["ci_low"] > a["ci_high"])
        fresh = (f"Freshness: the latest wave's score (median {a['median_age_days']:.0f} days old) predicts churn "
                 f"with AUC {a['auc']:.2f} ({a['ci_low']:.2f} to {a['ci_high']:.2f}, n = {_n(a['n'])}); the score "
                 f"from {int(z['lag_waves'])} waves earlier (median {z['median_age_days']:.0f} days old) with "
                 f"{z['auc']:.2f} ({z['ci_low']:.2f} to {z['ci_high']:.2f}, n = {_n(z['n'])})")
        fresh += ("; the intervals overlap, so the data cannot show that older scores predict worse." if overlap
                  else ": older scores predict worse.")
        out.insert(min(2, len(out)), fresh) if len(out) > 5 else out.append(fresh)
    return out[:6]


def churn_scope_lines(programme, snaps: pd.DataFrame, parameters: dict, value=None) -> list[str]:
    """Scope of the churn study for its title page (``snaps`` None: the study could not build snapshots)."""
    if snaps is None:
        r = programme.responses
        return [f"Programme: {programme.name}",
                f"{_n(len(r))} responses from {_n(r['account_id'].nunique())} accounts; no account snapshots "
                "could be built (see Not covered)"]
    modelled = ""
    if value is not None:
        n_mod = int(value.summary["n"].iloc[0])
        modelled = (f"; {_n(n_mod)} with an NPS and every tested driver enter the models, "
                    f"{_n(len(snaps) - n_mod)} without (mostly silent accounts) are shown separately")
    return [
        f"Programme: {programme.name}",
        f"Snapshots at {', '.join(parameters.get('as_of', []))}: {_n(len(snaps))} account snapshots "
        f"({_n(snaps['account_id'].nunique())} accounts, {_n(int(snaps['churned'].sum()))} churned within "
        f"{parameters.get('horizon_days')} days){modelled}",
        f"Features use only data before each snapshot (last {parameters.get('lookback_waves')} waves)",
        f"Intervals: {100 * parameters.get('confidence', 0.95):g} %, accounts resampled as clusters",
    ]
