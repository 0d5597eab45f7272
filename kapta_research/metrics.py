"""Programme health metrics: response rates and their trend."""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ._validation import check_confidence, check_int
from .errors import DataError

__all__ = ["response_rates", "response_rate_trend", "wilson_interval"]


def wilson_interval(successes, n, *, confidence=0.95):
    """Wilson score interval for a proportion (vectorised).

    Parameters
    ----------
    successes, n : array-like of float
        Counts (may be effective, non-integer counts).
    confidence : float

    Returns
    -------
    (low, high) : tuple of ndarray

    Examples
    --------
    >>> lo, hi = wilson_interval(81, 263)   # Wilson (1927) score interval
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.2553, 0.3662)
    """
    x = np.asarray(successes, float)
    n = np.asarray(n, float)
    z = stats.norm.ppf(0.5 + confidence / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / n
        denom = 1 + z ** 2 / n
        centre = (p + z ** 2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z ** 2 / (4 * n ** 2)) / denom
    return centre - half, centre + half


def response_rates(programme, *, by="wave", waves=None, cluster="account_id", confidence=0.95,
                   min_n=5) -> pd.DataFrame:
    """Share of invitations answered, per group, with cluster-aware intervals.

    A falling response rate is an early warning in its own right: disengaged
    accounts stop answering before they leave.

    Parameters
    ----------
    programme : Programme
        Needs ``invitations`` (and ``responses`` with ``invitation_id``).
    by : str or list of str
        Columns of the invitations (``wave``) or of the accounts
        (``segment``, ``region``...), joined on ``account_id``.
    waves : list of int, optional
        Keep only these waves (``None`` or empty = all).
    cluster : str or None
        Cluster column for the variance (default ``account_id``).
    confidence : float
    min_n : int
        Groups with fewer invitations are suppressed.

    Returns
    -------
    DataFrame
        The ``by`` columns, ``n_invited``, ``n_responded``, ``rate`` (0-1),
        ``se``, ``ci_low``, ``ci_high`` (Wilson interval on the effective
        sample size ``n / design effect``), ``design_effect``, ``suppressed``.

    Examples
    --------
    >>> import kapta_research as kr
    >>> rr = kr.metrics.response_rates(kr.load_sample(), by="wave")
    >>> bool(rr["rate"].between(0.25, 0.40).all())
    True
    """
    confidence = check_confidence(confidence, func="response_rates")
    min_n = check_int(min_n, name="min_n", func="response_rates", low=1)
    by = [by] if isinstance(by, str) else list(by)
    inv = programme.invitations
    if len(inv) == 0:
        raise DataError("response rates need the invitations table; the programme has none")
    if "invitation_id" not in programme.responses or programme.responses["invitation_id"].isna().all():
        raise DataError("response rates need responses.invitation_id to link responses to invitations",
                        file=programme.sources.get("responses"), column="invitation_id")
    df = inv.copy()
    if waves:
        df = df[df["wave"].isin(list(waves))]
    df["_y"] = df["invitation_id"].isin(set(programme.responses["invitation_id"].dropna())).astype(float)
    extra = [b for b in by if b not in df.columns]
    if extra:
        missing = [b for b in extra if b not in programme.accounts.columns]
        if missing:
            raise DataError(f"response_rates: no column {missing[0]!r} in invitations or accounts",
                            column=missing[0])
        df = df.merge(programme.accounts[["account_id", *extra]], on="account_id", how="left")
    rows = []
    for key, g in df.groupby(by, sort=True, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        n = len(g)
        y = g["_y"].to_numpy()
        row = dict(zip(by, key), n_invited=n, n_responded=int(y.sum()))
        if n < min_n:
            rows.append({**row, "suppressed": True})
            continue
        p = y.mean()
        v_srs = p * (1 - p) / n
        if cluster:
            resid = pd.Series(y - p).groupby(g[cluster].to_numpy()).sum()
            G = len(resid)
            var = G / (G - 1) * float((resid ** 2).sum()) / n ** 2 if G > 1 else np.nan
        else:
            var = v_srs
        deff = var / v_srs if v_srs > 0 else 1.0
        n_eff = n / max(deff, 1.0)
        lo, hi = wilson_interval(p * n_eff, n_eff, confidence=confidence)
        rows.append({**row, "rate": p, "se": float(np.sqrt(var)), "ci_low": float(lo), "ci_high": float(hi),
                     "design_effect": deff, "suppressed": False})
    cols = [*by, "n_invited", "n_responded", "rate", "se", "ci_low", "ci_high", "design_effect", "suppressed"]
    out = pd.DataFrame(rows, columns=cols)
    out["suppressed"] = out["suppressed"].astype(bool)
    return out


def response_rate_trend(programme, *, waves=None, cluster="account_id", confidence=0.95) -> pd.DataFrame:
    """Linear trend of the response rate across waves, with a cluster-robust interval.

    A linear-probability regression of "invitation answered" on the wave
    number; the standard error is cluster-robust by account (statsmodels
    ``cov_type="cluster"``), since the same accounts are invited every wave.

    Parameters
    ----------
    programme : Programme
    waves : list of int, optional
        Waves to include (``None`` or empty = all).
    cluster : str or None
    confidence : float

    Returns
    -------
    DataFrame
        One row: ``first_wave``, ``last_wave``, ``n_invited``, ``n_clusters``,
        ``slope`` (change in the response rate per wave, 0-1 scale), ``se``,
        ``ci_low``, ``ci_high``, ``p_value``.

    Examples
    --------
    >>> import kapta_research as kr
    >>> t = kr.metrics.response_rate_trend(kr.load_sample())
    >>> bool(t["ci_low"].iloc[0] <= t["slope"].iloc[0] <= t["ci_high"].iloc[0])
    True
    """
    import statsmodels.api as sm

    confidence = check_confidence(confidence, func="response_rate_trend")
    inv = programme.invitations
    if len(inv) == 0:
        raise DataError("the response-rate trend needs the invitations table; the programme has none")
    df = inv[inv["wave"].isin(list(waves))] if waves else inv
    if df["wave"].nunique() < 2:
        raise DataError("the response-rate trend needs at least two waves", column="wave")
    y = df["invitation_id"].isin(set(programme.responses["invitation_id"].dropna())).astype(float).to_numpy()
    X = sm.add_constant(df["wave"].to_numpy(float))
    model = sm.OLS(y, X)
    if cluster:
        groups = pd.factorize(df[cluster])[0]
        fit = model.fit(cov_type="cluster", cov_kwds={"groups": groups})
        n_clusters = int(groups.max() + 1)
    else:
        fit = model.fit(cov_type="HC1")
        n_clusters = len(df)
    lo, hi = fit.conf_int(alpha=1 - confidence)[1]
    return pd.DataFrame([{
        "first_wave": int(df["wave"].min()), "last_wave": int(df["wave"].max()), "n_invited": len(df),
        "n_clusters": n_clusters, "slope": float(fit.params[1]), "se": float(fit.bse[1]),
        "ci_low": float(lo), "ci_high": float(hi), "p_value": float(fit.pvalues[1])}])
