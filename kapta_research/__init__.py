"""kapta-research: honest statistics for B2B customer-feedback programmes."""
from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from . import metrics, nps, quality, report, simulate, studies
from .errors import DataError, KaptaError, ParameterError
from .io import Programme, ProgrammeError, load_programme, load_sample

try:
    __version__ = version("kapta-research")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = ["DataError", "KaptaError", "ParameterError", "Programme", "ProgrammeError",
           "load_programme", "load_sample", "metrics", "nps", "quality", "report", "simulate",
           "studies", "plots", "drivers", "churn", "coverage", "text", "__version__"]
__all__ += ["operations"]  # issue 11 (ops)


def __getattr__(name):  # heavier modules load on first use
    import importlib
    if name in ("plots", "drivers", "churn", "runner", "coverage", "operations", "text"):
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'kapta_research' has no attribute {name!r}")
