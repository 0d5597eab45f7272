"""Responses kept in their engine (issue 13: "computed without bringing the rows into Python").

A programme whose responses are Parquet or a DuckDB table is loaded without reading the rows: the
loader's checks run as engine queries (kapta_research/engines/_lazy.py) and study 01's tables come
from sufficient statistics.  References: the same programme loaded with ``lazy=False`` (every row in
pandas, the path checked against R elsewhere) — equal to 1e-9, the same problems found.
"""
from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

import kapta_research as kr
from kapta_research.engines import _lazy
from kapta_research.errors import DataError
from kapta_research.io.programme import ProgrammeError

pytest.importorskip("ibis")

SAME = dict(check_exact=False, rtol=1e-9, atol=1e-9)
TABLES = ("responses", "accounts", "contacts", "invitations", "followups")


def _write(folder, prog, **replace):
    folder.mkdir(parents=True, exist_ok=True)
    for t in TABLES:
        df = replace.get(t, getattr(prog, t)).copy()
        df.attrs = {}
        df.to_parquet(folder / f"{t}.parquet", index=False)
    return folder


@pytest.fixture(scope="module")
def lake(tmp_path_factory, sample):
    return _write(tmp_path_factory.mktemp("lazy") / "lake", sample)


@pytest.fixture
def no_rows(monkeypatch):
    """Fail the test if anything reads the deferred responses into pandas."""
    def refuse(self):
        raise AssertionError("the responses were read into pandas")
    monkeypatch.setattr(_lazy.Deferred, "load", refuse)


def test_a_parquet_folder_keeps_its_responses_in_the_engine_and_reads_the_same_rows(lake):
    lazy, eager = kr.load_programme(lake), kr.load_programme(lake, lazy=False)
    assert lazy.in_engine and not eager.in_engine and lazy.engine.startswith("duckdb ")
    assert lazy.n_rows("responses") == len(eager.responses)
    assert lazy.drivers == eager.drivers and lazy.supplied == eager.supplied
    assert "responses.parquet" in lazy.sources["responses"] and "<Programme" in repr(lazy) and lazy.in_engine
    assert lazy.response_waves() == eager.response_waves() and lazy.answered_invitations() == \
        eager.answered_invitations()
    rows = lazy.responses                       # read now, through the loader's own code
    assert not lazy.in_engine
    pd.testing.assert_frame_equal(rows, eager.responses)
    assert rows.attrs["source"] == lazy.sources["responses"]


def test_study_01_on_engine_data_reads_no_row_and_equals_the_in_memory_tables(lake, no_rows):
    # the calls of notebooks/01-nps-overview.ipynb, on the programme kept in the engine and on pandas
    lazy, eager = kr.load_programme(lake), kr.load_programme(lake, lazy=False)
    P = {"segments": ["segment", "region"], "cluster": "account_id"}
    assert kr.coverage.plan("nps-overview", lazy, P) == kr.coverage.plan("nps-overview", eager, P)
    t, r = (p.respondents(waves=[2, 3, 4, 5, 6, 7, 8], require=["segment"], engine=True) for p in (lazy, eager))
    assert not isinstance(t, pd.DataFrame) and isinstance(r, pd.DataFrame)
    opts = dict(cluster="account_id", confidence=0.9, min_n=5, min_accounts=3)
    for by in (None, "segment", "region", "wave"):
        pd.testing.assert_frame_equal(kr.nps.nps(t, by=by, **opts), kr.nps.nps(r, by=by, **opts), **SAME)
    pd.testing.assert_frame_equal(kr.nps.group_gaps(t, by="segment", **opts),
                                  kr.nps.group_gaps(r, by="segment", **opts), **SAME)
    pd.testing.assert_frame_equal(kr.nps.compare(t, group="wave", reference="previous", **opts),
                                  kr.nps.compare(r, group="wave", reference="previous", **opts), **SAME)
    last = dict(group="wave", reference="previous", by="segment", adjust="holm", **opts)
    pd.testing.assert_frame_equal(kr.nps.compare(kr.studies.last_waves(t, 2), **last),
                                  kr.nps.compare(kr.studies.last_waves(r, 2), **last), **SAME)
    for f in (kr.metrics.response_rates, kr.metrics.response_rate_trend):
        pd.testing.assert_frame_equal(f(lazy, waves=[2, 3, 4], cluster="account_id"),
                                      f(eager, waves=[2, 3, 4], cluster="account_id"), **SAME)
    assert kr.report.scope_lines(lazy, t, P) == kr.report.scope_lines(eager, r, P)
    assert lazy.in_engine


def test_respondents_in_the_engine_filter_and_check_as_in_memory(lake, no_rows):
    lazy, eager = kr.load_programme(lake), kr.load_programme(lake, lazy=False)
    t = lazy.respondents(where={"segment": ["SMB", "Enterprise"]}, engine=True)
    r = eager.respondents(where={"segment": ["SMB", "Enterprise"]})
    got = t.execute().sort_values("response_id").reset_index(drop=True)
    want = r.sort_values("response_id").reset_index(drop=True)
    want.attrs = {}
    pd.testing.assert_frame_equal(got[list(want.columns)], want, check_dtype=False)
    assert eager.respondents(engine=True).equals(eager.respondents())   # pandas stays pandas
    for kw, msg in ((dict(waves=[99]), r"waves \[99\] that have no responses"),
                    (dict(require=["tier"]), r"No column 'tier'"),
                    (dict(where={"segment": ["Giant"]}), r"No segment called 'Giant'"),
                    (dict(engine="yes"), r"'engine' parameter of respondents must be a bool")):
        with pytest.raises(kr.errors.ParameterError, match=msg):
            lazy.respondents(**{"engine": True, **kw})


def _problems(location, *, lazy):
    with pytest.raises(ProgrammeError) as info:
        kr.load_programme(location, lazy=lazy)
    return info.value.problems


def test_engine_checks_find_what_the_loader_finds(tmp_path, sample):
    # every kind of problem the loader reports for responses, planted once; the engine must report the
    # same (column, message) set as the pandas loader, naming the file and the rows by response_id
    r = sample.responses.copy()
    inv = sample.invitations.set_index("invitation_id")
    other_account = sample.contacts.set_index("contact_id")["account_id"]
    r.loc[3, "ltr"] = 11.0
    r.loc[4, "trust"] = 0.5
    r.loc[5, "response_id"] = r.loc[6, "response_id"]                       # duplicated id
    r.loc[7, "response_id"] = None                                          # missing id
    r.loc[8, "wave"] = 0
    r.loc[9, "account_id"] = "ACC-NOPE"                                     # unknown account
    linked = r.index[r["invitation_id"].notna()][20:22]
    r.loc[linked[0], "wave"] = int(inv.loc[r.loc[linked[0], "invitation_id"], "wave"]) % 8 + 1
    r.loc[linked[1], "responded_at"] = inv.loc[r.loc[linked[1], "invitation_id"], "sent_at"] - pd.Timedelta(days=3)
    c = r.index[r["contact_id"].notna()][30]
    elsewhere = sample.accounts["account_id"][sample.accounts["account_id"] != other_account[r.loc[c, "contact_id"]]]
    r.loc[c, "account_id"] = elsewhere.iloc[0]                              # contact of another account
    fu = sample.followups.copy()
    fu.loc[fu.index[0], "response_id"] = "R-NOPE"
    lake = _write(tmp_path / "bad", sample, responses=r, followups=fu)
    lazy, eager = _problems(lake, lazy=True), _problems(lake, lazy=False)
    key = lambda p: (p.column, p.message.split(" (")[0])  # noqa: E731 - the message without its row list
    assert sorted(map(key, lazy)) == sorted(map(key, eager))
    assert len(lazy) == 10
    text = str(ProgrammeError(lazy))
    assert "responses.parquet" in text and "e.g. response_id" in text
    by_col = {p.column: p for p in lazy}
    assert by_col["ltr"].values == ["11"] and "1 row, e.g. response_id" in by_col["ltr"].message
    assert by_col["trust"].values == ["0.5"]
    assert "ACC-NOPE" in str(ProgrammeError(lazy))
    assert any("followups.parquet" in str(p) and "R-NOPE" in str(p) for p in lazy)


def test_responses_that_loading_would_change_are_read_into_memory_with_the_reason(tmp_path, sample):
    r = sample.responses.copy()
    r["ltr"] = r["ltr"].map(lambda v: f"{v:g}" if pd.notna(v) else None)    # text scores
    p = kr.load_programme(_write(tmp_path / "text", sample, responses=r))
    assert not p.in_engine and "the column ltr is" in p.engine_note
    r = sample.responses.copy()
    r.loc[r.index[:10], "invitation_id"] = None                              # linked by contact and wave
    p = kr.load_programme(_write(tmp_path / "link", sample, responses=r))
    assert not p.in_engine and "linked to invitations" in p.engine_note
    assert p.load_notes["responses"]["linked_to_invitations"] >= 1
    r = sample.responses.copy()
    r.loc[r.index[:3], "account_id"] = None                                  # account from the contact
    p = kr.load_programme(_write(tmp_path / "acct", sample, responses=r))
    assert not p.in_engine and "contact's account" in p.engine_note


def test_engine_scale_check_and_missing_column(tmp_path, sample):
    r = sample.responses.copy()
    r["ltr"] = np.floor(r["ltr"] / 2)                                        # a 0-5 question read as 0-10
    with pytest.raises(ProgrammeError, match=r"looks like a 0-5 scale"):
        kr.load_programme(_write(tmp_path / "five", sample, responses=r))
    with pytest.raises(ProgrammeError, match=r"responses\.parquet.*required column\(s\) 'ltr' missing"):
        kr.load_programme(_write(tmp_path / "noltr", sample, responses=sample.responses.drop(columns="ltr")))
    with pytest.raises(kr.errors.ParameterError, match=r"'lazy' parameter of load_programme must be a bool"):
        kr.load_programme(tmp_path / "five", lazy="no")


def test_data_hash_follows_the_content_not_the_row_order(tmp_path, sample, lake):
    shuffled = sample.responses.sample(frac=1.0, random_state=3)
    a = kr.load_programme(lake).data_hash
    b = kr.load_programme(_write(tmp_path / "shuffled", sample, responses=shuffled)).data_hash
    changed = sample.responses.copy()
    changed.loc[0, "ltr"] = 10.0 if changed.loc[0, "ltr"] != 10 else 9.0
    c = kr.load_programme(_write(tmp_path / "changed", sample, responses=changed)).data_hash
    assert a == b and a != c and a == kr.load_programme(lake).data_hash


def test_a_duckdb_file_keeps_its_responses_in_the_engine(tmp_path, sample, no_rows):
    import duckdb
    path = tmp_path / "programme.duckdb"
    con = duckdb.connect(str(path))
    for t in TABLES:
        df = getattr(sample, t).copy()
        df.attrs = {}
        con.register("df", df)
        con.execute(f"create table {t} as select * from df")
        con.unregister("df")
    con.close()
    p = kr.load_programme(path)
    assert p.in_engine and "programme.duckdb[responses]" in p.sources["responses"]
    pd.testing.assert_frame_equal(kr.nps.nps(p.respondents(engine=True), by="segment", cluster="account_id"),
                                  kr.nps.nps(sample.respondents(), by="segment", cluster="account_id"), **SAME)


def test_a_bad_deferred_table_found_at_read_time_is_a_programme_error(tmp_path, sample):
    # the rows changed after loading (a lake being written to): reading them reports it, never wrong rows
    lake = _write(tmp_path / "moving", sample)
    p = kr.load_programme(lake)
    r = sample.responses.copy()
    r.loc[0, "ltr"] = 12.0
    shutil.rmtree(lake)
    _write(lake, sample, responses=r)
    with pytest.raises(DataError, match=r"ltr.*between 0 and 10"):
        p.responses


def test_ids_with_spaces_are_trimmed_in_the_engine_as_in_memory(tmp_path, sample, no_rows):
    # the loader strips ids (and a blank id is missing); the engine view must do the same, or the
    # accounts' segments would not join
    r = sample.responses.copy()
    r["account_id"] = r["account_id"].where(r.index % 3 != 0, r["account_id"] + "  ")
    r.loc[r.index[:4], "response_id"] = " " + r.loc[r.index[:4], "response_id"]
    lake = _write(tmp_path / "spaces", sample, responses=r)
    lazy, eager = kr.load_programme(lake), kr.load_programme(lake, lazy=False)
    assert lazy.in_engine
    assert _lazy._UNTRIMMED[lazy._rows_of("responses").table.op()] == {"response_id", "account_id"}
    pd.testing.assert_frame_equal(kr.nps.nps(lazy.respondents(engine=True), by="segment", cluster="account_id"),
                                  kr.nps.nps(eager.respondents(), by="segment", cluster="account_id"), **SAME)


def test_study_02_on_engine_data_reads_no_row_and_equals_the_in_memory_results(lake, no_rows):
    # the calls of notebooks/02-key-drivers.ipynb (segment filter included), in the engine and on pandas
    from kapta_research.drivers import importance_performance, relative_importance, transition_drivers
    lazy, eager = kr.load_programme(lake), kr.load_programme(lake, lazy=False)
    P = {"drivers": ["trust", "value_for_money", "ease_of_doing_business", "leading_edge"], "n_boot": 200,
         "segment_filter": ["Enterprise", "Mid-market"], "cluster": "account_id"}
    cov = kr.coverage.plan("key-drivers", lazy, P)
    assert cov == kr.coverage.plan("key-drivers", eager, P)
    t, r = (p.respondents(require=["ltr", *cov.drivers], where={"segment": P["segment_filter"]}, engine=True)
            for p in (lazy, eager))
    boot = dict(cluster="account_id", n_boot=50, confidence=0.9, random_state=11)
    a, b = (relative_importance(x, outcome="ltr", drivers=cov.drivers, **boot) for x in (t, r))
    pd.testing.assert_frame_equal(a.summary, b.summary, **SAME)
    a2, b2 = (transition_drivers(x, drivers=cov.drivers, **boot) for x in (t, r))
    pd.testing.assert_frame_equal(a2.summary, b2.summary, **SAME)
    pd.testing.assert_frame_equal(a2.difference, b2.difference, **SAME)
    pd.testing.assert_frame_equal(importance_performance(t, drivers=cov.drivers, **boot).summary,
                                  importance_performance(r, drivers=cov.drivers, **boot).summary, **SAME)
    assert kr.report.driver_scope_lines(lazy, t, P, a) == kr.report.driver_scope_lines(eager, r, P, b)
    assert lazy.in_engine


# --- regressions found by an independent review (each was reproduced before the fix) ---------------

def test_response_rates_use_the_validated_tables_not_the_raw_engine_ones(tmp_path, sample):
    r = sample.responses.copy()
    r["invitation_id"] = r["invitation_id"] + " "                  # the loader strips ids
    inv = sample.invitations.copy()
    inv["account_id"] = inv["account_id"] + " "
    lake = _write(tmp_path / "pad", sample, responses=r, invitations=inv)
    lazy, eager = kr.load_programme(lake), kr.load_programme(lake, lazy=False)
    assert lazy.in_engine
    for by in ("wave", "segment"):
        a, b = (kr.metrics.response_rates(p, by=by, cluster="account_id") for p in (lazy, eager))
        pd.testing.assert_frame_equal(a, b, **SAME)
        assert a["n_responded"].sum() > 0
    r = sample.responses.copy()
    r.loc[r.index[:400], "invitation_id"] = None                     # linked by contact and wave: fallback
    p = kr.load_programme(_write(tmp_path / "link", sample, responses=r))
    assert not p.in_engine and p.engine_tables == {}
    pd.testing.assert_frame_equal(kr.metrics.response_rates(p), kr.metrics.response_rates(sample), **SAME)


@pytest.mark.parametrize("mapping, why", [
    ({"Q1": "ltr"}, "maps onto a name the table has already"),     # the file also has an old 'ltr'
    ({"q1": "ltr"}, "another spelling"),                              # matched case-insensitively by the loader
])
def test_column_mappings_the_engine_cannot_apply_exactly_are_applied_by_the_loader(tmp_path, sample, mapping, why):
    r = sample.responses.copy()
    r["Q1"] = r["ltr"]
    r["ltr"] = 0.0
    folder = _write(tmp_path / "map", sample, responses=r)
    (folder / "programme.yaml").write_text(
        "tables:\n  responses:\n    file: responses.parquet\n    columns: {" + ", ".join(
            f"{k}: {v}" for k, v in mapping.items()) + "}\n  accounts: {file: accounts.parquet}\n")
    p = kr.load_programme(folder)
    assert not p.in_engine and why in p.engine_note
    assert kr.nps.nps(p.respondents())["nps"].iloc[0] == pytest.approx(kr.nps.nps(sample.responses)["nps"].iloc[0])


def test_nonfinite_and_huge_scores_are_checked_not_raised(tmp_path, sample):
    for val in (np.inf, 1e30):
        r = sample.responses.copy()
        r.loc[r.index[:3], "ltr"] = val
        lake = _write(tmp_path / f"v{val:g}", sample, responses=r)
        lazy, eager = _problems(lake, lazy=True), _problems(lake, lazy=False)
        assert [(p.column, p.message.split(" (")[0]) for p in lazy] == \
            [(p.column, p.message.split(" (")[0]) for p in eager]


def test_float_waves_integer_ids_with_nulls_and_missing_value_words(tmp_path, sample):
    r = sample.responses.copy()
    r["wave"] = r["wave"].astype(float)
    c = sample.contacts.copy()
    num = {k: i + 1 for i, k in enumerate(c["contact_id"])}
    c["contact_id"] = c["contact_id"].map(num).astype("int64")
    r["contact_id"] = r["contact_id"].map(num).astype("Int64")
    r.loc[r.index[:3], "contact_id"] = pd.NA
    inv = sample.invitations.assign(contact_id=sample.invitations["contact_id"].map(num).astype("int64"))
    lake = _write(tmp_path / "types", sample, responses=r, contacts=c, invitations=inv)
    lazy, eager = kr.load_programme(lake), kr.load_programme(lake, lazy=False)
    assert lazy.in_engine
    a = kr.nps.nps(lazy.respondents(engine=True), by=["wave", "role"], cluster="account_id")
    b = kr.nps.nps(eager.respondents(), by=["wave", "role"], cluster="account_id")
    pd.testing.assert_frame_equal(a, b, **SAME)
    assert a["wave"].dtype.kind == "i" and a["role"].notna().sum() == 4 * 8   # roles joined (+ no-contact rows)
    assert lazy.respondents(where={"wave": [2]}, engine=True).count().execute() == (r["wave"] == 2).sum()
    pd.testing.assert_frame_equal(lazy.responses, eager.responses)
    assert lazy.responses["contact_id"].dropna().iloc[0] == str(num[sample.responses["contact_id"].iloc[3]])


def test_unicode_whitespace_and_missing_words_in_ids(tmp_path, sample):
    r = sample.responses.copy()
    r.loc[r.index[:5], "account_id"] = r.loc[r.index[:5], "account_id"] + "\xa0"
    r.loc[r.index[5:8], "contact_id"] = "None"
    lake = _write(tmp_path / "ws", sample, responses=r)
    lazy, eager = kr.load_programme(lake), kr.load_programme(lake, lazy=False)
    pd.testing.assert_frame_equal(kr.nps.nps(lazy.respondents(engine=True), by="role", cluster="account_id"),
                                  kr.nps.nps(eager.respondents(), by="role", cluster="account_id"), **SAME)


def test_data_hash_sees_values_moving_between_rows(tmp_path, sample):
    r = sample.responses.copy()
    i, j = r.index[(r["ltr"] == 10)][0], r.index[(r["ltr"] == 0)][0]
    r.loc[[i, j], "ltr"] = r.loc[[j, i], "ltr"].to_numpy()           # same column sums, other rows
    a = kr.load_programme(_write(tmp_path / "a", sample)).data_hash
    b = kr.load_programme(_write(tmp_path / "b", sample, responses=r)).data_hash
    assert a != b


def test_unreadable_parquet_and_part_files_with_other_columns(tmp_path, sample):
    lake = _write(tmp_path / "bad", sample)
    (lake / "responses.parquet").write_bytes(b"not parquet")
    with pytest.raises(DataError, match=r"responses\.parquet.*cannot read"):
        kr.load_programme(lake)
    parts = _write(tmp_path / "parts", sample)
    (parts / "responses.parquet").unlink()
    (parts / "responses").mkdir()
    half = len(sample.responses) // 2
    for k, df in enumerate((sample.responses.iloc[:half], sample.responses.iloc[half:].drop(columns="trust"))):
        df = df.copy()
        df.attrs = {}
        df.to_parquet(parts / "responses" / f"part-{k}.parquet", index=False)
    p = kr.load_programme(parts)
    assert p.in_engine and p.n_rows("responses") == len(sample.responses)


def test_scope_of_undated_responses_and_time_zone_aware_dates(tmp_path, sample):
    r = sample.responses.copy()
    r["responded_at"] = r["responded_at"].dt.tz_localize("UTC").dt.tz_convert("Europe/Berlin")
    lake = _write(tmp_path / "tz", sample, responses=r)
    lazy, eager = kr.load_programme(lake), kr.load_programme(lake, lazy=False)
    assert not lazy.in_engine and "responded_at" in lazy.engine_note
    pd.testing.assert_series_equal(lazy.responses["responded_at"], eager.responses["responded_at"])
    assert eager.responses["responded_at"].iloc[0] == r["responded_at"].iloc[0].tz_convert("UTC").tz_localize(None)
    undated = _write(tmp_path / "undated", sample, responses=sample.responses.drop(columns="responded_at"))
    p = kr.load_programme(undated)
    assert "(undated)" in kr.report.scope_lines(p, p.respondents(engine=True), {})[1]


def test_engine_bookkeeping_lives_only_as_long_as_its_tables(lake):
    """Where a table came from and which ids need cleaning are kept per table, not for the whole session."""
    import gc

    from kapta_research.engines import _tables
    prog = kr.load_programme(lake)
    assert prog.in_engine
    t = prog.respondents(engine=True)
    assert "responses.parquet" in _tables.describe(t)
    n_sources, n_untrimmed = len(_tables._SOURCES), len(_lazy._UNTRIMMED)
    assert n_untrimmed >= 1
    del prog, t
    gc.collect()
    assert len(_tables._SOURCES) < n_sources and len(_lazy._UNTRIMMED) < n_untrimmed


def test_empty_responses_are_a_checked_error_on_every_path(tmp_path, sample):
    """An empty responses table: the loader says so (not 'followups: responses not found'), and nps on an
    empty engine table raises the DataFrame path's error instead of a row of missing values."""
    import ibis
    empty = sample.responses.iloc[:0]
    folder = _write(tmp_path / "lake", sample, responses=empty)
    for lazy in (True, False):
        with pytest.raises(ProgrammeError, match=r"responses\.parquet.*the responses table has no rows"):
            kr.load_programme(folder, lazy=lazy)
    with pytest.raises(ProgrammeError, match=r"empty\.parquet \(duckdb [\d.]+\): the responses table has no rows"):
        kr.load_programme(_single(tmp_path, empty))
    t = ibis.read_parquet(str(folder / "responses.parquet"))
    for kw in (dict(), dict(cluster="account_id"), dict(by="wave", cluster="account_id", method="bootstrap",
                                                        n_boot=100, random_state=0)):
        with pytest.raises(DataError, match=r"responses\.parquet \(duckdb [\d.]+\): nps needs at least one row; "
                                            r"the data are empty"):
            kr.nps.nps(t, **kw)


def _single(tmp_path, frame):
    path = tmp_path / "empty.parquet"
    frame = frame.copy()
    frame.attrs = {}
    frame.to_parquet(path, index=False)
    return path


def test_errors_on_an_ibis_parquet_table_name_its_files_and_where_segment_lives(lake, sample):
    import ibis
    t = ibis.read_parquet(str(lake / "responses.parquet"))
    with pytest.raises(DataError, match=r"file .*lake/responses\.parquet \(duckdb [\d.]+\), column 'segment': nps: "
                                        r"no column 'segment' in the table\. 'segment' is a column of the accounts "
                                        r"table: join it to the responses, or take Programme\.respondents\(\)"):
        kr.nps.nps(t, by="segment", cluster="account_id")
    # the DataFrame path words it the same way
    with pytest.raises(DataError, match=r"no column named 'role' in the data.* 'role' is a column of the contacts "
                                        r"table: join it"):
        kr.nps.nps(sample.responses, by="role")


def test_a_source_lives_while_any_equal_table_does_and_options_are_not_files(tmp_path, sample):
    """Review findings: two equal Ibis tables built separately share one entry, which goes with the last
    of them; ``ibis.read_csv`` options are not named as files."""
    import gc

    import ibis

    from kapta_research.engines import _tables
    folder = _write(tmp_path / "lake", sample)
    prog = kr.load_programme(folder / "responses.parquet")
    r1, r2 = prog.respondents(engine=True, waves=[1]), prog.respondents(engine=True, waves=[1])
    assert r1.op() == r2.op() and r1.op() is not r2.op()
    del r1
    gc.collect()
    assert _tables.describe(r2).startswith(str(folder / "responses.parquet"))
    csv = tmp_path / "resp.csv"
    sample.responses.assign(ltr=11).to_csv(csv, index=False)
    t = ibis.read_csv(str(csv), sep=",", nullstr="NA")
    with pytest.raises(DataError, match=rf"^file {csv} \(duckdb [\d.]+\), column 'ltr': values must be between"):
        kr.nps.nps(t)
    # one value or several in where=, and two missing columns worded in the plural
    assert len(prog.respondents(where={"wave": 1})) == len(prog.respondents(where={"wave": [1]})) > 0
    with pytest.raises(DataError, match=r"'segment', 'region' are columns of the accounts table: join it"):
        kr.nps.nps(ibis.read_parquet(str(folder / "responses.parquet")), by=["segment", "region"])
