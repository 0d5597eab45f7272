"""Voices per account: who was invited and heard, by role; balance; revenue coverage."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .._result import Result
from .._validation import check_confidence, check_int
from ..errors import DataError, ParameterError
from ..schema import ROLES
from ..stats.intervals import wilson_interval

__all__ = ["VoiceCoverage", "voice_coverage", "REVENUE_COVERAGE_TARGET", "period_end"]

#: Share of annual value that B2B practice aims to hear from each quarter.
REVENUE_COVERAGE_TARGET = 0.8


class VoiceCoverage(Result):
    """Result of :func:`voice_coverage`.

    Attributes
    ----------
    summary : DataFrame
        One row per segment plus ``"All accounts"`` (columns in :func:`voice_coverage`).
    accounts : DataFrame
        One row per account in scope.
    waves : list of int
        The period.
    target : float
        :data:`REVENUE_COVERAGE_TARGET`.
    """

    _title = "Voice and revenue coverage"
    _info = ("waves", "target", "n_accounts", "confidence")

    def __init__(self, summary, accounts, waves, confidence):
        self.summary, self.accounts, self.waves = summary, accounts, waves
        self.target, self.confidence = REVENUE_COVERAGE_TARGET, confidence
        self.n_accounts = int(len(accounts))


def period_end(programme, date: str = "") -> str:
    """``date`` if given, else the day after the latest response: the "today" of the study's action lists.

    Examples
    --------
    >>> import kapta_research as kr
    >>> period_end(kr.load_sample()), period_end(kr.load_sample(), "2025-06-30")
    ('2025-11-04', '2025-06-30')
    """
    if date:
        return str(pd.Timestamp(date).date())
    return str((pd.to_datetime(programme.responses["responded_at"]).max() + pd.Timedelta(days=1)).date())


def _waves(programme, wave, func):
    known = sorted(int(w) for w in pd.unique(programme.responses["wave"].dropna()))
    if not known:
        raise DataError(f"{func}: the responses have no wave.")
    if wave is None:
        return [known[-1]]
    waves = [wave] if not isinstance(wave, (list, tuple)) else list(wave)
    bad = [w for w in waves if w not in known]
    if bad or not waves:
        raise ParameterError(f"The 'wave' parameter of {func} must be waves of the responses "
                             f"({known[0]}-{known[-1]}). Got {wave!r} instead.")
    return [int(w) for w in waves]


def _by_role(frame: pd.DataFrame, prefix: str, index) -> pd.DataFrame:
    t = (frame.drop_duplicates(["account_id", "contact_id"]).groupby(["account_id", "role"]).size()
         .unstack(fill_value=0).reindex(index=index, columns=list(ROLES), fill_value=0))
    return t.fillna(0).astype(int).add_prefix(prefix)


def voice_coverage(programme, *, wave=None, by="segment", confidence=0.95, min_accounts=3) -> VoiceCoverage:
    """Who was heard per account and segment, how balanced the voices are, and revenue coverage.

    Scope: the accounts invited in the period (with an invitations table),
    else the accounts that were customers at the period's first response
    (no churn date before it).

    Balance index
        ``1 − TV``, with ``TV = ½ Σ_role |heard share − invited share|`` the
        total-variation distance between the roles of the contacts heard and
        of those invited (on file without invitations): 1 when the voices
        heard mirror the roles asked, 0 when they share no role; missing for
        an account not heard.

    Revenue coverage
        Share of the scope's ``annual_value`` in accounts heard from in the
        period (practice aims at :data:`REVENUE_COVERAGE_TARGET` = 80 % a
        quarter).  Its interval is the Wilson interval at the Kish effective
        number of accounts ``(Σ v)² / Σ v²`` (value-weighted accounts are
        fewer independent units than accounts).  Shares of accounts use the
        Wilson interval on account counts.

    Parameters
    ----------
    programme : Programme
        Needs responses and accounts; contacts give roles, invitations the
        contacts asked.
    wave : int or list of int, optional
        The period (default: the latest wave).
    by : str
        Account column of the breakdown.
    confidence : float
    min_accounts : int
        Groups with fewer accounts in scope are suppressed.

    Returns
    -------
    VoiceCoverage
        ``accounts``: ``account_id``, ``account_name``, ``by``,
        ``annual_value``, ``invited_<role>`` and ``heard_<role>`` (contacts),
        ``invited``, ``heard``, ``heard_any``, ``decision_maker_heard``,
        ``n_roles_heard``, ``single_voice`` (heard from exactly one contact),
        ``balance``.  ``summary``: ``by``, ``n_accounts``, ``n_heard``,
        ``heard_share`` (+ ``heard_share_ci_low``/``_ci_high``),
        ``dm_heard_share`` (of accounts heard, + CI), ``single_voice_share``
        (of accounts heard, + CI), ``mean_roles_heard``, ``mean_balance``,
        ``value_total``, ``value_heard``, ``revenue_coverage``, ``ci_low``,
        ``ci_high``, ``n_effective``, ``suppressed``, ``suppressed_reason``
        (shares on the 0-1 scale).

    Examples
    --------
    >>> import kapta_research as kr
    >>> vc = voice_coverage(kr.load_sample())
    >>> vc.waves, vc.n_accounts
    ([8], 226)
    >>> vc.summary.iloc[-1]["segment"], vc.summary.iloc[-1][["n_accounts", "n_heard"]].astype(int).tolist()
    ('All accounts', [226, 152])
    >>> vc.summary.iloc[-1][["revenue_coverage", "ci_low", "ci_high"]].astype(float).round(3).tolist()
    [0.793, 0.697, 0.864]
    """
    func = "voice_coverage"
    confidence = check_confidence(confidence, func=func)
    min_accounts = check_int(min_accounts, name="min_accounts", func=func, low=1)
    if not programme.provided("accounts"):
        raise DataError(f"{func} needs the accounts table (account attributes and annual_value); none was given.")
    acc = programme.accounts
    if by not in acc.columns or not programme.provided("accounts", by):
        raise DataError(f"{func}: the accounts table has no {by!r} column to break coverage down by.")
    if not programme.provided("accounts", "annual_value") or acc["annual_value"].isna().all():
        raise DataError(f"{func}: revenue coverage needs the accounts' annual_value; the accounts table has "
                        "no annual_value values.")
    waves = _waves(programme, wave, func)
    resp = programme.responses[programme.responses["wave"].isin(waves)]
    roles = programme.contacts[["contact_id", "role"]] if programme.provided("contacts") else None
    if programme.provided("invitations"):
        asked = programme.invitations[programme.invitations["wave"].isin(waves)][["account_id", "contact_id"]]
        scope = pd.Index(sorted(asked["account_id"].astype(str).unique()), name="account_id")
    else:
        start = pd.to_datetime(resp["responded_at"]).min() if "responded_at" in resp else pd.NaT
        alive = acc["churn_date"].isna() | (acc["churn_date"] >= start) if "churn_date" in acc else True
        scope = pd.Index(sorted(acc.loc[alive, "account_id"].astype(str)), name="account_id")
        asked = (programme.contacts[["account_id", "contact_id"]] if roles is not None
                 else pd.DataFrame(columns=["account_id", "contact_id"]))
    info = acc.set_index(acc["account_id"].astype(str)).reindex(scope)
    out = pd.DataFrame(index=scope)
    for col in ("account_name", by, "annual_value"):
        if col in info:
            out[col] = info[col]
    heard_rows = resp[["account_id", "contact_id"]].astype(str)
    asked = asked.astype(str)
    if roles is not None:
        r = roles.astype(str)
        inv, hrd = _by_role(asked.merge(r, on="contact_id"), "invited_", scope), \
            _by_role(heard_rows.merge(r, on="contact_id"), "heard_", scope)
        out = out.join(inv).join(hrd)
        inv_m, hrd_m = inv.to_numpy(float), hrd.to_numpy(float)
        out["invited"], out["heard"] = inv_m.sum(axis=1).astype(int), hrd_m.sum(axis=1).astype(int)
        with np.errstate(invalid="ignore", divide="ignore"):
            tv = 0.5 * np.abs(hrd_m / hrd_m.sum(1, keepdims=True) - inv_m / inv_m.sum(1, keepdims=True)).sum(1)
        out["decision_maker_heard"] = out["heard_decision_maker"] > 0
        out["n_roles_heard"] = (hrd_m > 0).sum(axis=1)
        out["balance"] = np.where(hrd_m.sum(1) > 0, 1 - tv, np.nan)
    else:
        out["invited"] = asked.drop_duplicates().groupby("account_id").size().reindex(scope, fill_value=0)
        out["heard"] = heard_rows.drop_duplicates().groupby("account_id").size().reindex(scope, fill_value=0)
        out["decision_maker_heard"], out["n_roles_heard"], out["balance"] = np.nan, np.nan, np.nan
    out["heard_any"] = out["heard"] > 0
    out["single_voice"] = out["heard"] == 1
    accounts = out.reset_index()
    groups = [(str(k), g) for k, g in accounts.groupby(by, sort=True, dropna=False)]
    rows = [_summary_row(by, k, g, confidence, min_accounts) for k, g in groups]
    rows.append(_summary_row(by, "All accounts", accounts, confidence, min_accounts))
    summary = pd.DataFrame(rows)
    return VoiceCoverage(summary, accounts, waves, confidence)


def _share(k, n, confidence, prefix):
    lo, hi = wilson_interval(k, n, confidence=confidence)
    return {prefix: k / n if n else np.nan, f"{prefix}_ci_low": float(lo), f"{prefix}_ci_high": float(hi)}


def _summary_row(by, key, g, confidence, min_accounts) -> dict:
    row = {by: key, "n_accounts": int(len(g))}
    if len(g) < min_accounts:
        return {**row, "suppressed": True, "suppressed_reason": f"fewer than {min_accounts} accounts"}
    heard = g[g["heard_any"]]
    row["n_heard"] = int(len(heard))
    row.update(_share(len(heard), len(g), confidence, "heard_share"))
    dm = heard["decision_maker_heard"].dropna()
    row.update(_share(float(dm.sum()), len(dm), confidence, "dm_heard_share"))
    row.update(_share(float(heard["single_voice"].sum()), len(heard), confidence, "single_voice_share"))
    row["mean_roles_heard"] = float(heard["n_roles_heard"].mean()) if len(heard) else np.nan
    row["mean_balance"] = float(heard["balance"].mean()) if len(heard) else np.nan
    v = g["annual_value"].fillna(0).to_numpy(float)
    total, got = v.sum(), v[g["heard_any"].to_numpy()].sum()
    n_eff = total ** 2 / (v ** 2).sum() if total > 0 else 0.0
    p = got / total if total > 0 else np.nan
    lo, hi = wilson_interval(p * n_eff, n_eff, confidence=confidence)
    row.update(value_total=total, value_heard=got, revenue_coverage=p, ci_low=float(lo), ci_high=float(hi),
               n_effective=n_eff, suppressed=False, suppressed_reason=None)
    return row
