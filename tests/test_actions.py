"""Action lists for account managers (issue 10 B) and their actions.xlsx."""
from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

import kapta_research as kr
from kapta_research.accounts.actions import ACTION_LISTS, action_counts, action_lists, write_actions_xlsx
from kapta_research.accounts.health import health_score
from kapta_research.errors import ParameterError
from kapta_research.rules import followed_up_within

AS_OF = pd.Timestamp("2026-01-12")
LOOKBACK = pd.Timedelta(days=120)


@pytest.fixture(scope="module")
def sample():
    return kr.load_sample()


@pytest.fixture(scope="module")
def lists(sample):
    return action_lists(sample, as_of=AS_OF)


def _window(sample):
    r = sample.responses
    acc = sample.accounts
    active = acc.loc[acc["churn_date"].isna() | (acc["churn_date"] > AS_OF), "account_id"]
    return r[(r["responded_at"] < AS_OF) & (r["responded_at"] >= AS_OF - LOOKBACK) & r["account_id"].isin(active)]


def test_the_five_lists_in_order(lists):
    assert list(lists) == list(ACTION_LISTS)
    assert lists.as_of == AS_OF
    assert all(len(df) > 0 for df in lists.values())


def test_detractor_list_is_every_detractor_not_followed_up_within_7_days(sample, lists):
    det = _window(sample)
    det = det[det["ltr"] <= 6]
    fu = sample.followups[sample.followups["followed_up_at"] < AS_OF].groupby("response_id")["followed_up_at"].min()
    ok = followed_up_within(det["responded_at"], det["response_id"].map(fu))
    listed = lists["detractors_without_followup"]
    assert set(listed["response_id"]) == set(det.loc[~ok, "response_id"])
    assert listed["responded_at"].is_monotonic_increasing  # oldest first
    late = listed["followed_up_at"].notna()
    assert (listed.loc[late, "status"] == "followed up late").all()
    assert ((listed["followed_up_at"] - listed["responded_at"])[late] > pd.Timedelta(days=7)).all()
    open_ = listed["status"] == "no follow-up yet: window still open"
    assert (listed.loc[open_, "due_by"] >= AS_OF).all()
    assert {"name", "email", "owner", "comment"} <= set(listed.columns)  # the account manager needs them
    assert listed["owner"].notna().all()


def test_follow_ups_after_as_of_do_not_count(sample):
    early = pd.Timestamp("2025-10-20")
    base = action_lists(sample, as_of=early)["detractors_without_followup"]
    later = copy.deepcopy(sample)
    later.followups = pd.concat([later.followups, pd.DataFrame({
        "response_id": base["response_id"], "followed_up_at": early + pd.Timedelta(hours=1), "owner": "AM01",
        "outcome": "resolved"})], ignore_index=True)
    pd.testing.assert_frame_equal(base, action_lists(later, as_of=early)["detractors_without_followup"])


def test_reference_candidates_are_recent_promoters_once_each(sample, lists):
    ref = lists["reference_candidates"]
    assert (ref["ltr"] >= 9).all() and ref["contact_id"].is_unique
    window = _window(sample)
    assert set(ref["contact_id"]) == set(window.loc[window["ltr"] >= 9, "contact_id"])
    assert ref["ltr"].is_monotonic_decreasing


def test_upsell_candidates_are_loyal_lower_value_accounts(sample, lists):
    up = lists["upsell_candidates"]
    acc = sample.accounts
    active = acc[acc["churn_date"].isna() | (acc["churn_date"] > AS_OF)]
    assert (up["account_nps"] > 0).all() and (up["annual_value"] < active["annual_value"].median()).all()
    assert "median of active accounts" in lists.notes["upsell_candidates"]
    q = pd.DataFrame({"account_id": active["account_id"].head(3), "quadrant": ["Q4", "Q1", "Q4"]})
    with_q = action_lists(sample, as_of=AS_OF, quadrants=q)["upsell_candidates"]
    assert set(with_q["account_id"]) <= set(q.loc[q["quadrant"] == "Q4", "account_id"])


def test_at_risk_list_is_red_health_highest_expected_revenue_first(sample, lists):
    risk = lists["high_value_at_risk"]
    assert (risk["band"] == "red").all() and risk["annual_value"].is_monotonic_decreasing
    assert "ordered by annual value" in lists.notes["high_value_at_risk"]
    hist = kr.churn.snapshots(sample, as_of=["2024-07-01", "2024-10-01", "2025-01-01"])
    learned = action_lists(sample, as_of=AS_OF, weights="learned", history=hist)["high_value_at_risk"]
    np.testing.assert_allclose(learned["expected_revenue_at_risk"], learned["p_churn"] * learned["annual_value"])
    assert learned["expected_revenue_at_risk"].is_monotonic_decreasing
    # a health score computed beforehand gives the same list
    feats = kr.churn.snapshot_features(sample, as_of=AS_OF)
    given = action_lists(sample, as_of=AS_OF, health=health_score(feats))["high_value_at_risk"]
    pd.testing.assert_frame_equal(given, risk)


def test_voc_overdue_after_120_days_or_never(sample, lists):
    voc = lists["voc_overdue"]
    assert ((voc["days_since_voc"] > 120) | voc["last_interview"].isna()).all()
    assert set(voc["status"]) <= {"overdue", "never interviewed"}
    fewer = action_lists(sample, as_of=AS_OF, voc_overdue_days=200)["voc_overdue"]
    assert len(fewer) < len(voc)


def test_missing_optional_tables_degrade_with_a_note(sample):
    p = copy.deepcopy(sample)
    p.voc_interviews = p.voc_interviews.iloc[0:0]
    p.followups = p.followups.iloc[0:0]
    # given with a header only = "none yet": every account is overdue, every detractor unanswered
    empty = action_lists(p, as_of=AS_OF)
    assert (empty["voc_overdue"]["status"] == "never interviewed").all() and len(empty["voc_overdue"]) > 0
    assert (empty["detractors_without_followup"]["followed_up_at"].isna()).all()
    p.supplied = {t: c for t, c in p.supplied.items() if t not in ("voc_interviews", "followups")}  # not given
    lists = action_lists(p, as_of=AS_OF)
    assert len(lists["voc_overdue"]) == 0
    assert "no voc_interviews table was given" in lists.notes["voc_overdue"]
    assert "no followups table was given" in lists.notes["detractors_without_followup"]
    assert (lists["detractors_without_followup"]["status"] != "followed up late").all()
    counts = action_counts(lists)
    assert counts.set_index("list").loc["voc_overdue", "n"] == 0


def test_counts_carry_no_contact_data_and_the_workbook_has_every_list(lists, tmp_path):
    counts = action_counts(lists)
    assert list(counts.columns) == ["list", "description", "n", "note"]
    assert counts["n"].tolist() == [len(df) for df in lists.values()]
    text = counts.to_csv()
    assert "@" not in text and "Contact " not in text
    path = write_actions_xlsx(lists, tmp_path)
    assert path == tmp_path / "actions.xlsx"
    book = pd.read_excel(path, sheet_name=None, header=2)
    assert list(book) == ["About", *ACTION_LISTS]
    for name, df in lists.items():
        assert len(book[name]) == len(df)
    caption = pd.read_excel(path, sheet_name="voc_overdue", header=None).iloc[0, 0]
    assert caption == f"{ACTION_LISTS['voc_overdue']} as of 2026-01-12"


def test_bad_input(sample):
    with pytest.raises(ParameterError, match=r"'programme' parameter of action_lists must be a Programme"):
        action_lists(sample.responses, as_of=AS_OF)
    with pytest.raises(ParameterError, match=r"'quadrants' parameter of action_lists must be None or a DataFrame"):
        action_lists(sample, as_of=AS_OF, quadrants={"A0001": "Q4"})
    with pytest.raises(ParameterError, match=r"'lookback_days' parameter of action_lists must be an int >= 1"):
        action_lists(sample, as_of=AS_OF, lookback_days=0)
    with pytest.raises(ParameterError, match=r"'as_of' parameter of action_lists must be a date"):
        action_lists(sample, as_of="tomorrow")


def test_voc_overdue_list_uses_the_operations_cadence_rule(sample):
    # one definition of "overdue for a VOC interview" (rules.VOC_TARGET_DAYS): the account managers' list
    # holds exactly the accounts operations.voc_overdue reports, for the accounts the lists cover
    from kapta_research.operations import voc_overdue
    from kapta_research.rules import VOC_TARGET_DAYS
    listed = action_lists(sample, as_of=AS_OF)["voc_overdue"]
    ops = voc_overdue(sample, as_of=AS_OF, target_days=VOC_TARGET_DAYS)
    assert len(listed) > 0
    assert set(listed["account_id"]) == set(ops["account_id"])   # 67 accounts on the sample at AS_OF
    assert (listed.loc[listed["status"] == "overdue", "days_since_voc"] > VOC_TARGET_DAYS[1]).all()
