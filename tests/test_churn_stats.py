"""Golden and property tests of the churn pieces of the statistics core.

Modules: :mod:`kapta_research.stats.auc`, :mod:`kapta_research.stats.logistic`,
:mod:`kapta_research.stats.survival`, and the rate-difference interval of
:func:`kapta_research.churn.churn_by_category` (``reference=``).

Golden values were computed once by hand with ``tests/data/churn_golden.R``
(``Rscript tests/data/churn_golden.R``) in R 4.2.2 Patched (2022-11-10 r83330)
with pROC 1.18.0, survival 3.5.3 and sandwich 3.0.2 (Debian packages
r-base-core, r-cran-proc, r-cran-survival, r-cran-sandwich); the tests never
call R.  The R call behind each value is quoted beside it.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kapta_research.churn import churn_by_category
from kapta_research.errors import DataError, KaptaWarning, ParameterError
from kapta_research.stats.auc import cluster_bootstrap_aucs, delong, weighted_auc, weighted_aucs
from kapta_research.stats.logistic import fit_logit, logit_cluster_cov
from kapta_research.stats.survival import cox_score_residuals, harrell_c

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def asah():
    data = pd.read_csv(DATA / "aSAH.csv")
    return data.assign(y=(data["outcome"] == "Poor").astype(float))


@pytest.fixture(scope="module")
def rossi():
    return pd.read_csv(DATA / "rossi.csv")


# ---------------------------------------------------------------------------
# stats/auc.py
# ---------------------------------------------------------------------------

# R: r <- roc(a$y, a$s100b, levels = c(0, 1), direction = "<"); auc(r); var(r, method = "delong")
PROC = {"s100b": (0.731368563685637, 0.00266868245717244),
        "wfns": (0.823678861788618, 0.00146991470882363)}


@pytest.mark.parametrize("marker", ["s100b", "wfns"])
def test_delong_auc_and_variance_match_proc(asah, marker):
    auc, cov = delong(asah["y"].to_numpy(), asah[marker].to_numpy(float)[None, :])
    assert auc[0] == pytest.approx(PROC[marker][0], abs=1e-12)
    assert cov[0, 0] == pytest.approx(PROC[marker][1], rel=1e-10)


def test_weighted_auc_equals_proc_auc_of_repeated_rows(asah):
    # R: w <- ((seq_len(nrow(a)) - 1) %% 3) + 1; e <- a[rep(seq_len(nrow(a)), w), ]
    #    auc(roc(e$y, e$s100b, levels = c(0, 1), direction = "<"))  -> 0.729594434074325
    w = (np.arange(len(asah)) % 3 + 1).astype(float)
    levels, codes = np.unique(asah["s100b"].to_numpy(float), return_inverse=True)
    assert weighted_auc(codes, len(levels), asah["y"].to_numpy(), w) == pytest.approx(0.729594434074325,
                                                                                      abs=1e-12)


def test_weighted_aucs_are_nan_when_a_class_has_no_weight():
    y = np.array([0.0, 1.0, 0.0, 1.0])
    W = np.array([[1, 1, 1, 1], [1, 0, 1, 0], [0, 2, 0, 1]], dtype=float)
    out = weighted_aucs(np.array([0, 1, 2, 3]), 4, y, W)
    assert out[0] == pytest.approx(0.75) and np.isnan(out[1]) and np.isnan(out[2])


def test_cluster_bootstrap_counts_one_class_replicates_instead_of_dropping_them():
    # 4 clusters, only one holds the single event: a resample misses it with probability
    # (3/4)^4 = 0.316, so about a third of the replicates have no AUC.  They are counted
    # (n_failed) and a KaptaWarning says so; before, _snapshot.py skipped them silently.
    y = np.array([1.0, 0, 0, 0, 0, 0, 0, 0])
    s = np.arange(8.0)[None, :]
    codes = np.repeat(np.arange(4), 2)
    with pytest.warns(KaptaWarning, match=r"of 2000 bootstrap replicates were dropped because only "
                                          r"churned or only retained rows were drawn"):
        res = cluster_bootstrap_aucs(y, s, codes, n_boot=2000, random_state=0)
    assert res.n_boot == 2000 and res.replicates.shape == (2000 - res.n_failed, 1)
    assert res.n_failed / 2000 == pytest.approx(0.75 ** 4, abs=0.04)


def test_cluster_bootstrap_with_no_two_class_replicate_is_a_clear_error():
    with pytest.raises(DataError, match=r"none of the 200 bootstrap replicates could be estimated"):
        cluster_bootstrap_aucs(np.array([1.0, 1.0, 1.0, 1.0]), np.array([[1.0, 2, 3, 4]]),
                               np.array([0, 0, 1, 1]), n_boot=200, random_state=0)
    with pytest.raises(DataError, match=r"the bootstrap needs at least 2 clusters; the rows belong to 1"):
        cluster_bootstrap_aucs(np.array([1.0, 1.0, 0.0, 0.0]), np.array([[1.0, 2, 3, 4]]),
                               np.array([0, 0, 0, 0]), n_boot=200, random_state=0)


def test_cluster_bootstrap_is_reproducible_and_rows_as_clusters_match_delong_se(asah):
    y, s = asah["y"].to_numpy(), asah["s100b"].to_numpy(float)[None, :]
    a = cluster_bootstrap_aucs(y, s, np.arange(len(y)), n_boot=2000, random_state=3)
    b = cluster_bootstrap_aucs(y, s, np.arange(len(y)), n_boot=2000, random_state=3)
    np.testing.assert_array_equal(a.replicates, b.replicates)
    # a row bootstrap's SE is close to DeLong's (both estimate the same sampling SD)
    assert a.replicates[:, 0].std(ddof=1) == pytest.approx(np.sqrt(PROC["s100b"][1]), rel=0.1)


# ---------------------------------------------------------------------------
# stats/logistic.py
# ---------------------------------------------------------------------------

# R: a$cl <- (seq_len(nrow(a)) - 1) %% 20; f <- glm(y ~ s100b + age, family = binomial, data = a)
#    coef(f); sqrt(diag(vcov(f))); v <- sandwich::vcovCL(f, cluster = ~cl, type = "HC1")
GLM_COEF = [-2.8245085741395823, 4.6621346635044905, 0.0216240329608458]
GLM_SE = [0.9142744725726022, 1.1919259421421566, 0.0166100324711481]
CRV1_SE = [0.8396273400420424, 1.1285010736316090, 0.0126695363781485]
CRV1_COV12 = -0.000463228792232422  # v[2, 3]: s100b with age


def test_fit_logit_matches_r_glm_and_its_crv1_covariance_matches_sandwich(asah):
    X = asah[["s100b", "age"]].to_numpy(float)
    res = fit_logit(asah["y"].to_numpy(), X, func="test", what="model")
    np.testing.assert_allclose(res.params, GLM_COEF, rtol=1e-7)
    np.testing.assert_allclose(res.bse, GLM_SE, rtol=1e-6)
    codes = np.arange(len(asah)) % 20
    cov = logit_cluster_cov(res, codes)
    np.testing.assert_allclose(np.sqrt(np.diag(cov)), CRV1_SE, rtol=1e-6)
    assert cov[1, 2] == pytest.approx(CRV1_COV12, rel=1e-5)  # R glm stops at epsilon = 1e-8
    # with groups the fit carries the same CRV1 covariance (statsmodels' cluster fit)
    clustered = fit_logit(asah["y"].to_numpy(), X, func="test", what="model", groups=codes)
    np.testing.assert_allclose(clustered.cov_params(), cov, rtol=1e-8)


def test_fit_logit_refuses_separated_data_with_the_models_name():
    x = np.arange(20.0)
    y = (x >= 10).astype(float)
    with pytest.raises(DataError, match=r"file accounts\.csv: f: the logistic model 'm' \(x\) did not converge "
                                        r"to a finite estimate: its predictors perfectly \(or almost perfectly\) "
                                        r"separate churned from retained accounts"):
        fit_logit(y, x[:, None], func="f", what="model 'm' (x)", between="churned from retained accounts",
                  file="accounts.csv")


def test_fit_logit_failure_is_a_convergence_error():
    from kapta_research.errors import ConvergenceError
    x = np.arange(20.0)
    with pytest.raises(ConvergenceError, match="did not converge"):
        fit_logit((x >= 10).astype(float), x[:, None], func="f", what="model")


# ---------------------------------------------------------------------------
# stats/survival.py
# ---------------------------------------------------------------------------

# R: fc <- coxph(Surv(week, arrest) ~ fin + age + prio, data = ro, ties = t)
#    residuals(fc, type = "score")[c(1, 2, 50, 432), ]
R_SCORE_RESID = {
    "efron": [[-0.3797227663968625, 3.9425749105268033, -0.7825782909357193],
              [-0.3347707400449695, -3.7999525805073247, 3.4012547196758320],
              [-0.0860125776310353, -0.6277942119186998, 0.5577212030395087],
              [-0.1158970995116231, -0.2440010062715741, 0.5508591125567743]],
    "breslow": [[-0.3794603578768063, 3.9155729537254578, -0.7681872500648913],
                [-0.3304159065397073, -3.7637908752850042, 3.3659452643984116],
                [-0.0859339482490631, -0.6272653683323175, 0.5571769231811053],
                [-0.1156848336268276, -0.2436388832071906, 0.5498118933994885]],
}


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_cox_score_residuals_match_r_survival(rossi, ties):
    from statsmodels.duration.hazard_regression import PHReg

    X = rossi[["fin", "age", "prio"]].to_numpy(float)
    time, event = rossi["week"].to_numpy(float), rossi["arrest"].to_numpy(float)
    beta = PHReg(time, X, status=event, ties=ties).fit().params
    resid = cox_score_residuals(time, event, X, beta, ties)
    np.testing.assert_allclose(resid[[0, 1, 49, 431]], R_SCORE_RESID[ties], rtol=1e-5, atol=1e-7)


def test_harrell_c_counts_ties_half_and_pairs_by_the_shorter_time():
    # pairs (i shorter with event): (0,1) concordant, (0,2) tied score, (1,2) discordant -> (1 + .5) / 3
    assert harrell_c([1, 2, 3], [1, 1, 0], [2.0, 1.0, 2.0]) == pytest.approx(1.5 / 3)
    assert np.isnan(harrell_c([1, 2], [0, 0], [1.0, 2.0]))


# ---------------------------------------------------------------------------
# churn_by_category(reference=...): difference of churn rates
# ---------------------------------------------------------------------------

# R: Newcombe (1998) method 10 (MOVER of the two Wilson intervals), limits from
#    prop.test(x, n, correct = FALSE)$conf.int  (see mover() in tests/data/churn_golden.R).
#    They equal Newcombe (1998), Stat. Med. 17:873, Table II, method 10, to the 4 decimals printed.
NEWCOMBE = [((56, 70, 48, 80), (0.0524314724023649, 0.3338726540369059)),
            ((9, 10, 3, 10), (0.170522723934503, 0.809017973535488)),
            ((6, 7, 2, 7), (0.0582279274823123, 0.8062496375242277)),
            ((5, 56, 0, 29), (-0.0381371479035369, 0.1925600138551116)),
            ((0, 10, 0, 20), (-0.161125158052819, 0.277532799862889)),
            ((10, 10, 0, 20), (0.679086037141915, 1.0))]


def _two_groups(x1, n1, x2, n2):
    return pd.DataFrame({"band": ["a"] * n1 + ["b"] * n2,
                         "churned": [1] * x1 + [0] * (n1 - x1) + [1] * x2 + [0] * (n2 - x2)})


@pytest.mark.parametrize("counts, limits", NEWCOMBE)
def test_rate_difference_is_newcombes_hybrid_score_interval(counts, limits):
    t = churn_by_category(_two_groups(*counts), predictor="band", reference="b").set_index("level")
    x1, n1, x2, n2 = counts
    assert t.loc["a", "rate_diff"] == pytest.approx(x1 / n1 - x2 / n2, abs=1e-15)
    assert t.loc["a", "rate_diff_ci_low"] == pytest.approx(limits[0], abs=1e-12)
    assert t.loc["a", "rate_diff_ci_high"] == pytest.approx(limits[1], abs=1e-12)
    assert t.loc["b", "rate_diff"] == 0.0
    assert t.loc["b", ["rate_diff_ci_low", "rate_diff_ci_high", "p_value"]].isna().all()


@pytest.mark.parametrize("confidence", [0.8, 0.9, 0.95, 0.99])
def test_rate_difference_p_value_agrees_with_its_interval(confidence):
    rng = np.random.default_rng(4)
    for _ in range(10):
        n1, n2 = rng.integers(5, 60, 2)
        x1, x2 = rng.integers(0, n1 + 1), rng.integers(0, n2 + 1)
        t = churn_by_category(_two_groups(int(x1), int(n1), int(x2), int(n2)), predictor="band",
                              reference="b", confidence=confidence).set_index("level").loc["a"]
        excludes = t["rate_diff_ci_low"] > 0 or t["rate_diff_ci_high"] < 0
        if t["rate_diff"] != 0:
            assert (t["p_value"] < 1 - confidence) == excludes
        assert -1 <= t["rate_diff_ci_low"] <= t["rate_diff"] <= t["rate_diff_ci_high"] <= 1


def test_rate_difference_p_value_is_close_to_the_two_proportion_z_test():
    # Large groups: the inverted score interval and Pearson's chi-squared test agree closely.
    from scipy import stats
    t = churn_by_category(_two_groups(300, 1000, 250, 1000), predictor="band",
                          reference="b").set_index("level").loc["a"]
    p = stats.chi2_contingency([[300, 700], [250, 750]], correction=False)[1]
    assert t["p_value"] == pytest.approx(p, rel=0.05)


def test_rate_difference_uses_the_correlation_of_accounts_in_both_bands():
    # Every account appears once in each band (two snapshot dates) and churn is an account
    # trait, so the two rates move together: the paired (clustered) interval is narrower than
    # the independent one, and wider intervals come from clustering within a band.
    rng = np.random.default_rng(1)
    g = 200
    trait = rng.random(g) < 0.3
    flip = rng.random(g) < 0.1
    df = pd.DataFrame({"account": np.r_[np.arange(g), np.arange(g)],
                       "band": ["a"] * g + ["b"] * g,
                       "churned": np.r_[trait, trait ^ flip].astype(int)})
    indep = churn_by_category(df.assign(account=np.arange(2 * g)), predictor="band", reference="b",
                              cluster="account").set_index("level").loc["a"]
    paired = churn_by_category(df, predictor="band", reference="b",
                               cluster="account").set_index("level").loc["a"]
    assert paired["rate_diff"] == pytest.approx(indep["rate_diff"])
    width = paired["rate_diff_ci_high"] - paired["rate_diff_ci_low"]
    assert width < 0.6 * (indep["rate_diff_ci_high"] - indep["rate_diff_ci_low"])


@pytest.mark.slow
def test_clustered_rate_difference_covers_at_its_nominal_level():
    # Simulation with a known truth: 120 accounts seen at three dates; an account's churn
    # propensity persists across dates and moves it between bands.  True difference 0.1.
    rng = np.random.default_rng(11)
    hits = n_sim = 0
    for _ in range(300):
        g = 120
        u = rng.normal(size=g)
        rows = []
        for _date in range(3):
            band = np.where(rng.random(g) < 0.5, "low", "high")
            p = 1 / (1 + np.exp(-(-1.5 + 1.2 * u))) + np.where(band == "low", 0.05, -0.05)
            rows.append(pd.DataFrame({"account": np.arange(g), "band": band,
                                      "churned": (rng.random(g) < np.clip(p, 0, 1)).astype(int)}))
        df = pd.concat(rows, ignore_index=True)
        t = churn_by_category(df, predictor="band", reference="high",
                              cluster="account").set_index("level").loc["low"]
        hits += t["rate_diff_ci_low"] <= 0.1 <= t["rate_diff_ci_high"]
        n_sim += 1
    assert 0.91 <= hits / n_sim <= 0.98


def test_reference_must_be_a_present_category_or_a_bin_number():
    df = _two_groups(3, 10, 2, 10)
    with pytest.raises(ParameterError, match=r"The 'reference' parameter of churn_by_category must be one of "
                                             r"the categories present \('a', 'b'\)\. Got 'c' instead\."):
        churn_by_category(df, predictor="band", reference="c")
    num = pd.DataFrame({"x": np.arange(20.0), "churned": [0, 1] * 10})
    with pytest.raises(ParameterError, match=r"'reference' parameter of churn_by_category must be a bin number "
                                             r"from 1 to 4 for a numeric predictor\. Got 5 instead\."):
        churn_by_category(num, predictor="x", bins=4, reference=5)
    t = churn_by_category(num, predictor="x", bins=4, reference=1)
    assert t.loc[0, "rate_diff"] == 0.0 and list(t["bin"]) == [1, 2, 3, 4]


def test_n_excluded_and_n_outside_bins_are_columns_not_attrs():
    num = pd.DataFrame({"x": [1.0, 2, 3, 4, np.nan, 9], "churned": [0, 1, 0, 1, 1, 0]})
    t = churn_by_category(num, predictor="x", bins=[0, 2, 5])
    assert list(t["n_excluded"]) == [1, 1] and list(t["n_outside_bins"]) == [1, 1]
    assert t.attrs == {}


def test_cluster_must_be_a_column_name():
    with pytest.raises(ParameterError, match=r"The 'cluster' parameter of churn_by_category must be a column "
                                             r"name \(str\) or None\. Got True instead\."):
        churn_by_category(_two_groups(3, 10, 2, 10), predictor="band", cluster=True)


@pytest.mark.parametrize("func", ["churn_by_category", "predictive_value", "cox", "survival_curves"])
def test_all_missing_outcome_says_churn_outcomes_are_missing(func):
    import kapta_research.churn as churn
    df = pd.DataFrame({"band": ["a", "b"] * 10, "nps": np.arange(20.0), "days": np.arange(1.0, 21),
                       "churned": pd.array([pd.NA] * 20, dtype="boolean")})
    call = {"churn_by_category": lambda: churn.churn_by_category(df, predictor="band"),
            "predictive_value": lambda: churn.predictive_value(df, models={"m": ["nps"]}),
            "cox": lambda: churn.cox(df, duration="days", event="churned", covariates=["nps"]),
            "survival_curves": lambda: churn.survival_curves(df, duration="days", event="churned")}[func]
    with pytest.raises(DataError, match=rf"column 'churned': {func}: churn outcomes are missing: the column "
                                        r"has no value in any row"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            call()


def test_clustered_rate_difference_stays_bounded_and_agrees_with_its_p_value():
    rng = np.random.default_rng(8)
    for _ in range(15):
        n = int(rng.integers(20, 120))
        df = pd.DataFrame({"account": rng.integers(0, max(3, n // 3), n),
                           "band": rng.choice(["a", "b", "c"], n),
                           "churned": (rng.random(n) < rng.uniform(0.05, 0.6)).astype(int)})
        t = churn_by_category(df, predictor="band", reference="a", cluster="account", confidence=0.9)
        for _, row in t[t["level"] != "a"].iterrows():
            assert -1 <= row["rate_diff_ci_low"] <= row["rate_diff"] <= row["rate_diff_ci_high"] <= 1
            if row["rate_diff"] != 0:
                excludes = row["rate_diff_ci_low"] > 0 or row["rate_diff_ci_high"] < 0
                assert (row["p_value"] < 0.1) == excludes


def test_a_one_account_category_gets_no_interval_and_no_test():
    # Review finding (2026-12-01): 20 snapshots of one account were treated as 20 independent rows
    # (interval 0.11-0.47, "significant" against the reference).  One account has no
    # between-account variation: like nps() and response_rates(), no interval and no p-value.
    rng = np.random.default_rng(3)
    big = pd.DataFrame({"band": "big", "account_id": [f"a{i % 40}" for i in range(120)],
                        "churned": rng.random(120) < 0.1})
    one = pd.DataFrame({"band": "one", "account_id": "solo", "churned": [True] * 5 + [False] * 15})
    t = churn_by_category(pd.concat([big, one], ignore_index=True), predictor="band",
                          cluster="account_id", reference="big").set_index("level")
    assert t.loc["one", "n_clusters"] == 1 and t.loc["one", "churn_rate"] == pytest.approx(0.25)
    assert np.isnan(t.loc["one", ["ci_low", "ci_high", "p_value"]].astype(float)).all()
    assert np.isfinite(t.loc["big", ["ci_low", "ci_high"]].astype(float)).all()


def test_clustered_churn_rate_interval_has_the_t_correction():
    # 4 accounts x 10 snapshots: the Wilson interval on n_eff * (z / t_3)^2 (Korn & Graubard 1998)
    from scipy import stats
    from kapta_research.stats.clustered import ratio_mean_variance
    from kapta_research.stats.intervals import wilson_interval
    y = np.array([1, 0, 0, 0, 0, 0, 0, 0, 0, 0] * 2 + [1, 1, 0, 0, 0, 0, 0, 0, 0, 0] * 2, dtype=bool)
    acc = np.repeat(["a", "b", "c", "d"], 10)
    t = churn_by_category(pd.DataFrame({"band": "x", "account_id": acc, "churned": y}), predictor="band",
                          cluster="account_id").iloc[0]
    p = y.mean()
    v = ratio_mean_variance(y.astype(float), cluster=acc).variance
    n_eff = min(p * (1 - p) / v, 40) * (stats.norm.ppf(0.975) / stats.t.ppf(0.975, 3)) ** 2
    lo, hi = wilson_interval(p * n_eff, n_eff, confidence=0.95)
    assert (t["ci_low"], t["ci_high"]) == (pytest.approx(lo, rel=1e-12), pytest.approx(hi, rel=1e-12))
