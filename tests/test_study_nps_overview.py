"""Study 01 end to end: papermill run, run folder, manifest, PDF text, reproducibility."""
from __future__ import annotations

import json
import re

import nbformat
import papermill as pm
import pytest
from pypdf import PdfReader

from kapta_research.config import NOTEBOOKS_DIR, SAMPLE_DIR
from kapta_research.errors import ParameterError
from kapta_research.runner import StudyFailed, run_study

pytestmark = pytest.mark.study


def pdf_text(path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("reports")
    return run_study("nps-overview", data=str(SAMPLE_DIR), output_root=root, run_id="a")


def test_run_folder_has_every_output(run):
    for name in ("findings.pdf", "manifest.json", "01-nps-overview.ipynb"):
        assert (run / name).is_file(), name
    tables = {p.name for p in (run / "tables").glob("*.csv")}
    assert {"nps_overall.csv", "nps_by_segment.csv", "nps_by_wave.csv", "wave_changes.csv",
            "response_rates.csv", "mix_contrasts.csv"} <= tables
    assert {p.name for p in (run / "figures").glob("*.png")} >= {"nps_by_segment.png", "mix_by_segment.png"}


def test_tables_xlsx_has_one_captioned_sheet_per_table(run):
    import openpyxl
    import pandas as pd
    wb = openpyxl.load_workbook(run / "tables.xlsx")
    csvs = sorted(p.stem for p in (run / "tables").glob("*.csv"))
    assert wb.sheetnames == csvs
    ws = wb["nps_by_segment"]
    assert ws["A1"].value == "NPS by segment" and ws["A1"].font.bold
    assert ws["A3"].value == "segment" and ws.freeze_panes == "A4"
    t = pd.read_csv(run / "tables" / "nps_by_segment.csv")
    assert [c.value for c in ws[3]] == list(t.columns)
    assert ws.cell(row=4, column=list(t.columns).index("nps") + 1).value == pytest.approx(t["nps"].iloc[0])
    assert wb["segment_gaps"]["A1"].value.startswith("NPS gap of every pair of groups")


def test_manifest_records_what_reproduces_the_run(run):
    m = json.loads((run / "manifest.json").read_text())
    assert m["status"] == "ok"
    assert re.fullmatch(r"[0-9a-f]{64}", m["data_sha256"])
    assert m["parameters"]["confidence"] == 0.95 and m["seed"] == 20261122
    assert m["packages"]["pandas"] and m["packages"]["statsmodels"]
    assert m["git_revision"]


def test_pdf_has_findings_with_intervals_and_no_code(run):
    text = pdf_text(run / "findings.pdf")
    assert "Key findings" in text
    first_page = PdfReader(str(run / "findings.pdf")).pages[0].extract_text()
    # each finding with a number carries its interval and n
    assert re.search(r"NPS is [+−]?\d+ \(95 % CI [+−]?\d+ to [+−]?\d+\), n = [\d,]+ responses", first_page)
    assert "Run manifest" in text and "data_sha256" in text
    for code in ("import ", "kr.", "ctx.", "save_table", "def ", "P = ", "Traceback"):
        assert code not in text, code
    # no personal data
    assert "@" not in text and "Contact 0" not in text


def test_pdf_suppresses_groups_below_min_n(tmp_path):
    # Public sector (354 responses) and SMB (359) fall below min_n=400; Enterprise and Mid-market stay.
    out = run_study("nps-overview", data=str(SAMPLE_DIR), output_root=tmp_path, run_id="s",
                    parameters={"min_n": 400, "segments": ["segment"]})
    text = pdf_text(out / "findings.pdf")
    assert "Enterprise" in text and "Mid-market" in text
    assert "Public sector" not in text and "SMB" not in text
    assert "suppressed" in text


def test_same_data_and_parameters_give_identical_tables(run, tmp_path):
    again = run_study("nps-overview", data=str(SAMPLE_DIR), output_root=tmp_path, run_id="b", pdf=False)
    first = sorted((run / "tables").glob("*.csv"))
    assert first
    for f in first:
        assert (again / "tables" / f.name).read_bytes() == f.read_bytes(), f.name


def test_bad_parameters_are_refused_before_any_work(tmp_path):
    with pytest.raises(ParameterError, match=r"'confidence' parameter of study nps-overview must be in \(0, 1\)\. Got 95"):
        run_study("nps-overview", parameters={"confidence": 95.0}, output_root=tmp_path)
    with pytest.raises(ParameterError, match=r"Unknown parameter\(s\) 'confdence'"):
        run_study("nps-overview", parameters={"confdence": 0.9}, output_root=tmp_path)
    with pytest.raises(ParameterError, match=r"'method' parameter of study nps-overview must be one of"):
        run_study("nps-overview", parameters={"method": "exact"}, output_root=tmp_path)
    with pytest.raises(ParameterError, match=r"'segments' parameter of study nps-overview names column\(s\) 'segmnt'"):
        run_study("nps-overview", parameters={"segments": ["segmnt"]}, output_root=tmp_path)
    assert not list(tmp_path.rglob("*.ipynb"))  # nothing ran


def test_failing_cell_keeps_notebook_and_writes_no_pdf(tmp_path):
    with pytest.raises(StudyFailed, match=r"waves \[99\]") as err:
        run_study("nps-overview", parameters={"waves": [99]}, output_root=tmp_path, run_id="f")
    assert err.value.notebook.is_file()
    assert not (tmp_path / "nps-overview" / "f" / "findings.pdf").exists()
    assert json.loads((tmp_path / "nps-overview" / "f" / "manifest.json").read_text())["status"] == "failed"


def test_papermill_direct_run_still_validates(tmp_path):
    # papermill injects unknown names silently; the notebook's second cell refuses them.
    with pytest.raises(pm.PapermillExecutionError, match="Unknown parameter"):
        pm.execute_notebook(str(NOTEBOOKS_DIR / "01-nps-overview.ipynb"), str(tmp_path / "out.ipynb"),
                            parameters={"confdence": 0.9, "output_dir": str(tmp_path)},
                            kernel_name="python3", progress_bar=False)


def test_a_notebook_runs_from_the_notebooks_folder(tmp_path):
    # "Run All" in JupyterLab runs with notebooks/ as the working directory: the relative default
    # data path must still find data/sample (issue 8 §6)
    pm.execute_notebook(str(NOTEBOOKS_DIR / "01-nps-overview.ipynb"), str(tmp_path / "out.ipynb"),
                        parameters={"output_dir": str(tmp_path), "segments": ["segment"]},
                        kernel_name="python3", cwd=str(NOTEBOOKS_DIR), progress_bar=False)
    assert (tmp_path / "tables" / "nps_overall.csv").is_file()


def test_notebooks_use_the_project_kernel_and_pass_the_outcome_everywhere():
    for path in NOTEBOOKS_DIR.glob("*.ipynb"):
        nb = nbformat.read(str(path), as_version=4)
        assert nb.metadata.kernelspec.name == "kapta-research", path.name
        code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        assert "cluster or None" not in code and ".dropna(" not in code, path.name
    # Regression (issue 9): notebook 02 passed `outcome` to two of the three driver functions, so the
    # transitions silently used ltr whatever the study's outcome.
    nb = nbformat.read(str(NOTEBOOKS_DIR / "02-key-drivers.ipynb"), as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    for func in ("relative_importance(", "transition_drivers(", "importance_performance("):
        call = code[code.index(func):]
        call = call[:call.index(")\n")]
        assert re.search(r"\b(outcome|score)=outcome\b", call), func


def test_notebooks_are_committed_clean_and_thin():
    for path in NOTEBOOKS_DIR.glob("*.ipynb"):
        nb = nbformat.read(str(path), as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(not c.outputs and c.execution_count is None for c in code), path.name
        assert all(not re.search(r"^\s*(def|class) ", c.source, re.M) for c in code), path.name
        assert sum("parameters" in c.metadata.get("tags", []) for c in code) == 1, path.name
