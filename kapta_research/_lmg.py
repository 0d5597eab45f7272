"""Numerical engine of :mod:`kapta_research.drivers` (relative importance).

Everything here works on (batches of) covariance matrices of ``[y, x_1..x_p]``
— never on respondent rows — so that an estimate, or a whole bootstrap, costs
the same whatever the number of respondents.

All-subsets R²
--------------
:func:`subset_r2` returns the R² of the regression of ``y`` on every one of
the ``2**p`` subsets of drivers, in *bitmask order* (entry ``s`` is the model
with driver ``j`` iff bit ``j`` of ``s`` is set).  It decides the drivers one
at a time with the sweep operator: after drivers ``0..k-1`` have been decided
there are ``2**k`` partial-covariance matrices of the still-undecided
variables ``[y, x_k..x_{p-1}]`` (one per subset of the decided drivers).
Leaving ``x_k`` out drops its row and column; putting it in sweeps on it,

    C' = C - c c^T / c_kk,    c = C[:, k],

a rank-one update, then drops it.  The matrices shrink as they multiply, so
the total work is ``sum_k 2**k (p-k+1)**2 ~ 6 * 2**p`` flops per covariance
matrix and the peak memory ~ ``2**p`` numbers: a whole lattice of
regressions costs about as much as writing its R² values down.  ``C[y, y]``
at the end is the residual variance of ``y`` given the subset, hence its R².
The leading (batch) axes are carried along, so a bootstrap runs hundreds of
replicates per numpy call.

Shapley / LMG
-------------
With ``v(S) = R²(S)`` the LMG share of driver ``j`` is the Shapley value

    LMG_j = sum_{S not containing j} |S|! (p-|S|-1)! / p! * (v(S+j) - v(S)),

computed for all ``j`` at once by reshaping the bitmask-ordered vector to
``(2**(p-j-1), 2, 2**j)``, whose middle axis is "without / with driver j".
"""
from __future__ import annotations

from math import comb, factorial

import numpy as np

__all__ = [
    "subset_r2", "subset_sizes", "shapley", "conditional_increments",
    "complete_dominance", "standardise", "simple_metrics", "johnson_weights",
    "cluster_stats", "resampled_covariances", "IMPORTANCE_METHODS",
]

#: Relative-importance metrics computed by :func:`importances`.
IMPORTANCE_METHODS = ("lmg", "dominance", "johnson", "first", "last", "betasq", "pratt")

# A pivot (residual variance of a driver given others, relative to its
# variance) below this is treated as exact collinearity.
_PIVOT_TOL = 1e-10


def subset_sizes(p: int) -> np.ndarray:
    """Number of drivers in each of the ``2**p`` subsets (bitmask order)."""
    size = np.zeros(1, dtype=np.int64)
    for _ in range(p):
        size = np.concatenate([size, size + 1])
    return size


def subset_r2(cov: np.ndarray, *, return_valid: bool = False):
    """R² of ``y`` on every subset of drivers, from covariance matrices.

    Parameters
    ----------
    cov : ndarray, shape (..., p+1, p+1)
        Covariance (or correlation) matrices of ``[y, x_1, ..., x_p]``.
    return_valid : bool
        Also return a boolean array (shape ``cov.shape[:-2]``) telling which
        matrices had every driver linearly independent of the others.

    Returns
    -------
    r2 : ndarray, shape (..., 2**p)
        R² of each subset, bitmask order; ``r2[..., 0] == 0``.
    valid : ndarray of bool, optional
    """
    cov = np.asarray(cov, dtype=float)
    batch = cov.shape[:-2]
    m = cov.shape[-1]
    p = m - 1
    a = cov.reshape((-1, 1, m, m))  # (batch, subsets, m, m)
    diag = np.diagonal(cov, axis1=-2, axis2=-1).reshape((-1, m))
    valid = np.all(diag > 0, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        for k in range(p):
            cur = a.shape[-1]
            keep = np.r_[0, 2:cur]
            col = a[:, :, keep, 1]                     # (b, s, cur-1)
            piv = a[:, :, 1, 1]                        # (b, s)
            ok = piv > _PIVOT_TOL * diag[:, k + 1, None]
            valid &= ok.all(axis=1)
            piv = np.where(ok, piv, np.inf)            # a collinear driver adds nothing
            excl = a[:, :, keep][:, :, :, keep]
            incl = excl - col[..., :, None] * (col[..., None, :] / piv[..., None, None])
            a = np.concatenate([excl, incl], axis=1)
        resid = a[:, :, 0, 0]
        r2 = 1.0 - resid / diag[:, :1]
    r2[:, 0] = 0.0
    r2 = r2.reshape(batch + (2 ** p,))
    if return_valid:
        return r2, valid.reshape(batch)
    return r2


def _shapley_weights(p: int) -> tuple[np.ndarray, np.ndarray]:
    """Weights of ``v(S)`` in the Shapley value, by ``|S|``: (with j, without j)."""
    w_with = np.zeros(p + 1)      # S contains j, |S| = s: (s-1)! (p-s)! / p!
    w_without = np.zeros(p + 1)   # S lacks j,   |S| = s: s! (p-s-1)! / p!
    for s in range(p + 1):
        if s >= 1:
            w_with[s] = factorial(s - 1) * factorial(p - s) / factorial(p)
        if s <= p - 1:
            w_without[s] = factorial(s) * factorial(p - s - 1) / factorial(p)
    return w_with, w_without


def shapley(r2: np.ndarray, p: int) -> np.ndarray:
    """LMG (Shapley) decomposition of the full-model R².

    Parameters
    ----------
    r2 : ndarray, shape (..., 2**p)
        Output of :func:`subset_r2`.

    Returns
    -------
    ndarray, shape (..., p)
        Importance of each driver, in R² units; sums to ``r2[..., -1]``.
    """
    size = subset_sizes(p)
    w_with, w_without = _shapley_weights(p)
    a = r2 * w_with[size]
    b = r2 * w_without[size]
    batch = r2.shape[:-1]
    out = np.empty(batch + (p,))
    for j in range(p):
        shape = batch + (2 ** (p - j - 1), 2, 2 ** j)
        out[..., j] = (a.reshape(shape)[..., 1, :].sum(axis=(-2, -1))
                       - b.reshape(shape)[..., 0, :].sum(axis=(-2, -1)))
    return out


def conditional_increments(r2: np.ndarray, p: int) -> np.ndarray:
    """Average R² increment of each driver by number of other drivers present.

    Returns
    -------
    ndarray, shape (p, p)
        ``[j, k]``: mean of ``R²(S+j) - R²(S)`` over the ``C(p-1, k)`` subsets
        ``S`` of the other drivers with ``|S| = k`` (conditional dominance
        statistics of Azen & Budescu 2003).  The row means are the LMG values.
    """
    size = subset_sizes(p)
    out = np.empty((p, p))
    for j in range(p):
        shape = (2 ** (p - j - 1), 2, 2 ** j)
        v = r2.reshape(shape)
        diff = (v[:, 1, :] - v[:, 0, :]).ravel()
        k = size.reshape(shape)[:, 0, :].ravel()
        sums = np.bincount(k, weights=diff, minlength=p)
        out[j] = sums / np.array([comb(p - 1, kk) for kk in range(p)])
    return out


def complete_dominance(r2: np.ndarray, p: int, *, tol: float = 1e-12):
    """Pairwise complete dominance.

    Returns
    -------
    list of (a, b, code)
        For each pair ``a < b``: ``code`` is 1 if ``R²(S+a) >= R²(S+b)`` for
        every subset ``S`` of the other drivers (strictly for at least one),
        -1 if the reverse holds, 0 if neither (undetermined).
    """
    masks = np.arange(2 ** p)
    out = []
    for a in range(p):
        for b in range(a + 1, p):
            s = masks[((masks >> a) & 1 == 0) & ((masks >> b) & 1 == 0)]
            d = r2[s | (1 << a)] - r2[s | (1 << b)]
            scale = tol * max(1.0, float(np.abs(r2[-1])))
            if np.all(d >= -scale) and np.any(d > scale):
                code = 1
            elif np.all(d <= scale) and np.any(d < -scale):
                code = -1
            else:
                code = 0
            out.append((a, b, code))
    return out


def standardise(cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Correlation matrices from covariance matrices, and a validity mask."""
    cov = np.asarray(cov, dtype=float)
    d = np.diagonal(cov, axis1=-2, axis2=-1)
    valid = np.all(d > 0, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = 1.0 / np.sqrt(np.where(d > 0, d, np.nan))
        corr = cov * s[..., :, None] * s[..., None, :]
    return corr, valid


def simple_metrics(corr: np.ndarray, method: str) -> np.ndarray:
    """relaimpo's ``first``, ``last``, ``betasq`` and ``pratt`` (R² units).

    ``corr`` has shape ``(..., p+1, p+1)`` (outcome first).  ``first`` is
    ``r_j²``, ``last`` the drop in R² when ``j`` is removed from the full
    model, ``betasq`` the squared standardised coefficient, ``pratt`` the
    standardised coefficient times ``r_j``.
    """
    rxy = corr[..., 1:, 0]
    if method == "first":
        return rxy ** 2
    rxx = corr[..., 1:, 1:]
    inv = np.linalg.inv(rxx)
    beta = np.einsum("...ij,...j->...i", inv, rxy)
    if method == "betasq":
        return beta ** 2
    if method == "pratt":
        return beta * rxy
    if method == "last":
        return beta ** 2 / np.diagonal(inv, axis1=-2, axis2=-1)
    raise ValueError(method)


def johnson_weights(corr: np.ndarray) -> np.ndarray:
    """Johnson's (2000) relative weights (raw epsilons, R² units).

    With ``R_xx = V diag(l) V^T`` let ``L = V diag(sqrt(l)) V^T`` (the
    correlations between the drivers and their closest orthonormal
    counterparts).  The outcome is regressed on the orthonormal variables,
    ``beta = L^{-1} r_xy``, and each driver gets ``sum_k L_jk² beta_k²``.
    The weights sum to R².
    """
    rxx = corr[..., 1:, 1:]
    rxy = corr[..., 1:, 0]
    evals, evecs = np.linalg.eigh(rxx)
    evals = np.clip(evals, 0.0, None)
    lam = (evecs * np.sqrt(evals)[..., None, :]) @ np.swapaxes(evecs, -1, -2)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_sqrt = (evecs / np.sqrt(evals)[..., None, :]) @ np.swapaxes(evecs, -1, -2)
    beta = np.einsum("...ij,...j->...i", inv_sqrt, rxy)
    return np.einsum("...jk,...k->...j", lam ** 2, beta ** 2)


def importances(cov: np.ndarray, method: str, *, ref_var: np.ndarray | None = None,
                chunk: int | None = None):
    """Importance of each driver and full-model R² for a batch of covariances.

    Parameters
    ----------
    cov : ndarray, shape (B, p+1, p+1)
    method : one of :data:`IMPORTANCE_METHODS`
    ref_var : ndarray, shape (p+1,), optional
        Reference variances (those of the full sample): a matrix in which a
        variable's variance is below ``1e-10 * ref_var`` is invalid — in a
        bootstrap resample, a driver that is constant up to rounding.

    Returns
    -------
    imp : ndarray, shape (B, p)
    r2 : ndarray, shape (B,)
    valid : ndarray of bool, shape (B,)
        False where a variable had no variance or drivers were collinear.
    """
    cov = np.asarray(cov, dtype=float)
    b, m, _ = cov.shape
    p = m - 1
    corr, valid = standardise(cov)
    if ref_var is not None:
        diag = np.diagonal(cov, axis1=-2, axis2=-1)
        valid &= np.all(diag > _PIVOT_TOL * np.asarray(ref_var), axis=-1)
    corr = np.where(valid[:, None, None], corr, np.eye(m))
    if method in ("lmg", "dominance"):
        if chunk is None:
            # peak memory per matrix ~ 2 * 2**p * 4 doubles in the last sweeps
            chunk = max(1, int(2 ** 22 // (2 ** p * 8)))
        imp = np.empty((b, p))
        r2 = np.empty(b)
        for start in range(0, b, chunk):
            sl = slice(start, start + chunk)
            sub, ok = subset_r2(corr[sl], return_valid=True)
            imp[sl] = shapley(sub, p)
            r2[sl] = sub[:, -1]
            valid[sl] &= ok
        return imp, r2, valid
    # full-model R² from the normal equations
    rxx = corr[:, 1:, 1:]
    rxy = corr[:, 1:, 0]
    ev = np.linalg.eigvalsh(rxx)
    valid &= ev[:, 0] > _PIVOT_TOL * np.maximum(ev[:, -1], 1.0)
    rxx_safe = np.where(valid[:, None, None], rxx, np.eye(p))
    corr = corr.copy()
    corr[:, 1:, 1:] = rxx_safe
    r2 = np.einsum("bi,bi->b", rxy, np.linalg.solve(rxx_safe, rxy[..., None])[..., 0])
    if method == "johnson":
        imp = johnson_weights(corr)
    else:
        imp = simple_metrics(corr, method)
    return imp, r2, valid


# ---------------------------------------------------------------------------
# bootstrap on sufficient statistics
# ---------------------------------------------------------------------------

def cluster_stats(z: np.ndarray, w: np.ndarray | None, codes: np.ndarray, n_groups: int):
    """Per-cluster weighted sums of ``1``, ``z`` and ``z z^T``.

    ``z`` (n, m) should be centred (at the overall weighted mean) for
    numerical accuracy; the statistics are then exact for any resample.
    ``w=None`` means unit weights.  One pass over the rows, sorted by cluster, O(n m²): with large clusters
    each cluster's cross-product matrix is one BLAS call; with small ones
    (e.g. every row its own cluster) segment sums (``np.add.reduceat``) of
    the products are used instead.

    Returns
    -------
    sw : (G,), s1 : (G, m), s2 : (G, m*m)
    """
    n, m = z.shape
    codes = np.asarray(codes)
    w = np.ones(n) if w is None else np.asarray(w, dtype=float)
    unit = np.all(w == 1.0)
    if n > 1 and not np.all(codes[1:] >= codes[:-1]):
        order = np.argsort(codes, kind="stable")
        codes, z, w = codes[order], z[order], w[order]
    z = np.ascontiguousarray(z, dtype=float)
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    present = codes[starts]
    wz = z if unit else z * w[:, None]
    sw = np.zeros(n_groups)
    s1 = np.zeros((n_groups, m))
    sw[present] = np.add.reduceat(w, starts)
    s1[present] = np.add.reduceat(wz, starts, axis=0)
    s2 = np.zeros((n_groups, m, m))
    if len(starts) == n:                              # every row its own cluster
        s2[present] = wz[:, :, None] * z[:, None, :]
    elif n >= 16 * len(starts):
        ends = np.r_[starts[1:], n]
        for g, lo, hi in zip(present.tolist(), starts.tolist(), ends.tolist()):
            s2[g] = wz[lo:hi].T @ z[lo:hi]
    else:
        zt = np.ascontiguousarray(z.T)
        wzt = np.ascontiguousarray(wz.T)
        block = np.empty((len(starts), m, m))
        for i in range(m):                            # row i, columns i..m-1
            part = np.add.reduceat(wzt[i] * zt[i:], starts, axis=1)   # (m-i, groups)
            block[:, i, i:] = part.T
            block[:, i:, i] = part.T
        s2[present] = block
    return sw, s1, s2.reshape(n_groups, m * m)


def resampled_covariances(counts: np.ndarray, sw, s1, s2):
    """Covariance matrices (and means) of ``z`` for resampled clusters.

    Parameters
    ----------
    counts : ndarray, shape (B, G)
        How often each cluster is drawn in each replicate.

    Returns
    -------
    cov : (B, m, m), mean : (B, m), total_weight : (B,)
    """
    m = s1.shape[1]
    counts = np.asarray(counts, dtype=float)
    W = counts @ sw
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = (counts @ s1) / W[:, None]
        second = (counts @ s2).reshape(-1, m, m) / W[:, None, None]
    cov = second - mean[:, :, None] * mean[:, None, :]
    return cov, mean, W
