"""Account categories (Ambassador, Rational, Ambivalent, Stalker, Opponent) with their probabilities.

The categories follow the published descriptions of Deep-Insight's account
portfolio types; Deep-Insight's exact rule is not public, so ours is defined
here and can be changed with ``rule=``.

The rule (:data:`DEFAULT_RULE`), applied to an account's mix of detractors,
passives and promoters ``(p_det, p_pas, p_pro)`` and its driver profile
(:func:`~kapta_research.accounts.account_nps`: each gap is how far the
driver(s) sit below or above the account's other drivers, relative to the
portfolio, in scale points), first match wins:

1. **Stalker** — price-driven, value for money the weak driver:
   ``value_gap <= stalker_max_value_gap`` (−1.0) and
   ``p_pro < stalker_max_promoters`` (0.50).
2. **Opponent** — detractor-dominated: ``p_det >= opponent_min_detractors`` (0.50).
3. **Ambivalent** — love/hate, promoters and detractors in one account:
   ``p_pro >= ambivalent_min_promoters`` (0.30) and
   ``p_det >= ambivalent_min_detractors`` (0.30).
4. **Ambassador** — mostly promoters, few detractors, a strong relationship
   and something unique: ``p_pro >= ambassador_min_promoters`` (0.35),
   ``p_det <= ambassador_max_detractors`` (0.30),
   ``relationship_gap >= ambassador_min_relationship_gap`` (−0.5: trust,
   commitment and feeling valued not clearly weaker than usual) and
   ``leading_edge_gap >= ambassador_min_leading_edge_gap`` (−0.3).
5. **Rational** — everything else: positive but passive-heavy, seeing
   nothing unique (low leading edge).

On simulated programmes (``kapta_research.simulate``, whose latent
categories follow the same descriptions) the rule recovers the latent
category of about 60 % of the accounts with four or more respondents
(tests/test_accounts_categories.py); the categories overlap by nature.

Probabilities
-------------
The mix is uncertain when an account has few respondents, so the rule is
applied to ``n_draws`` draws from the account's posterior: the mix from its
Dirichlet posterior (:func:`~kapta_research.accounts.account_nps`) and each
driver gap from ``N(gap, se²)``.  The probability of a category is the share
of draws the rule puts there; the account's ``category`` is the most probable
one.  Without driver ratings the driver conditions are skipped (no Stalkers;
Ambassadors by the mix alone) and ``drivers_used`` says so.

Portfolio shares are the mean probabilities over accounts (the expected share
of each category), with percentile intervals from a bootstrap over accounts
(:func:`kapta_research.stats.resample.cluster_bootstrap`).
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .._result import Result
from .._validation import check_confidence, check_int, check_random_state
from ..errors import DataError, KaptaWarning, ParameterError
from ..stats.resample import cluster_bootstrap
from ._prior import dirichlet_mix_draws
from ._rollup import account_table

__all__ = ["MINORITY", "CATEGORY_NAMES", "DEFAULT_RULE", "GAP_COLUMNS", "classify_mix", "TYPICAL_SHARES", "AccountCategories", "account_categories",
           "check_rule"]

CATEGORY_NAMES = ("Ambassador", "Rational", "Ambivalent", "Stalker", "Opponent")
DEFAULT_RULE = {
    "stalker_max_value_gap": -1.0,
    "stalker_max_promoters": 0.50,
    "opponent_min_detractors": 0.50,
    "ambivalent_min_promoters": 0.30,
    "ambivalent_min_detractors": 0.30,
    "ambassador_min_promoters": 0.35,
    "ambassador_max_detractors": 0.30,
    "ambassador_min_relationship_gap": -0.50,
    "ambassador_min_leading_edge_gap": -0.30,
}
#: Driver profiles the rule reads (columns of account_nps).
GAP_COLUMNS = ("value_gap", "relationship_gap", "leading_edge_gap")
#: The "typical portfolio" of the sources (shares of accounts): text for reports and the ranges checked.
MINORITY = "Ambivalent + Stalker + Opponent"
TYPICAL_SHARES = {"Ambassador": "about a third", "Rational": "about half", MINORITY: "10-20 % together"}
_SHARE_KEYS = {k for k in DEFAULT_RULE if not k.endswith("_gap")}


def check_rule(rule, *, func: str = "account_categories") -> dict:
    """The default rule updated with ``rule``; unknown keys get a did-you-mean."""
    from ..io.config import did_you_mean
    out = dict(DEFAULT_RULE)
    if rule is None:
        return out
    if not isinstance(rule, dict):
        raise ParameterError(f"The 'rule' parameter of {func} must be a dict of thresholds. "
                             f"Got {rule!r} instead.")
    for key, value in rule.items():
        if key not in DEFAULT_RULE:
            raise ParameterError(f"The 'rule' parameter of {func} has an unknown key {key!r}"
                                 f"{did_you_mean(key, DEFAULT_RULE)}; keys are {', '.join(DEFAULT_RULE)}.")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
            raise ParameterError(f"The 'rule' parameter of {func} must map {key!r} to a number. "
                                 f"Got {value!r} instead.")
        if key in _SHARE_KEYS and not 0 <= value <= 1:
            raise ParameterError(f"The 'rule' parameter of {func} must give {key!r} a share in [0, 1]. "
                                 f"Got {value!r} instead.")
        out[key] = float(value)
    return out


def classify_mix(p_det, p_pro, gaps, rule) -> np.ndarray:
    """Category codes (index into :data:`CATEGORY_NAMES`) of mixes and driver gaps.

    ``gaps`` maps :data:`GAP_COLUMNS` to arrays; a missing or NaN gap skips
    its condition (Stalker needs ``value_gap``; the Ambassador conditions on
    gaps are dropped).

    Examples
    --------
    >>> z = np.zeros(5)
    >>> classify_mix(np.array([0.1, 0.4, 0.6, 0.1, 0.2]), np.array([0.7, 0.4, 0.1, 0.2, 0.3]),
    ...              {"value_gap": np.array([0.0, 0.0, 0.0, -2.0, 0.0])}, DEFAULT_RULE).tolist()
    [0, 2, 4, 3, 1]
    """
    r = rule
    vg = np.nan_to_num(gaps.get("value_gap", np.nan), nan=np.inf)
    rel = np.nan_to_num(gaps.get("relationship_gap", np.nan), nan=np.inf)
    le = np.nan_to_num(gaps.get("leading_edge_gap", np.nan), nan=np.inf)
    stalk = (vg <= r["stalker_max_value_gap"]) & (p_pro < r["stalker_max_promoters"])
    opp = p_det >= r["opponent_min_detractors"]
    amb = (p_pro >= r["ambivalent_min_promoters"]) & (p_det >= r["ambivalent_min_detractors"])
    ambas = (p_pro >= r["ambassador_min_promoters"]) & (p_det <= r["ambassador_max_detractors"])
    ambas &= (rel >= r["ambassador_min_relationship_gap"]) & (le >= r["ambassador_min_leading_edge_gap"])
    return np.select([stalk, opp, amb, ambas], [3, 4, 2, 0], default=1)


class AccountCategories(Result):
    """Result of :func:`account_categories`.

    Attributes
    ----------
    summary : DataFrame
        One row per account.
    shares : DataFrame
        Portfolio share of each category with its interval.
    rule : dict
    drivers_used : bool
    """

    _title = "Account categories"
    _info = ("n_accounts", "drivers_used", "confidence", "n_boot")

    def __init__(self, summary, shares, rule, drivers_used, confidence, n_boot):
        self.summary, self.shares, self.rule = summary, shares, rule
        self.drivers_used, self.confidence, self.n_boot = drivers_used, confidence, n_boot
        self.n_accounts = int(len(summary))


def account_categories(accounts, *, rule=None, confidence=0.95, n_draws=2000, n_boot=2000,
                       random_state=0) -> AccountCategories:
    """Each account's category with the probability of each category, and portfolio shares with CIs.

    Parameters
    ----------
    accounts : AccountNPS or DataFrame
        The result of :func:`~kapta_research.accounts.account_nps` (or its
        ``summary``): ``alpha_detractor``, ``alpha_passive``,
        ``alpha_promoter`` and, when drivers were rated, the gaps of
        :data:`GAP_COLUMNS` with their ``_se``.
    rule : dict, optional
        Thresholds to change (keys of :data:`DEFAULT_RULE`; the module
        docstring explains each); unknown keys are errors.
    confidence : float
        Level of the share intervals.
    n_draws : int
        Posterior draws per account (>= 200).
    n_boot : int
        Bootstrap replicates over accounts for the share intervals (>= 100).
    random_state : None, int or numpy Generator

    Returns
    -------
    AccountCategories
        ``summary``: ``account_id``, ``n``, ``category``, ``probability``
        (of that category) and ``p_<Category>`` for each of
        :data:`CATEGORY_NAMES`, plus the account attributes present.
        ``shares``: ``category`` (the five, then ``"Ambivalent + Stalker +
        Opponent"`` together), ``n_accounts`` (accounts whose most probable
        category it is), ``share`` (expected share, 0-1), ``ci_low``,
        ``ci_high``, ``typical`` (the sources' typical portfolio, as text).

    Examples
    --------
    >>> import kapta_research as kr
    >>> from kapta_research.accounts import account_nps
    >>> cats = account_categories(account_nps(kr.load_sample().respondents()), n_boot=200)
    >>> cats.shares[["category", "n_accounts", "share", "ci_low", "ci_high"]].round(2)
                              category  n_accounts  share  ci_low  ci_high
    0                       Ambassador          54   0.21    0.18     0.25
    1                         Rational         159   0.51    0.48     0.55
    2                       Ambivalent           3   0.08    0.07     0.09
    3                          Stalker          25   0.09    0.07     0.11
    4                         Opponent          18   0.10    0.08     0.12
    5  Ambivalent + Stalker + Opponent          46   0.27    0.25     0.30
    """
    func = "account_categories"
    rule = check_rule(rule, func=func)
    confidence = check_confidence(confidence, func=func)
    n_draws = check_int(n_draws, name="n_draws", func=func, low=200)
    n_boot = check_int(n_boot, name="n_boot", func=func, low=100)
    rng = check_random_state(random_state, func=func)
    table = account_table(accounts, func=func)
    need = ["account_id", "alpha_detractor", "alpha_passive", "alpha_promoter"]
    missing = [c for c in need if c not in table]
    if missing:
        raise DataError(f"{func} needs the account posterior of account_nps (columns "
                        f"{', '.join(missing)} are missing); pass account_nps(...) or its summary.")
    if table.empty:
        raise DataError(f"{func}: there are no accounts.")
    post = table[need[1:]].to_numpy(float)
    gap_cols = [c for c in GAP_COLUMNS if c in table and f"{c}_se" in table]
    drivers_used = bool(gap_cols)
    A = len(table)
    probs = np.zeros((A, len(CATEGORY_NAMES)))
    for start in range(0, A, 256):
        block = slice(start, start + 256)
        a = post[block]
        p = dirichlet_mix_draws(a, n_draws, rng)
        gaps = {}
        for name in gap_cols:
            mu = table[name].to_numpy(float)[block, None]
            se = table[f"{name}_se"].to_numpy(float)[block, None]
            se = np.where(np.isfinite(se), se, 0.0)  # one rated response: no spread estimate, use the value
            gaps[name] = mu + se * rng.standard_normal((len(a), n_draws))
        codes = classify_mix(p[..., 0], p[..., 2], gaps, rule)
        for k in range(len(CATEGORY_NAMES)):
            probs[block, k] = (codes == k).mean(axis=1)
    best = probs.argmax(axis=1)
    keep = [c for c in ("account_id", "account_name", "segment", "annual_value", "n") if c in table]
    summary = table[keep].reset_index(drop=True).copy()
    summary["category"] = np.array(CATEGORY_NAMES)[best]
    summary["probability"] = probs[np.arange(A), best]
    for k, name in enumerate(CATEGORY_NAMES):
        summary[f"p_{name}"] = probs[:, k]
    if len(set(best)) == 1:
        warnings.warn(f"{func}: every account falls in one category ({CATEGORY_NAMES[best[0]]}); the rule's "
                      "thresholds may not suit this programme (see rule=), or the accounts have too few "
                      "respondents to tell categories apart.", KaptaWarning, stacklevel=2)
    # the three minority categories together, as the typical portfolio quotes them
    groups = np.column_stack([probs, probs[:, 2:].sum(axis=1)])
    boot = cluster_bootstrap(lambda counts: (counts @ groups / A, np.ones(len(counts), bool)),
                             np.arange(A), A, n_boot=n_boot, random_state=rng, vectorized=True, func=func)
    lo, hi = boot.interval(confidence)
    labels = [*CATEGORY_NAMES, MINORITY]
    n_best = np.bincount(best, minlength=len(CATEGORY_NAMES))
    shares = pd.DataFrame({"category": labels, "n_accounts": [*n_best, n_best[2:].sum()],
                           "share": groups.mean(axis=0), "ci_low": lo, "ci_high": hi,
                           "typical": [TYPICAL_SHARES.get(c, "") for c in labels]})
    return AccountCategories(summary, shares, rule, drivers_used, confidence, n_boot)
