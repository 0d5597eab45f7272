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
        raise DataError(f"{func}: no column {', '.join(map(repr, missing))} in the table. "
                        f"Available columns: {', '.join(t.columns)}.", file=describe(t),
                        column=missing[0])


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


def nps_sums(data, *, outcome, by, weights, cluster, method, func="nps"):
    """Group keys, per-(group, account) sums and no row getter, computed in the engine.

    Returns what :func:`kapta_research.nps._table_from_sums` takes: the sorted
    group keys, the sums table (:data:`kapta_research._nps_sums.SUM_COLUMNS`
    per ``(_grp, _c)``) and ``None`` (rows never leave the engine).
    """
    import ibis
    t = to_ibis(data)
    require_columns(t, [outcome, *by, *([weights] if weights else []), *([cluster] if cluster else [])],
                    func=func)
    if method == "bootstrap" and cluster is None and weights is not None:
        raise ParameterError(f"{func}: the respondent bootstrap of weighted data needs the rows; on an "
                             "engine table give cluster= (the account bootstrap runs on per-account sums) "
                             "or another method.")
    # every check in one aggregate query (a Spark job costs seconds); examples only on failure
    y = t[outcome]
    if not y.type().is_numeric():
        raise DataError(f"values are not numbers (column type {y.type()})", file=describe(t), column=outcome)
    bad_y = _bad_scores(y)
    w = t[weights].cast("float64") if weights is not None else None
    bad_w = (w.isnull() | (w < 0) | w.isnan() | w.isinf()) if w is not None else None
    checks = {"bad_y": bad_y.cast("int64").sum()}
    if w is not None:
        checks["bad_w"] = bad_w.cast("int64").sum()
    if cluster is not None:
        checks["no_g"] = t[cluster].isnull().cast("int64").sum()
    found = t.aggregate(**checks).execute().iloc[0].fillna(0)
    if found["bad_y"]:
        raise DataError("values must be between 0 and 10 and whole numbers", file=describe(t),
                        column=outcome, values=_bad_values(t, bad_y, outcome))
    if w is not None and found["bad_w"]:
        raise DataError("weights must be finite and non-negative", file=describe(t), column=weights,
                        values=_bad_values(t, bad_w, weights))
    if cluster is not None and found["no_g"]:
        raise DataError("cluster ids are missing", file=describe(t), column=cluster)
    cat = ibis.cases((y <= rules.DETRACTOR_MAX, 0), (y <= rules.PASSIVE_MAX, 1), else_=2)
    valid = y.notnull() if weights is None else y.notnull() & (w > 0)
    keys = [t[b] for b in by] + ([t[cluster].cast("string").name("_g")] if cluster else [])
    aggs = {"n_missing": y.isnull().cast("int64").sum()}
    for j, name in enumerate(("det", "pas", "pro")):
        hit = valid & (cat == j)
        aggs[f"k_{name}"] = hit.cast("int64").sum()
        if weights is not None:
            aggs[f"s_{name}"] = ibis.ifelse(hit, w, 0.0).sum()
            aggs[f"q_{name}"] = ibis.ifelse(hit, w * w, 0.0).sum()
    if weights is not None:
        aggs["w_min"] = ibis.ifelse(valid, w, ibis.null("float64")).min()
        aggs["w_max"] = ibis.ifelse(valid, w, ibis.null("float64")).max()
    q = t.group_by(keys).aggregate(**aggs) if keys else t.aggregate(**aggs)
    res = q.execute()
    return _finish(res, by=by, clustered=cluster is not None, weighted=weights is not None)


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
