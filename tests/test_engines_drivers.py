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
    with 2 % missing, account effects, numeric account ids (cast to text in the engine; 1 % missing)."""
    rng = np.random.default_rng(20261202)
    g, n = 1_500, 30_000
    acc = rng.integers(0, g, n)
    a = rng.normal(0, 0.7, g)[acc]
    X = np.clip(np.rint(4.2 + a[:, None] + rng.normal(0, 1.1, (n, 4))), 1, 7)
    eta = 0.8 * (X[:, 0] - 4) + 0.4 * (X[:, 2] - 4) + rng.normal(0, 1.2, n)
    ltr = np.clip(np.rint(7 + 1.2 * eta), 0, 10)
    df = pd.DataFrame(X, columns=ALL[:4]).assign(ltr=ltr, account_id=acc.astype(float))
    df.loc[rng.random(n) < 0.01, "account_id"] = np.nan
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


# ---------------------------------------------------------------------------
# NPS-transition drivers
# ---------------------------------------------------------------------------

TR_CASES = [dict(cluster="account_id"),
            dict(),
            dict(cluster="account_id", n_boot=300, random_state=2, confidence=0.9)]


def assert_same_transitions(a, b):
    assert_same(a.summary, b.summary)
    assert_same(a.difference, b.difference)
    assert (a.n, a.n_clusters, a.n_excluded, a.n_boot, a.n_boot_failed, a.outcome) == \
        (b.n, b.n_clusters, b.n_excluded, b.n_boot, b.n_boot_failed, b.outcome)


@pytest.mark.parametrize("kw", TR_CASES, ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()) or "plain")
def test_transition_drivers_on_duckdb_equal_in_memory(con, resp, kw):
    t = con.create_table("r_tr", resp, overwrite=True)
    a = kr.drivers.transition_drivers(t, drivers=ALL, **kw)
    b = kr.drivers.transition_drivers(resp, drivers=ALL, **kw)
    assert_same_transitions(a, b)
    assert a.n_excluded > 0 and a.difference["se"].gt(0).all()


def test_transition_drivers_of_a_large_programme_equal_in_memory(con, big):
    t = con.create_table("big_tr", big, overwrite=True)
    for kw in (dict(cluster="account_id", n_boot=200, random_state=5), dict()):
        a = kr.drivers.transition_drivers(t, drivers=ALL[:4], **kw)
        b = kr.drivers.transition_drivers(big, drivers=ALL[:4], **kw)
        assert_same_transitions(a, b)
    assert a.n == b.n and a.summary["p_value"].min() < 1e-10


def test_distinct_rows_are_the_complete_rows_compressed(con, big):
    """The engine returns each (account, category, drivers) combination once, with its count: the
    counts add up to the complete rows, and without accounts ratings compress many-fold."""
    from kapta_research.engines._drivers import distinct_rows
    t = con.create_table("big_dr", big, overwrite=True)
    for cluster in ("account_id", None):
        rows = big.dropna(subset=["ltr", *ALL[:4], *([cluster] if cluster else [])])
        d = distinct_rows(t, outcome="ltr", drivers=ALL[:4], cluster=cluster)
        keys = ([cluster] if cluster else []) + ["cat", *ALL[:4]]
        ref = rows.assign(cat=kr.rules.category_codes(rows["ltr"])).groupby(keys).size()
        assert d.count.sum() == len(rows) and len(d.count) == len(ref) and d.n_excluded == len(big) - len(rows)
    assert len(d.count) < len(rows) / 4


def test_stacked_sandwich_equals_statsmodels_on_the_stacked_rows(big):
    """Reference: statsmodels ``Logit(...).fit(cov_type="cluster")`` of the stacked model on the
    expanded rows (the in-memory path before the engine work); with frequency weights on the distinct
    rows, and with every respondent its own cluster, the same matrix."""
    import statsmodels.api as sm
    from kapta_research.stats.logistic import fit_logit, stacked_logit_cluster_cov
    rows = big.dropna(subset=["ltr", "account_id", *ALL[:2]]).iloc[:6000]
    cat = kr.rules.category_codes(rows["ltr"])
    X = rows[ALL[:2]].to_numpy(float)
    acc = pd.factorize(rows["account_id"])[0]
    m1, m2 = cat <= 0, cat >= 0
    y1, y2 = (cat[m1] >= 0).astype(float), (cat[m2] == 1).astype(float)
    exog = np.zeros((m1.sum() + m2.sum(), 6))
    exog[:m1.sum(), 0], exog[:m1.sum(), 1:3] = 1, X[m1]
    exog[m1.sum():, 3], exog[m1.sum():, 4:] = 1, X[m2]
    endog = np.r_[y1, y2]
    fits = [fit_logit(y, X[m], func="t", what="m") for y, m in ((y1, m1), (y2, m2))]
    b = [np.asarray(f.params) for f in fits]
    X1, X2 = sm.add_constant(X[m1]), sm.add_constant(X[m2])
    for groups in (acc, np.arange(len(rows))):
        ref = sm.Logit(endog, exog).fit(disp=0, start_params=np.r_[b[0], b[1]], cov_type="cluster",
                                        cov_kwds={"groups": np.r_[groups[m1], groups[m2]]})
        V = stacked_logit_cluster_cov([X1, X2], [y1, y2], b, [groups[m1], groups[m2]])
        np.testing.assert_allclose(V, ref.cov_params(), rtol=1e-7, atol=1e-12)
    # distinct rows with counts: (account, category, drivers) and (category, drivers)
    df = pd.DataFrame({"acc": acc, "cat": cat, "a": X[:, 0], "b": X[:, 1]})
    for keys, clustered in ((["acc", "cat", "a", "b"], True), (["cat", "a", "b"], False)):
        d = df.groupby(keys).size().reset_index(name="f")
        dc, dX, f = d["cat"].to_numpy(), d[["a", "b"]].to_numpy(float), d["f"].to_numpy(float)
        codes = pd.factorize(d["acc"])[0] if clustered else np.arange(len(d))
        n1, n2 = dc <= 0, dc >= 0
        wb = [np.asarray(fit_logit(y, dX[n], func="t", what="m", freq_weights=f[n]).params)
              for y, n in (((dc[n1] >= 0).astype(float), n1), ((dc[n2] == 1).astype(float), n2))]
        np.testing.assert_allclose(np.r_[wb[0], wb[1]], np.r_[b[0], b[1]], rtol=1e-9, atol=1e-12)
        Vw = stacked_logit_cluster_cov([sm.add_constant(dX[n1]), sm.add_constant(dX[n2])],
                                       [(dc[n1] >= 0).astype(float), (dc[n2] == 1).astype(float)], wb,
                                       [codes[n1], codes[n2]], freq_weights=[f[n1], f[n2]],
                                       multiplicity=None if clustered else f)
        V = stacked_logit_cluster_cov([X1, X2], [y1, y2], b, [(acc if clustered else np.arange(len(rows)))[m]
                                                              for m in (m1, m2)])
        np.testing.assert_allclose(Vw, V, rtol=1e-9, atol=1e-14)


def test_transition_drivers_on_an_engine_table_check_their_input(con, resp):
    td = kr.drivers.transition_drivers
    t = con.create_table("r_tr_bad", resp.assign(word="x", high=resp["ltr"] + 1.0), overwrite=True)
    with pytest.raises(DataError, match=r"r_tr_bad \(duckdb [\d.]+\).*column 'nope'.*"
                                        r"transition_drivers: no column 'nope' in the table"):
        td(t, drivers=["trust", "nope"])
    with pytest.raises(DataError, match=r"r_tr_bad \(duckdb [\d.]+\).*column 'high'.*values must be between "
                                        r"0 and 10.*11"):
        td(t, drivers=ALL, outcome="high")
    with pytest.raises(DataError, match=r"column 'word'.*values are not numbers"):
        td(t, drivers=["trust", "word"])
    with pytest.raises(ParameterError, match=r"bootstrap of respondents needs the rows"):
        td(t, drivers=ALL, n_boot=10)
    no_pro = con.create_table("r_tr_nopro", resp[resp["ltr"] <= 8], overwrite=True)
    with pytest.raises(DataError, match=r"r_tr_nopro.*column 'ltr': transition_drivers: there are no "
                                        r"promoters \(score 9-10\)"):
        td(no_pro, drivers=ALL)
    rng = np.random.default_rng(0)
    x = rng.integers(1, 8, 200).astype(float)
    sep = pd.DataFrame({"ltr": np.where(x >= 5, 9, np.where(x >= 3, 7, 3)), "a": x, "b": rng.normal(size=200)})
    with pytest.raises(DataError, match=r"r_tr_sep.*transition_drivers: the logistic regression for the "
                                        r"detractor_to_passive transition did not converge .* "
                                        r"separate detractors from passives"):
        td(con.create_table("r_tr_sep", sep, overwrite=True), drivers=["a", "b"])


# ---------------------------------------------------------------------------
# Spark (short: the queries are the DuckDB ones above, run by Spark's GROUP BY)
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sdf(spark, resp):
    cols = ["account_id", "ltr", *ALL]
    return spark.createDataFrame(resp[cols])


@pytest.mark.spark
def test_importance_performance_on_spark_equals_in_memory(sdf, resp):
    kw = dict(drivers=ALL, cluster="account_id", n_boot=100, random_state=3)
    assert_same_result(kr.drivers.importance_performance(sdf, **kw),
                       kr.drivers.importance_performance(resp, **kw), IPA_FIELDS)


@pytest.mark.spark
def test_transition_drivers_on_spark_equal_in_memory(sdf, resp):
    kw = dict(drivers=ALL, cluster="account_id", n_boot=50, random_state=3)
    assert_same_transitions(kr.drivers.transition_drivers(sdf, **kw),
                            kr.drivers.transition_drivers(resp, **kw))
