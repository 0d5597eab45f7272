"""Cross-table consistency and listing every problem of a column at once (found in a new-user trial)."""
from __future__ import annotations

import pandas as pd
import pytest

from kapta_research.io import ProgrammeError, load_programme

from test_io import edit_csv, errmsg, set_cell


def _sample_row(folder, table, i):
    return pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False).iloc[i]


def test_response_from_a_contact_of_another_account(programme_copy):
    row = _sample_row(programme_copy, "responses", 4)
    other = "A0006" if row["account_id"] != "A0006" else "A0007"
    edit_csv(programme_copy, "responses", set_cell("account_id", 4, other))
    with pytest.raises(ProgrammeError, match=errmsg("responses.csv") + r", column 'account_id': responses name a "
                       rf"contact of another account .*\(1 row: 6; values: '{other} \(contact {row['contact_id']} "
                       rf"is at {row['account_id']}\)'\)"):
        load_programme(programme_copy)


def test_wave_that_contradicts_the_invitation(programme_copy):
    row = _sample_row(programme_copy, "responses", 2)
    edit_csv(programme_copy, "responses", set_cell("wave", 2, "5"))
    with pytest.raises(ProgrammeError, match=errmsg("responses.csv") + r", column 'wave': the wave differs from the "
                       rf"wave of the response's invitation \(1 row: 4; values: '5 \(invitation {row['invitation_id']} "
                       r"is wave 1\)'\)"):
        load_programme(programme_copy)


def test_response_dated_before_its_invitation(programme_copy):
    edit_csv(programme_copy, "responses", set_cell("responded_at", 3, "2023-01-01T09:00:00"))
    with pytest.raises(ProgrammeError, match=errmsg("responses.csv") + r", column 'responded_at': responses dated "
                       r"before their invitation was sent \(1 row: 5; values: '2023-01-01 \(sent 2024-01-1\d\)'\)"):
        load_programme(programme_copy)


def test_every_problem_of_a_column_is_listed_at_once(programme_copy):
    def fn(df):
        df["ltr"] = df["ltr"].astype(object)
        df.loc[[1, 2, 3, 4], "ltr"] = ["ten", "11", "7.5", "88"]
        return df
    edit_csv(programme_copy, "responses", fn)
    with pytest.raises(ProgrammeError) as info:
        load_programme(programme_copy)
    text = str(info.value)
    assert "2 problems" in text
    assert "values are not numbers (1 row: 3; values: 'ten')" in text
    assert "values must be between 0 and 10 and whole numbers (3 rows: 4, 5, 6; values: '11', '7.5', '88')" in text


def test_errors_on_derived_frames_point_at_the_file_rows(sample):
    # respondents() joins and filters; an error found later still names the spreadsheet row
    from kapta_research.errors import DataError
    from kapta_research.nps import nps
    r = sample.respondents(waves=[2])
    r.loc[3, "ltr"] = 11
    expected_row = int(sample.responses.index[sample.responses["wave"] == 2][3]) + 2
    with pytest.raises(DataError, match=rf"responses\.csv, column 'ltr': .*\(1 row: {expected_row}; values: 11\.0\)"):
        nps(r)
