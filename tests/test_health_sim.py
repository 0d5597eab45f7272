"""validate_health against simulated truth (issue 10 B verification).

* Churn driven by the account (engagement and relationship drivers): learned weights rank churners
  better than NPS alone, with a paired account-bootstrap interval above 0.
* A null simulation (every churn coefficient 0 and no pre-churn disengagement: churn independent of
  everything): across 100 programmes no score's AUC interval lies above 0.5 more often than the
  nominal one-sided rate (1 - confidence) / 2 allows (a binomial bound).  With the plain time split
  (the test accounts' earlier snapshots in training) the learned score does, which is why
  ``hold_out_accounts`` is the default.

The 100 null programmes are the accounts of one large simulated programme dealt into 100 groups:
accounts are simulated independently of each other, so each group is a programme of its own with
the same truth, and the simulation and snapshots are built once (vectorised) instead of 100 times.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from kapta_research.accounts.health import default_scores, validate_health
from kapta_research.churn import snapshots
from kapta_research.io import Programme
from kapta_research.simulate import CHURN_COEFS, simulate_programme

pytestmark = pytest.mark.slow

DATES = ["2024-07-01", "2024-10-01", "2025-01-01"]
TABLES = ("accounts", "contacts", "invitations", "responses", "followups", "voc_interviews")


def _snaps(seed, n_accounts, **truth):
    tables, _ = simulate_programme(seed=seed, n_accounts=n_accounts, **truth)
    return snapshots(Programme(**{k: v for k, v in tables.items() if k in TABLES}), as_of=DATES)


def _null_truth():
    return {"churn_coefs": {k: 0.0 for k in CHURN_COEFS}, "pre_churn_response_drop": 0.0}


def test_learned_weights_beat_nps_alone_when_churn_follows_the_account():
    snaps = _snaps(5, 1500)
    val = validate_health(snaps, scores=default_scores(), n_boot=500, random_state=0)
    s = val.summary.set_index("score")
    assert s.loc["learned", "auc"] > s.loc["NPS alone", "auc"]
    c = val.comparisons.set_index(["score_a", "score_b"]).loc[("learned", "NPS alone")]
    assert c["ci_low"] > 0, c
    assert s.loc["learned", "auc_ci_low"] > 0.5
    # learned probabilities transfer to the later period: slope near 1
    assert 0.6 < s.loc["learned", "calibration_slope"] < 1.6


@pytest.fixture(scope="module")
def null_groups():
    n_groups, per_group = 100, 200
    snaps = _snaps(11, n_groups * per_group, **_null_truth())
    group = snaps["account_id"].str[1:].astype(int) % n_groups
    return [snaps[group == g] for g in range(n_groups)]


def _above_chance(groups, scores=None, **kw):
    hits = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # failed bootstrap replicates in tiny groups are counted, not our point
        for g, snaps in enumerate(groups):
            val = validate_health(snaps, scores=scores or default_scores(), n_boot=100, random_state=g, **kw)
            hits.append(val.summary.set_index("score")["auc_ci_low"] > 0.5)
    return pd.DataFrame(hits)


def test_no_score_beats_chance_more_often_than_nominal_on_a_null_simulation(null_groups):
    hits = _above_chance(null_groups)
    n = len(hits)
    bound = stats.binom.isf(0.001, n, 0.025)  # one-sided nominal rate of a 95 % interval, 0.1 % tail
    assert (hits.sum() <= bound).all(), hits.sum().to_dict()
    assert hits.to_numpy().mean() <= 0.05  # over all four scores together


def test_the_plain_time_split_leaks_the_learned_score(null_groups):
    """Without holding the test accounts out, their earlier snapshots carry their outcome into training."""
    hits = _above_chance(null_groups[:50], scores={"learned": "learned"}, hold_out_accounts=False)
    assert hits["learned"].mean() > 0.08, hits.mean().to_dict()
