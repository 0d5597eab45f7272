"""Simulate a realistic B2B feedback programme with a documented truth.

The generator is deterministic given ``seed``: the same seed, package and
library versions give byte-identical files.  ``kapta-research simulate``
regenerates the bundled sample in ``data/sample``.

The data-generating process (the *truth*)
-----------------------------------------
Accounts
    ``n_accounts`` accounts in four segments (Enterprise, Mid-market, SMB,
    Public sector).  Each account has a latent relationship quality
    ``q[a, t]`` that follows a random walk with quarterly step s.d.
    ``quality_drift_sd`` from
    ``q[a, 0] = category_quality[c] + SEGMENT_QUALITY[segment] + N(0, 0.7²)``.
    Each account also has a fixed account-specific deviation
    ``v[a, d] = category_driver_shift[c][d] + N(0, account_driver_sd²)`` for
    every driver ``d``.

Latent account categories
    Every account belongs to one latent category ``c`` (the Deep-Insight
    portfolio types), drawn with ``category_shares`` -- Ambassador 0.33,
    Rational 0.50, Ambivalent 0.06, Stalker 0.06, Opponent 0.05 (the
    "typical portfolio": about a third Ambassadors, half Rationals, 10-20 %
    for the other three together).  Their effects:

    * Ambassador: quality +0.8 and relationship drivers (trust, commitment,
      feel valued) +0.5 -- mostly promoters, few detractors.
    * Rational: quality +0.1 and leading edge -1.2 -- positive but
      passive-heavy, they see nothing unique.
    * Ambivalent: quality -0.1, and each contact carries a love/hate effect
      of ``±ambivalent_split`` (1.6) on perceived quality, the sign
      alternating over the account's contacts from a random start -- promoters
      and detractors in the same account.
    * Stalker: quality -0.1 and value for money -1.8 -- value for money is the
      weak driver (and, through the churn model, they churn more).
    * Opponent: quality -1.9 -- detractor-dominated.

Account engagement
    Each account has a latent engagement
    ``g[a] = category_engagement[c] + N(0, 1)`` (Ambassadors +0.3,
    Opponents -0.3, others 0).  It raises the response logit of every
    contact by ``engagement_response`` (0.5 per unit), and of the contacts
    who are not the decision maker by a further ``engagement_roles`` (0.4),
    so engaged accounts answer more and with more roles; and it lowers
    churn (``churn_coefs["engagement"]``, -0.7 per unit).

Role biases
    Roles perceive the relationship differently (:data:`ROLE_SHIFT`, added
    to ``q`` in the ratings: executive sponsor +0.3, decision maker 0,
    influencer -0.1, user -0.3) and answer the recommendation question with a
    role-specific response style (:data:`ROLE_LTR_BIAS`, ``role_ltr_bias``,
    added to both adjacent-category logits: executive sponsor +0.5, decision
    maker +0.15, influencer 0, user -0.35).  Together, in one programme of
    6 000 accounts from the sample's truth (seed 11), executive sponsors give
    NPS +44, decision makers +25, influencers +15 and end users -6, so pooled,
    respondent-mean, role-weighted and decision-maker roll-ups of account NPS
    differ.

Driver ratings (1-7)
    A respondent's rating of driver ``d`` is
    ``round(4 + offset[d] + loading[d] * (q[a, t] + role_shift + e_c) + v[a, d] + e)``,
    clipped to 1..7, with a contact effect ``e_c ~ N(0, 0.5²)`` and item noise
    ``e ~ N(0, 0.8²)``.  The drivers are correlated through ``q``.  About 3 %
    of driver ratings are missing at random.

Likelihood to recommend (0-10)
    Given the ratings ``z = rating - 4``, the category follows an
    adjacent-category logit model, so that *each transition is exactly a
    logistic regression on the ratings*:

    * ``logit P(passive | detractor or passive) = alpha_dp + bias[role] + beta_dp · z``
    * ``logit P(promoter | passive or promoter) = alpha_pp + bias[role] + beta_pp · z``

    with :data:`BETA_DETRACTOR_TO_PASSIVE` (led by ease of doing business,
    then value for money) and :data:`BETA_PASSIVE_TO_PROMOTER` (led by
    leading edge, then feeling valued).  Within a category the score is drawn
    from fixed shares (detractors mostly 5-6, passives 7/8, promoters 9/10).

Churn and renewal
    Accounts renew once a year on their renewal date.  At a renewal the
    account churns with probability
    ``expit(churn_intercept + CHURN_COEFS · x[a, t])`` where ``x`` holds the
    account's *true* (latent, noise-free) levels of value for money and trust
    relative to their means at that date, i.e. ``loading[d] * q[a, t] + v[a, d]``,
    ``log(annual_value / median)`` and the account's engagement ``g[a]``.
    NPS itself does not enter: it is related to churn only through the
    drivers it shares with the churn causes (and engagement only through
    response behaviour).

Response behaviour
    Every contact of an active account is invited each wave.  A contact
    responds with probability ``expit(response_intercept + role effect +
    0.25 q + engagement_response g + engagement_roles g [not decision maker]
    - disengagement)``, giving 25-40 % response rates; in the
    ``pre_churn_days`` before a churn the account disengages
    (``disengagement = pre_churn_response_drop``), so falling response rates
    are a leading indicator of churn (a consequence, not a cause).

Comments, follow-ups and VOC interviews
    Drawn from their own random streams; see :mod:`._feedback` and
    :mod:`._operations`.

The exact values are in :class:`Truth` returned with the data and written to
``truth.json``; ``truth_latent.csv`` (``Truth.latent``) holds one row per
account and wave: ``account_id``, ``wave``, ``quality`` (``q``), the latent
level of every driver (``loading[d] * q + v[a, d]``), ``category`` (the
account's latent category) and ``engagement`` (``g``, constant over waves).
The new latent draws (categories, engagement, love/hate signs) come from
their own stream ``component_rng(seed, "core_latent")``.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import expit

from .._validation import check_int
from ..schema import DRIVERS, ROLES
from ._streams import component_rng
from ._feedback import comment_truth_file, simulate_comments
from ._operations import simulate_employees, simulate_followups, simulate_voc

__all__ = ["Truth", "simulate_programme", "write_programme", "CATEGORIES",
           "BETA_DETRACTOR_TO_PASSIVE", "BETA_PASSIVE_TO_PROMOTER", "CHURN_COEFS"]

SEGMENTS = ("Enterprise", "Mid-market", "SMB", "Public sector")
SEGMENT_SHARES = (0.25, 0.35, 0.28, 0.12)
SEGMENT_QUALITY = {"Enterprise": 0.25, "Mid-market": 0.0, "SMB": -0.15, "Public sector": -0.35}
SEGMENT_VALUE = {"Enterprise": 400_000, "Mid-market": 90_000, "SMB": 20_000, "Public sector": 150_000}
SEGMENT_CONTACTS = {"Enterprise": (3, 8), "Mid-market": (2, 6), "SMB": (1, 3), "Public sector": (2, 6)}
REGIONS = ("EMEA", "Americas", "APAC")
INDUSTRIES = ("Manufacturing", "Financial services", "Healthcare", "Technology",
              "Logistics", "Energy", "Retail")
ROLE_SHARES = (0.25, 0.30, 0.35, 0.10)
#: Role shift of the latent quality as perceived (executives see more value).
ROLE_SHIFT = {"decision_maker": 0.0, "influencer": -0.1, "user": -0.3, "executive_sponsor": 0.3}
#: Role-specific response style on the recommendation question, in logits added to
#: both adjacent-category logits (executive sponsors rate higher than end users).
ROLE_LTR_BIAS = {"decision_maker": 0.15, "influencer": 0.0, "user": -0.35, "executive_sponsor": 0.5}
ROLE_RESPONSE = {"decision_maker": 0.0, "influencer": -0.1, "user": -0.3, "executive_sponsor": 0.2}
#: Mean rating offsets (performance differs by driver: trust is a strength,
#: leading edge and ease of doing business lag).
OFFSETS = {"trust": 0.6, "commitment": 0.2, "satisfaction": 0.3, "feel_valued": 0.0, "leading_edge": -0.5,
           "value_for_money": -0.2, "ease_of_doing_business": -0.4, "proactivity": -0.3}
LOADINGS = {"trust": 0.9, "commitment": 0.8, "satisfaction": 0.9, "feel_valued": 0.8,
            "leading_edge": 0.7, "value_for_money": 0.7, "ease_of_doing_business": 0.8,
            "proactivity": 0.7}

#: True log-odds per rating point, passives vs detractors (among ltr <= 8).
BETA_DETRACTOR_TO_PASSIVE = {"trust": 0.15, "commitment": 0.0, "satisfaction": 0.10,
                             "feel_valued": 0.0, "leading_edge": 0.0,
                             "value_for_money": 0.35, "ease_of_doing_business": 0.70,
                             "proactivity": 0.0}
#: True log-odds per rating point, promoters vs passives (among ltr >= 7).
BETA_PASSIVE_TO_PROMOTER = {"trust": 0.10, "commitment": 0.10, "satisfaction": 0.0,
                            "feel_valued": 0.35, "leading_edge": 0.70,
                            "value_for_money": 0.0, "ease_of_doing_business": 0.0,
                            "proactivity": 0.15}
#: True churn log-odds at a renewal, per point of the account's latent level.
CHURN_COEFS = {"value_for_money": -0.9, "trust": -0.6, "log_value": -0.2, "engagement": -0.7}

#: Latent account categories (Deep-Insight portfolio types) and their portfolio shares.
CATEGORIES = ("Ambassador", "Rational", "Ambivalent", "Stalker", "Opponent")
CATEGORY_SHARES = {"Ambassador": 0.33, "Rational": 0.50, "Ambivalent": 0.06, "Stalker": 0.06,
                   "Opponent": 0.05}
#: Shift of the account's starting latent quality by category.
CATEGORY_QUALITY = {"Ambassador": 0.7, "Rational": 0.3, "Ambivalent": 0.0, "Stalker": 0.0,
                    "Opponent": -1.9}
#: Shift of the account-specific driver deviations v[a, d] by category.
CATEGORY_DRIVER_SHIFT = {"Ambassador": {"trust": 0.5, "commitment": 0.5, "feel_valued": 0.5},
                         "Rational": {"leading_edge": -1.2},
                         "Ambivalent": {}, "Stalker": {"value_for_money": -1.8}, "Opponent": {}}
#: Mean latent engagement by category (engagement ~ N(mean, 1)).
CATEGORY_ENGAGEMENT = {"Ambassador": 0.3, "Rational": 0.0, "Ambivalent": 0.0, "Stalker": 0.0,
                       "Opponent": -0.3}

DETRACTOR_SCORES = (np.arange(7), np.array([0.02, 0.02, 0.04, 0.07, 0.12, 0.28, 0.45]))
PASSIVE_SCORES = (np.array([7, 8]), np.array([0.45, 0.55]))
PROMOTER_SCORES = (np.array([9, 10]), np.array([0.55, 0.45]))


@dataclass
class Truth:
    """The documented parameters that generated a simulated programme."""

    seed: int
    n_accounts: int
    n_waves: int
    first_wave: str
    wave_spacing_days: int
    extract_date: str
    loadings: dict = field(default_factory=lambda: dict(LOADINGS))
    offsets: dict = field(default_factory=lambda: dict(OFFSETS))
    alpha_detractor_to_passive: float = 0.6
    alpha_passive_to_promoter: float = -0.1
    beta_detractor_to_passive: dict = field(default_factory=lambda: dict(BETA_DETRACTOR_TO_PASSIVE))
    beta_passive_to_promoter: dict = field(default_factory=lambda: dict(BETA_PASSIVE_TO_PROMOTER))
    churn_intercept: float = -2.3
    churn_coefs: dict = field(default_factory=lambda: dict(CHURN_COEFS))
    churn_causes: tuple = ("value_for_money", "trust")
    role_ltr_bias: dict = field(default_factory=lambda: dict(ROLE_LTR_BIAS))
    category_shares: dict = field(default_factory=lambda: dict(CATEGORY_SHARES))
    category_quality: dict = field(default_factory=lambda: dict(CATEGORY_QUALITY))
    category_driver_shift: dict = field(default_factory=lambda: {k: dict(v) for k, v in
                                                                 CATEGORY_DRIVER_SHIFT.items()})
    category_engagement: dict = field(default_factory=lambda: dict(CATEGORY_ENGAGEMENT))
    ambivalent_split: float = 1.6
    engagement_response: float = 0.5
    engagement_roles: float = 0.4
    quality_drift_sd: float = 0.35
    account_driver_sd: float = 0.6
    response_intercept: float = -0.8
    pre_churn_days: int = 200
    pre_churn_response_drop: float = 1.2
    followup_median_days: float = 5.0

    @property
    def top_driver_detractor_to_passive(self) -> str:
        return max(self.beta_detractor_to_passive, key=self.beta_detractor_to_passive.get)

    @property
    def top_driver_passive_to_promoter(self) -> str:
        return max(self.beta_passive_to_promoter, key=self.beta_passive_to_promoter.get)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["churn_causes"] = list(self.churn_causes)
        d["top_driver_detractor_to_passive"] = self.top_driver_detractor_to_passive
        d["top_driver_passive_to_promoter"] = self.top_driver_passive_to_promoter
        return d


def _dates(base: pd.Timestamp, days) -> pd.Series:
    return base + pd.to_timedelta(np.asarray(days, dtype=float), unit="D")


def simulate_programme(*, seed: int = 0, n_accounts: int = 300, n_waves: int = 8,
                       first_wave: str = "2024-01-15", wave_spacing_days: int = 91,
                       **truth_overrides):
    """Simulate a programme; return ``(tables, truth)``.

    Parameters
    ----------
    seed : int
        Seed of the random generator; the same seed gives the same data.
    n_accounts : int
        Number of accounts (at least 10).
    n_waves : int
        Number of quarterly survey waves (at least 2).
    first_wave : str
        ISO date of the first wave.
    wave_spacing_days : int
        Days between waves.
    **truth_overrides
        Fields of :class:`Truth` to change, e.g. ``churn_coefs={...}`` for a
        null simulation.

    Returns
    -------
    tables : dict of str to DataFrame
        ``accounts``, ``contacts``, ``invitations``, ``responses``,
        ``followups``, ``voc_interviews``, ``employees`` in the canonical schema.
    truth : Truth
        The parameters that generated the data, plus ``truth.latent``: a
        DataFrame (account_id, wave, quality, the latent level of every
        driver, category, engagement) is attached as attribute ``latent``.

    Examples
    --------
    >>> from kapta_research.simulate import simulate_programme
    >>> tables, truth = simulate_programme(seed=1, n_accounts=40)
    >>> sorted(tables)
    ['accounts', 'contacts', 'employees', 'followups', 'invitations', 'responses', 'voc_interviews']
    >>> truth.top_driver_passive_to_promoter
    'leading_edge'
    """
    check_int(seed, name="seed", func="simulate_programme", low=0)
    check_int(n_accounts, name="n_accounts", func="simulate_programme", low=10)
    check_int(n_waves, name="n_waves", func="simulate_programme", low=2)
    check_int(wave_spacing_days, name="wave_spacing_days", func="simulate_programme", low=7)
    start = pd.Timestamp(first_wave)
    wave_dates = [start + pd.Timedelta(days=wave_spacing_days * w) for w in range(n_waves)]
    extract = wave_dates[-1] + pd.Timedelta(days=wave_spacing_days)
    truth = Truth(seed=seed, n_accounts=n_accounts, n_waves=n_waves, first_wave=str(start.date()),
                  wave_spacing_days=wave_spacing_days, extract_date=str(extract.date()))
    for key, value in truth_overrides.items():
        if not hasattr(truth, key):
            from ..errors import ParameterError
            raise ParameterError(f"simulate_programme got an unknown truth parameter {key!r}.")
        setattr(truth, key, value)
    rng = np.random.default_rng(seed)
    A = n_accounts
    n_drv = len(DRIVERS)

    # ---- accounts -------------------------------------------------------
    seg = rng.choice(len(SEGMENTS), size=A, p=SEGMENT_SHARES)
    segments = np.array(SEGMENTS)[seg]
    value = np.array([SEGMENT_VALUE[s] for s in segments]) * np.exp(rng.normal(0, 0.5, A))
    value = np.round(value, -2)
    since_days = rng.integers(0, 365 * 9, A)
    customer_since = _dates(pd.Timestamp("2015-01-01"), since_days).normalize()
    # renewal anniversary: first renewal on or after the programme start
    renew_doy = rng.integers(0, 365, A)
    first_renewal = _dates(start, renew_doy).normalize()
    account_ids = np.array([f"A{i:04d}" for i in range(1, A + 1)])

    # latent quality per quarter (random walk) ----------------------------
    n_steps = n_waves + 8  # beyond the last wave so churn can happen until extract
    # latent category and engagement: their own stream, so the core draws keep their order
    lat_rng = component_rng(seed, "core_latent")
    shares = np.array([truth.category_shares.get(c, 0.0) for c in CATEGORIES], dtype=float)
    category = np.array(CATEGORIES)[lat_rng.choice(len(CATEGORIES), size=A, p=shares / shares.sum())]
    engagement = (np.array([truth.category_engagement.get(c, 0.0) for c in category])
                  + lat_rng.normal(0, 1, A))
    q0 = (0.7 * rng.normal(0, 1, A) + np.array([SEGMENT_QUALITY[s] for s in segments])
          + np.array([truth.category_quality.get(c, 0.0) for c in category]))
    steps = rng.normal(0, truth.quality_drift_sd, (A, n_steps))
    steps[:, 0] = 0.0
    q = q0[:, None] + np.cumsum(steps, axis=1)  # q[a, k] at quarter k after start
    v = rng.normal(0, truth.account_driver_sd, (A, n_drv))
    v += np.array([[truth.category_driver_shift.get(c, {}).get(d, 0.0) for d in DRIVERS] for c in category])
    load = np.array([truth.loadings[d] for d in DRIVERS])

    def quarter_index(dates):
        days = (pd.DatetimeIndex(dates) - start).days.to_numpy()
        return np.clip(days // wave_spacing_days, 0, n_steps - 1)

    # ---- churn at renewals ---------------------------------------------
    i_vfm, i_trust = DRIVERS.index("value_for_money"), DRIVERS.index("trust")
    logv = np.log(value / np.median(value))
    churn_date = pd.Series(pd.NaT, index=range(A), dtype="datetime64[ns]")
    renewal_date = first_renewal.copy()
    for year in range(4):
        dates = first_renewal + pd.DateOffset(years=year)
        k = quarter_index(dates)
        latent_vfm = load[i_vfm] * q[np.arange(A), k] + v[:, i_vfm]
        latent_trust = load[i_trust] * q[np.arange(A), k] + v[:, i_trust]
        eta = (truth.churn_intercept + truth.churn_coefs.get("value_for_money", 0) * latent_vfm
               + truth.churn_coefs.get("trust", 0) * latent_trust
               + truth.churn_coefs.get("log_value", 0) * logv
               + truth.churn_coefs.get("engagement", 0) * engagement)
        u = rng.random(A)
        eligible = churn_date.isna().to_numpy() & (dates <= extract)
        new = eligible & (u < expit(eta))
        churn_date[new] = dates[new]
        # next renewal after the extract for the survivors
        still = churn_date.isna().to_numpy() & (dates <= extract)
        renewal_date = np.where(still, dates + pd.DateOffset(years=1), renewal_date)
    renewal_date = pd.DatetimeIndex(renewal_date)
    churned = churn_date.notna().to_numpy()
    renewal_date = pd.DatetimeIndex(np.where(churned, pd.NaT, renewal_date))

    accounts = pd.DataFrame({
        "account_id": account_ids,
        "account_name": [f"Account {i:04d} Ltd" for i in range(1, A + 1)],
        "segment": segments,
        "region": np.array(REGIONS)[rng.integers(0, len(REGIONS), A)],
        "industry": np.array(INDUSTRIES)[rng.integers(0, len(INDUSTRIES), A)],
        "annual_value": value,
        "account_manager": [f"AM{int(x):02d}" for x in rng.integers(1, 19, A)],
        "customer_since": customer_since,
        "renewal_date": renewal_date,
        "churned": churned,
        "churn_date": churn_date.to_numpy(),
    })

    # ---- contacts -------------------------------------------------------
    rows = []
    cid = 0
    for a in range(A):
        lo, hi = SEGMENT_CONTACTS[segments[a]]
        k = int(rng.integers(lo, hi + 1))
        roles = rng.choice(len(ROLES), size=k, p=ROLE_SHARES)
        roles[0] = 0  # every account has a decision maker on file
        for r in roles:
            cid += 1
            rows.append((f"C{cid:05d}", account_ids[a], ROLES[r], f"Contact {cid:05d}",
                         f"contact{cid:05d}@{account_ids[a].lower()}.example.com"))
    contacts = pd.DataFrame(rows, columns=["contact_id", "account_id", "role", "name", "email"])
    c_acc = contacts["account_id"].str[1:].astype(int).to_numpy() - 1
    c_role = contacts["role"].to_numpy()
    c_effect = rng.normal(0, 0.5, len(contacts))
    # love/hate split in Ambivalent accounts: alternating signs over the account's contacts
    c_pos = contacts.groupby("account_id").cumcount().to_numpy()
    start_sign = lat_rng.integers(0, 2, A)
    sign = np.where((c_pos + start_sign[c_acc]) % 2 == 0, 1.0, -1.0)
    c_effect = c_effect + truth.ambivalent_split * sign * (category[c_acc] == "Ambivalent")

    # ---- invitations and responses -------------------------------------
    inv_rows, resp_rows = [], []
    iid = rid = 0
    pre_churn = pd.Timedelta(days=truth.pre_churn_days)
    contact_ids = contacts["contact_id"].to_numpy()
    contact_accounts = contacts["account_id"].to_numpy()
    role_shift = np.array([ROLE_SHIFT[r] for r in c_role])
    role_resp = np.array([ROLE_RESPONSE[r] for r in c_role])
    role_bias = np.array([truth.role_ltr_bias.get(r, 0.0) for r in c_role])
    c_engage = (engagement[c_acc] * (truth.engagement_response
                                     + truth.engagement_roles * (c_role != "decision_maker")))
    b_dp = np.array([truth.beta_detractor_to_passive.get(d, 0.0) for d in DRIVERS])
    b_pp = np.array([truth.beta_passive_to_promoter.get(d, 0.0) for d in DRIVERS])
    for w, wdate in enumerate(wave_dates, start=1):
        cd = pd.DatetimeIndex(churn_date.to_numpy()[c_acc])
        sent_all = wdate + pd.to_timedelta(rng.integers(0, 3, len(contacts)), unit="D")
        active = cd.isna() | (cd > sent_all)  # only accounts still customers on the day of sending
        idx = np.flatnonzero(active)
        if len(idx) == 0:
            continue
        sent = sent_all[idx]
        k = w - 1
        qa = q[c_acc[idx], k]
        disengaged = (~cd[idx].isna()) & (cd[idx] - wdate <= pre_churn)
        p_resp = expit(truth.response_intercept + role_resp[idx] + 0.25 * qa + c_engage[idx]
                       - truth.pre_churn_response_drop * disengaged)
        responds = rng.random(len(idx)) < p_resp
        delay = np.minimum(rng.exponential(4.0, len(idx)), 28)
        answered = sent + pd.to_timedelta(delay * 24, unit="h")
        responds &= np.asarray(cd[idx].isna() | (answered < cd[idx]))  # no answers from former customers
        inv_ids = np.array([f"I{i:06d}" for i in range(iid + 1, iid + len(idx) + 1)])
        iid += len(idx)
        inv_rows.append(pd.DataFrame({"invitation_id": inv_ids, "contact_id": contact_ids[idx],
                                      "account_id": contact_accounts[idx], "wave": w, "sent_at": sent}))
        hit = np.flatnonzero(responds)
        resp_rows.append(pd.DataFrame({
            "response_id": [f"R{i:06d}" for i in range(rid + 1, rid + len(hit) + 1)],
            "invitation_id": inv_ids[hit], "contact_id": contact_ids[idx[hit]],
            "account_id": contact_accounts[idx[hit]], "wave": w,
            "responded_at": answered[hit],
            "_c": idx[hit], "_k": k}))
        rid += len(hit)
    invitations = pd.concat(inv_rows, ignore_index=True)
    resp = pd.concat(resp_rows, ignore_index=True)
    c = resp["_c"].to_numpy()
    k = resp["_k"].to_numpy()
    a = c_acc[c]
    m = len(resp)
    perceived = q[a, k] + role_shift[c] + c_effect[c]
    offs = np.array([truth.offsets.get(d, 0.0) for d in DRIVERS])
    ratings = 4 + offs[None, :] + load[None, :] * perceived[:, None] + v[a] + rng.normal(0, 0.8, (m, n_drv))
    ratings = np.clip(np.round(ratings), 1, 7)
    z = ratings - 4
    eta1 = truth.alpha_detractor_to_passive + role_bias[c] + z @ b_dp
    eta2 = truth.alpha_passive_to_promoter + role_bias[c] + z @ b_pp
    logits = np.column_stack([np.zeros(m), eta1, eta1 + eta2])
    prob = np.exp(logits - logits.max(axis=1, keepdims=True))
    prob /= prob.sum(axis=1, keepdims=True)
    u = rng.random(m)
    cat = (u[:, None] > np.cumsum(prob, axis=1)[:, :2]).sum(axis=1)
    ltr = np.empty(m, dtype=int)
    for code, (vals, p) in enumerate((DETRACTOR_SCORES, PASSIVE_SCORES, PROMOTER_SCORES)):
        sel = cat == code
        ltr[sel] = rng.choice(vals, size=int(sel.sum()), p=p)
    ratings_obs = ratings.copy()
    ratings_obs[rng.random(ratings.shape) < 0.03] = np.nan
    responses = resp.drop(columns=["_c", "_k"])
    responses["ltr"] = ltr
    for j, d in enumerate(DRIVERS):
        responses[d] = pd.array(ratings_obs[:, j], dtype="Int64")
    responses["comment"], truth.comments = simulate_comments(responses, cat, component_rng(seed, "comments"),
                                                             contacts=contacts, accounts=accounts)

    # ---- follow-ups and VOC interviews (their own random streams) -------
    followups = simulate_followups(responses, cat, accounts, truth,
                                   component_rng(seed, "followups"))
    voc_interviews = simulate_voc(accounts, start, extract, component_rng(seed, "voc"))

    # latent truth per account and wave
    lat = []
    for w in range(n_waves):
        block = {"account_id": account_ids, "wave": w + 1, "quality": q[:, w]}
        for j, d in enumerate(DRIVERS):
            block[d] = load[j] * q[:, w] + v[:, j]
        block["category"] = category
        block["engagement"] = engagement
        lat.append(pd.DataFrame(block))
    truth.latent = pd.concat(lat, ignore_index=True)
    employees = simulate_employees(accounts, truth.latent, component_rng(seed, "employees"), n_waves=n_waves)

    tables = {"accounts": accounts, "contacts": contacts, "invitations": invitations,
              "responses": responses, "followups": followups, "voc_interviews": voc_interviews,
              "employees": employees}
    return tables, truth


def write_programme(tables: dict, truth: Truth, folder) -> list[Path]:
    """Write simulated tables as CSV, plus ``programme.yaml`` and ``truth.json``.

    Output is byte-identical for identical input (fixed column order, ISO
    dates, ``%.10g`` floats, ``\\n`` line ends).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, df in tables.items():
        out = df.copy()
        for col in out.columns:
            if pd.api.types.is_datetime64_any_dtype(out[col]):
                has_time = (out[col].dropna().dt.normalize() != out[col].dropna()).any()
                fmt = "%Y-%m-%dT%H:%M:%S" if has_time else "%Y-%m-%d"
                out[col] = out[col].dt.strftime(fmt)
        path = folder / f"{name}.csv"
        out.to_csv(path, index=False, lineterminator="\n", float_format="%.10g")
        written.append(path)
    cfg = folder / "programme.yaml"
    cfg.write_text(
        "# Bundled synthetic programme (kapta-research simulate).\n"
        "# Files are already in the canonical schema, so no column mapping is needed.\n"
        "name: Sample B2B programme (synthetic)\n"
        "scales:\n  ltr: [0, 10]\n  drivers: [1, 7]\n"
        "tables:\n" + "".join(f"  {n}: {n}.csv\n" for n in tables),
        encoding="utf-8")
    written.append(cfg)
    tpath = folder / "truth.json"
    tpath.write_text(json.dumps(truth.to_dict(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    written.append(tpath)
    lpath = folder / "truth_latent.csv"
    truth.latent.to_csv(lpath, index=False, lineterminator="\n", float_format="%.10g")
    written.append(lpath)
    written += comment_truth_file(truth, folder)   # truth_comments.csv (see ._feedback)
    return written
