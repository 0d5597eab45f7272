"""Importance × performance ("fix first") map of the drivers, with cluster-aware uncertainty."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from dataclasses import dataclass

from .. import _lmg
from .._engine_hook import is_engine_table
from .._validation import check_number, source_of
from ..errors import ParameterError
from ..schema import DRIVER_SCALE
from ..stats import intervals, resample
from ._prepare import (MAX_LMG_DRIVERS, QUADRANTS, _boot_counts, _bootstrap_clusters, _check_common,
                       _check_design, _check_driver_list, _check_engine_params, _cluster_setup,
                       _DriversResult, _meat_of_means, _prepare, _raise_if_no_replicates, _se_of_means,
                       _text_codes, check_design_summary)

__all__ = ["importance_performance", "ImportancePerformanceResult"]


class ImportancePerformanceResult(_DriversResult):
    """Importance × performance table (see :func:`importance_performance`).

    Attributes
    ----------
    summary : pandas.DataFrame
        One row per driver (columns listed in :func:`importance_performance`).
    importance_threshold, performance_threshold, top_box : float
        The thresholds that decide the quadrants, and the lowest top-box rating.
    r2 : float
    n, n_clusters, n_excluded, n_boot, n_boot_failed : int
    confidence : float

    For one release the result also behaves like its ``summary`` table
    (``result["share"]``, ``len(result)``, ``result.to_csv(...)``), and
    ``result.attrs`` (deprecated) returns the attributes above as a dict.
    """

    _title = "Importance × performance"
    _info = ("importance_threshold", "performance_threshold", "top_box", "r2", "n", "n_clusters",
             "n_excluded", "n_boot")

    # --- transitional DataFrame behaviour (one release) -------------------------------
    def __getitem__(self, key):
        return self.summary[key]

    def __len__(self) -> int:
        return len(self.summary)

    def __iter__(self):
        return iter(self.summary)

    def __getattr__(self, name):
        if name.startswith("_") or name == "summary":
            raise AttributeError(name)
        return getattr(self.summary, name)

    @property
    def attrs(self) -> dict:
        """Deprecated: the thresholds as a dict; read the attributes instead."""
        warnings.warn("importance_performance(...).attrs is deprecated; read the result's attributes "
                      "(importance_threshold, performance_threshold, ...) instead.", DeprecationWarning,
                      stacklevel=2)
        return {k: getattr(self, k) for k in (*self._info, "n_dropped_missing", "confidence")}


# Over 120 lines (151) only because of its numpydoc (98 lines of docstring); the body is 53 lines.
def importance_performance(data, *, drivers, outcome="ltr", cluster=None,
                           n_boot=resample.DEFAULT_N_BOOT, confidence=0.95,
                           importance_threshold=None, performance_threshold=None, top_box=None,
                           random_state=None) -> ImportancePerformanceResult:
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
    data : pandas.DataFrame or engine table
        One row per response.  An Ibis table or Spark DataFrame (DuckDB,
        Parquet, Spark, ...) is reduced in its engine, in one ``GROUP BY``
        account over complete rows, to per-account sums and cross-products of
        the outcome, the drivers and their top-box indicators
        (:func:`kapta_research.engines.cross_products`); the rows never leave
        the engine and the table equals the in-memory one (the account
        bootstrap draws the same accounts; it then needs ``cluster``).
    drivers : list of str
        Driver columns (ratings on :data:`~kapta_research.schema.DRIVER_SCALE`).
    outcome : str, default "ltr"
    cluster : str, optional
        Account column; the bootstrap then resamples accounts (in text order
        of their id, on either path), so every interval accounts for
        respondents of one account being alike.
    n_boot : int, default :data:`~kapta_research.stats.resample.DEFAULT_N_BOOT` (2000)
        Bootstrap replicates (one bootstrap gives all intervals).  With 0,
        shares get no interval (and are never "uncertain") and the intervals
        of means and top-box percentages are Wald intervals with a
        cluster-robust (linearised ratio-estimator) standard error and
        Student's t with ``G - 1`` degrees of freedom (z without ``cluster``).
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
    ImportancePerformanceResult
        ``summary``: one row per driver, in the order given, with columns ``driver``,
        ``share``, ``share_ci_low``, ``share_ci_high`` (LMG share of R² and
        percentile bootstrap interval), ``mean``, ``mean_ci_low``,
        ``mean_ci_high`` (mean rating), ``gap``, ``gap_ci_low``,
        ``gap_ci_high`` (mean minus the performance threshold, see Notes),
        ``top_box_pct``, ``top_box_pct_ci_low``, ``top_box_pct_ci_high``
        (percentage of ratings >= ``top_box``, 0–100) and ``quadrant``
        (categorical, see above).  Attributes ``importance_threshold``,
        ``performance_threshold``, ``top_box``, ``r2``, ``n``,
        ``n_clusters``, ``n_excluded``, ``n_boot``, ``n_boot_failed`` and
        ``confidence`` (see :class:`ImportancePerformanceResult`).

    Notes
    -----
    Shares, means and top-box percentages are all computed on the same
    respondents: those with the outcome and every driver present (listwise
    deletion; ``n_excluded`` counts the others).

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
    >>> len(table.summary) == len(DRIVERS)
    True
    >>> set(table.summary["quadrant"]) <= set(kr.drivers.QUADRANTS)
    True
    >>> to_fix = table.summary.loc[table.summary["quadrant"] == "fix first", "driver"]
    >>> bool(0 < table.importance_threshold < 1)
    True
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
    if is_engine_table(data):   # DuckDB / Parquet / Spark: per-account sums from the engine
        sums = _ipa_sums_on_engine(data, func=func, outcome=outcome, drivers=drivers, cluster=cluster,
                                   n_boot=n_boot, top_box=top_box)
    else:
        sums = _ipa_sums(data, func=func, outcome=outcome, drivers=drivers, cluster=cluster, n_boot=n_boot,
                         top_box=top_box)
    est = _ipa_from_sums(sums, p=p, n_boot=n_boot, rng=rng, confidence=confidence,
                         performance_threshold=performance_threshold, func=func)
    share, mean, tb_pct, r2, n_failed = est["share"], est["mean"], est["tb_pct"], est["r2"], est["n_failed"]
    share_lo, share_hi = est["share_ci"]
    mean_lo, mean_hi = est["mean_ci"]
    gap_lo, gap_hi = est["gap_ci"]
    tb_lo, tb_hi = est["tb_ci"]
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
    return ImportancePerformanceResult(
        summary=table, importance_threshold=it, performance_threshold=pt, top_box=top_box,
        r2=r2, n=sums.n, n_clusters=sums.n_clusters, n_excluded=sums.n_excluded,
        confidence=confidence, n_boot=n_boot, n_boot_failed=n_failed)


@dataclass
class _IPASums:
    """What :func:`_ipa_from_sums` needs: the checked covariance of ``[outcome, drivers]`` and the sums
    ``(sw, s1, s2)`` of ``z = [outcome, drivers, top-box indicators]`` centred at ``centre``, per
    account (``clustered``), per row (the respondent bootstrap) or in total (one row)."""
    cov: np.ndarray
    centre: np.ndarray
    sw: np.ndarray
    s1: np.ndarray
    s2: np.ndarray
    clustered: bool
    n: int
    n_clusters: int | None
    n_excluded: int
    src: str


def _ipa_sums(data, *, func, outcome, drivers, cluster, n_boot, top_box) -> _IPASums:
    """:class:`_IPASums` of a DataFrame: per-account sums of its complete rows (accounts in text order
    of their id, as an engine returns them, so the account bootstrap draws the same accounts)."""
    prep = _prepare(data, func=func, outcome=outcome, drivers=drivers, cluster=cluster)
    src = source_of(prep.frame)
    cov = _check_design(prep.Z, None, drivers, func=func, src=src, outcome=outcome)
    Z = np.column_stack([prep.Z, (prep.X >= top_box).astype(float)])
    centre = Z.mean(axis=0)
    codes, G = _cluster_setup(prep, func=func, n_boot=n_boot)
    if prep.codes is not None:
        codes = _text_codes(prep)
    elif n_boot == 0:              # the Wald intervals need only the total
        codes, G = np.zeros(len(Z), dtype=np.int64), 1
    sw, s1, s2 = _lmg.cluster_stats(Z - centre, None, codes, G)
    return _IPASums(cov, centre, sw, s1, s2, prep.codes is not None, len(prep.y), prep.n_groups,
                    prep.n_dropped, src)


def _ipa_sums_on_engine(data, *, func, outcome, drivers, cluster, n_boot, top_box) -> _IPASums:
    """:class:`_IPASums` of an engine table: per-account cross-products of the outcome, the drivers and
    their top-box indicators over complete rows, in one query
    (:func:`kapta_research.engines.cross_products`); the rows never leave the engine."""
    from ..engines import cross_products
    _check_engine_params(func, outcome=outcome, cluster=cluster, drivers=drivers, n_boot=n_boot)
    cp = cross_products(data, outcome=outcome, drivers=drivers, cluster=cluster, top_box=top_box, func=func)
    q = len(drivers) + 1
    cov = check_design_summary(cp.n_positive, cp.lo[:q], cp.hi[:q], cp.covariance()[:q, :q], drivers,
                               func=func, src=cp.source, outcome=outcome)
    if n_boot > 0:
        _bootstrap_clusters(len(cp.clusters), func=func, src=cp.source)
    sw, s1, s2 = cp.centred()
    return _IPASums(cov, cp.s1.sum(axis=0) / cp.sw.sum(), sw, s1, s2, cluster is not None, int(cp.n.sum()),
                    len(cp.clusters) if cluster is not None else None, cp.n_excluded, cp.source)


def _ipa_from_sums(sums: _IPASums, *, p, n_boot, rng, confidence, performance_threshold, func) -> dict:
    """Shares, means, gaps and top-box percentages with their intervals, from :class:`_IPASums`
    (the one implementation for DataFrames and engine tables)."""
    cov, centre, sw, s1, s2 = sums.cov, sums.centre, sums.sw, sums.s1, sums.s2
    imp, r2, _ = _lmg.importances(cov[None], "lmg")
    share = imp[0] / r2[0]
    n = sw.sum()
    means = centre + s1.sum(axis=0) / n
    mean, tb_pct = means[1:p + 1], 100 * means[p + 1:]
    nan = np.full(p, np.nan)
    share_lo, share_hi = nan, nan.copy()
    n_failed = 0
    if n_boot > 0:
        b_share, b_mean, b_gap, b_tb = [], [], [], []
        for counts in _boot_counts(rng, len(sw), n_boot):
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
        _raise_if_no_replicates(n_boot - n_failed, n_boot, func=func, src=sums.src)
        share_lo, share_hi = resample.percentile_interval(np.concatenate(b_share), confidence)
        mean_ci = resample.percentile_interval(np.concatenate(b_mean), confidence)
        gap_ci = resample.percentile_interval(np.concatenate(b_gap), confidence)
        tb_ci = resample.percentile_interval(np.concatenate(b_tb), confidence)
    else:
        G = len(sw) if sums.clustered else n
        zc = intervals.critical_value(confidence, df=G - 1 if sums.clustered else None)
        meat = _meat_of_means(sw, s1, s2, by_cluster=sums.clustered)[1:, 1:]
        se_mean = _se_of_means(meat[:p, :p], n, G)
        se_tb = 100 * _se_of_means(meat[p:, p:], n, G)
        if performance_threshold is None:   # the ratings centred on the respondent's mean rating
            C = np.eye(p) - 1.0 / p
            se_gap = _se_of_means(C @ meat[:p, :p] @ C, n, G)
            gap0 = mean - mean.mean()
        else:
            se_gap = se_mean
            gap0 = mean - performance_threshold
        mean_ci = (mean - zc * se_mean, mean + zc * se_mean)
        gap_ci = (gap0 - zc * se_gap, gap0 + zc * se_gap)
        tb_ci = (tb_pct - zc * se_tb, tb_pct + zc * se_tb)
    return {"share": share, "share_ci": (share_lo, share_hi), "mean": mean, "mean_ci": mean_ci,
            "gap_ci": gap_ci, "tb_pct": tb_pct, "tb_ci": tb_ci, "r2": float(r2[0]), "n_failed": n_failed}
