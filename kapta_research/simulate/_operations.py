"""Simulated programme operations: follow-ups and VOC interviews.

Each has its own component stream (``"followups"``, ``"voc"``).

Truth
-----
Follow-ups
    Detractors are followed up with probability 0.8 (passives 0.3,
    promoters 0.05) after a log-normal delay with median
    ``truth.followup_median_days`` and log-s.d. 0.8, by the account's
    manager; outcomes resolved / in progress / no action with
    probabilities 0.6 / 0.25 / 0.15.
VOC interviews
    15 % of accounts are never interviewed; the others get a first
    interview 0-119 days after the programme start and then at gaps of
    60-240 days (uniform), until the extract date or their churn date.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["simulate_followups", "simulate_voc"]


def simulate_followups(responses: pd.DataFrame, cat: np.ndarray, accounts: pd.DataFrame,
                       truth, rng: np.random.Generator) -> pd.DataFrame:
    """The ``followups`` table; ``cat`` is the responses' category 0/1/2."""
    m = len(responses)
    p_follow = np.where(cat == 0, 0.8, np.where(cat == 1, 0.3, 0.05))
    fsel = rng.random(m) < p_follow
    fdelay = rng.lognormal(np.log(truth.followup_median_days), 0.8, m)
    acc_mgr = accounts.set_index("account_id")["account_manager"]
    return pd.DataFrame({
        "response_id": responses["response_id"][fsel].to_numpy(),
        "followed_up_at": (pd.DatetimeIndex(responses["responded_at"][fsel])
                           + pd.to_timedelta(fdelay[fsel], unit="D")).round("h"),
        "owner": acc_mgr.reindex(responses["account_id"][fsel]).to_numpy(),
        "outcome": np.array(["resolved", "in progress", "no action"])[
            rng.choice(3, size=int(fsel.sum()), p=[0.6, 0.25, 0.15])],
    })


def simulate_voc(accounts: pd.DataFrame, start: pd.Timestamp, extract: pd.Timestamp,
                 rng: np.random.Generator) -> pd.DataFrame:
    """The ``voc_interviews`` table."""
    voc = []
    end = (extract - start).days
    for acc, cdate in zip(accounts["account_id"], accounts["churn_date"]):
        if rng.random() < 0.15:
            continue  # never interviewed
        day = float(rng.integers(0, 120))
        while day < end:
            d = start + pd.Timedelta(days=day)
            if pd.notna(cdate) and d > cdate:
                break
            voc.append((acc, d.normalize(), f"VOC{int(rng.integers(1, 7)):02d}"))
            day += float(rng.integers(60, 241))
    return pd.DataFrame(voc, columns=["account_id", "interview_date", "interviewer"])
