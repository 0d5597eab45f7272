"""How many responses to plan for: NPS margin of error with clustering and a finite population.

The formula
-----------
On the proportion scale one respondent's NPS code has the variance
``V = (p+ + p−) − (p+ − p−)²`` (Rocks 2016).  Respondents of one account are
correlated; with ``m`` respondents per account and intra-class correlation
``ICC`` the variance is multiplied by the design effect
``deff = 1 + (m − 1)·ICC`` (Kish 1965).  For a margin of error ``E`` (NPS
points, half-width of the interval at ``confidence``)::

    n0 = z² · V · deff / (E / 100)²        (responses, infinite population)
    n  = n0 / (1 + (n0 − 1) / N)           (finite-population correction, N people who could answer)
    accounts = n / m

and the inverse, the margin for ``n`` responses,
``E = 100 · z · sqrt(V · deff / n · (N − n) / (N − 1))``.  Results are
rounded *up* (``ceil``) to whole responses and accounts.

Inputs from data
----------------
With ``data`` (a Programme or a respondents frame with ``ltr``,
``account_id``, ``wave``), the planning uses the **last wave**: its mix
(shares of promoters and detractors), its responses per account ``m``
(mean over the accounts that answered) and its ICC, the one-way ANOVA
estimator on the codes −1/0/1 by account (Donner 1986, unequal group sizes:
``(MSB − MSW) / (MSB + (n₀ − 1) MSW)`` with ``n₀ = (N − Σ n_g² / N)/(G − 1)``;
a negative estimate is truncated at 0).  The ICC is estimated once on the
whole last wave (a per-segment ICC from one wave is too noisy to plan with)
and used for every segment; the mix and ``m`` are per segment with ``by``.
With a Programme the population ``N`` of a group is its contacts on file
of the accounts invited in the last wave.  Without data and without ``mix``
the worst case ``V = 1`` (half promoters, half detractors) is used.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .. import rules
from .._validation import check_confidence, check_number
from ..errors import DataError, ParameterError
from ..nps import _suppression
from ..stats.intervals import critical_value, nps_srs_variance
from ._common import MIN_ACCOUNTS, MIN_N

__all__ = ["plan_sample", "margin_for", "icc_anova", "PLAN_COLUMNS"]

PLAN_COLUMNS = ["margin", "confidence", "pct_promoters", "pct_detractors", "unit_variance",
                "respondents_per_account", "icc", "design_effect", "population", "n_responses", "n_accounts",
                "last_wave", "last_wave_n", "last_wave_margin", "suppressed", "suppressed_reason"]


def icc_anova(codes, groups) -> float:
    """One-way ANOVA intra-class correlation of ``codes`` within ``groups`` (truncated at 0).

    Examples
    --------
    >>> round(icc_anova([1, 1, 0, 0, -1, -1], ["a", "a", "b", "b", "c", "c"]), 4)
    1.0
    >>> icc_anova([1, -1, 1, -1], ["a", "a", "b", "b"])
    0.0
    """
    x = np.asarray(codes, float)
    g = pd.factorize(pd.Series(groups))[0]
    N, G = len(x), int(g.max() + 1) if len(g) else 0
    if G < 2 or N <= G:
        return float("nan")
    n_g = np.bincount(g, minlength=G).astype(float)
    mean_g = np.bincount(g, weights=x, minlength=G) / n_g
    grand = x.mean()
    msb = float((n_g * (mean_g - grand) ** 2).sum() / (G - 1))
    msw = float(((x - mean_g[g]) ** 2).sum() / (N - G))
    n0 = (N - (n_g ** 2).sum() / N) / (G - 1)
    denom = msb + (n0 - 1) * msw
    if denom <= 0:
        return 0.0
    return float(max((msb - msw) / denom, 0.0))


def _unit_variance(mix, func):
    if mix is None:
        return np.nan, np.nan, 1.0
    try:
        p_pro, p_det = (float(v) for v in mix)
    except (TypeError, ValueError):
        raise ParameterError(f"The 'mix' parameter of {func} must be (share of promoters, share of detractors). "
                             f"Got {mix!r} instead.") from None
    if not (0 <= p_pro <= 1 and 0 <= p_det <= 1 and p_pro + p_det <= 1):
        raise ParameterError(f"The 'mix' parameter of {func} must be two shares in [0, 1] summing to at most 1. "
                             f"Got {mix!r} instead.")
    return p_pro, p_det, float(nps_srs_variance(p_pro, p_det))


def _deff(m, icc):
    return 1.0 + (max(m, 1.0) - 1.0) * icc


def _n_needed(margin, z, V, deff, population):
    n0 = z ** 2 * V * deff / (margin / 100) ** 2
    if population is not None and np.isfinite(population):
        n0 = n0 / (1 + (n0 - 1) / population)
    return n0


def margin_for(n, *, confidence=0.95, mix=None, respondents_per_account=None, icc=None, population=None) -> float:
    """Margin of error (NPS points) of ``n`` responses: the inverse of :func:`plan_sample`.

    Examples
    --------
    >>> round(margin_for(384, mix=(0.5, 0.5)), 2)         # worst case: 1.96 / sqrt(384) = 10 points
    10.0
    >>> round(margin_for(100, mix=(0.4, 0.2), respondents_per_account=3, icc=0.1), 2)
    16.07
    """
    func = "margin_for"
    n = check_number(n, name="n", func=func, low=1)
    confidence = check_confidence(confidence, func=func)
    _, _, V = _unit_variance(mix, func)
    m = check_number(respondents_per_account, name="respondents_per_account", func=func, low=1, allow_none=True)
    icc = check_number(icc, name="icc", func=func, low=0, high=1, allow_none=True)
    deff = _deff(m or 1.0, icc or 0.0)
    fpc = 1.0
    if population is not None:
        population = check_number(population, name="population", func=func, low=1)
        if n > population:
            raise ParameterError(f"The 'n' parameter of {func} must be at most the population ({population:g}). "
                                 f"Got {n!r} instead.")
        fpc = (population - n) / (population - 1) if population > 1 else 0.0
    return float(100 * critical_value(confidence) * math.sqrt(V * deff / n * fpc))


def _frame_of(data):
    """(respondents, contacts or None, invitations or None) from a Programme or a frame."""
    if isinstance(data, pd.DataFrame):
        return data, None, None
    if hasattr(data, "respondents"):
        return (data.respondents(), data.contacts if data.provided("contacts") else None,
                data.invitations if data.provided("invitations") else None)
    raise ParameterError("The 'data' parameter of plan_sample must be a Programme or a DataFrame of responses. "
                         f"Got {type(data).__name__} instead.")


def plan_sample(*, margin, confidence=0.95, mix=None, data=None, respondents_per_account=None, icc=None,
                population=None, by=None, min_n=MIN_N, min_accounts=MIN_ACCOUNTS) -> pd.DataFrame:
    """Responses (and accounts) needed to know NPS within ``±margin`` points.

    "To know Enterprise's NPS within ±10 points you need ~N responses from
    ~M accounts."  The formula and the estimates taken from ``data`` are in
    the module docstring.

    Parameters
    ----------
    margin : float
        Target half-width of the interval in NPS points (> 0, at most 200).
    confidence : float
    mix : (float, float), optional
        (share of promoters, share of detractors); default from ``data``'s
        last wave, or the worst case (variance 1).
    data : Programme or DataFrame, optional
        Responses to take the mix, responses per account and ICC from.
    respondents_per_account : float, optional
        ``m``; default from ``data`` (else 1: no clustering).
    icc : float, optional
        Intra-class correlation of the NPS codes within an account; default
        from ``data`` (else 0).
    population : float, optional
        People who could answer (finite-population correction); default
        from the Programme's contacts (else none).
    by : str, optional
        A column of the respondents (``"segment"``): one plan per group,
        from the last wave's data.
    min_n, min_accounts : int
        Groups whose last wave is below nps()'s rule are suppressed (their
        mix would identify a few respondents).

    Returns
    -------
    DataFrame
        The ``by`` column, then :data:`PLAN_COLUMNS`: ``margin``,
        ``confidence``, ``pct_promoters``, ``pct_detractors`` (0-100),
        ``unit_variance`` (Rocks), ``respondents_per_account``, ``icc``,
        ``design_effect``, ``population``, ``n_responses``, ``n_accounts``
        (rounded up), ``last_wave``, ``last_wave_n`` and ``last_wave_margin``
        (the margin the last wave achieved by the same formula),
        ``suppressed``, ``suppressed_reason``.

    Examples
    --------
    >>> int(plan_sample(margin=10, mix=(0.5, 0.5))["n_responses"].iloc[0])       # 1.96² / 0.1²
    385
    >>> import kapta_research as kr
    >>> p = plan_sample(margin=10, data=kr.load_sample(), by="segment")
    >>> list(p["segment"])
    ['Enterprise', 'Mid-market', 'Public sector', 'SMB']
    """
    func = "plan_sample"
    margin = float(check_number(margin, name="margin", func=func, low=0, high=200, low_open=True))
    confidence = check_confidence(confidence, func=func)
    respondents_per_account = check_number(respondents_per_account, name="respondents_per_account", func=func,
                                           low=1, allow_none=True)
    icc = check_number(icc, name="icc", func=func, low=0, high=1, allow_none=True)
    population = check_number(population, name="population", func=func, low=1, allow_none=True)
    z = critical_value(confidence)
    fixed_mix = _unit_variance(mix, func) if mix is not None else None
    if data is None:
        if by is not None:
            raise ParameterError(f"The 'by' parameter of {func} needs 'data' to plan per group.")
        p_pro, p_det, V = fixed_mix or _unit_variance(None, func)
        m, r = respondents_per_account or 1.0, icc or 0.0
        deff = _deff(m, r)
        n = _n_needed(margin, z, V, deff, population)
        row = {"margin": margin, "confidence": confidence, "pct_promoters": 100 * p_pro,
               "pct_detractors": 100 * p_det, "unit_variance": V, "respondents_per_account": m, "icc": r,
               "design_effect": deff, "population": population, "n_responses": math.ceil(n - 1e-9),
               "n_accounts": math.ceil(n / m - 1e-9), "last_wave": None, "last_wave_n": None,
               "last_wave_margin": np.nan, "suppressed": False, "suppressed_reason": None}
        return _finish(pd.DataFrame([row], columns=PLAN_COLUMNS), [])
    resp, contacts, invitations = _frame_of(data)
    need = [c for c in ("ltr", "account_id", "wave", *([by] if by else [])) if c not in resp.columns]
    if need:
        raise DataError(f"{func}: the data have no column {need[0]!r}", column=need[0])
    resp = resp.dropna(subset=["ltr"])
    if len(resp) == 0:
        raise DataError(f"{func}: the data have no scored response", column="ltr")
    last = int(resp["wave"].max())
    w = resp[resp["wave"] == last].copy()
    w["_x"] = rules.category_codes(w["ltr"].to_numpy(float))
    r_all = icc if icc is not None else icc_anova(w["_x"], w["account_id"])
    r_all = 0.0 if not np.isfinite(r_all) else r_all
    pop_of = None
    if population is None and contacts is not None and invitations is not None:
        invited = set(invitations.loc[invitations["wave"] == last, "account_id"])
        c = contacts[contacts["account_id"].isin(invited)]
        if by:
            lookup = resp.drop_duplicates("account_id").set_index("account_id")[by]
            pop_of = c["account_id"].map(lookup).value_counts()
        else:
            pop_of = pd.Series({None: len(c)})
    groups = [(None, w)] if not by else list(w.groupby(by, sort=True, dropna=False))
    rows = []
    for key, g in groups:
        row = {by: key} if by else {}
        reason = _suppression(len(g), g["account_id"].nunique(), min_n=min_n, min_accounts=min_accounts)
        if reason:
            rows.append({**row, "margin": margin, "confidence": confidence, "last_wave": last,
                         "suppressed": True, "suppressed_reason": reason})
            continue
        p_pro, p_det = float((g["_x"] == 1).mean()), float((g["_x"] == -1).mean())
        V = fixed_mix[2] if fixed_mix else float(nps_srs_variance(p_pro, p_det))
        if fixed_mix:
            p_pro, p_det = fixed_mix[0], fixed_mix[1]
        m = respondents_per_account or float(g.groupby("account_id").size().mean())
        deff = _deff(m, r_all)
        N = population if population is not None else (
            float(pop_of.get(key if by else None, np.nan)) if pop_of is not None else None)
        N = N if N is not None and np.isfinite(N) and N >= len(g) else None
        n = _n_needed(margin, z, V, deff, N)
        fpc = (N - len(g)) / (N - 1) if N and N > 1 else 1.0
        rows.append({**row, "margin": margin, "confidence": confidence, "pct_promoters": 100 * p_pro,
                     "pct_detractors": 100 * p_det, "unit_variance": V, "respondents_per_account": m,
                     "icc": r_all, "design_effect": deff, "population": N, "n_responses": math.ceil(n - 1e-9),
                     "n_accounts": math.ceil(n / m - 1e-9), "last_wave": last, "last_wave_n": len(g),
                     "last_wave_margin": float(100 * z * math.sqrt(V * deff / len(g) * fpc)),
                     "suppressed": False, "suppressed_reason": None})
    return _finish(pd.DataFrame(rows, columns=[*([by] if by else []), *PLAN_COLUMNS]), [by] if by else [])


def _finish(out: pd.DataFrame, by: list) -> pd.DataFrame:
    for c in ("n_responses", "n_accounts", "last_wave", "last_wave_n"):
        out[c] = pd.array(out[c], dtype="Int64")
    for c in ("pct_promoters", "pct_detractors", "unit_variance", "respondents_per_account", "icc",
              "design_effect", "population", "last_wave_margin"):
        out[c] = out[c].astype(float)
    out["suppressed"] = out["suppressed"].astype(bool)
    return out.reset_index(drop=True)
