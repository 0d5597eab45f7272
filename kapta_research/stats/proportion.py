"""A share (proportion) with an account-clustered Wilson interval: the one rule for rates and shares.

Response rates, follow-up shares, VOC cadence shares: each is the mean of a
0/1 outcome over rows that may share an account.  The variance is the CRV1
variance of a ratio mean (:mod:`.clustered`); the interval is Wilson's on the
effective sample size of :func:`.design.interval_n` (design effect floored at
1, with the t(G − 1) correction under clustering; no variation at all: the
worst case, an intra-cluster correlation of 1).  With one cluster there is no
between-cluster variation to estimate, and no interval.
"""
from __future__ import annotations

import numpy as np

from . import clustered, design, intervals

__all__ = ["share_interval"]


def share_interval(y, *, cluster=None, confidence: float = 0.95) -> dict:
    """Share of ``y == 1`` with its (cluster-robust) standard error and Wilson interval.

    Parameters
    ----------
    y : array-like of 0/1
    cluster : array-like, optional
        Cluster labels (accounts); None treats rows as independent.
    confidence : float

    Returns
    -------
    dict
        ``n``, ``n_clusters``, ``successes``, ``estimate`` (0-1), ``se``,
        ``ci_low``, ``ci_high``, ``design_effect`` (NaN when undefined).

    Examples
    --------
    >>> r = share_interval([1, 0, 1, 1], confidence=0.95)
    >>> round(r["estimate"], 2), round(r["ci_low"], 4)
    (0.75, 0.3006)
    """
    y = np.asarray(y, dtype=float)
    n = len(y)
    out = dict(n=n, n_clusters=n, successes=int(y.sum()), estimate=np.nan, se=np.nan, ci_low=np.nan,
               ci_high=np.nan, design_effect=np.nan)
    if n == 0:
        return out
    srs = clustered.ratio_mean_variance(y)
    if cluster is None:
        r = srs
        lo, hi = intervals.wilson_interval(r.estimate * n, n, confidence=confidence)
        out.update(estimate=r.estimate, se=r.se, ci_low=float(lo), ci_high=float(hi), design_effect=1.0)
        return out
    cluster = np.asarray(cluster)
    r = clustered.ratio_mean_variance(y, cluster=cluster)
    codes, G = clustered.cluster_codes(cluster)
    out.update(n_clusters=int(G), estimate=r.estimate, se=r.se,
               design_effect=design.design_effect(r.variance, srs.variance))
    if G < 2:   # one account: no between-account variation, no interval
        return out
    n_eff = design.interval_n(n, r.variance, r.estimate * (1 - r.estimate), n_clusters=G,
                              confidence=confidence,
                              worst_case=design.worst_case_design_effect(np.ones(n), codes, G))
    lo, hi = intervals.wilson_interval(r.estimate * n_eff, n_eff, confidence=confidence)
    out.update(ci_low=float(lo), ci_high=float(hi))
    return out
