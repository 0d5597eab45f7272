"""Unit tests of the statistics core (kapta_research.stats) and the domain rules.

References used as golden values:
* statsmodels OLS/WLS with ``cov_type="cluster"`` (CRV1) for cluster-robust variances;
* statsmodels ``proportion_confint(method="wilson")`` and the published Wilson interval of
  Newcombe (1998, Stat Med 17:857, example 81/263 -> 0.2553 to 0.3662);
* Newcombe (1998, Stat Med 17:873, Table II, 56/70 - 48/80): method 10 (MOVER with Wilson
  intervals) 0.0524 to 0.3339;
* statsmodels ``multipletests(method="holm")``;
* R values (survey::svymean, prop.test) in tests/test_stats_r.py where R is recorded.
Simulations with a known truth check coverage of the CRV1 Wald interval and of the bootstrap.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sst
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from kapta_research import rules
from kapta_research.errors import ConvergenceError, DataError, KaptaError, KaptaWarning
from kapta_research.stats import clustered, design, intervals, multiplicity, resample


def clustered_sample(rng, G=40, icc_sd=1.0, weighted=False):
    sizes = rng.integers(1, 8, G)
    codes = np.repeat(np.arange(G), sizes)
    y = (rng.normal(size=G)[codes] * icc_sd + rng.normal(size=len(codes)) > 0.3).astype(float)
    w = rng.uniform(0.5, 2.0, len(codes)) if weighted else None
    return y, w, codes


# ---------------------------------------------------------------------------
# clustered
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("weighted", [False, True])
def test_ratio_mean_variance_equals_statsmodels_crv1(weighted):
    rng = np.random.default_rng(1)
    y, w, codes = clustered_sample(rng, weighted=weighted)
    model = sm.WLS(y, np.ones(len(y)), weights=w) if weighted else sm.OLS(y, np.ones(len(y)))
    fit = model.fit(cov_type="cluster", cov_kwds={"groups": codes})  # G/(G-1)(N-1)/(N-K), K=1
    r = clustered.ratio_mean_variance(y, w, cluster=codes)
    assert r.estimate == pytest.approx(fit.params[0], abs=1e-12)
    assert r.se == pytest.approx(fit.bse[0], rel=1e-10)
    assert r.n_clusters == 40


def test_ratio_mean_variance_without_clusters_is_hc0():
    rng = np.random.default_rng(2)
    y, w, _ = clustered_sample(rng, weighted=True)
    fit = sm.WLS(y, np.ones(len(y)), weights=w).fit(cov_type="HC0")
    r = clustered.ratio_mean_variance(y, w)
    assert r.se == pytest.approx(fit.bse[0], rel=1e-10) and r.n_clusters == len(y)


def test_one_cluster_has_no_variance():
    r = clustered.ratio_mean_variance([1.0, 0.0, 1.0], cluster=["a", "a", "a"])
    assert r.estimate == pytest.approx(2 / 3) and np.isnan(r.variance) and np.isnan(r.se)
    assert np.isnan(clustered.crv1_factor(1)) and clustered.crv1_factor(4) == 4 / 3


def test_difference_with_shared_clusters_equals_statsmodels_dummy_regression():
    rng = np.random.default_rng(3)
    y, _, codes = clustered_sample(rng, G=50)
    grp = rng.integers(0, 2, len(y))            # both groups draw on the same clusters
    X = sm.add_constant(grp.astype(float))
    raw = sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": codes, "use_correction": False})
    G = len(np.unique(codes))
    r = clustered.ratio_mean_difference_variance(y[grp == 1], y[grp == 0], cluster_a=codes[grp == 1],
                                                 cluster_b=codes[grp == 0])
    assert r.estimate == pytest.approx(raw.params[1], abs=1e-12)
    assert r.variance == pytest.approx(G / (G - 1) * raw.bse[1] ** 2, rel=1e-10)


def test_difference_of_independent_groups_adds_variances():
    a, b = np.array([1.0, 0, 1, 1, 0]), np.array([0.0, 0, 1])
    r = clustered.ratio_mean_difference_variance(a, b)
    va = clustered.ratio_mean_variance(a).variance
    vb = clustered.ratio_mean_variance(b).variance
    assert r.variance == pytest.approx(va + vb, rel=1e-14)
    with pytest.raises(ValueError, match="give clusters for both groups or for neither"):
        clustered.ratio_mean_difference_variance(a, b, cluster_a=[0] * 5)


@pytest.mark.parametrize("weighted", [False, True])
def test_ratio_mean_correlation_equals_statsmodels_joint_cluster_covariance(weighted):
    """Reference: (W)LS of y on the two group dummies (no constant) has the group means as
    coefficients; their cluster-robust covariance (statsmodels ``cov_type="cluster"``) gives
    the correlation, the CRV1 factor cancelling.  Rows are split so that clusters are shared."""
    rng = np.random.default_rng(11)
    y, w, codes = clustered_sample(rng, G=40, weighted=True)
    w = w if weighted else np.ones_like(y)
    grp = rng.integers(0, 2, len(y))
    X = np.column_stack([grp == 1, grp == 0]).astype(float)
    fit = sm.WLS(y, X, weights=w).fit(cov_type="cluster", cov_kwds={"groups": codes})
    V = np.asarray(fit.cov_params())
    expected = V[0, 1] / np.sqrt(V[0, 0] * V[1, 1])
    a, b = grp == 1, grp == 0
    r = clustered.ratio_mean_correlation(y[a], y[b], w_a=w[a], w_b=w[b], cluster_a=codes[a],
                                         cluster_b=codes[b])
    assert r == pytest.approx(expected, rel=1e-10)
    assert -1 <= r <= 1


def test_ratio_mean_correlation_hand_value_and_edges():
    # hand: scores a = (1, -2, 1)/9 in clusters x, y, z; b = (1, -1)/4 in x, y:
    # r = (1/36 + 2/36) / sqrt(6/81 * 1/8) = sqrt(3)/2
    r = clustered.ratio_mean_correlation([1, 0, 1], [1, 0], cluster_a=["x", "y", "z"],
                                         cluster_b=["x", "y"])
    assert r == pytest.approx(np.sqrt(3) / 2, rel=1e-14)
    # no shared cluster: independent; same rows: perfectly correlated; constant group: 0
    assert clustered.ratio_mean_correlation([1, 0], [0, 1], cluster_a=["a", "b"],
                                            cluster_b=["c", "d"]) == 0.0
    assert clustered.ratio_mean_correlation([1, 0, 1], [1, 0, 1], cluster_a=[1, 2, 3],
                                            cluster_b=[1, 2, 3]) == pytest.approx(1.0)
    assert clustered.ratio_mean_correlation([1, 1], [0, 1], cluster_a=["a", "b"],
                                            cluster_b=["a", "b"]) == 0.0


def test_ratio_mean_correlation_recovers_a_known_shared_cluster_effect():
    """Known truth: one row per account in each group, y = u_account + e with Var(u) = Var(e) = 1,
    so Corr(m_a, m_b) = Var(u) / (Var(u) + Var(e)) = 0.5."""
    rng = np.random.default_rng(5)
    G = 20_000
    u = rng.normal(size=G)
    ya, yb = u + rng.normal(size=G), u + rng.normal(size=G)
    ids = np.arange(G)
    r = clustered.ratio_mean_correlation(ya, yb, cluster_a=ids, cluster_b=ids)
    assert r == pytest.approx(0.5, abs=0.02)


def test_cluster_codes_reject_missing_labels():
    with pytest.raises(ValueError, match="cluster labels must not be missing"):
        clustered.cluster_codes(["a", None])


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10 ** 6), scale=st.floats(0.1, 10))
def test_variance_invariances(seed, scale):
    """Relabelling clusters, reordering rows and scaling weights change nothing."""
    rng = np.random.default_rng(seed)
    y, w, codes = clustered_sample(rng, G=12, weighted=True)
    base = clustered.ratio_mean_variance(y, w, cluster=codes)
    perm = rng.permutation(len(y))
    relabel = rng.permutation(12)[codes]
    other = clustered.ratio_mean_variance(y[perm], scale * w[perm], cluster=relabel[perm])
    assert other.estimate == pytest.approx(base.estimate, abs=1e-12)
    assert other.variance == pytest.approx(base.variance, rel=1e-9, abs=1e-15)


@pytest.mark.slow
def test_crv1_wald_interval_covers_the_true_mean():
    """Known truth: clusters with a random effect; the t(G-1) Wald interval covers ~95 %."""
    rng = np.random.default_rng(20)
    G, reps, hits = 30, 1500, 0
    truth = None
    for _ in range(reps):
        sizes = rng.integers(2, 9, G)
        codes = np.repeat(np.arange(G), sizes)
        y = rng.normal(size=G)[codes] + rng.normal(size=len(codes))
        truth = 0.0
        r = clustered.ratio_mean_variance(y, cluster=codes)
        lo, hi = intervals.wald_interval(r.estimate, r.se, confidence=0.95, df=G - 1)
        hits += lo <= truth <= hi
    cov = hits / reps
    assert 0.93 <= cov <= 0.965, cov


# ---------------------------------------------------------------------------
# design
# ---------------------------------------------------------------------------
def test_design_effect_of_cluster_constant_values_is_m_times_g_over_g_minus_1():
    # y constant within equal clusters of m: V_cl / V_srs = m * G / (G - 1) exactly
    G, m = 10, 4
    codes = np.repeat(np.arange(G), m)
    y = np.repeat(np.arange(G) % 3, m).astype(float)
    v_cl = clustered.ratio_mean_variance(y, cluster=codes).variance
    v_srs = clustered.ratio_mean_variance(y).variance
    assert design.design_effect(v_cl, v_srs) == pytest.approx(m * G / (G - 1), rel=1e-12)


def test_design_effect_floor_and_undefined_cases():
    assert np.isnan(design.design_effect(0.0, 0.0)) and np.isnan(design.design_effect(np.nan, 1.0))
    assert design.effective_n(100, 0.5) == 100          # floored at 1 (Korn & Graubard 1998)
    assert design.effective_n(100, 4.0) == 25
    assert design.effective_n(100, np.nan) == 100
    assert design.worst_case_design_effect([1.0] * 10, [0] * 5 + [1] * 5, 2) == 5.0
    assert design.effective_n(10, np.nan, worst_case=5.0) == 2.0


# ---------------------------------------------------------------------------
# intervals
# ---------------------------------------------------------------------------
def test_critical_values_match_tables():
    assert intervals.critical_value(0.95) == pytest.approx(1.959963985, abs=1e-9)
    assert intervals.critical_value(0.95, df=9) == pytest.approx(2.262157163, abs=1e-9)
    assert intervals.critical_value(0.9, df=np.inf) == pytest.approx(1.644853627, abs=1e-9)


@pytest.mark.parametrize("k,n", [(81, 263), (0, 10), (10, 10), (1, 29), (15, 148), (3.4, 12.7)])
@pytest.mark.parametrize("confidence", [0.9, 0.95])
def test_wilson_equals_statsmodels(k, n, confidence):
    lo, hi = intervals.wilson_interval(k, n, confidence=confidence)
    ref = proportion_confint(k, n, alpha=1 - confidence, method="wilson")
    assert float(lo) == pytest.approx(ref[0], abs=1e-12) and float(hi) == pytest.approx(ref[1], abs=1e-12)


def test_wilson_published_value_and_edges():
    lo, hi = intervals.wilson_interval(81, 263)          # Newcombe (1998) example
    assert (round(float(lo), 4), round(float(hi), 4)) == (0.2553, 0.3662)
    lo, hi = intervals.wilson_interval([0, 7, 0], [7, 7, 0])
    assert lo[0] == 0.0 and hi[1] == 1.0                   # exact edges, no rounding noise
    assert np.isnan(lo[2]) and np.isnan(hi[2])             # n = 0


def test_mover_difference_reproduces_newcombe_method_10():
    a = intervals.wilson_interval(56, 70)
    b = intervals.wilson_interval(48, 80)
    lo, hi = intervals.mover_difference(56 / 70, a, 48 / 80, b)
    assert (round(float(lo), 4), round(float(hi), 4)) == (0.0524, 0.3339)


@settings(max_examples=150, deadline=None)
@given(ca=st.tuples(*[st.integers(0, 15)] * 3), cb=st.tuples(*[st.integers(0, 15)] * 3),
       r=st.floats(-1, 1), confidence=st.floats(0.5, 0.999))
def test_mover_difference_of_score_intervals_respects_the_bounds(ca, cb, r, confidence):
    if sum(ca) == 0 or sum(cb) == 0:
        return
    ea, eb = (ca[0] - ca[2]) / sum(ca), (cb[0] - cb[2]) / sum(cb)
    ia = intervals.nps_score_interval(*ca, confidence=confidence)
    ib = intervals.nps_score_interval(*cb, confidence=confidence)
    lo, hi = intervals.mover_difference(ea, ia, eb, ib, correlation=r)
    assert -2 - 1e-12 <= lo <= ea - eb + 1e-12 and ea - eb - 1e-12 <= hi <= 2 + 1e-12


def test_interval_p_value_inverts_a_wald_interval():
    for d, se in [(0.3, 0.1), (-0.05, 0.2), (2.0, 0.1)]:
        p = intervals.interval_p_value(lambda c: intervals.wald_interval(d, se, confidence=c), d)
        assert p == pytest.approx(max(2 * sst.norm.sf(abs(d) / se), 2 * sst.norm.sf(8)), rel=1e-6)
    assert intervals.interval_p_value(lambda c: (0, 0), 0.0) == 1.0
    assert np.isnan(intervals.interval_p_value(lambda c: (0, 0), np.nan))


@settings(max_examples=40, deadline=None)
@given(ca=st.tuples(*[st.integers(0, 12)] * 3), cb=st.tuples(*[st.integers(0, 12)] * 3),
       confidence=st.floats(0.6, 0.99))
def test_p_value_and_interval_agree(ca, cb, confidence):
    """p < 1 - confidence exactly when the interval at that confidence excludes 0."""
    if sum(ca) == 0 or sum(cb) == 0:
        return
    ea, eb = (ca[0] - ca[2]) / sum(ca), (cb[0] - cb[2]) / sum(cb)

    def at(c):
        return intervals.mover_difference(ea, intervals.nps_score_interval(*ca, confidence=c),
                                          eb, intervals.nps_score_interval(*cb, confidence=c))
    p = intervals.interval_p_value(at, ea - eb)
    lo, hi = at(confidence)
    if abs(p - (1 - confidence)) > 1e-6:
        assert (p < 1 - confidence) == (lo > 0 or hi < 0)


def test_adjusted_wald_hand_computation():
    lo, hi = intervals.nps_adjusted_wald_interval(3, 2, 1)   # (3.75 - 1.75) / 9 = 2/9
    se = np.sqrt(((3.75 + 1.75) / 9 - (2 / 9) ** 2) / 9)
    assert lo == pytest.approx(2 / 9 - 1.959963985 * se) and hi == pytest.approx(2 / 9 + 1.959963985 * se)


# ---------------------------------------------------------------------------
# resample
# ---------------------------------------------------------------------------
def test_bootstrap_counts_do_not_depend_on_the_block_size():
    a = np.concatenate(list(resample.bootstrap_counts(9, 50, random_state=4)))
    b = np.concatenate(list(resample.bootstrap_counts(9, 50, random_state=4, block=7)))
    np.testing.assert_array_equal(a, b)
    assert (a.sum(axis=1) == 9).all()


def test_cluster_bootstrap_se_approximates_crv1():
    rng = np.random.default_rng(5)
    y, _, codes = clustered_sample(rng, G=80)
    res = resample.cluster_bootstrap(lambda w: (w * y).sum() / w.sum(), codes, n_boot=2000, random_state=1)
    crv1 = clustered.ratio_mean_variance(y, cluster=codes).se
    assert res.n_failed == 0 and res.replicates.std(ddof=1) == pytest.approx(crv1, rel=0.1)
    again = resample.cluster_bootstrap(lambda w: (w * y).sum() / w.sum(), codes, n_boot=2000, random_state=1)
    np.testing.assert_array_equal(res.replicates, again.replicates)


def test_vectorized_and_loop_bootstrap_agree():
    y = np.array([1.0, 0, 1, 1, 0, 0, 1, 1])
    codes = np.array([0, 0, 1, 1, 2, 2, 3, 3])
    loop = resample.cluster_bootstrap(lambda w: (w * y).sum() / w.sum(), codes, n_boot=300, random_state=2)
    sums = np.bincount(codes, weights=y)
    vec = resample.cluster_bootstrap(lambda c: ((c @ sums) / (2 * c.sum(axis=1)), np.ones(len(c), bool)),
                                     codes, n_boot=300, random_state=2, vectorized=True)
    np.testing.assert_allclose(loop.replicates, vec.replicates, rtol=1e-12)


def test_failed_replicates_are_counted_and_warned():
    y = np.array([1.0, 1, 1, 1, 0, 0])
    codes = np.array([0, 0, 1, 1, 2, 2])

    def share_of_ones_needs_both(w):
        if (w * y).sum() == 0 or (w * (1 - y)).sum() == 0:
            return np.nan          # one class only: undefined
        return (w * y).sum() / w.sum()
    with pytest.warns(KaptaWarning, match=r"of 400 bootstrap replicates were dropped because one "
                                          r"class only in the resample; the intervals rest on the other"):
        res = resample.cluster_bootstrap(share_of_ones_needs_both, codes, n_boot=400, random_state=0,
                                         reason="one class only")
    assert res.n_failed > 0 and len(res.replicates) == 400 - res.n_failed


def test_all_replicates_failing_raises():
    with pytest.raises(DataError, match=r"none of the 100 bootstrap replicates could be estimated"):
        resample.cluster_bootstrap(lambda w: np.nan, np.array([0, 1, 2]), n_boot=100, random_state=0)
    with pytest.raises(DataError, match=r"the bootstrap needs at least 2 clusters; the rows belong to 1"):
        resample.cluster_bootstrap(lambda w: 1.0, np.array([0, 0]), n_boot=100)


def test_few_failures_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = resample.cluster_bootstrap(lambda w: float(w[0]), None, n_clusters=5, n_boot=50,
                                         random_state=0)
    assert res.n_failed == 0 and res.n_clusters == 5


@pytest.mark.slow
def test_percentile_bootstrap_covers_a_known_mean():
    rng = np.random.default_rng(8)
    hits, reps = 0, 300
    for i in range(reps):
        y, _, codes = clustered_sample(rng, G=40)
        p_true = None
        res = resample.cluster_bootstrap(lambda w: (w * y).sum() / w.sum(), codes, n_boot=400,
                                         random_state=i)
        lo, hi = res.interval(0.9)
        # truth of clustered_sample: P(u + e > 0.3), u, e ~ N(0, 1)
        p_true = sst.norm.sf(0.3 / np.sqrt(2))
        hits += lo <= p_true <= hi
    assert 0.84 <= hits / reps <= 0.95


# ---------------------------------------------------------------------------
# multiplicity
# ---------------------------------------------------------------------------
def test_holm_equals_statsmodels_and_hand_values():
    p = np.array([0.01, 0.04, 0.03, 0.2])
    np.testing.assert_allclose(multiplicity.adjust_p_values(p), multipletests(p, method="holm")[1])
    np.testing.assert_allclose(multiplicity.adjust_p_values(p), [0.04, 0.09, 0.09, 0.2])
    np.testing.assert_array_equal(multiplicity.adjust_p_values(p, method=None), p)
    with pytest.raises(ValueError, match="unknown adjustment 'bonf'"):
        multiplicity.adjust_p_values(p, method="bonf")


# ---------------------------------------------------------------------------
# rules and errors
# ---------------------------------------------------------------------------
def test_category_boundaries():
    assert rules.category_codes(range(11)).tolist() == [-1.0] * 7 + [0.0] * 2 + [1.0] * 2
    assert list(rules.classify([6, 7, 8, 9])) == ["detractor", "passive", "passive", "promoter"]
    assert pd.isna(rules.classify([np.nan])[0])


def test_nps_from_counts_is_exact_for_equal_mixes():
    """Issue 9: mean(100*pro) - mean(100*det) gave 33.333333333333336 in one account and
    33.33333333333333 in another; counts give one value, and +50 is exactly 50."""
    a = rules.nps_value([10, 10, 3])
    b = rules.nps_value([9, 10, 10, 9, 0, 5])
    assert a == b
    assert rules.nps_value([10, 10, 10, 3]) == 50.0
    assert list(rules.nps_band([rules.nps_value([10, 10, 10, 3])])) == ["NPS 50 or more"]
    assert np.isnan(rules.nps_from_counts(0, 0, 0))


def test_followup_window_counts_elapsed_time():
    r = pd.to_datetime(["2024-01-01 09:00"] * 3)
    f = pd.to_datetime(["2024-01-08 09:00:00", "2024-01-08 09:00:01", "2024-01-08 08:00:00"])
    assert rules.followed_up_within(r, f).tolist() == [True, False, True]
    assert rules.FOLLOWUP_WINDOW == pd.Timedelta(days=7)


def test_new_error_types():
    assert issubclass(ConvergenceError, KaptaError) and issubclass(ConvergenceError, ValueError)
    assert issubclass(KaptaWarning, Warning)
