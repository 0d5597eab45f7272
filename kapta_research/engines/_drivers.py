"""Driver cross-products in the engine: per account ``Σw``, ``Σw z`` and ``Σw z zᵀ`` over complete rows.

``z = (outcome, driver_1, …, driver_p)``.  These are the per-cluster
statistics of :func:`kapta_research._lmg.cluster_stats` before centring:
the pooled covariance (what LMG / Johnson / dominance need) and every
account-bootstrap replicate (:func:`kapta_research._lmg.resampled_covariances`)
follow from them, so the rows never leave the engine.  Scores are small whole
numbers, so the raw sums are exact in float64 and centring afterwards loses
nothing.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._nps import require_columns
from ._tables import to_ibis


@dataclass
class CrossProducts:
    """Per-account sums over complete rows (accounts in text order of their id).

    Attributes
    ----------
    columns : list of str
        ``[outcome, *drivers]`` (m columns).
    clusters : ndarray of str
        Account ids, one per row of the sums.
    n : ndarray of int, shape (G,)
        Complete rows per account.
    sw : ndarray, shape (G,)
    s1 : ndarray, shape (G, m)
    s2 : ndarray, shape (G, m*m)
    n_excluded : int
        Rows dropped for a missing outcome or driver.
    """
    columns: list
    clusters: np.ndarray
    n: np.ndarray
    sw: np.ndarray
    s1: np.ndarray
    s2: np.ndarray
    n_excluded: int

    def covariance(self) -> np.ndarray:
        """Weighted covariance of ``z`` (divisor: total weight), as ``drivers._prepare._weighted_cov``."""
        W = self.sw.sum()
        mean = self.s1.sum(axis=0) / W
        m = len(self.columns)
        return self.s2.sum(axis=0).reshape(m, m) / W - np.outer(mean, mean)

    def centred(self):
        """``(sw, s1, s2)`` of ``z`` centred at the pooled weighted mean (the bootstrap's input)."""
        m = len(self.columns)
        mu = self.s1.sum(axis=0) / self.sw.sum()
        s2 = (self.s2.reshape(-1, m, m) - self.s1[:, :, None] * mu[None, None, :]
              - mu[None, :, None] * self.s1[:, None, :] + self.sw[:, None, None] * np.outer(mu, mu))
        return self.sw, self.s1 - self.sw[:, None] * mu, s2.reshape(-1, m * m)


def cross_products(data, *, outcome: str, drivers, cluster: str, weights: str | None = None,
                   func: str = "cross_products") -> CrossProducts:
    """Per-account cross-products of ``(outcome, drivers)`` over complete rows, in one engine query.

    Parameters
    ----------
    data : Ibis table or Spark DataFrame
    outcome, drivers, cluster, weights : column names

    Returns
    -------
    CrossProducts
    """
    import ibis
    t = to_ibis(data)
    cols = [outcome, *drivers]
    require_columns(t, [*cols, cluster, *([weights] if weights else [])], func=func)
    complete = ibis.and_(*[t[c].notnull() for c in cols])
    n_all = int(t.count().execute())
    t = t.filter(complete)
    w = t[weights].cast("float64") if weights else None
    z = [t[c].cast("float64") for c in cols]
    m = len(cols)
    aggs = {"n": t.count(), "sw": (w.sum() if w is not None else t.count().cast("float64"))}
    for i in range(m):
        aggs[f"s1_{i}"] = (z[i] * w).sum() if w is not None else z[i].sum()
        for j in range(i, m):
            prod = z[i] * z[j]
            aggs[f"s2_{i}_{j}"] = (prod * w).sum() if w is not None else prod.sum()
    res = t.group_by(t[cluster].cast("string").name("_g")).aggregate(**aggs).execute()
    res = res.sort_values("_g", kind="stable").reset_index(drop=True)
    s1 = res[[f"s1_{i}" for i in range(m)]].to_numpy(float)
    s2 = np.zeros((len(res), m, m))
    for i in range(m):
        for j in range(i, m):
            s2[:, i, j] = s2[:, j, i] = res[f"s2_{i}_{j}"].to_numpy(float)
    n = res["n"].to_numpy(np.int64)
    return CrossProducts(columns=cols, clusters=res["_g"].to_numpy(dtype=object), n=n,
                         sw=res["sw"].to_numpy(float), s1=s1, s2=s2.reshape(len(res), m * m),
                         n_excluded=n_all - int(n.sum()))
