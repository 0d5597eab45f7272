"""Point-in-time snapshots: no leakage from after as_of, outcome windows, score freshness."""
from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

import kapta_research as kr
from kapta_research.churn import predictive_value, score_freshness, snapshot, snapshots
from kapta_research.errors import DataError, ParameterError
from kapta_research.simulate import simulate_programme

AS_OF = pd.Timestamp("2025-01-01")


@pytest.fixture(scope="module")
def sample():
    return kr.load_sample()


def _programme_from(tables):
    from kapta_research.io import Programme
    from kapta_research.schema import DRIVERS
    return Programme(**{k: v.copy() for k, v in tables.items()}, drivers=list(DRIVERS), location="<simulated>")


def test_later_records_change_no_feature(sample):
    base = snapshot(sample, as_of=AS_OF)
    later = copy.deepcopy(sample)
    r = later.responses
    after = r["responded_at"] >= AS_OF
    assert after.any()
    # rewrite every later score, add a later response, follow-ups and interviews after as_of
    r.loc[after, "ltr"] = 0.0
    r.loc[after, "trust"] = 1.0
    extra = r[~after].head(50).copy()
    extra["response_id"] = "X" + extra["response_id"]
    extra["responded_at"] = AS_OF + pd.Timedelta(days=3)
    later.responses = pd.concat([r, extra], ignore_index=True)
    later.followups = pd.concat([later.followups, pd.DataFrame({
        "response_id": r.loc[r["ltr"] <= 6, "response_id"].head(30), "followed_up_at": AS_OF + pd.Timedelta(days=1),
        "owner": "AM01", "outcome": "resolved"})], ignore_index=True)
    later.voc_interviews = pd.concat([later.voc_interviews, pd.DataFrame({
        "account_id": sample.accounts["account_id"], "interview_date": AS_OF + pd.Timedelta(days=2),
        "interviewer": "VOC01"})], ignore_index=True)
    changed = snapshot(later, as_of=AS_OF, until=kr.churn.observed_until(sample))
    pd.testing.assert_frame_equal(base, changed)


def test_features_are_computed_from_the_lookback_only(sample):
    snap = snapshot(sample, as_of=AS_OF, lookback_waves=1)
    r = sample.responses
    last_wave = r.loc[r["responded_at"] < AS_OF, "wave"].max()
    acc = snap.dropna(subset=["nps"]).iloc[0]["account_id"]
    mine = r[(r["account_id"] == acc) & (r["wave"] == last_wave) & (r["responded_at"] < AS_OF)]["ltr"]
    expected = 100 * ((mine >= 9).mean() - (mine <= 6).mean())
    assert snap.set_index("account_id").loc[acc, "nps"] == pytest.approx(expected)


def test_outcome_counts_churn_within_the_horizon_only(sample):
    snap = snapshot(sample, as_of=AS_OF, horizon_days=200)
    cd = snap["account_id"].map(sample.accounts.set_index("account_id")["churn_date"])
    assert (snap["churned"] == (cd.notna() & (cd <= AS_OF + pd.Timedelta(days=200)))).all()
    # active accounts only: nobody churned before as_of
    assert not (cd <= AS_OF).any()
    assert (snap.loc[snap["event"], "days_to_event"] == (cd[snap["event"]] - AS_OF).dt.days).all()


def test_stacked_snapshots_keep_one_row_per_account_and_date(sample):
    s = snapshots(sample, as_of=["2024-07-01", "2025-01-01"])
    assert not s.duplicated(["account_id", "as_of"]).any()
    assert set(s["as_of"]) == {pd.Timestamp("2024-07-01"), pd.Timestamp("2025-01-01")}


@pytest.mark.parametrize("kwargs, message", [
    ({"as_of": "2020-01-01"}, r"'as_of' parameter of snapshot must be after the first survey data \(2024-01-15\)"),
    ({"as_of": "not a date"}, r"'as_of' parameter of snapshot must be a date \(e\.g\. '2025-01-01'\)\. Got 'not a date'"),
    ({"as_of": AS_OF, "horizon_days": 0}, r"'horizon_days' parameter of snapshot must be an int >= 1\. Got 0"),
    ({"as_of": AS_OF, "horizon_days": -30}, r"'horizon_days' parameter of snapshot must be an int >= 1\. Got -30"),
    ({"as_of": "2025-10-01"}, r"runs past the end of the data \(2026-01-\d\d\)"),
    ({"as_of": AS_OF, "lookback_waves": 0}, r"'lookback_waves' parameter of snapshot must be an int >= 1"),
])
def test_bad_snapshot_parameters(sample, kwargs, message):
    with pytest.raises(ParameterError, match=message):
        snapshot(sample, **kwargs)


def test_snapshot_needs_a_programme(sample):
    with pytest.raises(ParameterError, match=r"'programme' parameter of snapshot must be a Programme .*Got DataFrame"):
        snapshot(sample.responses, as_of=AS_OF)


def test_snapshots_needs_a_date(sample):
    with pytest.raises(ParameterError, match=r"'as_of' parameter of snapshots must list at least one date"):
        snapshots(sample, as_of=[])


def test_no_churn_events_is_a_clear_error():
    tables, _ = simulate_programme(seed=5, n_accounts=60, churn_intercept=-40.0)
    prog = _programme_from(tables)
    snap = snapshot(prog, as_of="2025-01-01").dropna(subset=["nps"])
    assert not snap["churned"].any()
    with pytest.raises(DataError, match=r"column 'churned': predictive_value: there are no churn events among the analysed rows, so nothing can predict churn"):
        predictive_value(snap, models={"nps": ["nps"]}, cv=3, random_state=0)


def test_all_churned_is_a_clear_error(sample):
    snap = snapshot(sample, as_of=AS_OF).dropna(subset=["nps"]).assign(churned=True)
    with pytest.raises(DataError, match=r"column 'churned': predictive_value: every analysed account churned, so nothing can predict churn"):
        predictive_value(snap, models={"nps": ["nps"]}, cv=3, random_state=0)


def test_predictor_missing_for_every_account_is_a_clear_error(sample):
    snap = snapshot(sample, as_of=AS_OF).assign(trust=np.nan)
    with pytest.raises(DataError, match=r"column 'trust': predictive_value: the column is missing in every row; "
                                        r"nothing to analyse"):
        predictive_value(snap, models={"drivers": ["trust"]}, cv=3, random_state=0)


def test_freshness_detects_stale_scores_when_quality_drifts():
    # Known truth: relationship quality drifts fast (quarterly s.d. 1.0) and churn depends on the
    # current latent level only, so a score from three waves back must predict worse than the latest.
    tables, _ = simulate_programme(seed=11, n_accounts=600, quality_drift_sd=1.0, account_driver_sd=0.1)
    prog = _programme_from(tables)
    fr = score_freshness(prog, as_of=["2024-10-01", "2025-01-01"], lags=(0, 3), n_boot=200, random_state=1)
    assert fr["n_events"].min() > 20
    assert fr.loc[0, "auc"] > fr.loc[1, "auc"] + 0.05
    assert fr.loc[0, "median_age_days"] < fr.loc[1, "median_age_days"]


def test_freshness_is_reproducible(sample):
    a = score_freshness(sample, as_of="2025-01-01", lags=(0, 1), n_boot=200, random_state=3)
    b = score_freshness(sample, as_of="2025-01-01", lags=(0, 1), n_boot=200, random_state=3)
    pd.testing.assert_frame_equal(a, b)
    assert ((a["auc"] >= a["ci_low"]) & (a["auc"] <= a["ci_high"])).all()


def test_freshness_bad_lags(sample):
    with pytest.raises(ParameterError, match=r"'lags' parameter of score_freshness must list at least one lag"):
        score_freshness(sample, as_of="2025-01-01", lags=())
    with pytest.raises(ParameterError, match=r"'lags' parameter of score_freshness must be an int >= 0\. Got -1"):
        score_freshness(sample, as_of="2025-01-01", lags=(-1,))


def test_account_whose_lookback_answers_lack_ltr_keeps_its_counts_and_driver_means(sample):
    # Regression: an account that answered in the lookback only with driver ratings (the LTR
    # question skipped) has no NPS but must keep n_responses and its driver means; before the
    # fix every one of its features was dropped with the missing NPS.
    p = copy.deepcopy(sample)
    base = snapshot(sample, as_of=AS_OF).set_index("account_id")
    account = base.index[(base["n_responses"] >= 2)][0]
    r = p.responses
    mine = (r["account_id"] == account) & (r["responded_at"] < AS_OF)
    r.loc[mine, "ltr"] = np.nan
    snap = snapshot(p, as_of=AS_OF).set_index("account_id")
    row, before = snap.loc[account], base.loc[account]
    assert np.isnan(row["nps"]) and row["nps_band"] == "no response"
    assert row["n_responses"] == before["n_responses"] >= 2
    assert row["n_respondents"] == before["n_respondents"]
    for d in p.drivers:
        assert row[d] == pytest.approx(before[d], nan_ok=True)
    assert row["trust"] == row["trust"]  # a real mean, not NaN
    others = snap.index != account
    pd.testing.assert_frame_equal(snap[others], base[others])
