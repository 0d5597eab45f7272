"""Coverage of the NPS confidence intervals, by simulation and by exact enumeration.

Rocks (2016), "Interval Estimation for the 'Net Promoter Score'", Am. Stat.
70(4):365-372, compares the Wald, adjusted-Wald and iterative score intervals by
their coverage; ../shared/reference/README.md asks us to check whatever we ship
at small n and at extreme mixes.  Mixes are (promoters, passives, detractors).

* Exact coverage: at n = 20 and 100 every trinomial outcome is enumerated, so
  coverage is computed without Monte-Carlo error (the intervals come from the
  library's own per-group code, ``nps._group_stats``).
* Simulated coverage (>= 2000 replicates): through the public ``nps()`` (one
  call with ``by="rep"`` per method) at n = 20 and 100, checked against the exact
  value within binomial error; at n = 1000 through the same internal code,
  evaluated once per distinct outcome.
* Clustered respondents: a latent-class model of accounts (ICC ~ 0.28), naive
  vs cluster-robust intervals, all through ``nps()`` / ``compare()``.

Binomial tolerance: with R replicates the Monte-Carlo SE of a coverage near 95 %
is sqrt(.95 * .05 / R) = 0.49 points at R = 2000; thresholds are >= 3 SE away
from the expected value.
"""
from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from kapta_research import nps as N

pytestmark = pytest.mark.slow  # ~1 minute on one core

ANALYTIC = ("wald", "adjusted_wald", "score")
LTR_OF = np.array([10, 8, 3])  # a promoter, a passive and a detractor score


def mc_se(p: float, reps: int) -> float:
    return float(np.sqrt(p * (1 - p) / reps))


# ---------------------------------------------------------------------------
# interval tables from the library's per-group code
# ---------------------------------------------------------------------------
def _interval(pro: int, pas: int, det: int, method: str) -> tuple[float, float]:
    x = np.repeat([1.0, 0.0, -1.0], [pro, pas, det])
    st = N._group_stats(x, np.ones(len(x)), None, method=method, confidence=0.95, n_boot=100, rng=None)
    return st["ci_low"], st["ci_high"]


@functools.lru_cache(maxsize=None)
def outcome_table(n: int, method: str):
    """Every trinomial outcome of size n: arrays pro, pas, det, ci_low, ci_high (proportion scale)."""
    pro, det = np.meshgrid(np.arange(n + 1), np.arange(n + 1), indexing="ij")
    keep = pro + det <= n
    pro, det = pro[keep], det[keep]
    pas = n - pro - det
    ci = np.array([_interval(a, b, c, method) for a, b, c in zip(pro, pas, det)])
    return pro, pas, det, ci[:, 0], ci[:, 1]


def covers(lo, hi, truth):
    return (lo <= truth + 1e-12) & (truth - 1e-12 <= hi)


def exact_coverage(n: int, mix, method: str) -> float:
    pro, pas, det, lo, hi = outcome_table(n, method)
    pmf = stats.multinomial.pmf(np.column_stack([pro, pas, det]), n, mix)
    return float(pmf[covers(lo, hi, mix[0] - mix[2])].sum())


def simulated_coverage_internal(n: int, mix, method: str, reps: int, rng) -> float:
    """Monte-Carlo coverage; each distinct outcome is evaluated once with the library code."""
    draws = rng.multinomial(n, mix, size=reps)
    uniq, inverse = np.unique(draws, axis=0, return_inverse=True)
    ci = np.array([_interval(*row, method) for row in uniq])
    lo, hi = ci[inverse.ravel(), 0], ci[inverse.ravel(), 1]
    return float(covers(lo, hi, mix[0] - mix[2]).mean())


def grid_of_mixes(step=0.1):
    out = []
    for a in np.arange(0, 1 + 1e-9, step):
        for b in np.arange(0, 1 - a + 1e-9, step):
            mix = (round(a, 10), round(max(1 - a - b, 0), 10), round(b, 10))
            if max(mix) < 0.999:  # a single category is certain: no uncertainty to cover
                out.append(mix)
    return out + [(0.95, 0.05, 0.0), (0.0, 0.05, 0.95), (0.98, 0.01, 0.01), (0.9, 0.1, 0.0)]


# ---------------------------------------------------------------------------
# 1. exact coverage over a grid of mixes
# ---------------------------------------------------------------------------
# Lowest acceptable coverage anywhere on the grid (measured minimum in brackets, step 0.05 grid):
# n = 20:  score 0.92 (0.9245 at 95/5/0: Wilson's known dip near the boundary),
#          adjusted Wald 0.90 (0.9078 at 0/75/25);  n = 100: both 0.93 (0.933 / 0.937).
FLOOR = {(20, "score"): 0.92, (20, "adjusted_wald"): 0.90, (100, "score"): 0.93, (100, "adjusted_wald"): 0.93}


@pytest.mark.parametrize("n", [20, 100])
def test_exact_coverage_over_a_grid_of_mixes(n):
    mixes = grid_of_mixes()
    cov = {m: np.array([exact_coverage(n, mix, m) for mix in mixes]) for m in ANALYTIC}
    for method in ("score", "adjusted_wald"):
        assert cov[method].min() >= FLOOR[(n, method)], (method, mixes[int(cov[method].argmin())])
        assert abs(cov[method].mean() - 0.95) < 0.012, method  # on average close to nominal
    # the Wald interval is the one that fails: far below nominal somewhere on the grid
    assert cov["wald"].min() < (0.70 if n == 20 else 0.90)
    assert cov["wald"].mean() < cov["score"].mean()


def test_exact_coverage_wald_collapses_at_the_boundary():
    # n = 20 at 95/5/0: P(all promoters) = 0.95^20 = 0.358, and then the Wald interval is the point
    # +100, which misses +95; coverage is at most 1 - 0.358.
    mix = (0.95, 0.05, 0.0)
    assert exact_coverage(20, mix, "wald") <= 1 - 0.95 ** 20 + 1e-12
    assert exact_coverage(20, mix, "wald") < 0.70
    assert exact_coverage(20, mix, "score") >= 0.92 and exact_coverage(20, mix, "adjusted_wald") >= 0.92


# ---------------------------------------------------------------------------
# 2. simulated coverage through the public nps()
# ---------------------------------------------------------------------------
def replicate_frame(rng, n: int, mix, reps: int) -> pd.DataFrame:
    cat = np.stack([rng.choice(3, size=n, p=mix) for _ in range(reps)])
    return pd.DataFrame({"rep": np.repeat(np.arange(reps), n), "ltr": LTR_OF[cat.ravel()]})


@pytest.mark.parametrize("n", [20, 100])
@pytest.mark.parametrize("mix", [(0.5, 0.3, 0.2), (0.95, 0.05, 0.0), (0.9, 0.1, 0.0)])
def test_simulated_coverage_through_public_nps(rng, n, mix):
    reps = 2000
    df = replicate_frame(rng, n, mix, reps)
    truth = 100 * (mix[0] - mix[2])
    table = outcome_table(n, "score")
    index = {(a, c): i for i, (a, c) in enumerate(zip(table[0], table[2]))}
    for method in ANALYTIC:
        out = N.nps(df, by="rep", method=method)
        assert len(out) == reps and not out["suppressed"].any()
        # the public function gives exactly the library's per-outcome interval...
        _, _, _, lo, hi = outcome_table(n, method)
        rows = [index[(a, c)] for a, c in zip(out["promoters"], out["detractors"])]
        assert np.allclose(out["ci_low"], 100 * lo[rows], atol=1e-9)
        assert np.allclose(out["ci_high"], 100 * hi[rows], atol=1e-9)
        # ...and its coverage agrees with the exact value within Monte-Carlo error (4 SE)
        sim = float(((out["ci_low"] <= truth + 1e-9) & (truth - 1e-9 <= out["ci_high"])).mean())
        exact = exact_coverage(n, mix, method)
        assert abs(sim - exact) <= 4 * mc_se(exact, reps) + 1e-12, (method, sim, exact)
        if method in ("score", "adjusted_wald"):
            floor = 0.92 if n == 20 else 0.93
            assert sim >= floor - 3 * mc_se(0.95, reps) and exact >= floor, (method, sim, exact)
    if n == 20 and mix == (0.95, 0.05, 0.0):
        wald = N.nps(df, by="rep", method="wald")
        sim = float(((wald["ci_low"] <= truth) & (truth <= wald["ci_high"])).mean())
        assert sim < 0.70  # Wald under-covers badly at n = 20 with an extreme mix


@pytest.mark.parametrize("mix", [(0.5, 0.3, 0.2), (0.3, 0.4, 0.3), (0.9, 0.1, 0.0), (0.95, 0.05, 0.0)])
def test_simulated_coverage_at_n_1000(rng, mix):
    reps = 2500
    for method in ANALYTIC:
        cov = simulated_coverage_internal(1000, mix, method, reps, rng)
        # at n = 1000 every method should be near nominal: 95 % +- 3 SE (SE = 0.44 points)
        assert 0.95 - 3 * mc_se(0.95, reps) <= cov <= 0.95 + 3 * mc_se(0.95, reps) + 0.005, (method, cov)


# ---------------------------------------------------------------------------
# 3. clustered respondents: accounts from a latent-class model
# ---------------------------------------------------------------------------
# Three latent classes of accounts (happy / lukewarm / unhappy), equally likely; every respondent
# of an account draws from its class's mix.  ICC of X = Var_class(mu) / Var(X):
CLASSES = np.array([[0.70, 0.22, 0.08], [0.35, 0.40, 0.25], [0.12, 0.30, 0.58]])
CLASS_P = np.array([1, 1, 1]) / 3
CLASS_NPS = CLASSES[:, 0] - CLASSES[:, 2]
TRUE_NPS = float(CLASS_P @ CLASS_NPS)                           # 0.0867
ICC = float((CLASS_P @ CLASS_NPS ** 2 - TRUE_NPS ** 2)
            / (CLASS_P @ (CLASSES[:, 0] + CLASSES[:, 2]) - TRUE_NPS ** 2))  # 0.284


def clustered_frame(rng, reps: int, n_accounts: int = 150, waves: int = 1) -> pd.DataFrame:
    """Each replicate: n_accounts accounts with 1-8 respondents each (per wave); the class is fixed."""
    cls = np.tile(rng.choice(3, size=(reps, n_accounts), p=CLASS_P), (waves, 1, 1))
    sizes = rng.integers(1, 9, (waves, reps, n_accounts))
    rep_of = np.broadcast_to(np.arange(reps)[None, :, None], sizes.shape)
    acc_of = np.broadcast_to(np.arange(n_accounts)[None, None, :], sizes.shape)
    wave_of = np.broadcast_to(np.arange(1, waves + 1)[:, None, None], sizes.shape)
    k = sizes.ravel()
    c = np.repeat(cls.ravel(), k)
    u = rng.random(len(c))
    cat = (u[:, None] > CLASSES.cumsum(axis=1)[c][:, :2]).sum(axis=1)
    return pd.DataFrame({"rep": np.repeat(rep_of.ravel(), k), "wave": np.repeat(wave_of.ravel(), k),
                         "account": np.char.add("A", np.repeat(acc_of.ravel(), k).astype(str)),
                         "ltr": LTR_OF[cat]})


def coverage_of(out: pd.DataFrame, truth: float) -> float:
    return float(((out["ci_low"] <= 100 * truth) & (100 * truth <= out["ci_high"])).mean())


@pytest.fixture(scope="module")
def clustered_reps():
    return clustered_frame(np.random.default_rng(20261122), reps=3000)


def test_latent_class_design_has_the_intended_icc():
    assert 0.25 <= ICC <= 0.32
    assert TRUE_NPS == pytest.approx(0.0867, abs=1e-4)


def test_naive_interval_under_covers_clustered_data(clustered_reps):
    naive = N.nps(clustered_reps, by="rep")
    cov = coverage_of(naive, TRUE_NPS)
    # theory: deff ~ 1 + (sum m^2 / sum m - 1) ICC = 1 + (5.67 - 1) 0.284 = 2.3, so the naive SE is
    # too small by sqrt(2.3) and coverage is about 2 Phi(1.96 / 1.52) - 1 = 0.80
    assert cov < 0.85, cov


@pytest.mark.parametrize("method", ANALYTIC)
def test_cluster_robust_intervals_hold_nominal_coverage(clustered_reps, method):
    out = N.nps(clustered_reps, by="rep", cluster="account", method=method)
    assert (out["n_clusters"] == 150).all()
    assert out["design_effect"].median() == pytest.approx(1 + (25.5 / 4.5 - 1) * ICC, rel=0.1)
    cov = coverage_of(out, TRUE_NPS)
    assert 0.93 <= cov <= 0.97, (method, cov)


def test_cluster_bootstrap_holds_coverage(clustered_reps):
    sub = clustered_reps[clustered_reps["rep"] < 600]
    out = N.nps(sub, by="rep", cluster="account", method="bootstrap", n_boot=999, random_state=11)
    cov = coverage_of(out, TRUE_NPS)
    # 600 replicates: MC SE 0.9 points; a percentile bootstrap with 150 clusters is close to 95 %
    assert 0.92 <= cov <= 0.98, cov
    # resampling respondents ignores the accounts (expected ~0.80 like the naive Wald; 250 reps,
    # 300 resamples each keep this cheap: MC SE 2.5 points)
    few = clustered_reps[clustered_reps["rep"] < 250]
    naive = N.nps(few, by="rep", method="bootstrap", n_boot=300, random_state=11)
    assert coverage_of(naive, TRUE_NPS) < 0.88


def test_clustered_wave_comparison_holds_coverage():
    """Two waves, the same accounts (same latent class) in both: the true change is 0."""
    df = clustered_frame(np.random.default_rng(7), reps=1000, waves=2)
    out = N.compare(df, group="wave", by="rep", cluster="account")
    cov = float(((out["ci_low"] <= 0) & (0 <= out["ci_high"])).mean())
    assert 0.93 <= cov <= 0.97, cov
    # the t-based p-value is uniform under the null: about 5 % below 0.05
    assert (out["p_value"] < 0.05).mean() == pytest.approx(1 - cov, abs=1e-9)
