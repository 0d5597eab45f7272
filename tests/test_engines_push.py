"""Engine path (issue 13) for the statistics beyond ``nps()``: wave comparisons, driver analysis,
churn snapshots, response rates and the ``engine:`` key of programme.yaml, on DuckDB.

Reference: the in-memory path of the same function on the same rows (itself
checked against R ``survey`` / ``relaimpo`` / simulations with known truth in
tests/test_nps*.py, tests/test_drivers*.py, tests/test_churn*.py); equality to
1e-9 is the acceptance criterion of issue 13.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kapta_research as kr
from kapta_research.errors import DataError, ParameterError
from kapta_research.nps import compare

ibis = pytest.importorskip("ibis")


def assert_same(a, b):
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9, atol=1e-9)


@pytest.fixture(scope="module")
def resp(plain_respondents):
    return plain_respondents


@pytest.fixture(scope="module")
def con():
    return ibis.duckdb.connect()


COMPARE_CASES = [dict(group="wave", reference="previous", cluster="account_id"),
                 dict(group="wave", cluster="account_id", by="segment", adjust="holm"),
                 dict(group="segment", method="wald"),
                 dict(group="wave", reference=3, cluster="account_id", method="wald", by=["region"]),
                 dict(group="wave", by="industry", cluster="account_id", min_accounts=15)]


@pytest.mark.parametrize("kw", COMPARE_CASES, ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()))
def test_compare_on_duckdb_equals_in_memory(con, resp, kw):
    t = con.create_table("r_cmp", resp, overwrite=True)
    out = compare(t, **kw)
    assert_same(out, compare(resp, **kw))
    assert len(out) and not out["suppressed"].all()


@pytest.mark.parametrize("kw", [dict(by="segment", cluster="account_id"), dict(by=["region"], method="wald"),
                                dict(by="industry", cluster="account_id", min_accounts=20, adjust=None)],
                         ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()))
def test_group_gaps_on_duckdb_equal_in_memory(con, resp, kw):
    t = con.create_table("r_gaps", resp, overwrite=True)
    out = kr.nps.group_gaps(t, **kw)
    assert_same(out, kr.nps.group_gaps(resp, **kw))
    assert len(out) and out["extremes"].sum() == 1


def test_compare_of_a_large_weighted_programme_equals_in_memory(con, rng):
    # accounts answer in several waves (shared clusters: the joint variance and the MOVER correlation),
    # weights with zeros, missing scores and missing wave / segment keys
    n, g = 40_000, 1_500
    acc = rng.integers(0, g, n)
    ltr = np.clip(np.rint(7 + rng.normal(0, 1, g)[acc] + rng.normal(0, 2, n)), 0, 10)
    ltr[rng.random(n) < 0.03] = np.nan
    wave = rng.integers(1, 5, n).astype(float)
    wave[rng.random(n) < 0.005] = np.nan
    df = pd.DataFrame({"ltr": ltr, "account_id": acc, "wave": wave,
                       "segment": np.where(rng.random(n) < 0.01, None, np.array(list("ABC"))[acc % 3]),
                       "w": rng.gamma(2.0, 0.5, n)})
    df.loc[rng.random(n) < 0.01, "w"] = 0.0
    t = con.create_table("big_cmp", df, overwrite=True)
    for kw in (dict(group="wave", reference="previous", cluster="account_id", weights="w"),
               dict(group="wave", by="segment", cluster="account_id"),
               dict(group="segment", weights="w", method="wald")):
        assert_same(compare(t, **kw), compare(df, **kw))
    assert_same(kr.nps.group_gaps(t, by="wave", cluster="account_id", weights="w"),
                kr.nps.group_gaps(df, by="wave", cluster="account_id", weights="w"))


def test_compare_on_an_engine_table_checks_its_input(con, resp):
    t = con.create_table("r_one", resp.assign(one=1), overwrite=True)
    with pytest.raises(DataError, match=r"r_one \(duckdb [\d.]+\).*compare needs at least two levels of 'one'"):
        compare(t, group="one")
    with pytest.raises(DataError, match=r"compare: no column 'nope' in the table"):
        compare(t, group="nope")
    with pytest.raises(ParameterError, match=r"'reference' parameter of compare .* Got 99 instead"):
        compare(t, group="wave", reference=99)


DRIVERS = ["trust", "commitment", "satisfaction", "ease_of_doing_business"]
IMPORTANCE_CASES = [dict(method="lmg", cluster="account_id", n_boot=300, random_state=5),
                    dict(method="dominance"),
                    dict(method="johnson", cluster="account_id", weights="w", n_boot=200, random_state=2),
                    dict(method="pratt", weights="w")]


@pytest.mark.parametrize("kw", IMPORTANCE_CASES, ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()))
def test_relative_importance_on_duckdb_equals_in_memory(con, resp, kw):
    df = resp.assign(w=np.random.default_rng(7).gamma(2.0, 0.5, len(resp)))
    df.loc[df.index[::97], "w"] = 0.0
    t = con.create_table("r_imp", df, overwrite=True)
    a = kr.drivers.relative_importance(t, outcome="ltr", drivers=DRIVERS, **kw)
    b = kr.drivers.relative_importance(df, outcome="ltr", drivers=DRIVERS, **kw)
    assert_same(a.summary, b.summary)
    assert_same(a.r2_summary, b.r2_summary)
    assert (a.n, a.n_clusters, a.n_excluded, a.n_boot_failed) == (b.n, b.n_clusters, b.n_excluded,
                                                                  b.n_boot_failed)
    if kw.get("n_boot"):
        assert_same(a.replicates, b.replicates)
    if kw["method"] == "dominance":
        assert_same(a.conditional, b.conditional)
        pd.testing.assert_frame_equal(a.complete, b.complete)


def test_relative_importance_on_an_engine_table_checks_its_input(con, resp):
    t = con.create_table("r_imp_bad", resp.assign(const=3.0, neg=-1.0, two=resp["trust"] * 2), overwrite=True)
    ri = kr.drivers.relative_importance
    with pytest.raises(DataError, match=r"r_imp_bad \(duckdb [\d.]+\).*column 'const'.*driver is constant"):
        ri(t, outcome="ltr", drivers=["trust", "const"])
    with pytest.raises(DataError, match=r"drivers 'trust' and 'two' are perfectly collinear"):
        ri(t, outcome="ltr", drivers=["trust", "two"])
    with pytest.raises(DataError, match=r"column 'neg'.*weights must not be negative"):
        ri(t, outcome="ltr", drivers=DRIVERS, weights="neg")
    with pytest.raises(DataError, match=r"relative_importance: no column 'nope' in the table"):
        ri(t, outcome="nope", drivers=DRIVERS)
    with pytest.raises(ParameterError, match=r"bootstrap of respondents needs the rows"):
        ri(t, outcome="ltr", drivers=DRIVERS, n_boot=100)


ENGINE_TABLES = ("responses", "invitations", "followups", "contacts")


def _on_engine(prog, con, tables=None, suffix=""):
    """A copy of ``prog`` whose heavy tables are held in DuckDB (``Programme.engine_tables``)."""
    import dataclasses
    tables = tables or {t: getattr(prog, t) for t in ENGINE_TABLES}
    eng = {}
    for name, df in tables.items():
        df = df.copy()
        df.attrs = {}
        eng[name] = con.create_table(f"{name}{suffix}", df, overwrite=True)
    return dataclasses.replace(prog, engine_tables=eng)


@pytest.mark.parametrize("as_of", ["2024-07-01", "2025-01-01"])
def test_churn_snapshot_on_duckdb_equals_in_memory(con, as_of):
    prog = kr.load_sample()
    a = kr.churn.snapshot(_on_engine(prog, con), as_of=as_of)
    b = kr.churn.snapshot(prog, as_of=as_of)
    assert_same(a, b)
    assert a["detractor_followup_7d"].notna().any() and a["response_rate_trend"].notna().any()
    assert a["n_roles"].gt(0).any() and a["latest_nps"].notna().any()


def test_churn_snapshot_on_duckdb_without_invitations_in_the_engine(con):
    # invitations in memory, responses in the engine: the rates still use only answers before as_of
    prog = kr.load_sample()
    a = kr.churn.snapshot(_on_engine(prog, con, {"responses": prog.responses}, suffix="_only"), as_of="2025-01-01")
    assert_same(a, kr.churn.snapshot(prog, as_of="2025-01-01"))


def test_engine_snapshot_ignores_records_after_as_of(con):
    """Leakage (issue 13): responses, invitations and follow-ups dated on or after as_of, added to
    the engine's tables, change no snapshot feature."""
    prog = kr.load_sample()
    as_of = pd.Timestamp("2024-07-01")
    base = kr.churn.snapshot(_on_engine(prog, con, suffix="_base"), as_of=as_of)
    r, inv, fu = prog.responses.copy(), prog.invitations.copy(), prog.followups.copy()
    late_inv = inv.assign(invitation_id="late-" + inv["invitation_id"].astype(str),
                          sent_at=as_of + pd.Timedelta(hours=1), wave=inv["wave"].max() + 1)
    late = r.assign(response_id="late-" + r["response_id"].astype(str), ltr=0.0,
                    responded_at=as_of + pd.Timedelta(days=2), wave=r["wave"].max() + 1,
                    invitation_id="late-" + r["invitation_id"].astype(str))
    # a late answer to an *early* invitation, and a late follow-up of an early detractor
    early = r[r["responded_at"] < as_of].head(200)
    late_answers = early.assign(response_id="late2-" + early["response_id"].astype(str), ltr=0.0,
                                responded_at=as_of)
    late_fu = fu.head(0).reindex(range(len(early))).assign(
        response_id=early["response_id"].to_numpy(), followed_up_at=as_of + pd.Timedelta(days=1))
    grown = {"responses": pd.concat([r, late, late_answers], ignore_index=True),
             "invitations": pd.concat([inv, late_inv], ignore_index=True),
             "followups": pd.concat([fu, late_fu], ignore_index=True), "contacts": prog.contacts}
    after = kr.churn.snapshot(_on_engine(prog, con, grown, suffix="_grown"), as_of=as_of)
    features = [c for c in base.columns if c not in ("churned", "event", "days_to_event")]
    pd.testing.assert_frame_equal(after[features], base[features])


@pytest.fixture(scope="module")
def parquet_programme(tmp_path_factory):
    """The sample as Parquet files, the score column under an export name, and a DuckDB file."""
    import duckdb
    root = tmp_path_factory.mktemp("pq_prog")
    prog = kr.load_sample()
    con = duckdb.connect(str(root / "sample.duckdb"))
    for t in ("accounts", "contacts", "invitations", "responses", "followups", "voc_interviews"):
        df = getattr(prog, t).copy()
        df.attrs = {}
        if t == "responses":
            df = df.rename(columns={"ltr": "Likelihood"})
        df.to_parquet(root / f"{t}.parquet", index=False)
        con.register("df", df)
        con.execute(f"create table {t} as select * from df")
        con.unregister("df")
    con.close()
    return root


def _config(root, text):
    path = root / "programme.yaml"
    path.write_text(text, encoding="utf-8")
    return path


TABLES_YAML = """tables:
  accounts: accounts.parquet
  contacts: contacts.parquet
  invitations: invitations.parquet
  responses: {file: responses.parquet, columns: {Likelihood: ltr}}
  followups: followups.parquet
  voc_interviews: voc_interviews.parquet
"""


def test_engine_key_duckdb_keeps_parquet_tables_in_the_engine(parquet_programme):
    cfg = _config(parquet_programme, "engine: duckdb\n" + TABLES_YAML)
    prog = kr.load_programme(cfg)
    ref = kr.load_sample()
    assert prog.engine.startswith("duckdb ") and set(prog.engine_tables) >= {"responses", "invitations"}
    t = prog.engine_tables["responses"]
    assert "ltr" in t.columns and "Likelihood" not in t.columns   # the config's column mapping applies
    assert "responses.parquet (duckdb" in kr.engines.describe(t)
    assert_same(kr.nps.nps(t, by="wave", cluster="account_id"),
                kr.nps.nps(ref.responses, by="wave", cluster="account_id"))
    assert_same(kr.churn.snapshot(prog, as_of="2025-01-01"), kr.churn.snapshot(ref, as_of="2025-01-01"))


def test_engine_key_with_a_url_reads_every_table_from_the_engine(parquet_programme):
    db = parquet_programme / "sample.duckdb"
    text = TABLES_YAML.replace(".parquet", "").replace("{file: responses,", "{table: responses,")
    text = "\n".join(line.replace(": ", ": {table: ", 1) + "}" if line.startswith("  ") and "{" not in line
                     else line for line in text.splitlines())
    cfg = _config(parquet_programme, f"engine: duckdb://{db}\n" + text + "\n")
    prog = kr.load_programme(cfg)
    ref = kr.load_sample()
    assert prog.engine.startswith("duckdb ") and len(prog.responses) == len(ref.responses)
    assert "sample.duckdb[responses] (duckdb" in prog.responses.attrs["source"]
    assert_same(kr.nps.nps(prog.respondents(), by="wave", cluster="account_id"),
                kr.nps.nps(ref.respondents(), by="wave", cluster="account_id"))


@pytest.mark.parametrize("text, match", [
    ("engine: nosuchdb://host/db\n", r"programme\.yaml.*unknown engine URL scheme 'nosuchdb'.*installed: .*duckdb"),
    ("engine: sqlite\n", r"programme\.yaml.*unknown engine 'sqlite'"),
    ("engine: [duckdb]\n", r"programme\.yaml.*'engine' must be duckdb, spark: or a connection URL"),
    ("engin: duckdb\n", r"programme\.yaml.*unknown keys in the programme config: engin \(did you mean 'engine'\?\)"),
])
def test_engine_key_errors_name_the_config(parquet_programme, text, match):
    cfg = _config(parquet_programme, text + TABLES_YAML)
    with pytest.raises(DataError, match=match):
        kr.load_programme(cfg)


RATE_CASES = [dict(by="wave", cluster="account_id"), dict(by=["role", "segment"], cluster="account_id"),
              dict(by="wave"), dict(by="region", waves=[3, 4, 5], cluster="account_id", min_n=400)]


@pytest.mark.parametrize("kw", RATE_CASES, ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()))
def test_response_rates_on_duckdb_equal_in_memory(con, kw):
    prog = kr.load_sample()
    a = kr.metrics.response_rates(_on_engine(prog, con, suffix="_rr"), **kw)
    b = kr.metrics.response_rates(prog, **kw)
    assert_same(a, b)
    assert a["rate"].notna().any()


def test_response_rates_from_counts_equal_share_interval_on_the_rows():
    # reference: stats.proportion.share_interval on the 0/1 invitation rows (itself checked against
    # R survey::svyciprop in tests/test_stats_r.py); the rates now run on per-account counts
    from kapta_research.stats.proportion import share_interval
    prog = kr.load_sample()
    inv = prog.invitations
    y = inv["invitation_id"].isin(set(prog.responses["invitation_id"].dropna())).to_numpy(float)
    for cluster in ("account_id", None):
        out = kr.metrics.response_rates(prog, by="wave", cluster=cluster)
        for _, row in out.iterrows():
            sel = (inv["wave"] == row["wave"]).to_numpy()
            ref = share_interval(y[sel], cluster=inv.loc[sel, "account_id"].to_numpy() if cluster else None)
            assert row["n_invited"] == ref["n"] and row["n_responded"] == ref["successes"]
            for col, key in (("rate", "estimate"), ("se", "se"), ("ci_low", "ci_low"), ("ci_high", "ci_high")):
                assert row[col] == pytest.approx(ref[key], rel=1e-12, abs=1e-15)
            if cluster:
                assert row["design_effect"] == pytest.approx(ref["design_effect"], rel=1e-12)
