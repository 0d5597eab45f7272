"""Figures drawn from result tables (never recomputing statistics).

Every function takes a result DataFrame returned by the analysis functions,
draws on ``ax`` (a new figure when omitted) and returns the Axes.
"""
from __future__ import annotations

from .nps import mix_bars, nps_by_group, response_rate_trend

__all__ = ["mix_bars", "nps_by_group", "response_rate_trend"]

try:  # driver and churn figures live beside their analyses' tables
    from .drivers import *  # noqa: F401,F403
    from .drivers import __all__ as _drivers_all
    __all__ += list(_drivers_all)
except ImportError:  # pragma: no cover - module not written yet
    pass
try:
    from .churn import *  # noqa: F401,F403
    from .churn import __all__ as _churn_all
    __all__ += list(_churn_all)
except ImportError:  # pragma: no cover
    pass
