"""Closing the loop: how fast are detractors followed up, and does it go with better scores later?

Time to follow-up
-----------------
For each response of the chosen categories (detractors by default) given on
or before ``as_of``, the time to its follow-up is ``followed_up_at −
responded_at`` in days (elapsed time, the rule of
:func:`kapta_research.rules.followed_up_within`).  A response without a
follow-up by ``as_of`` is *censored* at ``as_of − responded_at``: it is still
open.  The Kaplan-Meier curve of these times is
:func:`kapta_research.churn.survival_curves` (statsmodels ``SurvfuncRight``,
Greenwood variance, log-scale pointwise interval: R's ``survfit`` default).

SLA shares
----------
The share followed up within ``s`` days counts only responses whose window
had closed by ``as_of`` (responded at least ``s`` days before it): a response
of yesterday cannot yet have missed a 7-day window.  It is a plain count of
:func:`~kapta_research.rules.followed_up_within` over those responses, with
an account-clustered Wilson interval (:mod:`kapta_research.stats.proportion`).

Median time
-----------
The smallest time at which the Kaplan-Meier "still open" curve is at or
below 0.5; its interval is the Brookmeyer-Crowley-type interval read off the
pointwise band (the first times the lower and the upper band reach 0.5), as
R's ``print(survfit(...))`` reports it.  An end that is never reached is NaN
("not reached").

Owners
------
``by="owner"``: a follow-up's owner; a case not (yet) followed up belongs to
its account's ``account_manager`` (``"unassigned"`` without one).  Groups
below nps()'s suppression rule (fewer than ``min_n`` cases or, with
``cluster``, ``min_accounts`` accounts) are suppressed everywhere.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import rules
from .._result import Result
from .._validation import check_confidence, row_labels
from ..errors import DataError, ParameterError
from ..stats.intervals import wald_interval
from ._common import MIN_ACCOUNTS, MIN_N, account_attributes, as_timestamp, check_sla, data_as_of, shares_by

__all__ = ["closed_loop", "ClosedLoopResult", "loop_effect", "LoopEffectResult", "followup_cases"]


@dataclass(repr=False)
class ClosedLoopResult(Result):
    """Time from response to first follow-up (see :func:`closed_loop`).

    Attributes
    ----------
    summary : DataFrame
        Share followed up within each SLA: ``group`` (``"all"`` or the
        ``by`` column), ``level``, ``sla_days``, ``n`` (responses whose window
        had closed), ``n_clusters`` (accounts), ``successes``, ``share``
        (0-1), ``se``, ``ci_low``, ``ci_high``, ``design_effect``,
        ``suppressed``, ``suppressed_reason``.
    median : DataFrame
        ``group``, ``level``, ``n`` (cases), ``n_followed_up``, ``n_open``,
        ``median_days``, ``ci_low``, ``ci_high`` (NaN: not reached),
        ``suppressed``, ``suppressed_reason``.
    curve : DataFrame
        Kaplan-Meier table of the shown groups: ``group``, ``level``,
        ``time`` (days), ``n_at_risk``, ``n_events``, ``n_censored``,
        ``still_open`` (the survival estimate), ``ci_low``, ``ci_high``.
    cases : DataFrame
        One row per case: ``response_id``, ``account_id``, ``wave``,
        ``category``, ``responded_at``, ``followed_up_at``, ``owner``, the
        ``by`` column, ``days`` and ``followed_up`` (1 event, 0 censored).
    as_of, sla_days, categories, by, cluster, confidence, n, n_excluded
    """

    summary: pd.DataFrame = None
    median: pd.DataFrame = None
    curve: pd.DataFrame = None
    cases: pd.DataFrame = None
    as_of: pd.Timestamp = None
    sla_days: tuple = (2.0, 7.0)
    categories: tuple = ("detractor",)
    by: str = None
    cluster: str = "account_id"
    confidence: float = 0.95
    n: int = 0
    n_excluded: int = 0
    _title = "Closing the loop: time to follow-up"
    _info = ("as_of", "sla_days", "categories", "by", "n", "n_excluded", "confidence")


def _check_categories(categories, func):
    cats = (categories,) if isinstance(categories, str) else tuple(categories)
    bad = [c for c in cats if c not in rules.CATEGORIES]
    if not cats or bad:
        raise ParameterError(f"The 'categories' parameter of {func} must name categories among "
                             f"{', '.join(rules.CATEGORIES)}. Got {categories!r} instead.")
    return cats


def followup_cases(programme, *, categories=("detractor",), as_of=None, by=None, func="closed_loop"):
    """One row per response of ``categories`` with its follow-up, time in days and status on ``as_of``.

    Returns ``(cases, n_excluded)``; see :class:`ClosedLoopResult` for the
    columns.  Follow-ups dated before their response are an error naming
    the follow-ups file's rows.
    """
    cats = _check_categories(categories, func)
    if not programme.provided("followups"):
        raise DataError("closing the loop needs the followups table; none was given")
    resp = programme.responses
    if not programme.provided("responses", "responded_at"):
        raise DataError("closing the loop needs the responses' responded_at dates",
                        file=programme.sources.get("responses"), column="responded_at")
    as_of = data_as_of(programme) if as_of is None else as_timestamp(as_of, name="as_of", func=func)
    end = as_of.normalize() + pd.Timedelta(days=1)      # as_of counts whole: up to its midnight
    fu = programme.followups
    merged = fu.merge(resp[["response_id", "responded_at"]], on="response_id", how="left")
    early = (merged["followed_up_at"] < merged["responded_at"]).to_numpy()
    if early.any():
        raise DataError("follow-ups dated before their response", file=programme.sources.get("followups"),
                        column="followed_up_at", rows=row_labels(fu, early),
                        values=[f"{f:%Y-%m-%d %H:%M} (response {r} on {d:%Y-%m-%d %H:%M})" for f, r, d in
                                zip(merged["followed_up_at"][early], merged["response_id"][early],
                                    merged["responded_at"][early])])
    cat = pd.Series(np.asarray(rules.classify(resp["ltr"].to_numpy(float))), index=resp.index)
    keep = cat.isin(cats) & resp["responded_at"].notna()
    n_excluded = int((cat.isin(cats) & ~keep).sum() + (keep & (resp["responded_at"] >= end)).sum())
    keep &= resp["responded_at"] < end
    cases = resp.loc[keep, ["response_id", "account_id", "wave", "responded_at"]].copy()
    cases.insert(3, "category", cat[keep].astype(str).to_numpy())
    first = fu.dropna(subset=["followed_up_at"]).sort_values("followed_up_at").drop_duplicates("response_id")
    cases = cases.merge(first[["response_id", "followed_up_at", "owner"]], on="response_id", how="left")
    late = cases["followed_up_at"] >= end              # after as_of: not yet happened on that day
    cases.loc[late, ["followed_up_at"]] = pd.NaT
    done = cases["followed_up_at"].notna()
    stop = cases["followed_up_at"].where(done, end)
    cases["days"] = (stop - cases["responded_at"]).dt.total_seconds() / 86400
    cases["followed_up"] = done.astype(int)
    if by == "owner" or "owner" in (by or ()):
        mgr = (programme.accounts.drop_duplicates("account_id").set_index("account_id")["account_manager"]
               if programme.provided("accounts", "account_manager") else pd.Series(dtype=object))
        fallback = cases["account_id"].map(mgr)
        cases["owner"] = cases["owner"].where(done & cases["owner"].notna(), fallback).fillna("unassigned")
    elif by is not None:
        cases = cases.merge(account_attributes(programme, [by]), on="account_id", how="left")
    return cases.reset_index(drop=True), n_excluded, as_of, end


def _median_row(km: pd.DataFrame) -> dict:
    """Median and its interval from one Kaplan-Meier table (see the module docstring)."""
    def first(col):
        hit = km["time"][km[col] <= 0.5]
        return float(hit.iloc[0]) if len(hit) else np.nan
    return {"median_days": first("survival"), "ci_low": first("ci_low"), "ci_high": first("ci_high")}


def closed_loop(programme, *, sla_days=(2, 7), categories=("detractor",), by=None, as_of=None,
                cluster="account_id", confidence=0.95, min_n=MIN_N, min_accounts=MIN_ACCOUNTS) -> ClosedLoopResult:
    """Time from response to first follow-up: Kaplan-Meier curve, share within each SLA, median with CI.

    Scores "go bad quickly": a detractor should hear back within days (B2B
    platforms set 48 hours and a week).  Definitions are in the module
    docstring.

    Parameters
    ----------
    programme : Programme
        Needs ``responses`` with ``responded_at`` and ``followups``.
    sla_days : float or tuple of float
        Windows in days (elapsed time: 2 = 48 hours).
    categories : tuple of str
        Which responses need a follow-up (``"detractor"``, ``"passive"``, ``"promoter"``).
    by : str, optional
        ``"owner"`` or an account column (``"segment"``); groups below the
        suppression rule are suppressed.
    as_of : str or Timestamp, optional
        The day the data describe; cases still open then are censored.
        Default: the latest date in the data (:func:`~kapta_research.operations.data_as_of`).
    cluster : str or None
        Cluster column of the shares' intervals (default ``"account_id"``).
    confidence : float
    min_n, min_accounts : int
        The suppression rule (nps()'s defaults).

    Returns
    -------
    ClosedLoopResult
        ``summary`` (SLA shares), ``median``, ``curve`` and ``cases``.

    Examples
    --------
    >>> import kapta_research as kr
    >>> res = closed_loop(kr.load_sample())
    >>> res.summary[["sla_days", "n"]].to_dict("list")["sla_days"]
    [2.0, 7.0]
    >>> bool(res.median["ci_low"].iloc[0] <= res.median["median_days"].iloc[0])
    True
    """
    from ..churn.survival import survival_curves

    func = "closed_loop"
    sla = check_sla(sla_days, name="sla_days", func=func)
    confidence = check_confidence(confidence, func=func)
    if by is not None and not isinstance(by, str):
        raise ParameterError(f"The 'by' parameter of {func} must be a column name (str) or None. Got {by!r} instead.")
    if cluster is not None and cluster != "account_id":
        raise ParameterError(f"The 'cluster' parameter of {func} must be 'account_id' or None. "
                             f"Got {cluster!r} instead.")
    cases, n_excluded, as_of, end = followup_cases(programme, categories=categories, as_of=as_of, by=by, func=func)
    if len(cases) == 0:
        raise DataError(f"closing the loop found no {'/'.join(_check_categories(categories, func))} "
                        f"responses on or before {as_of:%Y-%m-%d}", column="ltr")
    group_cols = [] if by is None else [by]
    levels = [("all", "all", cases)]
    if by is not None:
        levels += [(by, lvl, sub) for lvl, sub in cases.groupby(by, dropna=False, sort=True)]
    # the suppression of each level: the same rule as the shares' (all cases of the group)
    base = shares_by(cases.assign(_one=1.0), y="_one", by=group_cols, cluster=cluster, confidence=confidence,
                     min_n=min_n, min_accounts=min_accounts)
    reasons = {"all": None}
    if by is not None:
        reasons.update({r[by]: r["suppressed_reason"] for _, r in base.iterrows()})
    shares, medians, curves = [], [], []
    for s in sla:
        closed = cases[(end - cases["responded_at"]) >= pd.Timedelta(days=s)].copy()
        closed["_y"] = rules.followed_up_within(closed["responded_at"], closed["followed_up_at"],
                                                window=pd.Timedelta(days=s)).astype(float)
        parts = [shares_by(closed, y="_y", by=[], cluster=cluster, confidence=confidence, min_n=min_n,
                           min_accounts=min_accounts).assign(group="all", level="all")]
        if by is not None:
            t = shares_by(closed, y="_y", by=[by], cluster=cluster, confidence=confidence, min_n=min_n,
                          min_accounts=min_accounts).rename(columns={by: "level"}).assign(group=by)
            hide = t["level"].map(lambda v: bool(reasons.get(v)))     # a suppressed owner stays suppressed
            cols = [c for c in t.columns if c not in ("group", "level", "suppressed", "suppressed_reason")]
            t.loc[hide, cols] = np.nan
            t.loc[hide, "suppressed_reason"] = t.loc[hide, "level"].map(reasons)
            t.loc[hide, "suppressed"] = True
            parts.append(t)
        shares.append(pd.concat(parts, ignore_index=True).assign(sla_days=s))
    summary = pd.concat(shares, ignore_index=True)
    summary = summary[["group", "level", "sla_days", *[c for c in summary.columns
                                                       if c not in ("group", "level", "sla_days")]]]
    for group, lvl, sub in levels:
        reason = reasons.get(lvl) if group != "all" else None
        row = {"group": group, "level": lvl}
        if reason:
            medians.append({**row, "suppressed": True, "suppressed_reason": reason})
            continue
        km = survival_curves(sub, duration="days", event="followed_up", confidence=confidence).summary
        medians.append({**row, "n": len(sub), "n_followed_up": int(sub["followed_up"].sum()),
                        "n_open": int((sub["followed_up"] == 0).sum()), **_median_row(km),
                        "suppressed": False, "suppressed_reason": None})
        curves.append(km.drop(columns="group").rename(columns={"survival": "still_open"})
                      .assign(group=group, level=lvl))
    median = pd.DataFrame(medians, columns=["group", "level", "n", "n_followed_up", "n_open", "median_days",
                                            "ci_low", "ci_high", "suppressed", "suppressed_reason"])
    for c in ("n", "n_followed_up", "n_open"):
        median[c] = median[c].astype("Int64")
    median["suppressed"] = median["suppressed"].astype(bool)
    curve = pd.concat(curves, ignore_index=True)
    curve = curve[["group", "level", *[c for c in curve.columns if c not in ("group", "level")]]]
    return ClosedLoopResult(summary=summary, median=median, curve=curve, cases=cases, as_of=as_of,
                            sla_days=sla, categories=_check_categories(categories, func), by=by, cluster=cluster,
                            confidence=confidence, n=len(cases), n_excluded=n_excluded)


# --------------------------------------------------------------------------
# loop_effect
# --------------------------------------------------------------------------

@dataclass(repr=False)
class LoopEffectResult(Result):
    """Next-wave score of detractors' accounts, followed up in time or not (see :func:`loop_effect`).

    Attributes
    ----------
    summary : DataFrame
        Rows ``"in time"``, ``"not in time"`` and ``"difference"``
        (column ``group``), with ``n`` (detractor responses), ``n_clusters``
        (accounts), ``estimate`` (next-wave score of the account: NPS points
        or mean 0-10 score), ``se``, ``ci_low``, ``ci_high``; the difference
        row adds ``p_value``.
    wording : str
        What the comparison can and cannot say (association, not effect).
    outcome, sla_days, n, n_excluded, confidence
    """

    summary: pd.DataFrame = None
    wording: str = ""
    outcome: str = "nps"
    sla_days: float = 7.0
    n: int = 0
    n_excluded: int = 0
    confidence: float = 0.95
    _title = "Follow-up in time and the account's next-wave score (association)"
    _info = ("outcome", "sla_days", "n", "n_excluded", "confidence", "wording")


#: What the in-time versus late comparison cannot exclude (printed with every result).
LOOP_EFFECT_CAVEAT = (
    "This is an association, not an effect of following up. Both groups start as detractors, so "
    "regression to the mean lifts both alike; but the design cannot exclude that detractors are "
    "followed up faster where the relationship is easier to repair (a reachable contact, a smaller "
    "complaint, a more attentive owner), or any other difference between the accounts.")


def loop_effect(programme, *, sla_days=7, outcome="nps", as_of=None, cluster="account_id",
                confidence=0.95) -> LoopEffectResult:
    """For detractors, the account's next-wave score when followed up within ``sla_days`` versus not.

    Each detractor response whose follow-up window had closed contributes its
    account's score in the next wave (the NPS of that account's next-wave
    responses, or their mean 0-10 score); responses whose account did not
    answer next wave are excluded (``n_excluded``).  The difference of the two
    means and its standard error come from a regression of that score on
    "followed up in time" with a cluster-robust variance by account, and the
    interval uses Student's t with ``G - 1`` degrees of freedom (the core's
    rule, :func:`kapta_research.stats.intervals.critical_value`).  It is worded
    as association (:data:`LOOP_EFFECT_CAVEAT`).

    Parameters
    ----------
    programme : Programme
    sla_days : float
        The window that counts as "in time".
    outcome : {"nps", "ltr"}
        Next-wave NPS of the account (points) or mean score (0-10).
    as_of : str or Timestamp, optional
    cluster : str
        ``"account_id"``.
    confidence : float

    Returns
    -------
    LoopEffectResult

    Examples
    --------
    >>> import kapta_research as kr
    >>> res = loop_effect(kr.load_sample())
    >>> list(res.summary["group"])
    ['in time', 'not in time', 'difference']
    """
    import statsmodels.api as sm

    func = "loop_effect"
    (sla,) = check_sla(sla_days, name="sla_days", func=func)[:1]
    confidence = check_confidence(confidence, func=func)
    if outcome not in ("nps", "ltr"):
        raise ParameterError(f"The 'outcome' parameter of {func} must be 'nps' or 'ltr'. Got {outcome!r} instead.")
    if cluster != "account_id":
        raise ParameterError(f"The 'cluster' parameter of {func} must be 'account_id'. Got {cluster!r} instead.")
    cases, n_excl, as_of, end = followup_cases(programme, as_of=as_of, func=func)
    cases = cases[(end - cases["responded_at"]) >= pd.Timedelta(days=sla)].copy()
    cases["in_time"] = rules.followed_up_within(cases["responded_at"], cases["followed_up_at"],
                                                window=pd.Timedelta(days=sla)).astype(float)
    resp = programme.responses.dropna(subset=["ltr"])
    score = (100 * rules.category_codes(resp["ltr"].to_numpy(float)) if outcome == "nps"
             else resp["ltr"].to_numpy(float))
    nxt = (pd.DataFrame({"account_id": resp["account_id"].to_numpy(), "wave": resp["wave"].to_numpy() - 1,
                         "y": score}).groupby(["account_id", "wave"])["y"].mean().rename("y").reset_index())
    d = cases.merge(nxt, on=["account_id", "wave"], how="left")
    n_excluded = n_excl + int(d["y"].isna().sum())
    d = d.dropna(subset=["y"])
    groups = pd.factorize(d["account_id"])[0]
    G = int(groups.max() + 1) if len(d) else 0
    if G < 3 or d["in_time"].nunique() < 2:
        raise DataError("loop_effect needs detractors followed up in time and not, from at least 3 accounts "
                        f"that answered the next wave; found {len(d)} responses from {G} accounts")
    X = sm.add_constant(d["in_time"].to_numpy())
    fit = sm.OLS(d["y"].to_numpy(float), X).fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
    rows = []
    for label, sel in (("in time", d["in_time"] == 1), ("not in time", d["in_time"] == 0)):
        sub = d[sel]
        g = pd.factorize(sub["account_id"])[0]
        Gs = int(g.max() + 1)
        f = sm.OLS(sub["y"].to_numpy(float), np.ones(len(sub))).fit(cov_type="cluster", cov_kwds={"groups": g},
                                                                       use_t=True)
        lo, hi = wald_interval(f.params[0], f.bse[0], confidence=confidence, df=Gs - 1) if Gs > 1 else (np.nan,) * 2
        rows.append({"group": label, "n": len(sub), "n_clusters": Gs, "estimate": float(f.params[0]),
                     "se": float(f.bse[0]), "ci_low": float(lo), "ci_high": float(hi), "p_value": np.nan})
    lo, hi = fit.conf_int(alpha=1 - confidence)[1]
    rows.append({"group": "difference", "n": len(d), "n_clusters": G, "estimate": float(fit.params[1]),
                 "se": float(fit.bse[1]), "ci_low": float(lo), "ci_high": float(hi),
                 "p_value": float(fit.pvalues[1])})
    return LoopEffectResult(summary=pd.DataFrame(rows), wording=LOOP_EFFECT_CAVEAT, outcome=outcome,
                            sla_days=sla, n=len(d), n_excluded=n_excluded, confidence=confidence)
