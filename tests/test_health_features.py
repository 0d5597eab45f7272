"""Snapshot features added for the health score (tenure) and scoring today's accounts, with leakage checks."""
from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

import kapta_research as kr
from kapta_research.churn import snapshot, snapshot_features
from kapta_research.errors import ParameterError

AS_OF = pd.Timestamp("2025-01-01")


@pytest.fixture(scope="module")
def sample():
    return kr.load_sample()


def test_tenure_is_days_since_customer_since(sample):
    snap = snapshot(sample, as_of=AS_OF)
    since = snap["account_id"].map(sample.accounts.set_index("account_id")["customer_since"])
    assert (snap["tenure_days"] == (AS_OF - since).dt.days).all()
    assert (snap["tenure_days"] > 0).all()


def test_tenure_and_every_feature_ignore_what_happens_after_the_snapshot(sample):
    """Leakage: later churn dates, later responses, follow-ups and interviews change no feature."""
    base = snapshot_features(sample, as_of=AS_OF)
    later = copy.deepcopy(sample)
    acc = later.accounts
    future = acc["churn_date"].isna() | (acc["churn_date"] > AS_OF)
    acc.loc[future, "churn_date"] = AS_OF + pd.Timedelta(days=30)  # everyone still active churns next month
    acc.loc[future, "churned"] = True
    r = later.responses
    r.loc[r["responded_at"] >= AS_OF, "ltr"] = 0.0
    later.voc_interviews = pd.concat([later.voc_interviews, pd.DataFrame({
        "account_id": acc["account_id"], "interview_date": AS_OF, "interviewer": "VOC01"})], ignore_index=True)
    pd.testing.assert_frame_equal(base, snapshot_features(later, as_of=AS_OF))


def test_snapshot_features_are_the_snapshot_without_its_outcome(sample):
    snap = snapshot(sample, as_of=AS_OF)
    feats = snapshot_features(sample, as_of=AS_OF)
    pd.testing.assert_frame_equal(snap.drop(columns=["churned", "event", "days_to_event"]), feats)


def test_snapshot_features_score_accounts_at_the_end_of_the_data(sample):
    end = kr.churn.observed_until(sample)
    with pytest.raises(ParameterError, match="runs past the end of the data"):
        snapshot(sample, as_of=end)
    feats = snapshot_features(sample, as_of=end)
    active = sample.accounts["churn_date"].isna() | (sample.accounts["churn_date"] > end)
    assert len(feats) == int(active.sum())
    assert "churned" not in feats


def test_snapshot_features_bad_input(sample):
    with pytest.raises(ParameterError, match=r"'as_of' parameter of snapshot_features must be after the first"):
        snapshot_features(sample, as_of="2020-01-01")
    with pytest.raises(ParameterError, match=r"'as_of' parameter of snapshot_features must be a date"):
        snapshot_features(sample, as_of="soon")
    with pytest.raises(ParameterError, match=r"'programme' parameter of snapshot_features must be a Programme"):
        snapshot_features(sample.responses, as_of=AS_OF)


def test_without_customer_since_tenure_is_missing(sample):
    p = copy.deepcopy(sample)
    p.accounts = p.accounts.drop(columns=["customer_since"])
    assert np.isnan(snapshot_features(p, as_of=AS_OF)["tenure_days"]).all()
