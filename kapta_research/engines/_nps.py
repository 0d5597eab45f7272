"""NPS sufficient statistics in the engine: one GROUP BY (by columns, account) over the rows."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import _nps_sums, rules
from ..errors import DataError, ParameterError
from ._tables import describe, to_ibis

_SHOW = 10   # bad values shown in a message


def require_columns(t, columns, *, func: str) -> None:
    """DataError naming the engine table when a required column is missing."""
    missing = [c for c in columns if c not in t.columns]
    if missing:
        from .._validation import joined_column_hint
        raise DataError(f"{func}: no column {', '.join(map(repr, missing))} in the table."
                        f"{joined_column_hint(missing, t.columns)} Available columns: {', '.join(t.columns)}.",
                        file=describe(t), column=missing[0])


def _bad_values(t, cond, column):
    return t.filter(cond).select(column).limit(_SHOW).execute()[column].tolist()


def check_scores(t, column: str, *, func: str, low=0, high=10, integer=True) -> None:
    """The engine-side version of ``check_numeric``: range and whole numbers, checked in one query."""
    y = t[column]
    if not y.type().is_numeric():
        raise DataError(f"values are not numbers (column type {y.type()})", file=describe(t), column=column)
    bad = _bad_scores(y, low=low, high=high, integer=integer)
    if int(t.filter(bad).count().execute()):
        raise DataError(f"values must be between {low} and {high} and whole numbers", file=describe(t),
                        column=column, values=_bad_values(t, bad, column))


def _bad_scores(y, *, low=0, high=10, integer=True):
    bad = y.notnull() & ((y < low) | (y > high))
    if integer:
        bad = bad | (y.notnull() & (y.cast("float64") != y.cast("float64").floor()))
    return bad


def _inputs(data, *, outcome, by, weights, cluster, method, func):
    """The Ibis table, score and weight expressions; schema checks (no query run)."""
    t = to_ibis(data)
    require_columns(t, [outcome, *by, *([weights] if weights else []), *([cluster] if cluster else [])],
                    func=func)
    if method == "bootstrap" and cluster is None and weights is not None:
        raise ParameterError(f"{func}: the respondent bootstrap of weighted data needs the rows; on an "
                             "engine table give cluster= (the account bootstrap runs on per-account sums) "
                             "or another method.")
    y = t[outcome]
    if not y.type().is_numeric():
        raise DataError(f"values are not numbers (column type {y.type()})", file=describe(t), column=outcome)
    w = t[weights].cast("float64") if weights is not None else None
    return t, y, w


def _bad_weights(w):
    return w.isnull() | (w < 0) | w.isnan() | w.isinf()


def _row_sums(t, y, w, keys):
    """Per-key sums of the rows with the input checks counted alongside, in one aggregate.

    Categories are ranges of whole scores (0–6, 7–8, 9–10; :mod:`kapta_research.rules`), so
    an unweighted score outside 0–10 falls in none of them and ``bad_y = n − k_det − k_pas −
    k_pro`` (plus, for a float column, the scores that are not whole) costs no extra pass.
    Columns: ``n_missing, bad_y, k_*`` and, weighted, ``s_*, q_*, w_min, w_max, bad_w``.
    """
    lo_hi = {"det": (0, rules.DETRACTOR_MAX), "pas": (rules.DETRACTOR_MAX + 1, rules.PASSIVE_MAX),
             "pro": (rules.PASSIVE_MAX + 1, 10)}
    aggs = {"_rows": t.count(), "_n": y.count()}
    if not y.type().is_integer():
        aggs["_frac"] = t.count(where=y != y.floor())
    pos = (w > 0) if w is not None else None
    for name, (lo, hi) in lo_hi.items():
        hit = y.between(lo, hi) if w is None else y.between(lo, hi) & pos
        aggs[f"k_{name}"] = t.count(where=hit)
        if w is not None:
            aggs[f"s_{name}"] = w.sum(where=hit)
            aggs[f"q_{name}"] = (w * w).sum(where=hit)
    if w is not None:
        aggs["_bad_y"] = t.count(where=_bad_scores(y))
        aggs["bad_w"] = t.count(where=_bad_weights(w))
        aggs["w_min"] = w.min(where=y.notnull() & pos)
        aggs["w_max"] = w.max(where=y.notnull() & pos)
    a = t.group_by(keys).aggregate(**aggs) if keys else t.aggregate(**aggs)
    extra = {"n_missing": a._rows - a._n}
    if w is None:
        bad = a._n - a.k_det - a.k_pas - a.k_pro
        extra["bad_y"] = bad + a._frac if "_frac" in aggs else bad
    else:
        extra["bad_y"] = a._bad_y
        extra.update({f"{p}_{c}": a[f"{p}_{c}"].fill_null(0.0) for p in ("s", "q") for c in lo_hi})
    return a.mutate(**extra)


def _raise_found(t, found, *, y, w, outcome, weights, cluster, func):
    """DataError for the first failed check (the counts came with the sums; examples only now)."""
    if not found["rows"]:   # as check_dataframe on a DataFrame
        raise DataError(f"{func} needs at least one row; the data are empty.", file=describe(t))
    if found.get("bad_y", 0):
        raise DataError("values must be between 0 and 10 and whole numbers", file=describe(t),
                        column=outcome, values=_bad_values(t, _bad_scores(y), outcome))
    if weights is not None and found.get("bad_w", 0):
        raise DataError("weights must be finite and non-negative", file=describe(t), column=weights,
                        values=_bad_values(t, _bad_weights(w), weights))
    if cluster is not None and found.get("no_g", 0):
        raise DataError("cluster ids are missing", file=describe(t), column=cluster)


def nps_sums(data, *, outcome, by, weights, cluster, method, func="nps"):
    """Group keys, per-(group, account) sums and no row getter, computed in the engine.

    Returns what :func:`kapta_research.nps._table_from_sums` takes: the sorted
    group keys, the sums table (:data:`kapta_research._nps_sums.SUM_COLUMNS`
    per ``(_grp, _c)``) and ``None`` (rows never leave the engine).  The input
    checks are counted in the same query.
    """
    t, y, w = _inputs(data, outcome=outcome, by=by, weights=weights, cluster=cluster, method=method, func=func)
    keys = [t[b] for b in by] + ([t[cluster].cast("string").name("_g")] if cluster else [])
    res = _row_sums(t, y, w, keys).execute()
    found = {"rows": res["_rows"].fillna(0).sum(), "bad_y": res["bad_y"].fillna(0).sum(),
             "bad_w": res["bad_w"].fillna(0).sum() if w is not None else 0,
             "no_g": int(res["_g"].isna().sum()) if cluster else 0}
    _raise_found(t, found, y=y, w=w, outcome=outcome, weights=weights, cluster=cluster, func=func)
    return _finish(res, by=by, clustered=cluster is not None, weighted=weights is not None)


def nps_group_sums(data, *, outcome, by, weights, cluster, method, func="nps"):
    """Group keys and per-group sums (:data:`kapta_research._nps_sums.GROUP_COLUMNS`) in one engine query.

    The engine aggregates the rows per (group, account), then the accounts per
    group: counts and weight sums, the number of accounts with a score, and
    the cluster sums of the clustered variance — unweighted ``Σd², ΣdW, ΣW²``
    (integers, reduced exactly by :func:`kapta_research._nps_sums.exact_cluster_ss`),
    weighted ``Σ(d − m·W)²`` centred at the group's NPS ``m`` (a window sum) —
    and the input checks.  Only one row per group reaches Python.

    Returns
    -------
    keys : list of tuple
        Group keys in table order.
    sums : dict of ndarray
        Per-group sums in the order of ``keys``.
    pooled_clusters : callable or None
        ``pooled_clusters(indices)``: distinct accounts with a score in a union of
        groups (complementary suppression; an account may score in several
        groups), from one more query of per-account sums, run only when asked.
    """
    import ibis
    t, y, w = _inputs(data, outcome=outcome, by=by, weights=weights, cluster=cluster, method=method, func=func)
    weighted = w is not None
    if cluster is None:
        res = _row_sums(t, y, w, [t[b] for b in by]).execute()
        found = {"rows": res["_rows"].fillna(0).sum(), "bad_y": res["bad_y"].fillna(0).sum(),
                 "bad_w": res["bad_w"].fillna(0).sum() if weighted else 0}
    else:
        a = _row_sums(t, y, w, [t[b] for b in by] + [t[cluster].cast("string").name("_g")])
        kk = a.k_det + a.k_pas + a.k_pro
        cols = {}
        if weighted:
            per_group = ibis.window(group_by=[a[b] for b in by]) if by else ibis.window()
            dc, Wc = a.s_pro - a.s_det, a.s_det + a.s_pas + a.s_pro
            m = dc.sum().over(per_group) / Wc.sum().over(per_group)
            cols["_uu"] = (dc - m * Wc) * (dc - m * Wc)
            cols["_ww"] = Wc * Wc
        else:
            dc = a.k_pro - a.k_det
            cols.update(_sdd=dc * dc, _sdw=dc * kk, _sww=kk * kk)
        a = a.mutate(**cols)
        aggs = {c: a[c].sum() for c in ("_rows", "n_missing", "bad_y", *_nps_sums.K_COLS)}
        if weighted:
            aggs.update({c: a[c].sum() for c in (*_nps_sums.S_COLS, *_nps_sums.Q_COLS, "bad_w")})
            aggs.update(w_min=a.w_min.min(), w_max=a.w_max.max(), uu=a._uu.sum(), ww=a._ww.sum())
        else:
            aggs.update(sdd=a._sdd.sum(), sdw=a._sdw.sum(), sww=a._sww.sum())
        scored = (a.k_det + a.k_pas + a.k_pro) > 0
        aggs.update(n_clusters=a.count(where=scored), no_g=a.count(where=a._g.isnull()))
        res = (a.group_by([a[b] for b in by]).aggregate(**aggs) if by else a.aggregate(**aggs)).execute()
        found = {"rows": res["_rows"].fillna(0).sum(), "bad_y": res["bad_y"].fillna(0).sum(),
                 "bad_w": res["bad_w"].fillna(0).sum() if weighted else 0, "no_g": res["no_g"].fillna(0).sum()}
    _raise_found(t, found, y=y, w=w, outcome=outcome, weights=weights, cluster=cluster, func=func)
    keys, res = _ordered_groups(res.reset_index(drop=True), by)
    g = {c: res[c].fillna(0).to_numpy(np.int64) for c in ("n_missing", *_nps_sums.K_COLS)}
    n = g["k_det"] + g["k_pas"] + g["k_pro"]
    if weighted:
        for c in (*_nps_sums.S_COLS, *_nps_sums.Q_COLS):
            g[c] = res[c].fillna(0.0).to_numpy(float)
        g["w_min"] = res["w_min"].to_numpy(float)
        g["w_max"] = res["w_max"].to_numpy(float)
    else:
        for j, c in enumerate(_nps_sums.K_COLS):
            g[_nps_sums.S_COLS[j]] = g[_nps_sums.Q_COLS[j]] = g[c].astype(float)
        g["w_min"] = g["w_max"] = np.ones(len(keys))
    if cluster is None:
        g["n_clusters"], g["uu"], g["ww"] = n.copy(), np.full(len(keys), np.nan), np.full(len(keys), np.nan)
        return keys, g, None
    g["n_clusters"] = res["n_clusters"].fillna(0).to_numpy(np.int64)
    if weighted:
        g["uu"], g["ww"] = res["uu"].fillna(0.0).to_numpy(float), res["ww"].fillna(0.0).to_numpy(float)
    else:
        sdd, sdw, sww = (res[c].fillna(0).to_numpy(np.int64) for c in ("sdd", "sdw", "sww"))
        g["uu"] = _nps_sums.exact_cluster_ss(g["k_pro"] - g["k_det"], n, sdd, sdw, sww)
        g["ww"] = sww.astype(float)
    cache = {}

    def pooled_clusters(hidden):
        if "sums" not in cache:   # per-account sums, only when a group is suppressed
            _, cache["sums"], _ = nps_sums(data, outcome=outcome, by=by, weights=weights, cluster=cluster,
                                           method=method, func=func)
        sums = cache["sums"]
        sel = np.isin(sums["_grp"].to_numpy(np.int64), list(hidden)) & \
            (sums[list(_nps_sums.K_COLS)].to_numpy(np.int64).sum(axis=1) > 0)
        return len(np.unique(sums["_c"].to_numpy(np.int64)[sel]))

    return keys, g, pooled_clusters


def _ordered_groups(res: pd.DataFrame, by):
    """Keys in table order (as pandas' sorted groupby with missing keys last) and the rows in that order."""
    if not by:
        return [()], res
    gb = res.groupby(by, dropna=False, sort=True, observed=True)
    order = np.argsort(gb.ngroup().to_numpy(np.int64), kind="stable")
    idx = gb.size().index
    keys = list(idx) if len(by) > 1 else [(k,) for k in idx]
    return keys, res.iloc[order].reset_index(drop=True)


def _finish(res: pd.DataFrame, *, by, clustered: bool, weighted: bool):
    """Order the engine's (group, account) rows as the in-memory path does and fill the unweighted sums."""
    res = res.reset_index(drop=True)
    for c in ("n_missing", "k_det", "k_pas", "k_pro"):
        res[c] = res[c].fillna(0).astype(np.int64)
    if not weighted:
        for j, c in enumerate(_nps_sums.K_COLS):
            res[_nps_sums.S_COLS[j]] = res[_nps_sums.Q_COLS[j]] = res[c].astype(float)
        res["w_min"] = res["w_max"] = 1.0
    if by:
        gb = res.groupby(by, dropna=False, sort=True, observed=True)
        res["_grp"] = gb.ngroup().to_numpy(np.int64)
        idx = gb.size().index
        keys = list(idx) if len(by) > 1 else [(k,) for k in idx]
    else:
        res["_grp"], keys = np.zeros(len(res), dtype=np.int64), [()]
    if clustered:
        codes, uniq = pd.factorize(res["_g"], sort=False)
        res["_c"] = _nps_sums.rank_labels(uniq)[codes]
    else:
        res["_c"] = -1
    res = res.sort_values(["_grp", "_c"], kind="stable").reset_index(drop=True)
    return keys, res[["_grp", "_c", *_nps_sums.SUM_COLUMNS]], None
