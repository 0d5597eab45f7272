"""Input checks, listwise deletion and shared helpers of :mod:`kapta_research.drivers`."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import _lmg, _nps_sums
from .._result import Result
from .._validation import (
    check_columns, check_confidence, check_dataframe, check_int, check_numeric,
    check_random_state, row_labels, source_of,
)
from ..errors import DataError, ParameterError
from ..stats import clustered, resample

#: Methods accepted by :func:`relative_importance`.
METHODS: tuple[str, ...] = ("lmg", "dominance", "johnson", "first", "last", "betasq", "pratt")

#: Largest number of drivers for the exact all-subsets methods (lmg, dominance).
MAX_LMG_DRIVERS = 20

#: The two NPS transitions of :func:`transition_drivers`.
TRANSITIONS: tuple[str, ...] = ("detractor_to_passive", "passive_to_promoter")

#: Quadrant labels of :func:`importance_performance`.
QUADRANTS: tuple[str, ...] = ("fix first", "maintain", "secondary", "possible overkill", "uncertain")

_DOMINANCE_LABEL = {1: "a_dominates_b", -1: "b_dominates_a", 0: "undetermined"}


# ---------------------------------------------------------------------------
# input preparation
# ---------------------------------------------------------------------------

class _DriversResult(Result):
    """Result base of the drivers analyses: fields given as keywords, the deprecated old name
    ``n_dropped_missing`` of ``n_excluded`` (kept for one release)."""

    def __init__(self, **fields):
        for key, value in fields.items():
            setattr(self, key, value)

    @property
    def n_dropped_missing(self) -> int:
        """Deprecated old name of :attr:`n_excluded` (kept for one release)."""
        return self.n_excluded


@dataclass
class _Prepared:
    Z: np.ndarray            # (n, 1+p): outcome then drivers
    y: np.ndarray            # (n,) view of Z
    X: np.ndarray            # (n, p) view of Z
    w: np.ndarray            # (n,)
    codes: np.ndarray | None  # (n,) cluster codes 0..G-1, or None
    n_groups: int | None
    weighted: bool
    n_dropped: int
    frame: pd.DataFrame      # the complete rows (original labels), for error messages
    drivers: list[str]
    cluster_labels: np.ndarray | None = None   # label of each cluster code


def _check_driver_list(drivers, *, func: str) -> list[str]:
    if isinstance(drivers, str):
        drivers = [drivers]
    if isinstance(drivers, (pd.Index, np.ndarray, pd.Series)):
        drivers = list(drivers)
    if not isinstance(drivers, (list, tuple)) or not drivers:
        raise ParameterError(
            f"The 'drivers' parameter of {func} must be a non-empty list of column names. "
            f"Got {drivers!r} instead.")
    for d in drivers:
        if not isinstance(d, str):
            raise ParameterError(
                f"The 'drivers' parameter of {func} must be a non-empty list of column names. "
                f"Got {d!r} in it instead.")
    dup = sorted({d for d in drivers if list(drivers).count(d) > 1})
    if dup:
        raise ParameterError(
            f"The 'drivers' parameter of {func} must not repeat a column. "
            f"Got {', '.join(repr(d) for d in dup)} more than once instead.")
    return list(drivers)


def _numeric(data: pd.DataFrame, column: str, *, func: str) -> np.ndarray:
    """A column as float; non-numbers and infinities raise a DataError."""
    col = data[column]
    if (pd.api.types.is_datetime64_any_dtype(col.dtype)
            or pd.api.types.is_timedelta64_dtype(col.dtype)
            or isinstance(col.dtype, pd.PeriodDtype)):
        present = col.notna().to_numpy()
        raise DataError("values are dates or times, not numbers", file=source_of(data),
                        column=column, rows=row_labels(data, present), values=list(col[present]))
    if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
        values = col.to_numpy(dtype=float, na_value=np.nan)
    else:
        values = check_numeric(data, column, func=func).to_numpy(dtype=float, na_value=np.nan)
    inf = np.isinf(values)
    if inf.any():
        raise DataError("values are infinite", file=source_of(data), column=column,
                        rows=row_labels(data, inf), values=list(col[inf]))
    return values


def _prepare(data, *, func: str, outcome: str, drivers, weights=None, cluster=None,
             outcome_name: str = "outcome") -> _Prepared:
    """Validate columns, convert to float and drop incomplete rows (listwise)."""
    data = check_dataframe(data, func=func)
    drivers = _check_driver_list(drivers, func=func)
    if not isinstance(outcome, str):
        raise ParameterError(f"The '{outcome_name}' parameter of {func} must be a column name (str). "
                             f"Got {outcome!r} instead.")
    if outcome in drivers:
        raise ParameterError(f"The '{outcome_name}' parameter of {func} must not also be a driver. "
                             f"Got {outcome!r} instead.")
    check_columns(data, [outcome], func=func, name=outcome_name)
    check_columns(data, drivers, func=func, name="drivers")
    for name, col in (("weights", weights), ("cluster", cluster)):
        if col is not None:
            if not isinstance(col, str):
                raise ParameterError(f"The '{name}' parameter of {func} must be a column name (str) "
                                     f"or None. Got {col!r} instead.")
            check_columns(data, [col], func=func, name=name)
    src = source_of(data)

    columns = [outcome, *drivers]
    dtypes = data.dtypes
    if all(pd.api.types.is_numeric_dtype(dtypes[c]) and not pd.api.types.is_bool_dtype(dtypes[c])
           for c in columns):
        Z = data[columns].to_numpy(dtype=float, na_value=np.nan)   # fast path
        if np.isinf(Z).any():
            Z = np.column_stack([_numeric(data, c, func=func) for c in columns])
    else:
        Z = np.column_stack([_numeric(data, c, func=func) for c in columns])
    y, X = Z[:, 0], Z[:, 1:]
    ok = ~np.isnan(y) & ~np.isnan(X).any(axis=1)
    if weights is not None:
        w = _numeric(data, weights, func=func)
        neg = w < 0
        if neg.any():
            raise DataError("weights must not be negative", file=src, column=weights,
                            rows=row_labels(data, neg), values=list(data[weights][neg]))
        ok &= ~np.isnan(w)
    else:
        w = np.ones(len(data))
    if cluster is not None:
        ok &= data[cluster].notna().to_numpy()
    n_dropped = int((~ok).sum())
    if not ok.any():
        raise DataError(f"{func}: no row has the outcome, every driver"
                        f"{', the weight' if weights else ''}{', the cluster' if cluster else ''} "
                        f"present ({len(data)} rows, all incomplete).", file=src)
    frame = data.loc[ok] if n_dropped else data
    if n_dropped:
        Z, w = Z[ok], w[ok]
    Z = np.ascontiguousarray(Z)
    y, X = Z[:, 0], Z[:, 1:]
    codes = n_groups = None
    if cluster is not None:
        codes, uniques = pd.factorize(frame[cluster])
        codes = codes.astype(np.int64)
        n_groups = len(uniques)
    if not (w > 0).any():
        raise DataError("every complete row has weight 0", file=src, column=weights)
    return _Prepared(Z, y, X, w, codes, n_groups, weights is not None, n_dropped, frame, drivers,
                     None if cluster is None else np.asarray(uniques, dtype=object))


def _weighted_cov(Z: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    """Weighted covariance (divisor: total weight) of the columns of ``Z``."""
    if w is None:
        Zc = Z - Z.mean(axis=0)
        return Zc.T @ Zc / len(Z)
    W = w.sum()
    Zc = Z - w @ Z / W
    return (Zc.T * w) @ Zc / W


def _check_design(Z, w, drivers, *, func: str, src: str, outcome: str,
                  where: str = "", counts=None) -> np.ndarray:
    """Raise a DataError for too few rows, constant columns or collinear drivers.

    ``Z`` holds the outcome then the drivers; ``w`` the weights (None: all 1).
    ``counts`` (instead of ``w``): how many respondents each row of ``Z`` stands
    for (frequency weights: an engine's distinct rows), counted as rows.
    Returns the weighted covariance matrix of ``Z``.
    """
    if counts is not None:
        w = np.asarray(counts, dtype=float)
    used = slice(None) if w is None else w > 0
    Zu = Z[used]
    n_used = len(Zu) if counts is None else int(w.sum())
    lo, hi = (Zu.min(axis=0), Zu.max(axis=0)) if len(Zu) else (None, None)
    return check_design_summary(n_used, lo, hi, lambda: _weighted_cov(Z, w), drivers, func=func, src=src,
                                outcome=outcome, where=where)


def check_design_summary(n_used: int, lo, hi, cov, drivers, *, func: str, src: str, outcome: str,
                         where: str = "") -> np.ndarray:
    """:func:`_check_design` from summaries: rows of positive weight, column minima / maxima and the
    covariance (or a function returning it), as an engine returns them (:mod:`kapta_research.engines`).
    """
    p = len(drivers)
    if n_used < p + 2:
        raise DataError(
            f"{func}: too few rows for {p} driver{'s' if p != 1 else ''}{where}: "
            f"{n_used} complete row{'s' if n_used != 1 else ''}, at least {p + 2} needed "
            f"(drivers + intercept + 1). Use fewer drivers or more data.", file=src)
    const = np.flatnonzero(np.asarray(hi) - np.asarray(lo) == 0)
    if const.size and const[0] == 0:
        raise DataError(f"the outcome is constant{where} (every complete row has the value "
                        f"{lo[0]:g}); there is nothing to explain", file=src, column=outcome)
    if const.size:
        j = int(const[0])
        raise DataError(
            f"driver is constant{where} (every complete row has the value {lo[j]:g}); "
            f"it cannot explain anything: remove it", file=src, column=drivers[j - 1])
    cov = cov() if callable(cov) else cov
    corr, _ = _lmg.standardise(cov)
    rxx = corr[1:, 1:]
    # identical / perfectly correlated pairs first: the most common case
    off = np.abs(rxx - np.eye(p))
    i, j = np.nonzero(np.triu(off > 1 - 1e-10, 1))
    if i.size:
        a, b = drivers[int(i[0])], drivers[int(j[0])]
        raise DataError(
            f"drivers {a!r} and {b!r} are perfectly collinear{where} "
            f"(one is an exact linear function of the other); the model cannot separate them: "
            f"drop one of them", file=src, column=b)
    evals, evecs = np.linalg.eigh(rxx)
    if evals[0] < 1e-10:
        v = np.abs(evecs[:, 0])
        involved = [drivers[k] for k in np.flatnonzero(v > 1e-6 * v.max())]
        raise DataError(
            f"drivers {', '.join(repr(d) for d in involved)} are perfectly collinear{where} "
            f"(one is an exact linear combination of the others); the model cannot separate them: "
            f"drop one of them", file=src, column=involved[-1])
    return cov


def _check_common(func, *, n_boot, confidence, random_state):
    n_boot = check_int(n_boot, name="n_boot", func=func, low=0)
    confidence = check_confidence(confidence, func=func)
    rng = check_random_state(random_state, func=func)
    return n_boot, confidence, rng


def _boot_counts(rng: np.random.Generator, n_groups: int, n_boot: int):
    """Blocks of cluster multiplicities from the one resampling engine."""
    return resample.bootstrap_counts(n_groups, n_boot, random_state=rng)


_percentile = resample.percentile_interval


def _rank_desc(values: np.ndarray) -> np.ndarray:
    """Rank along the last axis, 1 = largest (ties share the best rank)."""
    values = np.asarray(values, dtype=float)
    # rank = 1 + number of strictly larger values: exact "min" ranking, vectorised
    return 1 + (values[..., None, :] > values[..., :, None]).sum(axis=-1)


def _rank_ci(ranks: np.ndarray, confidence: float):
    alpha = 1.0 - confidence
    lo = np.quantile(ranks, alpha / 2, axis=0, method="lower")
    hi = np.quantile(ranks, 1 - alpha / 2, axis=0, method="higher")
    return lo.astype(np.int64), hi.astype(np.int64)


def _cluster_setup(prep: _Prepared, *, func: str, n_boot: int):
    """Resampling units: clusters if given, else rows."""
    if prep.codes is not None:
        codes, G = prep.codes, prep.n_groups
    else:
        codes, G = np.arange(len(prep.y), dtype=np.int64), len(prep.y)
    if n_boot > 0:
        _bootstrap_clusters(G, func=func, src=source_of(prep.frame))
    return codes, G


def _text_codes(prep: _Prepared) -> np.ndarray:
    """Cluster codes of ``prep`` renumbered in text order of the cluster label: the order in which an
    engine returns accounts, so the account bootstrap draws the same accounts on either path."""
    return _nps_sums.rank_labels(prep.cluster_labels)[prep.codes]


def _check_engine_params(func: str, *, outcome, cluster, drivers, n_boot: int, weights=None) -> None:
    """Parameter checks of a drivers analysis on an engine table (the in-memory path runs
    :func:`_prepare`); the respondent bootstrap needs the rows."""
    for name, col in (("outcome", outcome), ("weights", weights), ("cluster", cluster)):
        if col is not None and not isinstance(col, str):
            raise ParameterError(f"The '{name}' parameter of {func} must be a column name (str)"
                                 f"{'' if name == 'outcome' else ' or None'}. Got {col!r} instead.")
    if outcome is None:
        raise ParameterError(f"The 'outcome' parameter of {func} must be a column name (str). Got None instead.")
    if outcome in drivers:
        raise ParameterError(f"The 'outcome' parameter of {func} must not also be a driver. "
                             f"Got {outcome!r} instead.")
    if n_boot > 0 and cluster is None:
        raise ParameterError(f"{func}: the bootstrap of respondents needs the rows; on an engine table give "
                             "cluster= (the account bootstrap runs on per-account sums) or n_boot=0.")


def _bootstrap_clusters(G: int, *, func: str, src: str) -> None:
    if G < 2:
        raise DataError(f"{func}: the bootstrap needs at least 2 clusters; the complete rows "
                        f"belong to {G} cluster.", file=src)


def _raise_if_no_replicates(n_valid: int, n_boot: int, *, func: str, src: str):
    resample.check_failed_replicates(n_boot - n_valid, n_boot, func=func, file=src, stacklevel=4,
                                     reason="a driver was constant or drivers were collinear")


def _se_of_means(meat: np.ndarray, n: float, G: int) -> np.ndarray:
    """Cluster-robust (CRV1, linearised) standard errors of column means from their meat.

    ``meat`` is ``Σ_g t_g t_gᵀ`` with ``t_g`` the sum over cluster ``g`` of the
    rows minus the column means; every row its own cluster (``G = n``) gives
    the usual ``sd / sqrt(n)`` (CRV1 factor ``n / (n - 1)``).
    """
    return np.sqrt(clustered.crv1_factor(G) * np.diag(meat)) / n


def _meat_of_means(sw: np.ndarray, s1: np.ndarray, s2: np.ndarray, *, by_cluster: bool) -> np.ndarray:
    """``Σ_g t_g t_gᵀ`` (see :func:`_se_of_means`) from per-cluster sums ``(sw, s1, s2)`` of the rows.

    ``by_cluster``: the sums are per cluster (``t_g = s1_g − sw_g · mean``); otherwise every row is
    its own cluster and only the total ``Σ s2`` is needed (the sums may be a single total row):
    ``Σ_i (z_i − mean)(z_i − mean)ᵀ``.  The sums may be of rows centred anywhere.
    """
    n = sw.sum()
    d = s1.sum(axis=0) / n
    if by_cluster:
        t = s1 - sw[:, None] * d
        return t.T @ t
    m = s1.shape[1]
    return s2.sum(axis=0).reshape(m, m) - n * np.outer(d, d)
