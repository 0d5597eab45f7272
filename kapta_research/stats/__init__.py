"""Statistics core of kapta-research: each statistic implemented once.

Small, pure modules imported by every analysis:

* :mod:`.clustered` — cluster sums, CRV1 variance of ratio means and their differences;
* :mod:`.design` — design effect and effective n (floor rule);
* :mod:`.intervals` — critical-value rule, Wald, Wilson, NPS score / adjusted-Wald,
  bounded MOVER differences and interval-inversion p-values;
* :mod:`.resample` — the account (cluster) bootstrap with failed-replicate accounting;
* :mod:`.multiplicity` — Holm adjustment.
"""
from . import clustered, design, intervals, multiplicity, resample
from .clustered import (RatioVariance, cluster_codes, cluster_sums, crv1_factor, crv1_variance,
                        ratio_mean_correlation, ratio_mean_difference_variance, ratio_mean_variance)
from .design import design_effect, effective_n, worst_case_design_effect
from .intervals import (critical_value, interval_p_value, mover_difference, nps_adjusted_wald_interval,
                        nps_score_interval, wald_interval, wilson_interval)
from .multiplicity import adjust_p_values
from .resample import DEFAULT_N_BOOT, BootstrapResult, bootstrap_counts, cluster_bootstrap

__all__ = ["clustered", "design", "intervals", "multiplicity", "resample", "RatioVariance",
           "cluster_codes", "cluster_sums", "crv1_factor", "crv1_variance",
           "ratio_mean_correlation", "ratio_mean_difference_variance", "ratio_mean_variance",
           "design_effect", "effective_n",
           "worst_case_design_effect", "critical_value", "interval_p_value", "mover_difference",
           "nps_adjusted_wald_interval", "nps_score_interval", "wald_interval", "wilson_interval",
           "adjust_p_values", "DEFAULT_N_BOOT", "BootstrapResult", "bootstrap_counts",
           "cluster_bootstrap"]
