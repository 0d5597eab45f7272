"""Tests of kapta_research.churn: golden values from published / R output, invariants, errors.

Data files
----------
tests/data/rossi.csv
    Rossi, Berk & Lenihan (1980) recidivism data, 432 released prisoners
    (week, arrest, fin, age, race, wexp, mar, paro, prio; 0/1 coding with
    race = 1 for black, mar = 1 for married).  Copied from the lifelines
    0.30.3 wheel (lifelines/datasets/rossi.csv, MIT licence); identical to the
    first nine columns of R's carData::Rossi (checked in R 4.2.2, carData 3.0-5).
tests/data/aSAH.csv
    Aneurysmal subarachnoid haemorrhage data of Turck et al. (2010), 113
    patients, shipped with the R package pROC (GPL-3) and used in Robin et al.
    (2011) BMC Bioinformatics 12:77; written with write.csv from pROC 1.18.0.

Reference software used for the golden values below (run once, by hand; the
tests never call R): R 4.2.2 with survival 3.5-3 and pROC 1.18.0.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

import kapta_research.churn as churn
from kapta_research.churn import (
    _cox_score_residuals,
    _delong,
    _harrell_c,
    _weighted_auc,
    _wilson,
)
from kapta_research.errors import DataError, KaptaError, ParameterError

DATA = Path(__file__).parent / "data"
COVARIATES = ["fin", "age", "race", "wexp", "mar", "paro", "prio"]


@pytest.fixture(scope="module")
def rossi():
    return pd.read_csv(DATA / "rossi.csv")


@pytest.fixture(scope="module")
def aml():
    # R survival::aml (Miller 1981, Survival Analysis): maintenance chemotherapy
    # for acute myelogenous leukaemia; the data as listed in survival's
    # tests/difftest.R.
    return pd.DataFrame({
        "time": [9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161,
                 5, 5, 8, 8, 12, 16, 23, 27, 30, 33, 43, 45],
        "status": [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0,
                   1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1],
        "x": ["Maintained"] * 11 + ["Nonmaintained"] * 12,
    }).assign(nonmaintained=lambda d: (d["x"] == "Nonmaintained").astype(int))


@pytest.fixture(scope="module")
def asah():
    data = pd.read_csv(DATA / "aSAH.csv")
    return data.assign(poor=(data["outcome"] == "Poor").astype(int))


def _accounts(seed=0, n=300, churn_logit=None):
    """Synthetic accounts: NPS 0-10, three drivers, cluster = account manager."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "nps": rng.integers(0, 11, n).astype(float),
        "trust": rng.normal(5, 1, n),
        "value": rng.normal(4, 1, n),
        "ease": rng.normal(5, 1.2, n),
        "manager": rng.integers(0, 40, n),
    })
    lp = -1.8 - 0.25 * (df["nps"] - 5) - 0.4 * (df["trust"] - 5) if churn_logit is None \
        else churn_logit(df)
    df["churned"] = (rng.random(n) < 1 / (1 + np.exp(-lp))).astype(int)
    months = rng.exponential(30 * np.exp(0.1 * (df["nps"] - 5)))
    df["months"] = np.minimum(months, 36.0)
    df["left"] = (months < 36).astype(int)
    return df


# ---------------------------------------------------------------------------
# cox: Rossi recidivism data
# ---------------------------------------------------------------------------

# Published: J. Fox & S. Weisberg, "Cox Proportional-Hazards Regression for
# Survival Data in R", appendix to An R Companion to Applied Regression (2nd
# ed., 2011): summary(coxph(Surv(week, arrest) ~ fin + age + race + wexp + mar
# + paro + prio, data = Rossi)), Efron ties.  Coefficients as printed to five
# significant digits and standard errors to five decimals (the same numbers
# are transcribed in lifelines' test suite, tests/test_estimation.py,
# test_coef_output_against_R_super_accurate / test_standard_error_coef_output_against_R).
PUBLISHED_COEF = {"fin": -0.37942, "age": -0.05744, "race": 0.31390, "wexp": -0.14980,
                  "mar": -0.43370, "paro": -0.08487, "prio": 0.09150}
PUBLISHED_SE = {"fin": 0.19138, "age": 0.02200, "race": 0.30799, "wexp": 0.21222,
                "mar": 0.38187, "paro": 0.19576, "prio": 0.02865}
PUBLISHED_Z = {"fin": -1.983, "age": -2.611, "race": 1.019, "wexp": -0.706,
               "mar": -1.136, "paro": -0.434, "prio": 3.194}

# R 4.2.2, survival 3.5-3, full precision (print(cbind(coef(f), sqrt(diag(vcov(f)))),
# digits = 12)); f$loglik; f$concordance["concordance"].
R_EFRON = {
    "coef": [-0.3794221664859, -0.0574377426841, 0.3138997878425, -0.1497956976665,
             -0.4337038779373, -0.0848710825004, 0.0914970809853],
    "se": [0.1913794807135, 0.0219994706007, 0.3079927765574, 0.2122242962486,
           0.3818680576688, 0.1957566719066, 0.0286485499600],
    "loglik": (-675.380632347, -658.747659446),
    "concordance": 0.6403292471,
    "ci_low_fin": 0.470236718, "ci_high_fin": 0.995684064,
}
R_BRESLOW = {
    "coef": [-0.3790218874308, -0.0572459250447, 0.3141297669074, -0.1511146000560,
             -0.4327825737629, -0.0849828352673, 0.0911115420916],
    "se": [0.1913644258598, 0.0219831857251, 0.3080172797370, 0.2121231608837,
           0.3817949352629, 0.1957482073092, 0.0286312529561],
    "loglik": (-675.683389417, -659.120605677),
    "concordance": 0.640423183505,
}


def test_cox_rossi_matches_published_fox_weisberg(rossi):
    fit = churn.cox(rossi, duration="week", event="arrest", covariates=COVARIATES)
    s = fit.summary.set_index("covariate")
    for cov in COVARIATES:
        assert s.loc[cov, "coef"] == pytest.approx(PUBLISHED_COEF[cov], abs=5e-6)
        assert s.loc[cov, "se"] == pytest.approx(PUBLISHED_SE[cov], abs=5e-6)
        assert s.loc[cov, "coef"] / s.loc[cov, "se"] == pytest.approx(PUBLISHED_Z[cov], abs=5e-4)
    assert (fit.n, fit.n_events) == (432, 114)


def test_cox_rossi_efron_matches_r_to_1e6(rossi):
    fit = churn.cox(rossi, duration="week", event="arrest", covariates=COVARIATES,
                    ties="efron")
    np.testing.assert_allclose(fit.summary["coef"], R_EFRON["coef"], atol=1e-6)
    np.testing.assert_allclose(fit.summary["se"], R_EFRON["se"], atol=1e-6)
    assert fit.log_likelihood_null == pytest.approx(R_EFRON["loglik"][0], abs=1e-6)
    assert fit.log_likelihood == pytest.approx(R_EFRON["loglik"][1], abs=1e-6)
    # R: Likelihood ratio test = 33.27 on 7 df, p = 2.362e-05
    assert fit.lr_stat == pytest.approx(2 * (R_EFRON["loglik"][1] - R_EFRON["loglik"][0]),
                                        abs=1e-5)
    assert fit.lr_df == 7
    assert fit.lr_p_value == pytest.approx(2.362e-05, rel=1e-3)
    assert fit.concordance == pytest.approx(R_EFRON["concordance"], abs=1e-9)
    fin = fit.summary.iloc[0]
    assert fin["hazard_ratio"] == pytest.approx(0.6842566814, abs=1e-8)
    assert fin["ci_low"] == pytest.approx(R_EFRON["ci_low_fin"], abs=1e-7)
    assert fin["ci_high"] == pytest.approx(R_EFRON["ci_high_fin"], abs=1e-7)
    assert fin["p_value"] == pytest.approx(0.0474161, abs=1e-7)


def test_cox_rossi_breslow_matches_r(rossi):
    fit = churn.cox(rossi, duration="week", event="arrest", covariates=COVARIATES,
                    ties="breslow")
    np.testing.assert_allclose(fit.summary["coef"], R_BRESLOW["coef"], atol=1e-6)
    np.testing.assert_allclose(fit.summary["se"], R_BRESLOW["se"], atol=1e-6)
    assert fit.log_likelihood == pytest.approx(R_BRESLOW["loglik"][1], abs=1e-6)
    assert fit.concordance == pytest.approx(R_BRESLOW["concordance"], abs=1e-9)


# R: coxph(Surv(week, arrest) ~ fin + age + prio, data = r, ties = ., cluster = cl)
# with cl = (row - 1) %% 40; sqrt(diag(vcov(f))) and sqrt(diag(f$naive.var)).
R_ROBUST = {
    "efron": {"coef": [-0.3469544624420, -0.0671053293401, 0.0968931991448],
              "se": [0.2156904179563, 0.0233985589666, 0.0261479544970],
              "naive": [0.1902472654828, 0.0208505462285, 0.0272533757808]},
    "breslow": {"coef": [-0.3464440240537, -0.0669207692960, 0.0965282765725],
                "se": [0.2146845628160, 0.0233384403886, 0.0259163879072],
                "naive": [0.1902356522803, 0.0208397300814, 0.0272412110309]},
}


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_cox_cluster_robust_se_matches_r(rossi, ties):
    data = rossi.assign(cl=np.arange(len(rossi)) % 40)
    fit = churn.cox(data, duration="week", event="arrest", covariates=["fin", "age", "prio"],
                    ties=ties, cluster="cl")
    ref = R_ROBUST[ties]
    np.testing.assert_allclose(fit.summary["coef"], ref["coef"], atol=1e-6)
    np.testing.assert_allclose(fit.summary["se"], ref["se"], atol=1e-6)
    np.testing.assert_allclose(fit.naive_se, ref["naive"], atol=1e-6)
    assert fit.n_clusters == 40
    z = stats.norm.ppf(0.975)
    np.testing.assert_allclose(fit.summary["ci_high"],
                               np.exp(fit.summary["coef"] + z * fit.summary["se"]))


def test_breslow_score_residuals_agree_with_statsmodels_robust_covariance(rossi):
    # statsmodels' own sandwich (PHReg.fit(groups=...)) is correct for Breslow ties
    # (it matches R above); ours must reproduce it exactly.
    from statsmodels.duration.hazard_regression import PHReg

    X = rossi[["fin", "age", "prio"]].to_numpy(float)
    groups = np.arange(len(rossi)) % 40
    res = PHReg(rossi["week"].to_numpy(float), X, status=rossi["arrest"].to_numpy(float),
                ties="breslow").fit(groups=groups)
    fit = churn.cox(rossi.assign(cl=groups), duration="week", event="arrest",
                    covariates=["fin", "age", "prio"], ties="breslow", cluster="cl")
    np.testing.assert_allclose(fit.cov_params.to_numpy(), res.cov_params(), rtol=1e-8)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_score_residuals_sum_to_zero_at_the_estimate(rossi, ties):
    fit = churn.cox(rossi, duration="week", event="arrest", covariates=COVARIATES, ties=ties)
    resid = _cox_score_residuals(rossi["week"].to_numpy(float), rossi["arrest"].to_numpy(float),
                                 rossi[COVARIATES].to_numpy(float), fit.params.to_numpy(), ties)
    np.testing.assert_allclose(resid.sum(axis=0), 0, atol=1e-6)


def test_cluster_of_singletons_is_the_row_robust_variance(rossi):
    fit = churn.cox(rossi.assign(id=np.arange(len(rossi))), duration="week", event="arrest",
                    covariates=["fin", "prio"], cluster="id")
    assert fit.n_clusters == len(rossi)
    # robust and model-based SEs are close but not equal when the model fits
    np.testing.assert_allclose(fit.summary["se"], fit.naive_se, rtol=0.15)
    assert not np.allclose(fit.summary["se"], fit.naive_se, rtol=1e-6)


# ---------------------------------------------------------------------------
# cox and Kaplan-Meier on the AML data
# ---------------------------------------------------------------------------

def test_cox_aml_matches_survival_package_test_output(aml):
    # survival package, tests/doaml.Rout.save ("results can be found in Miller"):
    # breslow: coef 0.904, se 0.512, LR 3.3; efron: coef 0.916, se 0.512, LR 3.38.
    # Full precision from R 4.2.2 / survival 3.5-3 in the second set of asserts.
    br = churn.cox(aml, duration="time", event="status", covariates=["nonmaintained"],
                   ties="breslow")
    ef = churn.cox(aml, duration="time", event="status", covariates="nonmaintained")
    assert br.summary["coef"][0] == pytest.approx(0.904, abs=5e-4)
    assert br.summary["se"][0] == pytest.approx(0.512, abs=5e-4)
    assert br.lr_stat == pytest.approx(3.3, abs=0.05)
    assert ef.summary["coef"][0] == pytest.approx(0.916, abs=5e-4)
    assert ef.summary["se"][0] == pytest.approx(0.512, abs=5e-4)
    assert ef.lr_stat == pytest.approx(3.38, abs=5e-3)
    assert br.summary["coef"][0] == pytest.approx(0.904219723686, abs=1e-7)
    assert br.summary["se"][0] == pytest.approx(0.512247907304, abs=1e-7)
    assert ef.summary["coef"][0] == pytest.approx(0.915532575015, abs=1e-7)
    assert ef.summary["se"][0] == pytest.approx(0.511934275172, abs=1e-7)
    assert ef.log_likelihood == pytest.approx(-41.0326155965, abs=1e-8)
    assert ef.log_likelihood_null == pytest.approx(-42.7248392628, abs=1e-8)


# R 4.2.2, survival 3.5-3: survfit(Surv(time, status) ~ x, data = aml), default
# conf.type = "log"; columns time, n.risk, n.event, n.censor, surv, lower, upper.
# The event-time rows are also printed (3-4 digits) in survival's tests/doaml.Rout.save.
AML_KM = pd.DataFrame(
    [
        ("Maintained", 9, 11, 1, 0, 0.9090909090909, 0.7541338450815, 1.0),
        ("Maintained", 13, 10, 1, 1, 0.8181818181818, 0.6192489873994, 1.0),
        ("Maintained", 18, 8, 1, 0, 0.7159090909091, 0.4884262874221, 1.0),
        ("Maintained", 23, 7, 1, 0, 0.6136363636364, 0.3768670595017, 0.999157600228),
        ("Maintained", 28, 6, 0, 1, 0.6136363636364, 0.3768670595017, 0.999157600228),
        ("Maintained", 31, 5, 1, 0, 0.4909090909091, 0.2548599511993, 0.945584955200),
        ("Maintained", 34, 4, 1, 0, 0.3681818181818, 0.1548771178972, 0.875260678144),
        ("Maintained", 45, 3, 0, 1, 0.3681818181818, 0.1548771178972, 0.875260678144),
        ("Maintained", 48, 2, 1, 0, 0.1840909090909, 0.0359178984892, 0.943525769475),
        ("Maintained", 161, 1, 0, 1, 0.1840909090909, 0.0359178984892, 0.943525769475),
        ("Nonmaintained", 5, 12, 2, 0, 0.8333333333333, 0.6470369870134, 1.0),
        ("Nonmaintained", 8, 10, 2, 0, 0.6666666666667, 0.4468460811503, 0.994625360259),
        ("Nonmaintained", 12, 8, 1, 0, 0.5833333333333, 0.3616137052104, 0.940998012174),
        ("Nonmaintained", 16, 7, 0, 1, 0.5833333333333, 0.3616137052104, 0.940998012174),
        ("Nonmaintained", 23, 6, 1, 0, 0.4861111111111, 0.2675182488583, 0.883319225340),
        ("Nonmaintained", 27, 5, 1, 0, 0.3888888888889, 0.1853965260956, 0.815735715691),
        ("Nonmaintained", 30, 4, 1, 0, 0.2916666666667, 0.1148311501525, 0.740822018516),
        ("Nonmaintained", 33, 3, 1, 0, 0.1944444444444, 0.0569215525716, 0.664223659883),
        ("Nonmaintained", 43, 2, 1, 0, 0.0972222222222, 0.0152565271709, 0.619548629119),
        ("Nonmaintained", 45, 1, 1, 0, 0.0, np.nan, np.nan),
    ],
    columns=["group", "time", "n_at_risk", "n_events", "n_censored", "survival", "ci_low",
             "ci_high"],
)


def test_kaplan_meier_aml_matches_r_survfit(aml):
    res = churn.survival_curves(aml, duration="time", event="status", group="x")
    got = res.summary
    assert list(got.columns) == ["group", "time", "n_at_risk", "n_events", "n_censored",
                                 "survival", "ci_low", "ci_high"]
    assert list(got["group"]) == list(AML_KM["group"])
    np.testing.assert_array_equal(got["time"], AML_KM["time"])
    for col in ["n_at_risk", "n_events", "n_censored"]:
        np.testing.assert_array_equal(got[col], AML_KM[col])
    for col in ["survival", "ci_low", "ci_high"]:
        np.testing.assert_allclose(got[col], AML_KM[col], atol=1e-10, equal_nan=True)


def test_logrank_aml_matches_r_survdiff(aml):
    # survival's tests/difftest.Rout.save and doaml.Rout.save:
    # "Chisq= 3.4 on 1 degrees of freedom, p= 0.0653"; full precision from R 4.2.2:
    # survdiff(...)$chisq = 3.39638869898, p = 0.0653393220405.
    res = churn.survival_curves(aml, duration="time", event="status", group="x")
    lr = res.logrank.iloc[0]
    assert lr["statistic"] == pytest.approx(3.39638869898, abs=1e-9)
    assert lr["df"] == 1
    assert lr["p_value"] == pytest.approx(0.0653393220405, abs=1e-10)
    assert round(lr["statistic"], 1) == 3.4 and round(lr["p_value"], 4) == 0.0653
    assert res.groups == ["Maintained", "Nonmaintained"]
    assert (res.n, res.n_events) == (23, 18)


def test_survival_curves_without_groups_has_no_logrank(aml):
    res = churn.survival_curves(aml, duration="time", event="status")
    assert res.logrank is None
    assert set(res.summary["group"]) == {"all"}
    assert res.summary["n_at_risk"].iloc[0] == 23
    assert "Kaplan-Meier" in repr(res) and "<table>" in res._repr_html_()


def test_survival_curves_horizon_censors_follow_up(aml):
    res = churn.survival_curves(aml, duration="time", event="status", horizon=30)
    assert res.summary["time"].max() == 30
    assert res.n_events == int(((aml["time"] <= 30) & (aml["status"] == 1)).sum())
    full = churn.survival_curves(aml, duration="time", event="status").summary
    cut = res.summary.set_index("time")["survival"]
    before = full[full["time"] < 30].set_index("time")["survival"]
    np.testing.assert_allclose(cut.loc[before.index], before)


def test_survival_curve_is_monotone_and_bounded():
    df = _accounts(seed=4, n=200)
    res = churn.survival_curves(df, duration="months", event="left", group="manager")
    for _, g in res.summary.groupby("group"):
        s = g["survival"].to_numpy()
        assert np.all(np.diff(s) <= 1e-12)
        ok = g["ci_low"].notna()
        assert np.all(g["ci_low"][ok] <= g["survival"][ok] + 1e-12)
        assert np.all(g["ci_high"][ok] >= g["survival"][ok] - 1e-12)
        assert np.all((g["ci_low"][ok] >= 0) & (g["ci_high"][ok] <= 1))
    assert res.logrank["df"].iloc[0] == df["manager"].nunique() - 1


# ---------------------------------------------------------------------------
# concordance
# ---------------------------------------------------------------------------

def _harrell_slow(time, event, score):
    conc = disc = tie = 0
    for i in range(len(time)):
        if not event[i]:
            continue
        for j in range(len(time)):
            if time[j] > time[i] or (time[j] == time[i] and not event[j]):
                if score[i] > score[j]:
                    conc += 1
                elif score[i] < score[j]:
                    disc += 1
                else:
                    tie += 1
    total = conc + disc + tie
    return (conc + tie / 2) / total if total else np.nan


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 8), st.booleans(), st.integers(-3, 3)),
                min_size=2, max_size=25))
def test_harrell_c_equals_pairwise_definition(rows):
    time, event, score = (np.array(v, dtype=float) for v in zip(*rows))
    expected = _harrell_slow(time, event, score)
    got = _harrell_c(time, event, score)
    if np.isnan(expected):
        assert np.isnan(got)
    else:
        assert got == pytest.approx(expected, abs=1e-12)


# ---------------------------------------------------------------------------
# DeLong AUC
# ---------------------------------------------------------------------------

# pROC 1.18.0 (R 4.2.2) on aSAH, outcome "Poor" as case, direction "<":
# auc(), var(method = "delong"), cov(r.s100b, r.wfns), roc.test(r.s100b, r.wfns).
# The AUCs 0.7314 (s100b) and 0.8237 (wfns) are those of Robin et al. (2011),
# BMC Bioinformatics 12:77, where the DeLong test of the two is the case study.
PROC = {
    "auc": [0.731368563686, 0.823678861789, 0.61195799458],
    "var": [0.00266868245717, 0.00146991470882, 0.00319081054939],
    "cov_s100b_wfns": 0.00119615567377,
    "z": -2.20898359144, "p": 0.0271757822292,
    "ci": (-0.174214419249, -0.0104061769565),
    "auc_ci_s100b": (0.630118211762, 0.83261891561),
    "z_wfns_ndka": 2.79777591869, "z_s100b_ndka": 1.39077002574,
}


def test_delong_matches_proc_on_asah(asah):
    auc, cov = _delong(asah["poor"].to_numpy(), np.vstack([asah["s100b"], asah["wfns"],
                                                           asah["ndka"]]))
    np.testing.assert_allclose(auc, PROC["auc"], atol=1e-11)
    np.testing.assert_allclose(np.diag(cov), PROC["var"], atol=1e-13)
    assert cov[0, 1] == pytest.approx(PROC["cov_s100b_wfns"], abs=1e-13)
    z = (auc[0] - auc[1]) / np.sqrt(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1])
    assert z == pytest.approx(PROC["z"], abs=1e-9)
    z = (auc[1] - auc[2]) / np.sqrt(cov[1, 1] + cov[2, 2] - 2 * cov[1, 2])
    assert z == pytest.approx(PROC["z_wfns_ndka"], abs=1e-9)


def test_predictive_value_reproduces_proc_roc_test(asah):
    # A one-predictor logistic model ranks patients exactly as the predictor does,
    # so the model AUCs, DeLong intervals and the paired test equal pROC's.
    res = churn.predictive_value(asah, outcome="poor", random_state=1,
                                 models={"s100b": ["s100b"], "wfns": ["wfns"]})
    s = res.summary.set_index("model")
    assert s.loc["s100b", "auc"] == pytest.approx(PROC["auc"][0], abs=1e-11)
    assert s.loc["wfns", "auc"] == pytest.approx(PROC["auc"][1], abs=1e-11)
    assert s.loc["s100b", "auc_ci_low"] == pytest.approx(PROC["auc_ci_s100b"][0], abs=1e-9)
    assert s.loc["s100b", "auc_ci_high"] == pytest.approx(PROC["auc_ci_s100b"][1], abs=1e-9)
    c = res.comparisons.iloc[0]
    assert (c["model_a"], c["model_b"]) == ("s100b", "wfns")
    assert c["auc_diff"] / c["se"] == pytest.approx(PROC["z"], abs=1e-9)
    assert c["p_value"] == pytest.approx(PROC["p"], abs=1e-10)
    assert c["ci_low"] == pytest.approx(PROC["ci"][0], abs=1e-9)
    assert c["ci_high"] == pytest.approx(PROC["ci"][1], abs=1e-9)
    assert res.auc_method == "delong"


def _delong_slow(y, scores):
    """Textbook O(n^2) DeLong et al. (1988) structural components."""
    scores = np.atleast_2d(scores)
    pos, neg = scores[:, y == 1], scores[:, y == 0]
    m, n = pos.shape[1], neg.shape[1]
    psi = (pos[:, :, None] > neg[:, None, :]) + 0.5 * (pos[:, :, None] == neg[:, None, :])
    auc = psi.mean(axis=(1, 2))
    v10 = psi.mean(axis=2)
    v01 = psi.mean(axis=1)
    s10 = np.atleast_2d(np.cov(v10))
    s01 = np.atleast_2d(np.cov(v01))
    return auc, s10 / m + s01 / n


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000), st.integers(4, 40), st.integers(1, 4))
def test_fast_delong_equals_slow_delong_and_mann_whitney(seed, n, k):
    rng = np.random.default_rng(seed)
    y = np.r_[0, 0, 1, 1, rng.integers(0, 2, n - 4)]
    scores = rng.integers(0, 5, (k, n)).astype(float) + 0.3 * y  # many ties
    auc, cov = _delong(y, scores)
    auc_slow, cov_slow = _delong_slow(y, scores)
    np.testing.assert_allclose(auc, auc_slow, atol=1e-12)
    np.testing.assert_allclose(cov, cov_slow, atol=1e-12)
    assert np.isnan(_delong(np.r_[0, 1, 1], np.array([0.2, 0.5, 0.9]))[1]).all()
    for r in range(k):
        u = stats.mannwhitneyu(scores[r, y == 1], scores[r, y == 0]).statistic
        assert auc[r] == pytest.approx(u / ((y == 1).sum() * (y == 0).sum()), abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(5, 40))
def test_weighted_auc_with_unit_weights_is_the_auc(seed, n):
    rng = np.random.default_rng(seed)
    y = np.r_[0, 1, rng.integers(0, 2, n - 2)].astype(float)
    s = rng.integers(0, 6, n).astype(float)
    levels, codes = np.unique(s, return_inverse=True)
    assert _weighted_auc(codes, len(levels), y, np.ones(n)) == pytest.approx(
        _delong(y, s)[0][0], abs=1e-12)
    w = rng.integers(0, 3, n).astype(float)
    rep = np.repeat(np.arange(n), w.astype(int))
    if 0 < y[rep].sum() < len(rep):
        assert _weighted_auc(codes, len(levels), y, w) == pytest.approx(
            _delong(y[rep], s[rep])[0][0], abs=1e-12)


# ---------------------------------------------------------------------------
# predictive_value
# ---------------------------------------------------------------------------

MODELS = {"nps": ["nps"], "drivers": ["trust", "value", "ease"],
          "nps+drivers": ["nps", "trust", "value", "ease"]}


@pytest.fixture(scope="module")
def pv():
    return churn.predictive_value(_accounts(seed=11), models=MODELS, base="nps",
                                  random_state=5)


def test_predictive_value_table_shape(pv):
    s = pv.summary
    assert list(s.columns) == ["model", "n_predictors", "n", "n_events", "auc", "auc_ci_low",
                               "auc_ci_high", "cv_auc", "brier", "log_loss",
                               "calibration_slope", "lr_stat", "lr_df", "lr_p_value",
                               "wald_stat", "wald_df", "wald_p_value", "score_stat",
                               "score_df", "score_p_value", "score_boot_p_value",
                               "test_p_value"]
    assert list(s["model"]) == list(MODELS)
    assert list(s["n_predictors"]) == [1, 3, 4]
    assert pv.predictors == MODELS
    assert all(isinstance(v, (int, float, np.integer, np.floating))
               for v in s.drop(columns="model").to_numpy().ravel())
    assert ((s["auc_ci_low"] <= s["auc"]) & (s["auc"] <= s["auc_ci_high"])).all()
    assert ((s["brier"] > 0) & (s["brier"] < 0.25)).all()
    assert list(pv.comparisons.columns) == ["model_a", "model_b", "auc_diff", "se", "ci_low",
                                            "ci_high", "p_value"]
    assert len(pv.comparisons) == 3
    assert "Predictive value" in repr(pv)


def test_lr_test_only_for_models_nesting_the_base(pv):
    s = pv.summary.set_index("model")
    assert np.isnan(s.loc["nps", "lr_stat"]) and np.isnan(s.loc["nps", "lr_p_value"])
    assert np.isnan(s.loc["drivers", "lr_stat"])  # not nested: no LR test
    row = s.loc["nps+drivers"]
    assert row["lr_df"] == 3
    fits = pv.coefficients
    assert list(fits["nps+drivers"].index) == ["const", "nps", "trust", "value", "ease"]
    assert row["lr_p_value"] == pytest.approx(stats.chi2.sf(row["lr_stat"], 3))


def test_lr_stat_equals_statsmodels_llr(pv):
    import statsmodels.api as sm

    df = _accounts(seed=11)
    small = sm.Logit(df["churned"], sm.add_constant(df[["nps"]])).fit(disp=0)
    big = sm.Logit(df["churned"], sm.add_constant(df[MODELS["nps+drivers"]])).fit(disp=0)
    s = pv.summary.set_index("model")
    assert s.loc["nps+drivers", "lr_stat"] == pytest.approx(2 * (big.llf - small.llf), rel=1e-8)
    assert s.loc["nps", "auc"] == pytest.approx(
        _delong(df["churned"].to_numpy(), np.asarray(small.fittedvalues))[0][0])


def test_without_cluster_the_quoted_p_value_is_the_lr_test(pv):
    s = pv.summary
    assert s[["wald_stat", "wald_df", "wald_p_value", "score_stat", "score_df",
              "score_p_value", "score_boot_p_value"]].isna().all().all()
    pd.testing.assert_series_equal(s["test_p_value"], s["lr_p_value"], check_names=False)
    assert pv.test_method == "likelihood-ratio test"
    # model-based covariance without cluster
    cov = pv.cov_params["nps+drivers"]
    assert list(cov.index) == list(cov.columns) == ["const", *MODELS["nps+drivers"]]
    assert np.all(np.linalg.eigvalsh(cov.to_numpy()) > 0)


@pytest.fixture(scope="module")
def pv_cluster():
    # 120 accounts, each seen at three dates (rows 0-119, 120-239, 240-359).
    df = _accounts(seed=21, n=360).assign(account=np.tile(np.arange(120), 3))
    return df, churn.predictive_value(df, models=MODELS, base="nps", cluster="account",
                                      n_boot=200, random_state=4)


def test_cluster_robust_wald_equals_statsmodels_wald_test(pv_cluster):
    # External cross-check: statsmodels' own cluster-robust fit (default CRV1 small-sample
    # correction) and its wald_test of the added coefficients.
    import statsmodels.api as sm

    df, res = pv_cluster
    X = sm.add_constant(df[MODELS["nps+drivers"]])
    fit = sm.Logit(df["churned"], X).fit(disp=0, cov_type="cluster",
                                         cov_kwds={"groups": df["account"].to_numpy()})
    wt = fit.wald_test("trust = 0, value = 0, ease = 0", scalar=True)
    s = res.summary.set_index("model")
    row = s.loc["nps+drivers"]
    assert row["wald_df"] == 3 == wt.df_denom
    assert row["wald_stat"] == pytest.approx(float(wt.statistic), rel=1e-8)
    assert row["wald_p_value"] == pytest.approx(float(wt.pvalue), rel=1e-8)
    assert row["test_p_value"] == row["score_boot_p_value"]
    assert res.test_method == "wild cluster score bootstrap (Rademacher weights, 120 clusters)"
    np.testing.assert_allclose(res.cov_params["nps+drivers"].to_numpy(),
                               np.asarray(fit.cov_params()), rtol=1e-8)
    np.testing.assert_allclose(res.coefficients["nps+drivers"].to_numpy(),
                               np.asarray(fit.params), rtol=1e-8)
    # the LR columns are kept (and ignore the clustering)
    assert row["lr_df"] == 3 and np.isfinite(row["lr_p_value"])


def test_odds_ratios_equal_statsmodels_intervals_with_and_without_clusters(pv, pv_cluster):
    # External reference: statsmodels Logit conf_int (model-based, and CRV1 cluster-robust),
    # exponentiated; odds ratios are per unit of each predictor, adjusted for the others.
    import statsmodels.api as sm

    df, res = pv_cluster
    cols = MODELS["nps+drivers"]
    fit = sm.Logit(df["churned"], sm.add_constant(df[cols])).fit(
        disp=0, cov_type="cluster", cov_kwds={"groups": df["account"].to_numpy()})
    t = res.odds_ratios[res.odds_ratios["model"] == "nps+drivers"].set_index("predictor")
    assert list(t.index) == cols
    np.testing.assert_allclose(t["odds_ratio"], np.exp(fit.params[cols]), rtol=1e-8)
    np.testing.assert_allclose(t[["ci_low", "ci_high"]], np.exp(fit.conf_int().loc[cols]), rtol=1e-8)
    np.testing.assert_allclose(t["p_value"], fit.pvalues[cols], rtol=1e-6)
    assert list(res.odds_ratios.columns) == ["model", "predictor", "coef", "se", "odds_ratio",
                                             "ci_low", "ci_high", "z", "p_value"]
    assert len(res.odds_ratios) == sum(len(c) for c in MODELS.values())

    plain = sm.Logit(_accounts(seed=11)["churned"],
                     sm.add_constant(_accounts(seed=11)[["trust", "value", "ease"]])).fit(disp=0)
    t = pv.odds_ratios[pv.odds_ratios["model"] == "drivers"].set_index("predictor")
    np.testing.assert_allclose(t[["ci_low", "ci_high"]],
                               np.exp(plain.conf_int().loc[["trust", "value", "ease"]]), rtol=1e-7)


def test_cluster_wald_is_nan_for_the_base_and_non_nested_models(pv_cluster):
    _, res = pv_cluster
    s = res.summary.set_index("model")
    for name in ("nps", "drivers"):
        assert s.loc[name, ["wald_stat", "wald_df", "wald_p_value", "score_stat", "score_df",
                            "score_p_value", "score_boot_p_value",
                            "test_p_value"]].isna().all()
    assert res.summary.loc[res.summary["model"] == "nps", "lr_p_value"].isna().all()


def test_cluster_wald_of_triplicated_rows_equals_row_robust_wald_of_the_original():
    # Every account appears three times with identical rows.  The cluster sums of the
    # scores are three times the row scores of the original and the bread a third, so the
    # Wald statistic equals the original's row-robust (HC0) Wald statistic up to the
    # small-sample factor; the naive LR statistic is three times the original's.
    import statsmodels.api as sm

    df = _accounts(seed=22, n=250)
    one = churn.predictive_value(df.assign(account=np.arange(250)), models=MODELS, base="nps",
                                 cluster="account", n_boot=100, random_state=0)
    tripled = pd.concat([df.assign(account=np.arange(250))] * 3, ignore_index=True)
    three = churn.predictive_value(tripled, models=MODELS, base="nps", cluster="account",
                                   n_boot=100, random_state=0)
    a = one.summary.set_index("model").loc["nps+drivers"]
    b = three.summary.set_index("model").loc["nps+drivers"]
    assert b["lr_stat"] == pytest.approx(3 * a["lr_stat"], rel=1e-6)
    g, k = 250, 5
    f_one = g / (g - 1) * (g - 1) / (g - k)
    f_three = g / (g - 1) * (3 * g - 1) / (3 * g - k)
    assert b["wald_stat"] == pytest.approx(a["wald_stat"] * f_one / f_three, rel=1e-6)
    hc0 = sm.Logit(df["churned"], sm.add_constant(df[MODELS["nps+drivers"]])).fit(
        disp=0, cov_type="HC0")
    assert a["wald_stat"] == pytest.approx(
        float(hc0.wald_test("trust = 0, value = 0, ease = 0", scalar=True).statistic) / f_one,
        rel=1e-6)


def test_cluster_wald_with_too_few_clusters_warns_and_is_nan():
    # 3 clusters cannot estimate the covariance of 3 added coefficients (rank <= 2).
    df = _accounts(seed=23, n=300).assign(g=lambda d: np.arange(len(d)) % 3)
    with pytest.warns(RuntimeWarning, match=r"tests of model 'nps\+drivers' against 'nps' "
                                            r"are undefined: 3 clusters .* 3 added coefficients"):
        res = churn.predictive_value(df, models=MODELS, base="nps", cluster="g", cv=2,
                                     n_boot=100, random_state=0)
    row = res.summary.set_index("model").loc["nps+drivers"]
    assert np.isnan(row["wald_stat"]) and np.isnan(row["test_p_value"])
    assert np.isnan(row["score_stat"]) and np.isnan(row["score_boot_p_value"])
    assert row["wald_df"] == 3 and np.isfinite(row["lr_p_value"])


def test_cluster_score_test_with_one_row_per_cluster_matches_statsmodels_hc0_score_test():
    # External reference: statsmodels' robust score test of omitted variables,
    # Logit(...).fit().score_test(exog_extra, cov_type="HC0"), whose middle matrix is
    # n * cov(score rows) (centred, ddof=1).  Ours uses the uncentred sum S'S of the cluster
    # scores; with one row per cluster the two differ only by that rank-one centring, so by
    # Sherman-Morrison T_ours = a / (1 + a / n) with a = T_statsmodels * n / (n - 1).
    import statsmodels.api as sm

    df = _accounts(seed=24, n=400).assign(row=np.arange(400))
    res = churn.predictive_value(df, models=MODELS, base="nps", cluster="row", n_boot=100,
                                 random_state=0)
    row = res.summary.set_index("model").loc["nps+drivers"]
    base = sm.Logit(df["churned"], sm.add_constant(df[["nps"]])).fit(disp=0)
    st = base.score_test(exog_extra=df[["trust", "value", "ease"]].to_numpy(), cov_type="HC0")
    n = len(df)
    a = float(st.statistic) * n / (n - 1)
    assert row["score_df"] == 3 == st.k_constraint
    assert row["score_stat"] == pytest.approx(a / (1 + a / n), rel=1e-7)
    assert row["score_p_value"] == pytest.approx(stats.chi2.sf(a / (1 + a / n), 3), rel=1e-6)


def test_cluster_score_test_equals_the_textbook_form_whatever_the_column_order():
    # Second formula: LM = w' (R A^-1 B A^-1 R')^-1 w with w = R A^-1 U (the form statsmodels'
    # _lm_robust documents), A the information of the full model at the restricted estimate, B
    # the sum of outer products of cluster score sums -- built from statsmodels' score_obs and
    # hessian.  Base predictor in the middle of the larger model; string cluster labels.
    import statsmodels.api as sm

    rng = np.random.default_rng(3)
    n = 600
    df = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n), "x3": rng.normal(size=n),
                       "g": [f"acc{i % 150}" for i in range(n)]})
    df["y"] = (rng.random(n) < 1 / (1 + np.exp(-(-1.5 + 0.5 * df.x2 + 0.2 * df.x1)))).astype(int)
    stats_ = []
    for order in (["x1", "x2", "x3"], ["x2", "x3", "x1"]):
        res = churn.predictive_value(df, models={"b": ["x2"], "full": order}, base="b", outcome="y",
                                     cluster="g", n_boot=200, random_state=0)
        stats_.append(res.summary.iloc[1]["score_stat"])
    base = sm.Logit(df.y, sm.add_constant(df[["x2"]])).fit(disp=0)
    full = sm.Logit(df.y, sm.add_constant(df[["x1", "x2", "x3"]]))
    p0 = np.r_[base.params["const"], 0, base.params["x2"], 0]
    obs, a_inv = full.score_obs(p0), np.linalg.inv(-full.hessian(p0))
    sums = np.zeros((150, 4))
    np.add.at(sums, pd.factorize(df.g)[0], obs)
    r = np.zeros((2, 4))
    r[0, 1] = r[1, 3] = 1
    w = r @ a_inv @ sums.sum(0)
    lm = w @ np.linalg.solve(r @ a_inv @ (sums.T @ sums) @ a_inv @ r.T, w)
    assert stats_[0] == pytest.approx(lm, rel=1e-8)
    assert stats_[1] == pytest.approx(lm, rel=1e-8)


def test_cluster_score_statistic_of_triplicated_rows_equals_the_original():
    # Triplicating every account triples its cluster score sums and the information matrix, so
    # the projected scores triple and U' (S'S)^-1 U is unchanged -- unlike the naive LR test.
    df = _accounts(seed=22, n=250).assign(account=np.arange(250))
    one = churn.predictive_value(df, models=MODELS, base="nps", cluster="account",
                                 n_boot=100, random_state=0)
    three = churn.predictive_value(pd.concat([df] * 3, ignore_index=True), models=MODELS,
                                   base="nps", cluster="account", n_boot=100, random_state=0)
    a = one.summary.set_index("model").loc["nps+drivers"]
    b = three.summary.set_index("model").loc["nps+drivers"]
    assert b["score_stat"] == pytest.approx(a["score_stat"], rel=1e-8)
    assert b["lr_stat"] == pytest.approx(3 * a["lr_stat"], rel=1e-6)


def test_score_bootstrap_enumerates_every_sign_pattern_when_clusters_are_few():
    # 8 clusters: 2**7 = 128 distinct |statistics| <= n_boot, so the p-value is exact: the share
    # of the 256 sign vectors whose statistic reaches the observed one, computed here by brute
    # force from the cluster scores rebuilt with statsmodels' score_obs of the full model.
    import itertools

    import statsmodels.api as sm

    df = _accounts(seed=25, n=240).assign(g=lambda d: np.arange(len(d)) % 8)
    models = {"nps": ["nps"], "nps+trust": ["nps", "trust"]}
    res = churn.predictive_value(df, models=models, base="nps", cluster="g", cv=2,
                                 n_boot=200, random_state=0)
    row = res.summary.set_index("model").loc["nps+trust"]
    base = sm.Logit(df["churned"], sm.add_constant(df[["nps"]])).fit(disp=0)
    full = sm.Logit(df["churned"], sm.add_constant(df[["nps", "trust"]]))
    params0 = np.r_[base.params.to_numpy(), 0.0]
    obs = full.score_obs(params0)  # rows' scores at the restricted estimate
    info = -full.hessian(params0)
    cl = np.vstack([obs[df["g"].to_numpy() == k].sum(0) for k in range(8)])
    proj = cl[:, 2] - cl[:, :2] @ np.linalg.solve(info[:2, :2], info[:2, 2])
    stat = proj.sum() ** 2 / (proj ** 2).sum()
    assert row["score_stat"] == pytest.approx(stat, rel=1e-8)
    flips = np.array(list(itertools.product([-1, 1], repeat=8)))
    t = (flips @ proj) ** 2 / (proj ** 2).sum()
    assert row["score_boot_p_value"] == pytest.approx(np.mean(t >= stat * (1 - 1e-10)),
                                                      abs=1e-12)
    assert row["score_boot_p_value"] * 128 == pytest.approx(round(row["score_boot_p_value"]
                                                                  * 128))


def test_score_bootstrap_is_reproducible_and_depends_on_the_seed(pv_cluster):
    df, res = pv_cluster
    again = churn.predictive_value(df, models=MODELS, base="nps", cluster="account",
                                   n_boot=200, random_state=4)
    pd.testing.assert_frame_equal(res.summary, again.summary)
    p = res.summary.set_index("model").loc["nps+drivers", "score_boot_p_value"]
    assert 0 < p <= 1 and (p * 201) == pytest.approx(round(p * 201))  # (1 + k) / (n_boot + 1)


def test_predictive_value_is_reproducible_with_a_seed():
    df = _accounts(seed=3)
    a = churn.predictive_value(df, models=MODELS, random_state=42)
    b = churn.predictive_value(df, models=MODELS, random_state=42)
    pd.testing.assert_frame_equal(a.summary, b.summary)
    c = churn.predictive_value(df, models=MODELS, random_state=43)
    assert not np.allclose(a.summary["cv_auc"], c.summary["cv_auc"])
    pd.testing.assert_series_equal(a.summary["auc"], c.summary["auc"])  # no randomness


def test_calibration_slope_and_cv_auc_are_sensible():
    res = churn.predictive_value(_accounts(seed=8, n=600), models={"nps": ["nps"]},
                                 random_state=0)
    row = res.summary.iloc[0]
    assert 0.5 < row["calibration_slope"] < 1.6
    assert abs(row["cv_auc"] - row["auc"]) < 0.05


def test_cluster_bootstrap_intervals():
    df = _accounts(seed=12)
    res = churn.predictive_value(df, models={"nps": ["nps"], "nps+drivers": MODELS["nps+drivers"]},
                                 base="nps", cluster="manager", n_boot=300, random_state=2)
    assert res.auc_method == "cluster bootstrap"
    assert res.n_clusters == df["manager"].nunique()
    s = res.summary
    assert ((s["auc_ci_low"] < s["auc"]) & (s["auc"] < s["auc_ci_high"])).all()
    c = res.comparisons.iloc[0]
    assert c["se"] > 0 and c["ci_low"] < c["auc_diff"] < c["ci_high"]
    again = churn.predictive_value(df, models={"nps": ["nps"],
                                               "nps+drivers": MODELS["nps+drivers"]},
                                   base="nps", cluster="manager", n_boot=300, random_state=2)
    pd.testing.assert_frame_equal(res.comparisons, again.comparisons)


def test_predictive_value_uses_the_same_complete_rows_for_every_model():
    df = _accounts(seed=13)
    df.loc[df.index[:7], "trust"] = np.nan
    res = churn.predictive_value(df, models=MODELS, random_state=0)
    assert res.n == len(df) - 7 and res.n_excluded == 7
    assert (res.summary["n"] == len(df) - 7).all()


def test_bool_outcome_and_predictors_are_accepted():
    df = _accounts(seed=14)
    df["churned"] = df["churned"].astype(bool)
    df["big"] = df["ease"] > 5
    res = churn.predictive_value(df, models={"nps": ["nps"], "both": ["nps", "big"]},
                                 base="nps", random_state=0)
    assert res.summary["lr_df"].iloc[1] == 1


# ---------------------------------------------------------------------------
# churn_by_category
# ---------------------------------------------------------------------------

def test_wilson_matches_newcombe_1998():
    # Newcombe (1998) Statist. Med. 17:857, Table I, score method without continuity
    # correction (identical to statsmodels proportion_confint(method="wilson")).
    cases = [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611),
             (1, 29, 0.0061, 0.1718)]
    z = stats.norm.ppf(0.975)
    for k, n, lo, hi in cases:
        low, high = _wilson(np.array([k]), np.array([n]), z)
        assert low[0] == pytest.approx(lo, abs=5e-5)
        assert high[0] == pytest.approx(hi, abs=5e-5)
    assert _wilson(np.array([0]), np.array([20]), z)[0][0] == 0.0


def test_churn_by_category_levels():
    df = pd.DataFrame({"category": ["detractor"] * 4 + ["passive"] * 3 + ["promoter"] * 5,
                       "churned": [1, 1, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0]})
    t = churn.churn_by_category(df, predictor="category")
    # n_excluded / n_outside_bins are columns (they were DataFrame.attrs, which CSV loses)
    assert list(t.columns) == ["level", "n", "n_events", "churn_rate", "ci_low", "ci_high",
                               "n_excluded", "n_outside_bins"]
    assert list(t["level"]) == ["detractor", "passive", "promoter"]
    assert list(t["n"]) == [4, 3, 5] and list(t["n_events"]) == [3, 1, 1]
    from statsmodels.stats.proportion import proportion_confint

    lo, hi = proportion_confint(t["n_events"], t["n"], method="wilson")
    np.testing.assert_allclose(t["ci_low"], lo, atol=1e-12)
    np.testing.assert_allclose(t["ci_high"], hi, atol=1e-12)


def test_churn_by_category_keeps_categorical_order():
    df = pd.DataFrame({"category": pd.Categorical(["promoter", "detractor", "passive"] * 4,
                                                  categories=["detractor", "passive",
                                                              "promoter"]),
                       "churned": [0, 1, 0] * 4})
    t = churn.churn_by_category(df, predictor="category")
    assert list(t["level"]) == ["detractor", "passive", "promoter"]


def test_churn_by_category_deciles():
    df = _accounts(seed=21, n=500)
    t = churn.churn_by_category(df, predictor="trust")
    assert list(t.columns) == ["bin", "bin_low", "bin_high", "n", "n_events", "churn_rate",
                               "ci_low", "ci_high", "n_excluded", "n_outside_bins"]
    assert len(t) == 10 and t["n"].sum() == 500
    assert list(t["bin"]) == list(range(1, 11))
    assert (t["bin_low"].iloc[1:].to_numpy() > t["bin_high"].iloc[:-1].to_numpy()).all()
    assert t["n_events"].sum() == df["churned"].sum()
    # distinct values <= bins: one bin per value
    t = churn.churn_by_category(df.assign(nps=df["nps"].clip(0, 6)), predictor="nps")
    assert list(t["bin_low"]) == list(t["bin_high"]) == [0, 1, 2, 3, 4, 5, 6]


def test_churn_by_category_explicit_edges_and_int_bins():
    df = _accounts(seed=22, n=300)
    t = churn.churn_by_category(df, predictor="nps", bins=[0, 6, 8, 10])
    assert list(t["bin_low"]) == [0, 6, 8] and list(t["bin_high"]) == [6, 8, 10]
    assert list(t["n"]) == [int((df["nps"] <= 6).sum()),
                            int(((df["nps"] > 6) & (df["nps"] <= 8)).sum()),
                            int((df["nps"] > 8).sum())]
    t = churn.churn_by_category(df, predictor="trust", bins=4)
    assert len(t) == 4 and t["n"].sum() == 300


def test_churn_by_category_cluster_design_effect():
    df = _accounts(seed=23, n=400)
    plain = churn.churn_by_category(df, predictor="nps", bins=3)
    singletons = churn.churn_by_category(df.assign(id=np.arange(len(df))), predictor="nps",
                                         bins=3, cluster="id")
    # one row per cluster: design effect ~1 (variance ratio n/(n-1) > 1 or clipped)
    np.testing.assert_allclose(singletons["design_effect"], 1.0, atol=0.01)
    np.testing.assert_allclose(singletons["ci_low"], plain["ci_low"], atol=2e-3)
    # strongly clustered outcome: whole clusters churn together
    rng = np.random.default_rng(0)
    cl = np.repeat(np.arange(40), 10)
    y = np.repeat(rng.random(40) < 0.3, 10).astype(int)
    data = pd.DataFrame({"g": ["a", "b"] * 200, "churned": y, "cluster": cl})
    naive = churn.churn_by_category(data, predictor="g")
    robust = churn.churn_by_category(data, predictor="g", cluster="cluster")
    assert (robust["design_effect"] > 3).all()
    assert ((robust["ci_high"] - robust["ci_low"]) > (naive["ci_high"] - naive["ci_low"])).all()
    assert list(robust["n_clusters"]) == [40, 40]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abcd"), st.booleans()), min_size=1, max_size=60),
       st.floats(0.5, 0.99))
def test_churn_by_category_invariants(rows, confidence):
    df = pd.DataFrame(rows, columns=["level", "churned"])
    t = churn.churn_by_category(df, predictor="level", confidence=confidence)
    assert t["n"].sum() == len(df)
    assert t["n_events"].sum() == df["churned"].sum()
    assert (t["ci_low"] <= t["churn_rate"] + 1e-12).all()
    assert (t["churn_rate"] <= t["ci_high"] + 1e-12).all()
    assert ((t["ci_low"] >= 0) & (t["ci_high"] <= 1)).all()


# ---------------------------------------------------------------------------
# bad input: clear messages, never a numpy / statsmodels traceback
# ---------------------------------------------------------------------------

def test_error_classes_are_kapta_errors():
    assert issubclass(DataError, KaptaError) and issubclass(ParameterError, ValueError)


def test_no_churn_events(rossi):
    df = _accounts(seed=1).assign(churned=0, left=0)
    with pytest.raises(DataError, match="no churn events"):
        churn.predictive_value(df, models={"nps": ["nps"]})
    with pytest.raises(DataError, match="no churn events"):
        churn.cox(df, duration="months", event="left", covariates=["nps"])
    with pytest.raises(DataError, match="no churn events up to the horizon 0.5"):
        churn.cox(rossi, duration="week", event="arrest", covariates=["fin"], horizon=0.5)


def test_all_churned():
    df = _accounts(seed=1).assign(churned=1)
    with pytest.raises(DataError, match="every analysed account churned"):
        churn.predictive_value(df, models={"nps": ["nps"]})


def test_predictor_missing_for_every_row(rossi):
    df = _accounts(seed=1).assign(trust=np.nan)
    with pytest.raises(DataError, match=r"column 'trust'.*missing in every row"):
        churn.predictive_value(df, models={"t": ["trust"]})
    with pytest.raises(DataError, match=r"column 'trust'.*missing in every row"):
        churn.churn_by_category(df, predictor="trust")
    with pytest.raises(DataError, match=r"column 'prio'.*missing in every row"):
        churn.cox(rossi.assign(prio=None), duration="week", event="arrest", covariates=["prio"])


def test_non_binary_outcome(rossi):
    df = _accounts(seed=1)
    df.loc[df.index[[3, 8]], "churned"] = [2, 7]
    with pytest.raises(DataError,
                       match=r"column 'churned'.*must be binary.*rows: 3, 8; values: 2, 7"):
        churn.predictive_value(df, models={"nps": ["nps"]})
    with pytest.raises(DataError, match="must be binary"):
        churn.churn_by_category(df, predictor="nps")
    with pytest.raises(DataError, match=r"column 'arrest'.*must be binary"):
        churn.cox(rossi.assign(arrest=rossi["arrest"].replace(1, "yes")), duration="week",
                  event="arrest", covariates=["fin"])
    with pytest.raises(DataError, match=r"column 'arrest'.*must be binary"):
        churn.survival_curves(rossi.assign(arrest=rossi["arrest"] * 3), duration="week",
                              event="arrest")


def test_negative_durations(rossi):
    bad = rossi.copy()
    bad.loc[[5, 9], "week"] = [-1, -3]
    with pytest.raises(DataError, match=r"column 'week'.*durations must be >= 0.*rows: 5, 9"):
        churn.cox(bad, duration="week", event="arrest", covariates=["fin"])
    with pytest.raises(DataError, match="durations must be >= 0"):
        churn.survival_curves(bad, duration="week", event="arrest")


def test_duration_or_event_column_missing(rossi):
    with pytest.raises(DataError, match="no column named 'weeks'"):
        churn.cox(rossi, duration="weeks", event="arrest", covariates=["fin"])
    with pytest.raises(DataError, match="no column named 'churned'"):
        churn.survival_curves(rossi, duration="week", event="churned")
    with pytest.raises(DataError, match="no column named 'nope'"):
        churn.cox(rossi, duration="week", event="arrest", covariates=["fin", "nope"])
    with pytest.raises(DataError, match="no column named 'churned'"):
        churn.predictive_value(rossi, models={"a": ["age"]})


@pytest.mark.parametrize("horizon", [0, -5, float("nan")])
def test_horizon_must_be_positive(rossi, horizon):
    with pytest.raises(ParameterError, match="'horizon' parameter of cox must be"):
        churn.cox(rossi, duration="week", event="arrest", covariates=["fin"], horizon=horizon)
    with pytest.raises(ParameterError, match="'horizon' parameter of survival_curves"):
        churn.survival_curves(rossi, duration="week", event="arrest", horizon=horizon)


def test_bins_must_be_positive():
    df = _accounts(seed=1)
    with pytest.raises(ParameterError, match=r"'bins' parameter of churn_by_category must be "
                                             r"an int >= 1. Got 0 instead"):
        churn.churn_by_category(df, predictor="trust", bins=0)
    with pytest.raises(ParameterError, match="increasing sequence"):
        churn.churn_by_category(df, predictor="trust", bins=[5, 3, 7])


def test_cv_bounds():
    df = _accounts(seed=1)
    with pytest.raises(ParameterError,
                       match=r"The 'cv' parameter of predictive_value must be an int >= 2. "
                             r"Got 1 instead."):
        churn.predictive_value(df, models={"nps": ["nps"]}, cv=1)
    few = df.assign(churned=0)
    few.loc[few.index[:3], "churned"] = 1
    with pytest.raises(ParameterError, match=r"'cv'.*<= the number of churn events \(3\)"):
        churn.predictive_value(few, models={"nps": ["nps"]}, cv=5)
    with pytest.raises(ParameterError, match=r"'cv'.*number of clusters \(4\)"):
        churn.predictive_value(df.assign(g=np.arange(len(df)) % 4), models={"nps": ["nps"]},
                               cv=5, cluster="g")


def test_base_not_nested():
    df = _accounts(seed=1)
    with pytest.raises(ParameterError, match=r"'base' model 'drivers'.*must be nested"):
        churn.predictive_value(df, models={"nps": ["nps"], "drivers": ["trust", "value"]},
                               base="drivers")
    with pytest.raises(ParameterError, match="'base' parameter of predictive_value must be "
                                             "None or one of the model names"):
        churn.predictive_value(df, models={"nps": ["nps"]}, base="nope")


def test_other_parameter_errors(rossi):
    with pytest.raises(ParameterError, match="'ties' parameter of cox must be one of"):
        churn.cox(rossi, duration="week", event="arrest", covariates=["fin"], ties="exact")
    with pytest.raises(ParameterError, match="'confidence' parameter of cox"):
        churn.cox(rossi, duration="week", event="arrest", covariates=["fin"], confidence=95)
    with pytest.raises(ParameterError, match="'models' parameter of predictive_value must be a"):
        churn.predictive_value(_accounts(), models=["nps"])
    with pytest.raises(ParameterError, match="'n_boot' parameter of predictive_value"):
        churn.predictive_value(_accounts(), models={"n": ["nps"]}, n_boot=10)
    with pytest.raises(ParameterError, match="'random_state' parameter of predictive_value"):
        churn.predictive_value(_accounts(), models={"n": ["nps"]}, random_state=-1)
    with pytest.raises(ParameterError, match="must not include the duration or event"):
        churn.cox(rossi, duration="week", event="arrest", covariates=["week"])
    with pytest.raises(ParameterError, match="pandas DataFrame"):
        churn.cox(rossi.to_numpy(), duration="week", event="arrest", covariates=["fin"])


def test_categorical_covariate_is_refused_with_advice(rossi):
    data = rossi.assign(segment=np.where(rossi["fin"] == 1, "smb", "enterprise"))
    with pytest.raises(DataError, match=r"column 'segment'.*must be numeric.*pd.get_dummies"):
        churn.cox(data, duration="week", event="arrest", covariates=["segment"])
    with pytest.raises(DataError, match=r"column 'segment'.*must be numeric"):
        churn.predictive_value(data.rename(columns={"arrest": "churned"}),
                               models={"s": ["segment"]})
    dummies = pd.get_dummies(data, columns=["segment"], drop_first=True, dtype=float)
    fit = churn.cox(dummies, duration="week", event="arrest", covariates=["segment_smb"])
    assert fit.summary["coef"][0] == pytest.approx(
        churn.cox(rossi, duration="week", event="arrest", covariates=["fin"]).summary["coef"][0])


def test_constant_and_collinear_covariates(rossi):
    with pytest.raises(DataError, match=r"column 'k'.*same value.*in every"):
        churn.cox(rossi.assign(k=1.0), duration="week", event="arrest", covariates=["fin", "k"])
    with pytest.raises(DataError, match="linearly dependent"):
        churn.cox(rossi.assign(a2=2 * rossi["age"] + 1), duration="week", event="arrest",
                  covariates=["age", "a2"])


def test_separation_is_reported_not_a_traceback():
    df = pd.DataFrame({"x": np.arange(40.0), "churned": (np.arange(40) >= 20).astype(int)})
    with pytest.raises(DataError, match=r"logistic model 'x'.*separate"):
        churn.predictive_value(df, models={"x": ["x"]}, cv=2)
    surv = pd.DataFrame({"t": np.arange(1.0, 41), "e": 1, "x": (np.arange(40) < 20) * 1.0})
    surv.loc[20:, "e"] = 0
    with pytest.raises(DataError, match="does not converge"):
        churn.cox(surv, duration="t", event="e", covariates=["x"])


def test_missing_values_are_excluded_and_counted(rossi):
    data = rossi.astype({"prio": float})
    data.loc[[0, 1, 2], "prio"] = np.nan
    fit = churn.cox(data, duration="week", event="arrest", covariates=["fin", "prio"])
    assert (fit.n, fit.n_excluded) == (429, 3)
    ref = churn.cox(rossi.drop(index=[0, 1, 2]), duration="week", event="arrest",
                    covariates=["fin", "prio"])
    pd.testing.assert_frame_equal(fit.summary, ref.summary)


def test_row_numbers_from_files_are_reported(rossi):
    data = rossi.head(20).copy()
    data.loc[4, "week"] = -2
    data.attrs["source"] = "accounts.csv"
    data.attrs["file_rows"] = pd.Series(np.arange(2, 22), index=data.index)
    with pytest.raises(DataError, match=r"file accounts.csv, column 'week'.*row: 6"):
        churn.cox(data, duration="week", event="arrest", covariates=["fin"])


# ---------------------------------------------------------------------------
# misc
# ---------------------------------------------------------------------------

def test_cox_recovers_direction_on_accounts():
    df = _accounts(seed=31, n=500)
    fit = churn.cox(df, duration="months", event="left", covariates=["nps", "trust"])
    s = fit.summary.set_index("covariate")
    assert s.loc["nps", "hazard_ratio"] < 1 and s.loc["nps", "p_value"] < 0.01
    assert "Cox" in repr(fit) and "hazard_ratio" in fit._repr_html_()
    assert fit.ties == "efron" and fit.cluster is None and fit.n_clusters is None
