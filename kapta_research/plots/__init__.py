"""Figures drawn from result tables (never recomputing statistics).

Every function takes a result DataFrame returned by an analysis function,
draws on ``ax`` (a new figure when omitted) and returns the Axes.
"""
from __future__ import annotations

from .churn import auc_comparison, churn_rate_bars, km_curves
from .drivers import importance_bars, importance_performance_map, transition_comparison
from .nps import mix_bars, nps_by_group, response_rate_trend
from .text import theme_nps_gap, theme_shares
from .operations import benchmark_dots, cadence_timeline, followup_curve, sla_bars  # issue 11 (ops)

__all__ = ["nps_by_group", "mix_bars", "response_rate_trend", "importance_bars", "transition_comparison",
           "importance_performance_map", "km_curves", "auc_comparison", "churn_rate_bars"]
__all__ += ["followup_curve", "sla_bars", "cadence_timeline", "benchmark_dots"]
__all__ += ["theme_shares", "theme_nps_gap"]
