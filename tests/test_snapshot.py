"""Point-in-time snapshots: no leakage from after as_of, outcome windows, score freshness."""
from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

import kapta_research as kr
from kapta_research.churn import predictive_value, score_freshness, snapshot, snapshots
from kapta_research.errors import DataError, ParameterError
from kapta_research.simulate import simulate_programme

AS_OF = pd.Timestamp("2025-01-01")


@pytest.fixture(scope="module")
def sample():
    return kr.load_sample()


def _programme_from(tables):
    from kapta_research.io import Programme
    from kapta_research.schema import DRIVERS
    return Programme(**{k: v.copy() for k, v in tables.items()}, drivers=list(DRIVERS), location="<simulated>")


def _with_later_records(sample):
    """A copy of ``sample`` with every record after AS_OF rewritten or added (responses, follow-ups,
    interviews, invitations)."""
    later = copy.deepcopy(sample)
    r = later.responses
    after = r["responded_at"] >= AS_OF
    assert after.any()
    r.loc[after, "ltr"] = 0.0
    r.loc[after, "trust"] = 1.0
    extra = r[~after].head(50).copy()
    extra["response_id"] = "X" + extra["response_id"]
    extra["responded_at"] = AS_OF + pd.Timedelta(days=3)
    later.responses = pd.concat([r, extra], ignore_index=True)
    later.followups = pd.concat([later.followups, pd.DataFrame({
        "response_id": r.loc[r["ltr"] <= 6, "response_id"].head(30), "followed_up_at": AS_OF + pd.Timedelta(days=1),
        "owner": "AM01", "outcome": "resolved"})], ignore_index=True)
    later.voc_interviews = pd.concat([later.voc_interviews, pd.DataFrame({
        "account_id": sample.accounts["account_id"], "interview_date": AS_OF + pd.Timedelta(days=2),
        "interviewer": "VOC01"})], ignore_index=True)
    inv = later.invitations
    later.invitations = pd.concat([inv, inv.head(50).assign(invitation_id="X" + inv["invitation_id"].head(50),
                                                           sent_at=AS_OF + pd.Timedelta(days=1))],
                                  ignore_index=True)
    return later


def test_later_records_change_no_feature(sample):
    base = snapshot(sample, as_of=AS_OF)
    later = _with_later_records(sample)
    changed = snapshot(later, as_of=AS_OF, until=kr.churn.observed_until(sample))
    pd.testing.assert_frame_equal(base, changed)


def test_features_are_computed_from_the_lookback_only(sample):
    snap = snapshot(sample, as_of=AS_OF, lookback_waves=1)
    r = sample.responses
    last_wave = r.loc[r["responded_at"] < AS_OF, "wave"].max()
    acc = snap.dropna(subset=["nps"]).iloc[0]["account_id"]
    mine = r[(r["account_id"] == acc) & (r["wave"] == last_wave) & (r["responded_at"] < AS_OF)]["ltr"]
    expected = 100 * ((mine >= 9).mean() - (mine <= 6).mean())
    assert snap.set_index("account_id").loc[acc, "nps"] == pytest.approx(expected)


def test_outcome_counts_churn_within_the_horizon_only(sample):
    snap = snapshot(sample, as_of=AS_OF, horizon_days=200)
    cd = snap["account_id"].map(sample.accounts.set_index("account_id")["churn_date"])
    assert (snap["churned"] == (cd.notna() & (cd <= AS_OF + pd.Timedelta(days=200)))).all()
    # active accounts only: nobody churned before as_of
    assert not (cd <= AS_OF).any()
    assert (snap.loc[snap["event"], "days_to_event"] == (cd[snap["event"]] - AS_OF).dt.days).all()


def test_stacked_snapshots_keep_one_row_per_account_and_date(sample):
    s = snapshots(sample, as_of=["2024-07-01", "2025-01-01"])
    assert not s.duplicated(["account_id", "as_of"]).any()
    assert set(s["as_of"]) == {pd.Timestamp("2024-07-01"), pd.Timestamp("2025-01-01")}


@pytest.mark.parametrize("kwargs, message", [
    ({"as_of": "2020-01-01"}, r"'as_of' parameter of snapshot must be after the first survey data \(2024-01-15\)"),
    ({"as_of": "not a date"}, r"'as_of' parameter of snapshot must be a date \(e\.g\. '2025-01-01'\)\. Got 'not a date'"),
    ({"as_of": AS_OF, "horizon_days": 0}, r"'horizon_days' parameter of snapshot must be an int >= 1\. Got 0"),
    ({"as_of": AS_OF, "horizon_days": -30}, r"'horizon_days' parameter of snapshot must be an int >= 1\. Got -30"),
    ({"as_of": "2025-10-01"}, r"runs past the end of the data \(2026-01-\d\d\)"),
    ({"as_of": AS_OF, "lookback_waves": 0}, r"'lookback_waves' parameter of snapshot must be an int >= 1"),
])
def test_bad_snapshot_parameters(sample, kwargs, message):
    with pytest.raises(ParameterError, match=message):
        snapshot(sample, **kwargs)


def test_snapshot_needs_a_programme(sample):
    with pytest.raises(ParameterError, match=r"'programme' parameter of snapshot must be a Programme .*Got DataFrame"):
        snapshot(sample.responses, as_of=AS_OF)


def test_snapshots_needs_a_date(sample):
    with pytest.raises(ParameterError, match=r"'as_of' parameter of snapshots must list at least one date"):
        snapshots(sample, as_of=[])


def test_no_churn_events_is_a_clear_error():
    tables, _ = simulate_programme(seed=5, n_accounts=60, churn_intercept=-40.0)
    prog = _programme_from(tables)
    snap = snapshot(prog, as_of="2025-01-01").dropna(subset=["nps"])
    assert not snap["churned"].any()
    with pytest.raises(DataError, match=r"column 'churned': predictive_value: there are no churn events among the analysed rows, so nothing can predict churn"):
        predictive_value(snap, models={"nps": ["nps"]}, cv=3, random_state=0)


def test_all_churned_is_a_clear_error(sample):
    snap = snapshot(sample, as_of=AS_OF).dropna(subset=["nps"]).assign(churned=True)
    with pytest.raises(DataError, match=r"column 'churned': predictive_value: every analysed account churned, so nothing can predict churn"):
        predictive_value(snap, models={"nps": ["nps"]}, cv=3, random_state=0)


def test_predictor_missing_for_every_account_is_a_clear_error(sample):
    snap = snapshot(sample, as_of=AS_OF).assign(trust=np.nan)
    with pytest.raises(DataError, match=r"column 'trust': predictive_value: the column is missing in every row; "
                                        r"nothing to analyse"):
        predictive_value(snap, models={"drivers": ["trust"]}, cv=3, random_state=0)


def test_freshness_detects_stale_scores_when_quality_drifts():
    # Known truth: relationship quality drifts fast (quarterly s.d. 1.0) and churn depends on the
    # current latent level only, so a score from three waves back must predict worse than the latest.
    tables, _ = simulate_programme(seed=11, n_accounts=600, quality_drift_sd=1.0, account_driver_sd=0.1)
    prog = _programme_from(tables)
    fr = score_freshness(prog, as_of=["2024-10-01", "2025-01-01"], lags=(0, 3), n_boot=200, random_state=1)
    assert fr["n_events"].min() > 20
    assert fr.loc[0, "auc"] > fr.loc[1, "auc"] + 0.05
    assert fr.loc[0, "median_age_days"] < fr.loc[1, "median_age_days"]


def test_freshness_is_reproducible(sample):
    a = score_freshness(sample, as_of="2025-01-01", lags=(0, 1), n_boot=200, random_state=3)
    b = score_freshness(sample, as_of="2025-01-01", lags=(0, 1), n_boot=200, random_state=3)
    pd.testing.assert_frame_equal(a, b)
    assert ((a["auc"] >= a["ci_low"]) & (a["auc"] <= a["ci_high"])).all()


def test_freshness_bad_lags(sample):
    with pytest.raises(ParameterError, match=r"'lags' parameter of score_freshness must list at least one lag"):
        score_freshness(sample, as_of="2025-01-01", lags=())
    with pytest.raises(ParameterError, match=r"'lags' parameter of score_freshness must be an int >= 0\. Got -1"):
        score_freshness(sample, as_of="2025-01-01", lags=(-1,))


def test_account_whose_lookback_answers_lack_ltr_keeps_its_counts_and_driver_means(sample):
    # Regression: an account that answered in the lookback only with driver ratings (the LTR
    # question skipped) has no NPS but must keep n_responses and its driver means; before the
    # fix every one of its features was dropped with the missing NPS.
    p = copy.deepcopy(sample)
    base = snapshot(sample, as_of=AS_OF).set_index("account_id")
    account = base.index[(base["n_responses"] >= 2)][0]
    r = p.responses
    mine = (r["account_id"] == account) & (r["responded_at"] < AS_OF)
    r.loc[mine, "ltr"] = np.nan
    snap = snapshot(p, as_of=AS_OF).set_index("account_id")
    row, before = snap.loc[account], base.loc[account]
    assert np.isnan(row["nps"]) and row["nps_band"] == "no response"
    assert row["n_responses"] == before["n_responses"] >= 2
    assert row["n_respondents"] == before["n_respondents"]
    for d in p.drivers:
        assert row[d] == pytest.approx(before[d], nan_ok=True)
    assert row["trust"] == row["trust"]  # a real mean, not NaN
    others = snap.index != account
    pd.testing.assert_frame_equal(snap[others], base[others])


# ---------------------------------------------------------------------------
# account NPS from integer counts (regression), feature families, optional tables
# ---------------------------------------------------------------------------

def _responses(account, ltr):
    return pd.DataFrame({"account_id": account, "ltr": np.asarray(ltr, float)})


def test_account_nps_is_computed_from_integer_counts():
    # Regression: NPS was mean(100·promoter) − mean(100·detractor).  For 34 answers with 23
    # promoters and 6 detractors that is 49.99999999999999, so an account at exactly +50 fell
    # into the "NPS 0 to 49" band; 100·(n_pro − n_det)/n is exactly 50.
    from kapta_research.churn.features import account_mix
    from kapta_research.rules import nps_band

    ltr = [10] * 23 + [7] * 5 + [3] * 6
    legacy = (100.0 * (np.array(ltr) >= 9)).mean() - (100.0 * (np.array(ltr) <= 6)).mean()
    assert legacy < 50
    mix = account_mix(pd.concat([_responses("A", ltr), _responses("B", [9, 9, 0]),
                                 _responses("C", [10, 9, 10, 9, 1, 2]), _responses("D", [np.nan, 8])]))
    assert mix.loc["A", "nps"] == 50.0
    assert list(nps_band(mix["nps"].to_numpy())) == ["NPS 50 or more", "NPS 0 to 49", "NPS 0 to 49",
                                                     "NPS 0 to 49"]
    # the same true value is the same float whatever the account size (1/3 = 2/6)
    assert mix.loc["B", "nps"] == mix.loc["C", "nps"] == 100 / 3
    assert mix.loc["D", "nps"] == 0.0 and mix.loc["D", "pct_passives"] == 100.0
    assert (mix[["pct_promoters", "pct_passives", "pct_detractors"]].sum(axis=1) == 100.0).all()


def test_snapshot_bands_follow_the_rules_module(sample):
    from kapta_research.rules import nps_band
    snap = snapshot(sample, as_of=AS_OF)
    assert (snap["nps_band"].astype(str) == pd.Series(nps_band(snap["nps"].to_numpy())).astype(str)).all()
    assert (snap.loc[snap["nps"] == 50, "nps_band"] == "NPS 50 or more").all()


@pytest.mark.parametrize("family", ["survey_features", "response_rate_features", "recency_features",
                                    "voc_features", "followup_features"])
def test_each_feature_family_ignores_records_dated_after_as_of(sample, family):
    import kapta_research.churn.features as snap_mod
    func = getattr(snap_mod, family)
    kwargs = {"as_of": AS_OF}
    if family in ("survey_features", "response_rate_features", "followup_features"):
        kwargs["waves"] = snap_mod._lookback_waves(sample, AS_OF, 4)
    base = func(sample, **kwargs)
    assert len(base) > 0
    pd.testing.assert_frame_equal(base, func(_with_later_records(sample), **kwargs))


def _programme_without(tmp_path, drop=(), header_only=(), accounts_without=()):
    import shutil

    from kapta_research.config import SAMPLE_DIR
    folder = tmp_path / "programme"
    shutil.copytree(SAMPLE_DIR, folder)
    text = (folder / "programme.yaml").read_text()
    for table in drop:
        (folder / f"{table}.csv").unlink()
        text = "\n".join(line for line in text.splitlines() if not line.strip().startswith(f"{table}:"))
    (folder / "programme.yaml").write_text(text + "\n")
    for table in header_only:
        path = folder / f"{table}.csv"
        path.write_text(path.read_text().splitlines()[0] + "\n")
    if accounts_without:
        acc = pd.read_csv(folder / "accounts.csv")
        acc.drop(columns=list(accounts_without)).to_csv(folder / "accounts.csv", index=False)
    return kr.load_programme(folder)


@pytest.mark.parametrize("drop, header_only, nan_features", [
    (("voc_interviews",), (), ["days_since_voc"]),
    ((), ("voc_interviews",), ["days_since_voc"]),            # the study-03 TypeError crash
    (("invitations",), (), ["response_rate", "response_rate_trend"]),
    (("followups",), (), ["detractor_followup_7d"]),
    (("contacts",), (), ["n_roles", "has_decision_maker"]),
    (("invitations", "followups", "voc_interviews", "contacts"), (),
     ["days_since_voc", "response_rate", "detractor_followup_7d", "n_roles"]),
])
def test_snapshot_works_with_any_optional_table_missing(sample, tmp_path, drop, header_only, nan_features):
    p = _programme_without(tmp_path, drop=drop, header_only=header_only)
    snap = snapshot(p, as_of=AS_OF)
    full = snapshot(sample, as_of=AS_OF)
    assert list(snap.columns) == list(full.columns)
    assert snap[nan_features].isna().all().all()
    # the features of the tables that are there do not change
    for col in ("nps", "n_responses", "trust", "churned"):  # (days_to_event: the data end earlier)
        pd.testing.assert_series_equal(snap[col], full[col])
    if len(drop) == 4:
        fr = score_freshness(p, as_of=AS_OF, lags=(0, 1), n_boot=100, random_state=0)
        assert fr["auc"].notna().all()


def test_snapshot_without_churn_columns_says_churn_outcomes_are_missing(tmp_path):
    p = _programme_without(tmp_path, accounts_without=("churned", "churn_date"))
    with pytest.raises(DataError, match=r"snapshot: churn outcomes are missing: the accounts table has no churn "
                                        r"columns \(churned, churn_date\)"):
        snapshot(p, as_of=AS_OF)


def test_snapshot_with_churn_flags_but_no_dates_says_churn_dates_are_missing(tmp_path):
    p = _programme_without(tmp_path, accounts_without=("churn_date",))
    with pytest.raises(DataError, match=r"churn outcomes are missing: the accounts table marks churned accounts "
                                        r"but has no churn dates \(churn_date\)"):
        snapshot(p, as_of=AS_OF)


def test_freshness_cluster_is_a_column_name_and_the_old_booleans_warn(sample):
    opts = dict(as_of=AS_OF, lags=(0,), n_boot=100, random_state=0)
    by_account = score_freshness(sample, cluster="account_id", **opts)
    with pytest.warns(DeprecationWarning, match=r"cluster=True is deprecated, use cluster='account_id'"):
        old = score_freshness(sample, cluster=True, **opts)
    pd.testing.assert_frame_equal(old, by_account)
    rows = score_freshness(sample, cluster=None, **opts)
    with pytest.warns(DeprecationWarning, match=r"cluster=False is deprecated, use cluster=None"):
        pd.testing.assert_frame_equal(score_freshness(sample, cluster=False, **opts), rows)
    # one date: each account is one row per lag, so resampling accounts is resampling rows
    pd.testing.assert_frame_equal(rows, by_account)
    by_segment = score_freshness(sample, cluster="segment", **opts)
    assert by_segment.loc[0, "auc"] == by_account.loc[0, "auc"]
    assert not np.isclose(by_segment.loc[0, "ci_low"], by_account.loc[0, "ci_low"])
    with pytest.raises(ParameterError, match=r"The 'cluster' parameter of score_freshness must be a column of "
                                             r"the snapshot .* or None\. Got 'nope' instead\."):
        score_freshness(sample, cluster="nope", **opts)
    with pytest.raises(ParameterError, match=r"must be a column name of the snapshot \(str\) or None\. Got 3"):
        score_freshness(sample, cluster=3, **opts)


def test_freshness_reports_failed_bootstrap_replicates(sample):
    # Four segments as clusters: a resample of segments can hold one class only in few
    # cases; whatever happens is counted in n_boot_failed, never silently dropped.
    fr = score_freshness(sample, as_of=AS_OF, lags=(0,), n_boot=100, random_state=0, cluster="segment")
    assert "n_boot_failed" in fr and 0 <= fr.loc[0, "n_boot_failed"] < 100
    assert fr.loc[0, "ci_low"] <= fr.loc[0, "auc"] <= fr.loc[0, "ci_high"]
