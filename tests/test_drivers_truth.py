"""Key-driver verification against the simulator's documented truth (issue: key-driver analysis).

Truth (kapta_research/simulate.py, data/sample/truth.json): an adjacent-category logit in which
ease of doing business has the largest log-odds for Detractor->Passive (0.70 per point) and leading
edge for Passive->Promoter (0.70 per point); each transition is therefore exactly a logistic
regression on the ratings, the model transition_drivers fits.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

import kapta_research as kr
from kapta_research.config import SAMPLE_DIR
from kapta_research.drivers import relative_importance, transition_drivers
from kapta_research.io import Programme
from kapta_research.schema import DRIVERS
from kapta_research.simulate import simulate_programme

TRUTH = json.loads((SAMPLE_DIR / "truth.json").read_text())


def _respondents(seed, n_accounts=300):
    tables, truth = simulate_programme(seed=seed, n_accounts=n_accounts)
    prog = Programme(**tables, drivers=list(DRIVERS), location=f"<sim {seed}>")
    return prog.respondents(), truth


def test_sample_recovers_the_true_top_driver_of_each_transition():
    r = kr.load_sample().respondents()
    res = transition_drivers(r, drivers=list(DRIVERS), cluster="account_id", n_boot=300, random_state=1)
    top = res.summary[res.summary["rank"] == 1].set_index("transition")["driver"]
    assert top["detractor_to_passive"] == TRUTH["top_driver_detractor_to_passive"] == "ease_of_doing_business"
    assert top["passive_to_promoter"] == TRUTH["top_driver_passive_to_promoter"] == "leading_edge"
    # (Whether the odds-ratio intervals cover the true odds ratios is a coverage property: checked over
    # 200 programmes below. In this one sample the ease-of-doing-business interval, 1.55-2.00, just misses
    # the true exp(0.70) = 2.01 - the 1-in-20 event a 95 % interval allows.)
    # and the between-transition test sees that the two top drivers act on different steps
    diff = res.difference.set_index("driver")
    assert diff.loc["ease_of_doing_business", "p_value"] < 0.001
    assert diff.loc["leading_edge", "p_value"] < 0.001


@pytest.mark.slow
def test_true_top_driver_ranks_first_in_at_least_90_percent_of_200_programmes():
    hits = {"detractor_to_passive": 0, "passive_to_promoter": 0}
    covered = {"detractor_to_passive": 0, "passive_to_promoter": 0}
    n_sims = 200
    for seed in range(1000, 1000 + n_sims):
        r, truth = _respondents(seed)
        res = transition_drivers(r, drivers=list(DRIVERS), cluster="account_id")
        s = res.summary.set_index(["transition", "driver"])
        top = res.summary[res.summary["rank"] == 1].set_index("transition")["driver"]
        for step, betas in (("detractor_to_passive", truth.beta_detractor_to_passive),
                            ("passive_to_promoter", truth.beta_passive_to_promoter)):
            true_top = max(betas, key=betas.get)
            hits[step] += top[step] == true_top
            row = s.loc[(step, true_top)]
            covered[step] += row["or_ci_low"] <= np.exp(betas[true_top]) <= row["or_ci_high"]
    rates = {k: v / n_sims for k, v in hits.items()}
    coverage = {k: v / n_sims for k, v in covered.items()}
    print("share of programmes ranking the true top driver first:", rates)
    print("coverage of the true odds ratio by the 95 % cluster-robust CI:", coverage)
    assert min(rates.values()) >= 0.90, rates
    # binomial sd of a 95 % coverage at 200 sims is 0.015: accept 0.91-0.99
    assert all(0.91 <= c <= 0.99 for c in coverage.values()), coverage


@pytest.mark.slow
def test_account_bootstrap_cis_cover_the_population_share():
    # Population LMG shares of the ltr R²: one very large programme from the same process.
    big, _ = _respondents(seed=7, n_accounts=20000)
    pop = relative_importance(big, outcome="ltr", drivers=list(DRIVERS)).summary.set_index("driver")["share"]
    covered = np.zeros(len(DRIVERS))
    n_sims = 200
    for seed in range(2000, 2000 + n_sims):
        r, _ = _respondents(seed)
        s = relative_importance(r, outcome="ltr", drivers=list(DRIVERS), cluster="account_id", n_boot=300,
                                confidence=0.90, random_state=seed).summary.set_index("driver")
        covered += ((s["ci_low"] <= pop) & (pop <= s["ci_high"])).reindex(list(DRIVERS)).to_numpy()
    rate = covered / n_sims
    print("90 % CI coverage by driver:", dict(zip(DRIVERS, rate.round(3))))
    # roughly nominal: mean coverage within 0.84-0.96, no driver below 0.80 (binomial sd at 200 sims ~ 0.021)
    assert 0.84 <= rate.mean() <= 0.96, rate
    assert rate.min() >= 0.80, rate
