"""Programme health metrics: response rates and their trend."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ._validation import check_confidence, check_int
from .errors import DataError, ParameterError
from .stats import intervals
from .stats.proportion import share_from_counts

__all__ = ["response_rates", "response_rate_trend", "wilson_interval"]


#: The Wilson interval is implemented once, in :mod:`kapta_research.stats.intervals`.
wilson_interval = intervals.wilson_interval


def _check_cluster(cluster, *, func: str) -> None:
    if cluster is not None and not isinstance(cluster, str):
        raise ParameterError(f"The 'cluster' parameter of {func} must be a column name (str) or None. "
                             f"Got {cluster!r} instead.")


def _rate_counts(programme, *, by, waves, cluster) -> pd.DataFrame:
    """Invitations ``n`` and answered invitations ``k`` per (``by``, cluster) of the in-memory tables."""
    df = programme.invitations
    if waves:
        df = df[df["wave"].isin(list(waves))]
    df = df.assign(_y=df["invitation_id"].isin(programme.answered_invitations()).astype(np.int64))
    if "role" in by and "role" not in df.columns:   # the contact's role (decision maker, user, ...)
        df = df.merge(programme.contacts[["contact_id", "role"]].drop_duplicates("contact_id"),
                      on="contact_id", how="left")
    extra = [b for b in [*by, *([cluster] if cluster else [])] if b not in df.columns]
    if extra:
        df = df.merge(programme.accounts[["account_id", *extra]], on="account_id", how="left")
    keys = [*by, *([cluster] if cluster and cluster not in by else [])]
    return df.groupby(keys, sort=True, dropna=False)["_y"].agg(n="size", k="sum").reset_index()


def response_rates(programme, *, by="wave", waves=None, cluster=None, confidence=0.95,
                   min_n=5) -> pd.DataFrame:
    """Share of invitations answered, per group, with cluster-aware intervals.

    A falling response rate is an early warning in its own right: disengaged
    accounts stop answering before they leave.

    Parameters
    ----------
    programme : Programme
        Needs ``invitations`` (and ``responses`` with ``invitation_id``).
    by : str or list of str
        Columns of the invitations (``wave``), of the contacts (``role``,
        joined on ``contact_id``) or of the accounts (``segment``,
        ``region``...), joined on ``account_id``; e.g. ``["role", "segment"]``.
    waves : list of int, optional
        Keep only these waves (``None`` or empty = all).
    cluster : str or None
        Cluster column for the variance, usually ``"account_id"`` (the same
        accounts are invited every wave); None treats invitations as
        independent.  Nothing clusters by default.
    confidence : float
    min_n : int
        Groups with fewer invitations are suppressed (no numbers in the row).

    Returns
    -------
    DataFrame
        The ``by`` columns, ``n_invited``, ``n_responded``, ``rate`` (0-1),
        ``se``, ``ci_low``, ``ci_high`` (Wilson interval on the effective
        sample size of :func:`kapta_research.stats.design.interval_n`: the
        design effect floored at 1, with the t(G − 1) correction under
        clustering), ``design_effect`` (NaN when every
        invitation had the same result: undefined), ``suppressed``.

    Examples
    --------
    >>> import kapta_research as kr
    >>> rr = kr.metrics.response_rates(kr.load_sample(), by="wave", cluster="account_id")
    >>> bool(rr["rate"].between(0.25, 0.40).all())
    True
    """
    confidence = check_confidence(confidence, func="response_rates")
    _check_cluster(cluster, func="response_rates")
    min_n = check_int(min_n, name="min_n", func="response_rates", low=1)
    by = [by] if isinstance(by, str) else list(by)
    inv = programme.invitations
    if len(inv) == 0:
        raise DataError("response rates need the invitations table; the programme has none")
    if not programme.has_values("responses", "invitation_id"):
        raise DataError("response rates need responses.invitation_id to link responses to invitations",
                        file=programme.sources.get("responses"), column="invitation_id")
    if "role" in by and "role" not in inv.columns and not programme.provided("contacts", "role"):
        raise DataError("response rates by role need the contacts table with a role column",
                        file=programme.sources.get("contacts"), column="role")
    missing = [b for b in by if b not in inv.columns and b != "role" and b not in programme.accounts.columns]
    if missing:
        raise DataError(f"response_rates: no column {missing[0]!r} in invitations or accounts",
                        column=missing[0])
    eng = getattr(programme, "engine_tables", None) or {}
    if "invitations" in eng and "responses" in eng:   # invitations and responses stay in the engine
        from .engines._rates import rate_counts
        from .engines._churn import engine_tables
        counts = rate_counts(engine_tables(programme), programme, by=by, waves=waves, cluster=cluster)
    else:
        counts = _rate_counts(programme, by=by, waves=waves, cluster=cluster)
    rows = []
    for key, g in counts.groupby(by, sort=True, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        n = int(g["n"].sum())
        if n < min_n:
            rows.append({**dict(zip(by, key)), "suppressed": True})
            continue
        r = share_from_counts(g["k"].to_numpy(float), g["n"].to_numpy(float), clustered_=cluster is not None,
                              confidence=confidence)
        rows.append({**dict(zip(by, key)), "n_invited": n, "n_responded": r["successes"], "rate": r["estimate"],
                     "se": r["se"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                     "design_effect": r["design_effect"], "suppressed": False})
    cols = [*by, "n_invited", "n_responded", "rate", "se", "ci_low", "ci_high", "design_effect", "suppressed"]
    out = pd.DataFrame(rows, columns=cols)
    for c in ("n_invited", "n_responded"):   # missing in suppressed rows: no number is printed
        out[c] = out[c].astype("Int64")
    out["suppressed"] = out["suppressed"].astype(bool)
    return out


def response_rate_trend(programme, *, waves=None, cluster=None, confidence=0.95, by=None) -> pd.DataFrame:
    """Linear trend of the response rate across waves, with a cluster-robust interval.

    A linear-probability regression of "invitation answered" on the wave
    number; the standard error is cluster-robust by account (statsmodels
    ``cov_type="cluster"``), since the same accounts are invited every wave,
    and the interval and p-value use Student's t with ``G - 1`` degrees of
    freedom (normal quantiles without ``cluster``).

    Parameters
    ----------
    programme : Programme
    waves : list of int, optional
        Waves to include (``None`` or empty = all).
    cluster : str or None
    confidence : float
    by : str, optional
        One trend per group: ``"role"`` (the contact's) or an account column;
        a group with fewer than two waves gets no row.

    Returns
    -------
    DataFrame
        One row (per group, with the ``by`` column first): ``first_wave``,
        ``last_wave``, ``n_invited``, ``n_clusters``,
        ``slope`` (change in the response rate per wave, 0-1 scale), ``se``,
        ``ci_low``, ``ci_high``, ``p_value``.

    Examples
    --------
    >>> import kapta_research as kr
    >>> t = kr.metrics.response_rate_trend(kr.load_sample(), cluster="account_id")
    >>> bool(t["ci_low"].iloc[0] <= t["slope"].iloc[0] <= t["ci_high"].iloc[0])
    True
    """
    confidence = check_confidence(confidence, func="response_rate_trend")
    _check_cluster(cluster, func="response_rate_trend")
    inv = programme.invitations
    if len(inv) == 0:
        raise DataError("the response-rate trend needs the invitations table; the programme has none")
    df = inv[inv["wave"].isin(list(waves))] if waves else inv
    if df["wave"].nunique() < 2:
        raise DataError("the response-rate trend needs at least two waves", column="wave")
    if by is not None:
        if not isinstance(by, str):
            raise ParameterError(f"The 'by' parameter of response_rate_trend must be a column name (str) or "
                                 f"None. Got {by!r} instead.")
        if by == "role":
            if not programme.provided("contacts", "role"):
                raise DataError("response-rate trends by role need the contacts table with a role column",
                                file=programme.sources.get("contacts"), column="role")
            lookup = programme.contacts.drop_duplicates("contact_id").set_index("contact_id")["role"]
            keys = df["contact_id"].map(lookup)
        else:
            if by not in programme.accounts.columns or not programme.provided("accounts", by):
                raise DataError(f"response_rate_trend: no column {by!r} in the accounts", column=by)
            keys = df["account_id"].map(programme.accounts.drop_duplicates("account_id").set_index("account_id")[by])
        parts = []
        for key, idx in df.groupby(keys.to_numpy(), sort=True).groups.items():
            sub = df.loc[idx]
            if sub["wave"].nunique() < 2:
                continue
            parts.append(_trend_row(programme, sub, cluster, confidence).assign(**{by: key}))
        out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        return out[[by, *[c for c in out.columns if c != by]]] if len(out) else out
    return _trend_row(programme, df, cluster, confidence)


def _trend_row(programme, df, cluster, confidence) -> pd.DataFrame:
    import statsmodels.api as sm

    y = df["invitation_id"].isin(programme.answered_invitations()).astype(float).to_numpy()
    X = sm.add_constant(df["wave"].to_numpy(float))
    model = sm.OLS(y, X)
    if cluster:
        groups = pd.factorize(df[cluster])[0]
        # Student's t with G - 1 df under clustering (the rule of kapta_research.stats.intervals)
        fit = model.fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
        n_clusters = int(groups.max() + 1)
    else:
        fit = model.fit(cov_type="HC1")
        n_clusters = len(df)
    lo, hi = fit.conf_int(alpha=1 - confidence)[1]
    return pd.DataFrame([{
        "first_wave": int(df["wave"].min()), "last_wave": int(df["wave"].max()), "n_invited": len(df),
        "n_clusters": n_clusters, "slope": float(fit.params[1]), "se": float(fit.bse[1]),
        "ci_low": float(lo), "ci_high": float(hi), "p_value": float(fit.pvalues[1])}])
