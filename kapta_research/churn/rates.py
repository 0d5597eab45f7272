"""Churn rate with confidence intervals by category or by bin of a predictor ("metric cohort" table)."""
from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._validation import check_columns, check_confidence, check_dataframe, check_int
from ..errors import ParameterError
from ._checks import _binary_column, _complete_rows, _z

__all__ = ["churn_by_category"]


def _wilson(k: np.ndarray, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval; ``k`` and ``n`` may be non-integer (effective sizes)."""
    k = np.asarray(k, float)
    n = np.asarray(n, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    low = np.where(k <= 0, 0.0, np.clip(centre - half, 0, 1))
    high = np.where(k >= n, 1.0, np.clip(centre + half, 0, 1))
    empty = ~(n > 0)
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)


def churn_by_category(data, *, predictor, outcome="churned", bins=None, cluster=None,
                      confidence=0.95) -> pd.DataFrame:
    """Churn rate with a confidence interval per category or per bin of a predictor.

    Like a "metric cohort" table: split accounts by the value of one
    predictor and show how often each group churned.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per account.
    predictor : str
        Column to split by.  Text, categorical and True/False columns give one
        row per category.  Numeric columns are cut into quantile bins (see
        ``bins``).
    outcome : str, default "churned"
        Column with 1 (or True) for churned, 0 (or False) for retained.
    bins : int or sequence of float, optional
        For a numeric predictor: the number of quantile bins (default 10,
        deciles; a predictor with at most that many distinct values gets one
        bin per value), or explicit bin edges (intervals closed on the right,
        the first also on the left; values outside are dropped).  Ignored for
        categorical predictors.
    cluster : str, optional
        Column of cluster labels (e.g. account when rows are respondents).
        The intervals then use the Wilson interval with the effective sample
        size n / design effect, the design effect (at least 1) coming from
        the cluster-robust variance of the churn rate; columns
        ``n_clusters`` and ``design_effect`` are added.
    confidence : float, default 0.95
        Level of the intervals.

    Returns
    -------
    pandas.DataFrame
        One row per category or bin, with columns

        - ``level`` (categorical predictor) : the category; or
          ``bin``, ``bin_low``, ``bin_high`` (numeric predictor) : bin number
          from 1 and the smallest and largest predictor value (quantile bins)
          or the bin edges (explicit ``bins``)
        - ``n`` : accounts in the group
        - ``n_events`` : churned accounts
        - ``churn_rate`` : ``n_events / n``
        - ``ci_low``, ``ci_high`` : Wilson score interval
        - ``n_clusters``, ``design_effect`` : with ``cluster`` only

        ``table.attrs`` holds ``n_excluded`` (rows with a missing predictor or
        outcome, left out) and ``n_outside_bins`` (values outside explicit
        ``bins``).

    Examples
    --------
    >>> import pandas as pd
    >>> import kapta_research.churn as churn
    >>> accounts = pd.DataFrame({
    ...     "category": ["detractor"] * 4 + ["passive"] * 3 + ["promoter"] * 5,
    ...     "churned": [1, 1, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0],
    ... })
    >>> table = churn.churn_by_category(accounts, predictor="category")
    >>> table[["level", "n", "n_events", "churn_rate"]]
           level  n  n_events  churn_rate
    0  detractor  4         3    0.750000
    1    passive  3         1    0.333333
    2   promoter  5         1    0.200000
    """
    func = "churn_by_category"
    data = check_dataframe(data, func=func)
    if not isinstance(predictor, str):
        raise ParameterError(f"The 'predictor' parameter of {func} must be a column name "
                             f"(str). Got {predictor!r} instead.")
    check_columns(data, [predictor], func=func, name="predictor")
    check_columns(data, [outcome], func=func, name="outcome")
    if predictor == outcome:
        raise ParameterError(f"The 'predictor' parameter of {func} must differ from the "
                             f"outcome column. Got {predictor!r} instead.")
    if cluster is not None:
        check_columns(data, [cluster], func=func, name="cluster")
    confidence = check_confidence(confidence, func=func)

    raw = data[predictor]
    numeric = (pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw)
               and not isinstance(raw.dtype, pd.CategoricalDtype))
    if bins is not None:
        if isinstance(bins, numbers.Integral) and not isinstance(bins, bool):
            bins = check_int(bins, name="bins", func=func, low=1)
        elif isinstance(bins, (Sequence, np.ndarray)) and not isinstance(bins, str):
            numeric_edges = all(isinstance(b, numbers.Real) and not isinstance(b, bool)
                                for b in bins)
            edges = np.asarray(bins, dtype=float) if numeric_edges else None
            if (edges is None or edges.ndim != 1 or len(edges) < 2
                    or not np.all(np.isfinite(edges)) or np.any(np.diff(edges) <= 0)):
                raise ParameterError(
                    f"The 'bins' parameter of {func} must be None, an int >= 1 or an "
                    f"increasing sequence of at least two finite bin edges. Got {bins!r} "
                    f"instead.")
            bins = edges
        else:
            raise ParameterError(
                f"The 'bins' parameter of {func} must be None, an int >= 1 or an increasing "
                f"sequence of at least two finite bin edges. Got {bins!r} instead.")

    columns = {outcome: _binary_column(data, outcome, func=func, what="outcome"),
               predictor: raw}
    if cluster is not None and cluster not in columns:
        columns[cluster] = data[cluster]
    mask = _complete_rows(data, columns, func=func)
    y = columns[outcome][mask].to_numpy(float)
    x = raw[mask]

    if numeric:
        xv = x.to_numpy(float)
        if isinstance(bins, np.ndarray):
            idx = np.searchsorted(bins, xv, side="left")
            idx = np.where(xv == bins[0], 1, idx)
            inside = (idx >= 1) & (idx < len(bins))
            codes = np.where(inside, idx - 1, -1)
            n_bins = len(bins) - 1
            lows, highs = bins[:-1], bins[1:]
        else:
            q = 10 if bins is None else bins
            uniq = np.unique(xv)
            if len(uniq) <= q:
                codes = np.searchsorted(uniq, xv)
                lows = highs = uniq
            else:
                cut = pd.qcut(xv, q=q, labels=False, duplicates="drop")
                codes = np.asarray(cut, dtype=int)
                present = np.unique(codes)
                codes = np.searchsorted(present, codes)
                lows = np.array([xv[codes == i].min() for i in range(len(present))])
                highs = np.array([xv[codes == i].max() for i in range(len(present))])
            n_bins = len(lows)
        keys = list(range(n_bins))
        head = pd.DataFrame({"bin": np.arange(1, n_bins + 1), "bin_low": np.asarray(lows, float),
                             "bin_high": np.asarray(highs, float)})
    else:
        if isinstance(x.dtype, pd.CategoricalDtype):
            keys = [c for c in x.cat.categories if (x == c).any()]
        else:
            try:
                keys = sorted(x.unique())
            except TypeError:
                keys = list(x.unique())
        lookup = {k: i for i, k in enumerate(keys)}
        codes = x.map(lookup).to_numpy(int)
        head = pd.DataFrame({"level": keys})

    z = _z(confidence)
    n_g = np.array([(codes == i).sum() for i in range(len(keys))], dtype=int)
    k_g = np.array([y[codes == i].sum() for i in range(len(keys))], dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = k_g / n_g
    table = head.copy()
    table["n"] = n_g
    table["n_events"] = k_g.astype(int)
    table["churn_rate"] = rate
    if cluster is None:
        low, high = _wilson(k_g, n_g, z)
    else:
        cl = pd.factorize(data[cluster][mask].to_numpy())[0]
        n_cl = np.zeros(len(keys), dtype=int)
        deff = np.ones(len(keys))
        for i in range(len(keys)):
            sel = codes == i
            if not sel.any():
                continue
            c = cl[sel]
            tot_n = np.bincount(c)
            tot_y = np.bincount(c, weights=y[sel])
            keep = tot_n > 0
            tot_n, tot_y = tot_n[keep], tot_y[keep]
            g = len(tot_n)
            n_cl[i] = g
            p = rate[i]
            if g > 1 and 0 < p < 1:
                var_robust = g / (g - 1) * np.sum((tot_y - p * tot_n) ** 2) / n_g[i] ** 2
                deff[i] = max(1.0, var_robust / (p * (1 - p) / n_g[i]))
        n_eff = n_g / deff
        low, high = _wilson(rate * n_eff, n_eff, z)
        table["n_clusters"] = n_cl
        table["design_effect"] = deff
    table.insert(table.columns.get_loc("churn_rate") + 1, "ci_low", low)
    table.insert(table.columns.get_loc("ci_low") + 1, "ci_high", high)
    table.attrs["n_excluded"] = int((~mask).sum())
    table.attrs["n_outside_bins"] = int(len(y) - n_g.sum())
    return table


