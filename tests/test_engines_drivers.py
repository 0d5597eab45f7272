"""Engine path (issue 13) of the two driver analyses that needed rows: importance × performance and
the NPS-transition drivers, on DuckDB (and briefly on Spark).

Reference: the in-memory path of the same function on the same rows (itself checked against
relaimpo, statsmodels ``Logit`` and a hand-made stacked sandwich in tests/test_drivers.py, and
against simulations with known truth in tests/test_drivers_sim.py); equality to 1e-9 — bootstrap
intervals included, with the same ``random_state`` — is the acceptance criterion of issue 13.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kapta_research as kr
from kapta_research.errors import DataError, ParameterError
from kapta_research.schema import DRIVERS

ibis = pytest.importorskip("ibis")

ALL = list(DRIVERS)


def assert_same(a, b):
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9, atol=1e-9)


def assert_same_result(a, b, fields):
    assert_same(a.summary, b.summary)
    for f in fields:
        assert getattr(a, f) == getattr(b, f) or getattr(a, f) == pytest.approx(getattr(b, f), rel=1e-9), f


IPA_FIELDS = ("importance_threshold", "performance_threshold", "top_box", "r2", "n", "n_clusters",
              "n_excluded", "n_boot", "n_boot_failed", "confidence")


@pytest.fixture(scope="module")
def con():
    return ibis.duckdb.connect()


@pytest.fixture(scope="module")
def resp(plain_respondents):
    return plain_respondents


@pytest.fixture(scope="module")
def big():
    """A generated programme larger than the sample: 1 500 accounts, 30 000 responses, ratings 1–7
    with 2 % missing, account effects, integer account ids (cast to text in the engine)."""
    rng = np.random.default_rng(20261202)
    g, n = 1_500, 30_000
    acc = rng.integers(0, g, n)
    a = rng.normal(0, 0.7, g)[acc]
    X = np.clip(np.rint(4.2 + a[:, None] + rng.normal(0, 1.1, (n, 4))), 1, 7)
    eta = 0.8 * (X[:, 0] - 4) + 0.4 * (X[:, 2] - 4) + rng.normal(0, 1.2, n)
    ltr = np.clip(np.rint(7 + 1.2 * eta), 0, 10)
    df = pd.DataFrame(X, columns=ALL[:4]).assign(ltr=ltr, account_id=acc)
    for c in (*ALL[:4], "ltr"):
        df.loc[rng.random(n) < 0.02, c] = np.nan
    return df


# ---------------------------------------------------------------------------
# importance x performance
# ---------------------------------------------------------------------------

IPA_CASES = [dict(cluster="account_id", n_boot=400, random_state=1),
             dict(cluster="account_id", n_boot=0),
             dict(n_boot=0),
             dict(cluster="account_id", n_boot=0, performance_threshold=4.0, top_box=5, confidence=0.9),
             dict(cluster="account_id", n_boot=200, performance_threshold=4.5, importance_threshold=0.2,
                  random_state=np.random.default_rng(3))]


@pytest.mark.parametrize("kw", IPA_CASES, ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()
                                                                  if k != "random_state"))
def test_importance_performance_on_duckdb_equals_in_memory(con, resp, kw):
    t = con.create_table("r_ipa", resp, overwrite=True)
    kw2 = dict(kw)
    if isinstance(kw.get("random_state"), np.random.Generator):   # one fresh stream per path
        kw2["random_state"] = np.random.default_rng(3)
    a = kr.drivers.importance_performance(t, drivers=ALL, **kw)
    b = kr.drivers.importance_performance(resp, drivers=ALL, **kw2)
    assert_same_result(a, b, IPA_FIELDS)
    assert a.n_excluded > 0 and a.summary["mean_ci_low"].notna().all()
    if kw.get("n_boot"):
        assert a.summary["share_ci_low"].notna().all()


def test_importance_performance_of_a_large_programme_equals_in_memory(con, big):
    t = con.create_table("big_ipa", big, overwrite=True)
    for kw in (dict(cluster="account_id", n_boot=300, random_state=7), dict(n_boot=0)):
        a = kr.drivers.importance_performance(t, drivers=ALL[:4], **kw)
        b = kr.drivers.importance_performance(big, drivers=ALL[:4], **kw)
        assert_same_result(a, b, IPA_FIELDS)
    assert a.n == b.n and 0 < a.n_excluded == b.n_excluded


def test_importance_performance_bootstrap_resamples_accounts_in_text_order(resp):
    """The in-memory account bootstrap draws accounts in text order of their id (the engine's order),
    so the row order of the frame does not change the intervals."""
    kw = dict(drivers=ALL, cluster="account_id", n_boot=200, random_state=4)
    a = kr.drivers.importance_performance(resp, **kw)
    b = kr.drivers.importance_performance(resp.iloc[::-1], **kw)
    assert_same(a.summary, b.summary)


def test_importance_performance_on_an_engine_table_checks_its_input(con, resp):
    t = con.create_table("r_ipa_bad", resp.assign(const=3.0, word="x"), overwrite=True)
    ipa = kr.drivers.importance_performance
    with pytest.raises(DataError, match=r"r_ipa_bad \(duckdb [\d.]+\).*column 'nope'.*"
                                        r"importance_performance: no column 'nope' in the table"):
        ipa(t, drivers=["trust", "nope"], n_boot=0)
    with pytest.raises(DataError, match=r"r_ipa_bad \(duckdb [\d.]+\).*column 'const'.*driver is constant"):
        ipa(t, drivers=["trust", "const"], n_boot=0)
    with pytest.raises(DataError, match=r"column 'word'.*values are not numbers"):
        ipa(t, drivers=["trust", "word"], n_boot=0)
    with pytest.raises(ParameterError, match=r"bootstrap of respondents needs the rows"):
        ipa(t, drivers=ALL)
    with pytest.raises(ParameterError, match=r"'outcome' parameter of importance_performance must not also "
                                             r"be a driver"):
        ipa(t, drivers=ALL, outcome="trust", n_boot=0)
    one = con.create_table("r_ipa_one", resp.assign(account_id="A"), overwrite=True)
    with pytest.raises(DataError, match=r"r_ipa_one.*bootstrap needs at least 2 clusters"):
        ipa(one, drivers=ALL, cluster="account_id", n_boot=10)
