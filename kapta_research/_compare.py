"""NPS comparisons: between levels of a column (:func:`compare`) and every pair of groups
(:func:`group_gaps`).  Re-exported by :mod:`kapta_research.nps`.

Both use one pair rule (:func:`_compare_pair`):

* the difference ``d = NPS_a − NPS_b`` and its linearisation standard error,
  with the joint cluster-robust variance when the groups share accounts
  (:func:`kapta_research.stats.clustered.ratio_mean_difference_variance`);
* ``method="score"`` (default): the interval is Newcombe's MOVER from the two
  groups' score intervals, with the correlation of the two estimates through
  shared accounts — it never leaves [−200, 200] — and the p-value inverts that
  interval, so "p < 1 − confidence" and "the interval excludes 0" agree;
* ``method="wald"``: ``d ± t_{G−1}·SE`` (z without ``cluster``) and the
  matching t (z) test; it can leave [−200, 200] for tiny groups.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ._compat import UNSET, renamed
from ._validation import check_choice, source_of
from .errors import DataError, ParameterError
from .nps import _check_common, _group_size, _group_stats, _prepare, _suppression, protect_groups
from .stats import clustered, intervals, multiplicity
from .stats.clustered import ratio_mean_correlation

__all__ = ["compare", "group_gaps", "COMPARE_METHODS"]

#: Interval methods of :func:`compare` and :func:`group_gaps`.
COMPARE_METHODS = ("score", "wald")


def compare(data, *, group, outcome="ltr", reference=None, by=None, cluster=None, weights=None,
            confidence=0.95, min_n=5, min_accounts=3, method="score", adjust=None,
            score=UNSET) -> pd.DataFrame:
    """Compare NPS between the levels of ``group`` and a reference level.

    Works for segments (independent groups) and for waves (a trend, where
    the same accounts answer in several waves): with ``cluster`` the
    covariance between two groups that share clusters is taken into account
    through the joint cluster-robust (linearisation) variance
    ``Var(d) = G/(G-1) Σ_g (u_g,a - u_g,b)²`` with
    ``u_g,k = Σ_{i∈g,k} w_i (X_i - NPS_k) / W_k``.  Without ``cluster`` the
    groups are taken as independent: ``SE(d)² = v_a/n_a + v_b/n_b`` (Rocks 2016).
    Intervals and p-values: see the module docstring (``method``).

    Parameters
    ----------
    data : DataFrame
    group : str
        Column whose levels are compared (segment, wave, ...).
    outcome : str
        Column of 0-10 scores (``score=`` is its deprecated old name).
    reference : level, "previous" or None
        The level to compare against; ``None`` = the first level in sorted
        order; ``"previous"`` = each level against the level before it (for
        waves: the change since the last wave).
    by : str or list of str, optional
        Make the comparison separately within each level of these columns
        (e.g. the wave-on-wave change within each segment).
    cluster : str or None
        Cluster column (e.g. ``"account_id"``).
    weights : str, optional
        Respondent weights.
    confidence : float
    min_n, min_accounts : int
        Comparisons involving a level with fewer respondents (or, with
        ``cluster``, fewer accounts) are suppressed: no numbers at all.
    method : {"score", "wald"}
    adjust : None or "holm"
        Adds ``p_adjusted``, Holm-adjusted over every unsuppressed row of the table.

    Returns
    -------
    DataFrame
        One row per compared level (within each ``by`` level) with columns:
        the ``by`` columns, ``group`` (the level), ``reference`` (the level
        compared against), ``n``, ``n_reference``, ``nps``, ``nps_reference``,
        ``diff`` (points), ``se``, ``ci_low``, ``ci_high`` (points),
        ``p_value`` (two-sided), ``p_adjusted`` (with ``adjust``),
        ``suppressed``, ``suppressed_reason``.

    Examples
    --------
    >>> import kapta_research as kr
    >>> r = kr.load_sample().respondents()
    >>> trend = kr.nps.compare(r, group="wave", reference="previous", cluster="account_id")
    >>> list(trend.columns[:4])
    ['group', 'reference', 'n', 'n_reference']
    >>> bool(trend["ci_low"].ge(-200).all() and trend["ci_high"].le(200).all())
    True
    """
    func = "compare"
    outcome = renamed(func, "score", "outcome", score, outcome, default="ltr")
    confidence, min_n, min_accounts = _check_common(func, confidence=confidence, min_n=min_n,
                                                    min_accounts=min_accounts)
    check_choice(method, COMPARE_METHODS, name="method", func=func)
    check_choice(adjust, multiplicity.ADJUSTMENTS, name="adjust", func=func)
    if not isinstance(group, str):
        raise ParameterError(f"The 'group' parameter of compare must be a column name (str). Got {group!r} instead.")
    frame, by = _prepare(data, score=outcome, by=[group] + ([] if by is None else
                                                            ([by] if isinstance(by, str) else list(by))),
                         weights=weights, cluster=cluster, func=func)
    by = by[1:]
    frame = frame[frame["_x"].notna() & frame[group].notna() & (frame["_w"] > 0)]
    levels = sorted(frame[group].unique().tolist())  # Python scalars: readable in messages
    if len(levels) < 2:
        raise DataError(f"compare needs at least two levels of {group!r}; found {len(levels)}",
                        file=source_of(data), column=group, values=levels)
    if reference is None:
        pairs = [(lvl, levels[0]) for lvl in levels[1:]]
    elif isinstance(reference, str) and reference == "previous" and "previous" not in levels:
        pairs = list(zip(levels[1:], levels[:-1]))
    else:
        if reference not in levels:
            raise ParameterError(f"The 'reference' parameter of compare must be None, 'previous' or a level "
                                 f"of {group!r} ({', '.join(map(repr, levels[:10]))}). Got {reference!r} instead.")
        pairs = [(lvl, reference) for lvl in levels if lvl != reference]
    subsets = [((), frame)] if not by else frame.groupby(by, sort=True, dropna=False)
    rule = dict(clustered=cluster is not None, confidence=confidence, min_n=min_n,
                min_accounts=min_accounts, method=method)
    subsets = [(key if isinstance(key, tuple) else (key,), sub) for key, sub in subsets]
    rows = []
    for a, b in pairs:
        sides = [[sub[sub[group] == lvl] for _, sub in subsets] for lvl in (a, b)]
        hidden = _protected_reasons(sides, clustered=cluster is not None, min_n=min_n,
                                    min_accounts=min_accounts)
        for (key, _), sa, sb, reason in zip(subsets, *sides, hidden):
            row = dict(zip(by, key))
            if reason:
                row.update(group=a, reference=b, suppressed=True, suppressed_reason=reason)
            else:
                row.update(_compare_pair(sa, sb, a, b, **rule))
            rows.append(row)
    if by:  # table order: strata, then comparisons (as before)
        rows = [rows[i * len(subsets) + j] for j in range(len(subsets)) for i in range(len(pairs))]
    cols = [*by, "group", "reference", "n", "n_reference", "nps", "nps_reference", "diff", "se",
            "ci_low", "ci_high", "p_value", "suppressed", "suppressed_reason"]
    out = _finish(pd.DataFrame(rows, columns=cols), ("n", "n_reference"))
    if adjust is not None:
        out.insert(out.columns.get_loc("p_value") + 1, "p_adjusted",
                   multiplicity.adjust_p_values(out["p_value"].to_numpy(float), method=adjust))
    return out


def _finish(out: pd.DataFrame, counts) -> pd.DataFrame:
    for c in counts:
        out[c] = out[c].astype("Int64")
    out["suppressed"] = out["suppressed"].astype(bool)
    return out


def _protected_reasons(sides, *, clustered, min_n, min_accounts) -> list:
    """Per stratum, why its comparison is hidden: either side below the rule, or hidden to protect one.

    ``sides`` holds, for the compared level and the reference level, the rows of
    each stratum.  Each side gets complementary suppression
    (:func:`~kapta_research.nps.protect_groups`) on its own, then a stratum is
    hidden when it is hidden on either side (hiding more only pools more rows, so
    the rule stays met).
    """
    out = [None] * len(sides[0])
    if len(out) < 2:
        return out
    for label, subs in zip(("group", "reference"), sides):
        primary = [_suppression(*_group_size(s, clustered), min_n=min_n, min_accounts=min_accounts)
                   for s in subs]
        for i, r in enumerate(protect_groups(subs, primary, clustered=clustered, min_n=min_n,
                                             min_accounts=min_accounts)):
            if r and out[i] is None:
                out[i] = f"{label}: {r}"
    return out


def _compare_pair(sa, sb, a, b, *, clustered, confidence, min_n, min_accounts, method) -> dict:
    """One comparison of group ``a`` (rows ``sa``) with group ``b`` (rows ``sb``)."""
    row = {"group": a, "reference": b}
    for label, s in (("group", sa), ("reference", sb)):
        reason = _suppression(len(s), int(s["_g"].nunique()) if clustered else None,
                              min_n=min_n, min_accounts=min_accounts)
        if reason:
            return {**row, "suppressed": True, "suppressed_reason": f"{label}: {reason}"}
    res = _difference(sa, sb, clustered=clustered)
    if clustered and res.n_clusters < 2:
        return {**row, "suppressed": True, "suppressed_reason": "one account: no variance"}
    d, se = res.estimate, res.se
    if method == "wald":
        df = res.n_clusters - 1 if clustered else None
        lo, hi = intervals.wald_interval(d, se, confidence=confidence, df=df)
        p = _t_p_value(d, se, df) if se > 0 else (1.0 if d == 0 else 0.0)
    else:
        ma, mb = _mean(sa), _mean(sb)
        r = ratio_mean_correlation(sa["_x"].to_numpy(), sb["_x"].to_numpy(), w_a=sa["_w"].to_numpy(),
                                   w_b=sb["_w"].to_numpy(), cluster_a=sa["_g"].to_numpy(),
                                   cluster_b=sb["_g"].to_numpy()) if clustered else 0.0
        ga, gb = (s["_g"].to_numpy() if clustered else None for s in (sa, sb))
        wa, wb = sa["_w"].to_numpy(float), sb["_w"].to_numpy(float)
        xa, xb = sa["_x"].to_numpy(), sb["_x"].to_numpy()

        def at(c):
            ia = _group_stats(xa, wa, ga, method="score", confidence=c, n_boot=0, rng=None)
            ib = _group_stats(xb, wb, gb, method="score", confidence=c, n_boot=0, rng=None)
            return intervals.mover_difference(ma, (ia["ci_low"], ia["ci_high"]), mb,
                                              (ib["ci_low"], ib["ci_high"]), correlation=r)
        lo, hi = at(confidence)
        p = intervals.interval_p_value(at, d)
    row.update(n=len(sa), n_reference=len(sb), nps=100 * _mean(sa), nps_reference=100 * _mean(sb),
               diff=100 * d, se=100 * se, ci_low=100 * float(lo), ci_high=100 * float(hi), p_value=p,
               suppressed=False, suppressed_reason=None)
    return row


def _mean(s) -> float:
    return float((s["_w"] * s["_x"]).sum() / s["_w"].sum())


def _t_p_value(d: float, se: float, df) -> float:
    from scipy import stats
    dist = stats.norm if df is None else stats.t(df)
    return float(2 * dist.sf(abs(d) / se))


def _difference(sa, sb, *, clustered):
    kw = dict(w_a=sa["_w"].to_numpy(float), w_b=sb["_w"].to_numpy(float))
    if clustered:
        kw.update(cluster_a=sa["_g"].to_numpy(), cluster_b=sb["_g"].to_numpy())
    return clustered_diff(sa["_x"].to_numpy(float), sb["_x"].to_numpy(float), **kw)


clustered_diff = clustered.ratio_mean_difference_variance


def group_gaps(data, *, by, outcome="ltr", cluster=None, confidence=0.95, min_n=5, min_accounts=3,
               adjust="holm", method="score", weights=None) -> pd.DataFrame:
    """NPS gap of every pair of unsuppressed groups, adjusted for the number of pairs.

    "Highest vs lowest segment" is chosen after looking at the data, so a
    fair test of it adjusts for every pair that could have been the extreme
    one: the p-values are adjusted across all pairs compared (Holm), and the
    highest-vs-lowest pair is flagged in ``extremes``.  Groups below
    ``min_n`` responses or (with ``cluster``) ``min_accounts`` accounts are
    left out entirely.

    Parameters
    ----------
    data : DataFrame
        One row per response.
    by : str or list of str
        Grouping columns (e.g. ``"segment"``).
    outcome : str
        Column of 0-10 scores.
    cluster : str or None
        Account column (groups rarely share accounts, but may).
    confidence : float
    min_n, min_accounts : int
        Suppression rule of :func:`~kapta_research.nps.nps`.
    adjust : "holm" or None
    method : {"score", "wald"}
        Interval of each difference (see :func:`compare`).
    weights : str, optional

    Returns
    -------
    DataFrame
        One row per pair, the higher-NPS group first, with columns
        ``group_a``, ``group_b`` (labels; tuples with several ``by``
        columns), ``n_a``, ``n_b``, ``nps_a``, ``nps_b``, ``diff``
        (``nps_a − nps_b`` >= 0, points), ``se``, ``ci_low``, ``ci_high``
        (points, within ±200), ``p_value``, ``p_adjusted`` and ``extremes``
        (True for the highest vs the lowest group).

    Examples
    --------
    >>> import kapta_research as kr
    >>> r = kr.load_sample().respondents()
    >>> gaps = kr.nps.group_gaps(r, by="segment", cluster="account_id")
    >>> len(gaps), int(gaps["extremes"].sum())
    (6, 1)
    """
    func = "group_gaps"
    confidence, min_n, min_accounts = _check_common(func, confidence=confidence, min_n=min_n,
                                                    min_accounts=min_accounts)
    check_choice(method, COMPARE_METHODS, name="method", func=func)
    check_choice(adjust, multiplicity.ADJUSTMENTS, name="adjust", func=func)
    if by is None:
        raise ParameterError("The 'by' parameter of group_gaps must be a column name or a list of them. "
                             "Got None instead.")
    frame, by = _prepare(data, score=outcome, by=by, weights=weights, cluster=cluster, func=func)
    frame = frame[frame["_x"].notna() & (frame["_w"] > 0)]
    groups = [(key if isinstance(key, tuple) else (key,), sub)
              for key, sub in frame.groupby(by, dropna=False, sort=True, observed=True)]
    reasons = protect_groups(
        [sub for _, sub in groups],
        [_suppression(*_group_size(sub, cluster is not None), min_n=min_n, min_accounts=min_accounts)
         for _, sub in groups], clustered=cluster is not None, min_n=min_n, min_accounts=min_accounts)
    kept = [(key if len(by) > 1 else key[0], sub, _mean(sub))
            for (key, sub), reason in zip(groups, reasons) if reason is None]
    rule = dict(clustered=cluster is not None, confidence=confidence, min_n=min_n,
                min_accounts=min_accounts, method=method)
    rows = []
    for i in range(len(kept)):
        for j in range(i + 1, len(kept)):
            (ka, sa, ma), (kb, sb, mb) = kept[i], kept[j]
            if mb > ma:
                (ka, sa, ma), (kb, sb, mb) = (kb, sb, mb), (ka, sa, ma)
            r = _compare_pair(sa, sb, ka, kb, **rule)
            rows.append({"group_a": ka, "group_b": kb, "n_a": r.get("n"), "n_b": r.get("n_reference"),
                         "nps_a": r.get("nps"), "nps_b": r.get("nps_reference"), "diff": r.get("diff"),
                         "se": r.get("se"), "ci_low": r.get("ci_low"), "ci_high": r.get("ci_high"),
                         "p_value": r.get("p_value", np.nan)})
    cols = ["group_a", "group_b", "n_a", "n_b", "nps_a", "nps_b", "diff", "se", "ci_low", "ci_high",
            "p_value", "p_adjusted", "extremes"]
    out = pd.DataFrame(rows, columns=cols)
    out["p_adjusted"] = multiplicity.adjust_p_values(out["p_value"].to_numpy(float), method=adjust)
    if len(kept) >= 2:
        top = max(kept, key=lambda k: k[2])[0]
        bottom = min(kept, key=lambda k: k[2])[0]
        out["extremes"] = [(a == top and b == bottom) for a, b in zip(out["group_a"], out["group_b"])]
    out["extremes"] = out["extremes"].astype(bool)
    for c in ("n_a", "n_b"):
        out[c] = out[c].astype("Int64")
    return out
