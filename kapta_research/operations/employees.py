"""Employee NPS (eNPS) and its link to the customers' NPS across account teams.

The optional ``employees`` table holds the employee survey: one row per
employee and wave answered (``employee_id``, ``team``, ``wave``, ``ltr``
0-10, optionally ``account_ids``).  A team serves the accounts listed in
its rows' ``account_ids`` (separated by ``;``), or, when the table has none,
the accounts whose ``account_manager`` is the team.

* :func:`employee_nps` -- :func:`kapta_research.nps.nps` on the employees,
  clustered by employee (the same people answer every wave), by team;
  teams below nps()'s suppression rule (fewer than ``min_n`` answers or
  ``min_accounts`` employees) are suppressed.
* :func:`enps_vs_nps` -- across teams, the Pearson correlation of the team's
  eNPS with its accounts' customer NPS (Fisher-z interval on ``n_teams − 3``;
  the p-value is the t test of the correlation, ``n_teams − 2`` df) and the
  slope of customer NPS on eNPS (OLS, Student's t, ``n_teams − 2`` df).
  Teams are the units, so it is an association across teams: it cannot say
  whether happy teams make happy customers, the reverse, or whether both
  follow a third thing (the accounts a team was given).  Below ``min_teams``
  teams with both scores the result is suppressed.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .._result import Result
from .._validation import check_confidence, check_int
from ..errors import DataError
from ..nps import nps
from ..stats.intervals import critical_value
from ._common import MIN_ACCOUNTS, MIN_N

__all__ = ["employee_nps", "enps_vs_nps", "EnpsLinkResult", "team_accounts", "MIN_TEAMS", "ENPS_CAVEAT"]

#: Fewest teams with both an eNPS and a customer NPS for :func:`enps_vs_nps` to say anything.
MIN_TEAMS = 8

#: The wording every eNPS-NPS result carries.
ENPS_CAVEAT = ("An association across account teams, not an effect: it cannot tell whether engaged teams "
               "make happier customers, happy customers make engaged teams, or both follow the accounts a "
               "team was given.")


def _employees(programme, func):
    if not programme.provided("employees"):
        raise DataError(f"{func} needs the employees table; none was given")
    emp = programme.employees
    if "team" not in emp.columns or not programme.provided("employees", "team"):
        raise DataError(f"{func} needs the employees' team column", file=programme.sources.get("employees"),
                        column="team")
    return emp


def team_accounts(programme) -> pd.DataFrame:
    """``team``, ``account_id``: the accounts each team serves (see the module docstring).

    Examples
    --------
    >>> import kapta_research as kr
    >>> m = team_accounts(kr.load_sample())
    >>> list(m.columns), bool(m["account_id"].is_unique)
    (['team', 'account_id'], True)
    """
    emp = _employees(programme, "team_accounts")
    if programme.provided("employees", "account_ids") and emp["account_ids"].notna().any():
        m = emp[["team", "account_ids"]].dropna()
        m = m.assign(account_id=m["account_ids"].astype(str).str.split(";")).explode("account_id")
        m["account_id"] = m["account_id"].str.strip()
        m = m[m["account_id"] != ""]
    elif programme.provided("accounts", "account_manager"):
        m = programme.accounts[["account_manager", "account_id"]].rename(columns={"account_manager": "team"})
        m = m[m["team"].astype(str).isin(set(emp["team"].astype(str)))]
    else:
        raise DataError("linking teams to accounts needs employees.account_ids or the accounts' "
                        "account_manager column", file=programme.sources.get("employees"), column="account_ids")
    return m[["team", "account_id"]].astype({"team": str}).drop_duplicates().reset_index(drop=True)


def employee_nps(programme, *, by="team", waves=None, cluster="employee_id", confidence=0.95, min_n=MIN_N,
                 min_accounts=MIN_ACCOUNTS, method="score") -> pd.DataFrame:
    """Employee NPS with its interval, overall or by team: :func:`kapta_research.nps.nps` on the employees table.

    Parameters
    ----------
    programme : Programme
        Needs the ``employees`` table.
    by : str, list of str or None
        ``"team"`` (default), ``"wave"``, both, or None for the whole company.
    waves : list of int, optional
    cluster : str or None
        ``"employee_id"`` (the same people answer each wave).
    confidence : float
    min_n, min_accounts : int
        nps()'s suppression rule; with ``cluster`` ``min_accounts`` counts employees.
    method : str
        nps()'s interval method.

    Returns
    -------
    DataFrame
        :func:`kapta_research.nps.nps`'s table (``n_clusters`` = employees).

    Examples
    --------
    >>> import kapta_research as kr
    >>> t = employee_nps(kr.load_sample(), by=None)
    >>> bool(t["ci_low"].iloc[0] < t["nps"].iloc[0] < t["ci_high"].iloc[0])
    True
    """
    emp = _employees(programme, "employee_nps")
    if waves:
        emp = emp[emp["wave"].isin(list(waves))]
    return nps(emp, outcome="ltr", by=by, cluster=cluster, confidence=confidence, min_n=min_n,
               min_accounts=min_accounts, method=method)


@dataclass(repr=False)
class EnpsLinkResult(Result):
    """Team eNPS against the team's customer NPS (see :func:`enps_vs_nps`).

    Attributes
    ----------
    summary : DataFrame
        One row: ``n_teams``, ``correlation``, ``ci_low``, ``ci_high``
        (Fisher z), ``p_value``, ``slope`` (customer NPS points per eNPS
        point), ``slope_ci_low``, ``slope_ci_high``, ``suppressed``,
        ``suppressed_reason`` (numbers missing when suppressed).
    teams : DataFrame
        Per shown team: ``team``, ``enps``, ``enps_ci_low``, ``enps_ci_high``,
        ``n_employees``, ``nps``, ``nps_ci_low``, ``nps_ci_high``,
        ``n_responses``, ``n_accounts``.
    wording : str
    confidence : float
    """

    summary: pd.DataFrame = None
    teams: pd.DataFrame = None
    wording: str = ENPS_CAVEAT
    confidence: float = 0.95
    _title = "Team eNPS and customer NPS (association across teams)"
    _info = ("confidence", "wording")


def enps_vs_nps(programme, *, waves=None, confidence=0.95, min_teams=MIN_TEAMS, min_n=MIN_N,
                min_accounts=MIN_ACCOUNTS) -> EnpsLinkResult:
    """Across account teams: the association of the team's eNPS with its accounts' customer NPS.

    Parameters
    ----------
    programme : Programme
        Needs ``employees`` (with ``team``), ``responses`` and a team-account
        link (:func:`team_accounts`).
    waves : list of int, optional
        Waves of both surveys to use (default all).
    confidence : float
    min_teams : int
        Fewer teams with both scores: the result is suppressed.
    min_n, min_accounts : int
        nps()'s rule for each team's eNPS (employees) and customer NPS (accounts).

    Returns
    -------
    EnpsLinkResult

    Examples
    --------
    >>> import kapta_research as kr
    >>> res = enps_vs_nps(kr.load_sample())
    >>> int(res.summary["n_teams"].iloc[0]) >= 8, bool(res.summary["suppressed"].iloc[0])
    (True, False)
    """
    func = "enps_vs_nps"
    confidence = check_confidence(confidence, func=func)
    min_teams = check_int(min_teams, name="min_teams", func=func, low=4)
    e = employee_nps(programme, by="team", waves=waves, confidence=confidence, min_n=min_n,
                     min_accounts=min_accounts)
    e = e[~e["suppressed"]].astype({"team": str})
    links = team_accounts(programme)
    resp = programme.responses
    if waves:
        resp = resp[resp["wave"].isin(list(waves))]
    r = resp[["account_id", "ltr"]].merge(links, on="account_id", how="inner")
    if len(r) == 0:
        raise DataError(f"{func}: no customer response comes from an account of a team in the employees table",
                        file=programme.sources.get("employees"), column="team")
    c = nps(r, outcome="ltr", by="team", cluster="account_id", confidence=confidence, min_n=min_n,
            min_accounts=min_accounts)
    c = c[~c["suppressed"]].astype({"team": str})
    teams = e[["team", "nps", "ci_low", "ci_high", "n_clusters"]].rename(columns={
        "nps": "enps", "ci_low": "enps_ci_low", "ci_high": "enps_ci_high", "n_clusters": "n_employees"}).merge(
        c[["team", "nps", "ci_low", "ci_high", "n", "n_clusters"]].rename(columns={
            "ci_low": "nps_ci_low", "ci_high": "nps_ci_high", "n": "n_responses", "n_clusters": "n_accounts"}),
        on="team", how="inner").sort_values("team").reset_index(drop=True)
    k = len(teams)
    cols = ["n_teams", "correlation", "ci_low", "ci_high", "p_value", "slope", "slope_ci_low", "slope_ci_high",
            "suppressed", "suppressed_reason"]
    if k < min_teams:
        summary = pd.DataFrame([{"suppressed": True,
                                 "suppressed_reason": f"fewer than {min_teams} teams with both an eNPS and a "
                                                      "customer NPS"}], columns=cols)
        return EnpsLinkResult(summary=summary, teams=teams.iloc[0:0], confidence=confidence)
    x, y = teams["enps"].to_numpy(float), teams["nps"].to_numpy(float)
    rho = float(np.corrcoef(x, y)[0, 1])
    half = critical_value(confidence) / np.sqrt(k - 3)
    lo, hi = np.tanh(np.arctanh(rho) - half), np.tanh(np.arctanh(rho) + half)
    t_stat = rho * np.sqrt((k - 2) / max(1 - rho ** 2, 1e-300))
    p = float(2 * stats.t.sf(abs(t_stat), k - 2))
    fit = stats.linregress(x, y)
    tcrit = critical_value(confidence, df=k - 2)
    summary = pd.DataFrame([{"n_teams": k, "correlation": rho, "ci_low": float(lo), "ci_high": float(hi),
                             "p_value": p, "slope": float(fit.slope),
                             "slope_ci_low": float(fit.slope - tcrit * fit.stderr),
                             "slope_ci_high": float(fit.slope + tcrit * fit.stderr),
                             "suppressed": False, "suppressed_reason": None}], columns=cols)
    summary["n_teams"] = summary["n_teams"].astype("Int64")
    return EnpsLinkResult(summary=summary, teams=teams, confidence=confidence)
