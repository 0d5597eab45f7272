"""VOC interview cadence: is every key account heard in depth every 90-120 days?

Definitions (one place)
-----------------------
For each account active on ``as_of`` (not churned by then; all accounts of
the accounts table, or the accounts the data name when it is absent):

* ``days_since_last`` -- days from the last interview on or before ``as_of``;
* ``due_date`` -- the last interview plus the upper target (120 days by
  default); an account never interviewed was due the upper target after the
  programme's first dated row (or after ``customer_since`` if later);
* ``status`` -- ``"within cadence"`` (last interview at most the lower target
  ago), ``"due"`` (between the two targets), ``"overdue"`` (more than the
  upper target ago) or ``"never interviewed"``;
* ``overdue_days`` -- days past ``due_date`` (0 when not yet due).

The portfolio share *within cadence* counts accounts interviewed in the last
upper-target days; accounts are the units, so the Wilson interval treats
them as independent.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._result import Result
from .._validation import check_confidence
from ..errors import DataError, ParameterError
from ..rules import VOC_TARGET_DAYS
from ._common import MIN_ACCOUNTS, MIN_N, account_attributes, as_timestamp, check_sla, shares_by

__all__ = ["voc_cadence", "voc_overdue", "CadenceResult", "CADENCE_STATUSES"]

#: Account statuses, in order of urgency (least urgent first).
CADENCE_STATUSES = ("within cadence", "due", "overdue", "never interviewed")
ACCOUNT_COLUMNS = ["account_id", "segment", "n_interviews", "first_interview", "last_interview",
                   "days_since_last", "mean_interval_days", "max_interval_days", "due_date", "status",
                   "overdue_days", "within_cadence"]
OVERDUE_COLUMNS = ["account_id", "account_name", "segment", "account_manager", "last_interview",
                   "days_since_last", "due_date", "overdue_days", "status"]


@dataclass(repr=False)
class CadenceResult(Result):
    """VOC cadence of a portfolio (see :func:`voc_cadence`).

    Attributes
    ----------
    summary : DataFrame
        The portfolio share within cadence: one row overall, then one per
        ``by`` group (column ``group`` names the breakdown, ``level`` its
        value), with ``n`` (accounts), ``successes`` (within cadence),
        ``share``, ``se``, ``ci_low``, ``ci_high``, ``suppressed``,
        ``suppressed_reason``.
    accounts : DataFrame
        One row per account: :data:`ACCOUNT_COLUMNS`.
    overdue : DataFrame
        The accounts past due (overdue or never interviewed), most overdue
        first: :data:`OVERDUE_COLUMNS`.
    as_of : Timestamp
    target_days : tuple of float
    confidence : float
    n_accounts : int
    """

    summary: pd.DataFrame = None
    accounts: pd.DataFrame = None
    overdue: pd.DataFrame = None
    as_of: pd.Timestamp = None
    target_days: tuple = VOC_TARGET_DAYS
    confidence: float = 0.95
    n_accounts: int = 0
    _title = "VOC interview cadence"
    _info = ("as_of", "target_days", "n_accounts", "confidence")


def _targets(target_days, func):
    t = check_sla(target_days, name="target_days", func=func)
    if len(t) == 1:
        t = (t[0], t[0])
    if len(t) != 2 or t[0] > t[1]:
        raise ParameterError(f"The 'target_days' parameter of {func} must be (lower, upper) days with "
                             f"lower <= upper, e.g. (90, 120). Got {target_days!r} instead.")
    return t


def _programme_start(programme) -> pd.Timestamp | None:
    firsts = []
    for table, col in (("responses", "responded_at"), ("invitations", "sent_at"),
                       ("voc_interviews", "interview_date")):
        df = getattr(programme, table)
        if col in df and df[col].notna().any():
            firsts.append(df[col].min())
    return pd.Timestamp(min(firsts)).normalize() if firsts else None


def account_cadence(programme, *, target_days, as_of, func) -> pd.DataFrame:
    """One row per active account on ``as_of``: interviews so far, last interview, days since, due date, status.

    The cadence definitions of the module docstring, shared by :func:`voc_cadence`,
    :func:`voc_overdue` and the account managers' action lists
    (:func:`kapta_research.accounts.action_lists`).  ``target_days`` is checked by the caller.
    """
    lower, upper = target_days
    voc = programme.voc_interviews
    if not programme.provided("voc_interviews"):
        raise DataError("the VOC cadence needs the voc_interviews table; none was given")
    dates = voc["interview_date"]
    if dates.isna().any():
        from .._validation import row_labels
        bad = dates.isna()
        raise DataError("interview dates are missing", file=programme.sources.get("voc_interviews"),
                        column="interview_date", rows=row_labels(voc, bad))
    voc = voc[dates <= as_of + pd.Timedelta(days=1) - pd.Timedelta(seconds=1)]
    acc = programme.accounts
    if programme.provided("accounts"):
        active = acc["churn_date"].isna() | (acc["churn_date"] > as_of) if "churn_date" in acc else \
            pd.Series(True, index=acc.index)
        if "customer_since" in acc:
            active &= acc["customer_since"].isna() | (acc["customer_since"] <= as_of)
        base = acc.loc[active, ["account_id", "segment", "customer_since"]].drop_duplicates("account_id")
    else:
        ids = pd.unique(pd.concat([programme.responses["account_id"], programme.voc_interviews["account_id"]]))
        base = pd.DataFrame({"account_id": ids, "segment": None, "customer_since": pd.NaT})
    g = voc.sort_values("interview_date").groupby("account_id")["interview_date"]
    stats = pd.DataFrame({"n_interviews": g.size(), "first_interview": g.min(), "last_interview": g.max()})
    gaps = voc.sort_values(["account_id", "interview_date"]).groupby("account_id")["interview_date"].diff()
    gaps = gaps.dt.total_seconds() / 86400
    gaps = pd.DataFrame({"account_id": voc.sort_values(["account_id", "interview_date"])["account_id"],
                         "gap": gaps.to_numpy()}).dropna().groupby("account_id")["gap"]
    stats["mean_interval_days"] = gaps.mean()
    stats["max_interval_days"] = gaps.max()
    out = base.merge(stats, left_on="account_id", right_index=True, how="left")
    out["n_interviews"] = out["n_interviews"].fillna(0).astype(int)
    out["days_since_last"] = (as_of - out["last_interview"]).dt.total_seconds() / 86400
    start = _programme_start(programme)
    never_from = pd.Series(start, index=out.index, dtype="datetime64[ns]")
    if "customer_since" in out:
        never_from = never_from.where(out["customer_since"].isna() | (out["customer_since"] <= never_from),
                                      out["customer_since"])
    ref = out["last_interview"].where(out["last_interview"].notna(), never_from)
    out["due_date"] = ref + pd.Timedelta(days=upper)
    out["overdue_days"] = ((as_of - out["due_date"]).dt.total_seconds() / 86400).clip(lower=0).fillna(0.0)
    d = out["days_since_last"]
    out["status"] = np.select([d.isna(), d <= lower, d <= upper], ["never interviewed", "within cadence", "due"],
                              default="overdue")
    out["within_cadence"] = (d <= upper).astype(float)
    return out[ACCOUNT_COLUMNS].sort_values("account_id").reset_index(drop=True)


def _overdue(programme, accounts: pd.DataFrame) -> pd.DataFrame:
    late = accounts[accounts["status"].isin(["overdue", "never interviewed"])].copy()
    extra = [c for c in ("account_name", "account_manager") if programme.provided("accounts", c)]
    if extra:
        late = late.merge(programme.accounts[["account_id", *extra]].drop_duplicates("account_id"),
                          on="account_id", how="left")
    for c in ("account_name", "account_manager"):
        if c not in late:
            late[c] = None
    late = late.sort_values(["overdue_days", "account_id"], ascending=[False, True])
    return late[OVERDUE_COLUMNS].reset_index(drop=True)


def voc_overdue(programme, *, as_of, target_days=VOC_TARGET_DAYS) -> pd.DataFrame:
    """Accounts overdue for a VOC interview, most overdue first (the action list).

    A stable entry point for action lists (``accounts/actions.py``): the same
    definitions as :func:`voc_cadence` (see the module docstring).

    Parameters
    ----------
    programme : Programme
        Needs ``voc_interviews``; ``accounts`` adds the names, managers and
        accounts never interviewed.
    as_of : str or Timestamp
        The day the list is for.
    target_days : (float, float)
        Lower and upper interview interval in days (default 90-120).

    Returns
    -------
    DataFrame
        ``account_id``, ``account_name``, ``segment``, ``account_manager``,
        ``last_interview`` (NaT when never interviewed), ``days_since_last``,
        ``due_date``, ``overdue_days`` (> 0 past due), ``status``
        (``"overdue"`` or ``"never interviewed"``).

    Examples
    --------
    >>> import kapta_research as kr
    >>> late = voc_overdue(kr.load_sample(), as_of="2025-12-31")
    >>> bool((late["overdue_days"] >= 0).all()), list(late.columns[:3])
    (True, ['account_id', 'account_name', 'segment'])
    """
    func = "voc_overdue"
    as_of = as_timestamp(as_of, name="as_of", func=func)
    target_days = _targets(target_days, func)
    return _overdue(programme, account_cadence(programme, target_days=target_days, as_of=as_of, func=func))


def voc_cadence(programme, *, target_days=VOC_TARGET_DAYS, as_of, by="segment", confidence=0.95,
                min_n=MIN_N) -> CadenceResult:
    """Per account: last VOC interview, interval between interviews, days overdue; portfolio share within cadence.

    Key accounts should get an in-depth voice-of-the-customer interview every
    90-120 days.  Definitions are in the module docstring.

    Parameters
    ----------
    programme : Programme
        Needs ``voc_interviews``; ``accounts`` gives the portfolio (accounts
        never interviewed count against the share) and ``segment``.
    target_days : (float, float)
        Lower and upper target interval in days.
    as_of : str or Timestamp
        The day the cadence is judged on (interviews after it are ignored).
    by : str, list of str or None
        Account columns for the breakdown (default ``"segment"``).
    confidence : float
    min_n : int
        Groups with fewer accounts are suppressed (nps()'s default rule).

    Returns
    -------
    CadenceResult
        ``summary`` (share within cadence overall and by group), ``accounts``
        (one row per account) and ``overdue`` (:func:`voc_overdue`).

    Examples
    --------
    >>> import kapta_research as kr
    >>> res = voc_cadence(kr.load_sample(), as_of="2025-12-31")
    >>> row = res.summary.iloc[0]
    >>> row["group"], bool(row["ci_low"] <= row["share"] <= row["ci_high"])
    ('all', True)
    """
    func = "voc_cadence"
    as_of = as_timestamp(as_of, name="as_of", func=func)
    target_days = _targets(target_days, func)
    confidence = check_confidence(confidence, func=func)
    by = [] if by is None else ([by] if isinstance(by, str) else list(by))
    if not programme.provided("accounts"):
        by = []
    accounts = account_cadence(programme, target_days=target_days, as_of=as_of, func=func)
    if len(accounts) == 0:
        raise DataError("the VOC cadence found no active account on the as_of date", column="account_id")
    parts = [shares_by(accounts, y="within_cadence", by=[], cluster=None, confidence=confidence,
                       min_n=min_n, min_accounts=MIN_ACCOUNTS).assign(group="all", level="all")]
    for b in by:
        frame = accounts.drop(columns=["segment"]).merge(account_attributes(programme, [b]), on="account_id",
                                                         how="left") if b != "segment" else accounts
        t = shares_by(frame, y="within_cadence", by=[b], cluster=None, confidence=confidence, min_n=min_n,
                      min_accounts=MIN_ACCOUNTS)
        parts.append(t.rename(columns={b: "level"}).assign(group=b))
    summary = pd.concat(parts, ignore_index=True)
    summary = summary[["group", "level", *[c for c in summary.columns if c not in ("group", "level")]]]
    summary = summary.drop(columns=["n_clusters", "design_effect"])
    return CadenceResult(summary=summary, accounts=accounts, overdue=_overdue(programme, accounts),
                         as_of=as_of, target_days=target_days, confidence=confidence,
                         n_accounts=len(accounts))
