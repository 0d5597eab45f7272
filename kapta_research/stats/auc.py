"""Area under the ROC curve: DeLong's variance, weighted AUC, cluster-bootstrap AUCs.

One implementation of the AUC for the package (churn prediction, score
freshness).  ``y`` is 0/1 (1 = event); higher scores mean "more likely 1";
ties count one half.

References
----------
DeLong, E. R., DeLong, D. M. & Clarke-Pearson, D. L. (1988). Comparing the
areas under two or more correlated receiver operating characteristic curves:
a nonparametric approach. Biometrics 44, 837-845.

Sun, X. & Xu, W. (2014). Fast implementation of DeLong's algorithm for
comparing the areas under correlated receiver operating characteristic
curves. IEEE Signal Processing Letters 21, 1389-1393.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["delong", "weighted_auc", "cluster_bootstrap_aucs"]


def delong(y: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """AUCs and their DeLong covariance matrix, fast O(k n log n) version.

    ``y`` is 0/1; ``scores`` has shape (k, n), higher meaning more likely 1.
    Midranks within positives, within negatives and overall give the
    structural components (placements) of DeLong et al. (1988) as in Sun &
    Xu (2014).
    """
    scores = np.atleast_2d(np.asarray(scores, float))
    pos = y == 1
    m = int(pos.sum())
    n = int((~pos).sum())
    x = scores[:, pos]
    yy = scores[:, ~pos]
    tx = np.apply_along_axis(stats.rankdata, 1, x)
    ty = np.apply_along_axis(stats.rankdata, 1, yy)
    tz = np.apply_along_axis(stats.rankdata, 1, np.concatenate([x, yy], axis=1))
    auc = (tz[:, :m].sum(axis=1) - m * (m + 1) / 2) / (m * n)
    v10 = (tz[:, :m] - tx) / n          # placement of each positive
    v01 = 1 - (tz[:, m:] - ty) / m      # placement of each negative
    if m < 2 or n < 2:  # a variance needs two of each class
        return auc, np.full((len(scores), len(scores)), np.nan)
    s10 = np.atleast_2d(np.cov(v10))
    s01 = np.atleast_2d(np.cov(v01))
    return auc, s10 / m + s01 / n


def weighted_auc(codes: np.ndarray, n_levels: int, y: np.ndarray, w: np.ndarray) -> float:
    """AUC with integer (bootstrap) weights; ``codes`` are dense score ranks."""
    wp = np.bincount(codes, weights=w * y, minlength=n_levels)
    wn = np.bincount(codes, weights=w * (1 - y), minlength=n_levels)
    total_p, total_n = wp.sum(), wn.sum()
    if total_p == 0 or total_n == 0:
        return float("nan")
    below = np.cumsum(wn) - wn
    return float(np.sum(wp * (below + 0.5 * wn)) / (total_p * total_n))


def cluster_bootstrap_aucs(y, scores, clusters, n_boot, rng) -> np.ndarray:
    """(n_boot, k) AUCs over bootstrap resamples of whole clusters."""
    cl = pd.factorize(clusters)[0]
    g = int(cl.max()) + 1
    dense = [np.unique(s, return_inverse=True) for s in scores]
    out = np.empty((n_boot, len(scores)))
    for b in range(n_boot):
        counts = np.bincount(rng.integers(0, g, g), minlength=g)
        w = counts[cl].astype(float)
        for k, (levels, codes) in enumerate(dense):
            out[b, k] = weighted_auc(codes, len(levels), y, w)
    return out


