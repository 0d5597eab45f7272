"""kapta-research: honest statistics for B2B customer-feedback programmes."""
from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .errors import DataError, KaptaError, ParameterError
from . import nps, simulate
from .io import Programme, ProgrammeError, load_programme, load_sample

try:
    __version__ = version("kapta-research")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = ["DataError", "KaptaError", "ParameterError", "Programme", "ProgrammeError",
           "load_programme", "load_sample", "__version__"]
