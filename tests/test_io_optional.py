"""Optional tables and the loader's contract with the studies: Programme.provided and load_notes.

A programme needs only a responses table; every other table may be absent and then loads
as an empty frame with the canonical columns and dtypes (issue 8 §3).
"""
from __future__ import annotations

import pandas as pd
import pytest

from kapta_research.errors import ParameterError
from kapta_research.io import load_programme
from kapta_research.schema import TABLES


def _keep_only(folder, tables):
    lines = ["tables:"] + [f"  {t}: {t}.csv" for t in tables]
    (folder / "programme.yaml").write_text("\n".join(lines) + "\n")
    return folder


@pytest.mark.parametrize("tables", [("responses", "accounts"), ("responses",)])
def test_minimal_programmes_load_with_empty_canonical_tables(programme_copy, sample, tables):
    prog = load_programme(_keep_only(programme_copy, tables))
    for t in TABLES:
        df = prog.table(t)
        assert list(df.columns)[:len(TABLES[t]["columns"])] == list(TABLES[t]["columns"]), t
        assert prog.provided(t) == (t in tables)
        if t not in tables:
            assert len(df) == 0
    assert len(prog.responses) == len(sample.responses)
    assert prog.drivers == sample.drivers
    # empty tables keep the dtypes the analyses expect
    assert pd.api.types.is_datetime64_any_dtype(prog.voc_interviews["interview_date"])
    assert pd.api.types.is_datetime64_any_dtype(prog.invitations["sent_at"])
    assert prog.load_notes == {}
    r = prog.respondents()
    assert len(r) == len(sample.responses) and "segment" in r
    if "accounts" in tables:
        assert r["segment"].notna().all()
    else:
        assert r["segment"].isna().all() and len(prog.accounts) == 0


def test_a_header_only_file_counts_as_provided(programme_copy):
    (programme_copy / "voc_interviews.csv").write_text("account_id,interview_date,interviewer\n")
    prog = load_programme(programme_copy)
    assert prog.provided("voc_interviews") and prog.provided("voc_interviews", "interview_date")
    assert len(prog.voc_interviews) == 0
    assert pd.api.types.is_datetime64_any_dtype(prog.voc_interviews["interview_date"])


def test_columns_filled_by_the_loader_are_not_provided(programme_copy):
    path = programme_copy / "responses.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.drop(columns=["invitation_id", "proactivity", "comment"]).to_csv(path, index=False)
    _keep_only(programme_copy, ["responses", "accounts", "contacts"])
    prog = load_programme(programme_copy)
    assert prog.provided("responses", "ltr")
    assert not prog.provided("responses", "invitation_id")  # no invitations to link to
    assert prog.responses["invitation_id"].isna().all()
    assert not prog.provided("responses", "proactivity")
    assert "proactivity" not in prog.drivers and "trust" in prog.drivers
    assert prog.responses["proactivity"].isna().all() and prog.responses["proactivity"].dtype == float
    assert not prog.provided("accounts", "no_such_column")


def test_provided_refuses_an_unknown_table(sample):
    with pytest.raises(ParameterError, match=r"The 'table' parameter of provided must be one of accounts, "
                                             r"contacts, .* Got 'surveys' instead\."):
        sample.provided("surveys")


def test_responses_without_invitation_id_are_linked_by_contact_and_wave(programme_copy, sample):
    path = programme_copy / "responses.csv"
    pd.read_csv(path, dtype=str, keep_default_na=False).drop(columns=["invitation_id"]).to_csv(path, index=False)
    prog = load_programme(programme_copy)
    # in the sample every response answers the one invitation of its contact and wave
    assert prog.responses["invitation_id"].tolist() == sample.responses["invitation_id"].tolist()
    assert prog.load_notes == {"responses": {"linked_to_invitations": len(sample.responses), "not_linked": 0}}
    assert prog.provided("responses", "invitation_id")


def test_blank_account_ids_are_taken_from_the_contact(programme_copy, sample):
    path = programme_copy / "responses.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[[3, 10], "account_id"] = ""
    df.to_csv(path, index=False)
    prog = load_programme(programme_copy)
    assert prog.responses["account_id"].tolist() == sample.responses["account_id"].tolist()
    assert prog.load_notes == {"responses": {"account_from_contact": 2}}


def test_a_programme_built_from_frames_reports_what_it_holds(sample):
    from kapta_research.io import Programme
    from kapta_research.schema import empty_column
    tables = {t: sample.table(t).copy() for t in TABLES}
    voc = TABLES["voc_interviews"]["columns"]
    tables["voc_interviews"] = pd.DataFrame({c: empty_column("voc_interviews", c) for c in voc})
    tables["responses"]["comment"] = None
    prog = Programme(**tables, drivers=list(sample.drivers))
    assert prog.provided("responses", "ltr") and not prog.provided("responses", "comment")
    assert prog.provided("accounts") and not prog.provided("voc_interviews")
