"""Net Promoter Score with honest uncertainty.

On the proportion scale each respondent scores ``X = +1`` (promoter, 9-10),
``0`` (passive, 7-8) or ``-1`` (detractor, 0-6); NPS is the (weighted) mean
of ``X`` and is reported in points (-100 ... +100).

Intervals (``method``)
----------------------
``"wald"``
    ``NPS ± z·SE`` with ``Var = (p+ + p-) - (p+ - p-)²`` and ``SE = sqrt(Var/n)``
    (Rocks 2016; R package NPS ``nps_var``/``nps_se``).  Under-covers at small
    n and at extreme mixes (the SE is 0 when everyone is a promoter).
``"adjusted_wald"``
    Rocks' (2016) adjusted Wald: add 3/4 to the promoters, 3/4 to the
    detractors and 3/2 to the passives (n + 3) before the Wald interval.
``"score"``
    The iterative score interval: the set of Δ whose score statistic
    ``(NPS - Δ)² / (Var_Δ / n)`` is below ``z²``, with ``Var_Δ`` evaluated at
    the multinomial maximum-likelihood fit restricted to ``p+ - p- = Δ``
    (as Tango's interval for paired proportions, which is the same
    algebra: promoters and detractors are the two discordant cells).
    Recommended for small groups; it never collapses to a point.
``"bootstrap"``
    Percentile bootstrap of respondents (or of whole accounts with
    ``cluster``).

Clustered respondents
---------------------
Respondents of one account are not independent.  With ``cluster=`` the
variance is the cluster-robust (linearisation) variance of a ratio mean,
``G/(G-1) · Σ_g (Σ_{i∈g} w_i (X_i - NPS))² / (Σ w)²`` — the same as
statsmodels' cluster-robust SE of an intercept-only regression — and Wald
intervals use Student's t with ``G - 1`` degrees of freedom.  The score and
adjusted-Wald intervals use the effective sample size ``n / deff``, with the
design effect ``deff`` (cluster variance over simple-random-sampling
variance) floored at 1 (Korn & Graubard 1998).  When every respondent gives
the same category the design effect is undefined (0/0); the score and
adjusted-Wald intervals then use the worst case, an intra-cluster
correlation of 1: ``deff = Σ_g W_g² / Σ_i w_i²`` (without weights the
effective size ``n / deff = n² / Σ_g n_g²``, at most the number of clusters),
rather than pretending the respondents are independent.  The bootstrap resamples clusters.  A group
whose respondents all come from one cluster has no estimate of the
between-cluster variation: its SE and interval are NaN for every method.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from . import rules
from ._compat import UNSET, renamed
from ._validation import (check_choice, check_columns, check_confidence, check_dataframe,
                          check_int, check_number, check_numeric, check_random_state, row_labels,
                          source_of)
from .errors import DataError, ParameterError
from . import _engine_hook, _nps_sums
from .stats import intervals, resample

__all__ = ["classify", "nps", "compare", "group_gaps", "mix_contrasts", "protect_groups", "CATEGORIES", "METHODS",
           "score_interval"]

CATEGORIES = rules.CATEGORIES
METHODS = ("wald", "adjusted_wald", "score", "bootstrap")
NPS_COLUMNS = ["n", "n_missing", "n_clusters", "promoters", "passives", "detractors",
               "pct_promoters", "pct_passives", "pct_detractors", "nps", "se", "ci_low",
               "ci_high", "design_effect", "method", "suppressed", "suppressed_reason"]
#: Count columns of :func:`nps` (nullable integers: missing in suppressed rows).
COUNT_COLUMNS = ("n", "n_missing", "n_clusters", "promoters", "passives", "detractors")

# the single implementations live in kapta_research.stats; these names stay for callers
_srs_var = intervals.nps_srs_variance
_restricted_mle = intervals.nps_restricted_mle


def classify(scores) -> pd.Categorical:
    """Classify 0-10 likelihood-to-recommend scores.

    Parameters
    ----------
    scores : array-like of numbers
        Whole numbers from 0 to 10; missing values stay missing.

    Returns
    -------
    pandas.Categorical
        Ordered categories ``detractor < passive < promoter`` (0-6, 7-8, 9-10;
        :mod:`kapta_research.rules`).

    Examples
    --------
    >>> list(classify([0, 6, 7, 8, 9, 10]))
    ['detractor', 'detractor', 'passive', 'passive', 'promoter', 'promoter']
    """
    s = pd.Series(scores) if not isinstance(scores, pd.Series) else scores
    frame = s.to_frame("score")
    frame.attrs = dict(getattr(scores, "attrs", {}))
    values = check_numeric(frame, "score", func="classify", low=0, high=10, integer=True)
    return rules.classify(values.to_numpy())


def score_interval(pro: float, pas: float, det: float, *, confidence: float = 0.95,
                   n_eff: float | None = None) -> tuple[float, float]:
    """Iterative score interval for NPS on the proportion scale.

    Parameters
    ----------
    pro, pas, det : float
        (Weighted) counts of promoters, passives and detractors.
    confidence : float
        Confidence level.
    n_eff : float, optional
        Effective sample size (default: the total count); the counts are
        rescaled to it, e.g. ``n / deff`` for clustered data.

    Returns
    -------
    (low, high) : tuple of float
        Bounds in [-1, 1] (see :func:`kapta_research.stats.intervals.nps_score_interval`).

    Examples
    --------
    >>> lo, hi = score_interval(20, 0, 0)   # all promoters: no collapse to a point
    >>> round(lo, 3), hi
    (0.678, 1.0)
    """
    func = "score_interval"
    for name, value in (("pro", pro), ("pas", pas), ("det", det)):
        check_number(value, name=name, func=func, low=0)
    confidence = check_confidence(confidence, func=func)
    n_eff = check_number(n_eff, name="n_eff", func=func, low=0, low_open=True, allow_none=True)
    n = pro + pas + det
    if n <= 0:
        raise ParameterError("score_interval needs at least one respondent: pro + pas + det must be > 0. "
                             f"Got {pro!r} + {pas!r} + {det!r}.")
    if n_eff is not None:
        scale = n_eff / n
        pro, pas, det = pro * scale, pas * scale, det * scale
    return intervals.nps_score_interval(pro, pas, det, confidence=confidence)


def _group_stats(x, w, g, *, method, confidence, n_boot, rng):
    """Estimate for one group: x in {-1,0,1}, weights w, cluster labels g (or None).

    The rows are reduced to their per-cluster sums and handed to the one
    estimator, :func:`kapta_research._nps_sums.group_stats` (the engines use it too).
    """
    x, w = np.asarray(x, float), np.asarray(w, float)
    if g is None:
        codes = np.zeros(len(x), dtype=np.int64)
    else:
        raw, uniq = pd.factorize(np.asarray(g, dtype=object), sort=False)
        codes = _nps_sums.rank_labels(uniq)[raw]
    sums = _nps_sums.sums_from_rows(x, w, np.zeros(len(x), dtype=np.int64),
                                    None if g is None else codes, weighted=True)
    st = _nps_sums.group_stats(*_sum_arrays(sums), clustered_=g is not None, method=method,
                               confidence=confidence, n_boot=n_boot, rng=rng,
                               rows=None if g is not None else (x, w))
    st["promoters_w"] = float(w[x == 1].sum())
    return st


def _sum_arrays(sums: pd.DataFrame):
    """(k, s, q, w_min, w_max) arrays of the valid clusters of one group's sums."""
    k = sums[list(_nps_sums.K_COLS)].to_numpy()
    keep = k.sum(axis=1) > 0
    return (k[keep], sums[list(_nps_sums.S_COLS)].to_numpy(float)[keep],
            sums[list(_nps_sums.Q_COLS)].to_numpy(float)[keep], sums["w_min"].to_numpy(float)[keep],
            sums["w_max"].to_numpy(float)[keep])


def _prepare(data, *, score, by, weights, cluster, func):
    check_dataframe(data, func=func)
    by = [] if by is None else ([by] if isinstance(by, str) else list(by))
    if cluster is not None and not isinstance(cluster, str):
        raise ParameterError(f"The 'cluster' parameter of {func} must be a column name (str) or None. "
                             f"Got {cluster!r} instead.")
    needed = [score, *by]
    if weights is not None:
        needed.append(weights)
    if cluster is not None:
        needed.append(cluster)
    check_columns(data, needed, func=func)
    values = check_numeric(data, score, func=func, low=0, high=10, integer=True)
    x = pd.Series(rules.category_codes(values.to_numpy()), index=data.index)
    w = _checked_weights(data, weights, func=func) if weights is not None else pd.Series(1.0, index=data.index)
    if cluster is not None and data[cluster].isna().any():
        miss = data[cluster].isna()
        raise DataError("cluster ids are missing", file=source_of(data), column=cluster,
                        rows=row_labels(data, miss), values=list(data[cluster][miss]))
    frame = pd.DataFrame({"_x": x, "_w": w}, index=data.index)
    for b in by:
        frame[b] = data[b]
    if cluster is not None:
        frame["_g"] = data[cluster].astype(str)
    return frame, by


def _checked_weights(data, weights: str, *, func: str) -> pd.Series:
    """The weights column as floats; negative or non-finite weights are a DataError naming the rows."""
    w = check_numeric(data, weights, func=func)
    bad = (w < 0) | ~np.isfinite(w)
    if bad.any():
        raise DataError("weights must be finite and non-negative", file=source_of(data),
                        column=weights, rows=row_labels(data, bad), values=list(data[weights][bad]))
    return w


def _suppression(n: int, n_clusters: int | None, *, min_n: int, min_accounts: int) -> str | None:
    """Why a group is suppressed (None if it is not): the one rule of nps, compare and group_gaps."""
    if n < min_n:
        return f"fewer than {min_n} responses"
    if n_clusters is not None and n_clusters < min_accounts:
        return f"fewer than {min_accounts} accounts"
    return None


#: Why a group that meets the rule is suppressed all the same (complementary suppression).
COMPLEMENTARY_REASON = "suppressed with a smaller group, which could otherwise be derived from the total"


def _group_size(sub: pd.DataFrame, clustered: bool) -> tuple[int, int | None]:
    return len(sub), (int(sub["_g"].nunique()) if clustered else None)


def protect_groups(subsets, reasons, *, clustered: bool, min_n: int, min_accounts: int) -> list:
    """Complementary suppression: hide further groups until the hidden ones cannot be derived.

    A table that prints the total and every group but one lets a reader work the
    hidden group out by subtraction (total minus the shown groups).  So when any
    group is suppressed and the suppressed groups *together* still fall below the
    rule (:func:`_suppression` on their pooled rows), the smallest shown groups
    (fewest accounts, then fewest responses, then table order) are suppressed
    too, one at a time, until the pooled hidden rows meet the rule or nothing is
    left to hide.  This is the usual secondary-suppression rule of statistical
    disclosure control (Hundepool et al., *Statistical Disclosure Control*, 2012,
    §4.2), applied to one breakdown at a time: groups of one ``by`` breakdown
    are taken to partition the total.

    Parameters
    ----------
    subsets : list of DataFrame
        The valid rows of each group (columns ``_x``, ``_w`` and, when clustered, ``_g``).
    reasons : list of str or None
        Primary suppression reason of each group (None: shown).
    clustered, min_n, min_accounts
        The rule, as for :func:`nps`.

    Returns
    -------
    list of str or None
        The reasons after complementary suppression (:data:`COMPLEMENTARY_REASON`
        for the groups hidden to protect a smaller one).
    """
    sizes = [_group_size(sub, clustered) for sub in subsets]

    def pooled(hidden):
        return _group_size(pd.concat([subsets[i] for i in hidden]), clustered)

    return _protect(sizes, pooled, reasons, min_n=min_n, min_accounts=min_accounts)


def _protect(sizes, pooled, reasons, *, min_n: int, min_accounts: int) -> list:
    """:func:`protect_groups` on group sizes ``(n, n_clusters)``; ``pooled(indices)`` sizes a union."""
    reasons = list(reasons)
    hidden = [i for i, r in enumerate(reasons) if r]
    if not hidden:
        return reasons
    shown = sorted((i for i, r in enumerate(reasons) if not r),
                   key=lambda i: (sizes[i][1] or 0, sizes[i][0], i))
    while shown and _suppression(*pooled(hidden), min_n=min_n, min_accounts=min_accounts):
        i = shown.pop(0)
        reasons[i] = COMPLEMENTARY_REASON
        hidden.append(i)
    return reasons


def _check_common(func, *, confidence, min_n, min_accounts):
    return (check_confidence(confidence, func=func), check_int(min_n, name="min_n", func=func, low=1),
            check_int(min_accounts, name="min_accounts", func=func, low=1))


def nps(data, *, outcome="ltr", by=None, weights=None, cluster=None, confidence=0.95,
        method="score", min_n=5, min_accounts=3, n_boot=resample.DEFAULT_N_BOOT, random_state=None,
        score=UNSET) -> pd.DataFrame:
    """Net Promoter Score with its mix, standard error and confidence interval.

    Parameters
    ----------
    data : DataFrame
        One row per response.
    outcome : str
        Column of 0-10 likelihood-to-recommend scores (missing values are
        dropped and counted in ``n_missing``).  (``score=`` is its deprecated
        old name.)
    by : str or list of str, optional
        Grouping columns; one output row per group (missing keys form their
        own group).
    weights : str, optional
        Column of non-negative respondent weights (e.g. to balance roles).
    cluster : str or None
        Column identifying the cluster (usually ``"account_id"``); SE and CI
        then respect that respondents of one account are correlated.
    confidence : float
        Confidence level in (0, 1).
    method : {"score", "wald", "adjusted_wald", "bootstrap"}
        Interval method, see the module docstring.  The default ``"score"``
        is recommended for groups under ~100 respondents or extreme mixes and
        never leaves [-100, 100].
    min_n : int
        Groups with fewer respondents are suppressed.
    min_accounts : int
        With ``cluster``, groups with fewer clusters (accounts) are
        suppressed too: a group of one or two accounts identifies them.
    n_boot : int
        Bootstrap replicates (``method="bootstrap"`` only).
    random_state : None, int or numpy Generator
        Seed for the bootstrap.

    Returns
    -------
    DataFrame
        One row per group, sorted by the ``by`` columns, with columns: the
        ``by`` columns, ``n`` (respondents with a score), ``n_missing``,
        ``n_clusters`` (clusters, or respondents without ``cluster``),
        ``promoters``, ``passives``, ``detractors`` (counts), ``pct_promoters``,
        ``pct_passives``, ``pct_detractors`` (weighted %, 0-100), ``nps``
        (points, -100 to 100), ``se`` (points), ``ci_low``, ``ci_high``
        (points), ``design_effect`` (clustered over simple-random-sampling
        variance; 1 without ``cluster``), ``method``, ``suppressed`` and
        ``suppressed_reason`` (e.g. "fewer than 3 accounts").  A suppressed
        row keeps its group label but no number at all (counts, shares, NPS,
        interval are missing), so no table or figure can print it.  When the
        suppressed groups together fall below the rule, the smallest shown
        groups are suppressed too (:func:`protect_groups`), so that the total
        minus the shown groups cannot reveal a hidden one.

    Examples
    --------
    >>> import kapta_research as kr
    >>> r = kr.load_sample().respondents()
    >>> overall = kr.nps.nps(r, cluster="account_id")
    >>> overall[["n", "nps", "ci_low", "ci_high", "design_effect"]].round(1)
          n   nps  ci_low  ci_high  design_effect
    0  2625  15.4     8.0     22.6            5.8
    """
    func = "nps"
    outcome = renamed(func, "score", "outcome", score, outcome, default="ltr")
    confidence, min_n, min_accounts = _check_common(func, confidence=confidence, min_n=min_n,
                                                    min_accounts=min_accounts)
    check_choice(method, METHODS, name="method", func=func)
    n_boot = check_int(n_boot, name="n_boot", func=func, low=100)
    rng = check_random_state(random_state, func=func)
    by = [] if by is None else ([by] if isinstance(by, str) else list(by))
    if cluster is not None and not isinstance(cluster, str):
        raise ParameterError(f"The 'cluster' parameter of {func} must be a column name (str) or None. "
                             f"Got {cluster!r} instead.")
    common = dict(clustered_=cluster is not None, method=method, confidence=confidence, min_n=min_n,
                  min_accounts=min_accounts, n_boot=n_boot, rng=rng)
    if _engine_hook.is_engine_table(data):   # DuckDB / Parquet / Spark: the sums come from the engine
        from .engines import _nps as engine
        if cluster is not None and method == "bootstrap":   # the account bootstrap needs per-account sums
            keys, sums, rows_of = engine.nps_sums(data, outcome=outcome, by=by, weights=weights,
                                                  cluster=cluster, method=method, func=func)
            return _table_from_sums(keys, sums, by, rows_of=rows_of, weighted=weights is not None, **common)
        keys, g, pooled_clusters = engine.nps_group_sums(data, outcome=outcome, by=by, weights=weights,
                                                         cluster=cluster, method=method, func=func)
        counts = np.stack([g[c] for c in _nps_sums.K_COLS], axis=1)
        return _table_from_groups(keys, g, by, pooled_clusters=pooled_clusters,
                                  units=lambda i: _nps_sums.respondent_units(counts[i:i + 1]), **common)
    keys, sums, rows_of = _sums_in_memory(data, outcome=outcome, by=by, weights=weights,
                                          cluster=cluster, func=func)
    return _table_from_sums(keys, sums, by, rows_of=rows_of, weighted=weights is not None, **common)


def _sums_in_memory(data, *, outcome, by, weights, cluster, func):
    """Group keys, per-(group, cluster) sums and a row getter of a DataFrame (one pass, no per-group loop)."""
    check_dataframe(data, func=func)
    check_columns(data, [outcome, *by, *([weights] if weights else []), *([cluster] if cluster else [])],
                  func=func)
    raw = data[outcome]
    if isinstance(raw.dtype, np.dtype) and raw.dtype.kind in "iu" and len(raw) and 0 <= raw.min() <= raw.max() <= 10:
        values = raw.to_numpy()   # whole numbers in range: nothing to check, no float copy
    else:
        values = check_numeric(data, outcome, func=func, low=0, high=10, integer=True).to_numpy()
    x = _nps_sums.score_slots(values)
    w = None
    if weights is not None:
        w = _checked_weights(data, weights, func=func).to_numpy(float)
    crank = None
    if cluster is not None:
        miss = data[cluster].isna()
        if miss.any():
            raise DataError("cluster ids are missing", file=source_of(data), column=cluster,
                            rows=row_labels(data, miss), values=list(data[cluster][miss]))
        fast = _nps_sums.sorted_codes(data[cluster])   # fixed-width Arrow ids: factorised as integers
        if fast is not None:
            crank = fast[0]
        else:
            codes, uniq = pd.factorize(data[cluster], sort=False)
            crank = _nps_sums.rank_labels(uniq)[codes]
    fast = _nps_sums.sorted_codes(data[by[0]]) if len(by) == 1 else None
    if fast is not None:   # one string key: its text-order codes are the sorted groupby's group numbers
        gid, keys = fast[0], [(k,) for k in fast[1]]
    elif by:
        gb = data.groupby(by, dropna=False, sort=True, observed=True)
        gid = gb.ngroup().to_numpy(np.int64)
        idx = gb.size().index
        keys = list(idx) if len(by) > 1 else [(k,) for k in idx]
    else:
        gid, keys = np.zeros(len(data), dtype=np.int64), [()]
    sums = _nps_sums.sums_from_rows(x, w, gid, crank, weighted=w is not None)

    def rows_of(i):   # valid rows of group i in table order (the respondent bootstrap only)
        keep = (gid == i) & (x < 3)
        wi = np.ones(int(keep.sum())) if w is None else w[keep]
        xi = x[keep].astype(float) - 1.0
        return xi[wi > 0], wi[wi > 0]
    return keys, sums, rows_of


def _table_from_sums(keys, sums, by, *, clustered_, method, confidence, min_n, min_accounts, n_boot, rng,
                     rows_of=None, weighted=None) -> pd.DataFrame:
    """The :func:`nps` table from group keys and per-(group, cluster) sums (sorted by group).

    ``weighted`` (default: guessed from the sums, unweighted when every weight sum equals its count)
    picks the exact integer reduction of :func:`kapta_research._nps_sums.group_sums`.
    """
    K = len(keys)
    if weighted is None:
        k = sums[list(_nps_sums.K_COLS)].to_numpy(float)
        weighted = not (np.array_equal(sums[list(_nps_sums.S_COLS)].to_numpy(float), k)
                        and np.array_equal(sums[list(_nps_sums.Q_COLS)].to_numpy(float), k))
    g = _nps_sums.group_sums(sums, K, clustered=clustered_, weighted=weighted)
    grp = sums["_grp"].to_numpy(np.int64)
    bounds = np.searchsorted(grp, np.arange(K + 1))
    valid = sums[list(_nps_sums.K_COLS)].to_numpy(np.int64).sum(axis=1) > 0
    c_all = sums["_c"].to_numpy(np.int64)

    def pooled_clusters(hidden):
        return len(np.unique(c_all[np.isin(grp, hidden) & valid]))

    def units(i):
        sl = slice(bounds[i], bounds[i + 1])
        k = sums[list(_nps_sums.K_COLS)].to_numpy(np.int64)[sl]
        if clustered_:
            return _nps_sums.cluster_units(k, sums[list(_nps_sums.S_COLS)].to_numpy(float)[sl])
        return _nps_sums.respondent_units(k, rows_of(i) if rows_of is not None else None)

    return _table_from_groups(keys, g, by, clustered_=clustered_, method=method, confidence=confidence,
                              min_n=min_n, min_accounts=min_accounts, n_boot=n_boot, rng=rng,
                              pooled_clusters=pooled_clusters, units=units)


def _table_from_groups(keys, g, by, *, clustered_, method, confidence, min_n, min_accounts, n_boot, rng,
                       pooled_clusters, units=None) -> pd.DataFrame:
    """The :func:`nps` table from group keys and per-group sums (:data:`_nps_sums.GROUP_COLUMNS`).

    ``pooled_clusters(indices)`` counts the distinct clusters of a union of groups (complementary
    suppression); ``units(i)`` gives group ``i``'s bootstrap units (``method="bootstrap"`` only).
    """
    K = len(keys)
    n_g = (g["k_det"] + g["k_pas"] + g["k_pro"]).astype(np.int64)
    nc_g = np.asarray(g["n_clusters"], np.int64)
    sizes = [(int(n_g[i]), int(nc_g[i]) if clustered_ else None) for i in range(K)]

    def pooled(hidden):
        n = sum(sizes[i][0] for i in hidden)
        return (n, pooled_clusters(hidden)) if clustered_ else (n, None)

    reasons = _protect(sizes, pooled, [_suppression(*sz, min_n=min_n, min_accounts=min_accounts)
                                       for sz in sizes], min_n=min_n, min_accounts=min_accounts)
    shown = np.array([not r for r in reasons], dtype=bool)
    idx = np.flatnonzero(shown)
    est = _nps_sums.estimate({c: np.asarray(v)[idx] for c, v in g.items()}, clustered_=clustered_,
                             method=method, confidence=confidence, n_boot=n_boot, rng=rng,
                             units=(lambda j: units(int(idx[j]))) if units is not None else None)
    cols = {b: [key[j] for key in keys] for j, b in enumerate(by)}

    def spread(values, scale=1.0, fill=np.nan):
        out = np.full(K, fill, dtype=float)
        out[idx] = np.asarray(values, float) * scale
        return out

    def counts(values):
        out = pd.array(np.zeros(K, dtype=np.int64), dtype="Int64")
        out[idx] = np.asarray(values, np.int64)[idx] if len(values) == K else np.asarray(values, np.int64)
        out[~shown] = pd.NA
        return out

    frame = {**cols,
             "n": counts(n_g), "n_missing": counts(np.asarray(g["n_missing"], np.int64)),
             "n_clusters": counts(est["n_clusters"]), "promoters": counts(np.asarray(g["k_pro"], np.int64)),
             "passives": counts(np.asarray(g["k_pas"], np.int64)),
             "detractors": counts(np.asarray(g["k_det"], np.int64)),
             "pct_promoters": spread(est["pct_promoters"], 100), "pct_passives": spread(est["pct_passives"], 100),
             "pct_detractors": spread(est["pct_detractors"], 100), "nps": spread(est["nps"], 100),
             "se": spread(est["se"], 100), "ci_low": spread(est["ci_low"], 100),
             "ci_high": spread(est["ci_high"], 100),
             "design_effect": spread(est["design_effect"]) if clustered_ else spread(np.ones(len(idx))),
             "method": [method] * K, "suppressed": ~shown,
             "suppressed_reason": [r if r else None for r in reasons]}
    out = pd.DataFrame(frame, columns=[*by, *NPS_COLUMNS])
    return out.reset_index(drop=True)


def mix_contrasts(table, *, by, nps_tolerance=5.0, mix_threshold=10.0) -> pd.DataFrame:
    """Flag groups whose NPS is alike but whose mix of respondents is not.

    The same NPS can hide different mixes: 70/20/10 % and 60/40/0 %
    (promoters/passives/detractors) both give +60, but the first has
    detractors to win back and the second a block of passives to convert.

    Parameters
    ----------
    table : DataFrame
        Output of :func:`nps` with ``by`` columns.
    by : str or list of str
        The grouping columns used in ``table``.
    nps_tolerance : float
        Two groups count as "alike" when their NPS differ by at most this
        many points.
    mix_threshold : float
        ...and as "different mixes" when the passive shares (equivalently the
        total variation distance of the two mixes, in points) differ by at
        least this much.

    Returns
    -------
    DataFrame
        One row per pair of non-suppressed groups (``group_a``, ``group_b``
        as tuples of the ``by`` values when several), with ``nps_a``,
        ``nps_b``, ``nps_diff``, ``pct_passives_a``, ``pct_passives_b``,
        ``mix_distance`` (total variation distance, points), ``p_value_mix``
        (chi-square test of equal mixes on the counts, respondents taken as
        independent), ``same_score_different_mix`` (bool).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"team": ["a"] * 10 + ["b"] * 10,
    ...                    "ltr": [10] * 7 + [8] * 2 + [3] + [10] * 6 + [7] * 4})
    >>> t = nps(df, by="team")
    >>> mix_contrasts(t, by="team")[["group_a", "group_b", "nps_diff", "same_score_different_mix"]]
      group_a group_b  nps_diff  same_score_different_mix
    0       a       b       0.0                      True
    """
    by = [by] if isinstance(by, str) else list(by)
    check_columns(table, [*by, "nps", "pct_promoters", "pct_passives", "pct_detractors",
                          "promoters", "passives", "detractors", "suppressed"], func="mix_contrasts")
    check_number(nps_tolerance, name="nps_tolerance", func="mix_contrasts", low=0)
    check_number(mix_threshold, name="mix_threshold", func="mix_contrasts", low=0)
    t = table[~table["suppressed"].astype(bool)].reset_index(drop=True)
    keys = [tuple(r) if len(by) > 1 else r[0] for r in t[by].itertuples(index=False)]
    rows = []
    for i in range(len(t)):
        for j in range(i + 1, len(t)):
            a, b = t.iloc[i], t.iloc[j]
            mix_a = np.array([a.pct_promoters, a.pct_passives, a.pct_detractors], float)
            mix_b = np.array([b.pct_promoters, b.pct_passives, b.pct_detractors], float)
            tvd = 0.5 * np.abs(mix_a - mix_b).sum()
            counts = np.array([[a.promoters, a.passives, a.detractors],
                               [b.promoters, b.passives, b.detractors]], float)
            keep = counts.sum(axis=0) > 0
            p = float(stats.chi2_contingency(counts[:, keep], correction=False)[1]) if keep.sum() > 1 else 1.0
            diff = float(a.nps - b.nps)
            rows.append({"group_a": keys[i], "group_b": keys[j], "nps_a": float(a.nps),
                         "nps_b": float(b.nps), "nps_diff": diff,
                         "pct_passives_a": float(a.pct_passives), "pct_passives_b": float(b.pct_passives),
                         "mix_distance": tvd, "p_value_mix": p,
                         "same_score_different_mix": bool(abs(diff) <= nps_tolerance and tvd >= mix_threshold)})
    cols = ["group_a", "group_b", "nps_a", "nps_b", "nps_diff", "pct_passives_a", "pct_passives_b",
            "mix_distance", "p_value_mix", "same_score_different_mix"]
    return pd.DataFrame(rows, columns=cols)


# comparisons live in their own module; they are part of this API
from ._compare import compare, group_gaps  # noqa: E402
