"""Studies 01-03 on a vendor-shaped export (tests/data/exports/qualtrics_labels) give the sample's tables.

The Qualtrics choice-text fixture exercises the most of the loader at once: three header
rows, preview and unfinished rows dropped, answer labels mapped (agree7, likely11 and a
column's own map), waves from the recorded date, responses linked to invitations by
contact and wave, renamed response ids.  Every ``tables/*.csv`` must equal the sample
run's; id columns are compared through their pattern (``pd.factorize`` codes).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from kapta_research.config import SAMPLE_DIR
from kapta_research.runner import run_study

pytestmark = pytest.mark.study
FIXTURE = Path(__file__).parent / "data" / "exports" / "qualtrics_labels"


def _ids_aside(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    for c in df.columns:
        if str(c).endswith("_id"):
            df[c] = pd.factorize(df[c])[0]
    return df


@pytest.mark.parametrize("study", ["nps-overview", "key-drivers", "churn-correlation"])
def test_study_tables_on_the_qualtrics_export_equal_the_sample_run(tmp_path, study):
    ours = run_study(study, data=str(FIXTURE), output_root=tmp_path / "fixture", pdf=False, run_id="x")
    ref = run_study(study, data=str(SAMPLE_DIR), output_root=tmp_path / "sample", pdf=False, run_id="x")
    names = sorted(p.name for p in (ref / "tables").glob("*.csv"))
    assert names and names == sorted(p.name for p in (ours / "tables").glob("*.csv"))
    for name in names:
        a = pd.read_csv(ours / "tables" / name)
        b = pd.read_csv(ref / "tables" / name)
        pd.testing.assert_frame_equal(_ids_aside(a), _ids_aside(b), obj=name)
