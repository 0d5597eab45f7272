"""Importance × performance ("fix first") map of the drivers, with cluster-aware uncertainty."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .. import _lmg
from .._validation import check_number, source_of
from ..errors import ParameterError
from ..schema import DRIVER_SCALE
from ..stats import intervals, resample
from ._prepare import (MAX_LMG_DRIVERS, QUADRANTS, _boot_counts, _check_common, _check_design,
                       _check_driver_list, _cluster_se_of_mean, _cluster_setup, _DriversResult,
                       _prepare, _raise_if_no_replicates)

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


# Over 120 lines (180) only because of its numpydoc (91 lines of docstring); the body is 85 lines.
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
    data : pandas.DataFrame
        One row per response.
    drivers : list of str
        Driver columns (ratings on :data:`~kapta_research.schema.DRIVER_SCALE`).
    outcome : str, default "ltr"
    cluster : str, optional
        Account column; the bootstrap then resamples accounts, so every
        interval accounts for respondents of one account being alike.
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
        share_lo, share_hi = resample.percentile_interval(np.concatenate(b_share), confidence)
        mean_lo, mean_hi = resample.percentile_interval(np.concatenate(b_mean), confidence)
        gap_lo, gap_hi = resample.percentile_interval(np.concatenate(b_gap), confidence)
        tb_lo, tb_hi = resample.percentile_interval(np.concatenate(b_tb), confidence)
    else:
        n_failed = 0
        zc = intervals.critical_value(confidence, df=G - 1 if prep.codes is not None else None)
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
    return ImportancePerformanceResult(
        summary=table, importance_threshold=it, performance_threshold=pt, top_box=top_box,
        r2=float(r2[0]), n=len(prep.y), n_clusters=prep.n_groups, n_excluded=prep.n_dropped,
        confidence=confidence, n_boot=n_boot, n_boot_failed=n_failed)
