"""The programme simulator (kapta_research.simulate) and the bundled sample it generated."""
from __future__ import annotations

import filecmp
import json

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from kapta_research.config import SAMPLE_DIR, SAMPLE_SEED
from kapta_research.errors import ParameterError
from kapta_research.io import load_programme
from kapta_research.schema import DRIVERS, ROLES
from kapta_research.simulate import (CATEGORIES, BETA_DETRACTOR_TO_PASSIVE, BETA_PASSIVE_TO_PROMOTER,
                                     SEGMENT_CONTACTS, SEGMENTS, Truth, simulate_programme,
                                     write_programme)


def write(tmp_path, name, **kwargs):
    tables, truth = simulate_programme(**kwargs)
    return write_programme(tables, truth, tmp_path / name)


# ---------------------------------------------------------------------------
# determinism
# ---------------------------------------------------------------------------
def test_same_seed_gives_byte_identical_files(tmp_path):
    a = write(tmp_path, "a", seed=7, n_accounts=40)
    b = write(tmp_path, "b", seed=7, n_accounts=40)
    assert [p.name for p in a] == [p.name for p in b]
    for pa, pb in zip(a, b):
        assert pa.read_bytes() == pb.read_bytes(), pa.name
    c = write(tmp_path, "c", seed=8, n_accounts=40)
    assert (tmp_path / "a" / "responses.csv").read_bytes() != (tmp_path / "c" / "responses.csv").read_bytes()
    assert {p.name for p in c} == {p.name for p in a}


def test_sample_is_a_byte_identical_regeneration_from_its_seed(tmp_path):
    """`kapta-research simulate` with no options regenerates data/sample byte for byte."""
    written = write(tmp_path, "regen", seed=SAMPLE_SEED)
    assert sorted(p.name for p in written) == sorted(p.name for p in SAMPLE_DIR.iterdir() if p.is_file())
    match, mismatch, errors = filecmp.cmpfiles(tmp_path / "regen", SAMPLE_DIR, [p.name for p in written],
                                               shallow=False)
    assert (mismatch, errors) == ([], []), f"data/sample differs from a regeneration: {mismatch}"
    assert json.loads((SAMPLE_DIR / "truth.json").read_text())["seed"] == SAMPLE_SEED


# ---------------------------------------------------------------------------
# the sample's design
# ---------------------------------------------------------------------------
def test_sample_loads_and_has_the_documented_shape(sample):
    truth = json.loads((SAMPLE_DIR / "truth.json").read_text())
    assert len(sample.accounts) == truth["n_accounts"] == 300
    assert sorted(sample.responses["wave"].unique()) == list(range(1, 9))
    assert sorted(sample.invitations["wave"].unique()) == list(range(1, 9)) and truth["n_waves"] == 8
    assert 3 <= sample.accounts["segment"].nunique() <= 4
    assert set(sample.accounts["segment"]) <= set(SEGMENTS)
    assert set(sample.contacts["role"]) == set(ROLES)
    assert sample.drivers == list(DRIVERS)
    assert sample.responses["ltr"].between(0, 10).all()


def test_contacts_per_account(sample):
    per = sample.contacts.groupby("account_id").size()
    assert per.index.equals(pd.Index(sorted(sample.accounts["account_id"]), name="account_id"))
    assert per.min() >= 1 and per.max() <= 8
    seg = sample.accounts.set_index("account_id")["segment"]
    for s, (lo, hi) in SEGMENT_CONTACTS.items():
        k = per[seg[per.index] == s]
        assert k.between(lo, hi).all(), s
    # every account has a decision maker on file
    dm = sample.contacts[sample.contacts["role"] == "decision_maker"]["account_id"].nunique()
    assert dm == len(sample.accounts)


@pytest.mark.parametrize("seed", [SAMPLE_SEED, 3])
def test_response_rates_are_25_to_40_percent(seed, sample):
    if seed == SAMPLE_SEED:
        inv, resp = sample.invitations, sample.responses
    else:
        tables, _ = simulate_programme(seed=seed, n_accounts=200)
        inv, resp = tables["invitations"], tables["responses"]
    assert 0.25 <= len(resp) / len(inv) <= 0.40
    per_wave = resp.groupby("wave").size() / inv.groupby("wave").size()
    assert per_wave.between(0.25, 0.40).all(), per_wave.round(3).to_dict()


def test_responses_are_consistent_with_invitations_and_churn(sample):
    inv = sample.invitations.set_index("invitation_id")
    r = sample.responses
    assert r["invitation_id"].isin(inv.index).all() and r["invitation_id"].is_unique
    assert (r["contact_id"].to_numpy() == inv.loc[r["invitation_id"], "contact_id"].to_numpy()).all()
    assert (r["responded_at"].to_numpy() >= inv.loc[r["invitation_id"], "sent_at"].to_numpy()).all()
    acc = sample.accounts.set_index("account_id")
    churn = acc.loc[sample.invitations["account_id"], "churn_date"].to_numpy()
    sent = sample.invitations["sent_at"].to_numpy()
    # invitations go out 0-2 days after the wave date; only accounts active on the wave date are invited
    late = pd.notna(churn) & (sent > churn)
    assert (sent[late] - churn[late] <= np.timedelta64(2, "D")).all()
    assert (acc["churned"] == acc["churn_date"].notna()).all()
    assert acc.loc[acc["churned"].astype(bool), "renewal_date"].isna().all()


def test_nobody_is_invited_after_their_account_churned(sample):
    inv = sample.invitations.merge(sample.accounts[["account_id", "churn_date"]], on="account_id")
    assert not (inv["sent_at"] >= inv["churn_date"]).any()
    resp = sample.responses.merge(sample.accounts[["account_id", "churn_date"]], on="account_id")
    assert not (resp["responded_at"] >= resp["churn_date"]).any()


def test_response_rate_falls_before_churn(sample):
    inv = sample.invitations.merge(sample.accounts[["account_id", "churned", "churn_date"]], on="account_id")
    inv["responded"] = inv["invitation_id"].isin(sample.responses["invitation_id"])
    churned = inv["churned"].astype(bool)
    days_to_churn = (inv["churn_date"] - inv["sent_at"]).dt.days
    pre = churned & days_to_churn.between(0, 200)  # truth.pre_churn_days = 200
    assert pre.sum() > 300
    rate_pre = inv.loc[pre, "responded"].mean()
    rate_others = inv.loc[~churned, "responded"].mean()
    rate_same_earlier = inv.loc[churned & ~pre, "responded"].mean()
    assert rate_pre < rate_others - 0.1 and rate_pre < rate_same_earlier - 0.1
    # per account, too: most churned accounts whose rate changed answer less in their last 200
    # days.  (Since issue 10 churners are mostly low-engagement accounts, and 31 % of them answer
    # never, before or after -- ties; of the others, 84 % fell on the sample.)
    per = inv[churned].assign(pre=pre[churned]).groupby(["account_id", "pre"])["responded"].mean().unstack()
    per = per.dropna()
    changed = per[per[True] != per[False]]
    assert (changed[True] < changed[False]).mean() > 0.75


# ---------------------------------------------------------------------------
# the documented truth
# ---------------------------------------------------------------------------
def test_truth_json_contents():
    truth = json.loads((SAMPLE_DIR / "truth.json").read_text())
    expected = Truth(seed=SAMPLE_SEED, n_accounts=300, n_waves=8, first_wave="2024-01-15",
                     wave_spacing_days=91, extract_date="2026-01-12").to_dict()
    expected["churn_causes"] = list(expected["churn_causes"])
    assert truth == json.loads(json.dumps(expected))
    assert truth["top_driver_detractor_to_passive"] == "ease_of_doing_business"
    assert truth["top_driver_passive_to_promoter"] == "leading_edge"
    assert truth["beta_detractor_to_passive"] == BETA_DETRACTOR_TO_PASSIVE
    assert truth["beta_passive_to_promoter"] == BETA_PASSIVE_TO_PROMOTER
    assert truth["churn_causes"] == ["value_for_money", "trust"]
    assert set(truth["loadings"]) == set(DRIVERS) == set(truth["offsets"])


def test_truth_latent_file(sample):
    lat = pd.read_csv(SAMPLE_DIR / "truth_latent.csv")
    assert list(lat.columns) == ["account_id", "wave", "quality", *DRIVERS, "category", "engagement"]
    assert len(lat) == 300 * 8 and set(lat["account_id"]) == set(sample.accounts["account_id"])
    # category and engagement are account properties, constant over waves
    assert (lat.groupby("account_id")[["category", "engagement"]].nunique() == 1).all().all()
    assert set(lat["category"]) == set(CATEGORIES)


@pytest.mark.parametrize("transition, beta", [("detractor_to_passive", BETA_DETRACTOR_TO_PASSIVE),
                                              ("passive_to_promoter", BETA_PASSIVE_TO_PROMOTER)])
def test_transition_betas_are_recoverable_from_the_sample(sample, transition, beta):
    """Each transition is exactly a logistic regression on z = rating - 4 (adjacent-category logit)."""
    r = sample.responses.dropna(subset=list(DRIVERS))
    if transition == "detractor_to_passive":
        sub = r[r["ltr"] <= 8]
        y = (sub["ltr"] >= 7).astype(float)
    else:
        sub = r[r["ltr"] >= 7]
        y = (sub["ltr"] >= 9).astype(float)
    X = sm.add_constant(sub[list(DRIVERS)] - 4)
    fit = sm.Logit(y, X).fit(disp=0, cov_type="cluster",
                             cov_kwds={"groups": pd.factorize(sub["account_id"])[0]})
    est, se = fit.params[list(DRIVERS)], fit.bse[list(DRIVERS)]
    true = pd.Series(beta)[list(DRIVERS)]
    assert est.idxmax() == true.idxmax()                          # the top driver
    strong = true[true >= 0.35].index
    assert (est[strong] / se[strong] > 3).all()                   # clearly positive
    assert ((est - true).abs() < 4 * se).all(), (est - true).round(3).to_dict()  # within 4 SE


# ---------------------------------------------------------------------------
# parameters
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, message", [
    ({"seed": -1}, r"The 'seed' parameter of simulate_programme must be an int >= 0\. Got -1 instead\."),
    ({"seed": 1.5}, r"The 'seed' parameter of simulate_programme must be an int\. Got 1\.5 instead\."),
    ({"n_accounts": 5}, r"The 'n_accounts' parameter of simulate_programme must be an int >= 10\. Got 5"),
    ({"n_waves": 1}, r"The 'n_waves' parameter of simulate_programme must be an int >= 2\. Got 1"),
    ({"churn_coef": {}}, r"simulate_programme got an unknown truth parameter 'churn_coef'"),
])
def test_bad_parameters(kwargs, message):
    with pytest.raises(ParameterError, match=message):
        simulate_programme(**kwargs)


def test_truth_overrides_are_applied_and_recorded(tmp_path):
    tables, truth = simulate_programme(seed=2, n_accounts=40, churn_coefs={}, churn_intercept=-50.0)
    assert not tables["accounts"]["churned"].any()  # churn switched off
    write_programme(tables, truth, tmp_path / "null")
    saved = json.loads((tmp_path / "null" / "truth.json").read_text())
    assert saved["churn_coefs"] == {} and saved["churn_intercept"] == -50.0
    prog = load_programme(tmp_path / "null")  # the written programme passes validation
    assert len(prog.accounts) == 40
    assert np.isfinite(prog.responses["ltr"]).all()
