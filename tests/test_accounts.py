"""kapta_research.accounts: roll-ups by hand, the Dirichlet–multinomial fit, coverage, quadrants, bad input."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kapta_research as kr
from kapta_research.accounts import (account_categories, account_nps, fit_dirichlet_prior, quadrants,
                                     rollup_sensitivity, voice_coverage)
from kapta_research.accounts._prior import dm_log_likelihood, posterior_nps_interval
from kapta_research.errors import DataError, KaptaWarning, ParameterError


@pytest.fixture(scope="module")
def sample():
    return kr.load_sample()


@pytest.fixture(scope="module")
def sample_nps(sample):
    return account_nps(sample.respondents())


def small_table():
    """Two accounts, five contacts, two waves: every roll-up is easy to do by hand."""
    rows = [  # account, contact, role, wave, ltr
        ("A", "c1", "decision_maker", 1, 10), ("A", "c1", "decision_maker", 2, 3),
        ("A", "c2", "user", 1, 8), ("A", "c3", "executive_sponsor", 2, 9),
        ("B", "c4", "influencer", 1, 6), ("B", "c5", "user", 2, 10),
    ]
    df = pd.DataFrame(rows, columns=["account_id", "contact_id", "role", "wave", "ltr"])
    df["responded_at"] = pd.to_datetime("2024-01-01") + pd.to_timedelta(df["wave"] * 90, unit="D")
    df["annual_value"] = df["account_id"].map({"A": 300.0, "B": 100.0})
    return df


# ---------------------------------------------------------------------------
# roll-ups against a hand computation
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("rollup, expected", [
    ("pooled", {"A": 25.0, "B": 0.0}),              # A: 10, 3, 8, 9 -> 2 pro, 1 det of 4; B: 6, 10
    ("respondent_mean", {"A": 0.0, "B": 0.0}),      # latest per contact: A 3 (c1), 8, 9
    ("decision_maker", {"A": -100.0, "B": -100.0}),  # A: c1's latest (3); B has no DM: influencer c4 (6)
])
def test_rollups_equal_a_hand_computation(rollup, expected):
    res = account_nps(small_table(), rollup=rollup, shrink=False).summary.set_index("account_id")
    assert res["nps"].to_dict() == pytest.approx(expected)
    assert (res["nps_shrunk"] == res["nps"]).all() and res["reliability"].isna().all()


def test_role_weighted_rollup_and_its_effective_size():
    weights = {"decision_maker": 3, "user": 1, "executive_sponsor": 2, "influencer": 1}
    res = account_nps(small_table(), rollup="role_weighted", role_weights=weights, shrink=False)
    s = res.summary.set_index("account_id")
    # A: detractor (DM, w 3), passive (user, 1), promoter (exec, 2) -> (2 - 3) / 6
    assert s.loc["A", "nps"] == pytest.approx(100 * (2 - 3) / 6)
    assert s.loc["A", "n_effective"] == pytest.approx(6 ** 2 / (9 + 1 + 4))  # Kish
    assert s.loc["B", "nps"] == pytest.approx(0.0)
    # the string form of the study parameter gives the same
    again = account_nps(small_table(), rollup="role_weighted", shrink=False,
                        role_weights="decision_maker=3,user=1,executive_sponsor=2,influencer=1")
    pd.testing.assert_frame_equal(res.summary, again.summary)


def test_account_columns(sample_nps):
    s = sample_nps.summary
    for col in ("account_id", "n", "n_roles", "roles", "has_decision_maker", "promoters", "passives",
                "detractors", "nps", "nps_shrunk", "ci_low", "ci_high", "reliability"):
        assert col in s, col
    assert (s["promoters"] + s["passives"] + s["detractors"] == s["n"]).all()
    assert s["account_id"].is_monotonic_increasing and s["account_id"].is_unique
    assert ((s["ci_low"] <= s["nps_shrunk"]) & (s["nps_shrunk"] <= s["ci_high"])).all()
    # shrinkage pulls towards the portfolio, more for thin accounts
    prior_nps = sample_nps.overview()["prior_nps"].iloc[0]
    assert (np.abs(s["nps_shrunk"] - prior_nps) <= np.abs(s["nps"] - prior_nps) + 1e-9).all()
    assert s.groupby(s["n"] <= 2)["reliability"].mean()[True] < s.groupby(s["n"] <= 2)["reliability"].mean()[False]


def test_rollup_sensitivity_by_hand_and_revenue_weighting():
    t = rollup_sensitivity(small_table(), min_n=1, min_accounts=1).set_index("method")
    assert t.loc["pooled", "nps"] == pytest.approx(100 * (3 - 2) / 6)
    assert t.loc["account_mean", "nps"] == pytest.approx((25 + 0) / 2)
    assert t.loc["revenue_weighted", "nps"] == pytest.approx((300 * 25 + 100 * 0) / 400)
    assert t.loc["decision_maker", "nps"] == pytest.approx(-100.0)
    assert list(t.index) == ["pooled", "respondent_mean", "role_weighted", "decision_maker", "account_mean",
                             "revenue_weighted"]


def test_rollup_sensitivity_intervals_are_account_clustered(sample):
    r = sample.respondents()
    t = rollup_sensitivity(r).set_index("method")
    direct = kr.nps.nps(r, cluster="account_id").iloc[0]
    assert t.loc["pooled", "nps"] == pytest.approx(direct["nps"])
    assert (t.loc["pooled", "ci_low"], t.loc["pooled", "ci_high"]) == pytest.approx((direct["ci_low"], direct["ci_high"]))
    assert (t["n_clusters"] == r["account_id"].nunique()).all()


def test_rollup_sensitivity_degrades_without_roles_or_value(sample):
    r = sample.respondents().drop(columns=["role", "annual_value"])
    t = rollup_sensitivity(r).set_index("method")
    assert not t.loc["pooled", "suppressed"] and not t.loc["respondent_mean", "suppressed"]
    assert t.loc["role_weighted", "suppressed"] and "roles" in t.loc["role_weighted", "suppressed_reason"]
    assert t.loc["revenue_weighted", "suppressed"] and "annual_value" in t.loc["revenue_weighted", "suppressed_reason"]


# ---------------------------------------------------------------------------
# the Dirichlet–multinomial fit: golden values
# ---------------------------------------------------------------------------
GOLDEN_COUNTS = np.array([3, 0, 0, 0, 0, 3, 1, 1, 1, 0, 3, 0, 2, 1, 0, 0, 1, 4, 5, 2, 1, 1, 0, 0, 0, 2, 2, 4, 4, 0],
                         dtype=float).reshape(-1, 3)


def test_dirichlet_multinomial_fit_matches_r():
    # joint fit of all of alpha; R 4.2.2 Patched (2022-11-10 r83330), written independently:
    #   x <- matrix(c(3,0,0, 0,0,3, 1,1,1, 0,3,0, 2,1,0, 0,1,4, 5,2,1, 1,0,0, 0,2,2, 4,4,0), ncol=3, byrow=TRUE)
    #   ll <- function(t) { a <- exp(t); a0 <- sum(a); n <- rowSums(x)
    #     sum(lgamma(a0) - lgamma(n + a0)) + sum(sweep(lgamma(sweep(x, 2, a, "+")), 2, lgamma(a), "-")) }
    #   o <- optim(log(c(1,1,1)), function(t) -ll(t), method="BFGS", control=list(reltol=1e-14, maxit=1000))
    #   exp(o$par); -o$value    # 0.89634388 0.92788732 0.64869933; -41.33774528
    # (the earlier fit with the mix held at the pooled shares reached only -41.39447437 at a0 = 2.519)
    prior = fit_dirichlet_prior(GOLDEN_COUNTS)
    assert prior.alpha == pytest.approx([0.89634388, 0.92788732, 0.64869933], rel=1e-5)
    assert prior.log_likelihood == pytest.approx(-41.33774528, abs=1e-7)
    assert prior.log_likelihood > -41.39447437


def test_posterior_interval_against_exact_quantiles():
    # reference: adaptive quadrature of the stick-breaking integral (nps_posterior_cdf) + brentq, itself
    # checked against 2e6 float64 Dirichlet draws; the Gauss–Jacobi/Newton quantiles match it to 1e-8
    from scipy import optimize
    from kapta_research.accounts._prior import nps_posterior_cdf
    a = np.array([2.41017259, 0.35460708, 5.2720509])
    exact = [optimize.brentq(lambda t: nps_posterior_cdf(t, a) - q, -1, 1, xtol=1e-12) for q in (0.025, 0.975)]
    d = np.random.default_rng(5).dirichlet(a, 2_000_000)
    assert np.quantile(d[:, 2] - d[:, 0], [0.025, 0.975]) == pytest.approx(exact, abs=1.5e-3)
    lo, hi = posterior_nps_interval(a[None], confidence=0.95)
    assert [lo[0], hi[0]] == pytest.approx(exact, abs=1e-8)


@pytest.mark.filterwarnings("ignore::scipy.integrate.IntegrationWarning")
def test_posterior_quantiles_match_quadrature_on_many_posteriors():
    # posteriors as account_nps makes them (prior alpha below 1 plus counts 0-12, one heavy account, a
    # prior at its floor) at many levels, against the adaptive-quadrature reference
    from scipy import optimize
    from kapta_research.accounts._prior import nps_posterior_cdf, nps_posterior_quantiles
    rng = np.random.default_rng(11)
    post = np.vstack([rng.uniform(0.1, 3, (25, 3)) + rng.integers(0, 13, (25, 3)),
                      [[50.3, 80.2, 120.7], [1e-9, 0.5, 1.6], [2.0, 1e-12, 5.0], [0.9, 0.93, 10.65]]])
    for q in (0.005, 0.05, 0.3, 0.5, 0.9, 0.975):
        got = nps_posterior_quantiles(post, q)
        exact = [optimize.brentq(lambda t: nps_posterior_cdf(t, a) - q, -1, 1, xtol=1e-12) for a in post]
        assert got == pytest.approx(exact, abs=1e-6)
    # identical rows get identical answers; the result does not depend on the other rows
    twice = nps_posterior_quantiles(np.vstack([post[:3], post[:3]]), 0.1)
    assert np.array_equal(twice[:3], twice[3:]) and np.array_equal(twice[:3], nps_posterior_quantiles(post, 0.1)[:3])


def test_dirichlet_multinomial_fit_matches_a_brute_force_likelihood():
    # the marginal likelihood by Monte Carlo integration over p ~ Dirichlet(a0 m) of the multinomial
    # probabilities (no gamma-function algebra), maximised on a grid: same a0 as the optimiser
    rng = np.random.default_rng(0)
    m = GOLDEN_COUNTS.sum(0) / GOLDEN_COUNTS.sum()
    grid = np.exp(np.linspace(np.log(0.5), np.log(20), 41))
    ll = []
    for a0 in grid:
        p = rng.dirichlet(a0 * m, size=40000)
        lik = np.exp(GOLDEN_COUNTS @ np.log(p).T).mean(axis=1)  # E[prod p_k^x_k] per account
        ll.append(np.log(lik).sum())
    best = grid[int(np.argmax(ll))]
    assert best == pytest.approx(2.519, rel=0.15)
    # and the closed form equals the integral at a0 = 2.519 (to Monte Carlo error)
    closed = dm_log_likelihood(2.51934897, GOLDEN_COUNTS, m)  # the one-parameter fit's a0
    assert ll[int(np.argmin(np.abs(grid - 2.519)))] == pytest.approx(closed, abs=0.15)


def test_no_heterogeneity_puts_the_prior_at_its_bound():
    counts = np.tile([[1, 1, 1]], (50, 1)).astype(float)  # identical accounts: less spread than chance
    prior = fit_dirichlet_prior(counts)
    assert prior.at_bound and prior.concentration > 1e5


def test_posterior_interval_is_exact_for_a_beta_case():
    # with no passives (alpha_passive -> 0) p_pro - p_det = 2 p_pro - 1 and p_pro ~ Beta(a_pro, a_det)
    from scipy import stats
    post = np.array([[2.0, 1e-12, 5.0]])
    lo, hi = posterior_nps_interval(post, confidence=0.9)
    exact = 2 * stats.beta.ppf([0.05, 0.95], 5.0, 2.0) - 1
    assert [lo[0], hi[0]] == pytest.approx(exact, abs=1e-8)


# ---------------------------------------------------------------------------
# voices, categories, quadrants on the sample
# ---------------------------------------------------------------------------
def test_voice_coverage_counts_and_balance(sample):
    vc = voice_coverage(sample, wave=8)
    a = vc.accounts
    assert (a["heard"] <= a["invited"]).all()
    heard = a[a["heard_any"]]
    assert heard["balance"].between(0, 1).all() and a.loc[~a["heard_any"], "balance"].isna().all()
    # revenue coverage by hand
    allrow = vc.summary.iloc[-1]
    assert allrow["revenue_coverage"] == pytest.approx(heard["annual_value"].sum() / a["annual_value"].sum())
    assert allrow["ci_low"] < allrow["revenue_coverage"] < allrow["ci_high"]
    # an account heard from exactly its invited roles in the same proportions has balance 1
    same = a[(a["heard"] == a["invited"]) & (a["heard"] > 0)]
    assert len(same) > 10 and np.allclose(same["balance"], 1.0)


def test_categories_probabilities_sum_to_one_and_shares(sample_nps):
    cats = account_categories(sample_nps, n_boot=200, n_draws=500)
    p = cats.summary[[c for c in cats.summary if c.startswith("p_")]]
    assert np.allclose(p.sum(axis=1), 1.0)
    shares = cats.shares.set_index("category")
    assert shares.loc[["Ambassador", "Rational", "Ambivalent", "Stalker", "Opponent"], "share"].sum() == pytest.approx(1.0)
    assert (shares["ci_low"] <= shares["share"]).all() and (shares["share"] <= shares["ci_high"]).all()


def test_rule_override_changes_the_categories(sample_nps):
    strict = account_categories(sample_nps, rule={"opponent_min_detractors": 0.9}, n_boot=100, n_draws=300)
    default = account_categories(sample_nps, n_boot=100, n_draws=300)
    assert strict.shares.set_index("category").loc["Opponent", "share"] < \
        default.shares.set_index("category").loc["Opponent", "share"]


def test_quadrants_and_their_probabilities(sample_nps):
    q = quadrants(sample_nps)
    s = q.summary
    high = s["annual_value"] >= q.value_cut
    assert set(s.loc[high & (s["nps_shrunk"] > 0), "quadrant"]) == {"Q1"}
    assert set(s.loc[~high & (s["nps_shrunk"] <= 0), "quadrant"]) == {"Q3"}
    assert q.counts["n_accounts"].sum() == len(s) and q.counts["value_share"].sum() == pytest.approx(1.0)
    # accounts far from the cut are surely in their quadrant, accounts at the cut are a coin toss
    assert s.loc[s["ci_low"] > 0, "probability"].min() > 0.95
    near = s[(s["nps_shrunk"].abs() < 2)]
    assert near["probability"].between(0.3, 0.7).all()


def test_quadrants_churn_cut_is_cross_validated(sample, sample_nps):
    from kapta_research.churn import snapshots
    snaps = snapshots(sample, as_of=["2024-07-01", "2024-10-01", "2025-01-01"])
    q = quadrants(sample_nps, loyalty_cut="churn", snapshots=snaps)
    assert q.cut_method == "churn" and len(q.cut_choice) == 5
    # folds hold out whole accounts: the held-out snapshots add up to all snapshots with an NPS
    assert q.cut_choice["n_test"].sum() == snaps["nps"].notna().sum()
    assert q.loyalty_cut in set(np.arange(-90.0, 95.0, 5.0))


# ---------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------
def test_no_account_attributes(tmp_path):
    import shutil
    from kapta_research.config import SAMPLE_DIR
    shutil.copy(SAMPLE_DIR / "responses.csv", tmp_path / "responses.csv")
    bare = kr.load_programme(tmp_path)
    with pytest.raises(DataError, match=r"voice_coverage needs the accounts table .*none was given"):
        voice_coverage(bare)


def test_annual_value_missing_for_quadrants(sample):
    res = account_nps(sample.respondents().drop(columns=["annual_value"]))
    with pytest.raises(DataError, match=r"quadrants needs the accounts' annual_value .*no such column"):
        quadrants(res)


def test_unknown_role_in_role_weights():
    with pytest.raises(ParameterError, match=r"names an unknown role 'decision_maeker' \(did you mean 'decision_maker'\?\)"):
        account_nps(small_table(), rollup="role_weighted", role_weights={"decision_maeker": 2})
    with pytest.raises(ParameterError, match=r"must be name=number pairs .* Got 'user' instead"):
        account_nps(small_table(), rollup="role_weighted", role_weights="decision_maker=2,user")
    with pytest.raises(ParameterError, match=r"applies to rollup='role_weighted' only"):
        account_nps(small_table(), rollup="pooled", role_weights={"user": 2})


def test_unknown_rule_key_and_bad_threshold(sample_nps):
    with pytest.raises(ParameterError, match=r"unknown key 'opponent_min_detractor' \(did you mean 'opponent_min_detractors'\?\)"):
        account_categories(sample_nps, rule={"opponent_min_detractor": 0.5})
    with pytest.raises(ParameterError, match=r"must give 'opponent_min_detractors' a share in \[0, 1\]. Got 50"):
        account_categories(sample_nps, rule={"opponent_min_detractors": 50})


def test_all_accounts_in_one_category_warns():
    df = pd.DataFrame({"account_id": [f"A{i}" for i in range(20) for _ in range(3)], "ltr": 8})
    res = account_nps(df)
    with pytest.warns(KaptaWarning, match=r"every account falls in one category \(Rational\)"):
        account_categories(res, n_boot=100, n_draws=300)


def test_bad_parameters_and_data():
    with pytest.raises(ParameterError, match=r"The 'rollup' parameter of account_nps must be one of"):
        account_nps(small_table(), rollup="mean")
    with pytest.raises(ParameterError, match=r"The 'confidence' parameter of account_nps must be in \(0, 1\). Got 95"):
        account_nps(small_table(), confidence=95)
    bad = small_table().assign(ltr=[10, 3, 8, 9, 6, 11])
    with pytest.raises(DataError, match=r"column 'ltr': values must be between 0 and 10"):
        account_nps(bad)
    with pytest.raises(DataError, match=r"no column named 'contact_id'"):
        account_nps(small_table().drop(columns="contact_id"), rollup="respondent_mean")
    with pytest.raises(ParameterError, match=r"'loyalty_cut' parameter must be NPS points .* Got 'high'"):
        kr.accounts.parse_loyalty_cut("high")


def test_churn_cut_with_too_few_churners(sample_nps):
    snaps = pd.DataFrame({"account_id": ["A", "B", "C", "D"], "nps": [10.0, -20, 50, 0], "event": False})
    with pytest.raises(DataError, match=r"needs at least 5 churned and 5 retained accounts"):
        quadrants(sample_nps, loyalty_cut="churn", snapshots=snaps)
    with pytest.raises(ParameterError, match=r"loyalty_cut='churn' needs past snapshots"):
        quadrants(sample_nps, loyalty_cut="churn")


def test_findings_word_single_voice_share_with_interval_and_bound_cautiously():
    # reviewer: the single-voice share had no interval or n; "differ no more than chance" overclaimed
    from kapta_research.report.findings.accounts import _coverage_sentences, _shrink_sentence
    cov = pd.DataFrame([{"n_accounts": 40, "n_heard": 30, "heard_share": 0.75, "heard_share_ci_low": 0.6,
                         "heard_share_ci_high": 0.86, "dm_heard_share": 0.5, "dm_heard_share_ci_low": 0.33,
                         "dm_heard_share_ci_high": 0.67, "single_voice_share": 0.4,
                         "single_voice_share_ci_low": 0.25, "single_voice_share_ci_high": 0.57,
                         "revenue_coverage": 0.8, "ci_low": 0.7, "ci_high": 0.9}])
    text = " ".join(_coverage_sentences(cov, 0.95, 0.25, [8]))
    assert "40 % of the 30 accounts heard were heard from one voice only (25 % to 57 %" in text
    ov = pd.DataFrame([{"concentration": 1e6, "at_bound": True, "n_thin": 5, "n_accounts": 40,
                        "prior_pct_detractors": 25, "prior_pct_passives": 35, "prior_pct_promoters": 40}])
    s = _shrink_sentence(ov)
    assert "cannot show that the accounts differ more than chance" in s and "differ no more" not in s


def test_beta_gauss_rule_matches_scipy_and_survives_a_prior_at_its_bound():
    # Golub-Welsch nodes/weights equal scipy.special.roots_jacobi where that works; where it overflows
    # (a + b ~ 1e6, a prior at its bound) the rule still returns the Beta's exact mean and variance
    from scipy import special
    from kapta_research.accounts._prior import _beta_gauss_rule, nps_posterior_quantiles
    for a, b in [(0.3, 0.4), (2.5, 7.1), (0.5, 0.5), (1e-9, 0.6), (0.7, 1e-12), (40.0, 80.0)]:
        x, w = (r[0] for r in _beta_gauss_rule([a], [b], 16))
        y, v = special.roots_jacobi(16, b - 1, a - 1)
        assert np.sort(x) == pytest.approx(np.sort((1 + y) / 2), abs=1e-14)
        assert w[np.argsort(x)] == pytest.approx((v / v.sum())[np.argsort(y)], abs=1e-12)
    x, w = (r[0] for r in _beta_gauss_rule([4e5], [6e5], 16))
    assert np.isfinite(w).all() and (w * x).sum() == pytest.approx(0.4, rel=1e-12)
    assert (w * x ** 2).sum() - (w * x).sum() ** 2 == pytest.approx(0.24 / (1e6 + 1), rel=1e-6)
    # a posterior that tight is normal: the quantile is mean + z * sd (Dirichlet moments)
    a = np.array([2e5, 3e5, 5e5 + 3.0])
    a0 = a.sum()
    sd = np.sqrt((a[2] * (a0 - a[2]) + a[0] * (a0 - a[0]) + 2 * a[0] * a[2]) / (a0 ** 2 * (a0 + 1)))
    assert nps_posterior_quantiles(a[None], 0.975)[0] == pytest.approx((a[2] - a[0]) / a0 + 1.959964 * sd,
                                                                       abs=2e-6)
