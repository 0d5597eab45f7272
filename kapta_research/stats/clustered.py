"""Cluster sums and cluster-robust (CRV1) variances of ratio means.

A (weighted) ratio mean ``m = Σ w_i y_i / Σ w_i`` has the linearisation
(Taylor) variance

    V(m) = c · Σ_g (Σ_{i∈g} w_i (y_i − m))² / W²,    W = Σ w_i,

with the CRV1 small-sample factor ``c = G / (G − 1)`` over ``G`` clusters
(Cameron & Miller 2015, §VI; Stata's ``vce(cluster)`` for a mean without the
``(N−1)/(N−K)`` factor, which is 1 for an intercept-only model up to
``N/(N−1)``; R ``survey::svymean`` on a one-stage cluster design
``svydesign(ids=~cluster, weights=~w)`` gives the same number).  Without
clusters each row is its own cluster and no factor is applied (``c = 1``),
the plug-in SRS variance ``Σ w_i² (y_i − m)² / W²`` (for ``w = 1``:
``s²·(n−1)/n / n``), which is what the NPS literature uses (Rocks 2016).

A difference of two ratio means ``m_a − m_b`` estimated on groups that may
share clusters (waves answered by the same accounts) has

    V(m_a − m_b) = c · Σ_g (u_{g,a} − u_{g,b})²,
    u_{g,k} = Σ_{i∈g, i∈k} w_i (y_i − m_k) / W_k,

summed over the union of clusters (a cluster absent from a group has
``u = 0`` there).  Independent groups without clusters give
``V = Σ u_a² + Σ u_b²``.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

__all__ = ["cluster_codes", "cluster_sums", "crv1_factor", "crv1_variance", "RatioVariance",
           "ratio_mean_variance", "ratio_mean_difference_variance", "ratio_mean_correlation"]


class RatioVariance(NamedTuple):
    """Estimate, variance, standard error and number of clusters of a (difference of) ratio mean(s)."""
    estimate: float
    variance: float
    se: float
    n_clusters: int


def cluster_codes(labels) -> tuple[np.ndarray, int]:
    """Dense integer codes ``0..G-1`` of cluster labels (first-appearance order) and ``G``.

    Examples
    --------
    >>> cluster_codes(["b", "a", "b"])
    (array([0, 1, 0]), 2)
    """
    codes, uniques = pd.factorize(np.asarray(labels, dtype=object), sort=False)
    if (codes < 0).any():
        raise ValueError("cluster labels must not be missing")
    return codes.astype(np.int64), len(uniques)


def cluster_sums(values, codes, n_clusters: int) -> np.ndarray:
    """Per-cluster sums of ``values`` (1-D, or 2-D summed per column), rows in code order.

    Examples
    --------
    >>> cluster_sums([1.0, 2.0, 3.0], [0, 1, 0], 2)
    array([4., 2.])
    """
    v = np.asarray(values, dtype=float)
    codes = np.asarray(codes, dtype=np.int64)
    if v.ndim == 1:
        return np.bincount(codes, weights=v, minlength=n_clusters)
    return np.column_stack([np.bincount(codes, weights=v[:, j], minlength=n_clusters)
                            for j in range(v.shape[1])])


def crv1_factor(n_clusters: int) -> float:
    """The CRV1 small-sample factor ``G / (G − 1)``; NaN for fewer than two clusters."""
    return n_clusters / (n_clusters - 1) if n_clusters > 1 else float("nan")


def crv1_variance(totals, *, axis: int = 0):
    """``G/(G−1) · Σ_g t_g²`` of per-cluster score totals ``t_g`` (NaN if G < 2).

    Examples
    --------
    >>> float(crv1_variance([1.0, -1.0]))
    4.0
    """
    t = np.asarray(totals, dtype=float)
    G = t.shape[axis]
    return crv1_factor(G) * (t ** 2).sum(axis=axis)


def ratio_mean_variance(y, w=None, cluster=None) -> RatioVariance:
    """Ratio mean of ``y`` with its linearisation variance (CRV1 with ``cluster``).

    Parameters
    ----------
    y : array-like of float
        Values (e.g. NPS codes −1/0/1, or 0/1 indicators).
    w : array-like of float, optional
        Non-negative weights (default 1).
    cluster : array-like, optional
        Cluster labels; ``None`` treats every row as independent (no factor).

    Returns
    -------
    RatioVariance
        ``estimate``, ``variance``, ``se`` and ``n_clusters`` (rows without
        ``cluster``).  With one cluster the variance is NaN: between-cluster
        variation cannot be estimated.

    Examples
    --------
    >>> r = ratio_mean_variance([1, 0, 1, 1], cluster=["a", "a", "b", "c"])
    >>> round(r.estimate, 4), round(r.se, 4), r.n_clusters
    (0.75, 0.1875, 3)
    """
    y = np.asarray(y, dtype=float)
    w = np.ones_like(y) if w is None else np.asarray(w, dtype=float)
    W = w.sum()
    m = float((w * y).sum() / W)
    resid = w * (y - m)
    if cluster is None:
        var = float((resid ** 2).sum() / W ** 2)
        G = len(y)
    else:
        codes, G = cluster_codes(cluster)
        sums = cluster_sums(resid, codes, G)
        var = float(G / (G - 1) * (sums ** 2).sum() / W ** 2) if G > 1 else float("nan")
    return RatioVariance(m, var, float(np.sqrt(var)) if np.isfinite(var) else float("nan"), int(G))


def ratio_mean_difference_variance(y_a, y_b, *, w_a=None, w_b=None, cluster_a=None,
                                   cluster_b=None) -> RatioVariance:
    """Difference ``m_a − m_b`` of two ratio means with its (joint) variance.

    With ``cluster_a`` and ``cluster_b`` (labels in one vocabulary) the
    covariance of groups that share clusters is included: the per-cluster
    linearised scores of the two groups are subtracted within each cluster of
    the union before the CRV1 sum.  Without clusters the groups are taken as
    independent samples of independent rows.

    Returns
    -------
    RatioVariance
        ``estimate`` = ``m_a − m_b``; ``n_clusters`` is the size of the union
        of clusters (rows of both groups without clusters).

    Examples
    --------
    >>> r = ratio_mean_difference_variance([1, 1, 0], [0, 0, 1])
    >>> round(r.estimate, 4), round(r.variance, 4)
    (0.3333, 0.1481)
    """
    ma, ua = _linearised_scores(y_a, w_a)
    mb, ub = _linearised_scores(y_b, w_b)
    if (cluster_a is None) != (cluster_b is None):
        raise ValueError("give clusters for both groups or for neither")
    if cluster_a is None:
        var = float((ua ** 2).sum() + (ub ** 2).sum())
        G = len(ua) + len(ub)
    else:
        codes, G = _union_codes(cluster_a, cluster_b)
        per_cluster = cluster_sums(np.concatenate([ua, -ub]), codes, G)
        var = float(crv1_variance(per_cluster)) if G > 1 else float("nan")
    return RatioVariance(ma - mb, var, float(np.sqrt(var)) if np.isfinite(var) else float("nan"), int(G))


def ratio_mean_correlation(y_a, y_b, *, cluster_a, cluster_b, w_a=None, w_b=None) -> float:
    """Correlation of two groups' ratio means through the clusters they share.

    With the linearised scores ``u_{g,k}`` of the module docstring summed per
    cluster of the union, the correlation is

        r = Σ_g u_{g,a} u_{g,b} / sqrt(Σ_g u_{g,a}² · Σ_g u_{g,b}²),

    the covariance ``Cov(m_a, m_b)`` over the product of the standard errors
    (the CRV1 factor cancels).  It is what a MOVER interval of ``m_a − m_b``
    needs for groups measured on overlapping accounts (Zou & Donner 2008,
    eq. 3).  Groups without a shared cluster (or a zero variance) give 0.

    Parameters
    ----------
    y_a, y_b : array-like of float
        Values of the two groups.
    cluster_a, cluster_b : array-like
        Cluster labels of each group's rows, in one vocabulary.
    w_a, w_b : array-like of float, optional
        Non-negative weights (default 1).

    Returns
    -------
    float
        In [−1, 1].

    Examples
    --------
    >>> r = ratio_mean_correlation([1, 0, 1], [1, 0], cluster_a=["a", "b", "c"],
    ...                            cluster_b=["a", "b"])
    >>> round(r, 4)
    0.866
    """
    _, ua = _linearised_scores(y_a, w_a)
    _, ub = _linearised_scores(y_b, w_b)
    codes, G = _union_codes(cluster_a, cluster_b)
    ta = cluster_sums(ua, codes[:len(ua)], G)
    tb = cluster_sums(ub, codes[len(ua):], G)
    denom = np.sqrt((ta ** 2).sum() * (tb ** 2).sum())
    return float((ta * tb).sum() / denom) if denom > 0 else 0.0


def _linearised_scores(y, w) -> tuple[float, np.ndarray]:
    """Ratio mean ``m`` of ``y`` and its per-row linearised scores ``w_i (y_i − m) / W``."""
    y = np.asarray(y, dtype=float)
    w = np.ones_like(y) if w is None else np.asarray(w, dtype=float)
    m = float((w * y).sum() / w.sum())
    return m, w * (y - m) / w.sum()


def _union_codes(cluster_a, cluster_b) -> tuple[np.ndarray, int]:
    """Cluster codes over the rows of group a followed by those of group b, and their number."""
    return cluster_codes(np.concatenate([np.asarray(cluster_a, dtype=object),
                                         np.asarray(cluster_b, dtype=object)]))
