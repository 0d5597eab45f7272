"""plan_sample, benchmark and employee NPS (issue 11): formulas by hand, simulations with a known truth."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from kapta_research.errors import DataError, KaptaWarning, ParameterError
from kapta_research.nps import nps
from kapta_research.operations import (EXAMPLE_BENCHMARKS, benchmark, employee_nps, enps_vs_nps, icc_anova,
                                       margin_for, plan_sample, team_accounts)
from kapta_research.operations.planning import kish_cluster_size
from tests.test_operations import make_programme
from kapta_research.stats.intervals import mover_difference

Z = stats.norm.ppf(0.975)


# --------------------------------------------------------------------------
# plan_sample
# --------------------------------------------------------------------------
def test_plan_sample_is_rocks_variance_times_the_design_effect_without_fpc_under_clustering():
    p_pro, p_det, m, icc, N = 0.45, 0.2, 3.0, 0.15, 2000
    V = (p_pro + p_det) - (p_pro - p_det) ** 2            # Rocks (2016), per respondent
    deff = 1 + (m - 1) * icc                              # Kish design effect
    n = Z ** 2 * V * deff / 0.05 ** 2                     # margin 5 points; no FPC: the design is clustered
    row = plan_sample(margin=5, mix=(p_pro, p_det), respondents_per_account=m, icc=icc, population=N).iloc[0]
    assert row["unit_variance"] == pytest.approx(V) and row["design_effect"] == pytest.approx(deff)
    assert row["n_responses"] == math.ceil(n) and row["n_accounts"] == math.ceil(n / m)
    assert row["fpc"] == "none: clustered design"
    # the inverse gives the margin back (for the unrounded n)
    assert margin_for(n, mix=(p_pro, p_det), respondents_per_account=m, icc=icc, population=N) == pytest.approx(5)


def test_plan_sample_corrects_for_the_population_only_without_clustering():
    p_pro, p_det, N = 0.45, 0.2, 2000
    V = (p_pro + p_det) - (p_pro - p_det) ** 2
    n0 = Z ** 2 * V / 0.05 ** 2
    n = n0 / (1 + (n0 - 1) / N)
    row = plan_sample(margin=5, mix=(p_pro, p_det), population=N).iloc[0]
    assert row["n_responses"] == math.ceil(n) and row["fpc"] == "responses"
    assert margin_for(n, mix=(p_pro, p_det), population=N) == pytest.approx(5)
    assert plan_sample(margin=5, mix=(p_pro, p_det)).iloc[0]["fpc"] == "none: population unknown"


def test_kish_cluster_size_is_the_design_effect_size_for_unequal_accounts():
    # Kish (1965) §5.4: m* = sum n_g^2 / N; sizes 1, 1, 4 -> 18 / 6 = 3 (the mean is 2)
    assert kish_cluster_size([1, 1, 4]) == pytest.approx(3.0)
    assert margin_for(6, mix=(0.5, 0.5), respondents_per_account=kish_cluster_size([1, 1, 4]), icc=0.5) == \
        pytest.approx(100 * Z * math.sqrt(1 * (1 + 2 * 0.5) / 6))


def test_last_wave_margin_equals_the_half_width_of_nps_clustered_interval(sample):
    # Reviewer (R 4.2, survey 4.1): svymean of the codes on the last wave, ids = ~account_id, SE 6.12 -> +-11.99.
    # nps(cluster=) gives 14.1 (1.8 to 25.9). The plan's formula (Kish deff with m* and the ANOVA ICC, no FPC)
    # must agree with the clustered interval within 0.5 points (4 %): they are different estimators of the same
    # variance (ANOVA ICC vs. the linearised sandwich), not the same number.
    from kapta_research.nps import nps
    r = sample.respondents().dropna(subset=["ltr"])
    last = r[r["wave"] == r["wave"].max()]
    ci = nps(last, cluster="account_id").iloc[0]
    half = (ci["ci_high"] - ci["ci_low"]) / 2
    row = plan_sample(margin=10, data=sample).iloc[0]
    assert row["last_wave_n"] == 320
    assert row["last_wave_margin"] == pytest.approx(half, abs=0.5)
    assert row["last_wave_margin"] == pytest.approx(11.99, abs=0.5)          # R svymean, as above
    m_star = kish_cluster_size(last.groupby("account_id").size())
    assert margin_for(320, mix=(row["pct_promoters"] / 100, row["pct_detractors"] / 100),
                      respondents_per_account=m_star, icc=row["icc"], population=852) == \
        pytest.approx(row["last_wave_margin"])


def test_plan_never_asks_for_more_accounts_than_the_segment_has(sample):
    p = plan_sample(margin=10, data=sample, by="segment").set_index("segment")
    pub = p.loc["Public sector"]
    n_pub = sample.accounts.loc[sample.accounts["segment"] == "Public sector", "account_id"].nunique() \
        if "segment" in sample.accounts.columns else 41
    assert pub["accounts_available"] == n_pub == 41
    assert pub["n_accounts"] <= 41 and not pub["reachable"]
    assert pub["best_margin"] == pytest.approx(margin_for(41 * pub["respondents_per_account"],
                                                          mix=(pub["pct_promoters"] / 100, pub["pct_detractors"] / 100),
                                                          respondents_per_account=pub["cluster_size_kish"],
                                                          icc=pub["icc"]))
    from kapta_research.report.findings.operations import _plan_sentence
    text = _plan_sentence(p.reset_index(), 10, "segment", 0.95)[0]
    assert "Public sector ±10 is not reachable: at most ±25 with every one of its 41 accounts" in text
    assert "no finite-population correction" in text
    bare = make_programme(responses=sample.responses, accounts=sample.accounts)
    t = plan_sample(margin=10, data=bare, by="segment")
    assert (t["n_accounts"] <= t["accounts_available"]).all()


def test_plan_sample_worst_case_without_mix_or_data():
    row = plan_sample(margin=10).iloc[0]
    assert row["unit_variance"] == 1.0 and row["n_responses"] == math.ceil(Z ** 2 / 0.01)


def test_icc_anova_equals_the_balanced_formula(rng):
    k, G = 4, 50
    a = np.repeat(rng.normal(0, 0.5, G), k)
    x = np.clip(np.round(a + rng.normal(0, 0.7, G * k)), -1, 1)
    g = np.repeat(np.arange(G), k)
    means = x.reshape(G, k).mean(axis=1)
    msb = k * ((means - x.mean()) ** 2).sum() / (G - 1)
    msw = ((x.reshape(G, k) - means[:, None]) ** 2).sum() / (G * (k - 1))
    assert icc_anova(x, g) == pytest.approx(max((msb - msw) / (msb + (k - 1) * msw), 0))


def test_plan_sample_per_segment_from_the_last_wave(sample):
    p = plan_sample(margin=10, data=sample, by="segment").set_index("segment")
    r = sample.respondents()
    last = r[r["wave"] == r["wave"].max()]
    ent = last[last["segment"] == "Enterprise"]
    row = p.loc["Enterprise"]
    assert row["last_wave_n"] == len(ent)
    assert row["respondents_per_account"] == pytest.approx(ent.groupby("account_id").size().mean())
    assert row["pct_promoters"] == pytest.approx(100 * (ent["ltr"] >= 9).mean())
    assert row["icc"] == pytest.approx(icc_anova(np.sign(np.select([last["ltr"] <= 6, last["ltr"] <= 8],
                                                                   [-1, 0], 1)), last["account_id"]))
    assert row["n_accounts"] == min(math.ceil(row["n_responses"] / row["respondents_per_account"] - 1e-9),
                                    row["accounts_available"])


@pytest.mark.parametrize("kwargs, match", [
    ({"margin": 0}, r"The 'margin' parameter of plan_sample must be > 0\. Got 0 instead\."),
    ({"margin": -5}, r"The 'margin' parameter of plan_sample must be > 0\. Got -5 instead\."),
    ({"margin": 10, "mix": (0.7, 0.5)}, r"The 'mix' parameter of plan_sample must be two shares in \[0, 1\] "
                                        r"summing to at most 1"),
    ({"margin": 10, "icc": 1.5}, r"The 'icc' parameter of plan_sample must be"),
    ({"margin": 10, "by": "segment"}, r"The 'by' parameter of plan_sample needs 'data'"),
])
def test_plan_sample_rejects_bad_parameters(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        plan_sample(**kwargs)


@pytest.mark.slow
def test_programmes_planned_with_plan_sample_reach_the_margin_in_95_percent_of_draws(rng):
    """Clustered draws with a known ICC: a respondent copies the account's category with probability
    sqrt(ICC), else draws afresh, so two respondents of one account correlate exactly ICC."""
    p = np.array([0.25, 0.35, 0.40])          # detractors, passives, promoters
    truth = p[2] - p[0]
    codes = np.array([-1.0, 0.0, 1.0])
    for icc, m in ((0.0, 1), (0.2, 3), (0.5, 4)):
        plan = plan_sample(margin=8, mix=(p[2], p[0]), respondents_per_account=m, icc=icc).iloc[0]
        G = int(plan["n_accounts"])
        R = 4000
        acc = rng.choice(3, size=(R, G), p=p)
        own = rng.choice(3, size=(R, G, m), p=p)
        copy = rng.random((R, G, m)) < np.sqrt(icc)
        cat = np.where(copy, acc[:, :, None], own)
        est = codes[cat].mean(axis=(1, 2))
        within = np.mean(np.abs(est - truth) <= 0.08)
        assert 0.93 <= within <= 0.975, (icc, m, within)


# --------------------------------------------------------------------------
# benchmark
# --------------------------------------------------------------------------
@pytest.fixture
def table():
    return pd.DataFrame({"n": [200], "nps": [30.0], "ci_low": [20.0], "ci_high": [39.0], "suppressed": [False]})


def test_benchmark_two_sample_interval_equals_a_hand_mover(table):
    bench = pd.DataFrame({"industry": ["x"], "source": ["S"], "year": [2020], "nps": [20.0], "n": [400]})
    row = benchmark(table, benchmarks=bench).iloc[0]
    b, se_b = 0.2, math.sqrt((1 - 0.2 ** 2) / 400)
    lb, ub = b - Z * se_b, b + Z * se_b
    lo = 0.1 - math.sqrt((0.30 - 0.20) ** 2 + (ub - b) ** 2)
    hi = 0.1 + math.sqrt((0.39 - 0.30) ** 2 + (b - lb) ** 2)
    assert (row["difference"], row["ci_low"], row["ci_high"]) == pytest.approx((10.0, 100 * lo, 100 * hi))
    assert row["interval"] == "two-sample"
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(tuple(100 * float(v) for v in mover_difference(
        0.3, (0.2, 0.39), b, (lb, ub))))


def test_benchmark_without_n_is_treated_as_fixed_and_says_so(table):
    rows = benchmark(table, benchmarks=EXAMPLE_BENCHMARKS)
    assert (rows["interval"] == "benchmark treated as fixed").all()
    first = rows.iloc[0]
    assert (first["ci_low"], first["ci_high"]) == pytest.approx((20 - first["benchmark_nps"],
                                                                 39 - first["benchmark_nps"]))
    assert rows["caveat"].str.contains("rarely comparable").all()


def test_benchmark_percentile_position(table):
    bench = pd.DataFrame({"source": ["S"] * 3, "year": [2020] * 3, "nps": [25.0] * 3,
                          "p10": [0.0, 40.0, -20.0], "p50": [20.0, 50.0, 0.0], "p90": [40.0, 60.0, 10.0]})
    rows = benchmark(table, benchmarks=bench)
    assert rows["percentile"].iloc[0] == pytest.approx(70.0)
    assert list(rows["position"]) == ["around the 70th percentile", "below the 10th percentile",
                                      "above the 90th percentile"]


def test_benchmark_warns_for_transactional_or_consumer_surveys(table):
    bench = pd.DataFrame({"source": ["Retail panel", "B2B"], "year": [2021, 2021], "nps": [40.0, 20.0],
                          "survey_type": ["transactional", "relationship"], "audience": ["consumer", "b2b"]})
    with pytest.warns(KaptaWarning, match=r"transactional or consumer surveys are not comparable.*Retail panel "
                                          r"\(2021\)"):
        rows = benchmark(table, benchmarks=bench)
    assert rows["caveat"].iloc[0].startswith("Not comparable") and not rows["caveat"].iloc[1].startswith("Not")


def test_example_benchmarks_cite_source_and_year_and_warn_nothing(table):
    b = pd.read_csv(EXAMPLE_BENCHMARKS)
    assert b["source"].notna().all() and b["year"].between(2000, 2030).all() and b["url"].str.startswith("http").all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        benchmark(table, benchmarks=EXAMPLE_BENCHMARKS)


def test_benchmark_nps_outside_100_is_an_error_naming_the_file_row(tmp_path, table):
    path = tmp_path / "bench.csv"
    path.write_text("industry,source,year,nps\nA,S1,2020,20\nB,S2,2021,150\n")
    with pytest.raises(DataError, match=r"file \S*bench\.csv, column 'nps': NPS must be a number between -100 and "
                                        r"100 \(1 row: 3; values: '150'\)"):
        benchmark(table, benchmarks=path)


def test_benchmark_without_source_is_an_error(table):
    with pytest.raises(DataError, match=r"benchmarks need the column\(s\) 'source'"):
        benchmark(table, benchmarks=pd.DataFrame({"year": [2020], "nps": [10.0]}))


# --------------------------------------------------------------------------
# employee NPS
# --------------------------------------------------------------------------
def test_employee_nps_equals_nps_on_the_employees_table(sample):
    got = employee_nps(sample)
    ref = nps(sample.employees, outcome="ltr", by="team", cluster="employee_id")
    few = ref["team"].map(sample.employees.groupby("team")["employee_id"].nunique()) < 5   # people rule on top
    pd.testing.assert_frame_equal(got[~few.to_numpy()], ref[~few])
    assert got.loc[few.to_numpy(), "suppressed"].all()


def test_teams_link_to_accounts_by_manager_or_by_account_ids(sample):
    m = team_accounts(sample)
    mgr = sample.accounts.set_index("account_id")["account_manager"]
    assert (m.set_index("account_id")["team"] == mgr.reindex(m["account_id"]).to_numpy()).all()
    from tests.test_operations import make_programme
    emp = pd.DataFrame({"employee_id": ["E1", "E2"], "team": ["T1", "T2"], "account_ids": ["A1; A2", "A3"],
                        "wave": [1, 1], "ltr": [9.0, 3.0]})
    prog = make_programme(employees=emp, responses=sample.responses.head(3))
    assert team_accounts(prog).values.tolist() == [["T1", "A1"], ["T1", "A2"], ["T2", "A3"]]


def test_employees_table_without_team_is_an_error(programme_copy):
    from kapta_research.io import ProgrammeError, load_programme
    emp = pd.read_csv(programme_copy / "employees.csv").drop(columns="team")
    emp.to_csv(programme_copy / "employees.csv", index=False)
    with pytest.raises(ProgrammeError, match=r"employees\.csv, column 'team': required column\(s\) 'team' missing from the "
                                             r"employees table"):
        load_programme(programme_copy)


def test_employees_table_with_bad_scores_names_the_rows(programme_copy):
    from kapta_research.io import ProgrammeError, load_programme
    emp = pd.read_csv(programme_copy / "employees.csv")
    emp.loc[3, "ltr"] = 11
    emp.loc[5, "team"] = None
    emp.to_csv(programme_copy / "employees.csv", index=False)
    with pytest.raises(ProgrammeError, match=r"teams are missing \(every employee answer needs one\) \(1 row: 7\)"):
        load_programme(programme_copy)
    with pytest.raises(ProgrammeError, match=r"column 'ltr': values must be between 0 and 10 and whole numbers "
                                             r"\(1 row: 5; values: '11'\)"):
        load_programme(programme_copy)


def test_enps_vs_nps_is_suppressed_below_the_minimum_number_of_teams(sample):
    res = enps_vs_nps(sample, min_teams=30)
    assert res.summary["suppressed"].iloc[0] and res.summary["correlation"].isna().all()
    assert "fewer than 30 teams" in res.summary["suppressed_reason"].iloc[0]
    assert len(res.teams) == 0
    assert "association" in res.wording


def _employee_programme(link, seed, n_teams=120):
    from kapta_research.simulate import component_rng, simulate_programme
    from kapta_research.simulate._operations import simulate_employees
    from tests.test_operations import make_programme
    tables, truth = simulate_programme(seed=seed, n_accounts=n_teams * 6, n_waves=2)
    acc = tables["accounts"].copy()
    acc["account_manager"] = [f"T{i % n_teams:03d}" for i in range(len(acc))]
    emp = simulate_employees(acc, truth.latent, component_rng(seed, "employees"), n_waves=2, link=link)
    return make_programme(accounts=acc, responses=tables["responses"], employees=emp)


@pytest.mark.slow
def test_enps_vs_nps_recovers_the_simulated_link_and_is_null_without_one():
    linked = enps_vs_nps(_employee_programme(0.9, seed=5)).summary.iloc[0]
    assert linked["ci_low"] > 0 and linked["correlation"] > 0.25
    covered = 0
    for seed in range(6):
        null = enps_vs_nps(_employee_programme(0.0, seed=100 + seed)).summary.iloc[0]
        covered += null["ci_low"] <= 0 <= null["ci_high"]
    assert covered >= 5


def test_team_enps_is_suppressed_below_min_n_distinct_employees(sample):
    # AM04 has 4 employees but 21 answers over the waves: the rule counts people, not answers
    people = sample.employees.groupby("team")["employee_id"].nunique()
    assert people["AM04"] == 4 and (sample.employees["team"] == "AM04").sum() >= 5
    t = employee_nps(sample, min_n=5).set_index("team")
    assert t.loc["AM04", "suppressed"] and t.loc["AM04", "suppressed_reason"] == "fewer than 5 employees"
    assert np.isnan(t.loc["AM04", "nps"]) and pd.isna(t.loc["AM04", "n"])
    shown = t[~t["suppressed"]].index
    assert (people[shown] >= 5).all() and len(shown) == (people >= 5).sum()
    link = enps_vs_nps(sample, min_n=5)
    hidden = link.teams.set_index("team")
    assert hidden.loc["AM04", "enps_suppressed"] and np.isnan(hidden.loc["AM04", "enps"])
    assert not hidden.loc[hidden.index.isin(people[people >= 5].index), "enps_suppressed"].any()
    # blanking the shown eNPS must not touch the correlation, which uses every team
    full = enps_vs_nps(sample, min_n=1)
    assert link.summary["correlation"].iloc[0] == pytest.approx(full.summary["correlation"].iloc[0])
    assert np.isfinite(link.summary["correlation"].iloc[0])


def test_benchmark_wording_follows_the_interval_and_gives_the_programmes_ci(sample):
    from kapta_research.report.findings.operations import _benchmark_sentence
    overall = nps(sample.respondents(), cluster="account_id")
    bench = benchmark(overall, benchmarks=EXAMPLE_BENCHMARKS)
    # the sample's second benchmark is the reviewer's case: −2.6 (95 % CI −10.0 to +4.6) covers 0
    near = bench.iloc[[1]]
    assert near["ci_low"].iloc[0] < 0 < near["ci_high"].iloc[0]
    text = _benchmark_sentence(near, 0.95)[0]
    assert "no difference the data can distinguish" in text and "differs" not in text
    o = overall.iloc[0]
    assert f"(95 % CI {o['ci_low']:+.0f} to {o['ci_high']:+.0f}, n = {int(o['n']):,})".replace("-", "−") in text
    below = bench.sort_values("difference").iloc[[0]]
    assert below["ci_high"].iloc[0] < 0 and "below it" in _benchmark_sentence(below, 0.95)[0]
    # at confidence 0.5 the same difference is distinguished: the wording follows `confidence`, not a fixed 0.05
    b50 = benchmark(nps(sample.respondents(), cluster="account_id", confidence=0.5), benchmarks=EXAMPLE_BENCHMARKS)
    assert b50["ci_high"].iloc[1] < 0
    t50 = _benchmark_sentence(b50.iloc[[1]], 0.5)[0]
    assert "50 % CI" in t50 and "below it" in t50
