"""Deprecated location: the snapshot functions live in :mod:`kapta_research.churn.snapshot`."""
from .churn.snapshot import *  # noqa: F401,F403
from .churn.snapshot import __all__  # noqa: F401
