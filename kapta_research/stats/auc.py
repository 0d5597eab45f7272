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
from scipy import stats

from .resample import BootstrapResult, cluster_bootstrap

__all__ = ["delong", "weighted_auc", "weighted_aucs", "cluster_bootstrap_aucs"]


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
    """AUC with row weights (e.g. bootstrap multiplicities); ``codes`` are dense score ranks.

    NaN when the weights leave no positive or no negative.
    """
    return float(weighted_aucs(codes, n_levels, y, np.asarray(w, float)[None, :])[0])


def weighted_aucs(codes: np.ndarray, n_levels: int, y: np.ndarray, W: np.ndarray) -> np.ndarray:
    """AUCs of one score under each row of weights ``W`` (shape ``(b, n)``); NaN where a class is empty.

    ``codes`` (shape ``(n,)``) are the dense ranks ``0..n_levels-1`` of the
    score (``numpy.unique(score, return_inverse=True)[1]``); a pair tied in
    the score counts one half.
    """
    W = np.atleast_2d(np.asarray(W, float))
    y = np.asarray(y, float)
    b = W.shape[0]
    # weight per (replicate, score level): one bincount over replicate * n_levels + level
    idx = (np.arange(b)[:, None] * n_levels + np.asarray(codes)[None, :]).ravel()
    wp = np.bincount(idx, weights=(W * y).ravel(), minlength=b * n_levels).reshape(b, n_levels)
    wn = np.bincount(idx, weights=(W * (1 - y)).ravel(), minlength=b * n_levels).reshape(b, n_levels)
    total_p, total_n = wp.sum(axis=1), wn.sum(axis=1)
    below = np.cumsum(wn, axis=1) - wn
    with np.errstate(invalid="ignore", divide="ignore"):
        auc = np.sum(wp * (below + 0.5 * wn), axis=1) / (total_p * total_n)
    return np.where((total_p > 0) & (total_n > 0), auc, np.nan)


def cluster_bootstrap_aucs(y, scores, codes, *, n_boot: int, random_state=None,
                           func: str = "cluster_bootstrap_aucs") -> BootstrapResult:
    """AUCs of ``k`` scores over bootstrap resamples of whole clusters (the package's one engine).

    Parameters
    ----------
    y : array of 0/1, shape (n,)
    scores : array, shape (k, n)
    codes : array of int, shape (n,)
        Cluster code ``0..G-1`` of each row (rows are resampled with their cluster).
    n_boot : int
    random_state : None, int or numpy.random.Generator
    func : str
        Named in the warning / error about failed replicates.

    Returns
    -------
    BootstrapResult
        ``replicates`` of shape ``(n_boot - n_failed, k)``.  A replicate
        fails when the resample holds only one class (its AUC is undefined);
        failed replicates are counted in ``n_failed``, never silently dropped
        (:func:`kapta_research.stats.resample.cluster_bootstrap` warns above
        10 % and raises when all fail).

    Examples
    --------
    >>> y = np.array([0, 1, 0, 1, 1, 0, 0, 1])
    >>> s = np.array([[0.1, 0.8, 0.3, 0.6, 0.9, 0.2, 0.7, 0.4]])
    >>> res = cluster_bootstrap_aucs(y, s, np.array([0, 0, 1, 1, 2, 2, 3, 3]), n_boot=200, random_state=0)
    >>> res.replicates.shape[1], res.n_boot
    (1, 200)
    """
    y = np.asarray(y, float)
    codes = np.asarray(codes, dtype=np.int64)
    dense = [np.unique(np.asarray(s, float), return_inverse=True) for s in np.atleast_2d(scores)]

    def statistic(counts):
        W = counts[:, codes].astype(float)
        values = np.column_stack([weighted_aucs(c, len(levels), y, W) for levels, c in dense])
        return values, np.isfinite(values).all(axis=1)

    return cluster_bootstrap(statistic, codes, n_boot=n_boot, random_state=random_state, vectorized=True,
                             func=func, reason="only churned or only retained rows were drawn")
