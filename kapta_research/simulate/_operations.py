"""Simulated programme operations: follow-ups, VOC interviews and the employees' survey.

Each has its own component stream (``"followups"``, ``"voc"``, ``"employees"``),
so changing one leaves every other table byte-identical.

Truth
-----
Follow-ups
    Detractors are followed up with probability 0.8 (passives 0.3,
    promoters 0.05) by the account's manager (the owner), after a
    log-normal delay with log-s.d. 0.8 and median
    ``truth.followup_median_days × OWNER_SPEED[owner]``: most owners
    (speed 1) take a median of 5 days, :data:`FAST_OWNERS` 0.5× (2.5 days)
    and :data:`SLOW_OWNERS` 2.5× (12.5 days), and slow owners follow up
    only 60 % of their detractors.  Follow-ups dated after the extract date
    had not happened when the data were extracted and are not in the table
    (those cases are still open).  Outcomes resolved / in progress / no
    action with probabilities 0.6 / 0.25 / 0.15.  Follow-ups have *no*
    effect on later scores (the core does not read them): any association
    between following up in time and the next wave's score is not causal.
VOC interviews
    A share :data:`VOC_NEVER` of each segment's accounts is never
    interviewed (Enterprise 5 %, Mid-market 15 %, SMB 35 %, Public sector
    10 %); the others get a first interview 0-119 days after the programme
    start and then gaps drawn uniformly from :data:`VOC_GAPS` (Enterprise
    60-140 days: mostly within the 90-120 day cadence; SMB 120-300 days:
    mostly overdue), until the extract date or their churn date.
Employees (the eNPS survey)
    One team per account manager (team id = the manager's id, so a team's
    accounts are those it manages).  A team has 4-8 employees; each answers
    the eNPS question (0-10) in each wave with probability 0.75.  Team
    morale ``m_t = ENPS_LINK · z_t + sqrt(1 − ENPS_LINK²) · u_t`` with
    ``z_t`` the team's accounts' mean latent relationship quality over the
    waves, standardised across teams, and ``u_t ~ N(0, 1)``: the
    correlation across teams between morale and the accounts' latent quality
    is ``ENPS_LINK`` (0.7; 0 in a null simulation).  An answer is
    ``round(7 + 1.3 m_t + p_e + o)`` clipped to 0-10, with a person effect
    ``p_e ~ N(0, 0.9²)`` and occasion noise ``o ~ N(0, 1)``.  The direction
    (happy teams make happy customers or the reverse) is not simulated:
    the link is an association by construction.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["simulate_followups", "simulate_voc", "simulate_employees", "OWNER_SPEED", "FAST_OWNERS",
           "SLOW_OWNERS", "VOC_NEVER", "VOC_GAPS", "ENPS_LINK"]

#: Owners (account managers) who follow up fast and slowly (delay median multiplier 0.5 and 2.5).
FAST_OWNERS = ("AM03", "AM09", "AM15")
SLOW_OWNERS = ("AM04", "AM11", "AM16")
OWNER_SPEED = {**{o: 0.5 for o in FAST_OWNERS}, **{o: 2.5 for o in SLOW_OWNERS}}
#: Share of accounts never interviewed, per segment (others: 0.15).
VOC_NEVER = {"Enterprise": 0.05, "Mid-market": 0.15, "SMB": 0.35, "Public sector": 0.10}
#: Uniform range of days between VOC interviews, per segment (others: 80-200).
VOC_GAPS = {"Enterprise": (60, 140), "Mid-market": (80, 200), "SMB": (120, 300), "Public sector": (80, 200)}
#: Correlation across teams between team morale and the accounts' latent relationship quality.
ENPS_LINK = 0.7


def simulate_followups(responses: pd.DataFrame, cat: np.ndarray, accounts: pd.DataFrame,
                       truth, rng: np.random.Generator) -> pd.DataFrame:
    """The ``followups`` table; ``cat`` is the responses' category 0/1/2."""
    m = len(responses)
    acc_mgr = accounts.set_index("account_id")["account_manager"]
    owner = acc_mgr.reindex(responses["account_id"]).to_numpy()
    speed = np.array([OWNER_SPEED.get(o, 1.0) for o in owner])
    slow = np.isin(owner, SLOW_OWNERS)
    p_follow = np.where(cat == 0, np.where(slow, 0.6, 0.8), np.where(cat == 1, 0.3, 0.05))
    fsel = rng.random(m) < p_follow
    fdelay = rng.lognormal(np.log(truth.followup_median_days * speed), 0.8, m)
    outcome = np.array(["resolved", "in progress", "no action"])[rng.choice(3, size=m, p=[0.6, 0.25, 0.15])]
    at = (pd.DatetimeIndex(responses["responded_at"]) + pd.to_timedelta(fdelay, unit="D")).round("h")
    fsel &= np.asarray(at < pd.Timestamp(truth.extract_date))   # not yet happened at the extract
    return pd.DataFrame({
        "response_id": responses["response_id"][fsel].to_numpy(),
        "followed_up_at": at[fsel],
        "owner": owner[fsel],
        "outcome": outcome[fsel],
    })


def simulate_voc(accounts: pd.DataFrame, start: pd.Timestamp, extract: pd.Timestamp,
                 rng: np.random.Generator) -> pd.DataFrame:
    """The ``voc_interviews`` table."""
    voc = []
    end = (extract - start).days
    for acc, seg, cdate in zip(accounts["account_id"], accounts["segment"], accounts["churn_date"]):
        if rng.random() < VOC_NEVER.get(seg, 0.15):
            continue  # never interviewed
        lo, hi = VOC_GAPS.get(seg, (80, 200))
        day = float(rng.integers(0, 120))
        while day < end:
            d = start + pd.Timedelta(days=day)
            if pd.notna(cdate) and d > cdate:
                break
            voc.append((acc, d.normalize(), f"VOC{int(rng.integers(1, 7)):02d}"))
            day += float(rng.integers(lo, hi + 1))
    return pd.DataFrame(voc, columns=["account_id", "interview_date", "interviewer"])


def simulate_employees(accounts: pd.DataFrame, latent: pd.DataFrame, rng: np.random.Generator, *,
                       n_waves: int, link: float = ENPS_LINK) -> pd.DataFrame:
    """The ``employees`` table: one row per employee and wave answered (see the module docstring).

    ``latent`` has ``account_id``, ``wave`` and ``quality`` (the core's latent
    relationship quality); teams are the accounts' ``account_manager`` values.
    """
    quality = latent.groupby("account_id")["quality"].mean()
    team_of = accounts.set_index("account_id")["account_manager"]
    teams = np.array(sorted(team_of.dropna().unique()))
    zq = quality.groupby(team_of.reindex(quality.index).to_numpy()).mean().reindex(teams).to_numpy()
    zq = (zq - zq.mean()) / (zq.std() if len(zq) > 1 and zq.std() > 0 else 1.0)
    morale = link * zq + np.sqrt(max(1 - link ** 2, 0.0)) * rng.normal(0, 1, len(teams))
    rows = []
    eid = 0
    for t, team in enumerate(teams):
        size = int(rng.integers(4, 9))
        person = rng.normal(0, 0.9, size)
        answers = rng.random((size, n_waves)) < 0.75
        noise = rng.normal(0, 1.0, (size, n_waves))
        for e in range(size):
            eid += 1
            for w in np.flatnonzero(answers[e]):
                score = int(np.clip(np.round(7 + 1.3 * morale[t] + person[e] + noise[e, w]), 0, 10))
                rows.append((f"E{eid:04d}", team, int(w + 1), score))
    return pd.DataFrame(rows, columns=["employee_id", "team", "wave", "ltr"])
