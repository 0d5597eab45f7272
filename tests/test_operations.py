"""kapta_research.operations: closing the loop, VOC cadence, response rates by role (issue 11).

Kaplan-Meier golden values are from R (see ``R_KM``); SLA shares and cadence
shares are checked against hand counts; intervals against the core's rules.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kapta_research import metrics
from kapta_research.errors import DataError, ParameterError
from kapta_research.io import Programme
from kapta_research.operations import closed_loop, loop_effect, voc_cadence, voc_overdue
from kapta_research.operations._common import MIN_ACCOUNTS, MIN_N
from kapta_research.schema import TABLES, empty_column
from kapta_research.stats.proportion import share_interval


def make_programme(**tables) -> Programme:
    """A Programme from the given frames; the other tables empty with canonical columns."""
    full = {}
    for t, spec in TABLES.items():
        df = tables.get(t)
        if df is None:
            df = pd.DataFrame({c: empty_column(t, c) for c in spec["columns"]})
        else:
            for c in spec["columns"]:
                if c not in df:
                    df[c] = empty_column(t, c, df.index)
        full[t] = df
    return Programme(**full)


# follow-up times in days: 10 followed up (ties at 1 and 10), 5 still open (censored)
KM_TIMES = [0.5, 1, 1, 2, 3, 4.5, 6, 8, 10, 10, 3, 7, 12, 15, 20]
KM_EVENTS = [1] * 10 + [0] * 5
AS_OF = pd.Timestamp("2025-06-30")
END = AS_OF + pd.Timedelta(days=1)   # as_of counts whole

# R 4.2.2 (2022-11-10 r83330), survival: f <- survfit(Surv(t, e) ~ 1, conf.type = "log");
# summary(f); quantile(f, probs = 0.5)  ->  median 8, lower 3, upper NA
R_KM = pd.DataFrame({
    "time": [0.5, 1.0, 2.0, 3.0, 4.5, 6.0, 8.0, 10.0],
    "surv": [0.933333333333, 0.800000000000, 0.733333333333, 0.666666666667, 0.592592592593,
             0.518518518519, 0.432098765432, 0.259259259259],
    "lower": [0.815264045654, 0.621155507533, 0.540467427796, 0.466123836382, 0.387065425861,
              0.314497473136, 0.233643824452, 0.100917338780],
    "upper": [1.0, 1.0, 0.995023474348, 0.953490059411, 0.907252255906, 0.854892255146,
              0.799119529590, 0.666043757440],
})


@pytest.fixture
def loop_prog():
    n = len(KM_TIMES)
    accounts = [f"A{i % 5}" for i in range(n)]
    responded, followed = [], []
    for i, (t, e) in enumerate(zip(KM_TIMES, KM_EVENTS)):
        if e:
            r = pd.Timestamp("2025-01-01") + pd.Timedelta(days=i)
            responded.append(r)
            followed.append(r + pd.Timedelta(days=t))
        else:
            responded.append(END - pd.Timedelta(days=t))
            followed.append(pd.NaT)
    resp = pd.DataFrame({"response_id": [f"R{i}" for i in range(n)], "account_id": accounts,
                         "wave": 1, "responded_at": responded, "ltr": 3.0})
    fu = pd.DataFrame({"response_id": resp["response_id"], "followed_up_at": followed,
                       "owner": ["O1"] * 12 + ["O2"] * 3}).dropna(subset=["followed_up_at"])
    acc = pd.DataFrame({"account_id": [f"A{i}" for i in range(5)], "segment": ["S"] * 5,
                        "account_manager": ["O1"] * 4 + ["O2"]})
    return make_programme(responses=resp, followups=fu.reset_index(drop=True), accounts=acc)


def test_kaplan_meier_of_follow_up_times_equals_r_survfit_with_censoring(loop_prog):
    res = closed_loop(loop_prog, as_of=AS_OF)
    km = res.curve[res.curve["n_events"] > 0].reset_index(drop=True)
    np.testing.assert_allclose(km["time"], R_KM["time"], atol=1e-9)
    np.testing.assert_allclose(km["still_open"], R_KM["surv"], atol=1e-9)
    np.testing.assert_allclose(km["ci_low"], R_KM["lower"], atol=1e-9)
    np.testing.assert_allclose(km["ci_high"], R_KM["upper"], atol=1e-9)
    med = res.median.iloc[0]
    assert (med["median_days"], med["ci_low"]) == pytest.approx((8.0, 3.0)) and np.isnan(med["ci_high"])
    assert (med["n"], med["n_followed_up"], med["n_open"]) == (15, 10, 5)


def test_kaplan_meier_equals_statsmodels_survfuncright(loop_prog):
    from statsmodels.duration.survfunc import SurvfuncRight
    res = closed_loop(loop_prog, as_of=AS_OF)
    sf = SurvfuncRight(np.array(KM_TIMES, float), np.array(KM_EVENTS, float))
    km = res.curve[res.curve["n_events"] > 0]
    np.testing.assert_allclose(km["still_open"], sf.surv_prob, atol=1e-12)


def test_sla_shares_equal_a_hand_count_with_the_cores_clustered_interval(loop_prog):
    res = closed_loop(loop_prog, as_of=AS_OF, sla_days=(2, 7))
    cases = res.cases
    for sla in (2, 7):
        row = res.summary[(res.summary["group"] == "all") & (res.summary["sla_days"] == sla)].iloc[0]
        # hand count: windows closed by as_of (responded at least `sla` days before its end) ...
        closed = [(t, e) for t, e in zip(KM_TIMES, KM_EVENTS) if e or t >= sla]
        hits = sum(1 for t, e in closed if e and t <= sla)
        assert (row["n"], row["successes"]) == (len(closed), hits)
        assert row["share"] == pytest.approx(hits / len(closed))
        keep = cases["days"].ge(sla) | cases["followed_up"].eq(1)
        y = ((cases["followed_up"] == 1) & (cases["days"] <= sla))[keep].astype(float)
        ref = share_interval(y.to_numpy(), cluster=cases.loc[keep, "account_id"].to_numpy(), confidence=0.95)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((ref["ci_low"], ref["ci_high"]))


def test_share_interval_is_the_response_rate_rule(sample):
    rr = metrics.response_rates(sample, by="wave", cluster="account_id")
    inv = sample.invitations[sample.invitations["wave"] == 1]
    y = inv["invitation_id"].isin(set(sample.responses["invitation_id"])).astype(float).to_numpy()
    ref = share_interval(y, cluster=inv["account_id"].to_numpy())
    assert (rr.loc[0, "ci_low"], rr.loc[0, "ci_high"]) == pytest.approx((ref["ci_low"], ref["ci_high"]))


def test_owners_with_few_cases_are_suppressed_everywhere(loop_prog):
    res = closed_loop(loop_prog, as_of=AS_OF, by="owner")
    o2 = res.summary[res.summary["level"] == "O2"]
    assert o2["suppressed"].all() and o2["share"].isna().all() and o2["n"].isna().all()
    assert res.median.set_index("level").loc["O2", "suppressed"]
    assert "O2" not in set(res.curve["level"])
    assert MIN_N == 5 and MIN_ACCOUNTS == 3    # nps()'s rule, read from its signature


def test_follow_ups_dated_before_their_response_are_an_error_naming_rows(loop_prog):
    fu = loop_prog.followups.copy()
    fu.loc[2, "followed_up_at"] = pd.Timestamp("2024-12-01")
    fu.attrs = {"source": "followups.csv", "file_rows": dict(zip(fu.index, fu.index + 2))}
    bad = make_programme(responses=loop_prog.responses, followups=fu, accounts=loop_prog.accounts)
    bad.sources = {"followups": "followups.csv"}
    with pytest.raises(DataError, match=r"file followups\.csv, column 'followed_up_at': follow-ups dated before "
                                        r"their response \(1 row: 4; values: '2024-12-01 00:00 \(response R2"):
        closed_loop(bad, as_of=AS_OF)


@pytest.mark.parametrize("kwargs, match", [
    ({"sla_days": (0, 7)}, r"The 'sla_days' parameter of closed_loop must be positive numbers of days\. Got \(0, 7\)"),
    ({"categories": ("unhappy",)}, r"The 'categories' parameter of closed_loop must name categories among "
                                   r"detractor, passive, promoter\. Got \('unhappy',\) instead"),
    ({"as_of": "soon"}, r"The 'as_of' parameter of closed_loop must be a date \(e\.g\. '2026-01-31'\)\. Got 'soon'"),
    ({"cluster": "contact_id"}, r"The 'cluster' parameter of closed_loop must be 'account_id' or None"),
])
def test_closed_loop_rejects_bad_parameters(loop_prog, kwargs, match):
    with pytest.raises(ParameterError, match=match):
        closed_loop(loop_prog, **kwargs)


def test_closed_loop_without_followups_says_so(sample):
    prog = make_programme(responses=sample.responses)
    with pytest.raises(DataError, match="closing the loop needs the followups table; none was given"):
        closed_loop(prog)


def test_slow_owners_of_the_simulation_are_slowest_in_the_sample(sample):
    from kapta_research.simulate._operations import FAST_OWNERS, SLOW_OWNERS
    med = closed_loop(sample, by="owner").median.set_index("level")
    slow = med.loc[list(SLOW_OWNERS), "median_days"]
    fast = med.loc[list(FAST_OWNERS), "median_days"]
    assert slow.min() > fast.max()
    others = med.drop(index=["all", *SLOW_OWNERS, *FAST_OWNERS])["median_days"]
    assert slow.min() > others.median() > fast.max()


def test_loop_effect_is_a_difference_of_means_worded_as_association(sample):
    res = loop_effect(sample, sla_days=7)
    s = res.summary.set_index("group")
    assert s.loc["difference", "estimate"] == pytest.approx(s.loc["in time", "estimate"]
                                                            - s.loc["not in time", "estimate"])
    assert s.loc["difference", "ci_low"] < s.loc["difference", "estimate"] < s.loc["difference", "ci_high"]
    assert "association" in res.wording and "regression to the mean" in res.wording
    assert "cannot exclude" in res.wording
    # the simulator gives follow-ups no effect on later scores: the difference is within noise
    assert abs(s.loc["difference", "estimate"]) < 3 * s.loc["difference", "se"]


# --------------------------------------------------------------------------
# VOC cadence
# --------------------------------------------------------------------------
@pytest.fixture
def voc_prog():
    acc = pd.DataFrame({"account_id": [f"A{i}" for i in range(8)], "segment": ["E"] * 4 + ["S"] * 4,
                        "account_name": [f"Acc {i}" for i in range(8)], "account_manager": "M1",
                        "churn_date": [pd.NaT] * 7 + [pd.Timestamp("2025-01-01")]})
    days_ago = {"A0": [30, 150], "A1": [100], "A2": [200, 400], "A3": [10, 110, 220], "A4": [130], "A5": [60]}
    rows = [(a, AS_OF - pd.Timedelta(days=d)) for a, ds in days_ago.items() for d in ds]
    rows.append(("A0", AS_OF + pd.Timedelta(days=5)))   # after as_of: ignored
    voc = pd.DataFrame(rows, columns=["account_id", "interview_date"])
    resp = pd.DataFrame({"response_id": ["R1"], "account_id": ["A0"], "wave": [1],
                         "responded_at": [AS_OF - pd.Timedelta(days=500)], "ltr": [9.0]})
    return make_programme(accounts=acc, voc_interviews=voc, responses=resp)


def test_voc_cadence_statuses_overdue_days_and_share_equal_a_hand_count(voc_prog):
    res = voc_cadence(voc_prog, as_of=AS_OF, by=None)
    a = res.accounts.set_index("account_id")
    assert "A7" not in a.index                          # churned before as_of
    assert a["status"].to_dict() == {"A0": "within cadence", "A1": "due", "A2": "overdue",
                                     "A3": "within cadence", "A4": "overdue", "A5": "within cadence",
                                     "A6": "never interviewed"}
    assert a.loc["A2", "overdue_days"] == pytest.approx(80) and a.loc["A1", "overdue_days"] == 0
    assert a.loc["A6", "overdue_days"] == pytest.approx(500 - 120)   # due 120 days after the programme start
    assert a.loc["A3", "mean_interval_days"] == pytest.approx(105) and a.loc["A0", "n_interviews"] == 2
    row = res.summary.iloc[0]
    assert (row["n"], row["successes"]) == (7, 4) and row["share"] == pytest.approx(4 / 7)
    ref = share_interval([1, 1, 0, 1, 0, 1, 0])
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((ref["ci_low"], ref["ci_high"]))
    late = voc_overdue(voc_prog, as_of=AS_OF)
    assert list(late["account_id"]) == ["A6", "A2", "A4"]
    assert list(late["account_name"]) == ["Acc 6", "Acc 2", "Acc 4"]


def test_voc_cadence_by_segment_suppresses_small_groups(voc_prog):
    res = voc_cadence(voc_prog, as_of=AS_OF)
    seg = res.summary[res.summary["group"] == "segment"]
    assert seg["suppressed"].all() and seg["share"].isna().all()    # 4 and 3 accounts < min_n 5


def test_simulated_voc_cadence_is_worse_for_smb_than_enterprise(sample):
    s = voc_cadence(sample, as_of="2026-01-11").summary.set_index("level")
    assert s.loc["Enterprise", "share"] > s.loc["SMB", "share"] + 0.2


@pytest.mark.parametrize("kwargs, match", [
    ({"target_days": (120, 90)}, r"The 'target_days' parameter of voc_cadence must be \(lower, upper\) days"),
    ({"as_of": None}, r"The 'as_of' parameter of voc_cadence must be a date"),
])
def test_voc_cadence_rejects_bad_parameters(voc_prog, kwargs, match):
    with pytest.raises(ParameterError, match=match):
        voc_cadence(voc_prog, **{"as_of": AS_OF, **kwargs})


def test_voc_cadence_without_interviews_says_so(sample):
    with pytest.raises(DataError, match="the VOC cadence needs the voc_interviews table; none was given"):
        voc_cadence(make_programme(responses=sample.responses), as_of=AS_OF)


# --------------------------------------------------------------------------
# response rates by role
# --------------------------------------------------------------------------
def test_response_rates_by_role_and_segment_equal_a_hand_count(sample):
    rr = metrics.response_rates(sample, by=["role", "segment"], cluster="account_id")
    inv = sample.invitations.merge(sample.contacts[["contact_id", "role"]], on="contact_id") \
        .merge(sample.accounts[["account_id", "segment"]], on="account_id")
    sel = (inv["role"] == "user") & (inv["segment"] == "SMB")
    row = rr[(rr["role"] == "user") & (rr["segment"] == "SMB")].iloc[0]
    answered = inv.loc[sel, "invitation_id"].isin(set(sample.responses["invitation_id"]))
    assert (row["n_invited"], row["n_responded"]) == (sel.sum(), answered.sum())
    assert row["ci_low"] < row["rate"] < row["ci_high"]


def test_response_rate_trend_per_role_equals_the_trend_on_that_roles_invitations(sample):
    import statsmodels.api as sm
    t = metrics.response_rate_trend(sample, by="role", cluster="account_id").set_index("role")
    role = sample.invitations["contact_id"].map(sample.contacts.set_index("contact_id")["role"])
    inv = sample.invitations[role == "user"]
    y = inv["invitation_id"].isin(set(sample.responses["invitation_id"])).astype(float)
    fit = sm.OLS(y.to_numpy(), sm.add_constant(inv["wave"].to_numpy(float))).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(inv["account_id"])[0]}, use_t=True)
    assert t.loc["user", "slope"] == pytest.approx(fit.params[1])
    assert t.loc["user", "p_value"] == pytest.approx(fit.pvalues[1])


def test_response_rates_by_role_need_contacts(sample):
    prog = make_programme(responses=sample.responses, invitations=sample.invitations, accounts=sample.accounts)
    with pytest.raises(DataError, match="response rates by role need the contacts table with a role column"):
        metrics.response_rates(prog, by="role")


# --------------------------------------------------------------------------
# the study's plan (coverage): every section rests on an optional table
# --------------------------------------------------------------------------
def test_programme_health_plan_without_optional_tables(sample):
    from kapta_research.coverage import plan
    full = plan("programme-health", sample, {})
    assert full.status == "runs fully"
    bare = plan("programme-health", make_programme(responses=sample.responses), {"benchmarks": ""})
    reasons = {s.name: s.reason for s in bare.skipped}
    assert reasons["closed_loop"] == "Closing the loop needs the followups table; none was given."
    assert reasons["voc_cadence"] == "The VOC cadence needs the voc interviews table; none was given."
    assert reasons["employee_nps"] == "Employee NPS needs the employees table; none was given."
    assert reasons["benchmark"] == "No benchmark file was given (the 'benchmarks' parameter is empty)."
    assert reasons["response_rates_by_role"] == "Response rates by role need the invitations table; none was given."
    assert bare.runs("sample_size")


def test_programme_health_plan_with_a_missing_benchmark_file(sample):
    from kapta_research.coverage import plan
    p = plan("programme-health", sample, {"benchmarks": "no/such/bench.csv"})
    assert p.reason("benchmark") == "The benchmark file no/such/bench.csv was not found."
