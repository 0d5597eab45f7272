"""Churn verification against the simulator's documented truth (issue 4: does NPS predict churn?).

Truth (kapta_research/simulate.py, data/sample/truth.json): at each yearly renewal an account
churns with probability ``expit(-2.3 - 0.9 value_for_money - 0.6 trust - 0.2 log_value)``, where
value_for_money and trust are the account's *latent* levels ``loading[d] * q + v[a, d]``.  Every
driver loads on the same latent relationship quality ``q`` (loadings 0.7-0.9) and has its own
account-specific part ``v[a, d]``; NPS does not enter the churn model and is related to churn only
through the drivers it shares with the two causes.

Study 03 stacks snapshots of the same accounts at three dates, so rows are clustered by account and
the added value of the drivers must be judged by the cluster-robust test (``test_p_value``).
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import kapta_research as kr
from kapta_research.churn import predictive_value, snapshots
from kapta_research.config import SAMPLE_DIR
from kapta_research.io import Programme
from kapta_research.schema import DRIVERS
from kapta_research.simulate import simulate_programme

TRUTH = json.loads((SAMPLE_DIR / "truth.json").read_text())
DATES = ["2024-07-01", "2024-10-01", "2025-01-01"]
MODELS = {"NPS": ["nps"], "NPS + drivers": ["nps", *DRIVERS]}


def _analysed(snaps: pd.DataFrame) -> pd.DataFrame:
    return snaps.dropna(subset=["nps", *DRIVERS])


@pytest.fixture(scope="module")
def sample_value():
    used = _analysed(snapshots(kr.load_sample(), as_of=DATES))
    res = predictive_value(used, models=MODELS, base="NPS", cluster="account_id", random_state=0)
    return used, res


def test_truth_file_documents_two_protective_causes_and_no_nps_effect():
    causes = TRUTH["churn_causes"]
    assert sorted(causes) == ["trust", "value_for_money"]
    assert all(TRUTH["churn_coefs"][d] < 0 for d in causes)  # better ratings, less churn
    # NPS itself has no effect; latent account engagement (issue 10) lowers churn and acts on
    # response behaviour, not on the ratings
    assert set(TRUTH["churn_coefs"]) == {*causes, "log_value", "engagement"}
    assert TRUTH["churn_coefs"]["engagement"] < 0


def test_sample_snapshots_are_stacked_by_account(sample_value):
    used, res = sample_value
    assert res.cluster == "account_id"
    assert res.n == len(used) and res.n_events >= 50  # sample at c213957: 682 rows, 96 churned; after issue 10: 664, 59
    # accounts appear up to three times (251 accounts): independent-row tests are anti-conservative
    assert res.n_clusters == used["account_id"].nunique() < 0.5 * res.n
    assert used.groupby("account_id").size().max() == len(DATES)


def test_sample_drivers_add_predictive_value_beyond_nps(sample_value):
    # Truth: churn depends on value for money and trust beyond what NPS carries (NPS is driven
    # mostly by ease of doing business and leading edge), so the drivers must add to NPS.
    _, res = sample_value
    row = res.summary.set_index("model").loc["NPS + drivers"]
    assert row["wald_df"] == row["score_df"] == len(DRIVERS)
    assert row["test_p_value"] == row["score_boot_p_value"]
    # Measured on the sample at commit c213957 (before issue 10): score bootstrap p = 0.032, cluster
    # score chi2(8) = 16.36, p = 0.0375 (an independent prototype of the score test gave 0.038);
    # cluster Wald p = 0.0034; naive LR p = 1e-7.
    # Issue 10 changed the truth on purpose: a latent account engagement raises response rates
    # and lowers churn, so churners are heard from less and the regenerated sample has 59 churn
    # events among the analysed snapshot rows (96 before).  On it: score bootstrap p = 0.062
    # (0.056-0.066 over seeds 0-2), cluster score chi2(8) = 13.84, p = 0.086; cluster Wald
    # p = 0.0022; naive LR p = 1.7e-9.  In this one draw the drivers' added value is NOT
    # significant at 5 %; over 30 programmes from the same truth the score bootstrap finds it at
    # 5 % in 73 % of them (83 % under the old truth; seeds 0-29, cv=2, n_boot=199, 46 s -- too
    # slow for the suite's budget, so measured once, not a test).  The Wald
    # and LR p-values still overstate the evidence 30- and 10^7-fold.
    assert row["test_p_value"] < 0.10
    assert row["score_p_value"] == pytest.approx(0.0860, abs=0.001)
    assert row["lr_p_value"] < row["wald_p_value"] < row["test_p_value"]


def test_sample_true_causes_are_among_the_three_strongest_drivers(sample_value):
    # Criterion: |z| of each driver in the NPS + drivers model, with cluster-robust SEs.
    # Why not univariate AUC: every driver loads on the same latent quality q (0.7-0.9), so a
    # driver's own AUC mostly measures q and a non-cause with a high loading (satisfaction, 0.9)
    # scores almost like a cause; the truth separates the causes only through their
    # account-specific parts v[a, d], which is what the coefficient adjusted for the other drivers
    # isolates.  In one simulated programme of 6000 accounts the adjusted z of value for money and
    # trust are -12.1 and -6.2 against at most 2.8 in absolute value for the others, while their
    # AUCs (0.73, 0.70) barely beat satisfaction's (0.69).
    # Power caveat (200 programmes of 300 accounts from the pre-issue-10 truth): both causes are in
    # the top 3 by |z| in only 56 % of them (67 % by most negative z, 66 % by AUC); with 8
    # correlated drivers and ~100 events one sample cannot rank drivers reliably (issue 10 truth,
    # 30 programmes: 50 % top 3 by |z|, 33 % the two most protective).  Both causes have negative
    # z in 94 % of the 200 programmes.
    # The regenerated sample (issue 10 truth, 59 events) passes the top-3 check: z ease of doing
    # business -2.19, value for money -2.06, trust -1.45, satisfaction -1.38, then |z| <= 0.61.
    # (Before issue 10 the two causes ranked first and second; now a non-cause, ease of doing
    # business, is first by chance -- so that stronger check was dropped, and only value for
    # money's odds ratio is significantly protective: 0.64 (0.41-0.98); trust's is 0.72
    # (0.46-1.12).)
    _, res = sample_value
    coef = res.coefficients["NPS + drivers"][list(DRIVERS)]
    se = np.sqrt(np.diag(res.cov_params["NPS + drivers"].loc[list(DRIVERS), list(DRIVERS)]))
    z = coef / se
    top3 = z.abs().sort_values(ascending=False).index[:3]
    causes = TRUTH["churn_causes"]
    assert set(causes) <= set(top3), z.sort_values()
    assert (z[causes] < 0).all()  # protective, as in the truth
    assert set(causes) <= set(z.sort_values().index[:3]), z.sort_values()
    t = res.odds_ratios[res.odds_ratios["model"] == "NPS + drivers"].set_index("predictor")
    assert (t.loc[causes, "odds_ratio"] < 1).all()
    assert t.loc["value_for_money", "ci_high"] < 1  # protective at 95 %


# ---------------------------------------------------------------------------
# programme-level null: churn independent of the drivers
# ---------------------------------------------------------------------------

NULL_COEFS = {"value_for_money": 0.0, "trust": 0.0, "log_value": 0.0}
N_NULL = 200  # ~0.6 s each on one core: simulate 0.1 s, snapshots 0.2 s, predictive_value 0.3 s


@pytest.fixture(scope="module")
def null_p_values():
    cols = ["lr_p_value", "wald_p_value", "score_p_value", "score_boot_p_value"]
    out = np.empty((N_NULL, len(cols)))
    for seed in range(N_NULL):
        tables, _ = simulate_programme(seed=seed, n_accounts=300, churn_coefs=NULL_COEFS)
        prog = Programme(**tables, drivers=list(DRIVERS), location=f"<null {seed}>")
        used = _analysed(snapshots(prog, as_of=DATES))
        res = predictive_value(used, models=MODELS, base="NPS", cluster="account_id", cv=2,
                               n_boot=199, random_state=seed)
        row = res.summary.iloc[1]
        assert row["test_p_value"] == row["score_boot_p_value"]
        out[seed] = row[cols].to_numpy(float)
    return pd.DataFrame(out, columns=cols)


# Measured on seeds 0-199 (n_boot 499): rejections at 5 % -- naive LR 54 %, cluster Wald 12.5 %,
# cluster score chi-squared 1.5 %, score bootstrap 4.5 %.  On seeds 0-399: 57 %, 14.75 %, 3.0 %,
# 6.25 % (seeds 200-399 alone: 60 %, 17 %, 4.5 %, 8.0 %); the score bootstrap also rejected
# 0.5 % at 1 %, 10.75 % at 10 % and 19.5 % at 20 %.  About 270 clusters per programme but only
# ~34 with a churn event, which is what the chi-squared approximations need many of.

@pytest.mark.slow
def test_null_programmes_naive_lr_rejects_far_too_often(null_p_values):
    rejects = (null_p_values < 0.05).mean()
    assert rejects["lr_p_value"] > 0.3, rejects
    assert rejects["wald_p_value"] < rejects["lr_p_value"] / 2, rejects


@pytest.mark.slow
def test_null_programmes_cluster_wald_is_anti_conservative_with_few_event_clusters(null_p_values):
    # The reason test_p_value is not the Wald test (Cameron & Miller 2015, J. Human Resources
    # 50:317, on few effective clusters): it rejects well above 5 % on these null programmes.
    rejects = (null_p_values < 0.05).mean()
    assert rejects["wald_p_value"] > 0.09, rejects


@pytest.mark.slow
def test_null_programmes_score_bootstrap_holds_its_size(null_p_values):
    # The quoted test: within ~2 binomial SEs (1.5 points at n = 200) of the nominal level.
    rejects = (null_p_values < 0.05).mean()
    assert 0.02 <= rejects["score_boot_p_value"] <= 0.08, rejects
    assert (null_p_values["score_boot_p_value"] < 0.10).mean() <= 0.15, rejects
    # the chi-squared score test errs on the safe side
    assert rejects["score_p_value"] <= 0.06, rejects
