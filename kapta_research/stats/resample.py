"""The one resampling engine: the account (cluster) bootstrap.

A replicate draws ``G`` clusters with replacement out of ``G`` (each cluster's
multiplicity is a row of a multinomial(G, 1/G) draw) and keeps every row of a
drawn cluster; without clusters each row is its own cluster.  Multiplicities
come in blocks (:func:`bootstrap_counts`) so that vectorised statistics can
process hundreds of replicates per numpy call; the draws do not depend on the
block size, so results are reproducible given ``random_state``.

Failed replicates
-----------------
A statistic may be undefined in a resample (one class only, a constant
driver, collinear drivers...).  :func:`cluster_bootstrap` never drops such
replicates silently: it counts them (``n_failed``), warns with a
:class:`~kapta_research.errors.KaptaWarning` when more than ``max_failed``
(default 10 %) failed, and raises a :class:`~kapta_research.errors.DataError`
when none succeeded.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from .._validation import check_random_state
from ..errors import DataError, KaptaWarning

__all__ = ["DEFAULT_N_BOOT", "bootstrap_counts", "BootstrapResult", "cluster_bootstrap",
           "check_failed_replicates", "percentile_interval"]

#: The default number of bootstrap replicates of every public function.
DEFAULT_N_BOOT = 2000


def bootstrap_counts(n_units: int, n_boot: int, *, random_state=None, block: int | None = None):
    """Yield blocks of cluster multiplicities, shape ``(b, n_units)``, ``n_boot`` rows in total.

    Examples
    --------
    >>> blocks = list(bootstrap_counts(4, 5, random_state=0, block=2))
    >>> [b.shape for b in blocks], int(np.concatenate(blocks).sum(axis=1).max())
    ([(2, 4), (2, 4), (1, 4)], 4)
    """
    rng = check_random_state(random_state, func="bootstrap_counts")
    if block is None:
        block = max(1, min(n_boot, 2 ** 22 // max(n_units, 1)))
    pvals = np.full(n_units, 1.0 / n_units)
    done = 0
    while done < n_boot:
        b = min(block, n_boot - done)
        yield rng.multinomial(n_units, pvals, size=b)
        done += b


@dataclass
class BootstrapResult:
    """Replicates of a cluster bootstrap.

    Attributes
    ----------
    replicates : numpy.ndarray
        Successful replicates, shape ``(n_boot − n_failed, ...)``.
    n_boot : int
        Replicates drawn.
    n_failed : int
        Replicates in which the statistic was undefined (not in ``replicates``).
    n_clusters : int
        Resampling units.
    """
    replicates: np.ndarray
    n_boot: int
    n_failed: int
    n_clusters: int

    def interval(self, confidence: float):
        """Percentile interval of the replicates (per column)."""
        return percentile_interval(self.replicates, confidence)


def percentile_interval(replicates, confidence: float):
    """``(low, high)`` percentile interval along axis 0.

    Examples
    --------
    >>> [float(v) for v in percentile_interval(np.arange(101.0), 0.9)]
    [5.0, 95.0]
    """
    alpha = 1.0 - confidence
    lo, hi = np.quantile(np.asarray(replicates, float), [alpha / 2, 1 - alpha / 2], axis=0)
    return lo, hi


def check_failed_replicates(n_failed: int, n_boot: int, *, func: str, reason: str,
                            max_failed: float = 0.1, file: str | None = None, stacklevel: int = 3) -> None:
    """Raise if every replicate failed; warn (KaptaWarning) if more than ``max_failed`` of them did."""
    n_valid = n_boot - n_failed
    if n_boot > 0 and n_valid == 0:
        raise DataError(
            f"{func}: none of the {n_boot} bootstrap replicates could be estimated (in every "
            f"resample {reason}); there are too few clusters or too little variation for a "
            f"bootstrap.", file=file)
    if n_failed > max_failed * n_boot:
        warnings.warn(
            f"{func}: {n_failed} of {n_boot} bootstrap replicates were dropped because "
            f"{reason} in the resample; the intervals rest on the other {n_valid}.",
            KaptaWarning, stacklevel=stacklevel)


def cluster_bootstrap(statistic, codes, n_clusters: int | None = None, *, n_boot: int = DEFAULT_N_BOOT,
                      random_state=None, vectorized: bool = False, max_failed: float = 0.1,
                      func: str = "cluster_bootstrap", reason: str = "the statistic was undefined"
                      ) -> BootstrapResult:
    """Bootstrap a statistic of rows by resampling whole clusters.

    Parameters
    ----------
    statistic : callable
        ``vectorized=False``: ``statistic(row_weights) -> float or array``,
        called once per replicate with each row's multiplicity (the count of
        its cluster in the resample); return NaN (any NaN entry) or raise
        ``ValueError``/``ArithmeticError``/``numpy.linalg.LinAlgError`` when
        undefined.  ``vectorized=True``: ``statistic(counts) -> (values, ok)``
        with ``counts`` of shape ``(b, G)`` (cluster multiplicities),
        ``values`` of shape ``(b, ...)`` and ``ok`` a boolean ``(b,)`` mask.
    codes : array-like of int, or None
        Cluster code ``0..G-1`` of every row; None = rows are independent
        (``n_clusters`` is then the number of rows).
    n_clusters : int, optional
        ``G`` (default ``max(codes) + 1``).
    n_boot : int
        Replicates (default :data:`DEFAULT_N_BOOT`).
    random_state : None, int or numpy.random.Generator
    max_failed : float
        Share of failed replicates above which a warning is issued.

    Returns
    -------
    BootstrapResult

    Examples
    --------
    >>> y = np.array([1.0, 0.0, 1.0, 1.0, 0.0, 1.0])
    >>> codes = np.array([0, 0, 1, 1, 2, 2])
    >>> res = cluster_bootstrap(lambda w: (w * y).sum() / w.sum(), codes, n_boot=200, random_state=1)
    >>> res.replicates.shape, res.n_failed
    ((200,), 0)
    """
    if codes is None:
        if n_clusters is None:
            raise ValueError("give codes or n_clusters")
        codes = np.arange(n_clusters, dtype=np.int64)
    codes = np.asarray(codes, dtype=np.int64)
    G = int(codes.max()) + 1 if n_clusters is None else int(n_clusters)
    if G < 2:
        raise DataError(f"{func}: the bootstrap needs at least 2 clusters; the rows belong to {G}.")
    values, n_failed = [], 0
    for counts in bootstrap_counts(G, n_boot, random_state=random_state):
        if vectorized:
            v, ok = statistic(counts)
            ok = np.asarray(ok, dtype=bool)
            v = np.asarray(v, dtype=float)
            ok &= np.isfinite(v.reshape(len(v), -1)).all(axis=1)
            values.append(v[ok])
            n_failed += int((~ok).sum())
            continue
        for c in counts:
            try:
                v = np.asarray(statistic(c[codes].astype(float)), dtype=float)
            except (ValueError, ArithmeticError, np.linalg.LinAlgError):
                n_failed += 1
                continue
            if not np.isfinite(v).all():
                n_failed += 1
                continue
            values.append(v[None])
    reps = np.concatenate(values) if values else np.empty((0,))
    check_failed_replicates(n_failed, n_boot, func=func, reason=reason, max_failed=max_failed)
    return BootstrapResult(reps, n_boot, n_failed, G)
