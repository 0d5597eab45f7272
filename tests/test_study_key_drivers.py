"""Study 02 end to end: transition findings with numbers and intervals, no code in the PDF."""
from __future__ import annotations

import re

import pytest
from pypdf import PdfReader

from kapta_research.config import SAMPLE_DIR
from kapta_research.errors import ParameterError
from kapta_research.runner import run_study

pytestmark = pytest.mark.study


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return run_study("key-drivers", data=str(SAMPLE_DIR), output_root=tmp_path_factory.mktemp("r"), run_id="a",
                     parameters={"n_boot": 400})


def test_outputs(run):
    tables = {p.name for p in (run / "tables").glob("*.csv")}
    assert {"relative_importance.csv", "transition_drivers.csv", "transition_difference.csv",
            "importance_performance.csv"} <= tables
    assert (run / "findings.pdf").is_file()


def test_pdf_states_transition_findings_with_intervals(run):
    first = PdfReader(str(run / "findings.pdf")).pages[0].extract_text()
    text = re.sub(r"\s+", " ", first)
    # the sample's truth: ease of doing business leads Detractor->Passive, leading edge Passive->Promoter
    # Since issue 10 the sample's Stalker accounts (value for money 1.8 points low) add variance to value
    # for money, so its share of the step grows (34 % vs 28 % on the sample) and the finding may name
    # both when their rank intervals overlap; ease of doing business is named first either way.
    assert re.search(r"To turn detractors into passives, focus on ease of doing business(: it carries \d+ % of the "
                     r"explained variation in that step \(95 % CI \d+ % to \d+ %| or value for money: together "
                     r"they lead the step \(\d+ % and \d+ % of the explained variation\), but the data cannot "
                     r"order them)", text)
    assert re.search(r"To turn passives into promoters, focus on leading edge: .*\(95 % CI \d+ % to \d+ %", text)
    assert "The two steps need different levers" in text and "p < 0.001" in text
    assert re.search(r"R² = 0\.\d\d .*n = [\d,]+ responses from \d+ accounts", text)


def test_pdf_has_no_code(run):
    text = "\n".join(p.extract_text() for p in PdfReader(str(run / "findings.pdf")).pages)
    for code in ("import ", "kr.", "ctx.", "relative_importance(", "Traceback", "@"):
        assert code not in text, code


def test_when_the_data_cannot_separate_drivers_the_pdf_says_so(tmp_path):
    # One small segment and a handful of resamples: rank intervals are wide, so no driver may be named.
    out = run_study("key-drivers", data=str(SAMPLE_DIR), output_root=tmp_path, run_id="small",
                    parameters={"segment_filter": ["Public sector"], "n_boot": 200})
    text = re.sub(r"\s+", " ", PdfReader(str(out / "findings.pdf")).pages[0].extract_text())
    assert "Public sector" in text
    assert "The data cannot single out a driver" in text or "the data cannot order them" in text \
        or "The data cannot show that the two steps need different levers" in text


def test_bad_parameters(tmp_path):
    with pytest.raises(ParameterError, match=r"'method' parameter of study key-drivers must be one of \{'lmg', 'johnson', 'dominance'\}"):
        run_study("key-drivers", parameters={"method": "shapley"}, output_root=tmp_path)
    # intervals are the point of the study: fewer than 200 replicates is refused (the PDF would show no CIs)
    with pytest.raises(ParameterError, match=r"'n_boot' parameter of study key-drivers must be at least 200\. Got 0"):
        run_study("key-drivers", parameters={"n_boot": 0}, output_root=tmp_path)
    with pytest.raises(ParameterError, match=r"'drivers' parameter of study key-drivers names column\(s\) 'trst' "
                                             r"that the data do not have\. Available: .*trust"):
        run_study("key-drivers", parameters={"drivers": ["trst", "commitment"]}, output_root=tmp_path)
    assert not list(tmp_path.rglob("*.ipynb"))  # refused before any work


def test_same_data_and_parameters_give_identical_tables(run, tmp_path):
    # bootstrap and cross-validation are seeded by the 'seed' parameter: a rerun is byte-identical
    again = run_study("key-drivers", data=str(SAMPLE_DIR), output_root=tmp_path, run_id="b", pdf=False,
                      parameters={"n_boot": 400})
    first = sorted((run / "tables").glob("*.csv"))
    assert len(first) >= 3
    for f in first:
        assert (again / "tables" / f.name).read_bytes() == f.read_bytes(), f.name
