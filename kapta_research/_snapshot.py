"""Deprecated location: the snapshot functions live in :mod:`kapta_research.churn.features`."""
from .churn.features import *  # noqa: F401,F403
from .churn.features import __all__  # noqa: F401
