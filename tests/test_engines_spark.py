"""Engine path on Spark (local session): the same tables as in memory (to 1e-9).

One local Spark session for the whole file (``local[1]``, 2 shuffle partitions,
UI off); deselect with ``-m "not spark"``.  Reference: the in-memory path.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kapta_research as kr
from kapta_research import _lmg
from kapta_research.engines import connect, cross_products
from kapta_research.nps import nps

pytestmark = pytest.mark.spark
pytest.importorskip("pyspark")


@pytest.fixture(scope="module")
def resp(plain_respondents):
    return plain_respondents


@pytest.fixture(scope="module")
def sdf(spark, resp):
    return spark.createDataFrame(resp.astype({"responded_at": "datetime64[us]"}))


def test_nps_on_spark_equals_in_memory(sdf, resp):
    # the other branches (wald, unclustered, weights) run the same query: tests/test_engines.py on DuckDB
    for kw in (dict(by=["wave", "segment"], cluster="account_id"),
               dict(by="role", method="adjusted_wald")):
        pd.testing.assert_frame_equal(nps(sdf, **kw), nps(resp, **kw), check_exact=False, rtol=1e-9,
                                      atol=1e-9)


def test_cross_products_on_spark(sdf, resp):
    drivers = ["trust", "commitment", "satisfaction"]
    cp = cross_products(sdf, outcome="ltr", drivers=drivers, cluster="account_id")
    rows = resp.dropna(subset=["ltr", *drivers])
    Z = rows[["ltr", *drivers]].to_numpy(float)
    codes, uniq = pd.factorize(rows["account_id"].astype(str), sort=True)
    ref = _lmg.cluster_stats(Z - Z.mean(axis=0), None, codes, len(uniq))
    for a, b in zip(cp.centred(), ref):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)


def test_programme_from_the_spark_catalog(spark, sdf, resp):
    prog = kr.load_sample()
    for t in ("responses", "accounts"):
        df = getattr(prog, t).copy()
        df.attrs = {}
        dates = {c: "datetime64[us]" for c in df.columns if str(df[c].dtype).startswith("datetime")}
        spark.createDataFrame(df.astype(dates)).createOrReplaceTempView(t)
    src = connect("spark:", spark=spark)
    assert {"responses", "accounts"} <= set(src.tables) and src.engine.startswith("pyspark")
    loaded = kr.load_programme("spark:")
    assert loaded.engine.startswith("pyspark") and loaded.in_engine   # checked by Spark queries, no row read
    ref = nps(prog.respondents(), by="segment", cluster="account_id")
    pd.testing.assert_frame_equal(nps(loaded.respondents(engine=True), by="segment", cluster="account_id"), ref,
                                  check_exact=False, rtol=1e-9, atol=1e-9)
    assert loaded.in_engine and len(loaded.responses) == len(prog.responses) and not loaded.in_engine
    pd.testing.assert_frame_equal(nps(loaded.respondents(), by="segment", cluster="account_id"), ref,
                                  check_exact=False, rtol=1e-9, atol=1e-9)


def test_compare_gaps_and_driver_importance_on_spark(sdf, resp):
    # the statistics beyond nps() (tests/test_engines_push.py on DuckDB): same sums, Spark's GROUP BY
    same = dict(check_exact=False, rtol=1e-9, atol=1e-9)
    kw = dict(group="wave", reference="previous", cluster="account_id")
    pd.testing.assert_frame_equal(kr.nps.compare(sdf, **kw), kr.nps.compare(resp, **kw), **same)
    pd.testing.assert_frame_equal(kr.nps.group_gaps(sdf, by="segment", cluster="account_id"),
                                  kr.nps.group_gaps(resp, by="segment", cluster="account_id"), **same)
    kw = dict(outcome="ltr", drivers=["trust", "commitment", "satisfaction"], cluster="account_id",
              n_boot=200, random_state=4)
    a, b = kr.drivers.relative_importance(sdf, **kw), kr.drivers.relative_importance(resp, **kw)
    pd.testing.assert_frame_equal(a.summary, b.summary, **same)
    assert a.n_excluded == b.n_excluded and a.n_clusters == b.n_clusters


def test_churn_snapshot_and_response_rates_on_spark(spark):
    # the remaining engine statistics on Spark (DuckDB versions in tests/test_engines_push.py): the
    # sample's responses, invitations, follow-ups and contacts as Spark tables behind Programme.engine_tables
    import dataclasses
    prog = kr.load_sample()
    for t in ("responses", "invitations", "followups", "contacts"):
        df = getattr(prog, t).copy()
        df.attrs = {}
        dates = {c: "datetime64[us]" for c in df.columns if str(df[c].dtype).startswith("datetime")}
        spark.createDataFrame(df.astype(dates)).createOrReplaceTempView(f"{t}_sn")
    src = connect("spark:", spark=spark)
    on_spark = dataclasses.replace(prog, engine_tables={t: src.table(f"{t}_sn") for t in
                                                        ("responses", "invitations", "followups", "contacts")})
    assert on_spark.engine_tables["responses"].get_backend().name == "pyspark"
    same = dict(check_exact=False, rtol=1e-9, atol=1e-9)
    a = kr.churn.snapshot(on_spark, as_of="2025-01-01")
    pd.testing.assert_frame_equal(a, kr.churn.snapshot(prog, as_of="2025-01-01"), **same)
    assert a["detractor_followup_7d"].notna().any() and a["response_rate_trend"].notna().any()
    kw = dict(by="wave", cluster="account_id")
    pd.testing.assert_frame_equal(kr.metrics.response_rates(on_spark, **kw), kr.metrics.response_rates(prog, **kw),
                                  **same)
