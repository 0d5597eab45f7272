"""Point-in-time account snapshots for churn analyses (re-exported by :mod:`kapta_research.churn`).

Only data dated strictly before ``as_of`` enter a feature; the outcome looks
forward from ``as_of``.  Adding later responses, follow-ups or interviews
therefore changes no feature (tested).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ._validation import check_int
from .errors import DataError, ParameterError

__all__ = ["snapshot", "snapshots", "score_freshness", "observed_until", "SNAPSHOT_FEATURES"]

#: Feature columns of a snapshot besides the drivers.
SNAPSHOT_FEATURES = ("nps", "pct_promoters", "pct_passives", "pct_detractors", "n_responses", "n_respondents",
                     "n_roles", "has_decision_maker", "response_rate", "response_rate_trend",
                     "days_since_response", "latest_nps", "days_since_voc", "detractor_followup_7d",
                     "annual_value", "log_value")


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


def _nps_points(ltr: pd.Series) -> float:
    ltr = ltr.dropna()
    if len(ltr) == 0:
        return np.nan
    return 100.0 * (float((ltr >= 9).mean()) - float((ltr <= 6).mean()))


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
        ``log_value`` — the mean of every driver over the lookback, and the
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
    feats = pd.DataFrame({
        "nps": g["ltr"].apply(_nps_points),
        "pct_promoters": g["ltr"].apply(lambda s: 100 * float((s.dropna() >= 9).mean()) if s.notna().any() else np.nan),
        "pct_passives": g["ltr"].apply(lambda s: 100 * float(s.dropna().between(7, 8).mean()) if s.notna().any() else np.nan),
        "pct_detractors": g["ltr"].apply(lambda s: 100 * float((s.dropna() <= 6).mean()) if s.notna().any() else np.nan),
        "n_responses": g.size(),
    })
    if "contact_id" in r and r["contact_id"].notna().any():
        feats["n_respondents"] = g["contact_id"].nunique()
        if len(p.contacts):
            rr = r.merge(p.contacts[["contact_id", "role"]], on="contact_id", how="left")
            gr = rr.groupby("account_id")["role"]
            feats["n_roles"] = gr.nunique()
            feats["has_decision_maker"] = gr.apply(lambda s: bool((s == "decision_maker").any()))
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

        def slope(df):
            if len(df) < 2:
                return np.nan
            x = df["wave"].to_numpy(float)
            y = df["rate"].to_numpy(float)
            return float(np.polyfit(x - x.mean(), y, 1)[0])
        trend = per.groupby("account_id")[["wave", "rate"]].apply(slope).rename("response_rate_trend")
        out = out.merge(trend, left_on="account_id", right_index=True, how="left")
    else:
        out["response_rate"] = np.nan
        out["response_rate_trend"] = np.nan

    last = resp.groupby("account_id")["responded_at"].max()
    out["days_since_response"] = (as_of - out["account_id"].map(last)).dt.days.astype(float)
    if len(resp):
        latest_wave = resp.groupby("account_id")["wave"].max()
        lw = resp[resp["wave"] == resp["account_id"].map(latest_wave)]
        out["latest_nps"] = out["account_id"].map(lw.groupby("account_id")["ltr"].apply(_nps_points))
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


def score_freshness(data, *, predictor="latest_nps", age="days_since_response", outcome="churned",
                    bins=(0, 90, 180, 365, np.inf), cluster="account_id", higher_is_safer=True,
                    confidence=0.95, n_boot=1000, random_state=None) -> pd.DataFrame:
    """How well a score predicts churn by how old it is at the snapshot.

    Tests "NPS scores go bad quickly" on your own data: the snapshot rows
    are bucketed by the age of their latest score, and the AUC of the score
    is computed within each bucket with a cluster bootstrap CI.  Buckets
    differ in more than age (disengaged accounts answer less often), so read
    the trend, not one bucket.

    Parameters
    ----------
    data : DataFrame
        Output of :func:`snapshot` / :func:`snapshots`.
    predictor : str
        The score (higher = less churn when ``higher_is_safer``).
    age : str
        Age of the score in days.
    outcome : str
    bins : sequence of float
        Age bucket edges (days), left-closed.
    cluster : str or None
    higher_is_safer : bool
    confidence : float
    n_boot : int
    random_state : None, int or Generator

    Returns
    -------
    DataFrame
        ``age_low``, ``age_high`` (days), ``n``, ``n_events``, ``auc``,
        ``ci_low``, ``ci_high``; AUC is NaN where a bucket lacks events or
        non-events.

    Examples
    --------
    >>> import kapta_research as kr
    >>> snaps = kr.churn.snapshots(kr.load_sample(), as_of=["2024-10-01", "2025-01-01"])
    >>> fr = kr.churn.score_freshness(snaps, bins=(0, 120, 1000), random_state=0)
    >>> list(fr.columns)
    ['age_low', 'age_high', 'n', 'n_events', 'auc', 'ci_low', 'ci_high']
    """
    from ._validation import check_columns, check_confidence, check_random_state
    func = "score_freshness"
    check_columns(data, [predictor, age, outcome] + ([cluster] if cluster else []), func=func)
    confidence = check_confidence(confidence, func=func)
    n_boot = check_int(n_boot, name="n_boot", func=func, low=100)
    rng = check_random_state(random_state, func=func)
    edges = np.asarray(bins, float)
    if len(edges) < 2 or np.any(np.diff(edges) <= 0):
        raise ParameterError(f"The 'bins' parameter of {func} must be increasing edges. Got {tuple(bins)!r} instead.")
    d = data[[predictor, age, outcome] + ([cluster] if cluster else [])].dropna(subset=[predictor, age])
    rows = []
    alpha = 1 - confidence
    for lo, hi in zip(edges[:-1], edges[1:]):
        sub = d[(d[age] >= lo) & (d[age] < hi)]
        y = sub[outcome].astype(bool).to_numpy()
        s = sub[predictor].to_numpy(float) * (-1 if higher_is_safer else 1)
        row = {"age_low": lo, "age_high": hi, "n": len(sub), "n_events": int(y.sum())}
        if y.sum() == 0 or (~y).sum() == 0:
            rows.append({**row, "auc": np.nan, "ci_low": np.nan, "ci_high": np.nan})
            continue
        auc = _auc(s, y)
        groups = sub[cluster].to_numpy() if cluster else np.arange(len(sub))
        codes, idx = np.unique(groups, return_inverse=True)
        reps = []
        members = [np.flatnonzero(idx == k) for k in range(len(codes))]
        for _ in range(n_boot):
            pick = rng.integers(0, len(codes), len(codes))
            rows_b = np.concatenate([members[k] for k in pick])
            yb = y[rows_b]
            if yb.all() or not yb.any():
                continue
            reps.append(_auc(s[rows_b], yb))
        lo_ci, hi_ci = (np.quantile(reps, [alpha / 2, 1 - alpha / 2]) if len(reps) >= 50 else (np.nan, np.nan))
        rows.append({**row, "auc": auc, "ci_low": float(lo_ci), "ci_high": float(hi_ci)})
    return pd.DataFrame(rows, columns=["age_low", "age_high", "n", "n_events", "auc", "ci_low", "ci_high"])


def _auc(score: np.ndarray, y: np.ndarray) -> float:
    """Mann-Whitney AUC with ties counted 1/2."""
    from scipy.stats import rankdata
    ranks = rankdata(score)
    n1 = int(y.sum())
    n0 = len(y) - n1
    return float((ranks[y].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))
