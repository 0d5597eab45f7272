"""Simulation studies of kapta_research.drivers with known truth (slow).

1. Relative importance: with independent standardised drivers the population
   LMG value of driver j is beta_j² / Var(y) exactly, so its share of R² is
   beta_j² / sum(beta²).  The estimates converge to it, and 90 % percentile
   intervals from the account (cluster) bootstrap cover it at about the
   nominal rate when respondents of an account are alike.
2. Transition drivers: data from an adjacent-category logit model where
   ease_of_doing_business drives detractor -> passive and leading_edge drives
   passive -> promoter.  The true driver of each transition is ranked first,
   and the Wald test of a difference between transitions rejects when the
   effects differ and holds its level when they are equal.

All seeds are fixed, so the outcome is deterministic.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kapta_research import _lmg
from kapta_research.drivers import relative_importance, transition_drivers
from kapta_research.schema import DRIVERS

pytestmark = pytest.mark.slow

BETA = np.array([0.5, 0.4, 0.3])
TRUE_SHARE = BETA ** 2 / np.sum(BETA ** 2)
NAMES = ["a", "b", "c"]


def clustered_linear(rng, *, n_accounts=100, per_account=5, rho=0.3, rho_y=0.3, sigma=1.0):
    """Independent standardised drivers, intra-account correlation rho (drivers), rho_y (error)."""
    n = n_accounts * per_account
    g = np.repeat(np.arange(n_accounts), per_account)
    p = len(BETA)
    X = (np.sqrt(rho) * rng.normal(size=(n_accounts, p))[g]
         + np.sqrt(1 - rho) * rng.normal(size=(n, p)))
    e = np.sqrt(rho_y) * rng.normal(size=n_accounts)[g] + np.sqrt(1 - rho_y) * rng.normal(size=n)
    df = pd.DataFrame(X, columns=NAMES)
    df["y"] = X @ BETA + sigma * e
    df["account_id"] = g
    return df


def test_population_lmg_is_exact_for_independent_drivers():
    sigma2 = 1.3
    p = len(BETA)
    cov = np.zeros((p + 1, p + 1))
    cov[0, 0] = BETA @ BETA + sigma2
    cov[0, 1:] = cov[1:, 0] = BETA
    cov[1:, 1:] = np.eye(p)
    imp, r2, _ = _lmg.importances(cov[None], "lmg")
    np.testing.assert_allclose(imp[0], BETA ** 2 / cov[0, 0], atol=1e-14)
    np.testing.assert_allclose(r2[0], BETA @ BETA / cov[0, 0], atol=1e-14)


def test_estimates_converge_to_population_values():
    rng = np.random.default_rng(1)
    # independent drivers: closed form
    df = clustered_linear(rng, n_accounts=40_000, per_account=5)
    res = relative_importance(df, outcome="y", drivers=NAMES)
    np.testing.assert_allclose(res.summary["share"], TRUE_SHARE, atol=0.01)
    # correlated drivers: population LMG from the population covariance matrix
    S = np.array([[1.0, 0.6, 0.3], [0.6, 1.0, 0.5], [0.3, 0.5, 1.0]])
    beta = np.array([0.4, -0.2, 0.6])
    X = rng.multivariate_normal(np.zeros(3), S, size=200_000)
    y = X @ beta + rng.normal(size=len(X))
    pop = np.zeros((4, 4))
    pop[0, 0] = beta @ S @ beta + 1
    pop[0, 1:] = pop[1:, 0] = S @ beta
    pop[1:, 1:] = S
    truth, _, _ = _lmg.importances(pop[None], "lmg")
    est = relative_importance(pd.DataFrame({"y": y, "a": X[:, 0], "b": X[:, 1], "c": X[:, 2]}),
                              outcome="y", drivers=NAMES)
    np.testing.assert_allclose(est.summary["importance"], truth[0], atol=0.005)


def test_cluster_bootstrap_coverage_of_shares():
    """90 % intervals: the account bootstrap covers at ~90 %, the row bootstrap less."""
    rng = np.random.default_rng(2026)
    reps = 300
    cover = np.zeros((reps, len(BETA)))
    cover_rows = np.zeros((reps, len(BETA)))
    for r in range(reps):
        df = clustered_linear(rng)
        for target, cluster in ((cover, "account_id"), (cover_rows, None)):
            s = relative_importance(df, outcome="y", drivers=NAMES, cluster=cluster,
                                    n_boot=400, confidence=0.9, random_state=r).summary
            target[r] = (s["ci_low"] <= TRUE_SHARE) & (TRUE_SHARE <= s["ci_high"])
    per_driver = cover.mean(axis=0)
    assert np.all((per_driver >= 0.85) & (per_driver <= 0.95)), per_driver
    assert 0.86 <= cover.mean() <= 0.94, cover.mean()
    # ignoring the accounts understates the uncertainty
    assert cover_rows.mean() < cover.mean() - 0.02, (cover_rows.mean(), cover.mean())


# ---------------------------------------------------------------------------
# transitions
# ---------------------------------------------------------------------------

def adjacent_category_programme(rng, *, n_accounts=300, per_account=3, main=0.5, other=0.1,
                                account_sd=0.5):
    """NPS categories from an adjacent-category logit with account random intercepts.

    log P(passive)/P(detractor) = a1 + X b1 + u,  log P(promoter)/P(passive) = a2 + X b2 + u,
    with b1 large for ease_of_doing_business and b2 large for leading_edge.  Among
    respondents scoring 0-8 (7-10) the first (second) logit is exactly the transition's
    logistic regression.
    """
    names = list(DRIVERS)
    p = len(names)
    sizes = rng.poisson(per_account - 1, n_accounts) + 1
    acc = np.repeat(np.arange(n_accounts), sizes)
    n = len(acc)
    X = np.clip(np.rint(4.3 + rng.normal(0, 0.6, n_accounts)[acc][:, None]
                        + rng.normal(0, 0.8, (n, 1)) + rng.normal(0, 1, (n, p))), 1, 7)
    b1 = np.full(p, other)
    b2 = np.full(p, other)
    b1[names.index("ease_of_doing_business")] = main
    b2[names.index("leading_edge")] = main
    u = rng.normal(0, account_sd, n_accounts)[acc]
    e1 = 0.3 + (X - 4) @ b1 + u
    e2 = -0.4 + (X - 4) @ b2 + u
    logits = np.column_stack([np.zeros(n), e1, e1 + e2])
    prob = np.exp(logits - logits.max(axis=1, keepdims=True))
    prob /= prob.sum(axis=1, keepdims=True)
    cat = (rng.random(n)[:, None] > np.cumsum(prob, axis=1)).sum(axis=1)
    ltr = np.where(cat == 0, rng.integers(0, 7, n),
                   np.where(cat == 1, rng.integers(7, 9, n), rng.integers(9, 11, n)))
    df = pd.DataFrame(X.astype(int), columns=names)
    df.insert(0, "ltr", ltr)
    df.insert(0, "account_id", [f"A{g:04d}" for g in acc])
    return df


def test_transition_drivers_recover_the_true_drivers():
    rng = np.random.default_rng(7)
    names = list(DRIVERS)
    reps = 200
    first = {"detractor_to_passive": 0, "passive_to_promoter": 0}
    reject = np.zeros((reps, len(names)), dtype=bool)
    for r in range(reps):
        df = adjacent_category_programme(rng)
        res = transition_drivers(df, drivers=names, cluster="account_id")
        top = res.summary[res.summary["rank"] == 1].set_index("transition")["driver"]
        first["detractor_to_passive"] += top["detractor_to_passive"] == "ease_of_doing_business"
        first["passive_to_promoter"] += top["passive_to_promoter"] == "leading_edge"
        reject[r] = res.difference.set_index("driver").loc[names, "p_value"].to_numpy() < 0.05
    assert first["detractor_to_passive"] / reps >= 0.90, first
    assert first["passive_to_promoter"] / reps >= 0.90, first
    differing = [names.index("ease_of_doing_business"), names.index("leading_edge")]
    equal = [j for j in range(len(names)) if j not in differing]
    power = reject[:, differing].mean(axis=0)
    size = reject[:, equal].mean()
    assert np.all(power >= 0.6), power            # effects 0.5 vs 0.1 per point
    assert 0.02 <= size <= 0.09, size             # nominal 0.05
