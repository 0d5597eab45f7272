"""Project paths (Cookiecutter Data Science layout).

``data/raw`` holds an analyst's own exports: it is git-ignored and never
written to.  ``data/sample`` is the bundled synthetic programme.  Everything
generated goes under ``reports``.  ``KAPTA_REPORTS`` overrides the reports
folder (used by the tests to write into a temporary folder).
"""
from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
DATA_DIR = PROJECT_DIR / "data"
RAW_DATA_DIR = DATA_DIR / "raw"
SAMPLE_DIR = DATA_DIR / "sample"
NOTEBOOKS_DIR = PROJECT_DIR / "notebooks"
REPORTS_DIR = Path(os.environ.get("KAPTA_REPORTS", PROJECT_DIR / "reports"))

#: Seed of the bundled sample programme (``kapta-research simulate`` default).
SAMPLE_SEED = 20261122
