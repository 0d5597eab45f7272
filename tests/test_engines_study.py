"""Studies on engine data end to end: `kapta-research run nps-overview --data lake/responses.parquet`
and a DuckDB file give the same tables as the sample's CSVs, and the manifest names the engine."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import kapta_research as kr
from kapta_research.nps import nps
from kapta_research.runner import run_study

pytestmark = pytest.mark.study
pytest.importorskip("ibis")


@pytest.fixture(scope="module")
def lake(tmp_path_factory, sample):
    root = tmp_path_factory.mktemp("lake")
    prog = sample
    import duckdb
    con = duckdb.connect(str(root / "programme.duckdb"))
    for t in ("responses", "accounts", "contacts", "invitations"):
        df = getattr(prog, t).copy()
        df.attrs = {}
        if t == "responses":
            df.to_parquet(root / "responses.parquet", index=False)
        con.register("df", df)
        con.execute(f"create table {t} as select * from df")
        con.unregister("df")
    con.close()
    return root


def test_run_nps_overview_on_a_parquet_file_from_the_command_line(lake, tmp_path, sample):
    exe = Path(sys.executable).parent / "kapta-research"
    proc = subprocess.run([str(exe), "run", "nps-overview", "--data", str(lake / "responses.parquet"),
                           "--output", str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    run = next((tmp_path / "nps-overview").iterdir())
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["engine"].startswith("duckdb ") and manifest["data"].endswith("responses.parquet")
    assert (run / "findings.pdf").is_file()
    r = sample.respondents()
    for name, by in (("nps_overall", None), ("nps_by_wave", "wave")):
        same_numbers(pd.read_csv(run / "tables" / f"{name}.csv"), nps(r, by=by, cluster="account_id"))


def test_run_nps_overview_on_a_duckdb_file(lake, tmp_path, sample):
    run = run_study("nps-overview", data=str(lake / "programme.duckdb"), output_root=tmp_path, run_id="d",
                    pdf=False)
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["engine"].startswith("duckdb ")
    r = sample.respondents()
    for name, by in (("nps_overall", None), ("nps_by_segment", "segment"), ("nps_by_region", "region")):
        same_numbers(pd.read_csv(run / "tables" / f"{name}.csv"), nps(r, by=by, cluster="account_id"))
    assert (run / "tables" / "response_rates.csv").is_file()


def same_numbers(saved, expected):
    """A saved table (CSV, 10 significant digits) against the in-memory nps()."""
    for c in ("n", "n_clusters", "nps", "se", "ci_low", "ci_high", "design_effect"):
        np.testing.assert_allclose(saved[c].to_numpy(float), expected[c].to_numpy(float), rtol=1e-9, atol=1e-8)


def test_key_drivers_study_on_a_duckdb_file_reads_no_row_and_equals_the_in_memory_tables(lake, tmp_path, sample):
    # study 02 on engine data: relative importance and importance x performance from per-account sums,
    # transitions from the distinct (account, category, drivers) combinations; same numbers as the
    # functions on the sample's rows (saved CSVs carry 10 significant digits)
    from kapta_research.drivers import importance_performance, relative_importance, transition_drivers
    from kapta_research.schema import DRIVERS
    assert kr.load_programme(lake / "programme.duckdb").in_engine
    params = {"n_boot": 200, "seed": 7}
    run = run_study("key-drivers", data=str(lake / "programme.duckdb"), parameters=params, output_root=tmp_path,
                    run_id="k", pdf=False)
    r = sample.respondents()
    boot = dict(cluster="account_id", n_boot=200, confidence=0.95, random_state=7)
    want = {"relative_importance": relative_importance(r, outcome="ltr", drivers=list(DRIVERS), **boot).summary,
            "transition_drivers": transition_drivers(r, drivers=list(DRIVERS), outcome="ltr", **boot).summary,
            "importance_performance": importance_performance(r, drivers=list(DRIVERS), outcome="ltr", **boot).summary}
    for name, ref in want.items():
        saved = pd.read_csv(run / "tables" / f"{name}.csv")
        for c in ref.columns:
            if pd.api.types.is_float_dtype(ref[c]):
                np.testing.assert_allclose(saved[c].to_numpy(float), ref[c].to_numpy(float), rtol=1e-9,
                                           atol=1e-9, err_msg=f"{name}.{c}")
