"""Churn rate with confidence intervals by category or by bin of a predictor ("metric cohort" table).

Rates have Wilson intervals (:func:`kapta_research.stats.intervals.wilson_interval`),
on the effective sample size ``n / deff`` when rows are clustered (an account
appears at several snapshot dates).  With ``reference`` each group's
difference from the reference group gets Newcombe's (1998) hybrid score
interval (MOVER from the two Wilson intervals), with the correlation of the
two rates through the clusters they share, and the p-value that inverts
that interval (:func:`kapta_research.stats.intervals.interval_p_value`), so
"p < 1 - confidence" and "the interval excludes 0" agree.

References
----------
Wilson, E. B. (1927). Probable inference, the law of succession, and
statistical inference. JASA 22, 209-212.

Newcombe, R. G. (1998). Interval estimation for the difference between
independent proportions: comparison of eleven methods. Statistics in
Medicine 17, 873-890.

Zou, G. Y. & Donner, A. (2008). Construction of confidence limits about
effect measures: a general approach. Statistics in Medicine 27, 1693-1702.
"""
from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._validation import check_columns, check_confidence, check_dataframe, check_int
from ..errors import ParameterError
from ..stats.clustered import cluster_codes, ratio_mean_correlation, ratio_mean_variance
from ..stats.design import design_effect, df_correction, interval_n, worst_case_design_effect
from ..stats.intervals import interval_p_value, mover_difference, wilson_interval
from ._checks import _binary_column, _complete_rows, _level_codes

__all__ = ["churn_by_category"]


# Over 120 lines (156) only because of its numpydoc (88 lines of docstring); the body is 66 lines.
def churn_by_category(data, *, predictor, outcome="churned", bins=None, cluster=None,
                      confidence=0.95, reference=None) -> pd.DataFrame:  # long by its docstring
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
    reference : optional
        A category (categorical predictor) or bin number from 1 (numeric
        predictor) to compare every group with: adds the difference of each
        group's churn rate from the reference group's, its interval and
        p-value (see Notes).

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
        - ``rate_diff``, ``rate_diff_ci_low``, ``rate_diff_ci_high``,
          ``p_value`` : with ``reference`` only: ``churn_rate`` minus the
          reference group's (0-1 scale), Newcombe's hybrid score interval of
          that difference and the two-sided p-value inverting it; NaN
          (interval, p) in the reference row and for empty groups
        - ``n_excluded`` : rows left out of the whole table for a missing
          predictor, outcome or cluster (the same in every row)
        - ``n_outside_bins`` : rows whose value lies outside explicit
          ``bins`` (the same in every row; 0 otherwise)

        Rates and their differences are on the 0-1 scale.

    Notes
    -----
    The difference interval is the MOVER of Newcombe (1998, method 10) and
    Zou & Donner (2008): ``L = d - sqrt((p_a - l_a)^2 + (u_r - p_r)^2 -
    2 r (p_a - l_a)(u_r - p_r))``, ``U`` likewise, from the groups' Wilson
    intervals ``(l, u)``; it stays within [-1, 1].  Without ``cluster`` the
    groups are independent (``r = 0``).  With ``cluster`` the Wilson
    intervals use the effective sample sizes and ``r`` is the correlation of
    the two rates through the clusters present in both groups (an account
    in the "NPS below 0" band at one snapshot date and in "NPS 0 to 49" at
    another), from their cluster-summed linearised scores.

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
        if not isinstance(cluster, str):
            raise ParameterError(f"The 'cluster' parameter of {func} must be a column name (str) or "
                                 f"None. Got {cluster!r} instead.")
        check_columns(data, [cluster], func=func, name="cluster")
    confidence = check_confidence(confidence, func=func)

    raw = data[predictor]
    numeric = (pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw)
               and not isinstance(raw.dtype, pd.CategoricalDtype))
    bins = _check_bins(bins, func=func)

    columns = {outcome: _binary_column(data, outcome, func=func, what="outcome"),
               predictor: raw}
    if cluster is not None and cluster not in columns:
        columns[cluster] = data[cluster]
    mask = _complete_rows(data, columns, func=func, outcome=outcome)
    y = columns[outcome][mask].to_numpy(float)
    x = raw[mask]

    if numeric:
        codes, lows, highs = _bin_codes(x.to_numpy(float), bins)
        keys = list(range(len(lows)))
        head = pd.DataFrame({"bin": np.arange(1, len(keys) + 1), "bin_low": np.asarray(lows, float),
                             "bin_high": np.asarray(highs, float)})
    else:
        keys, codes = _level_codes(x)
        head = pd.DataFrame({"level": keys})

    n_g = np.array([(codes == i).sum() for i in range(len(keys))], dtype=int)
    k_g = np.array([y[codes == i].sum() for i in range(len(keys))], dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = k_g / n_g
    table = head.copy()
    table["n"] = n_g
    table["n_events"] = k_g.astype(int)
    table["churn_rate"] = rate
    groups = pd.factorize(data[cluster][mask].to_numpy())[0] if cluster is not None else None
    n_base, n_cl, deff = _effective_sizes(y, codes, groups, rate, n_g)
    n_eff = _corrected(n_base, n_cl, confidence)
    low, high = wilson_interval(rate * n_eff, n_eff, confidence=confidence)
    if groups is not None:
        table["n_clusters"] = n_cl
        table["design_effect"] = deff
    table.insert(table.columns.get_loc("churn_rate") + 1, "ci_low", low)
    table.insert(table.columns.get_loc("ci_low") + 1, "ci_high", high)
    if reference is not None:
        ref = _reference_index(reference, keys, numeric=numeric, func=func)
        diffs = [_rate_difference(y, codes, groups, i, ref, n_base, n_cl, confidence=confidence)
                 for i in range(len(keys))]
        table["rate_diff"] = [d[0] for d in diffs]
        table["rate_diff_ci_low"] = [d[1] for d in diffs]
        table["rate_diff_ci_high"] = [d[2] for d in diffs]
        table["p_value"] = [d[3] for d in diffs]
    table["n_excluded"] = int((~mask).sum())
    table["n_outside_bins"] = int(len(y) - n_g.sum())
    return table


def _check_bins(bins, *, func):
    """``bins``: None, an int >= 1 (quantile bins) or increasing finite edges (as an array)."""
    if bins is None:
        return None
    if isinstance(bins, numbers.Integral) and not isinstance(bins, bool):
        return check_int(bins, name="bins", func=func, low=1)
    if isinstance(bins, (Sequence, np.ndarray)) and not isinstance(bins, str):
        numeric_edges = all(isinstance(b, numbers.Real) and not isinstance(b, bool) for b in bins)
        edges = np.asarray(bins, dtype=float) if numeric_edges else None
        if not (edges is None or edges.ndim != 1 or len(edges) < 2
                or not np.all(np.isfinite(edges)) or np.any(np.diff(edges) <= 0)):
            return edges
    raise ParameterError(
        f"The 'bins' parameter of {func} must be None, an int >= 1 or an increasing "
        f"sequence of at least two finite bin edges. Got {bins!r} instead.")


def _bin_codes(xv, bins):
    """Bin code of each value (-1 outside explicit edges) and the bins' low and high ends."""
    if isinstance(bins, np.ndarray):
        idx = np.searchsorted(bins, xv, side="left")
        idx = np.where(xv == bins[0], 1, idx)
        inside = (idx >= 1) & (idx < len(bins))
        return np.where(inside, idx - 1, -1), bins[:-1], bins[1:]
    q = 10 if bins is None else bins
    uniq = np.unique(xv)
    if len(uniq) <= q:
        return np.searchsorted(uniq, xv), uniq, uniq
    cut = pd.qcut(xv, q=q, labels=False, duplicates="drop")
    codes = np.asarray(cut, dtype=int)
    present = np.unique(codes)
    codes = np.searchsorted(present, codes)
    lows = np.array([xv[codes == i].min() for i in range(len(present))])
    highs = np.array([xv[codes == i].max() for i in range(len(present))])
    return codes, lows, highs


def _effective_sizes(y, codes, groups, rate, n_g):
    """Per group: effective size before the t correction, clusters and design effect.

    Without ``groups`` the effective size is ``n``.  With them it is
    :func:`kapta_research.stats.design.interval_n` without its t(G − 1) factor
    (applied per confidence level by :func:`_corrected`): the CRV1 variance of the
    churn rate over ``p (1 - p)``, capped at ``n``; the worst case (intra-cluster
    correlation 1) where the rate is 0 or 1; NaN for a group of one account (no
    between-account variation: no interval).  The design effect is reported
    unfloored (NaN where undefined), as by :func:`kapta_research.nps.nps`.
    """
    k = len(n_g)
    if groups is None:
        return n_g.astype(float), None, None
    n_cl = np.zeros(k, dtype=int)
    deff = np.full(k, np.nan)
    n_eff = np.full(k, np.nan)
    for i in range(k):
        sel = codes == i
        if not sel.any():
            continue
        res = ratio_mean_variance(y[sel], cluster=groups[sel])
        n_cl[i] = res.n_clusters
        if res.n_clusters < 2:
            continue
        deff[i] = design_effect(res.variance, rate[i] * (1 - rate[i]) / n_g[i])
        sub_codes, G = cluster_codes(groups[sel])
        n_eff[i] = interval_n(n_g[i], res.variance, rate[i] * (1 - rate[i]),
                              worst_case=worst_case_design_effect(np.ones(n_g[i]), sub_codes, G))
    return n_eff, n_cl, deff


def _corrected(n_eff, n_cl, confidence):
    """Effective sizes with the t(G − 1) correction at ``confidence`` (unchanged without clusters)."""
    if n_cl is None:
        return n_eff
    return np.array([e * df_correction(confidence, g) if g >= 2 else np.nan for e, g in zip(n_eff, n_cl)])


def _reference_index(reference, keys, *, numeric, func) -> int:
    """Position of ``reference`` among the groups (a level, or a bin number from 1)."""
    if numeric:
        if isinstance(reference, numbers.Integral) and not isinstance(reference, bool) \
                and 1 <= reference <= len(keys):
            return int(reference) - 1
        raise ParameterError(f"The 'reference' parameter of {func} must be a bin number from 1 to "
                             f"{len(keys)} for a numeric predictor. Got {reference!r} instead.")
    for i, key in enumerate(keys):
        if key == reference:
            return i
    listed = ", ".join(map(repr, keys))
    raise ParameterError(f"The 'reference' parameter of {func} must be one of the categories present "
                         f"({listed}). Got {reference!r} instead.")


def _rate_difference(y, codes, groups, i, ref, n_base, n_cl, *, confidence) -> tuple[float, float, float, float]:
    """``rate_i - rate_ref``, its hybrid score (MOVER) interval and the p-value inverting it."""
    nan = float("nan")
    if not (codes == i).any() or not (codes == ref).any():
        return nan, nan, nan, nan
    pa, pr = float(y[codes == i].mean()), float(y[codes == ref].mean())
    if i == ref:
        return 0.0, nan, nan, nan
    if not (np.isfinite(n_base[i]) and np.isfinite(n_base[ref])):  # a group of one account: no interval
        return pa - pr, nan, nan, nan
    r = 0.0 if groups is None else ratio_mean_correlation(
        y[codes == i], y[codes == ref], cluster_a=groups[codes == i], cluster_b=groups[codes == ref])

    def at(c):
        n_eff = _corrected(n_base, n_cl, c)
        la, ua = wilson_interval(pa * n_eff[i], n_eff[i], confidence=c)
        lr, ur = wilson_interval(pr * n_eff[ref], n_eff[ref], confidence=c)
        return mover_difference(pa, (la, ua), pr, (lr, ur), correlation=r)

    lo, hi = at(confidence)
    return pa - pr, float(lo), float(hi), interval_p_value(at, pa - pr)
