"""Account NPS shrinkage and categories by simulation (issue 10 verification).

Shrinkage and calibration: 200 programmes of 60 accounts drawn from the empirical-Bayes model itself
(true account mix p_a ~ Dirichlet(a0 m), a0 = 4, m = 25 / 35 / 40 % detractors / passives / promoters;
1-8 answers per account, multinomial given p_a).  Each programme is analysed on its own (the prior is
re-fitted per programme, as a user's portfolio would be).  This is the simulation the estimator's
claims are about -- "lower error than the raw NPS for thin accounts" and "posterior intervals cover
the true account NPS" -- with the true NPS known exactly (p_pro - p_det), which the full programme
simulator does not give per account (there the mix also drifts by wave and role).

Recovery: one programme of 1 500 accounts from kapta_research.simulate, whose latent categories follow
the published descriptions (Ambassador, Rational, Ambivalent, Stalker, Opponent).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kapta_research.accounts import account_categories, account_nps
from kapta_research.accounts.categories import CATEGORY_NAMES, DEFAULT_RULE, classify_mix

pytestmark = pytest.mark.slow

N_PROGRAMMES, N_ACCOUNTS = 200, 60
ALPHA0, MIX = 4.0, np.array([0.25, 0.35, 0.40])
SCORE = np.array([3, 7, 10])  # a detractor, passive and promoter answer


@pytest.fixture(scope="module")
def programmes():
    rng = np.random.default_rng(2026)
    out = []
    for k in range(N_PROGRAMMES):
        p = rng.dirichlet(ALPHA0 * MIX, size=N_ACCOUNTS)
        n = rng.integers(1, 9, size=N_ACCOUNTS)
        cat = [rng.choice(3, size=m, p=pa) for pa, m in zip(p, n)]
        df = pd.DataFrame({"account_id": np.repeat([f"A{i:03d}" for i in range(N_ACCOUNTS)], n),
                           "ltr": SCORE[np.concatenate(cat)]})
        res = account_nps(df)
        s = res.summary.assign(true_nps=100 * (p[:, 2] - p[:, 0]), true_det=p[:, 0], true_pro=p[:, 2])
        cats = account_categories(res, n_draws=300, n_boot=100, random_state=k)
        s["category"] = cats.summary["category"].to_numpy()
        s["probability"] = cats.summary["probability"].to_numpy()
        s["programme"] = k
        out.append(s)
    return pd.concat(out, ignore_index=True)


def test_shrinkage_beats_raw_nps_for_accounts_with_1_to_3_respondents(programmes):
    thin = programmes[programmes["n"] <= 3]
    mse_raw = ((thin["nps"] - thin["true_nps"]) ** 2).mean()
    mse_shrunk = ((thin["nps_shrunk"] - thin["true_nps"]) ** 2).mean()
    print(f"MSE (points^2) for 1-3 respondents: raw {mse_raw:.0f}, shrunk {mse_shrunk:.0f}")
    # measured: raw 3 086, shrunk 878 (accounts with 1-3 answers of 12 000): 28 % of the raw error
    assert mse_shrunk < 0.5 * mse_raw
    for n, g in thin.groupby("n"):
        assert ((g["nps_shrunk"] - g["true_nps"]) ** 2).mean() < ((g["nps"] - g["true_nps"]) ** 2).mean(), n


def test_posterior_intervals_cover_the_true_account_nps(programmes):
    covered = (programmes["ci_low"] <= programmes["true_nps"]) & (programmes["true_nps"] <= programmes["ci_high"])
    by_n = covered.groupby(programmes["n"].clip(upper=6)).mean()
    print("coverage of the 95 % posterior interval:", round(covered.mean(), 3), by_n.round(3).to_dict())
    # measured: 0.935 overall over 12 000 accounts, 0.93-0.94 for every n (slightly under 0.95: the
    # prior's concentration is estimated from 60 accounts, and the interval ignores that uncertainty)
    assert 0.90 <= covered.mean() <= 0.98
    assert by_n.between(0.88, 0.99).all(), by_n


def test_category_probabilities_are_calibrated(programmes):
    # the truth: the rule applied to the account's true mix (no driver ratings in these programmes)
    truth = np.array(CATEGORY_NAMES)[classify_mix(programmes["true_det"].to_numpy(), programmes["true_pro"].to_numpy(),
                                                  {}, DEFAULT_RULE)]
    right = programmes["category"].to_numpy() == truth
    bins = pd.cut(programmes["probability"], [0.0, 0.5, 0.7, 0.9, 1.0])
    table = pd.DataFrame({"p": programmes["probability"], "right": right}).groupby(bins, observed=True).agg(
        mean_p=("p", "mean"), hit=("right", "mean"), n=("right", "size"))
    print(table.round(3))
    # measured: hit rates 0.395 / 0.580 / 0.775 / 0.930 for mean stated probabilities 0.411 / 0.598 /
    # 0.796 / 0.946 (bins of 1 150-4 450 accounts): within 0.02 -- accounts given 0.8 are right 78 % of the time
    big = table[table["n"] > 200]
    assert len(big) >= 3
    assert (np.abs(big["hit"] - big["mean_p"]) < 0.06).all(), table
    assert abs(right.mean() - programmes["probability"].mean()) < 0.03


def test_categories_recover_the_simulated_latent_categories():
    from kapta_research.io import Programme
    from kapta_research.schema import DRIVERS
    from kapta_research.simulate import simulate_programme
    tables, truth = simulate_programme(seed=11, n_accounts=1500)
    r = Programme(**tables, drivers=list(DRIVERS), location="<sim 11>").respondents()
    cats = account_categories(account_nps(r), n_draws=500, n_boot=100)
    latent = truth.latent.drop_duplicates("account_id").set_index("account_id")["category"]
    s = cats.summary.assign(truth=latent.reindex(cats.summary["account_id"]).to_numpy())
    four = s[s["n"] >= 4]
    agree = (four["category"] == four["truth"]).mean()
    baseline = four["truth"].value_counts(normalize=True).max()  # calling every account Rational
    recall = four.groupby("truth").apply(lambda g: (g["category"] == g.name).mean(), include_groups=False)
    print(f"agreement {agree:.3f} (baseline {baseline:.3f}, n = {len(four)}); recall", recall.round(2).to_dict())
    print(pd.crosstab(four["truth"], four["category"]))
    # measured (seed 11, 1 080 accounts with 4+ respondents): agreement 0.65 against 0.50 for "all
    # Rational"; recall Ambassador 0.57, Rational 0.76, Stalker 0.56, Opponent 0.38 (of 24),
    # Ambivalent 0.25 (love/hate accounts look like the others when few contacts answer).  The latent
    # categories overlap by design (quality varies within each and drifts by wave), so no rule can
    # recover all of them; the probabilities are calibrated against the rule (test above).
    assert agree >= baseline + 0.08 and agree >= 0.55
    assert recall["Stalker"] >= 0.45 and recall["Opponent"] >= 0.3 and recall["Ambassador"] >= 0.45


def test_coverage_when_account_size_is_linked_to_the_score():
    # the reviewer's stress case: big accounts are happier than thin ones (true mix drifts from
    # 35/35/30 % at n = 1 to 15/35/50 % at n = 20), but the prior is one mix for all accounts.
    # 100 programmes of 60 accounts, 1-20 answers each.  The joint fit of alpha weighs accounts by
    # information rather than by answers, yet a single prior cannot follow the size-score link:
    # thin accounts are shrunk toward a mix partly set by big ones.  Documented limitation
    # (accounts/_prior.py "Limitations"); this test records the coverage, it does not hide it.
    rng = np.random.default_rng(7)
    rows = []
    for k in range(100):
        n = rng.integers(1, 21, size=N_ACCOUNTS)
        f = (n - 1) / 19
        m = np.c_[0.35 - 0.20 * f, np.full_like(f, 0.35), 0.30 + 0.20 * f]
        p = np.array([rng.dirichlet(ALPHA0 * mi) for mi in m])
        cat = [rng.choice(3, size=c, p=pa) for pa, c in zip(p, n)]
        df = pd.DataFrame({"account_id": np.repeat([f"A{i:03d}" for i in range(N_ACCOUNTS)], n),
                           "ltr": SCORE[np.concatenate(cat)]})
        s = account_nps(df).summary
        rows.append(s.assign(true_nps=100 * (p[:, 2] - p[:, 0])))
    s = pd.concat(rows, ignore_index=True)
    covered = (s["ci_low"] <= s["true_nps"]) & (s["true_nps"] <= s["ci_high"])
    thin = s["n"] <= 3
    print(f"size-linked coverage: all {covered.mean():.3f}, n<=3 {covered[thin].mean():.3f} "
          f"({int(thin.sum())} accounts), n>15 {covered[s['n'] > 15].mean():.3f}")
    # measured (joint alpha fit, 6 000 accounts): 0.941 overall, 0.920 for n <= 3 (921 accounts),
    # 0.949 for n > 15 -- thin accounts under-cover the nominal 0.95 but stay above 0.90 here
    assert covered.mean() >= 0.90
    assert covered[thin].mean() >= 0.88
