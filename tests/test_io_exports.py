"""Vendor-shaped exports of the sample (tests/data/exports, made by make_exports.py) load from programme.yaml alone.

Each fixture's tables must equal the sample's, ids aside: an id column is compared
through its pattern (``pd.factorize`` codes), so a fixture that renames every id
consistently passes and one that mixes two ids up fails.
"""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pandas as pd
import pytest

from kapta_research.io import load_programme
from kapta_research.schema import TABLES

EXPORTS = Path(__file__).parent / "data" / "exports"
FIXTURES = ["qualtrics_numeric", "qualtrics_labels", "surveymonkey", "salesforce", "excel"]
ID_COLUMNS = ("response_id", "invitation_id", "contact_id", "account_id")
#: What loading each fixture must report having done (Programme.load_notes).
NOTES = {
    "qualtrics_numeric": {"responses": {"dropped_preview": 3, "dropped_unfinished": 4,
                                        "linked_to_invitations": 2625, "not_linked": 0}},
    "qualtrics_labels": {"responses": {"dropped_preview": 3, "dropped_unfinished": 4,
                                       "linked_to_invitations": 2625, "not_linked": 0}},
    "surveymonkey": {"responses": {"linked_to_invitations": 2625, "not_linked": 0}},
    "salesforce": {"accounts": {"dropped_blank_rows": 2, "dropped_footer_rows": 3},
                   "contacts": {"ids_matched_15_to_18": 1123}},
    "excel": {},
}


def canonical(df: pd.DataFrame, table: str) -> pd.DataFrame:
    out = df[list(TABLES[table]["columns"])].reset_index(drop=True).copy()
    for c in ID_COLUMNS:
        if c in out:
            out[c] = pd.factorize(out[c])[0]
    return out


@pytest.fixture(scope="module")
def loaded():
    return {f: load_programme(EXPORTS / f) for f in FIXTURES}


@pytest.mark.parametrize("fixture", FIXTURES)
def test_fixture_loads_from_its_programme_yaml_and_equals_the_sample(loaded, sample, fixture):
    prog = loaded[fixture]
    for t in TABLES:
        pd.testing.assert_frame_equal(canonical(prog.table(t), t), canonical(sample.table(t), t), obj=f"{fixture}.{t}")
    assert prog.drivers == sample.drivers
    assert prog.load_notes == NOTES[fixture]
    # the ids still join: every response's account and contact are the sample's, through the renamed ids
    r, s = prog.respondents(), sample.respondents()
    pd.testing.assert_frame_equal(r[["segment", "role", "ltr"]], s[["segment", "role", "ltr"]])


def test_vendor_personal_columns_are_dropped(loaded):
    for f in ("qualtrics_numeric", "surveymonkey"):
        cols = {c.casefold() for c in loaded[f].responses.columns}
        assert not cols & {"recipientemail", "recipientlastname", "ipaddress", "email address", "last name"}, f


def test_waves_from_dates_and_from_quarter_labels_are_labelled(loaded):
    expected = {i + 1: f"{2024 + i // 4}-Q{i % 4 + 1}" for i in range(8)}
    assert loaded["qualtrics_numeric"].wave_labels == expected
    assert loaded["surveymonkey"].wave_labels == expected
    assert loaded["salesforce"].wave_labels == {}


def test_errors_in_a_qualtrics_export_name_the_rows_as_the_file_opens(tmp_path):
    """Three header rows and the dropped preview rows are counted in the row numbers."""
    dest = tmp_path / "q"
    shutil.copytree(EXPORTS / "qualtrics_numeric", dest)
    cfg = dest / "programme.yaml"
    cfg.write_text(cfg.read_text().replace("../../../../data/sample", str(EXPORTS.parents[2] / "data" / "sample")))
    path = dest / "qualtrics_export.csv"
    lines = path.read_bytes().decode("utf-8-sig").split("\n")
    # file line 12 (1-based) is the 9th data row after 3 header rows; preview rows sit before it
    fields = lines[11].split(",")
    fields[17] = "11"  # Q1 = ltr
    lines[11] = ",".join(fields)
    path.write_bytes(("\ufeff" + "\n".join(lines)).encode())
    from kapta_research.io import ProgrammeError
    with pytest.raises(ProgrammeError, match=r"qualtrics_export\.csv, column 'Q1' \(ltr\): values must be between 0 and 10 "
                                             r"and whole numbers \(1 row: 12; values: '11'\)"):
        load_programme(dest)


def test_make_exports_is_byte_reproducible(tmp_path):
    import importlib.util
    spec = importlib.util.spec_from_file_location("make_exports", EXPORTS / "make_exports.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.main(tmp_path)
    for f in FIXTURES:
        for p in sorted((EXPORTS / f).iterdir()):
            q = tmp_path / f / p.name
            assert hashlib.sha256(q.read_bytes()).hexdigest() == hashlib.sha256(p.read_bytes()).hexdigest(), q
