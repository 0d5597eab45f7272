"""Shared pieces of the operations analyses: the suppression rule, dates, shares by group."""
from __future__ import annotations

import inspect

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..nps import _suppression, nps, protect_groups
from ..stats.proportion import share_interval

# The suppression rule is nps()'s: its defaults, read from its signature (never re-defined here).
_NPS_PARAMS = inspect.signature(nps).parameters
MIN_N: int = _NPS_PARAMS["min_n"].default
MIN_ACCOUNTS: int = _NPS_PARAMS["min_accounts"].default

SHARE_COLUMNS = ["n", "n_clusters", "successes", "share", "se", "ci_low", "ci_high", "design_effect",
                 "suppressed", "suppressed_reason"]


def as_timestamp(value, *, name: str, func: str, allow_none: bool = False):
    """A date parameter as a ``pandas.Timestamp`` (str, date or Timestamp); a clear error otherwise."""
    if value is None:
        if allow_none:
            return None
        raise ParameterError(f"The '{name}' parameter of {func} must be a date (e.g. '2026-01-31'). Got None instead.")
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        ts = pd.NaT
    if ts is pd.NaT or pd.isna(ts):
        raise ParameterError(f"The '{name}' parameter of {func} must be a date (e.g. '2026-01-31'). "
                             f"Got {value!r} instead.")
    return ts.tz_convert("UTC").tz_localize(None) if ts.tzinfo is not None else ts


def data_as_of(programme) -> pd.Timestamp:
    """The latest date the programme's data hold (responses, invitations, follow-ups, interviews).

    The natural ``as_of`` of an extract: what was still open was open on this day.

    Examples
    --------
    >>> import kapta_research as kr
    >>> p = kr.load_sample()
    >>> bool(data_as_of(p) >= p.responses["responded_at"].max().normalize())
    True
    """
    dates = []
    for table, col in (("responses", "responded_at"), ("invitations", "sent_at"),
                       ("followups", "followed_up_at"), ("voc_interviews", "interview_date")):
        df = getattr(programme, table)
        if col in df and df[col].notna().any():
            dates.append(df[col].max())
    if not dates:
        raise ParameterError("no dated rows in the programme: give 'as_of' explicitly")
    return pd.Timestamp(max(dates)).normalize()


def check_sla(values, *, name: str, func: str) -> tuple:
    """A tuple of positive numbers of days (one number is a one-element tuple)."""
    vals = (values,) if np.isscalar(values) else tuple(values)
    if not vals or any(isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating))
                       or not np.isfinite(v) or v <= 0 for v in vals):
        raise ParameterError(f"The '{name}' parameter of {func} must be positive numbers of days. "
                             f"Got {values!r} instead.")
    return tuple(float(v) for v in vals)


def shares_by(frame: pd.DataFrame, *, y: str, by: list, cluster: str | None, confidence: float,
              min_n: int = MIN_N, min_accounts: int = MIN_ACCOUNTS) -> pd.DataFrame:
    """Share of ``frame[y] == 1`` per ``by`` group (or overall), suppressed by nps()'s rule.

    ``cluster`` names the account column (used for the interval and for the
    ``min_accounts`` rule); complementary suppression as in
    :func:`kapta_research.nps.protect_groups`.
    """
    groups = [((), frame)] if not by else list(frame.groupby(by, dropna=False, sort=True, observed=True))
    subsets = []
    for _, sub in groups:
        s = pd.DataFrame({"_x": sub[y].to_numpy(float)})
        if cluster is not None:
            s["_g"] = sub[cluster].astype(str).to_numpy()
        subsets.append(s)
    reasons = [_suppression(len(s), s["_g"].nunique() if cluster else None, min_n=min_n,
                            min_accounts=min_accounts) for s in subsets]
    if by:
        reasons = protect_groups(subsets, reasons, clustered=cluster is not None, min_n=min_n,
                                 min_accounts=min_accounts)
    rows = []
    for (key, sub), s, reason in zip(groups, subsets, reasons):
        key = key if isinstance(key, tuple) else (key,)
        row = dict(zip(by, key))
        if reason:
            rows.append({**row, "suppressed": True, "suppressed_reason": reason})
            continue
        r = share_interval(s["_x"].to_numpy(), cluster=s["_g"].to_numpy() if cluster else None,
                           confidence=confidence)
        rows.append({**row, "n": r["n"], "n_clusters": r["n_clusters"], "successes": r["successes"],
                     "share": r["estimate"], "se": r["se"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                     "design_effect": r["design_effect"], "suppressed": False, "suppressed_reason": None})
    out = pd.DataFrame(rows, columns=[*by, *SHARE_COLUMNS])
    for c in ("n", "n_clusters", "successes"):
        out[c] = out[c].astype("Int64")
    for c in ("share", "se", "ci_low", "ci_high", "design_effect"):
        out[c] = out[c].astype(float)
    out["suppressed"] = out["suppressed"].astype(bool)
    return out


def account_attributes(programme, columns: list) -> pd.DataFrame:
    """``account_id`` plus the requested account columns (an unknown one is a clear error)."""
    from ..errors import DataError
    acc = programme.accounts
    missing = [c for c in columns if c not in acc.columns or not programme.provided("accounts", c)]
    if missing:
        raise DataError(f"a breakdown by {missing[0]!r} needs that column in the accounts table",
                        file=programme.sources.get("accounts"), column=missing[0])
    return acc[["account_id", *columns]].drop_duplicates("account_id")
