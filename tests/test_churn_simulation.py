"""Simulation checks of kapta_research.churn against a known truth.

Seeded; tolerances are several Monte-Carlo standard errors wide, so the tests
are deterministic and not flaky.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import kapta_research.churn as churn
from kapta_research.churn import _cluster_bootstrap_aucs, _delong

TRUE_BETA = np.array([0.5, -0.7])


def _exponential_cohort(rng, n=300, tie_grid=None):
    """Exponential hazards 0.1 * exp(0.5 x1 - 0.7 x2), uniform censoring on (0, 20)."""
    x1 = rng.normal(size=n)
    x2 = rng.integers(0, 2, n)
    t = rng.exponential(1 / (0.1 * np.exp(TRUE_BETA[0] * x1 + TRUE_BETA[1] * x2)))
    c = rng.uniform(0, 20, n)
    time = np.minimum(t, c)
    if tie_grid is not None:
        time = np.ceil(time / tie_grid) * tie_grid
    return pd.DataFrame({"t": time, "e": (t <= c).astype(int), "x1": x1, "x2": x2})


@pytest.mark.slow
def test_cox_estimates_and_interval_coverage_for_known_log_hazard_ratios():
    rng = np.random.default_rng(20261122)
    n_sim = 300
    est = np.empty((n_sim, 2))
    se = np.empty((n_sim, 2))
    covered = np.empty((n_sim, 2), dtype=bool)
    for i in range(n_sim):
        fit = churn.cox(_exponential_cohort(rng), duration="t", event="e",
                        covariates=["x1", "x2"])
        s = fit.summary
        est[i] = s["coef"]
        se[i] = s["se"]
        covered[i] = (np.log(s["ci_low"]) <= TRUE_BETA) & (TRUE_BETA <= np.log(s["ci_high"]))
    bias = est.mean(axis=0) - TRUE_BETA
    mc_se = est.std(axis=0, ddof=1) / np.sqrt(n_sim)
    assert np.all(np.abs(bias) < 4 * mc_se + 0.02), bias
    # model-based SEs match the spread of the estimates
    np.testing.assert_allclose(se.mean(axis=0), est.std(axis=0, ddof=1), rtol=0.15)
    # 95% intervals: coverage within ~3 binomial SEs of 0.95
    assert np.all((covered.mean(axis=0) > 0.91) & (covered.mean(axis=0) < 0.985)), covered.mean(0)


@pytest.mark.slow
def test_efron_handles_heavy_ties_better_than_breslow():
    # Times rounded up to whole units of a 20-unit follow-up: many ties.  Breslow's
    # approximation is known to shrink coefficients towards 0; Efron's much less.
    rng = np.random.default_rng(7)
    efron, breslow = [], []
    for _ in range(120):
        data = _exponential_cohort(rng, n=400, tie_grid=2.0)
        efron.append(churn.cox(data, duration="t", event="e", covariates=["x1", "x2"]
                               ).summary["coef"].to_numpy())
        breslow.append(churn.cox(data, duration="t", event="e", covariates=["x1", "x2"],
                                 ties="breslow").summary["coef"].to_numpy())
    bias_e = np.abs(np.mean(efron, axis=0) - TRUE_BETA)
    bias_b = np.abs(np.mean(breslow, axis=0) - TRUE_BETA)
    assert np.all(bias_e < bias_b)
    assert np.all(bias_e < 0.05)


def test_cluster_robust_se_of_duplicated_rows_equals_row_robust_se():
    # Each account appears three times (e.g. three respondents).  With Breslow ties the
    # partial likelihood of the tripled data is 3x the original (plus a constant), so
    # the cluster-robust variance must equal the row-robust variance of the original.
    rng = np.random.default_rng(3)
    data = _exponential_cohort(rng, n=250).assign(account=np.arange(250))
    tripled = pd.concat([data] * 3, ignore_index=True)
    one = churn.cox(data, duration="t", event="e", covariates=["x1", "x2"], ties="breslow",
                    cluster="account")
    three = churn.cox(tripled, duration="t", event="e", covariates=["x1", "x2"],
                      ties="breslow", cluster="account")
    naive = churn.cox(tripled, duration="t", event="e", covariates=["x1", "x2"],
                      ties="breslow")
    np.testing.assert_allclose(three.summary["coef"], one.summary["coef"], atol=1e-7)
    np.testing.assert_allclose(three.summary["se"], one.summary["se"], rtol=1e-6)
    # ignoring the clustering understates the SEs by about sqrt(3)
    np.testing.assert_allclose(naive.summary["se"] * np.sqrt(3), one.naive_se, rtol=1e-6)
    assert three.n_clusters == 250


def _null_accounts(rng, n=300):
    nps = rng.integers(0, 11, n).astype(float)
    drivers = rng.normal(5, 1, (n, 3)) + 0.3 * (nps[:, None] - 5)  # correlated with NPS
    lp = -1.9 - 0.2 * (nps - 5)  # churn depends on NPS only (~15 % churn)
    churned = (rng.random(n) < 1 / (1 + np.exp(-lp))).astype(int)
    return pd.DataFrame({"nps": nps, "trust": drivers[:, 0], "value": drivers[:, 1],
                         "ease": drivers[:, 2], "churned": churned})


@pytest.mark.slow
def test_lr_test_of_drivers_over_nps_holds_its_size_under_the_null():
    rng = np.random.default_rng(11)
    n_sim = 200
    p_values = np.empty(n_sim)
    rates = np.empty(n_sim)
    models = {"nps": ["nps"], "nps+drivers": ["nps", "trust", "value", "ease"]}
    for i in range(n_sim):
        data = _null_accounts(rng)
        rates[i] = data["churned"].mean()
        res = churn.predictive_value(data, models=models, base="nps", cv=3, random_state=i)
        p_values[i] = res.summary["lr_p_value"].iloc[1]
    assert 0.10 < rates.mean() < 0.20
    rejection = np.mean(p_values < 0.05)
    assert 0.02 <= rejection <= 0.08, rejection
    # p-values roughly uniform under the null
    assert stats.kstest(p_values, "uniform").pvalue > 0.01


@pytest.mark.slow
def test_cluster_tests_hold_their_size_when_every_account_is_stacked_three_times():
    # Stacked snapshots in the extreme: each of 300 null accounts (churn depends on NPS only)
    # appears three times with identical rows.  The naive LR statistic is then 3x a
    # chi-squared(3) variable, so it rejects in P(chi2_3 > 7.81 / 3) = 46 % of data sets; the
    # cluster-robust tests see 300 independent accounts (~45 with a churn event) and keep ~5 %.
    # Measured with this seed: LR 48 %, Wald 5.0 %, score chi2 4.0 %, score bootstrap 4.0 % of 300
    # (~30 s).
    rng = np.random.default_rng(17)
    n_sim = 300
    lr = np.empty(n_sim)
    wald = np.empty(n_sim)
    boot = np.empty(n_sim)
    models = {"nps": ["nps"], "nps+drivers": ["nps", "trust", "value", "ease"]}
    for i in range(n_sim):
        accounts = _null_accounts(rng).assign(account=np.arange(300))
        stacked = pd.concat([accounts] * 3, ignore_index=True)
        res = churn.predictive_value(stacked, models=models, base="nps", cluster="account",
                                     cv=2, n_boot=199, random_state=i)
        row = res.summary.iloc[1]
        assert row["test_p_value"] == row["score_boot_p_value"]
        lr[i], wald[i], boot[i] = row["lr_p_value"], row["wald_p_value"], row["test_p_value"]
    assert np.mean(lr < 0.05) > 0.35, np.mean(lr < 0.05)
    # within ~2.5 binomial SEs (1.3 points) of 5 %
    assert 0.02 <= np.mean(wald < 0.05) <= 0.08, np.mean(wald < 0.05)
    assert 0.02 <= np.mean(boot < 0.05) <= 0.08, np.mean(boot < 0.05)
    assert stats.kstest(wald, "uniform").pvalue > 0.01


def test_delong_interval_coverage_and_bootstrap_agreement():
    # Binormal scores: negatives N(0, 1), positives N(1, 1); true AUC = Phi(1 / sqrt 2).
    rng = np.random.default_rng(5)
    true_auc = stats.norm.cdf(1 / np.sqrt(2))
    z = stats.norm.ppf(0.975)
    hits = 0
    n_sim = 400
    for _ in range(n_sim):
        y = (rng.random(200) < 0.2).astype(int)
        s = rng.normal(size=200) + y
        auc, cov = _delong(y, s)
        half = z * np.sqrt(cov[0, 0])
        hits += auc[0] - half <= true_auc <= auc[0] + half
    assert 0.925 <= hits / n_sim <= 0.975
    # DeLong SE agrees with a row bootstrap of one larger sample
    y = (rng.random(600) < 0.2).astype(int)
    s = np.round(rng.normal(size=600) + y, 1)
    auc, cov = _delong(y, s)
    boot = _cluster_bootstrap_aucs(y.astype(float), s[None, :], np.arange(600), 2000, rng)
    assert np.nanstd(boot[:, 0], ddof=1) == pytest.approx(np.sqrt(cov[0, 0]), rel=0.1)


@pytest.mark.slow
def test_cluster_bootstrap_covers_when_delong_does_not():
    # 40 clusters of 10 accounts; a cluster effect drives both the score and churn.
    rng = np.random.default_rng(9)

    def draw(n_clusters, size=10):
        u = np.repeat(rng.normal(size=n_clusters), size)
        y = (rng.random(len(u)) < 1 / (1 + np.exp(-(-1.0 + 2.0 * u)))).astype(float)
        s = 0.3 * y + 1.5 * u + rng.normal(size=len(u))
        return y, s, np.repeat(np.arange(n_clusters), size)

    y, s, _ = draw(40_000)
    true_auc = _delong(y, s)[0][0]
    z = stats.norm.ppf(0.975)
    n_sim = 150
    delong_hits = boot_hits = 0
    for _ in range(n_sim):
        y, s, cl = draw(40)
        auc, cov = _delong(y, s)
        half = z * np.sqrt(cov[0, 0])
        delong_hits += auc[0] - half <= true_auc <= auc[0] + half
        boot = _cluster_bootstrap_aucs(y, s[None, :], cl, 400, rng)[:, 0]
        lo, hi = np.nanquantile(boot, [0.025, 0.975])
        boot_hits += lo <= true_auc <= hi
    assert delong_hits / n_sim < 0.85          # ignores clustering: under-covers
    assert 0.88 <= boot_hits / n_sim <= 0.99   # resampling clusters: close to nominal


def test_calibration_slope_flags_overfitting():
    # 12 pure-noise predictors on 150 accounts: out-of-fold predictions are too
    # extreme, so the calibration slope falls well below 1.
    rng = np.random.default_rng(2)
    slopes = []
    for i in range(8):
        X = rng.normal(size=(150, 12))
        data = pd.DataFrame(X, columns=[f"d{j}" for j in range(12)])
        data["nps"] = rng.integers(0, 11, 150).astype(float)
        data["churned"] = (rng.random(150) < 0.3).astype(int)
        res = churn.predictive_value(data, models={"all": [*data.columns[:12], "nps"]},
                                     random_state=i)
        slopes.append(res.summary["calibration_slope"].iloc[0])
    assert np.median(slopes) < 0.5
