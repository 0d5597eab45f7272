"""Calibration of predicted probabilities: slope, intercept, Brier score, reliability table.

One implementation for the package (churn models, health-score validation).

* Calibration slope: the coefficient ``b`` of ``logit P(y = 1) = a + b·lp``
  with ``lp = logit(p)`` (Cox 1958); 1 is ideal, below 1 means predictions
  too extreme (over-fitting).  R: ``coef(glm(y ~ lp, family = binomial))[2]``.
* Calibration intercept ("calibration-in-the-large"): ``a`` of
  ``logit P(y = 1) = a + offset(lp)``, the slope fixed at 1; 0 is ideal,
  positive means predictions too low on average.  R:
  ``coef(glm(y ~ offset(lp), family = binomial))``.
* Brier score: ``mean((p - y)²)`` (Brier 1950).
* Reliability table: rows grouped by bins of ``p``; mean predicted against
  the observed rate with its Wilson interval.

References
----------
Cox, D. R. (1958). Two further applications of a model for binary regression.
Biometrika 45, 562-565.

Van Calster, B. et al. (2019). Calibration: the Achilles heel of predictive
analytics. BMC Medicine 17, 230.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .intervals import critical_value, wilson_interval

__all__ = ["logit", "calibration", "calibration_slope", "brier_score", "reliability_table"]

_EPS = 1e-12


def logit(p) -> np.ndarray:
    """``log(p / (1 - p))`` with ``p`` clipped to ``[1e-12, 1 - 1e-12]``."""
    p = np.clip(np.asarray(p, float), _EPS, 1 - _EPS)
    return np.log(p / (1 - p))


def _glm(y, exog, offset=None):
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            res = sm.GLM(y, exog, family=sm.families.Binomial(), offset=offset).fit()
        except (np.linalg.LinAlgError, ValueError, PerfectSeparationWarning):
            return None
    if not np.all(np.isfinite(res.params)) or not np.all(np.isfinite(res.bse)):
        return None
    return res


def calibration(y, p, *, confidence: float = 0.95) -> dict:
    """Calibration intercept and slope of probabilities ``p`` for 0/1 outcomes ``y``, with Wald intervals.

    Returns
    -------
    dict
        ``calibration_intercept``, ``calibration_intercept_ci_low``,
        ``calibration_intercept_ci_high``, ``calibration_slope``,
        ``calibration_slope_ci_low``, ``calibration_slope_ci_high``.  NaN
        where undefined: one class only, constant predictions (no slope), or
        a fit that does not converge.  The intervals are model-based (rows
        independent).

    Examples
    --------
    >>> y = np.array([0, 0, 1, 0, 1, 1, 0, 1])
    >>> p = np.array([0.1, 0.3, 0.6, 0.2, 0.7, 0.4, 0.5, 0.9])
    >>> c = calibration(y, p)
    >>> # R 4.2.2: glm(y ~ qlogis(p), binomial) and glm(y ~ offset(qlogis(p)), binomial)
    >>> round(c["calibration_slope"], 4), round(c["calibration_intercept"], 4)
    (2.9342, 0.2004)
    """
    y = np.asarray(y, float)
    p = np.asarray(p, float)
    nan = float("nan")
    keys = ("calibration_intercept", "calibration_slope")
    out = {k + s: nan for k in keys for s in ("", "_ci_low", "_ci_high")}
    if len(y) == 0 or y.min() == y.max():
        return out
    z = critical_value(confidence)
    lp = logit(p)
    ones = np.ones((len(y), 1))
    res = _glm(y, ones, offset=lp)
    if res is not None:
        a, se = float(res.params[0]), float(res.bse[0])
        out.update(calibration_intercept=a, calibration_intercept_ci_low=a - z * se,
                   calibration_intercept_ci_high=a + z * se)
    if np.ptp(lp) > 0:
        res = _glm(y, np.column_stack([ones, lp]))
        if res is not None:
            b, se = float(res.params[1]), float(res.bse[1])
            out.update(calibration_slope=b, calibration_slope_ci_low=b - z * se,
                       calibration_slope_ci_high=b + z * se)
    return out


def calibration_slope(y, p) -> float:
    """Calibration slope of ``p`` (see :func:`calibration`); NaN where undefined."""
    return calibration(y, p)["calibration_slope"]


def brier_score(y, p) -> float:
    """Brier score ``mean((p - y)²)`` (0 is perfect; a constant ``p = mean(y)`` scores ``ȳ(1 - ȳ)``).

    Examples
    --------
    >>> round(brier_score([0, 1, 1], [0.2, 0.6, 1.0]), 12)
    0.066666666667
    """
    y = np.asarray(y, float)
    p = np.asarray(p, float)
    return float(np.mean((p - y) ** 2))


def reliability_table(y, p, *, n_bins: int = 10, confidence: float = 0.95) -> pd.DataFrame:
    """Observed event rate against mean predicted probability in bins of ``p``.

    Bins are quantiles of ``p`` (equal counts; ties keep equal predictions
    in one bin, so there may be fewer than ``n_bins``).

    Returns
    -------
    DataFrame
        ``bin`` (1 = lowest predictions), ``p_low``, ``p_high`` (range of
        ``p`` in the bin), ``n``, ``n_events``, ``mean_predicted``,
        ``observed_rate``, ``ci_low``, ``ci_high`` (Wilson interval of the
        observed rate; rows taken as independent).

    Examples
    --------
    >>> t = reliability_table([0, 0, 1, 1], [0.1, 0.2, 0.7, 0.8], n_bins=2)
    >>> t[["bin", "n", "observed_rate"]].to_dict("list")
    {'bin': [1, 2], 'n': [2, 2], 'observed_rate': [0.0, 1.0]}
    """
    y = np.asarray(y, float)
    p = np.asarray(p, float)
    cols = ["bin", "p_low", "p_high", "n", "n_events", "mean_predicted", "observed_rate", "ci_low", "ci_high"]
    if len(p) == 0:
        return pd.DataFrame(columns=cols)
    ranks = pd.Series(p).rank(method="min").to_numpy()
    codes = np.minimum(((ranks - 1) * n_bins // len(p)).astype(int), n_bins - 1)
    _, codes = np.unique(codes, return_inverse=True)
    k = int(codes.max()) + 1
    n = np.bincount(codes, minlength=k)
    events = np.bincount(codes, weights=y, minlength=k)
    p_low = np.full(k, np.inf)
    p_high = np.full(k, -np.inf)
    np.minimum.at(p_low, codes, p)
    np.maximum.at(p_high, codes, p)
    lo, hi = wilson_interval(events, n, confidence=confidence)
    t = pd.DataFrame({"bin": np.arange(1, k + 1), "p_low": p_low, "p_high": p_high, "n": n,
                      "n_events": events.astype(int), "mean_predicted": np.bincount(codes, weights=p, minlength=k) / n,
                      "observed_rate": events / n, "ci_low": lo, "ci_high": hi})
    return t[cols]
