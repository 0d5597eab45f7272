"""Churn analyses: survival, prediction, churn rates and point-in-time snapshots.

Generic tools that work on any table with one row per account (or per
account and snapshot date): a follow-up time, a churn flag and candidate
predictors.  The package is split by subject; every public name is
importable from here.

* :mod:`~kapta_research.churn.survival` -- :func:`cox` (Cox
  proportional-hazards regression with optional cluster-robust standard
  errors) and :func:`survival_curves` (Kaplan-Meier curves, log-rank test).
* :mod:`~kapta_research.churn.prediction` -- :func:`predictive_value`: how
  well NPS and relationship drivers predict churn (logistic models compared
  on discrimination, calibration and added value).
* :mod:`~kapta_research.churn.rates` -- :func:`churn_by_category`: churn rate
  with intervals by category or by quantile bin of a predictor.
* :mod:`~kapta_research.churn.features` -- :func:`snapshot`,
  :func:`snapshots`, :func:`score_freshness`: account features at a date
  from data before it, and churn after it.

Every function takes the data first, names columns by string, takes options
as keywords, and returns tidy, unrounded tables.  Rows with a missing value
in any column a function uses are left out (complete-case analysis); the
number left out is reported as ``n_excluded``.
"""
from __future__ import annotations

# private helpers re-exported for the tests that check them against references
from ..stats.auc import delong as _delong  # noqa: F401
from ..stats.auc import weighted_auc as _weighted_auc  # noqa: F401
from ..stats.survival import cox_score_residuals as _cox_score_residuals  # noqa: F401
from ..stats.survival import harrell_c as _harrell_c  # noqa: F401
from .prediction import PredictiveValueResult, predictive_value
from .rates import churn_by_category
from .features import (NPS_BANDS, SNAPSHOT_FEATURES, TREND_BANDS, observed_until, score_freshness,
                       snapshot, snapshot_features, snapshots)
from .survival import CoxResult, SurvivalResult, cox, survival_curves

__all__ = [
    "cox", "CoxResult",
    "survival_curves", "SurvivalResult",
    "predictive_value", "PredictiveValueResult",
    "churn_by_category",
    "snapshot", "snapshots", "score_freshness", "observed_until", "SNAPSHOT_FEATURES", "NPS_BANDS",
    "TREND_BANDS", "snapshot_features",
]


def _cluster_bootstrap_aucs(y, scores, clusters, n_boot, rng):
    """Old signature of :func:`kapta_research.stats.auc.cluster_bootstrap_aucs` (successful replicates)."""
    import pandas as pd

    from ..stats.auc import cluster_bootstrap_aucs
    codes = pd.factorize(clusters)[0]
    return cluster_bootstrap_aucs(y, scores, codes, n_boot=n_boot, random_state=rng).replicates


def _wilson(k, n, z):
    """Old signature of :func:`kapta_research.stats.intervals.wilson_interval` (critical value ``z``)."""
    from scipy import stats

    from ..stats.intervals import wilson_interval
    return wilson_interval(k, n, confidence=float(2 * stats.norm.cdf(z) - 1))
