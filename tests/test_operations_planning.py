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
from kapta_research.stats.intervals import mover_difference

Z = stats.norm.ppf(0.975)


# --------------------------------------------------------------------------
# plan_sample
# --------------------------------------------------------------------------
def test_plan_sample_is_rocks_variance_times_the_design_effect_with_fpc():
    p_pro, p_det, m, icc, N = 0.45, 0.2, 3.0, 0.15, 2000
    V = (p_pro + p_det) - (p_pro - p_det) ** 2            # Rocks (2016), per respondent
    deff = 1 + (m - 1) * icc                              # Kish design effect
    n0 = Z ** 2 * V * deff / 0.05 ** 2                    # margin 5 points
    n = n0 / (1 + (n0 - 1) / N)
    row = plan_sample(margin=5, mix=(p_pro, p_det), respondents_per_account=m, icc=icc, population=N).iloc[0]
    assert row["unit_variance"] == pytest.approx(V) and row["design_effect"] == pytest.approx(deff)
    assert row["n_responses"] == math.ceil(n) and row["n_accounts"] == math.ceil(n / m)
    # the inverse gives the margin back (for the unrounded n)
    assert margin_for(n, mix=(p_pro, p_det), respondents_per_account=m, icc=icc, population=N) == pytest.approx(5)


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
    assert row["n_accounts"] == math.ceil(row["n_responses"] / row["respondents_per_account"] - 1e-9)


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
    pd.testing.assert_frame_equal(got, ref)


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
