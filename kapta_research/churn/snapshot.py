"""Point-in-time account snapshots for churn analyses (re-exported by :mod:`kapta_research.churn`).

Only data dated strictly before ``as_of`` enter a feature; the outcome looks
forward from ``as_of``.  Adding later responses, follow-ups or interviews
therefore changes no feature (tested).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .._validation import check_int
from ..errors import DataError, ParameterError

__all__ = ["snapshot", "snapshots", "score_freshness", "observed_until", "SNAPSHOT_FEATURES"]

#: Feature columns of a snapshot besides the drivers.
SNAPSHOT_FEATURES = ("nps", "pct_promoters", "pct_passives", "pct_detractors", "n_responses", "n_respondents",
                     "n_roles", "has_decision_maker", "response_rate", "response_rate_trend",
                     "days_since_response", "latest_nps", "days_since_voc", "detractor_followup_7d",
                     "annual_value", "log_value")


#: Account NPS bands of a snapshot (``nps_band``).
NPS_BANDS = ("NPS below 0", "NPS 0 to 49", "NPS 50 or more", "no response")
#: Response-rate trend bands (``response_trend_band``): slope per wave beyond ±TREND_THRESHOLD.
TREND_BANDS = ("falling", "stable", "rising", "not enough waves")
TREND_THRESHOLD = 0.05


def observed_until(programme) -> pd.Timestamp:
    """Latest date the programme's data cover (responses, invitations, follow-ups, interviews, churn)."""
    dates = [programme.responses.get("responded_at"), programme.invitations.get("sent_at"),
             programme.followups.get("followed_up_at"), programme.voc_interviews.get("interview_date"),
             programme.accounts.get("churn_date")]
    found = [pd.Series(d).max() for d in dates if d is not None and len(d) and pd.Series(d).notna().any()]
    if not found:
        raise DataError("the programme has no dated records")
    return max(found)


def _as_timestamp(value, name, func):
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        ts = pd.NaT
    if pd.isna(ts):
        raise ParameterError(f"The '{name}' parameter of {func} must be a date (e.g. '2025-01-01'). "
                             f"Got {value!r} instead.")
    return ts


def _mix_by_account(responses: pd.DataFrame) -> pd.DataFrame:
    """Account NPS (points) and promoter/passive/detractor shares (%) over scored responses."""
    scored = responses.dropna(subset=["ltr"])
    ltr = scored["ltr"]
    parts = pd.DataFrame({"pct_promoters": 100.0 * (ltr >= 9), "pct_passives": 100.0 * ltr.between(7, 8),
                          "pct_detractors": 100.0 * (ltr <= 6)}, index=scored.index)
    mix = parts.groupby(scored["account_id"]).mean()
    mix.insert(0, "nps", mix["pct_promoters"] - mix["pct_detractors"])
    return mix


def snapshot(programme, *, as_of, horizon_days=365, lookback_waves=4, until=None) -> pd.DataFrame:
    """One row per account active at ``as_of``: survey features and the churn outcome.

    Parameters
    ----------
    programme : Programme
    as_of : str or Timestamp
        The snapshot date.  Features use only records dated before it.
    horizon_days : int
        Outcome window: ``churned`` is True when the account churns within
        ``horizon_days`` after ``as_of``.
    lookback_waves : int
        Survey features use the latest ``lookback_waves`` waves invited
        before ``as_of``.
    until : str or Timestamp, optional
        End of observation (default: :func:`observed_until`).  The horizon
        must end by then, else ``churned`` would be unknown for survivors.

    Returns
    -------
    DataFrame
        ``account_id``, ``as_of``, ``segment``, ``region`` (when present),
        the features in :data:`SNAPSHOT_FEATURES` — account NPS (points) and
        P/P/D shares over the lookback, ``n_responses``, ``n_respondents``,
        ``n_roles``, ``has_decision_maker``, ``response_rate`` (0-1) and
        ``response_rate_trend`` (least-squares slope of the per-wave rate,
        per wave), ``days_since_response``, ``latest_nps`` (the latest wave's
        account NPS), ``days_since_voc``, ``detractor_followup_7d`` (share of
        the lookback's detractors followed up within 7 days), ``annual_value``,
        ``log_value`` — the mean of every driver over the lookback,
        ``nps_band`` (:data:`NPS_BANDS`), ``response_trend_band``
        (:data:`TREND_BANDS`: a slope of the response rate beyond ±5 points
        per wave counts as falling / rising), and the
        outcome: ``churned`` (bool), ``days_to_event`` and ``event`` (churn
        observed by ``until``; for survival models).  Accounts without
        responses in the lookback have NaN survey features.

    Examples
    --------
    >>> import kapta_research as kr
    >>> snap = kr.churn.snapshot(kr.load_sample(), as_of="2025-01-01")
    >>> int(snap["churned"].sum()) > 0, bool((snap["days_to_event"] > 0).all())
    (True, True)
    """
    func = "snapshot"
    from ..io import Programme
    if not isinstance(programme, Programme):
        raise ParameterError(f"The 'programme' parameter of {func} must be a Programme (from kr.load_programme or "
                             f"kr.load_sample). Got {type(programme).__name__} instead.")
    as_of = _as_timestamp(as_of, "as_of", func)
    horizon_days = check_int(horizon_days, name="horizon_days", func=func, low=1)
    lookback_waves = check_int(lookback_waves, name="lookback_waves", func=func, low=1)
    end = observed_until(programme) if until is None else _as_timestamp(until, "until", func)
    p = programme
    inv = p.invitations[p.invitations["sent_at"] < as_of]
    resp = p.responses[p.responses["responded_at"] < as_of]
    first = min(x for x in (p.responses["responded_at"].min(), p.invitations["sent_at"].min() if len(p.invitations)
                            else pd.NaT) if pd.notna(x))
    if as_of <= first:
        raise ParameterError(f"The 'as_of' parameter of {func} must be after the first survey data "
                             f"({first.date()}). Got {as_of.date()} instead.")
    if as_of + pd.Timedelta(days=horizon_days) > end:
        raise ParameterError(
            f"The outcome window of {func} ({as_of.date()} + {horizon_days} days = "
            f"{(as_of + pd.Timedelta(days=horizon_days)).date()}) runs past the end of the data ({end.date()}), "
            "so churn would be unknown for survivors: choose an earlier 'as_of' or a shorter 'horizon_days'.")
    acc = p.accounts.copy()
    churn_date = acc["churn_date"] if "churn_date" in acc else pd.Series(pd.NaT, index=acc.index)
    since = acc["customer_since"] if "customer_since" in acc else pd.Series(pd.NaT, index=acc.index)
    active = (churn_date.isna() | (churn_date > as_of)) & (since.isna() | (since < as_of))
    acc = acc[active].reset_index(drop=True)
    if len(acc) == 0:
        raise DataError(f"no account is active at {as_of.date()}")
    out = pd.DataFrame({"account_id": acc["account_id"], "as_of": as_of})
    for c in ("segment", "region"):
        if c in acc:
            out[c] = acc[c].to_numpy()

    waves_seen = sorted(inv["wave"].unique()) if len(inv) else sorted(resp["wave"].unique())
    look = set(waves_seen[-lookback_waves:])
    r = resp[resp["wave"].isin(look)]
    g = r.groupby("account_id")
    # every account that answered in the lookback, even if none of its answers has an LTR score
    feats = _mix_by_account(r).reindex(g.size().index)
    feats["n_responses"] = g.size()
    if "contact_id" in r and r["contact_id"].notna().any():
        feats["n_respondents"] = g["contact_id"].nunique()
        if len(p.contacts):
            rr = r.merge(p.contacts[["contact_id", "role"]], on="contact_id", how="left")
            feats["n_roles"] = rr.groupby("account_id")["role"].nunique()
            feats["has_decision_maker"] = (rr["role"] == "decision_maker").groupby(rr["account_id"]).any()
    for d in p.drivers:
        feats[d] = g[d].mean()
    out = out.merge(feats, left_on="account_id", right_index=True, how="left")
    for c in ("n_responses", "n_respondents", "n_roles"):
        if c in out:
            out[c] = out[c].fillna(0).astype(int)
    if "has_decision_maker" in out:
        out["has_decision_maker"] = out["has_decision_maker"].astype("boolean").fillna(False).astype(bool)

    # response rate and its trend over the lookback waves
    if len(inv):
        i = inv[inv["wave"].isin(look)].copy()
        i["responded"] = i["invitation_id"].isin(set(resp["invitation_id"].dropna()))
        per = i.groupby(["account_id", "wave"])["responded"].mean().rename("rate").reset_index()
        out = out.merge(i.groupby("account_id")["responded"].mean().rename("response_rate"),
                        left_on="account_id", right_index=True, how="left")

        # least-squares slope per account: cov(wave, rate) / var(wave), NaN with fewer than 2 waves
        gw = per.groupby("account_id")
        xc = per["wave"] - gw["wave"].transform("mean")
        yc = per["rate"] - gw["rate"].transform("mean")
        sxx = (xc * xc).groupby(per["account_id"]).sum()
        sxy = (xc * yc).groupby(per["account_id"]).sum()
        trend = (sxy / sxx.where(sxx > 0)).rename("response_rate_trend")
        out = out.merge(trend, left_on="account_id", right_index=True, how="left")
    else:
        out["response_rate"] = np.nan
        out["response_rate_trend"] = np.nan

    last = resp.groupby("account_id")["responded_at"].max()
    out["days_since_response"] = (as_of - out["account_id"].map(last)).dt.days.astype(float)
    if len(resp):
        latest_wave = resp.groupby("account_id")["wave"].max()
        lw = resp[resp["wave"] == resp["account_id"].map(latest_wave)]
        out["latest_nps"] = out["account_id"].map(_mix_by_account(lw)["nps"])
    voc = p.voc_interviews
    voc = voc[voc["interview_date"] < as_of] if len(voc) else voc
    last_voc = voc.groupby("account_id")["interview_date"].max() if len(voc) else pd.Series(dtype="datetime64[ns]")
    out["days_since_voc"] = (as_of - out["account_id"].map(last_voc)).dt.days.astype(float)
    det = r[r["ltr"] <= 6][["response_id", "account_id", "responded_at"]]
    if len(det):
        fu = p.followups[p.followups["followed_up_at"] < as_of] if len(p.followups) else p.followups
        det = det.merge(fu[["response_id", "followed_up_at"]], on="response_id", how="left") if len(fu) \
            else det.assign(followed_up_at=pd.NaT)
        det["ok"] = (det["followed_up_at"] - det["responded_at"]).dt.total_seconds() <= 7 * 86400
        out["detractor_followup_7d"] = out["account_id"].map(det.groupby("account_id")["ok"].mean())
    else:
        out["detractor_followup_7d"] = np.nan
    out["annual_value"] = acc["annual_value"].to_numpy(float) if "annual_value" in acc else np.nan
    out["log_value"] = np.log(out["annual_value"].where(out["annual_value"] > 0))

    out["nps_band"] = pd.Categorical(
        np.select([out["nps"].isna(), out["nps"] < 0, out["nps"] < 50], ["no response", "NPS below 0", "NPS 0 to 49"],
                  default="NPS 50 or more"), categories=NPS_BANDS, ordered=True)
    trend = out["response_rate_trend"]
    out["response_trend_band"] = pd.Categorical(
        np.select([trend.isna(), trend <= -TREND_THRESHOLD, trend >= TREND_THRESHOLD],
                  ["not enough waves", "falling", "rising"], default="stable"),
        categories=TREND_BANDS, ordered=True)
    cd = out["account_id"].map(p.accounts.set_index("account_id")["churn_date"]) if "churn_date" in p.accounts \
        else pd.Series(pd.NaT, index=out.index)
    horizon_end = as_of + pd.Timedelta(days=horizon_days)
    out["churned"] = (cd.notna() & (cd <= horizon_end)).to_numpy()
    out["event"] = (cd.notna() & (cd <= end)).to_numpy()
    out["days_to_event"] = np.where(out["event"], (cd - as_of).dt.days, (end - as_of).days).astype(float)
    return out


def snapshots(programme, *, as_of, horizon_days=365, lookback_waves=4, until=None) -> pd.DataFrame:
    """Stack :func:`snapshot` over several dates (more events; cluster by ``account_id``).

    Parameters
    ----------
    as_of : list of dates
    horizon_days, lookback_waves, until : as in :func:`snapshot`

    Returns
    -------
    DataFrame
        The snapshot columns, one row per (account, as_of).
    """
    if isinstance(as_of, (str, pd.Timestamp)) or not hasattr(as_of, "__iter__"):
        as_of = [as_of]
    as_of = list(as_of)
    if not as_of:
        raise ParameterError("The 'as_of' parameter of snapshots must list at least one date. Got [] instead.")
    frames = [snapshot(programme, as_of=a, horizon_days=horizon_days, lookback_waves=lookback_waves, until=until)
              for a in as_of]
    return pd.concat(frames, ignore_index=True)


def score_freshness(programme, *, as_of, horizon_days=365, lags=(0, 1, 2, 3), cluster=True,
                    confidence=0.95, n_boot=1000, random_state=None) -> pd.DataFrame:
    """How well an account's NPS predicts churn as the score ages.

    Tests "NPS scores go bad quickly" on your own data.  At each snapshot
    date the account NPS is measured from one wave only: the latest wave
    before ``as_of`` (lag 0), the wave before it (lag 1), and so on.  Each
    lag's AUC for churn within ``horizon_days`` is computed on the accounts
    that answered in that wave, with a bootstrap CI that resamples accounts.
    A falling AUC with the lag means the score goes stale.

    Parameters
    ----------
    programme : Programme
    as_of : str or list of str
        Snapshot date(s); several dates are stacked (more events).
    horizon_days : int
    lags : sequence of int
        Waves back from the latest wave before each snapshot.
    cluster : bool
        Resample accounts (True) or snapshot rows (False) in the bootstrap.
    confidence : float
    n_boot : int
    random_state : None, int or Generator

    Returns
    -------
    DataFrame
        ``lag_waves``, ``median_age_days`` (median age of the scores at the
        snapshot), ``n`` (account snapshots with a score in that wave),
        ``n_events``, ``auc`` (of lower NPS for churn; 0.5 = chance),
        ``ci_low``, ``ci_high``.  AUC is NaN where a lag has no events or no
        non-events.

    Examples
    --------
    >>> import kapta_research as kr
    >>> fr = kr.churn.score_freshness(kr.load_sample(), as_of=["2024-10-01", "2025-01-01"], lags=(0, 2),
    ...                               n_boot=200, random_state=0)
    >>> list(fr.columns)
    ['lag_waves', 'median_age_days', 'n', 'n_events', 'auc', 'ci_low', 'ci_high']
    """
    from .._validation import check_confidence, check_random_state
    func = "score_freshness"
    confidence = check_confidence(confidence, func=func)
    n_boot = check_int(n_boot, name="n_boot", func=func, low=100)
    rng = check_random_state(random_state, func=func)
    lags = [check_int(k, name="lags", func=func, low=0) for k in lags]
    if not lags:
        raise ParameterError(f"The 'lags' parameter of {func} must list at least one lag. Got [] instead.")
    dates = [as_of] if isinstance(as_of, (str, pd.Timestamp)) else list(as_of)
    parts = []
    for a in dates:
        snap = snapshot(programme, as_of=a, horizon_days=horizon_days, lookback_waves=1)
        ts = snap["as_of"].iloc[0]
        resp = programme.responses[programme.responses["responded_at"] < ts]
        waves = sorted(resp["wave"].unique())
        for k in lags:
            if k >= len(waves):
                continue
            w = waves[-1 - k]
            rw = resp[resp["wave"] == w]
            score = _mix_by_account(rw)["nps"]
            age = (ts - rw.groupby("account_id")["responded_at"].max()).dt.days
            part = snap[["account_id", "churned"]].assign(
                lag_waves=k, score=snap["account_id"].map(score), age=snap["account_id"].map(age))
            parts.append(part.dropna(subset=["score"]))
    d = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["account_id", "churned", "lag_waves", "score", "age"])
    alpha = 1 - confidence
    rows = []
    for k in lags:
        sub = d[d["lag_waves"] == k]
        y = sub["churned"].astype(bool).to_numpy()
        s = -sub["score"].to_numpy(float)
        row = {"lag_waves": k, "median_age_days": float(sub["age"].median()) if len(sub) else np.nan,
               "n": len(sub), "n_events": int(y.sum())}
        if y.sum() == 0 or (~y).sum() == 0:
            rows.append({**row, "auc": np.nan, "ci_low": np.nan, "ci_high": np.nan})
            continue
        groups = sub["account_id"].to_numpy() if cluster else np.arange(len(sub))
        codes, idx = np.unique(groups, return_inverse=True)
        order = np.argsort(idx, kind="stable")
        starts = np.searchsorted(idx[order], np.arange(len(codes)))
        sizes = np.bincount(idx, minlength=len(codes))
        reps = []
        for _ in range(n_boot):
            pick = rng.integers(0, len(codes), len(codes))
            rows_b = np.concatenate([order[starts[c]:starts[c] + sizes[c]] for c in pick])
            yb = y[rows_b]
            if yb.all() or not yb.any():
                continue
            reps.append(_auc(s[rows_b], yb))
        lo, hi = np.quantile(reps, [alpha / 2, 1 - alpha / 2]) if len(reps) >= 50 else (np.nan, np.nan)
        rows.append({**row, "auc": _auc(s, y), "ci_low": float(lo), "ci_high": float(hi)})
    return pd.DataFrame(rows, columns=["lag_waves", "median_age_days", "n", "n_events", "auc", "ci_low", "ci_high"])


def _auc(score: np.ndarray, y: np.ndarray) -> float:
    """Mann-Whitney AUC with ties counted 1/2."""
    from scipy.stats import rankdata
    ranks = rankdata(score)
    n1 = int(y.sum())
    n0 = len(y) - n1
    return float((ranks[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))
