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
is reported (``n_excluded``) and shown in the result's repr.

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
from __future__ import annotations

from ._prepare import MAX_LMG_DRIVERS, METHODS, QUADRANTS, TRANSITIONS
from .importance import ImportanceResult, relative_importance
from .ipa import ImportancePerformanceResult, importance_performance
from .transitions import TransitionResult, transition_drivers

__all__ = [
    "relative_importance", "ImportanceResult", "transition_drivers",
    "TransitionResult", "importance_performance", "ImportancePerformanceResult", "METHODS",
    "MAX_LMG_DRIVERS", "TRANSITIONS", "QUADRANTS",
]
