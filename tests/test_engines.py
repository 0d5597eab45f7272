"""Engine path (issue 13) on DuckDB and Parquet: the same statistics from sufficient statistics.

Reference: the in-memory path of the same function on the same rows (itself
checked against R ``survey`` / ``sandwich`` in tests/test_nps.py and
tests/test_stats.py); equality to 1e-9 is the acceptance criterion.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kapta_research as kr
from kapta_research import _lmg
from kapta_research.engines import connect, cross_products
from kapta_research.errors import DataError, ParameterError
from kapta_research.nps import nps

ibis = pytest.importorskip("ibis")

CASES = [dict(), dict(by="segment", cluster="account_id"),
         dict(by=["wave", "region"], cluster="account_id", method="wald"),
         dict(by="segment", cluster="account_id", method="bootstrap", random_state=3, n_boot=200),
         dict(by="role", method="adjusted_wald"), dict(by="industry", cluster="account_id", min_accounts=40)]


def assert_same(a, b):
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9, atol=1e-9)


@pytest.fixture(scope="module")
def resp(plain_respondents):
    return plain_respondents


@pytest.fixture(scope="module")
def lake(tmp_path_factory, resp):
    """The sample as Parquet: responses in three part files, and a DuckDB file of the same tables."""
    root = tmp_path_factory.mktemp("lake")
    (root / "parts").mkdir()
    for i, rows in enumerate(np.array_split(np.arange(len(resp)), 3)):
        resp.iloc[rows].to_parquet(root / "parts" / f"part-{i}.parquet", index=False)
    prog = kr.load_sample()
    resp_plain = prog.responses.copy()
    resp_plain.attrs = {}
    resp_plain.to_parquet(root / "responses.parquet", index=False)
    import duckdb
    con = duckdb.connect(str(root / "sample.duckdb"))
    for t in ("responses", "accounts", "contacts"):
        df = getattr(prog, t).copy()
        df.attrs = {}
        con.register("df", df)
        con.execute(f"create table {t} as select * from df")
        con.unregister("df")
    con.execute("create table no_ltr as select * exclude (ltr) from responses")
    con.close()
    return root


@pytest.mark.parametrize("kw", CASES, ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()) or "overall")
def test_nps_on_duckdb_equals_in_memory(resp, kw):
    t = ibis.duckdb.connect().create_table("r", resp)
    assert_same(nps(t, **kw), nps(resp, **kw))


def test_nps_on_a_parquet_glob_equals_in_memory(lake, resp):
    t = ibis.read_parquet(str(lake / "parts" / "*.parquet"))
    for kw in CASES[1:3]:
        assert_same(nps(t, **kw), nps(resp, **kw))
    src = connect(str(lake / "parts"))
    assert_same(nps(src.table("responses"), by="segment", cluster="account_id"),
                nps(resp, by="segment", cluster="account_id"))


def test_large_weighted_programme_equals_in_memory(rng):
    # 60 000 responses, 2 000 accounts spread over waves (accounts not nested in groups), weights,
    # missing scores and a missing group key: every branch of the sums
    n, g = 60_000, 2_000
    acc = rng.integers(0, g, n)
    ltr = np.clip(np.rint(7 + rng.normal(0, 1, g)[acc] + rng.normal(0, 2, n)), 0, 10)
    ltr[rng.random(n) < 0.03] = np.nan
    df = pd.DataFrame({"ltr": ltr, "account_id": acc, "wave": rng.integers(1, 6, n),
                       "segment": np.where(rng.random(n) < 0.01, None, np.array(list("ABCD"))[acc % 4]),
                       "w": rng.gamma(2.0, 0.5, n)})
    df.loc[rng.random(n) < 0.01, "w"] = 0.0
    t = ibis.duckdb.connect().create_table("big", df)
    for kw in (dict(by="wave", cluster="account_id", weights="w"),
               dict(by=["segment", "wave"], cluster="account_id"),
               dict(by="segment", weights="w", method="wald"),
               dict(by="wave", cluster="account_id", weights="w", method="bootstrap", n_boot=200,
                    random_state=1)):
        assert_same(nps(t, **kw), nps(df, **kw))


def test_driver_cross_products_equal_the_in_memory_sums(resp):
    drivers = ["trust", "commitment", "satisfaction", "ease_of_doing_business"]
    t = ibis.duckdb.connect().create_table("r", resp)
    cp = cross_products(t, outcome="ltr", drivers=drivers, cluster="account_id")
    rows = resp.dropna(subset=["ltr", *drivers])
    assert cp.n_excluded == len(resp) - len(rows)
    Z = rows[["ltr", *drivers]].to_numpy(float)
    from kapta_research.drivers._prepare import _weighted_cov
    np.testing.assert_allclose(cp.covariance(), _weighted_cov(Z, None), rtol=1e-9, atol=1e-12)
    codes, uniq = pd.factorize(rows["account_id"].astype(str), sort=True)
    ref = _lmg.cluster_stats(Z - Z.mean(axis=0), None, codes, len(uniq))
    assert list(cp.clusters) == list(uniq)
    for a, b in zip(cp.centred(), ref):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)
    # the importances from the engine's covariance are the in-memory ones
    imp, r2, _ = _lmg.importances(cp.covariance()[None], "lmg")
    res = kr.drivers.relative_importance(resp, outcome="ltr", drivers=drivers, n_boot=0)
    np.testing.assert_allclose(imp[0], res.summary.set_index("driver").loc[drivers, "importance"],
                               rtol=1e-9)


def test_programme_from_a_parquet_file_and_a_duckdb_file(lake):
    ref = kr.load_sample()
    p = kr.load_programme(lake / "responses.parquet")
    assert p.engine.startswith("duckdb ") and len(p.responses) == len(ref.responses)
    assert_same(nps(p.respondents(), cluster="account_id"), nps(ref.respondents(), cluster="account_id"))
    d = kr.load_programme(lake / "sample.duckdb")
    assert d.engine.startswith("duckdb ") and len(d.accounts) == len(ref.accounts)
    assert not kr.load_sample().engine


def test_bad_engine_inputs_name_the_source(lake, resp):
    with pytest.raises(ParameterError, match=r"Unknown engine URL 'nosuchdb://x/y': no Ibis backend "
                                             r"'nosuchdb' is installed\. Installed: .*duckdb"):
        connect("nosuchdb://x/y")
    with pytest.raises(DataError, match=r"no Parquet file or folder at .*missing_lake"):
        connect(str(lake / "missing_lake"))
    with pytest.raises(DataError, match=r"no Parquet files match .*nothing-\*\.parquet"):
        kr.load_programme(str(lake / "nothing-*.parquet"))
    with pytest.raises(DataError, match=r"DuckDB database not found: .*absent\.duckdb"):
        connect(str(lake / "absent.duckdb"))
    src = connect(str(lake / "sample.duckdb"))
    with pytest.raises(DataError, match=r"sample\.duckdb\[no_ltr\] \(duckdb [\d.]+\).*nps: no column 'ltr' in the table"):
        nps(src.table("no_ltr"))
    bad = resp.assign(ltr=resp["ltr"].where(resp.index != 5, 11.0))
    with pytest.raises(DataError, match=r"values must be between 0 and 10.*11"):
        nps(ibis.duckdb.connect().create_table("bad", bad))
    with pytest.raises(ParameterError, match="respondent bootstrap of weighted data needs the rows"):
        nps(ibis.duckdb.connect().create_table("w", resp.assign(w=1.0)), weights="w", method="bootstrap")


def test_programme_without_a_required_column_names_the_warehouse_table(lake):
    import duckdb
    path = lake / "broken.duckdb"
    con = duckdb.connect(str(path))
    con.execute(f"create table responses as select * exclude (ltr) from read_parquet('{lake / 'responses.parquet'}')")
    con.close()
    with pytest.raises(DataError, match=r"broken\.duckdb.*ltr"):
        kr.load_programme(path)
