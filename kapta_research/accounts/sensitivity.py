"""How much the portfolio NPS depends on how an account's voices are rolled up."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .._validation import check_columns, check_dataframe, check_numeric, source_of
from ..errors import DataError
from ..nps import nps
from ._rollup import ROLLUPS, rollup_rows

__all__ = ["METHODS", "METHOD_LABELS", "rollup_sensitivity"]

#: The portfolio-level methods of :func:`rollup_sensitivity`, in output order.
METHODS = (*ROLLUPS, "account_mean", "revenue_weighted")
METHOD_LABELS = {
    "pooled": "Every response counts",
    "respondent_mean": "Each contact's latest answer once",
    "role_weighted": "Latest answers weighted by role",
    "decision_maker": "Decision maker's answer (waterfall)",
    "account_mean": "Each account once",
    "revenue_weighted": "Each account weighted by annual value",
}


def rollup_sensitivity(data, *, by=None, outcome="ltr", account="account_id", role_weights=None,
                       value="annual_value", confidence=0.95, min_n=5, min_accounts=3) -> pd.DataFrame:
    """Portfolio NPS under each roll-up and under account-level averaging, with account-clustered CIs.

    Six answers to "what is our NPS?": the four response roll-ups of
    :func:`~kapta_research.accounts.account_nps` (every response; each
    contact's latest answer; latest answers weighted by role; the decision
    maker's answer, waterfall) and two account averages (each account once:
    every response weighted ``1 / n_account``; revenue-weighted: ``value /
    n_account``).  Each is a (weighted) ratio mean of the −1/0/+1 codes, so
    :func:`kapta_research.nps.nps` gives its score interval with the
    account-clustered design effect and applies the suppression rule to
    every group.

    Parameters
    ----------
    data : DataFrame
        One row per response (``Programme.respondents()``).
    by : str or list of str, optional
        Group columns (e.g. ``"segment"``); one row per method and group.
    outcome, account : str
        Score and account columns.
    role_weights : mapping or str, optional
        Weights of the role-weighted roll-up (default
        :data:`~kapta_research.accounts.DEFAULT_ROLE_WEIGHTS`).
    value : str
        Account value column of the revenue-weighted average.  When it (or
        ``contact_id`` / ``role`` for the contact and role roll-ups) is
        missing, that row is suppressed with the reason.
    confidence : float
    min_n, min_accounts : int
        Suppression rule of :func:`~kapta_research.nps.nps`.

    Returns
    -------
    DataFrame
        Columns ``method``, ``label`` (plain words), the ``by`` columns,
        ``n`` (responses used), ``n_clusters`` (accounts), ``nps``, ``se``,
        ``ci_low``, ``ci_high`` (points), ``suppressed``, ``suppressed_reason``.

    Examples
    --------
    >>> import kapta_research as kr
    >>> t = rollup_sensitivity(kr.load_sample().respondents())
    >>> t[["method", "n", "nps", "ci_low", "ci_high"]].round(1)
                 method     n   nps  ci_low  ci_high
    0            pooled  2625  15.4     8.0     22.6
    1   respondent_mean   872   6.2    -1.3     13.6
    2     role_weighted   872   9.4     1.7     16.8
    3    decision_maker   408   9.1     0.2     17.8
    4      account_mean  2625   8.7     2.1     15.2
    5  revenue_weighted  2625  11.7     2.5     20.6
    """
    func = "rollup_sensitivity"
    check_dataframe(data, func=func)
    by = [] if by is None else ([by] if isinstance(by, str) else list(by))
    check_columns(data, [outcome, account, *by], func=func)
    tables, missing = [], {}
    for method in ROLLUPS:
        need = {"respondent_mean": ["contact_id"]}.get(method, ["contact_id", "role"] if method != "pooled" else [])
        lacking = [c for c in need if c not in data.columns or data[c].isna().all()]
        if lacking:  # optional data missing: the row says why instead of failing
            missing[method] = (f"needs the contacts' {'roles' if 'role' in lacking else 'ids'}; "
                               f"the data have no {lacking[0]}")
            continue
        rows = rollup_rows(data, outcome=outcome, account=account, rollup=method,
                           role_weights=role_weights if method == "role_weighted" else None, func=func)
        tables.append((method, rows))
    pooled = tables[0][1]
    per_account = pooled.groupby("_account")["_x"].transform("size").to_numpy(float)
    tables.append(("account_mean", pooled.assign(_w=1.0 / per_account)))
    if value in data.columns and data[value].notna().any():
        v = check_numeric(pooled, value, func=func, low=0)
        if v.isna().any():
            miss = v.isna()
            raise DataError(f"{func}: the revenue-weighted NPS needs every account's {value}; some are missing",
                            file=source_of(data), column=value,
                            rows=list(pooled.loc[miss, "_account"].unique()[:5]))
        tables.append(("revenue_weighted", pooled.assign(_w=v.to_numpy(float) / per_account)))
    out = []
    for method, rows in tables:
        t = nps(rows, outcome=outcome, by=by or None, weights="_w", cluster="_account", confidence=confidence,
                min_n=min_n, min_accounts=min_accounts)
        out.append(t.assign(method=method))
    if value not in data.columns or data[value].isna().all():
        missing["revenue_weighted"] = f"needs the accounts' {value}; the data have no {value} values"
    for method, reason in missing.items():
        base = out[0][by].copy() if by else pd.DataFrame(index=[0])
        out.append(base.assign(method=method, suppressed=True, suppressed_reason=reason))
    res = pd.concat(out, ignore_index=True)
    res["label"] = res["method"].map(METHOD_LABELS)
    cols = ["method", "label", *by, "n", "n_clusters", "nps", "se", "ci_low", "ci_high", "suppressed",
            "suppressed_reason"]
    res = res[cols]
    res["suppressed"] = res["suppressed"].fillna(True).astype(bool)
    order = {m: i for i, m in enumerate(METHODS)}
    return res.sort_values(["method", *by], key=lambda s: s.map(order) if s.name == "method" else s,
                           kind="mergesort").reset_index(drop=True)
