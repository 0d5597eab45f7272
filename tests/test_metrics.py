"""Response rates and their trend on the statistics core (kapta_research.metrics)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import kapta_research as kr
from kapta_research import metrics
from kapta_research.errors import ParameterError
from scipy import stats

from kapta_research.stats import clustered, design, intervals


@pytest.fixture(scope="module")
def prog():
    return kr.load_sample()


def test_response_rate_interval_is_wilson_on_the_effective_n(prog):
    rr = metrics.response_rates(prog, by="wave", cluster="account_id")
    inv = prog.invitations
    answered = inv["invitation_id"].isin(set(prog.responses["invitation_id"].dropna())).to_numpy(float)
    w1 = (inv["wave"] == 1).to_numpy()
    y, acc = answered[w1], inv.loc[w1, "account_id"].to_numpy()
    r = clustered.ratio_mean_variance(y, cluster=acc)
    deff = r.variance / (y.mean() * (1 - y.mean()) / len(y))
    # Korn & Graubard (1998): the effective n times (z / t_{G-1})^2 (review fix, 2026-12-01)
    G = len(set(acc))
    k = (stats.norm.ppf(0.975) / stats.t.ppf(0.975, G - 1)) ** 2
    lo, hi = intervals.wilson_interval(y.mean() * len(y) / deff * k, len(y) / deff * k)
    row = rr.iloc[0]
    assert row["design_effect"] == pytest.approx(deff, rel=1e-10) and row["se"] == pytest.approx(r.se)
    assert (row["ci_low"], row["ci_high"]) == (pytest.approx(float(lo)), pytest.approx(float(hi)))
    assert design.effective_n(len(y), deff) == pytest.approx(len(y) / deff)


def test_nothing_clusters_by_default(prog):
    plain = metrics.response_rates(prog, by="wave")
    clustered_rr = metrics.response_rates(prog, by="wave", cluster="account_id")
    assert (plain["design_effect"] == 1.0).all()
    wider = (clustered_rr["ci_high"] - clustered_rr["ci_low"]) - (plain["ci_high"] - plain["ci_low"])
    assert (wider >= -1e-12).all() and (wider > 0).any()   # deff floored at 1: never narrower
    with pytest.raises(ParameterError, match=r"The 'cluster' parameter of response_rates must be a column name "
                                             r"\(str\) or None\. Got True instead"):
        metrics.response_rates(prog, cluster=True)


def test_suppressed_rate_rows_carry_no_numbers(prog):
    rr = metrics.response_rates(prog, by="wave", cluster="account_id", min_n=10 ** 6)
    assert rr["suppressed"].all()
    assert rr[["n_invited", "n_responded", "rate", "se", "ci_low", "ci_high"]].isna().all().all()
    assert list(rr["wave"]) == sorted(prog.invitations["wave"].unique())


def test_trend_uses_t_with_g_minus_1_df_under_clustering(prog):
    """Issue 9 fix: the critical value under clustering is t(G-1) (statsmodels use_t=True)."""
    t = metrics.response_rate_trend(prog, cluster="account_id").iloc[0]
    inv = prog.invitations
    y = inv["invitation_id"].isin(set(prog.responses["invitation_id"].dropna())).to_numpy(float)
    groups = pd.factorize(inv["account_id"])[0]
    fit = sm.OLS(y, sm.add_constant(inv["wave"].to_numpy(float))).fit(
        cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
    assert fit.df_resid_inference == groups.max()          # G - 1
    lo, hi = fit.conf_int()[1]
    assert (t["ci_low"], t["ci_high"]) == (pytest.approx(lo, rel=1e-10), pytest.approx(hi, rel=1e-10))
    assert t["p_value"] == pytest.approx(fit.pvalues[1], rel=1e-10)
    assert t["n_clusters"] == groups.max() + 1
    with pytest.raises(ParameterError, match=r"'cluster' parameter of response_rate_trend must be a column"):
        metrics.response_rate_trend(prog, cluster=1)


def test_nps_figures_never_draw_a_suppressed_group():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from kapta_research.plots import nps as pn
    rng = np.random.default_rng(4)
    # "Mid" is hidden with "Tiny" (complementary suppression: total minus Big would reveal Tiny)
    df = pd.DataFrame({"segment": ["Big"] * 60 + ["Tiny"] * 30 + ["Mid"] * 20,
                       "account_id": [f"b{i % 12}" for i in range(60)] + ["t0", "t1"] * 15
                       + [f"m{i % 4}" for i in range(20)],
                       "ltr": rng.integers(0, 11, 110)})
    table = kr.nps.nps(df, by="segment", cluster="account_id")
    for ax in (pn.nps_by_group(table, by="segment"), pn.mix_bars(table, by="segment")):
        labels = " ".join(t.get_text() for t in ax.get_yticklabels())
        assert "Big" in labels and "Tiny" not in labels and "Mid" not in labels
    plt.close("all")
