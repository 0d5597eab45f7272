"""Relative importance of drivers: LMG / dominance, Johnson's weights, relaimpo's simple metrics."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import _lmg, _nps_sums
from .._engine_hook import is_engine_table
from .._validation import check_choice, source_of
from ..errors import DataError, ParameterError
from ..stats import resample
from ._prepare import (MAX_LMG_DRIVERS, METHODS, _DOMINANCE_LABEL, _boot_counts, _check_common,
                       _check_design, _check_driver_list, _check_engine_params, _cluster_setup,
                       _DriversResult, _prepare, _Prepared, _raise_if_no_replicates, _rank_ci, _rank_desc)

__all__ = ["relative_importance", "ImportanceResult"]


class ImportanceResult(_DriversResult):
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
    n_excluded : int
        Rows left out because a value was missing (``n_dropped_missing`` is
        its deprecated old name).
    n_boot, confidence : as given.
    n_boot_failed : int
        Bootstrap replicates dropped (a driver constant or drivers collinear in
        the resample); 0 without a bootstrap.
    replicates : pandas.DataFrame or None
        Bootstrap importances (rows = replicates, columns = drivers, R² units).
    r2_ci_low, r2_ci_high : float or None
        Percentile bootstrap interval of R² (from the same replicates as the
        shares); None without a bootstrap.
    r2_summary : pandas.DataFrame
        One row, ready to save: ``r2``, ``ci_low``, ``ci_high`` (NaN without
        a bootstrap), ``n``, ``n_clusters``, ``n_excluded``, ``n_boot``,
        ``n_boot_failed``, ``confidence``.
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
    _info = ("method", "outcome", "r2", "r2_ci_low", "r2_ci_high", "n", "n_clusters", "n_excluded",
             "n_dropped_missing", "n_boot")

    # defaults of the optional fields (immutable, so class attributes are safe)
    conditional = None
    complete = None
    replicates = None
    n_boot_failed = 0
    r2_ci_low = r2_ci_high = None

    @property
    def r2_summary(self) -> pd.DataFrame:
        """R² with its bootstrap interval, one row (see the class docstring)."""
        nan = float("nan")
        return pd.DataFrame([{
            "r2": self.r2, "ci_low": nan if self.r2_ci_low is None else self.r2_ci_low,
            "ci_high": nan if self.r2_ci_high is None else self.r2_ci_high, "n": self.n,
            "n_clusters": self.n_clusters, "n_excluded": self.n_excluded, "n_boot": self.n_boot,
            "n_boot_failed": self.n_boot_failed, "confidence": self.confidence}])


def _importance_core(prep: _Prepared, *, func: str, method: str, n_boot: int, rng,
                     outcome: str):
    """Point estimates and bootstrap of one importance method. Returns a dict."""
    src = source_of(prep.frame)
    cov = _check_design(prep.Z, prep.w if prep.weighted else None, prep.drivers, func=func,
                        src=src, outcome=outcome)

    def cluster_sums():
        codes, G = _cluster_setup(prep, func=func, n_boot=n_boot)
        if prep.cluster_labels is not None:   # clusters in text order of their label, as an engine returns them
            codes = _nps_sums.rank_labels(prep.cluster_labels)[codes]
        Z = prep.Z - (prep.w @ prep.Z / prep.w.sum() if prep.weighted else prep.Z.mean(axis=0))
        return _lmg.cluster_stats(Z, prep.w if prep.weighted else None, codes, G)
    return _importance_from(cov, cluster_sums, func=func, method=method, n_boot=n_boot, rng=rng, src=src)


def _importance_on_engine(data, *, func: str, outcome: str, drivers, weights, cluster, method: str,
                          n_boot: int, rng):
    """:func:`_importance_core` on an engine table: per-account cross-products from the engine
    (:func:`kapta_research.engines.cross_products`), the rows never leave it."""
    from ..engines import cross_products
    from ._prepare import check_design_summary
    _check_engine_params(func, outcome=outcome, cluster=cluster, drivers=drivers, n_boot=n_boot, weights=weights)
    cp = cross_products(data, outcome=outcome, drivers=drivers, cluster=cluster, weights=weights, func=func)
    src = cp.source
    if cp.n_positive == 0:
        raise DataError("every complete row has weight 0", file=src, column=weights)
    cov = check_design_summary(cp.n_positive, cp.lo, cp.hi, cp.covariance(), drivers, func=func, src=src,
                               outcome=outcome)
    G = len(cp.clusters)

    def cluster_sums():
        if G < 2:
            raise DataError(f"{func}: the bootstrap needs at least 2 clusters; the complete rows "
                            f"belong to {G} cluster.", file=src)
        return cp.centred()
    core = _importance_from(cov, cluster_sums, func=func, method=method, n_boot=n_boot, rng=rng, src=src)
    return core, dict(n=int(cp.n.sum()), n_groups=G if cluster is not None else None, n_dropped=cp.n_excluded)


def _importance_from(cov, cluster_sums, *, func, method, n_boot, rng, src):
    """Importances of the covariance ``cov`` and the account bootstrap from per-cluster sums
    ``(sw, s1, s2)`` of the centred ``z`` (:func:`kapta_research._lmg.cluster_stats`)."""
    eng_method = "lmg" if method == "dominance" else method
    imp, r2, _ = _lmg.importances(cov[None], eng_method)
    imp, r2 = imp[0], float(r2[0])
    out = {"cov": cov, "imp": imp, "r2": r2, "boot_imp": None, "boot_r2": None, "n_failed": 0}
    if n_boot > 0:
        sw, s1, s2 = cluster_sums()
        G = len(sw)
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


# Over 120 lines (180) only because of its numpydoc (116 lines of docstring); the body is 62 lines.
def relative_importance(data, *, outcome, drivers, method="lmg", weights=None, cluster=None,
                        n_boot=0, confidence=0.95, random_state=None) -> ImportanceResult:
    """Relative importance of drivers: how much of R² each driver accounts for.

    Fits the (weighted) least-squares regression of ``outcome`` on all
    ``drivers`` and splits its R² among the drivers.

    Parameters
    ----------
    data : pandas.DataFrame or engine table
        One row per response.  An Ibis table or Spark DataFrame (DuckDB,
        Parquet, Spark, ...) is reduced in its engine to per-account
        cross-products over complete rows (:func:`kapta_research.engines.cross_products`);
        the result is the same (the bootstrap then needs ``cluster``).
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

        Attributes ``r2`` (with ``r2_ci_low``, ``r2_ci_high`` and the
        one-row table ``r2_summary``), ``n``, ``n_clusters``, ``n_excluded``,
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
    ``n_excluded``.

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
    if is_engine_table(data):   # DuckDB / Parquet / Spark: per-account cross-products from the engine
        core, info = _importance_on_engine(data, func=func, outcome=outcome, drivers=drivers, weights=weights,
                                           cluster=cluster, method=method, n_boot=n_boot, rng=rng)
    else:
        prep = _prepare(data, func=func, outcome=outcome, drivers=drivers, weights=weights,
                        cluster=cluster)
        core = _importance_core(prep, func=func, method=method, n_boot=n_boot, rng=rng,
                                outcome=outcome)
        info = dict(n=len(prep.y), n_groups=prep.n_groups, n_dropped=prep.n_dropped)
    imp, r2 = core["imp"], core["r2"]
    n = info["n"]
    summary = pd.DataFrame({
        "driver": drivers,
        "importance": imp,
        "share": imp / r2,
        "rank": _rank_desc(imp),
        "n": n,
    })
    replicates = None
    r2_lo = r2_hi = None
    if n_boot > 0:
        bimp, br2 = core["boot_imp"], core["boot_r2"]
        lo, hi = resample.percentile_interval(bimp / br2[:, None], confidence)
        r2_lo, r2_hi = (float(v) for v in resample.percentile_interval(br2, confidence))
        rlo, rhi = _rank_ci(_rank_desc(bimp), confidence)
        summary["ci_low"], summary["ci_high"] = lo, hi
        summary["rank_ci_low"], summary["rank_ci_high"] = rlo, rhi
        replicates = pd.DataFrame(bimp, columns=drivers)
        summary["n"] = summary.pop("n")
    result = ImportanceResult(
        summary=summary, method=method, outcome=outcome, r2=r2, n=n,
        n_clusters=info["n_groups"], n_excluded=info["n_dropped"], n_boot=n_boot,
        confidence=confidence, n_boot_failed=core["n_failed"], replicates=replicates,
        r2_ci_low=r2_lo, r2_ci_high=r2_hi,
    )
    if method == "dominance":
        corr, _ = _lmg.standardise(core["cov"])
        r2_all = _lmg.subset_r2(corr)
        p = len(drivers)
        cond = _lmg.conditional_increments(r2_all, p)
        result.conditional = pd.DataFrame({
            "driver": np.repeat(drivers, p),
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
            rows.append((drivers[a], drivers[b], _DOMINANCE_LABEL[code],
                         _DOMINANCE_LABEL[c_code], _DOMINANCE_LABEL[g_code]))
        result.complete = pd.DataFrame(rows, columns=["driver_a", "driver_b", "complete",
                                                      "conditional", "general"])
    return result

