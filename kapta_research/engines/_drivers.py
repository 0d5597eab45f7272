"""Driver cross-products in the engine: per account ``Σw``, ``Σw z`` and ``Σw z zᵀ`` over complete rows.

``z = (outcome, driver_1, …, driver_p)``.  These are the per-cluster
statistics of :func:`kapta_research._lmg.cluster_stats` before centring:
the pooled covariance (what LMG / Johnson / dominance need) and every
account-bootstrap replicate (:func:`kapta_research._lmg.resampled_covariances`)
follow from them, so the rows never leave the engine.  Scores are small whole
numbers, so the raw sums are exact in float64 and centring afterwards loses
nothing.  With ``top_box`` the top-box indicators of the drivers are further
columns of ``z`` (importance × performance).

A likelihood has no such statistics: :func:`distinct_rows` returns the distinct
``(account, NPS category, driver values)`` combinations of complete rows with
their counts instead (the logistic fits of the NPS-transition drivers take them
as frequency weights), lossless and small for ratings.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import DataError
from ._nps import require_columns
from ._tables import describe, to_ibis


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
        Rows dropped for a missing outcome, driver, weight or cluster.
    lo, hi : ndarray, shape (m,)
        Smallest / largest value of each column over complete rows of positive weight.
    n_positive : int
        Complete rows of positive weight.
    source : str
        Where the table comes from (for messages).
    """
    columns: list
    clusters: np.ndarray
    n: np.ndarray
    sw: np.ndarray
    s1: np.ndarray
    s2: np.ndarray
    n_excluded: int
    lo: np.ndarray | None = None
    hi: np.ndarray | None = None
    n_positive: int | None = None
    source: str = ""

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


def _complete(data, *, cols, weights, cluster, func, checks=None):
    """The Ibis table, its complete-row condition and the input checks of the driver queries.

    Missing columns, non-numeric columns, negative weights and infinite values are
    a DataError naming the table (one query counts them, with any ``checks`` given as
    ``name -> lambda t: aggregate``).  Returns ``(t, ok, found)``: the table, the
    condition "outcome, every driver, the weight and the cluster present" and the counts.
    """
    import ibis
    t = to_ibis(data)
    require_columns(t, [*cols, *([cluster] if cluster else []), *([weights] if weights else [])], func=func)
    num = cols + ([weights] if weights else [])
    for c in num:
        if not t[c].type().is_numeric() or t[c].type().is_boolean():
            raise DataError(f"values are not numbers (column type {t[c].type()})", file=describe(t), column=c)
    complete = [t[c].notnull() for c in num + ([cluster] if cluster else [])]
    complete += [~t[c].isnan() for c in num if t[c].type().is_floating()]
    ok = ibis.and_(*complete)
    aggs = {"n_all": t.count()}
    if weights:
        bad = ok & (t[weights].cast("float64") < 0)
        aggs["bad_w"] = bad.cast("int64").sum()
    inf = [t[c].isinf() for c in num if t[c].type().is_floating()]
    if inf:
        aggs["n_inf"] = ibis.or_(*inf).cast("int64").sum()
    aggs.update({k: f(t) for k, f in (checks or {}).items()})
    found = t.aggregate(**aggs).execute().iloc[0].fillna(0)
    if weights and found["bad_w"]:
        raise DataError("weights must not be negative", file=describe(t), column=weights,
                        values=t.filter(bad).select(weights).limit(10).execute()[weights].tolist())
    if inf and found["n_inf"]:
        raise DataError("values are infinite", file=describe(t))
    return t, ok, found


def _none_complete(func, n_all, *, weights, cluster, src):
    return DataError(f"{func}: no row has the outcome, every driver{', the weight' if weights else ''}"
                     f"{', the cluster' if cluster else ''} present ({n_all} rows, all incomplete).", file=src)


def cross_products(data, *, outcome: str, drivers, cluster: str | None, weights: str | None = None,
                   top_box: float | None = None, func: str = "cross_products") -> CrossProducts:
    """Per-account cross-products of ``(outcome, drivers)`` over complete rows, in one engine query.

    A row is complete when the outcome, every driver, the weight and the
    cluster are present (listwise deletion, as :mod:`kapta_research.drivers`).
    Non-numeric columns and negative or infinite weights are a DataError naming
    the table.  Without ``cluster`` the sums are one row (no account bootstrap).

    Parameters
    ----------
    data : Ibis table or Spark DataFrame
    outcome, drivers, cluster, weights : column names
    top_box : float, optional
        Also the top-box indicators ``driver >= top_box`` (1.0 / 0.0) of every
        driver, as further columns of ``z`` named ``"<driver>>=<top_box>"``
        (:func:`kapta_research.drivers.importance_performance`).

    Returns
    -------
    CrossProducts
        With ``lo`` / ``hi``: the smallest and largest value of each column
        over complete rows of positive weight (constant-column checks).
    """
    import ibis
    cols = [outcome, *drivers]
    t0, ok, found = _complete(data, cols=cols, weights=weights, cluster=cluster, func=func)
    n_all = int(found["n_all"])
    t = t0.filter(ok)
    w = t[weights].cast("float64") if weights else None
    z = [t[c].cast("float64") for c in cols]
    if top_box is not None:
        z += [(t[d] >= top_box).cast("float64") for d in drivers]
        cols = cols + [f"{d}>={top_box:g}" for d in drivers]
    m = len(cols)
    pos = (w > 0) if w is not None else None
    aggs = {"n": t.count(), "sw": (w.sum() if w is not None else t.count().cast("float64"))}
    if w is not None:
        aggs["n_pos"] = pos.cast("int64").sum()
    for i in range(m):
        aggs[f"s1_{i}"] = (z[i] * w).sum() if w is not None else z[i].sum()
        zi = z[i] if w is None else ibis.ifelse(pos, z[i], ibis.null("float64"))
        aggs[f"lo_{i}"], aggs[f"hi_{i}"] = zi.min(), zi.max()
        for j in range(i, m):
            prod = z[i] * z[j]
            aggs[f"s2_{i}_{j}"] = (prod * w).sum() if w is not None else prod.sum()
    if cluster:
        res = t.group_by(t[cluster].cast("string").name("_g")).aggregate(**aggs).execute()
        res = res.sort_values("_g", kind="stable").reset_index(drop=True)
    else:
        res = t.aggregate(**aggs).execute()
        res = res[res["n"] > 0].assign(_g="").reset_index(drop=True)
    if not len(res):
        raise _none_complete(func, n_all, weights=weights, cluster=cluster, src=describe(t0))
    s1 = res[[f"s1_{i}" for i in range(m)]].to_numpy(float)
    s2 = np.zeros((len(res), m, m))
    for i in range(m):
        for j in range(i, m):
            s2[:, i, j] = s2[:, j, i] = res[f"s2_{i}_{j}"].to_numpy(float)
    n = res["n"].to_numpy(np.int64)
    lo = np.array([np.nanmin(res[f"lo_{i}"].to_numpy(float)) if res[f"lo_{i}"].notna().any() else np.nan
                   for i in range(m)])
    hi = np.array([np.nanmax(res[f"hi_{i}"].to_numpy(float)) if res[f"hi_{i}"].notna().any() else np.nan
                   for i in range(m)])
    return CrossProducts(columns=cols, clusters=res["_g"].to_numpy(dtype=object), n=n,
                         sw=res["sw"].to_numpy(float), s1=s1, s2=s2.reshape(len(res), m * m),
                         n_excluded=n_all - int(n.sum()), lo=lo, hi=hi,
                         n_positive=int(res["n_pos"].sum()) if w is not None else int(n.sum()),
                         source=describe(t0))


@dataclass
class DistinctRows:
    """The distinct ``(account, NPS category, drivers)`` combinations of complete rows and their counts.

    Attributes
    ----------
    category : ndarray of float, shape (R,)
        NPS category code of the combination: −1 detractor, 0 passive, 1 promoter.
    X : ndarray, shape (R, p)
        Driver values.
    count : ndarray of float, shape (R,)
        Complete rows with these values (frequency weights).
    clusters : ndarray of str or None
        Account id of each combination (None without ``cluster``).
    n_excluded : int
        Rows dropped for a missing outcome, driver or cluster.
    source : str
        Where the table comes from (for messages).
    """
    category: np.ndarray
    X: np.ndarray
    count: np.ndarray
    clusters: np.ndarray | None
    n_excluded: int
    source: str = ""


def distinct_rows(data, *, outcome: str, drivers, cluster: str | None,
                  func: str = "distinct_rows") -> DistinctRows:
    """The distinct ``(account, NPS category, driver values)`` combinations of complete rows, with counts.

    One ``GROUP BY cluster, category, drivers ... count(*)`` in the engine: a
    likelihood (a logistic regression) has no small sufficient statistics, but
    rows with the same account, category and driver values contribute
    identically to it, to its cluster scores and to every cross-product, so the
    counts are frequency weights and nothing is lost.  Ratings are small whole
    numbers, so the result is small (at most ``3 * levels**p`` rows per
    account, and never more than the rows); with continuous drivers it barely
    compresses.  The outcome is a 0–10 score (:mod:`kapta_research.rules`:
    detractors 0–6, passives 7–8, promoters 9–10); a score outside 0–10 is a
    DataError naming the table, as in memory.  Rows missing the outcome, a
    driver or the cluster are dropped (listwise deletion).

    Parameters
    ----------
    data : Ibis table or Spark DataFrame
    outcome, drivers, cluster : column names

    Returns
    -------
    DistinctRows
        Combinations sorted by account id (as text), category and driver values.
    """
    from .. import rules
    from ._nps import _bad_scores, _bad_values
    t0 = to_ibis(data)
    require_columns(t0, [outcome, *drivers, *([cluster] if cluster else [])], func=func)

    def bad_score(t):   # present, not NaN, outside 0-10 (the in-memory check_numeric(low=0, high=10))
        y = t[outcome]
        present = y.notnull() & ~y.isnan() if y.type().is_floating() else y.notnull()
        return present & _bad_scores(y, low=0, high=10, integer=False)
    t0, ok, found = _complete(t0, cols=[outcome, *drivers], weights=None, cluster=cluster, func=func,
                              checks={"bad_y": lambda t: bad_score(t).cast("int64").sum()})
    if found["bad_y"]:
        raise DataError("values must be between 0 and 10", file=describe(t0), column=outcome,
                        values=_bad_values(t0, bad_score(t0), outcome))
    t = t0.filter(ok)
    y = t[outcome]
    cat = ((y > rules.DETRACTOR_MAX).cast("int8") + (y > rules.PASSIVE_MAX).cast("int8") - 1).name("_cat")
    keys = ([t[cluster].cast("string").name("_g")] if cluster else []) + [cat] + \
        [t[d].cast("float64").name(f"_x{j}") for j, d in enumerate(drivers)]
    order = (["_g"] if cluster else []) + ["_cat"] + [f"_x{j}" for j in range(len(drivers))]
    res = t.group_by(keys).aggregate(_f=t.count()).order_by(order).execute()
    n_used = int(res["_f"].sum())
    if not n_used:
        raise _none_complete(func, int(found["n_all"]), weights=None, cluster=cluster, src=describe(t0))
    return DistinctRows(category=res["_cat"].to_numpy(float),
                        X=res[[f"_x{j}" for j in range(len(drivers))]].to_numpy(float),
                        count=res["_f"].to_numpy(float),
                        clusters=res["_g"].to_numpy(dtype=object) if cluster else None,
                        n_excluded=int(found["n_all"]) - n_used, source=describe(t0))
