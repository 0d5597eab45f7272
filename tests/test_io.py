"""Reading and validating a programme (kapta_research.io).

Every bad-input test edits a *copy* of data/sample in tmp_path (fixture
``programme_copy``) and checks that the message names the file, the column, the
spreadsheet rows (header = row 1, first data row = row 2) and the bad values.
The last test checks that data/sample itself was never modified.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import kapta_research as kr
from kapta_research import io
from kapta_research.config import SAMPLE_DIR
from kapta_research.errors import DataError, ParameterError
from kapta_research.io import ProgrammeError, load_programme, read_table
from kapta_research.schema import TABLES

BAD = Path(__file__).parent / "data" / "bad"
SAMPLE_FILES = sorted(p for p in SAMPLE_DIR.iterdir() if p.is_file())
SAMPLE_HASH_AT_START = io.data_hash(SAMPLE_FILES)


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------
def edit_csv(folder: Path, table: str, fn) -> Path:
    """Rewrite ``<table>.csv`` in ``folder`` (a copy!) through ``fn(frame of strings)``."""
    path = folder / f"{table}.csv"
    assert SAMPLE_DIR not in path.parents
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    fn(df).to_csv(path, index=False, lineterminator="\n")
    return folder


def set_cell(column, i, value):
    def fn(df):
        df[column] = df[column].astype(object)
        df.loc[i, column] = value
        return df
    return fn


def edit_config(folder: Path, old: str, new: str) -> Path:
    cfg = folder / "programme.yaml"
    text = cfg.read_text()
    assert old in text
    cfg.write_text(text.replace(old, new))
    return folder


def errmsg(folder_file: str) -> str:
    """Regex prefix for a message about ``folder_file`` (any tmp folder)."""
    return r"file \S*" + folder_file.replace(".", r"\.")


def assert_same_programme(a, b):
    for t in TABLES:
        pd.testing.assert_frame_equal(a.table(t).reset_index(drop=True), b.table(t).reset_index(drop=True),
                                      obj=t)
    assert a.drivers == b.drivers


@pytest.fixture(scope="module")
def reference():
    return load_programme(SAMPLE_DIR)


# ---------------------------------------------------------------------------
# 1. bad cell values: file, column, spreadsheet rows and values
# ---------------------------------------------------------------------------
# Data row index 4 is spreadsheet row 6 (header = row 1).
@pytest.mark.parametrize("table, column, index, value, message", [
    ("responses", "ltr", 4, "11",
     r"column 'ltr': values must be between 0 and 10 and whole numbers \(1 row: 6; values: '11'\)"),
    ("responses", "ltr", 4, "-1",
     r"column 'ltr': values must be between 0 and 10 and whole numbers \(1 row: 6; values: '-1'\)"),
    ("responses", "ltr", 4, "7.5",
     r"column 'ltr': values must be between 0 and 10 and whole numbers \(1 row: 6; values: '7\.5'\)"),
    ("responses", "ltr", 4, "ten", r"column 'ltr': values are not numbers \(1 row: 6; values: 'ten'\)"),
    ("responses", "trust", 10, "9",
     r"column 'trust': values must be between 1 and 7 and whole numbers \(1 row: 12; values: '9'\)"),
    ("responses", "ease_of_doing_business", 0, "0",
     r"column 'ease_of_doing_business': values must be between 1 and 7 .*\(1 row: 2; values: '0'\)"),
    ("responses", "account_id", 6, "A9999", r"column 'account_id': accounts not found \(1 row: 8; values: 'A9999'\)"),
    ("responses", "responded_at", 6, "31/02/2024",
     r"column 'responded_at': dates cannot be parsed \(use ISO 8601, e\.g\. 2025-03-31\) "
     r"\(1 row: 8; values: '31/02/2024'\)"),
    ("responses", "wave", 6, "", r"column 'wave': values are missing \(every row needs one\) \(1 row: 8\)"),
    ("responses", "wave", 6, "0", r"column 'wave': values must be between 1 and 10000 and whole numbers "
                                  r"\(1 row: 8; values: '0'\)"),
    ("contacts", "account_id", 10, "A9999", r"column 'account_id': accounts not found \(1 row: 12; values: 'A9999'\)"),
    ("contacts", "role", 6, "janitor", r"column 'role': unknown roles \(allowed: decision_maker, influencer, user, "
                                       r"executive_sponsor\) \(1 row: 8; values: 'janitor'\)"),
    ("followups", "response_id", 6, "R999999",
     r"column 'response_id': responses not found \(1 row: 8; values: 'R999999'\)"),
    ("followups", "followed_up_at", 2, "next week",
     r"column 'followed_up_at': dates cannot be parsed .*\(1 row: 4; values: 'next week'\)"),
    ("accounts", "customer_since", 6, "yesterday",
     r"column 'customer_since': dates cannot be parsed .*\(1 row: 8; values: 'yesterday'\)"),
    ("accounts", "churned", 6, "maybe",
     r"column 'churned': values must be true/false \(or yes/no, 1/0\) \(1 row: 8; values: 'maybe'\)"),
    ("accounts", "annual_value", 6, "-5", r"column 'annual_value': values must be >= 0 \(1 row: 8; values: '-5'\)"),
    ("accounts", "annual_value", 9, "lots", r"column 'annual_value': values are not numbers \(1 row: 11; values: 'lots'\)"),
    ("invitations", "contact_id", 3, "C99999", r"column 'contact_id': contacts not found \(1 row: 5; values: 'C99999'\)"),
])
def test_bad_cell_is_reported_with_file_column_row_and_value(programme_copy, table, column, index, value, message):
    edit_csv(programme_copy, table, set_cell(column, index, value))
    with pytest.raises(ProgrammeError, match=errmsg(f"{table}.csv") + ", " + message) as info:
        load_programme(programme_copy)
    err = info.value
    assert len(err.problems) == 1, str(err)
    assert (err.column, err.file) == (column, str(programme_copy / f"{table}.csv"))
    assert err.rows == [index + 2]


def test_duplicate_response_ids(programme_copy):
    edit_csv(programme_copy, "responses", set_cell("response_id", 6, "R000001"))
    with pytest.raises(ProgrammeError, match=errmsg("responses.csv") + r", column 'response_id': ids must be unique; "
                       r"duplicated ids found \(2 rows: 2, 8; values: 'R000001', 'R000001'\)"):
        load_programme(programme_copy)


def test_duplicate_account_ids(programme_copy):
    edit_csv(programme_copy, "accounts", lambda df: pd.concat([df, df.iloc[[41]]], ignore_index=True))
    with pytest.raises(ProgrammeError, match=errmsg("accounts.csv") + r", column 'account_id': ids must be unique; "
                       r"duplicated ids found \(2 rows: 43, 302; values: 'A0042', 'A0042'\)") as info:
        load_programme(programme_copy)
    assert len(info.value.problems) == 1


def test_ambiguous_day_month_dates_are_refused(programme_copy):
    # 03/04/2024 is 3 April or 4 March: nothing else in the column says which
    edit_csv(programme_copy, "voc_interviews", set_cell("interview_date", 5, "03/04/2024"))
    with pytest.raises(ProgrammeError, match=errmsg("voc_interviews.csv") + r", column 'interview_date': dates are "
                       r"ambiguous: day and month could be either way round; use ISO 8601.*\(1 row: 7; "
                       r"values: '03/04/2024'\)"):
        load_programme(programme_copy)


def test_day_first_dates_are_read_consistently(programme_copy):
    # 13/04/2024 proves the column is day-first, so 03/04/2024 is 3 April (not 4 March)
    def fn(df):
        df.loc[0, "interview_date"] = "13/04/2024"
        df.loc[1, "interview_date"] = "03/04/2024"
        return df
    edit_csv(programme_copy, "voc_interviews", fn)
    voc = load_programme(programme_copy).voc_interviews
    assert list(voc["interview_date"][:2].dt.strftime("%Y-%m-%d")) == ["2024-04-13", "2024-04-03"]


def test_mixed_day_and_month_first_dates_are_refused(programme_copy):
    def fn(df):
        df.loc[0, "interview_date"] = "13/04/2024"
        df.loc[1, "interview_date"] = "04/13/2024"
        return df
    edit_csv(programme_copy, "voc_interviews", fn)
    with pytest.raises(ProgrammeError, match=r"column 'interview_date': dates mix day-first .* and month-first .* "
                                             r"\(2 rows: 2, 3; values: '13/04/2024', '04/13/2024'\)"):
        load_programme(programme_copy)


def test_many_bad_rows_are_summarised(programme_copy):
    edit_csv(programme_copy, "responses", lambda df: df.assign(ltr=["12"] * 7 + list(df["ltr"][7:])))
    with pytest.raises(ProgrammeError, match=r"column 'ltr': .*\(7 rows: 2, 3, 4, 5, 6 and 2 more; "
                                             r"values: '12', '12', '12', '12', '12' and 2 more\)"):
        load_programme(programme_copy)


def test_every_problem_is_listed(programme_copy):
    edit_csv(programme_copy, "responses", set_cell("ltr", 0, "ten"))
    edit_csv(programme_copy, "contacts", set_cell("role", 3, "CEO"))
    with pytest.raises(ProgrammeError, match=r"^2 problems in the programme data:\n- .*contacts\.csv, column 'role'"
                                             r".*\(1 row: 5; values: 'CEO'\)\n- .*responses\.csv, column 'ltr'") as info:
        load_programme(programme_copy)
    assert [p.column for p in info.value.problems] == ["role", "ltr"]
    assert isinstance(info.value, DataError) and isinstance(info.value, ValueError)


def test_bad_rows_in_excel_are_spreadsheet_rows(tmp_path):
    pd.read_csv(BAD / "responses_bad_ltr.csv", dtype=str).to_excel(tmp_path / "responses.xlsx", index=False)
    df = read_table(tmp_path / "responses.xlsx")
    with pytest.raises(DataError, match=r"file \S*responses\.xlsx, column 'ltr': values are not numbers "
                                        r"\(1 row: 5; values: 'ten'\)"):
        kr.nps.nps(df)


# ---------------------------------------------------------------------------
# 2. bad structure and bad configs
# ---------------------------------------------------------------------------
def test_missing_required_column_lists_columns_and_suggests_mapping(programme_copy):
    edit_csv(programme_copy, "responses", lambda df: df.rename(columns={"ltr": "Likelihood"}))
    with pytest.raises(ProgrammeError, match=errmsg("responses.csv") + r", column 'ltr': required column\(s\) 'ltr' "
                       r"missing from the responses table\. Its columns: response_id, invitation_id, contact_id, "
                       r"account_id, wave, responded_at, Likelihood, .*Map export headers to canonical names in "
                       r"programme\.yaml \(tables: responses: columns:\)\."):
        load_programme(programme_copy)


def test_missing_responses_table(programme_copy):
    (programme_copy / "responses.csv").unlink()
    (programme_copy / "followups.csv").unlink()
    edit_config(programme_copy, "  responses: responses.csv\n", "")
    edit_config(programme_copy, "  followups: followups.csv\n", "")
    with pytest.raises(ProgrammeError, match=errmsg("programme.yaml") + r": the programme has no responses table "
                       r"\(required\): add responses\.csv .*Tables found: accounts, contacts, employees, "
                       r"invitations, voc_interviews") as info:
        load_programme(programme_copy)
    assert len(info.value.problems) == 1


def test_missing_responses_table_without_config(programme_copy):
    (programme_copy / "programme.yaml").unlink()
    (programme_copy / "responses.csv").rename(programme_copy / "survey.csv")
    with pytest.raises(ProgrammeError, match=r"^file \S*programme: the programme has no responses table"):
        load_programme(programme_copy)


def test_unknown_table_in_config(programme_copy):
    edit_config(programme_copy, "tables:\n", "tables:\n  surveys: surveys.csv\n")
    with pytest.raises(DataError, match=errmsg("programme.yaml") + r": unknown tables in the programme config: "
                       r"surveys \(known: accounts, contacts, invitations, responses, followups, voc_interviews, "
                       r"employees\)"):
        load_programme(programme_copy)


def test_unknown_config_key(programme_copy):
    edit_config(programme_copy, "scales:", "colour: blue\nscales:")
    with pytest.raises(DataError, match=errmsg("programme.yaml") + r": unknown keys in the programme config: colour "
                       r"\(allowed: name, scales, tables, database, engine\)"):
        load_programme(programme_copy)


def test_config_maps_a_column_the_file_lacks(programme_copy):
    edit_config(programme_copy, "  responses: responses.csv\n",
                "  responses:\n    file: responses.csv\n    columns:\n      NPS Score: ltr\n")
    with pytest.raises(DataError, match=errmsg("responses.csv") + r": the config maps column\(s\) 'NPS Score' that "
                       r"the file does not have\. Its columns: response_id, invitation_id, .*, ltr, trust"):
        load_programme(programme_copy)


def test_config_lists_a_missing_file(programme_copy):
    edit_config(programme_copy, "followups: followups.csv", "followups: follow_ups.csv")
    with pytest.raises(DataError, match=errmsg("follow_ups.csv") + r": file not found for the followups table "
                       r"\(tables: followups: follow_ups\.csv\)\. Files in \S+: accounts\.csv, contacts\.csv"):
        load_programme(programme_copy)


def test_unsupported_file_type(programme_copy):
    shutil.copy(BAD / "responses.json", programme_copy / "responses.json")
    edit_config(programme_copy, "responses: responses.csv", "responses: responses.json")
    with pytest.raises(DataError, match=errmsg("responses.json") + r": cannot read files ending in '\.json'; use one "
                       r"of \.csv, \.tsv, \.txt, \.xlsx, \.xls, \.parquet, \.duckdb"):
        load_programme(programme_copy)


def test_invalid_yaml(programme_copy):
    shutil.copy(BAD / "invalid.yaml", programme_copy / "programme.yaml")
    with pytest.raises(DataError, match=errmsg("programme.yaml") + r": the programme config is not valid YAML"):
        load_programme(programme_copy)


def test_missing_programme_and_missing_file(tmp_path):
    with pytest.raises(DataError, match=r"no programme at \S*nowhere: give a folder, a programme\.yaml or a "
                                        r"\.duckdb file"):
        load_programme(tmp_path / "nowhere")
    with pytest.raises(DataError, match=r"^file \S*absent\.csv: file not found$"):
        read_table(tmp_path / "absent.csv")


def test_duckdb_table_errors(tmp_path):
    db = tmp_path / "p.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create table accounts (account_id varchar, segment varchar)")
    con.close()
    with pytest.raises(DataError, match=r"file \S*p\.duckdb: reading a DuckDB file needs the table name"):
        read_table(db)
    with pytest.raises(DataError, match=r"file \S*p\.duckdb\: no table 'responses' in the database "
                                        r"\(tables: accounts\)"):
        read_table(db, table="responses")
    with pytest.raises(ProgrammeError, match=r"file \S*p\.duckdb: the programme has no responses table"):
        load_programme(db)


def test_standalone_bad_file_through_nps_names_spreadsheet_rows():
    """A file read with read_table keeps its spreadsheet rows for later errors (tests/data/bad)."""
    df = read_table(BAD / "responses_bad_ltr.csv")
    with pytest.raises(DataError, match=r"file \S*responses_bad_ltr\.csv, column 'ltr': values are not numbers "
                                        r"\(1 row: 5; values: 'ten'\)"):
        kr.nps.nps(df)
    with pytest.raises(DataError, match=r"column 'ltr': values must be between 0 and 10 and whole numbers "
                                        r"\(1 row: 3; values: '11'\)"):
        kr.nps.nps(df[df["ltr"] != "ten"])


def test_respondents_refuses_unknown_waves_and_values(reference):
    with pytest.raises(ParameterError, match=r"The 'waves' parameter names waves \[9\] that have no responses\. "
                                             r"Waves in the data: \[1, 2, 3, 4, 5, 6, 7, 8\]"):
        reference.respondents(waves=[8, 9])
    with pytest.raises(ParameterError, match=r"No segment called 'Government' in .*Known: Enterprise, Mid-market"):
        reference.respondents(where={"segment": ["Government"]})
    with pytest.raises(ParameterError, match=r"No column 'colour' in the responses or accounts"):
        reference.respondents(require=["colour"])


# ---------------------------------------------------------------------------
# 3. the same programme from other formats
# ---------------------------------------------------------------------------
def _with_accents(df: pd.DataFrame, table: str) -> pd.DataFrame:
    if table == "accounts":
        df.loc[0, "account_name"] = "Peña Société Générale – Zürich Ltd"
        df.loc[1, "account_name"] = "Müller GmbH"
    if table == "responses":
        df.loc[1, "comment"] = "Très bien, merci – “great”"
    return df


def test_semicolon_cp1252_csv_reads_identically(tmp_path):
    utf8, win = tmp_path / "utf8", tmp_path / "cp1252"
    utf8.mkdir(), win.mkdir()
    for t in TABLES:
        df = _with_accents(pd.read_csv(SAMPLE_DIR / f"{t}.csv", dtype=str, keep_default_na=False), t)
        df.to_csv(utf8 / f"{t}.csv", index=False)
        df.to_csv(win / f"{t}.csv", sep=";", index=False, encoding="cp1252")
    assert (win / "accounts.csv").read_bytes().count(b";") > 300
    ref = load_programme(utf8)
    assert ref.accounts["account_name"][0] == "Peña Société Générale – Zürich Ltd"
    assert_same_programme(ref, load_programme(win))  # encoding and delimiter sniffed
    # ...and declared in the config
    (win / "programme.yaml").write_text("tables:\n" + "".join(
        f"  {t}: {{file: {t}.csv, encoding: cp1252, delimiter: ';'}}\n" for t in TABLES))
    assert_same_programme(ref, load_programme(win))


def test_excel_reads_identically(tmp_path, reference):
    for t in TABLES:
        pd.read_csv(SAMPLE_DIR / f"{t}.csv", keep_default_na=False, na_values=[""]).to_excel(tmp_path / f"{t}.xlsx", index=False)
    prog = load_programme(tmp_path)
    assert prog.sources["responses"].endswith("responses.xlsx")
    assert_same_programme(reference, prog)


def test_parquet_reads_identically(tmp_path, reference):
    for t in TABLES:
        df = pd.read_csv(SAMPLE_DIR / f"{t}.csv", keep_default_na=False, na_values=[""])
        for c in df.columns:  # real types, as a warehouse export would have them
            if c.endswith(("_at", "_date", "_since")):
                df[c] = pd.to_datetime(df[c])
        df.to_parquet(tmp_path / f"{t}.parquet", index=False)
    assert_same_programme(reference, load_programme(tmp_path))


def test_duckdb_reads_identically(tmp_path, reference):
    db = tmp_path / "programme.duckdb"
    con = duckdb.connect(str(db))
    for t in TABLES:
        con.execute(f"create table {t} as select * from read_csv_auto('{SAMPLE_DIR / (t + '.csv')}')")
    con.close()
    prog = load_programme(db)
    assert prog.sources["accounts"].endswith("programme.duckdb[accounts]")
    assert prog.in_engine   # the responses stay in the database until a statistic needs the rows
    assert_same_programme(reference, prog)
    # the database named in a config, with a non-canonical table name (a copy: the loaded programme keeps
    # its read-only connection to the first file open, and DuckDB opens a file one way per process)
    db = tmp_path / "programme2.duckdb"
    shutil.copy(tmp_path / "programme.duckdb", db)
    con = duckdb.connect(str(db))
    con.execute("alter table responses rename to survey_responses")
    con.close()
    (tmp_path / "programme.yaml").write_text(
        "database: programme2.duckdb\ntables:\n" + "".join(
            f"  {t}: {{table: {'survey_responses' if t == 'responses' else t}}}\n" for t in TABLES))
    assert_same_programme(reference, load_programme(tmp_path))
    # a folder holding only the database, and a config naming the database but no tables: its tables of
    # the canonical names are read (as the README says), not "no responses table"
    for i, config in enumerate(("", "name: in a database\ndatabase: programme3.duckdb\n")):
        folder = tmp_path / f"folder{i}"
        folder.mkdir()
        shutil.copy(tmp_path / "programme.duckdb", folder / "programme3.duckdb")
        if config:
            (folder / "programme.yaml").write_text(config)
        prog = load_programme(folder)
        assert prog.sources["responses"].startswith(str(folder / "programme3.duckdb[responses]"))
        assert prog.in_engine
        assert_same_programme(reference, prog)
    # a .db file is not taken for a DuckDB database (SQLite and Thumbs.db use the suffix); given as one, a
    # file that is not a DuckDB database is a checked error naming it, and no extension is downloaded
    import sqlite3
    other = tmp_path / "other"
    other.mkdir()
    sqlite3.connect(other / "app.db").execute("create table responses (x)").connection.commit()
    with pytest.raises(ProgrammeError, match="no responses table"):
        load_programme(other)
    with pytest.raises(DataError, match=r"app\.db: cannot open app\.db as a DuckDB database"):
        load_programme(other / "app.db")
    (other / "junk.duckdb").write_bytes(b"not a database")
    with pytest.raises(DataError, match=r"junk\.duckdb: cannot open junk\.duckdb as a DuckDB database"):
        load_programme(other)


QUALTRICS = {"response_id": "Response ID", "account_id": "Account ID", "wave": "Wave",
             "responded_at": "Recorded Date", "contact_id": "External Data Reference",
             "ltr": "How likely are you to recommend Acme to a colleague?",
             "ease_of_doing_business": "Acme is easy to do business with"}


def test_qualtrics_like_export_is_mapped_through_the_config(programme_copy, reference):
    df = pd.read_csv(programme_copy / "responses.csv", dtype=str, keep_default_na=False)
    (programme_copy / "responses.csv").unlink()
    df.rename(columns=QUALTRICS).to_csv(programme_copy / "qualtrics_export.csv", index=False,
                                        encoding="utf-8-sig")  # Qualtrics writes a BOM
    mapping = "".join(f'      "{v}": {k}\n' for k, v in QUALTRICS.items())
    edit_config(programme_copy, "  responses: responses.csv\n",
                f"  responses:\n    file: qualtrics_export.csv\n    columns:\n{mapping}")
    prog = load_programme(programme_copy)
    assert_same_programme(reference, prog)
    assert kr.nps.nps(prog.respondents()).equals(kr.nps.nps(reference.respondents()))


def test_toml_config(programme_copy, reference):
    (programme_copy / "programme.yaml").unlink()
    (programme_copy / "responses.csv").rename(programme_copy / "export.csv")
    (programme_copy / "programme.toml").write_text(
        'name = "TOML programme"\n[scales]\nltr = [0, 10]\ndrivers = [1, 7]\n[tables]\n'
        + "".join(f'{t} = "{t}.csv"\n' for t in TABLES if t != "responses")
        + '[tables.responses]\nfile = "export.csv"\n')
    prog = load_programme(programme_copy)
    assert prog.name == "TOML programme"
    assert_same_programme(reference, prog)
    assert load_programme(programme_copy / "programme.toml").name == "TOML programme"


def test_declared_driver_scale_is_enforced(programme_copy):
    edit_config(programme_copy, "drivers: [1, 7]", "drivers: [1, 5]")
    with pytest.raises(ProgrammeError, match=r"column 'trust': values must be between 1 and 5 and whole numbers "
                                             r"\(\d+ rows: "):
        load_programme(programme_copy)


def test_read_table_keeps_strings_source_and_spreadsheet_rows():
    df = read_table(SAMPLE_DIR / "responses.csv")
    assert (df.dtypes == object).all() or all(pd.api.types.is_string_dtype(t) for t in df.dtypes)
    assert df.attrs["source"] == str(SAMPLE_DIR / "responses.csv")
    assert [df.attrs["file_rows"][i] for i in df.index[:3]] == [2, 3, 4]


def test_row_numbers_are_shared_not_copied_by_pandas_operations():
    """Issue 8 §7: pandas deep-copies attrs on every operation; the row numbers must not be copied."""
    from kapta_research._validation import row_labels
    df = read_table(SAMPLE_DIR / "responses.csv")
    rows = df.attrs["file_rows"]
    derived = df[df["wave"] == "3"].copy().assign(x=1).sort_values("ltr")
    assert derived.attrs["file_rows"] is rows  # the same object: O(1) per operation
    mask = derived["ltr"] == "10"
    assert row_labels(derived, mask) == [i + 2 for i in derived.index[mask]]


# ---------------------------------------------------------------------------
# 4. data/sample is never modified
# ---------------------------------------------------------------------------
def test_loading_does_not_touch_the_sample_and_hash_is_stable(reference):
    before = io.data_hash(SAMPLE_FILES)
    prog = load_programme(SAMPLE_DIR)
    assert io.data_hash(SAMPLE_FILES) == before
    assert prog.data_hash == reference.data_hash and len(prog.data_hash) == 64
    inputs = [SAMPLE_DIR / f"{t}.csv" for t in TABLES] + [SAMPLE_DIR / "programme.yaml"]
    assert prog.data_hash == io.data_hash(inputs)


def test_zz_sample_unchanged_after_all_tests_of_this_file():
    """Runs last in this file: none of the edits above reached data/sample."""
    assert sorted(p for p in SAMPLE_DIR.iterdir() if p.is_file()) == SAMPLE_FILES
    assert io.data_hash(SAMPLE_FILES) == SAMPLE_HASH_AT_START
