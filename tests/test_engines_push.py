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
def resp():
    r = kr.load_sample().respondents()
    r.attrs = {}
    return r


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


def test_compare_on_an_engine_table_checks_its_input(con, resp):
    t = con.create_table("r_one", resp.assign(one=1), overwrite=True)
    with pytest.raises(DataError, match=r"r_one \(duckdb [\d.]+\).*compare needs at least two levels of 'one'"):
        compare(t, group="one")
    with pytest.raises(DataError, match=r"compare: no column 'nope' in the table"):
        compare(t, group="nope")
    with pytest.raises(ParameterError, match=r"'reference' parameter of compare .* Got 99 instead"):
        compare(t, group="wave", reference=99)
