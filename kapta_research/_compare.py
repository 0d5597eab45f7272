"""NPS comparisons: between levels of a column (:func:`compare`) and every pair of groups
(:func:`group_gaps`).  Re-exported by :mod:`kapta_research.nps`.

Both use one pair rule (:func:`_pair`), on per-account sums (from the rows, or from an engine):

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

from typing import NamedTuple

import numpy as np
import pandas as pd

from ._compat import UNSET, renamed
from ._validation import check_choice, source_of
from .errors import DataError, ParameterError
from . import _engine_hook, _nps_sums
from .nps import _check_common, _prepare, _protect, _suppression
from .stats import clustered as _clustered, intervals, multiplicity

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
    data : DataFrame or engine table
        One row per response; an Ibis table or Spark DataFrame is reduced in its
        engine to per (stratum, level, account) sums (:mod:`kapta_research.engines`),
        with the same result.
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
    by = [] if by is None else ([by] if isinstance(by, str) else list(by))
    if _engine_hook.is_engine_table(data):   # DuckDB / Parquet / Spark: per (stratum, level, account) sums
        from .engines import describe, nps_sums, to_ibis
        keys, sums, _ = nps_sums(data, outcome=outcome, by=[*by, group], weights=weights, cluster=cluster,
                                 method="score", func=func)
        where = describe(to_ibis(data))
    else:
        keys, sums = _sums_of_rows(data, outcome=outcome, by=by, group=group, weights=weights,
                                   cluster=cluster, func=func)
        where = source_of(data)
    strata, levels, sides = _sides_of(keys, sums, n_by=len(by))
    if len(levels) < 2:
        raise DataError(f"compare needs at least two levels of {group!r}; found {len(levels)}",
                        file=where, column=group, values=levels)
    if reference is None:
        pairs = [(lvl, levels[0]) for lvl in levels[1:]]
    elif isinstance(reference, str) and reference == "previous" and "previous" not in levels:
        pairs = list(zip(levels[1:], levels[:-1]))
    else:
        if reference not in levels:
            raise ParameterError(f"The 'reference' parameter of compare must be None, 'previous' or a level "
                                 f"of {group!r} ({', '.join(map(repr, levels[:10]))}). Got {reference!r} instead.")
        pairs = [(lvl, reference) for lvl in levels if lvl != reference]
    rule = dict(clustered=cluster is not None, confidence=confidence, min_n=min_n,
                min_accounts=min_accounts, method=method)
    empty = _Side.empty()
    rows = []
    for a, b in pairs:
        sides_ab = [[sides.get((key, lvl), empty) for key in strata] for lvl in (a, b)]
        hidden = _protected_reasons(sides_ab, clustered=cluster is not None, min_n=min_n,
                                    min_accounts=min_accounts)
        for key, sa, sb, reason in zip(strata, *sides_ab, hidden):
            row = dict(zip(by, key))
            if reason:
                row.update(group=a, reference=b, suppressed=True, suppressed_reason=reason)
            else:
                row.update(_pair(sa, sb, a, b, **rule))
            rows.append(row)
    if by:  # table order: strata, then comparisons (as before)
        rows = [rows[i * len(strata) + j] for j in range(len(strata)) for i in range(len(pairs))]
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


class _Side(NamedTuple):
    """One compared group as per-account sums: per category (det, pas, pro) counts ``k``, weight sums
    ``s`` and squared-weight sums ``q`` (shape ``(G, 3)``), smallest/largest weight and the account
    ranks ``c`` in one vocabulary (one row with ``c = -1`` without clusters).  Every number of a
    comparison is a function of these, so the engine path and the in-memory path share it."""
    k: np.ndarray
    s: np.ndarray
    q: np.ndarray
    w_min: np.ndarray
    w_max: np.ndarray
    c: np.ndarray

    @classmethod
    def empty(cls):
        z = np.zeros((0, 3))
        return cls(z.astype(np.int64), z, z, np.zeros(0), np.zeros(0), np.zeros(0, dtype=np.int64))

    @classmethod
    def of(cls, sums: pd.DataFrame):
        k = sums[list(_nps_sums.K_COLS)].to_numpy(np.int64)
        keep = k.sum(axis=1) > 0
        return cls(k[keep], sums[list(_nps_sums.S_COLS)].to_numpy(float)[keep],
                   sums[list(_nps_sums.Q_COLS)].to_numpy(float)[keep], sums["w_min"].to_numpy(float)[keep],
                   sums["w_max"].to_numpy(float)[keep], sums["_c"].to_numpy(np.int64)[keep])

    def size(self, clustered: bool) -> tuple[int, int | None]:
        return int(self.k.sum()), (len(self.c) if clustered else None)

    @property
    def total(self) -> float:
        return float(self.s.sum())

    @property
    def mean(self) -> float:
        return float((self.s[:, 2] - self.s[:, 0]).sum() / self.s.sum())

    def scores(self) -> np.ndarray:
        """Per-account linearised scores ``u_g = Σ_{i∈g} w_i (X_i − m) / W``."""
        return ((self.s[:, 2] - self.s[:, 0]) - self.mean * self.s.sum(axis=1)) / self.total

    def stats(self, *, clustered, confidence) -> dict:
        return _nps_sums.group_stats(self.k, self.s, self.q, self.w_min, self.w_max, clustered_=clustered,
                                     method="score", confidence=confidence, n_boot=0, rng=None)


def _sums_of_rows(data, *, outcome, by, group, weights, cluster, func):
    """Group keys ``(*by, level)`` and per-(stratum, level, account) sums of a DataFrame."""
    frame, _ = _prepare(data, score=outcome, by=[*by, group], weights=weights, cluster=cluster, func=func)
    frame = frame[frame["_x"].notna() & frame[group].notna() & (frame["_w"] > 0)]
    gb = frame.groupby([*by, group], dropna=False, sort=True, observed=True)
    gid = gb.ngroup().to_numpy(np.int64)
    idx = gb.size().index
    keys = list(idx) if len(by) else [(k,) for k in idx]
    crank = None
    if cluster is not None:
        codes, uniq = pd.factorize(frame["_g"], sort=False)
        crank = _nps_sums.rank_labels(uniq)[codes]
    return keys, _nps_sums.sums_from_rows(frame["_x"].to_numpy(float), frame["_w"].to_numpy(float), gid,
                                          crank, weighted=True)


def _scalar(v):
    return v.item() if isinstance(v, np.generic) else v


def _sides_of(keys, sums, *, n_by):
    """Strata (in table order), sorted levels and the :class:`_Side` of every (stratum, level)."""
    grp = sums["_grp"].to_numpy(np.int64)
    bounds = np.searchsorted(grp, np.arange(len(keys) + 1))
    strata, levels, sides = [], set(), {}
    for i, key in enumerate(keys):
        key = tuple(_scalar(v) for v in key)
        stratum, level = key[:n_by], key[n_by]
        side = _Side.of(sums.iloc[bounds[i]:bounds[i + 1]])
        if pd.isna(level) or not len(side.c):
            continue
        if stratum not in strata:
            strata.append(stratum)
        levels.add(level)
        sides[(stratum, level)] = side
    return strata or [()], sorted(levels), sides


def _protected_reasons(sides, *, clustered, min_n, min_accounts) -> list:
    """Per stratum, why its comparison is hidden: either side below the rule, or hidden to protect one.

    ``sides`` holds, for the compared level and the reference level, the
    :class:`_Side` of each stratum.  Each side gets complementary suppression
    (:func:`~kapta_research.nps.protect_groups`, on the sizes) on its own, then a
    stratum is hidden when it is hidden on either side (hiding more only pools
    more rows, so the rule stays met).
    """
    out = [None] * len(sides[0])
    if len(out) < 2:
        return out
    for label, subs in zip(("group", "reference"), sides):
        sizes = [s.size(clustered) for s in subs]

        def pooled(hidden, subs=subs):
            n = sum(sizes[i][0] for i in hidden)
            return n, (len(np.unique(np.concatenate([subs[i].c for i in hidden]))) if clustered else None)

        primary = [_suppression(*sz, min_n=min_n, min_accounts=min_accounts) for sz in sizes]
        for i, r in enumerate(_protect(sizes, pooled, primary, min_n=min_n, min_accounts=min_accounts)):
            if r and out[i] is None:
                out[i] = f"{label}: {r}"
    return out


def _pair(sa: _Side, sb: _Side, a, b, *, clustered, confidence, min_n, min_accounts, method) -> dict:
    """One comparison of group ``a`` with group ``b``, from their per-account sums."""
    row = {"group": a, "reference": b}
    for label, s in (("group", sa), ("reference", sb)):
        reason = _suppression(*s.size(clustered), min_n=min_n, min_accounts=min_accounts)
        if reason:
            return {**row, "suppressed": True, "suppressed_reason": f"{label}: {reason}"}
    ma, mb = sa.mean, sb.mean
    d = ma - mb
    if clustered:
        # joint cluster-robust variance over the union of accounts (stats.clustered, module docstring)
        union = np.union1d(sa.c, sb.c)
        ua, ub = np.zeros(len(union)), np.zeros(len(union))
        ua[np.searchsorted(union, sa.c)] = sa.scores()
        ub[np.searchsorted(union, sb.c)] = sb.scores()
        G = len(union)
        if G < 2:
            return {**row, "suppressed": True, "suppressed_reason": "one account: no variance"}
        var = float(_clustered.crv1_variance(ua - ub))
    else:   # independent groups of independent rows: the two plug-in variances add
        codes = np.array([-1.0, 0.0, 1.0])
        var = sum(float((s.q.sum(axis=0) * (codes - s.mean) ** 2).sum() / s.total ** 2) for s in (sa, sb))
        G = int(sa.k.sum() + sb.k.sum())
    se = float(np.sqrt(var)) if np.isfinite(var) else float("nan")
    if method == "wald":
        df = G - 1 if clustered else None
        lo, hi = intervals.wald_interval(d, se, confidence=confidence, df=df)
        p = _t_p_value(d, se, df) if se > 0 else (1.0 if d == 0 else 0.0)
    else:
        r = 0.0
        if clustered:   # correlation through the shared accounts (stats.clustered.ratio_mean_correlation)
            den = np.sqrt((ua ** 2).sum() * (ub ** 2).sum())
            r = float((ua * ub).sum() / den) if den > 0 else 0.0

        def at(c):
            ia, ib = (s.stats(clustered=clustered, confidence=c) for s in (sa, sb))
            return intervals.mover_difference(ma, (ia["ci_low"], ia["ci_high"]), mb,
                                              (ib["ci_low"], ib["ci_high"]), correlation=r)
        lo, hi = at(confidence)
        p = intervals.interval_p_value(at, d)
    row.update(n=sa.size(clustered)[0], n_reference=sb.size(clustered)[0], nps=100 * ma, nps_reference=100 * mb,
               diff=100 * d, se=100 * se, ci_low=100 * float(lo), ci_high=100 * float(hi), p_value=p,
               suppressed=False, suppressed_reason=None)
    return row


def _t_p_value(d: float, se: float, df) -> float:
    from scipy import stats
    dist = stats.norm if df is None else stats.t(df)
    return float(2 * dist.sf(abs(d) / se))


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
    data : DataFrame or engine table
        One row per response (an Ibis table or Spark DataFrame is reduced in its
        engine to per (group, account) sums, with the same result).
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
    by = [by] if isinstance(by, str) else list(by)
    if _engine_hook.is_engine_table(data):   # DuckDB / Parquet / Spark: per (group, account) sums
        from .engines import nps_sums
        keys, sums, _ = nps_sums(data, outcome=outcome, by=by, weights=weights, cluster=cluster,
                                 method="score", func=func)
    else:
        frame, by = _prepare(data, score=outcome, by=by, weights=weights, cluster=cluster, func=func)
        frame = frame[frame["_x"].notna() & (frame["_w"] > 0)]
        gb = frame.groupby(by, dropna=False, sort=True, observed=True)
        idx = gb.size().index
        keys = list(idx) if len(by) > 1 else [(k,) for k in idx]
        crank = None
        if cluster is not None:
            codes, uniq = pd.factorize(frame["_g"], sort=False)
            crank = _nps_sums.rank_labels(uniq)[codes]
        sums = _nps_sums.sums_from_rows(frame["_x"].to_numpy(float), frame["_w"].to_numpy(float),
                                        gb.ngroup().to_numpy(np.int64), crank, weighted=True)
    grp = sums["_grp"].to_numpy(np.int64)
    bounds = np.searchsorted(grp, np.arange(len(keys) + 1))
    groups = [(tuple(_scalar(v) for v in key), _Side.of(sums.iloc[bounds[i]:bounds[i + 1]]))
              for i, key in enumerate(keys)]
    groups = [(key, side) for key, side in groups if len(side.c)]
    clustered_ = cluster is not None
    sizes = [side.size(clustered_) for _, side in groups]

    def pooled(hidden):
        n = sum(sizes[i][0] for i in hidden)
        return n, (len(np.unique(np.concatenate([groups[i][1].c for i in hidden]))) if clustered_ else None)

    reasons = _protect(sizes, pooled, [_suppression(*sz, min_n=min_n, min_accounts=min_accounts) for sz in sizes],
                       min_n=min_n, min_accounts=min_accounts)
    kept = [(key if len(by) > 1 else key[0], side, side.mean)
            for (key, side), reason in zip(groups, reasons) if reason is None]
    rule = dict(clustered=clustered_, confidence=confidence, min_n=min_n,
                min_accounts=min_accounts, method=method)
    rows = []
    for i in range(len(kept)):
        for j in range(i + 1, len(kept)):
            (ka, sa, ma), (kb, sb, mb) = kept[i], kept[j]
            if mb > ma:
                (ka, sa, ma), (kb, sb, mb) = (kb, sb, mb), (ka, sa, ma)
            r = _pair(sa, sb, ka, kb, **rule)
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
