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

__all__ = ["share_interval", "share_from_counts"]


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
    if cluster is None:
        return share_from_counts([y.sum()], [len(y)], clustered_=False, confidence=confidence)
    codes, G = clustered.cluster_codes(np.asarray(cluster))
    k = np.bincount(codes, weights=y, minlength=G)
    n = np.bincount(codes, minlength=G).astype(float)
    return share_from_counts(k, n, clustered_=True, confidence=confidence)


def share_from_counts(successes, trials, *, clustered_: bool, confidence: float = 0.95) -> dict:
    """:func:`share_interval` of 0/1 rows given as per-cluster counts (what an engine returns).

    ``successes[g]`` of ``trials[g]`` rows in cluster ``g`` (without clustering
    any split of the totals).  Every quantity of the share is a function of
    these counts: the estimate ``m = K/N``, the plug-in SRS variance
    ``m(1-m)/N``, the CRV1 variance ``G/(G-1) Σ (k_g - m n_g)² / N²``
    (:func:`.clustered.crv1_variance`), the worst-case design effect
    ``Σ n_g² / N`` and the Wilson interval on the effective size
    (:func:`.design.interval_n`).

    Returns
    -------
    dict
        As :func:`share_interval`.

    Examples
    --------
    >>> r = share_from_counts([2, 1], [2, 2], clustered_=True)
    >>> round(r["estimate"], 2), r["n"], r["n_clusters"]
    (0.75, 4, 2)
    """
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    N, K = float(n.sum()), float(k.sum())
    G = int((n > 0).sum()) if clustered_ else int(N)
    out = dict(n=int(N), n_clusters=G, successes=int(round(K)), estimate=np.nan, se=np.nan, ci_low=np.nan,
               ci_high=np.nan, design_effect=np.nan)
    if N == 0:
        return out
    m = K / N
    v_srs = m * (1 - m) / N
    out.update(estimate=m, se=float(np.sqrt(v_srs)))
    if not clustered_:
        lo, hi = intervals.wilson_interval(m * N, N, confidence=confidence)
        out.update(ci_low=float(lo), ci_high=float(hi), design_effect=1.0)
        return out
    keep = n > 0
    k, n = k[keep], n[keep]
    var = float(clustered.crv1_variance((k - m * n) / N)) if G > 1 else float("nan")
    out.update(se=float(np.sqrt(var)) if np.isfinite(var) else float("nan"),
               design_effect=design.design_effect(var, v_srs))
    if G < 2:   # one account: no between-account variation, no interval
        return out
    n_eff = design.interval_n(N, var, m * (1 - m), n_clusters=G, confidence=confidence,
                              worst_case=float((n ** 2).sum() / N))
    lo, hi = intervals.wilson_interval(m * n_eff, n_eff, confidence=confidence)
    out.update(ci_low=float(lo), ci_high=float(hi))
    return out
