"""Key-driver analysis: which relationship drivers move likelihood to recommend.

Three analyses, all on respondent-level data (one row per survey response):

* :func:`relative_importance` — how much of the explained variance (R²) of
  an outcome each driver accounts for: LMG / Shapley decomposition (= general
  dominance), Johnson's relative weights and relaimpo's simple metrics, with
  account-level (cluster) bootstrap confidence intervals for shares and ranks.
* :func:`transition_drivers` — which drivers move detractors to passives and
  passives to promoters, from one logistic regression per NPS transition, with
  a test of whether a driver's effect differs between the two transitions.
* :func:`importance_performance` — the classic importance × performance map
  ("fix first", "maintain", ...), with cluster-aware uncertainty.

Missing values
--------------
Every function uses *listwise deletion*: a row is dropped when the outcome,
any driver, the weight or the cluster is missing.  The number of dropped rows
is reported (``n_dropped_missing``) and shown in the result's repr.

Clusters
--------
Respondents of the same account are not independent.  Pass the account column
as ``cluster``: bootstrap replicates then resample whole accounts, and
logistic-regression standard errors are cluster-robust by account.

Speed
-----
Nothing is refitted on respondent rows per subset or per replicate: the R² of
all ``2**p`` driver subsets is obtained from the covariance matrix by sweeping
(see :mod:`kapta_research._lmg`), and a bootstrap replicate is assembled from
per-account sufficient statistics, so its cost does not grow with the number
of respondents per account.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from . import _lmg
from ._result import Result
from ._validation import (
    check_choice, check_columns, check_confidence, check_dataframe, check_int,
    check_number, check_numeric, check_random_state, row_labels, source_of,
)
from .errors import DataError, ParameterError
from .schema import DRIVER_SCALE

__all__ = [
    "relative_importance", "ImportanceResult", "transition_drivers",
    "TransitionResult", "importance_performance", "METHODS", "MAX_LMG_DRIVERS",
    "TRANSITIONS", "QUADRANTS",
]

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
    return _Prepared(Z, y, X, w, codes, n_groups, weights is not None, n_dropped, frame, drivers)


def _weighted_cov(Z: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    """Weighted covariance (divisor: total weight) of the columns of ``Z``."""
    if w is None:
        Zc = Z - Z.mean(axis=0)
        return Zc.T @ Zc / len(Z)
    W = w.sum()
    Zc = Z - w @ Z / W
    return (Zc.T * w) @ Zc / W


def _check_design(Z, w, drivers, *, func: str, src: str, outcome: str,
                  where: str = "") -> np.ndarray:
    """Raise a DataError for too few rows, constant columns or collinear drivers.

    ``Z`` holds the outcome then the drivers; ``w`` the weights (None: all 1).
    Returns the weighted covariance matrix of ``Z``.
    """
    y, X = Z[:, 0], Z[:, 1:]
    n, p = X.shape
    if w is None:
        used = slice(None)
        n_used = n
    else:
        used = w > 0
        n_used = int(used.sum())
    if n_used < p + 2:
        raise DataError(
            f"{func}: too few rows for {p} driver{'s' if p != 1 else ''}{where}: "
            f"{n_used} complete row{'s' if n_used != 1 else ''}, at least {p + 2} needed "
            f"(drivers + intercept + 1). Use fewer drivers or more data.", file=src)
    Zu = Z[used]
    const = np.flatnonzero(np.ptp(Zu, axis=0) == 0)
    if const.size and const[0] == 0:
        raise DataError(f"the outcome is constant{where} (every complete row has the value "
                        f"{Zu[0, 0]:g}); there is nothing to explain", file=src, column=outcome)
    if const.size:
        j = int(const[0])
        raise DataError(
            f"driver is constant{where} (every complete row has the value {Zu[0, j]:g}); "
            f"it cannot explain anything: remove it", file=src, column=drivers[j - 1])
    cov = _weighted_cov(Z, w)
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
    """Yield blocks of resampling counts, shape (b, n_groups), b <= n_boot in total."""
    block = max(1, min(n_boot, 2 ** 22 // max(n_groups, 1)))
    pvals = np.full(n_groups, 1.0 / n_groups)
    done = 0
    while done < n_boot:
        b = min(block, n_boot - done)
        yield rng.multinomial(n_groups, pvals, size=b)
        done += b


def _percentile(x: np.ndarray, confidence: float):
    alpha = 1.0 - confidence
    lo, hi = np.quantile(x, [alpha / 2, 1 - alpha / 2], axis=0)
    return lo, hi


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
    if n_boot > 0 and G < 2:
        raise DataError(f"{func}: the bootstrap needs at least 2 clusters; the complete rows "
                        f"belong to {G} cluster.", file=source_of(prep.frame))
    return codes, G


def _raise_if_no_replicates(n_valid: int, n_boot: int, *, func: str, src: str):
    if n_valid == 0:
        raise DataError(
            f"{func}: none of the {n_boot} bootstrap replicates could be estimated (in every "
            f"resample a driver was constant or drivers were collinear); there are too few "
            f"clusters or too little variation for a bootstrap.", file=src)
    if n_valid < 0.9 * n_boot:
        warnings.warn(
            f"{func}: {n_boot - n_valid} of {n_boot} bootstrap replicates were dropped because "
            f"a driver was constant or drivers were collinear in the resample; the intervals "
            f"rest on the other {n_valid}.", RuntimeWarning, stacklevel=3)


# ---------------------------------------------------------------------------
# relative importance
# ---------------------------------------------------------------------------

class ImportanceResult(Result):
    """Relative importance of drivers (see :func:`relative_importance`).

    Attributes
    ----------
    summary : pandas.DataFrame
        One row per driver, in the order given: ``driver``, ``importance``,
        ``share``, ``rank`` (and ``ci_low``, ``ci_high``, ``rank_ci_low``,
        ``rank_ci_high`` with a bootstrap), ``n``.
    method : str
    outcome : str
    r2 : float
        R² of the full (weighted) least-squares model.
    n : int
        Rows used (after listwise deletion).
    n_clusters : int or None
        Number of clusters (accounts) among the rows used, if ``cluster`` was given.
    n_dropped_missing : int
        Rows dropped because a value was missing.
    n_boot, confidence : as given.
    n_boot_failed : int
        Bootstrap replicates dropped (a driver constant or drivers collinear in
        the resample); 0 without a bootstrap.
    replicates : pandas.DataFrame or None
        Bootstrap importances (rows = replicates, columns = drivers, R² units).
    conditional : pandas.DataFrame or None
        ``method="dominance"`` only: columns ``driver``, ``k`` (number of other
        drivers already in the model, 0..p-1) and ``increment`` (average
        increase in R² when the driver is added to a model with ``k`` others).
        ``conditional.pivot(index="driver", columns="k", values="increment")``
        gives the usual wide table.
    complete : pandas.DataFrame or None
        ``method="dominance"`` only: one row per pair of drivers with columns
        ``driver_a``, ``driver_b``, ``complete``, ``conditional``, ``general``,
        each ``"a_dominates_b"``, ``"b_dominates_a"`` or ``"undetermined"``.
    """

    _title = "Relative importance of drivers"
    _info = ("method", "outcome", "r2", "n", "n_clusters", "n_dropped_missing", "n_boot")

    def __init__(self, **fields):
        self.conditional = None
        self.complete = None
        self.replicates = None
        self.n_boot_failed = 0
        for key, value in fields.items():
            setattr(self, key, value)


def _importance_core(prep: _Prepared, *, func: str, method: str, n_boot: int, rng,
                     outcome: str):
    """Point estimates and bootstrap of one importance method. Returns a dict."""
    src = source_of(prep.frame)
    cov = _check_design(prep.Z, prep.w if prep.weighted else None, prep.drivers, func=func,
                        src=src, outcome=outcome)
    eng_method = "lmg" if method == "dominance" else method
    imp, r2, _ = _lmg.importances(cov[None], eng_method)
    imp, r2 = imp[0], float(r2[0])
    out = {"cov": cov, "imp": imp, "r2": r2, "boot_imp": None, "boot_r2": None, "n_failed": 0}
    if n_boot > 0:
        codes, G = _cluster_setup(prep, func=func, n_boot=n_boot)
        Z = prep.Z - (prep.w @ prep.Z / prep.w.sum() if prep.weighted else prep.Z.mean(axis=0))
        sw, s1, s2 = _lmg.cluster_stats(Z, prep.w if prep.weighted else None, codes, G)
        imps, r2s = [], []
        n_failed = 0
        for counts in _boot_counts(rng, G, n_boot):
            bcov, _, W = _lmg.resampled_covariances(counts, sw, s1, s2)
            ok = W > 0
            bcov = np.where(ok[:, None, None], bcov, np.eye(bcov.shape[-1]))
            bi, br, valid = _lmg.importances(bcov, eng_method, ref_var=np.diag(cov))
            valid &= ok & np.isfinite(bi).all(axis=1) & (br > 0)
            n_failed += int((~valid).sum())
            imps.append(bi[valid])
            r2s.append(br[valid])
        out["boot_imp"] = np.concatenate(imps)
        out["boot_r2"] = np.concatenate(r2s)
        out["n_failed"] = n_failed
        _raise_if_no_replicates(n_boot - n_failed, n_boot, func=func, src=src)
    return out


def relative_importance(data, *, outcome, drivers, method="lmg", weights=None, cluster=None,
                        n_boot=0, confidence=0.95, random_state=None) -> ImportanceResult:
    """Relative importance of drivers: how much of R² each driver accounts for.

    Fits the (weighted) least-squares regression of ``outcome`` on all
    ``drivers`` and splits its R² among the drivers.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per response.
    outcome : str
        Column of the outcome (e.g. ``"ltr"``).
    drivers : list of str
        Driver columns (numeric ratings).
    method : {"lmg", "dominance", "johnson", "first", "last", "betasq", "pratt"}
        * ``"lmg"`` — Lindeman, Merenda & Gold (1980): the Shapley value of
          R², i.e. the increase in R² from adding the driver, averaged over
          all orders in which the drivers can enter the model.  Exact
          (all ``2**p`` subsets), at most :data:`MAX_LMG_DRIVERS` drivers.
        * ``"dominance"`` — dominance analysis (Budescu 1993; Azen & Budescu
          2003).  General dominance equals LMG, so ``summary`` is the LMG
          table; the result also carries ``conditional`` and ``complete``
          dominance tables.
        * ``"johnson"`` — Johnson's (2000) relative weights: an
          approximation of LMG that scales to any number of drivers.
        * ``"first"`` (R² of the driver alone), ``"last"`` (drop in R² when it
          is removed from the full model), ``"betasq"`` (squared standardised
          coefficient), ``"pratt"`` (standardised coefficient × correlation):
          the simple metrics of relaimpo (Grömping 2006).  Only ``lmg``,
          ``dominance``, ``johnson`` and ``pratt`` sum to R²; ``pratt`` can be
          negative.
    weights : str, optional
        Column of non-negative respondent weights (weighted covariance /
        weighted least squares).
    cluster : str, optional
        Column identifying the cluster (account) of each response.  With
        ``n_boot > 0`` the bootstrap resamples whole clusters.
    n_boot : int, default 0
        Number of bootstrap replicates; 0 for point estimates only.
    confidence : float, default 0.95
        Level of the percentile bootstrap intervals, in (0, 1).
    random_state : None, int or numpy.random.Generator
        Seed; results are reproducible given an int.

    Returns
    -------
    ImportanceResult
        ``summary`` has one row per driver, in the order given, with columns

        * ``driver`` — the driver column name;
        * ``importance`` — the driver's part of R², in R² units;
        * ``share`` — ``importance / r2`` (sums to 1 for lmg, dominance,
          johnson and pratt);
        * ``rank`` — 1 = most important;
        * ``ci_low``, ``ci_high`` — percentile bootstrap interval of ``share``
          (only with ``n_boot > 0``);
        * ``rank_ci_low``, ``rank_ci_high`` — percentile interval of the
          driver's rank over the bootstrap replicates (only with ``n_boot > 0``);
        * ``n`` — rows used.

        Attributes ``r2``, ``n``, ``n_clusters``, ``n_dropped_missing``,
        ``method`` and, for ``"dominance"``, ``conditional`` and ``complete``
        (see :class:`ImportanceResult`).

    Raises
    ------
    ParameterError
        Unknown method, negative ``n_boot``, ``confidence`` outside (0, 1),
        more than 20 drivers for lmg / dominance, ...
    DataError
        A missing column, a non-numeric or constant driver, perfectly
        collinear drivers, negative weights, too few rows.

    Notes
    -----
    *Missing values*: rows missing the outcome, a driver, the weight or the
    cluster are dropped (listwise deletion) and counted in
    ``n_dropped_missing``.

    *Computation*: the R² of every subset of drivers is computed from the
    weighted covariance matrix with the sweep operator, never by refitting on
    the rows; the bootstrap rebuilds each replicate's covariance matrix from
    per-cluster sums of ``w``, ``w z`` and ``w z z^T`` (``z`` = outcome and
    drivers), so a replicate costs ``O(n_clusters * p**2 + 2**p)``, whatever
    the number of respondents.  Without ``cluster`` each row is resampled.

    *Intervals*: percentile bootstrap intervals of the shares and of the
    ranks.  Replicates in which a driver happens to be constant, or drivers
    collinear, are dropped (counted in ``n_boot_failed``; a warning is issued
    if more than 10 % are).

    References
    ----------
    Grömping, U. (2006). Relative importance for linear regression in R: the
    package relaimpo. *Journal of Statistical Software*, 17(1).
    Johnson, J. W. (2000). A heuristic method for estimating the relative
    weight of predictor variables in multiple regression. *Multivariate
    Behavioral Research*, 35(1), 1–19.
    Azen, R. & Budescu, D. V. (2003). The dominance analysis approach for
    comparing predictors in multiple regression. *Psychological Methods*, 8(2).

    Examples
    --------
    >>> import kapta_research as kr
    >>> from kapta_research.schema import DRIVERS
    >>> prog = kr.load_sample()
    >>> res = kr.drivers.relative_importance(
    ...     prog.responses, outcome="ltr", drivers=list(DRIVERS),
    ...     cluster="account_id", n_boot=500, random_state=1)
    >>> list(res.summary.columns)
    ['driver', 'importance', 'share', 'rank', 'ci_low', 'ci_high', 'rank_ci_low',
     'rank_ci_high', 'n']
    >>> bool(abs(res.summary["importance"].sum() - res.r2) < 1e-12)
    True
    >>> ranked = res.summary.sort_values("rank")
    """
    func = "relative_importance"
    method = check_choice(method, METHODS, name="method", func=func)
    n_boot, confidence, rng = _check_common(func, n_boot=n_boot, confidence=confidence,
                                            random_state=random_state)
    drivers = _check_driver_list(drivers, func=func)
    if method in ("lmg", "dominance") and len(drivers) > MAX_LMG_DRIVERS:
        raise ParameterError(
            f"The 'drivers' parameter of {func} must hold at most {MAX_LMG_DRIVERS} drivers for "
            f"method={method!r} (exact over all 2**p subsets). Got {len(drivers)} instead; "
            f"use method='johnson' for more drivers.")
    prep = _prepare(data, func=func, outcome=outcome, drivers=drivers, weights=weights,
                    cluster=cluster)
    core = _importance_core(prep, func=func, method=method, n_boot=n_boot, rng=rng,
                            outcome=outcome)
    imp, r2 = core["imp"], core["r2"]
    n = len(prep.y)
    summary = pd.DataFrame({
        "driver": prep.drivers,
        "importance": imp,
        "share": imp / r2,
        "rank": _rank_desc(imp),
        "n": len(prep.y),
    })
    replicates = None
    if n_boot > 0:
        bimp, br2 = core["boot_imp"], core["boot_r2"]
        lo, hi = _percentile(bimp / br2[:, None], confidence)
        rlo, rhi = _rank_ci(_rank_desc(bimp), confidence)
        summary["ci_low"], summary["ci_high"] = lo, hi
        summary["rank_ci_low"], summary["rank_ci_high"] = rlo, rhi
        replicates = pd.DataFrame(bimp, columns=prep.drivers)
        summary["n"] = summary.pop("n")
    result = ImportanceResult(
        summary=summary, method=method, outcome=outcome, r2=r2, n=n,
        n_clusters=prep.n_groups, n_dropped_missing=prep.n_dropped, n_boot=n_boot,
        confidence=confidence, n_boot_failed=core["n_failed"], replicates=replicates,
    )
    if method == "dominance":
        corr, _ = _lmg.standardise(core["cov"])
        r2_all = _lmg.subset_r2(corr)
        p = len(prep.drivers)
        cond = _lmg.conditional_increments(r2_all, p)
        result.conditional = pd.DataFrame({
            "driver": np.repeat(prep.drivers, p),
            "k": np.tile(np.arange(p), p),
            "increment": cond.ravel(),
        })
        rows = []
        for a, b, code in _lmg.complete_dominance(r2_all, p):
            d = cond[a] - cond[b]
            tol = 1e-12 * max(1.0, r2)
            c_code = 1 if np.all(d > tol) else -1 if np.all(d < -tol) else 0
            g = imp[a] - imp[b]
            g_code = 1 if g > tol else -1 if g < -tol else 0
            rows.append((prep.drivers[a], prep.drivers[b], _DOMINANCE_LABEL[code],
                         _DOMINANCE_LABEL[c_code], _DOMINANCE_LABEL[g_code]))
        result.complete = pd.DataFrame(rows, columns=["driver_a", "driver_b", "complete",
                                                      "conditional", "general"])
    return result


# ---------------------------------------------------------------------------
# transition drivers
# ---------------------------------------------------------------------------

class TransitionResult(Result):
    """Drivers of NPS transitions (see :func:`transition_drivers`).

    Attributes
    ----------
    summary : pandas.DataFrame
        One row per (transition, driver); see :func:`transition_drivers`.
    difference : pandas.DataFrame
        One row per driver: does its effect differ between the transitions?
    score : str
    n : int
        Rows used (after listwise deletion), all categories.
    n_clusters : int or None
    n_dropped_missing : int
    n_boot, confidence : as given.
    n_boot_failed : int
    """

    _title = "Drivers of NPS transitions"
    _info = ("score", "n", "n_clusters", "n_dropped_missing", "n_boot")

    def __init__(self, **fields):
        for key, value in fields.items():
            setattr(self, key, value)

    def __repr__(self) -> str:
        return super().__repr__() + "\n\ndifference between transitions:\n" + self.difference.to_string()


def _fit_logit(y, X, *, groups, what: str, func: str, src: str):
    import statsmodels.api as sm
    exog = sm.add_constant(X, has_constant="add")
    kwargs = {"cov_type": "cluster", "cov_kwds": {"groups": groups}} if groups is not None else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            res = sm.Logit(y, exog).fit(disp=0, maxiter=100, **kwargs)
        except (np.linalg.LinAlgError, ValueError) as exc:  # singular Hessian and friends
            raise DataError(f"{func}: the logistic regression for {what} could not be fitted "
                            f"({exc}); check for drivers that (almost) separate the "
                            f"categories.", file=src) from None
    converged = bool(res.mle_retvals.get("converged", True))
    if not converged or not np.all(np.isfinite(res.bse)):
        raise DataError(
            f"{func}: the logistic regression for {what} did not converge: a driver (or a "
            f"combination of drivers) separates the two categories almost perfectly, or there "
            f"are too few of one category. Use fewer drivers or more data.", file=src)
    return res


def transition_drivers(data, *, drivers, score="ltr", cluster=None, n_boot=0, confidence=0.95,
                       random_state=None) -> TransitionResult:
    """Which drivers move detractors to passives, and passives to promoters.

    NPS categories are built from ``score`` (likelihood to recommend, 0–10):
    detractors 0–6, passives 7–8, promoters 9–10.  Two transitions are
    modelled, each by a logistic regression on all drivers:

    * ``"detractor_to_passive"`` — among respondents scoring 0–8, the odds of
      being a passive rather than a detractor;
    * ``"passive_to_promoter"`` — among respondents scoring 7–10, the odds of
      being a promoter rather than a passive.

    Together these are the two adjacent-category logits of the three NPS
    categories, so each regression is a correctly specified model when the
    categories follow an adjacent-category logit model.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per response.
    drivers : list of str
        Driver columns (numeric ratings).
    score : str, default "ltr"
        Column of the 0–10 likelihood-to-recommend score.
    cluster : str, optional
        Column of the account of each response: standard errors become
        cluster-robust by account and the bootstrap resamples accounts.
    n_boot : int, default 0
        Bootstrap replicates for the intervals of the importance shares.
    confidence : float, default 0.95
        Level of every interval, in (0, 1).
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    TransitionResult
        ``summary``: one row per (transition, driver), with columns

        * ``transition`` — ``"detractor_to_passive"`` or ``"passive_to_promoter"``;
        * ``driver``;
        * ``n`` — respondents in the transition's regression;
        * ``n_events`` — of whom in the higher category (passives,
          respectively promoters);
        * ``odds_ratio`` — multiplicative change in the odds of moving up per
          scale point of the driver, the other drivers held fixed
          (multivariable logistic regression, statsmodels ``Logit``);
        * ``or_ci_low``, ``or_ci_high`` — Wald interval of the odds ratio
          (cluster-robust by account if ``cluster`` is given, else
          model-based);
        * ``p_value`` — Wald test of odds ratio = 1;
        * ``share`` — the driver's share of importance within the transition
          (see Notes);
        * ``ci_low``, ``ci_high``, ``rank_ci_low``, ``rank_ci_high`` —
          percentile bootstrap intervals of ``share`` and of ``rank`` (only
          with ``n_boot > 0``);
        * ``rank`` — 1 = most important driver of the transition.

        ``difference``: one row per driver, with columns ``driver``,
        ``log_or_diff`` (log odds ratio of passive_to_promoter minus that of
        detractor_to_passive), ``se``, ``ci_low``, ``ci_high`` (Wald interval
        of ``log_or_diff``) and ``p_value`` (Wald test of no difference).

    Raises
    ------
    DataError
        No detractors, passives or promoters among the complete rows, scores
        outside 0–10, a constant or collinear driver within a transition, a
        logistic regression that does not converge (separation).

    Notes
    -----
    *Importance share*: for speed and for an exact, additive decomposition,
    the share is the LMG (Shapley) decomposition of the R² of the
    *linear probability model* of the transition (least squares of the 0/1
    outcome on the drivers), computed with the same all-subsets engine as
    :func:`relative_importance`.  It ranks drivers by how much of the
    explainable variation in moving up each accounts for; the odds ratios give
    the direction and size of the effects.

    *Difference test*: the two transitions share the passives (the events of
    the first regression are the non-events of the second), so the two
    estimates are correlated and a naive test assuming independence is wrong.
    Both regressions are therefore estimated as one stacked logistic model
    (transition-specific intercepts and slopes; its estimates equal the two
    separate fits) whose cluster-robust sandwich covariance — clusters are the
    accounts, or each respondent without ``cluster``, so that a passive's two
    rows are always in one cluster — gives the covariance between the
    transitions' coefficients (the "seemingly unrelated estimation" of Weesie
    1999).  The Wald statistic of the difference uses that joint covariance.

    Missing values: listwise deletion over score, drivers and cluster.

    Examples
    --------
    >>> import kapta_research as kr
    >>> from kapta_research.schema import DRIVERS
    >>> prog = kr.load_sample()
    >>> res = kr.drivers.transition_drivers(
    ...     prog.responses, drivers=list(DRIVERS), cluster="account_id")
    >>> sorted(res.summary["transition"].unique())
    ['detractor_to_passive', 'passive_to_promoter']
    >>> top = res.summary[res.summary["rank"] == 1]
    >>> list(res.difference.columns)
    ['driver', 'log_or_diff', 'se', 'ci_low', 'ci_high', 'p_value']
    """
    import statsmodels.api as sm

    func = "transition_drivers"
    n_boot, confidence, rng = _check_common(func, n_boot=n_boot, confidence=confidence,
                                            random_state=random_state)
    drivers = _check_driver_list(drivers, func=func)
    if len(drivers) > MAX_LMG_DRIVERS:
        raise ParameterError(
            f"The 'drivers' parameter of {func} must hold at most {MAX_LMG_DRIVERS} drivers. "
            f"Got {len(drivers)} instead.")
    check_dataframe(data, func=func)
    if isinstance(score, str) and score in data.columns:
        check_numeric(data, score, func=func, low=0, high=10)
    prep = _prepare(data, func=func, outcome=score, drivers=drivers, cluster=cluster,
                    outcome_name="score")
    src = source_of(prep.frame)
    y, X = prep.y, prep.X
    n_total = len(y)
    counts = {"detractors (score 0-6)": int((y <= 6).sum()),
              "passives (score 7-8)": int(((y >= 7) & (y <= 8)).sum()),
              "promoters (score 9-10)": int((y >= 9).sum())}
    for label, c in counts.items():
        if c == 0:
            need = ("detractor_to_passive" if "detractor" in label else
                    "passive_to_promoter" if "promoter" in label else "either transition")
            raise DataError(
                f"{func}: there are no {label} among the {n_total} complete rows, so "
                f"{need} cannot be estimated ({', '.join(f'{k}: {v}' for k, v in counts.items())})",
                file=src, column=score)

    alpha = 1.0 - confidence
    z = stats.norm.ppf(1 - alpha / 2)
    tmask = {"detractor_to_passive": y <= 8, "passive_to_promoter": y >= 7}
    tevent = {"detractor_to_passive": (y >= 7).astype(float), "passive_to_promoter": (y >= 9).astype(float)}
    codes_all, G = _cluster_setup(prep, func=func, n_boot=n_boot)

    rows = []
    params = {}
    boot_stats = {}
    ref_var = {}
    for t in TRANSITIONS:
        m = tmask[t]
        yt, Xt = tevent[t][m], X[m]
        where = f" among the {t} rows"
        cov = _check_design(np.column_stack([yt, Xt]), None, drivers, func=func, src=src,
                            outcome=score, where=where)
        groups = prep.codes[m] if prep.codes is not None else None
        res = _fit_logit(yt, Xt, groups=groups, what=f"the {t} transition", func=func, src=src)
        beta, se = np.asarray(res.params)[1:], np.asarray(res.bse)[1:]
        params[t] = np.asarray(res.params)
        imp, r2, _ = _lmg.importances(cov[None], "lmg")
        ref_var[t] = np.diag(cov)
        rows.append(pd.DataFrame({
            "transition": t, "driver": drivers, "n": int(m.sum()), "n_events": int(yt.sum()),
            "odds_ratio": np.exp(beta), "or_ci_low": np.exp(beta - z * se),
            "or_ci_high": np.exp(beta + z * se), "p_value": np.asarray(res.pvalues)[1:],
            "share": imp[0] / r2[0], "rank": _rank_desc(imp[0]),
        }))
        if n_boot > 0:
            Zt = np.column_stack([yt, Xt])
            Zt = Zt - Zt.mean(axis=0)
            boot_stats[t] = _lmg.cluster_stats(Zt, None, codes_all[m], G)

    n_failed = 0
    if n_boot > 0:
        shares = {t: [] for t in TRANSITIONS}
        ranks = {t: [] for t in TRANSITIONS}
        for counts_b in _boot_counts(rng, G, n_boot):
            results = {}
            valid = np.ones(len(counts_b), dtype=bool)
            for t in TRANSITIONS:
                bcov, _, W = _lmg.resampled_covariances(counts_b, *boot_stats[t])
                ok = W > 0
                bcov = np.where(ok[:, None, None], bcov, np.eye(bcov.shape[-1]))
                bi, br, v = _lmg.importances(bcov, "lmg", ref_var=ref_var[t])
                valid &= v & ok & (br > 0) & np.isfinite(bi).all(axis=1)
                results[t] = (bi, br)
            n_failed += int((~valid).sum())
            for t in TRANSITIONS:
                bi, br = results[t]
                shares[t].append(bi[valid] / br[valid, None])
                ranks[t].append(_rank_desc(bi[valid]))
        _raise_if_no_replicates(n_boot - n_failed, n_boot, func=func, src=src)
        for i, t in enumerate(TRANSITIONS):
            sh = np.concatenate(shares[t])
            lo, hi = _percentile(sh, confidence)
            rlo, rhi = _rank_ci(np.concatenate(ranks[t]), confidence)
            rows[i]["ci_low"], rows[i]["ci_high"] = lo, hi
            rows[i]["rank_ci_low"], rows[i]["rank_ci_high"] = rlo, rhi
    summary = pd.concat(rows, ignore_index=True)
    cols = ["transition", "driver", "n", "n_events", "odds_ratio", "or_ci_low", "or_ci_high",
            "p_value", "share"]
    if n_boot > 0:
        cols += ["ci_low", "ci_high"]
    cols += ["rank"]
    if n_boot > 0:
        cols += ["rank_ci_low", "rank_ci_high"]
    summary = summary[cols]

    # stacked (seemingly unrelated) model for the difference between transitions
    p = len(drivers)
    m1, m2 = tmask[TRANSITIONS[0]], tmask[TRANSITIONS[1]]
    n1, n2 = int(m1.sum()), int(m2.sum())
    exog = np.zeros((n1 + n2, 2 * (p + 1)))
    exog[:n1, 0] = 1.0
    exog[:n1, 1:p + 1] = X[m1]
    exog[n1:, p + 1] = 1.0
    exog[n1:, p + 2:] = X[m2]
    endog = np.r_[tevent[TRANSITIONS[0]][m1], tevent[TRANSITIONS[1]][m2]]
    groups = np.r_[codes_all[m1], codes_all[m2]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = np.r_[params[TRANSITIONS[0]], params[TRANSITIONS[1]]]
        stacked = sm.Logit(endog, exog).fit(start_params=start, disp=0, maxiter=100,
                                            cov_type="cluster", cov_kwds={"groups": groups})
    b = np.asarray(stacked.params)
    V = np.asarray(stacked.cov_params())
    i1 = np.arange(1, p + 1)
    i2 = np.arange(p + 2, 2 * p + 2)
    diff = b[i2] - b[i1]
    var = V[i2, i2] + V[i1, i1] - 2 * V[i1, i2]
    se = np.sqrt(np.clip(var, 0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        zstat = diff / se
    difference = pd.DataFrame({
        "driver": drivers, "log_or_diff": diff, "se": se,
        "ci_low": diff - z * se, "ci_high": diff + z * se,
        "p_value": 2 * stats.norm.sf(np.abs(zstat)),
    })
    return TransitionResult(
        summary=summary, difference=difference, score=score, n=n_total,
        n_clusters=prep.n_groups, n_dropped_missing=prep.n_dropped, n_boot=n_boot,
        confidence=confidence, n_boot_failed=n_failed,
    )


# ---------------------------------------------------------------------------
# importance x performance
# ---------------------------------------------------------------------------

def importance_performance(data, *, drivers, outcome="ltr", cluster=None, n_boot=200,
                           confidence=0.95, importance_threshold=None,
                           performance_threshold=None, top_box=None,
                           random_state=None) -> pd.DataFrame:
    """Importance × performance ("quadrant") table of the drivers.

    Importance is the driver's LMG share of the R² of ``outcome`` (as in
    :func:`relative_importance`); performance is the driver's mean rating.
    Each driver falls in a quadrant:

    * ``"fix first"`` — important, performing below par;
    * ``"maintain"`` — important, performing well;
    * ``"secondary"`` — less important, below par;
    * ``"possible overkill"`` — less important, performing well;
    * ``"uncertain"`` — the confidence interval of the share contains the
      importance threshold, or that of the performance gap (mean minus the
      performance threshold) contains 0: the quadrant is not established.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per response.
    drivers : list of str
        Driver columns (ratings on :data:`~kapta_research.schema.DRIVER_SCALE`).
    outcome : str, default "ltr"
    cluster : str, optional
        Account column; the bootstrap then resamples accounts, so every
        interval accounts for respondents of one account being alike.
    n_boot : int, default 200
        Bootstrap replicates (one bootstrap gives all intervals).  With 0,
        shares get no interval (and are never "uncertain") and the intervals
        of means and top-box percentages are Wald intervals with a
        cluster-robust (linearised ratio-estimator) standard error.
    confidence : float, default 0.95
    importance_threshold : float, optional
        Share above which a driver counts as important; default ``1 / p``
        (an equal share).
    performance_threshold : float, optional
        Mean rating above which a driver performs well; default the mean of
        the drivers' means (performance relative to the average driver).
    top_box : float, optional
        Lowest rating counted in the top box; default the top two points of
        the driver scale (6 on 1–7).
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    pandas.DataFrame
        One row per driver, in the order given, with columns ``driver``,
        ``share``, ``share_ci_low``, ``share_ci_high`` (LMG share of R² and
        percentile bootstrap interval), ``mean``, ``mean_ci_low``,
        ``mean_ci_high`` (mean rating), ``gap``, ``gap_ci_low``,
        ``gap_ci_high`` (mean minus the performance threshold, see Notes),
        ``top_box_pct``, ``top_box_pct_ci_low``, ``top_box_pct_ci_high``
        (percentage of ratings >= ``top_box``, 0–100) and ``quadrant``
        (categorical, see above).  ``attrs`` holds ``importance_threshold``,
        ``performance_threshold``, ``top_box``, ``r2``, ``n``,
        ``n_clusters``, ``n_dropped_missing`` and ``confidence``.

    Notes
    -----
    Shares, means and top-box percentages are all computed on the same
    respondents: those with the outcome and every driver present (listwise
    deletion; ``attrs['n_dropped_missing']`` counts the others).

    With the default performance threshold (the mean of the driver means)
    the question is "does this driver perform better or worse than the
    average driver?".  The threshold is then itself an estimate, strongly
    correlated with each driver's mean (an account that rates one driver
    high tends to rate them all high), so the interval that decides
    "uncertain" is that of the *gap* ``mean - threshold``, from the same
    bootstrap replicates (or, without a bootstrap, from a cluster-robust
    standard error of the row-centred ratings).  It is much narrower than the
    interval of the mean, which answers a different question ("what is the
    average rating of this driver in the population of accounts?").  With a
    fixed ``performance_threshold`` the gap interval is the mean interval
    shifted by the threshold.

    Examples
    --------
    >>> import kapta_research as kr
    >>> from kapta_research.schema import DRIVERS
    >>> prog = kr.load_sample()
    >>> table = kr.drivers.importance_performance(
    ...     prog.responses, drivers=list(DRIVERS), cluster="account_id", random_state=1)
    >>> len(table) == len(DRIVERS)
    True
    >>> set(table["quadrant"]) <= set(kr.drivers.QUADRANTS)
    True
    >>> to_fix = table.loc[table["quadrant"] == "fix first", "driver"]
    """
    func = "importance_performance"
    n_boot, confidence, rng = _check_common(func, n_boot=n_boot, confidence=confidence,
                                            random_state=random_state)
    drivers = _check_driver_list(drivers, func=func)
    p = len(drivers)
    if p > MAX_LMG_DRIVERS:
        raise ParameterError(
            f"The 'drivers' parameter of {func} must hold at most {MAX_LMG_DRIVERS} drivers. "
            f"Got {p} instead.")
    importance_threshold = check_number(importance_threshold, name="importance_threshold",
                                        func=func, low=0, high=1, allow_none=True)
    performance_threshold = check_number(performance_threshold, name="performance_threshold",
                                         func=func, allow_none=True)
    top_box = check_number(top_box, name="top_box", func=func, allow_none=True)
    if top_box is None:
        top_box = DRIVER_SCALE[1] - 1
    prep = _prepare(data, func=func, outcome=outcome, drivers=drivers, cluster=cluster)
    src = source_of(prep.frame)
    cov = _check_design(prep.Z, None, drivers, func=func, src=src, outcome=outcome)
    imp, r2, _ = _lmg.importances(cov[None], "lmg")
    share = imp[0] / r2[0]
    tb = (prep.X >= top_box).astype(float)
    mean = prep.X.mean(axis=0)
    tb_pct = 100 * tb.mean(axis=0)
    nan = np.full(p, np.nan)
    share_lo, share_hi = nan, nan.copy()
    codes, G = _cluster_setup(prep, func=func, n_boot=n_boot)
    if n_boot > 0:
        Z = np.column_stack([prep.y, prep.X, tb])
        centre = Z.mean(axis=0)
        sw, s1, s2 = _lmg.cluster_stats(Z - centre, None, codes, G)
        b_share, b_mean, b_gap, b_tb = [], [], [], []
        n_failed = 0
        for counts in _boot_counts(rng, G, n_boot):
            bcov, bmean, W = _lmg.resampled_covariances(counts, sw, s1, s2)
            ok = W > 0
            sub = np.where(ok[:, None, None], bcov[:, :p + 1, :p + 1], np.eye(p + 1))
            bi, br, v = _lmg.importances(sub, "lmg", ref_var=np.diag(cov))
            v &= ok & (br > 0) & np.isfinite(bi).all(axis=1)
            n_failed += int((~v).sum())
            b_share.append(bi[v] / br[v, None])
            bm = bmean[v, 1:p + 1] + centre[1:p + 1]
            b_mean.append(bm)
            b_gap.append(bm - (bm.mean(axis=1, keepdims=True) if performance_threshold is None
                               else performance_threshold))
            b_tb.append(100 * (bmean[v, p + 1:] + centre[p + 1:]))
        _raise_if_no_replicates(n_boot - n_failed, n_boot, func=func, src=src)
        share_lo, share_hi = _percentile(np.concatenate(b_share), confidence)
        mean_lo, mean_hi = _percentile(np.concatenate(b_mean), confidence)
        gap_lo, gap_hi = _percentile(np.concatenate(b_gap), confidence)
        tb_lo, tb_hi = _percentile(np.concatenate(b_tb), confidence)
    else:
        zc = stats.norm.ppf(0.5 + confidence / 2)
        se_mean = _cluster_se_of_mean(prep.X, codes, G)
        se_tb = 100 * _cluster_se_of_mean(tb, codes, G)
        mean_lo, mean_hi = mean - zc * se_mean, mean + zc * se_mean
        if performance_threshold is None:
            se_gap = _cluster_se_of_mean(prep.X - prep.X.mean(axis=1, keepdims=True), codes, G)
            gap0 = mean - mean.mean()
        else:
            se_gap = se_mean
            gap0 = mean - performance_threshold
        gap_lo, gap_hi = gap0 - zc * se_gap, gap0 + zc * se_gap
        tb_lo, tb_hi = tb_pct - zc * se_tb, tb_pct + zc * se_tb
    it = 1.0 / p if importance_threshold is None else float(importance_threshold)
    pt = float(mean.mean()) if performance_threshold is None else float(performance_threshold)
    high_imp = share > it
    high_perf = mean > pt
    uncertain = ((share_lo < it) & (it < share_hi)) | ((gap_lo < 0) & (0 < gap_hi))
    quadrant = np.where(high_imp, np.where(high_perf, "maintain", "fix first"),
                        np.where(high_perf, "possible overkill", "secondary"))
    quadrant = np.where(uncertain, "uncertain", quadrant)
    table = pd.DataFrame({
        "driver": drivers,
        "share": share, "share_ci_low": share_lo, "share_ci_high": share_hi,
        "mean": mean, "mean_ci_low": mean_lo, "mean_ci_high": mean_hi,
        "gap": mean - pt, "gap_ci_low": gap_lo, "gap_ci_high": gap_hi,
        "top_box_pct": tb_pct, "top_box_pct_ci_low": tb_lo, "top_box_pct_ci_high": tb_hi,
        "quadrant": pd.Categorical(quadrant, categories=list(QUADRANTS)),
    })
    table.attrs.update({
        "importance_threshold": it, "performance_threshold": pt, "top_box": top_box,
        "r2": float(r2[0]), "n": len(prep.y), "n_clusters": prep.n_groups,
        "n_dropped_missing": prep.n_dropped, "confidence": confidence, "n_boot": n_boot,
    })
    return table


def _cluster_se_of_mean(V: np.ndarray, codes: np.ndarray, G: int) -> np.ndarray:
    """Cluster-robust (linearised) standard error of column means of ``V``."""
    n = V.shape[0]
    resid = V - V.mean(axis=0)
    totals = np.column_stack([np.bincount(codes, weights=resid[:, j], minlength=G)
                              for j in range(V.shape[1])])
    factor = G / (G - 1) if G > 1 else np.nan
    return np.sqrt(factor * (totals ** 2).sum(axis=0)) / n
