"""Account health score (issue 10 B): components, weights, learned weights, validation against churn.

Golden values from R 4.2.2 Patched (2022-11-10 r83330) with pROC 1.18.0 (script in
``_R_SCRIPT`` below, run on the data that ``_golden_data()`` writes): AUC and DeLong CI by
``roc()``/``ci.auc()``, calibration slope and intercept by ``glm``, Brier by hand.
The tests need no R.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kapta_research as kr
from kapta_research.accounts.health import (COMPONENTS, DEFAULT_WEIGHTS, component_scores, default_scores,
                                            health_score, time_split, validate_health)
from kapta_research.errors import DataError, ParameterError
from kapta_research.schema import DRIVERS
from kapta_research.stats.auc import delong
from kapta_research.stats.calibration import brier_score, calibration, reliability_table

DATES = ["2024-07-01", "2024-10-01", "2025-01-01"]


@pytest.fixture(scope="module")
def snaps():
    return kr.churn.snapshots(kr.load_sample(), as_of=DATES)


@pytest.fixture(scope="module")
def validation(snaps):
    return validate_health(snaps, scores=default_scores(), n_boot=300, random_state=3)


# ---------------------------------------------------------------- components and weights
def _row(**kw):
    base = {"nps": np.nan, "response_rate_trend": np.nan, "days_since_response": np.nan,
            "days_since_voc": np.nan, "n_roles": np.nan, "detractor_followup_7d": np.nan}
    base.update(kw)
    return base


def test_each_component_is_scaled_to_0_100_as_documented():
    snap = pd.DataFrame([
        _row(nps=-100, response_rate_trend=-0.2, days_since_response=365, days_since_voc=365, n_roles=0,
             detractor_followup_7d=0.0, trust=1, value_for_money=1),
        _row(nps=0, response_rate_trend=0.0, days_since_response=182.5, days_since_voc=242.5, n_roles=2,
             detractor_followup_7d=0.5, trust=4, value_for_money=4),
        _row(nps=100, response_rate_trend=0.5, days_since_response=0, days_since_voc=30, n_roles=6,
             detractor_followup_7d=1.0, trust=7, value_for_money=5.5),
    ])
    c = component_scores(snap)
    assert list(c.columns) == list(COMPONENTS)
    expected = {"account_nps": [0, 50, 100], "response_rate_trend": [0, 50, 100],
                "days_since_response": [0, 50, 100], "days_since_voc": [0, 50, 100],
                "roles_heard": [0, 50, 100], "detractor_followup": [0, 50, 100],
                "driver_means": [0, 50, 87.5]}  # (7 + 5.5)/2 = 6.25 on 1-7 -> 87.5
    for name, values in expected.items():
        np.testing.assert_allclose(c[name], values, err_msg=name)
    # another driver scale
    assert component_scores(snap, driver_scale=(1, 5))["driver_means"].tolist()[:2] == [0.0, 75.0]


def test_missing_values_that_are_data_versus_missing_components():
    snap = pd.DataFrame([_row(days_since_voc=10.0), _row()])  # row 2: never answered, never interviewed
    c = component_scores(snap)
    assert c.loc[1, "days_since_response"] == 0  # never answered: data, 0
    assert c.loc[1, "days_since_voc"] == 0       # the snapshot has interviews: never interviewed -> 0
    assert np.isnan(c.loc[1, "account_nps"]) and np.isnan(c.loc[1, "driver_means"])
    # no interviews anywhere = no voc table: missing, not 0
    assert component_scores(pd.DataFrame([_row(), _row()]))["days_since_voc"].isna().all()


def test_missing_components_are_dropped_and_the_weights_renormalised():
    snap = pd.DataFrame([_row(nps=60, days_since_response=0, n_roles=2),   # 80, 100, 50
                         _row(nps=np.nan, days_since_response=0, n_roles=2)])
    hs = health_score(snap, weights={"account_nps": 2, "days_since_response": 1, "roles_heard": 1})
    assert hs.weights == {"account_nps": 0.5, "days_since_response": 0.25, "roles_heard": 0.25}
    s = hs.summary
    assert s.loc[0, "health"] == pytest.approx(0.5 * 80 + 0.25 * 100 + 0.25 * 50)
    assert s.loc[1, "health"] == pytest.approx((100 + 50) / 2)  # NPS's weight re-normalised away
    assert s["weight_available"].tolist() == [1.0, 0.5]
    assert s["n_components"].tolist() == [3, 2]
    assert s["band"].astype(str).tolist() == ["green", "green"]


def test_bands_and_not_scored():
    snap = pd.DataFrame([_row(nps=-100), _row(nps=0), _row(nps=60), _row()])
    hs = health_score(snap, weights={"account_nps": 1})
    assert hs.summary["band"].astype(str).tolist() == ["red", "amber", "green", "not scored"]
    assert hs.n_by_band == {"red": 1, "amber": 1, "green": 1, "not scored": 1}
    hs = health_score(snap, weights={"account_nps": 1}, bands=(10, 90))
    assert hs.summary["band"].astype(str).tolist() == ["red", "amber", "amber", "not scored"]


def test_default_weights_and_missing_components_are_reported(snaps):
    snap = snaps[snaps["as_of"] == DATES[-1]].drop(columns=["n_roles"])
    hs = health_score(snap)
    assert hs.weights == pytest.approx({k: v / sum(DEFAULT_WEIGHTS.values()) for k, v in DEFAULT_WEIGHTS.items()})
    assert hs.missing_components == ["roles_heard"]
    assert hs.summary["health"].between(0, 100).all()
    assert "<p><strong>Account health score</strong></p>" in hs._repr_html_()


@pytest.mark.parametrize("weights, match", [
    ({"acount_nps": 1}, r"unknown component 'acount_nps' \(did you mean 'account_nps'\?\)"),
    ({"roles": 1}, r"unknown component 'roles' \(did you mean 'roles_heard'\?\)"),
    ({"account_nps": -1}, r"weights\['account_nps'\]' parameter of health_score must be >= 0. Got -1"),
    ({"account_nps": 0}, r"at least one component a positive weight"),
    ({}, r"must be None, 'learned' or a non-empty mapping"),
    ("lerned", r"Got 'lerned' instead \(did you mean 'learned'\?\)"),
])
def test_bad_weights_are_parameter_errors(weights, match):
    with pytest.raises(ParameterError, match=match):
        health_score(pd.DataFrame([_row(nps=1)]), weights=weights)


def test_bad_bands_history_and_penalty():
    snap = pd.DataFrame([_row(nps=1)])
    with pytest.raises(ParameterError, match=r"'bands' parameter of health_score must be two cut-offs"):
        health_score(snap, bands=(70, 40))
    with pytest.raises(ParameterError, match=r"'history' parameter of health_score is used only with"):
        health_score(snap, history=snap)
    with pytest.raises(ParameterError, match=r"'penalty' parameter of health_score must be > 0"):
        health_score(snap, weights="learned", penalty=0)
    with pytest.raises(ParameterError, match=r"'snapshot' parameter of health_score must be a pandas DataFrame"):
        health_score([1, 2])


# ---------------------------------------------------------------- learned weights
def test_learned_weights_show_coefficients_and_risk_bands(snaps):
    past = snaps[snaps["as_of"] < DATES[-1]]
    now = snaps[snaps["as_of"] == DATES[-1]]
    hs = health_score(now, weights="learned", history=past)
    coef = hs.coefficients
    assert coef["term"].tolist()[0] == "intercept" and set(coef["term"][1:]) <= set(COMPONENTS)
    np.testing.assert_allclose(coef["odds_ratio"][1:], np.exp(coef["coef"][1:]))
    # better relationship drivers mean less churn in the sample's truth
    assert coef.set_index("term").loc["driver_means", "coef"] < 0
    s = hs.summary
    np.testing.assert_allclose(s["health"], 100 * (1 - s["p_churn"]))
    base = past["churned"].mean()
    assert hs.bands == pytest.approx((100 * (1 - 2 * base), 100 * (1 - base)))
    red = s["band"] == "red"
    assert (s.loc[red, "p_churn"] >= 2 * base - 1e-12).all() and (s.loc[~red, "p_churn"] < 2 * base).all()
    assert hs.learned_on == f"a history of {len(past)} snapshot rows"
    assert sum(hs.weights.values()) == pytest.approx(1)


def test_learned_weights_are_the_penalised_likelihood_optimum(snaps):
    past = snaps[snaps["as_of"] < DATES[-1]].reset_index(drop=True)
    hs = health_score(past, weights="learned", penalty=0.5)
    comp = component_scores(past)[hs.coefficients["term"][1:].tolist()]
    X = comp.fillna(comp.mean()).to_numpy()
    Z = (X - X.mean(0)) / X.std(0)
    # the same penalised likelihood, C * sum(log loss) + |w|^2 / 2 (intercept unpenalised), by scipy's BFGS
    from scipy.optimize import minimize
    y = past["churned"].to_numpy(float)
    A = np.column_stack([np.ones(len(Z)), Z])

    C = 0.5

    def objective(b):  # sklearn's objective divided by C: sum(log loss) + |w|^2 / (2 C)
        eta = A @ b
        loss = np.logaddexp(0, eta) - y * eta
        grad = A.T @ (1 / (1 + np.exp(-eta)) - y)
        return loss.sum() + b[1:] @ b[1:] / (2 * C), grad + np.r_[0, b[1:] / C]

    ref = minimize(objective, np.zeros(A.shape[1]), jac=True, method="BFGS", options={"gtol": 1e-10}).x
    np.testing.assert_allclose(hs.coefficients["std_coef"][1:], ref[1:], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(hs.summary["p_churn"], 1 / (1 + np.exp(-A @ ref)), rtol=1e-6)


def test_learned_needs_both_outcomes_in_the_history(snaps):
    past = snaps[snaps["as_of"] == DATES[0]]
    with pytest.raises(DataError, match=r"learned weights need churned and retained accounts in the history; "
                                         r"no account churned"):
        health_score(past, weights="learned", history=past.assign(churned=False))
    with pytest.raises(DataError, match=r"the history has no 'churned' column"):
        health_score(past, weights="learned", history=past.drop(columns="churned"))


# ---------------------------------------------------------------- validation
def test_validation_tables_have_the_documented_columns(validation):
    s = validation.summary
    assert s["score"].tolist() == ["your weights", "learned", "NPS alone", "tenure and value"]
    assert list(s.columns[:6]) == ["score", "kind", "n", "n_events", "n_imputed", "auc"]
    for c in ("auc_ci_low", "brier_ci_high", "calibration_slope", "calibration_intercept", "precision_top_k",
              "recall_top_k", "revenue_at_risk_top_k", "revenue_at_risk_share", "churn_rate"):
        assert c in s
    assert (s["auc_ci_low"] <= s["auc"]).all() and (s["auc"] <= s["auc_ci_high"]).all()
    assert (s["n_imputed"].iloc[2] > 0) and s["n_imputed"].iloc[0] == 0  # silent accounts have no NPS
    assert list(validation.comparisons.columns) == ["score_a", "score_b", "auc_diff", "se", "ci_low",
                                                    "ci_high", "p_value", "p_holm"]
    assert len(validation.comparisons) == 6
    assert set(validation.reliability["score"]) == set(s["score"])
    assert validation.top_k.groupby("score").size().eq(20).all()
    assert validation.coefficients is not None
    assert "Health score validation" in validation._repr_html_()


def test_validation_numbers_are_the_building_blocks_on_the_test_rows(snaps, validation):
    test = snaps[(snaps["as_of"] == DATES[-1]) & snaps["account_id"].isin(validation.test_accounts)]
    test = test.reset_index(drop=True)
    y = test["churned"].to_numpy(float)
    h = health_score(test, weights=DEFAULT_WEIGHTS).summary["health"].to_numpy()
    row = validation.summary.iloc[0]
    assert row["auc"] == pytest.approx(delong(y, -h[None, :])[0][0])
    assert row["n"] == len(test) and row["n_events"] == y.sum()
    top = np.argsort(h, kind="stable")[:20]
    assert row["precision_top_k"] == pytest.approx(y[top].mean())
    assert row["recall_top_k"] == pytest.approx(y[top].sum() / y.sum())
    value = test["annual_value"].to_numpy()
    assert row["revenue_at_risk_share"] == pytest.approx((value * y)[top].sum() / (value * y).sum())
    assert row["n_churned_valued"] == int((np.isfinite(value) & (y == 1)).sum())
    roc = validation.roc[validation.roc["score"] == "your weights"]
    assert roc["fpr"].iloc[0] == 0 and roc["tpr"].iloc[-1] == 1
    # the area under the drawn ROC curve is the AUC
    assert np.trapezoid(roc["tpr"], roc["fpr"]) == pytest.approx(row["auc"])


def test_time_split_never_puts_a_test_date_before_a_training_one(snaps):
    shuffled = snaps.sample(frac=1, random_state=1).reset_index(drop=True)
    train, test = time_split(shuffled["as_of"])
    assert shuffled.loc[test, "as_of"].min() > shuffled.loc[train, "as_of"].max()
    assert not (train & test).any() and (train | test).all()
    val = validate_health(shuffled, scores={"learned": "learned"}, n_boot=100, random_state=0)
    assert val.train_dates == DATES[:2] and val.test_dates == DATES[2:]
    assert max(val.train_dates) < min(val.test_dates)
    # and no test account trains (its earlier snapshots share its outcome)
    assert not set(val.test_accounts) & set(val.train_accounts)
    at_last = snaps.loc[snaps["as_of"] == DATES[-1], "account_id"]
    assert len(val.test_accounts) == round(0.5 * at_last.nunique()) == val.n_test
    # accounts that churned before the last date can only train
    gone = set(snaps["account_id"]) - set(at_last)
    assert gone <= set(val.train_accounts)
    plain = validate_health(shuffled, scores={"learned": "learned"}, n_boot=100, random_state=0,
                            hold_out_accounts=False)
    assert plain.n_test == at_last.size and plain.n_train == (shuffled["as_of"] < DATES[-1]).sum()
    assert not plain.hold_out_accounts and val.hold_out_accounts


def test_test_outcomes_are_never_used_for_learning(snaps):
    scores = {"learned": "learned", "w": {"account_nps": 1}, "model": ["tenure_days", "log_value"]}
    a = validate_health(snaps, scores=scores, n_boot=100, random_state=0)
    flipped = snaps.copy()
    last = flipped["as_of"] == DATES[-1]
    rng = np.random.default_rng(0)
    flipped.loc[last, "churned"] = rng.random(last.sum()) < 0.3
    flipped.loc[last, "event"] = flipped.loc[last, "churned"]
    flipped.loc[last, "days_to_event"] = np.where(flipped.loc[last, "churned"], 100.0, 400.0)
    b = validate_health(flipped, scores=scores, n_boot=100, random_state=0)
    pd.testing.assert_frame_equal(a.coefficients, b.coefficients)
    # the scores themselves (what each ranks at risk) are the same; only the outcomes differ
    assert a.top_k[["score", "account_id", "health"]].equals(b.top_k[["score", "account_id", "health"]])


def test_account_split_keeps_each_account_on_one_side(snaps):
    val = validate_health(snaps, scores={"w": {"account_nps": 1}}, split="account", n_boot=100, random_state=2)
    assert val.split == "account" and val.n_train + val.n_test == len(snaps)
    assert val.n_clusters <= val.n_test


def test_horizon_is_recomputed_from_event_times(snaps):
    val = validate_health(snaps, scores={"w": {"account_nps": 1}}, horizon_days=180, n_boot=100, random_state=0)
    test = snaps[(snaps["as_of"] == DATES[-1]) & snaps["account_id"].isin(val.test_accounts)]
    assert val.summary["n_events"].iloc[0] == int((test["event"] & (test["days_to_event"] <= 180)).sum())
    assert val.horizon_days == 180
    short = snaps.assign(days_to_event=np.where(snaps["event"], snaps["days_to_event"], 200.0))
    with pytest.raises(DataError, match=r"churn within horizon_days=365 is unknown for retained accounts"):
        validate_health(short, scores={"w": {"account_nps": 1}}, n_boot=100)


def test_embargo_trains_only_on_outcome_windows_closed_by_the_test_date(snaps):
    # horizon 180 days, test date 2025-01-01: 2024-07-01 + 180 d = 2024-12-28 has closed, 2024-10-01 has not
    val = validate_health(snaps, scores={"learned": "learned"}, horizon_days=180, embargo=True, n_boot=100,
                          random_state=0)
    assert val.embargo and val.train_dates == ["2024-07-01"] and val.test_dates == ["2025-01-01"]
    plain = validate_health(snaps, scores={"learned": "learned"}, horizon_days=180, n_boot=100, random_state=0)
    assert not plain.embargo and plain.train_dates == DATES[:2]
    assert val.n_train == plain.n_train - int(((snaps["as_of"] == DATES[1])
                                                & snaps["account_id"].isin(plain.train_accounts)).sum())
    assert val.n_test == plain.n_test   # the test rows are the same; only training shrinks
    with pytest.raises(DataError, match=r"embargo=True keeps training rows whose 365-day outcome window has "
                                         r"closed by the test date 2025-01-01, i.e. snapshots dated on or before "
                                         r"2024-01-02; the earliest is 2024-07-01"):
        validate_health(snaps, scores={"learned": "learned"}, embargo=True, n_boot=100)
    with pytest.raises(ParameterError, match=r"The 'embargo' parameter of validate_health applies to "
                                             r"split='time' only"):
        validate_health(snaps, scores={"learned": "learned"}, split="account", embargo=True, n_boot=100)
    with pytest.raises(ParameterError, match=r"embargo"):
        validate_health(snaps, scores={"learned": "learned"}, embargo="yes", n_boot=100)


def test_one_snapshot_date_cannot_be_split_in_time(snaps):
    one = snaps[snaps["as_of"] == DATES[0]]
    with pytest.raises(DataError, match=r"a time split needs snapshots at two or more dates .* these have one "
                                         r"\(2024-07-01\)"):
        validate_health(one, scores=default_scores())


def test_no_churn_in_the_test_period_is_an_error(snaps):
    quiet = snaps.copy()
    last = quiet["as_of"] == DATES[-1]
    quiet.loc[last, ["churned", "event"]] = False
    quiet.loc[last, "days_to_event"] = 400.0
    with pytest.raises(DataError, match=r"no account churned in the test period, so no score can be validated"):
        validate_health(quiet, scores=default_scores())
    quiet = snaps.copy()
    first = quiet["as_of"] < DATES[-1]
    quiet.loc[first, ["churned", "event"]] = False
    quiet.loc[first, "days_to_event"] = 400.0
    with pytest.raises(DataError, match=r"no account churned in the training period"):
        validate_health(quiet, scores=default_scores())


def test_a_score_with_every_account_in_one_band_is_chance_without_a_crash(snaps):
    flat = snaps.assign(nps=0.0)  # every account "NPS 0": one band, one value
    val = validate_health(flat, scores={"flat": {"account_nps": 1}}, n_boot=100, random_state=0)
    row = val.summary.iloc[0]
    assert row["auc"] == 0.5 and row["auc_ci_low"] == row["auc_ci_high"] == 0.5
    assert np.isnan(row["calibration_slope"])  # constant predictions have no slope
    y = flat.loc[flat["account_id"].isin(val.test_accounts) & (flat["as_of"] == DATES[-1]), "churned"].to_numpy(float)
    # a constant score predicts the training churn rate
    p_train = flat.loc[flat["account_id"].isin(val.train_accounts) & (flat["as_of"] < DATES[-1]), "churned"].mean()
    assert row["brier"] == pytest.approx(np.mean((p_train - y) ** 2))
    assert len(val.reliability) == 1  # one bin


@pytest.mark.parametrize("scores, err, match", [
    ({"x": {"acount_nps": 1}}, ParameterError, r"did you mean 'account_nps'"),
    ({"x": "no_such_column"}, DataError, r"no column named 'no_such_column'"),
    ({"x": 3}, ParameterError, r"score 'x' must be a weights mapping"),
    ({}, ParameterError, r"'scores' parameter of validate_health must be a non-empty mapping"),
])
def test_bad_scores(snaps, scores, err, match):
    with pytest.raises(err, match=match):
        validate_health(snaps, scores=scores)


def test_bad_parameters(snaps):
    with pytest.raises(ParameterError, match=r"'split' parameter of validate_health must be one of"):
        validate_health(snaps, scores=default_scores(), split="random")
    with pytest.raises(ParameterError, match=r"'top_k' parameter of validate_health must be an int >= 1"):
        validate_health(snaps, scores=default_scores(), top_k=0)
    with pytest.raises(ParameterError, match=r"'n_boot' parameter of validate_health must be an int >= 100"):
        validate_health(snaps, scores=default_scores(), n_boot=10)


def test_validation_is_reproducible(snaps):
    a = validate_health(snaps, scores=default_scores(), n_boot=100, random_state=5)
    b = validate_health(snaps, scores=default_scores(), n_boot=100, random_state=5)
    pd.testing.assert_frame_equal(a.summary, b.summary)
    pd.testing.assert_frame_equal(a.comparisons, b.comparisons)


# ---------------------------------------------------------------- external reference (R)
_R_SCRIPT = """
suppressMessages(library(pROC))
d <- read.csv("d.csv")
r <- roc(d$y, d$risk, direction = "<", levels = c(0, 1), quiet = TRUE)
auc(r); ci.auc(r, method = "delong")
lp <- qlogis(d$p)
s <- glm(y ~ lp, family = binomial, data = d); coef(s); sqrt(diag(vcov(s)))
i <- glm(y ~ offset(lp), family = binomial, data = d); coef(i); sqrt(diag(vcov(i)))
mean((d$p - d$y)^2)
"""
R_AUC, R_AUC_CI = 0.800227920227920, (0.738757646545531, 0.861698193910310)
R_SLOPE, R_SLOPE_SE = 1.606628181753, 0.266398225400
R_INTERCEPT, R_INTERCEPT_SE = 0.692806589145, 0.161183846622
R_BRIER = 0.192788120935091


def _golden_data():
    """The data of the R run (written to d.csv with 17 significant digits, risk = score)."""
    rng = np.random.default_rng(20261202)
    n = 200
    x = rng.normal(size=n)
    p = 1 / (1 + np.exp(-(-1.5 + 0.8 * x)))
    y = (rng.random(n) < 1 / (1 + np.exp(-(-1.2 + 1.1 * x)))).astype(float)
    return y, p, np.round(50 + 15 * x, 1)


def test_auc_brier_and_calibration_equal_r():
    y, p, risk = _golden_data()
    auc, cov = delong(y, risk[None, :])
    assert auc[0] == pytest.approx(R_AUC, abs=1e-12)
    se = np.sqrt(cov[0, 0])
    assert (auc[0] - 1.959963984540054 * se, auc[0] + 1.959963984540054 * se) == pytest.approx(R_AUC_CI, abs=1e-9)
    c = calibration(y, p)
    assert c["calibration_slope"] == pytest.approx(R_SLOPE, abs=1e-6)  # glm stops at a relative deviance change of 1e-8
    assert (c["calibration_slope_ci_high"] - c["calibration_slope"]) / 1.959963984540054 == pytest.approx(
        R_SLOPE_SE, rel=2e-4)  # R: IRLS weights of its last step
    assert c["calibration_intercept"] == pytest.approx(R_INTERCEPT, abs=1e-6)
    assert (c["calibration_intercept_ci_high"] - c["calibration_intercept"]) / 1.959963984540054 == pytest.approx(
        R_INTERCEPT_SE, rel=2e-4)
    assert brier_score(y, p) == pytest.approx(R_BRIER, abs=1e-14)


def test_account_bootstrap_interval_is_close_to_delong_with_one_row_per_account():
    """With one row per account the percentile bootstrap should agree with pROC's DeLong CI to ~0.01."""
    y, p, risk = _golden_data()
    snap = pd.DataFrame({"account_id": np.arange(len(y)), "as_of": "2025-01-01", "score": -risk,
                         "churned": y.astype(bool)})
    past = snap.assign(as_of="2024-01-01")
    val = validate_health(pd.concat([past, snap]), scores={"s": "score"}, n_boot=2000, random_state=0,
                          hold_out_accounts=False)  # a fixed column learns nothing: test every row
    row = val.summary.iloc[0]
    assert row["auc"] == pytest.approx(R_AUC, abs=1e-12)
    assert row["auc_ci_low"] == pytest.approx(R_AUC_CI[0], abs=0.015)
    assert row["auc_ci_high"] == pytest.approx(R_AUC_CI[1], abs=0.015)


def test_reliability_table_counts_and_wilson_intervals():
    y, p, _ = _golden_data()
    t = reliability_table(y, p, n_bins=5)
    assert t["n"].sum() == len(y) and t["n_events"].sum() == y.sum() and len(t) == 5
    assert (t["p_high"].shift() <= t["p_low"]).iloc[1:].all()
    lo, hi = kr.stats.intervals.wilson_interval(t["n_events"], t["n"])
    np.testing.assert_allclose(t["ci_low"], lo)
    assert np.allclose(t["observed_rate"], t["n_events"] / t["n"])


def test_drivers_are_all_in_the_driver_component():
    assert COMPONENTS["driver_means"] == DRIVERS


def test_without_optional_tables_the_score_and_validation_degrade(sample_snaps_minimal):
    snaps = sample_snaps_minimal
    hs = health_score(snaps)
    assert hs.missing_components == ["response_rate_trend", "roles_heard", "days_since_voc", "detractor_followup"]
    assert hs.summary["weight_available"].max() == pytest.approx(0.65)  # NPS, drivers, recency: 30+20+15 of 100
    val = validate_health(snaps, scores=default_scores(), n_boot=100, random_state=0)
    assert set(val.coefficients["term"]) == {"intercept", "account_nps", "days_since_response", "driver_means"}
    assert val.summary["auc"].notna().all()


@pytest.fixture(scope="module")
def sample_snaps_minimal():
    """The sample with responses and accounts only (contacts, invitations, follow-ups, interviews not given)."""
    from kapta_research.io import Programme
    p = kr.load_sample()
    q = Programme(responses=p.responses, accounts=p.accounts, contacts=p.contacts.iloc[0:0],
                  invitations=p.invitations.iloc[0:0], followups=p.followups.iloc[0:0],
                  voc_interviews=p.voc_interviews.iloc[0:0], drivers=p.drivers)
    return kr.churn.snapshots(q, as_of=DATES)


def test_comparisons_p_holm_is_holms_adjustment_of_the_six_raw_p(validation):
    """Holm (1979) step-down by hand: sorted p times (m - i), running maximum, capped at 1."""
    c = validation.comparisons
    p = c["p_value"].to_numpy()
    order = np.argsort(p)
    m = len(p)
    by_hand = np.empty(m)
    by_hand[order] = np.minimum(1, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    np.testing.assert_allclose(c["p_holm"], by_hand)
    assert (c["p_holm"] >= c["p_value"]).all()


def test_revenue_share_interval_is_the_account_bootstrap_of_the_fixed_top_k(snaps, validation):
    """Rebuild the interval from the same cluster bootstrap (kapta_research.stats.resample) by hand."""
    from kapta_research.accounts._health_validate import _revenue_share_boot
    from kapta_research.stats.resample import cluster_bootstrap
    test = snaps[(snaps["as_of"] == DATES[-1]) & snaps["account_id"].isin(validation.test_accounts)]
    test = test.reset_index(drop=True)
    y = test["churned"].to_numpy(float)
    row = validation.summary.iloc[0]
    assert row["revenue_at_risk_share_ci_low"] <= row["revenue_at_risk_share"] <= row["revenue_at_risk_share_ci_high"]
    assert 0 <= row["revenue_at_risk_share_ci_low"] < row["revenue_at_risk_share_ci_high"] <= 1
    h = health_score(test, weights=DEFAULT_WEIGHTS).summary["health"].to_numpy()
    top = np.zeros(len(test), bool)
    top[np.argsort(h, kind="stable")[:20]] = True
    cv = test["annual_value"].to_numpy() * y
    codes = pd.factorize(test["account_id"])[0]
    # the vectorised statistic against the per-replicate ratio on the same multinomial draws (same seed)
    res = cluster_bootstrap(lambda w: (w * cv * top).sum() / (w * cv).sum(), codes, n_boot=500, random_state=1)
    lo, hi = _revenue_share_boot(-h[None, :], y, test["annual_value"].to_numpy(), codes, 20, confidence=0.9,
                                 n_boot=500, rng=np.random.default_rng(1), func="t")
    np.testing.assert_allclose([lo[0], hi[0]], res.interval(0.9), rtol=1e-12)
    assert lo[0] < row["revenue_at_risk_share"] < hi[0]
    # no annual value at all: no interval (and the finding then leaves the share out)
    assert np.isnan(_revenue_share_boot(-h[None, :], y, np.full(len(y), np.nan), codes, 20, confidence=0.9,
                                        n_boot=100, rng=np.random.default_rng(1), func="t")).all()
