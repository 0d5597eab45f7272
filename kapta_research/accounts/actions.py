"""Action lists for account managers: who to call, thank, up-sell, save and interview.

:func:`action_lists` turns a programme into five named tables as of a date;
:func:`write_actions_xlsx` writes them to ``actions.xlsx`` in a run folder.

Privacy
-------
The lists name contacts (name, e-mail) because account managers need to
reach them.  They are working lists, not findings: the workbook goes to the
run folder only, never to ``tables/``, ``tables.xlsx`` or the PDF.  The PDF
shows :func:`action_counts` (how many rows each list has), which carries no
contact data.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .._validation import check_int, check_number
from ..churn.features import _active_accounts, _as_timestamp, _check_programme, _provided, snapshot_features
from ..errors import ParameterError
from ..operations.cadence import account_cadence
from ..rules import (DETRACTOR_MAX, FOLLOWUP_WINDOW, PASSIVE_MAX, VOC_TARGET_DAYS, category_codes, followed_up_within,
                     nps_from_counts)

__all__ = ["ACTION_LISTS", "ActionLists", "action_lists", "action_counts", "write_actions_xlsx"]

#: The five lists, in order, with their captions.
ACTION_LISTS: dict[str, str] = {
    "detractors_without_followup": "Detractors without a follow-up within 7 days",
    "reference_candidates": "Promoters to ask for a reference or case study",
    "upsell_candidates": "Up-sell and cross-sell candidates (loyal, lower value: quadrant Q4)",
    "high_value_at_risk": "High-value accounts at risk (red health), highest expected revenue at risk first",
    "voc_overdue": "Accounts overdue for a voice-of-customer interview",
}


class ActionLists(dict):
    """The five action lists (name -> DataFrame), with ``as_of`` and ``notes``.

    ``notes`` maps a list's name to why it is empty or partial (e.g. "no
    voc_interviews table was given"); lists that ran fully have no note.
    """

    as_of: pd.Timestamp
    notes: dict


def _account_info(acc: pd.DataFrame) -> pd.DataFrame:
    cols = [c for c in ("account_id", "account_name", "account_manager", "segment", "annual_value") if c in acc]
    return acc[cols]


def _contacts(programme) -> pd.DataFrame:
    con = programme.contacts
    cols = [c for c in ("contact_id", "name", "email", "role") if c in con]
    return con[cols] if "contact_id" in con else pd.DataFrame(columns=["contact_id"])


def _recent_responses(programme, as_of, since, active_ids) -> pd.DataFrame:
    r = programme.responses
    r = r[(r["responded_at"] < as_of) & (r["responded_at"] >= since) & r["account_id"].isin(active_ids)]
    return r.dropna(subset=["ltr"])


def _detractors(programme, r, info, as_of, notes) -> pd.DataFrame:
    det = r[r["ltr"] <= DETRACTOR_MAX]
    cols = [c for c in ("response_id", "account_id", "contact_id", "responded_at", "ltr", "comment") if c in det]
    det = det[cols].copy()
    if _provided(programme, "followups"):
        fu = programme.followups
        fu = fu[fu["followed_up_at"] < as_of].sort_values("followed_up_at")
        first = fu.groupby("response_id").first()[["followed_up_at", *(["owner"] if "owner" in fu else [])]]
        det = det.merge(first, left_on="response_id", right_index=True, how="left")
    else:
        notes["detractors_without_followup"] = ("no followups table was given: every detractor is listed, none "
                                                "can be shown as followed up")
        det["followed_up_at"] = pd.NaT
    if "owner" not in det:
        det["owner"] = np.nan
    ok = followed_up_within(det["responded_at"], det["followed_up_at"])
    det = det[~ok].copy()
    det["due_by"] = det["responded_at"] + FOLLOWUP_WINDOW
    det["status"] = np.select(
        [det["followed_up_at"].notna(), det["due_by"] >= as_of],
        ["followed up late", "no follow-up yet: window still open"], default="no follow-up")
    det = det.merge(info, on="account_id", how="left")
    det["owner"] = det["owner"].where(det["owner"].notna(), det.get("account_manager"))
    det = det.merge(_contacts(programme), on="contact_id", how="left") if "contact_id" in det else det
    order = ["response_id", "account_id", "account_name", "owner", "account_manager", "contact_id", "name",
             "email", "role", "responded_at", "ltr", "comment", "due_by", "followed_up_at", "status"]
    return det.sort_values(["responded_at", "response_id"])[[c for c in order if c in det]].reset_index(drop=True)


def _account_nps(r) -> pd.DataFrame:
    codes = category_codes(r["ltr"].to_numpy(float))
    g = pd.DataFrame({"pro": codes == 1, "det": codes == -1, "n": 1}, index=r.index).groupby(r["account_id"]).sum()
    return pd.DataFrame({"account_nps": nps_from_counts(g["pro"], g["det"], g["n"]), "n_responses": g["n"]},
                        index=g.index)


def _references(programme, r, info) -> pd.DataFrame:
    pro = r[r["ltr"] > PASSIVE_MAX].sort_values("responded_at")
    if "contact_id" in pro:  # each contact once: their latest promoter answer
        pro = pro.groupby("contact_id", as_index=False).last()
    cols = [c for c in ("account_id", "contact_id", "responded_at", "ltr", "comment") if c in pro]
    out = pro[cols].merge(info, on="account_id", how="left")
    out = out.merge(_account_nps(r), left_on="account_id", right_index=True, how="left")
    if "contact_id" in out:
        out = out.merge(_contacts(programme), on="contact_id", how="left")
    order = ["account_id", "account_name", "account_manager", "contact_id", "name", "email", "role", "ltr",
             "responded_at", "comment", "account_nps", "annual_value"]
    out = out[[c for c in order if c in out]]
    keys = [c for c in ("ltr", "account_nps", "annual_value") if c in out]
    return out.sort_values(keys, ascending=False, kind="stable").reset_index(drop=True)


def _upsell(r, info, quadrants, loyalty_cut, notes) -> pd.DataFrame:
    acc = info.merge(_account_nps(r), left_on="account_id", right_index=True, how="inner")
    if quadrants is not None:
        q = quadrants[["account_id", "quadrant"]]
        acc = acc.merge(q, on="account_id", how="inner")
        acc = acc[acc["quadrant"].astype(str).str.startswith("Q4")]
    elif "annual_value" in acc and acc["annual_value"].notna().any():
        cut = float(info["annual_value"].median())
        acc = acc[(acc["account_nps"] > loyalty_cut) & (acc["annual_value"] < cut)].assign(quadrant="Q4")
        notes["upsell_candidates"] = (f"Q4 here: account NPS over the lookback above {loyalty_cut:g} and annual value "
                                      f"below the median of active accounts ({cut:,.0f}); pass quadrants= "
                                      f"(kapta_research.accounts.quadrants) to use the portfolio quadrants")
    else:
        notes["upsell_candidates"] = "the accounts table has no annual_value, so no value quadrant can be formed"
        return acc.iloc[0:0]
    keys = [c for c in ("account_nps", "annual_value") if c in acc]
    return acc.sort_values(keys, ascending=[False, True][:len(keys)]).reset_index(drop=True)


def _at_risk(programme, as_of, info, *, health, weights, history, lookback_waves, notes) -> pd.DataFrame:
    from .health import health_score
    if health is None:
        feats = snapshot_features(programme, as_of=as_of, lookback_waves=lookback_waves)
        health = health_score(feats, weights=weights, history=history,
                              driver_scale=getattr(programme, "driver_scale", (1, 7)))
    s = health.summary
    red = s[s["band"] == "red"][["account_id", "health", "band", "p_churn"]]
    out = red.merge(info, on="account_id", how="left")
    value = out["annual_value"] if "annual_value" in out else pd.Series(np.nan, index=out.index)
    out["expected_revenue_at_risk"] = out["p_churn"] * value
    if out["p_churn"].isna().all():
        notes["high_value_at_risk"] = ("administrator weights give no churn probability, so red accounts are "
                                       "ordered by annual value; weights='learned' (with a history) orders them "
                                       "by expected revenue at risk = churn probability x annual value")
        key = "annual_value" if "annual_value" in out else "health"
        out = out.sort_values(key, ascending=key == "health")
    else:
        out = out.sort_values("expected_revenue_at_risk", ascending=False)
    order = ["account_id", "account_name", "account_manager", "segment", "annual_value", "health", "band", "p_churn",
             "expected_revenue_at_risk"]
    return out[[c for c in order if c in out]].reset_index(drop=True)


def _voc_overdue(programme, as_of, info, overdue_days, notes) -> pd.DataFrame:
    cols = ["account_id", "account_name", "account_manager", "segment", "annual_value", "last_interview",
            "days_since_voc", "status"]
    if not _provided(programme, "voc_interviews"):
        notes["voc_overdue"] = "no voc_interviews table was given, so interview dates are unknown"
        return pd.DataFrame(columns=[c for c in cols if c in info or c in cols[5:]])
    # the cadence definitions of operations (interviews up to the end of as_of, days as elapsed time)
    lower = min(VOC_TARGET_DAYS[0], float(overdue_days))
    table = account_cadence(programme, target_days=(lower, float(overdue_days)), as_of=as_of,
                            func="action_lists")
    table = table[table["status"].isin(["overdue", "never interviewed"])]
    out = info.merge(table[["account_id", "last_interview", "days_since_last", "status"]], on="account_id",
                     how="inner").rename(columns={"days_since_last": "days_since_voc"})
    key = "annual_value" if "annual_value" in out else "days_since_voc"
    return out.sort_values(key, ascending=False)[[c for c in cols if c in out]].reset_index(drop=True)


def action_lists(programme, *, as_of, lookback_days=120, voc_overdue_days=VOC_TARGET_DAYS[1], weights=None, history=None,
                 health=None, quadrants=None, loyalty_cut=0.0, lookback_waves=4) -> ActionLists:
    """Five working lists for account managers, as of a date.

    Parameters
    ----------
    programme : Programme
    as_of : str or Timestamp
        "Today": only records dated before it are used; accounts active at
        ``as_of`` (joined before it, not churned by it) are listed.
    lookback_days : int
        Responses from the last ``lookback_days`` days before ``as_of`` feed
        the detractor, reference and up-sell lists (default 120: about one
        quarterly wave and its stragglers).
    voc_overdue_days : int
        An account is overdue for a VOC interview when its latest one is more
        than this many days old, or it never had one (default 120; practice
        is every 90-120 days).
    weights, history : optional
        Health-score weights and, for ``weights="learned"``, past snapshots
        to learn from (:func:`kapta_research.accounts.health.health_score`);
        used for the at-risk list when ``health`` is not given.
    health : HealthScore, optional
        A health score already computed for the accounts at ``as_of``.
    quadrants : DataFrame, optional
        ``account_id`` and ``quadrant`` (from
        :func:`kapta_research.accounts.quadrants`); Q4 accounts are the
        up-sell list.  Without it Q4 is "account NPS over the lookback above
        ``loyalty_cut`` and annual value below the median" (said in ``notes``).
    loyalty_cut : float
        See ``quadrants``.
    lookback_waves : int
        Waves behind the health score's survey features.

    Returns
    -------
    ActionLists
        A dict (names and captions in :data:`ACTION_LISTS`) with ``as_of``
        and ``notes``:

        - ``detractors_without_followup``: detractor responses in the lookback
          not followed up within 7 days (:func:`kapta_research.rules.followed_up_within`,
          follow-ups dated before ``as_of``): ``response_id``, ``account_id``,
          ``account_name``, ``owner`` (the follow-up's owner, else the account
          manager), ``account_manager``, ``contact_id``, ``name``, ``email``,
          ``role``, ``responded_at``, ``ltr``, ``comment``, ``due_by``,
          ``followed_up_at``, ``status`` ("no follow-up", "followed up late",
          "no follow-up yet: window still open"); oldest first.
        - ``reference_candidates``: each promoter contact's latest promoter
          answer in the lookback: ``account_id``, ``account_name``,
          ``account_manager``, ``contact_id``, ``name``, ``email``, ``role``,
          ``ltr``, ``responded_at``, ``comment``, ``account_nps`` (the
          account's NPS over the lookback: a reference should come from a
          positive account), ``annual_value``.
        - ``upsell_candidates``: Q4 accounts: ``account_id``,
          ``account_name``, ``account_manager``, ``segment``,
          ``annual_value``, ``account_nps``, ``n_responses``, ``quadrant``.
        - ``high_value_at_risk``: red-band accounts: ``account_id``,
          ``account_name``, ``account_manager``, ``segment``,
          ``annual_value``, ``health``, ``band``, ``p_churn``,
          ``expected_revenue_at_risk`` (``p_churn × annual_value``; learned
          weights only), highest first.
        - ``voc_overdue``: ``account_id``, ``account_name``,
          ``account_manager``, ``segment``, ``annual_value``,
          ``last_interview``, ``days_since_voc``, ``status`` ("never
          interviewed", "overdue"); highest value first.

    Examples
    --------
    >>> import kapta_research as kr
    >>> from kapta_research.accounts.actions import action_lists, action_counts
    >>> lists = action_lists(kr.load_sample(), as_of="2026-01-12")
    >>> list(lists)
    ['detractors_without_followup', 'reference_candidates', 'upsell_candidates', 'high_value_at_risk', 'voc_overdue']
    >>> list(action_counts(lists).columns)
    ['list', 'description', 'n', 'note']
    """
    func = "action_lists"
    _check_programme(programme, func=func)
    as_of = _as_timestamp(as_of, "as_of", func)
    lookback_days = check_int(lookback_days, name="lookback_days", func=func, low=1)
    voc_overdue_days = check_number(voc_overdue_days, name="voc_overdue_days", func=func, low=1)
    loyalty_cut = float(check_number(loyalty_cut, name="loyalty_cut", func=func, low=-100, high=100))
    if quadrants is not None and not (isinstance(quadrants, pd.DataFrame)
                                      and {"account_id", "quadrant"} <= set(quadrants.columns)):
        raise ParameterError(f"The 'quadrants' parameter of {func} must be None or a DataFrame with columns "
                             f"'account_id' and 'quadrant' (kapta_research.accounts.quadrants). Got "
                             f"{type(quadrants).__name__} instead.")
    acc = _active_accounts(programme, as_of)
    info = _account_info(acc)
    r = _recent_responses(programme, as_of, as_of - pd.Timedelta(days=lookback_days), set(acc["account_id"]))
    out = ActionLists()
    out.as_of, out.notes = as_of, {}
    out["detractors_without_followup"] = _detractors(programme, r, info, as_of, out.notes)
    out["reference_candidates"] = _references(programme, r, info)
    out["upsell_candidates"] = _upsell(r, info, quadrants, loyalty_cut, out.notes)
    out["high_value_at_risk"] = _at_risk(programme, as_of, info, health=health, weights=weights, history=history,
                                         lookback_waves=lookback_waves, notes=out.notes)
    out["voc_overdue"] = _voc_overdue(programme, as_of, info, voc_overdue_days, out.notes)
    return out


def action_counts(lists) -> pd.DataFrame:
    """How many rows each action list has (no contact data: safe for the PDF and ``tables/``).

    Returns
    -------
    DataFrame
        ``list``, ``description`` (:data:`ACTION_LISTS`), ``n`` (rows),
        ``note`` (why a list is empty or partial; empty when it ran fully).
    """
    notes = getattr(lists, "notes", {}) or {}
    return pd.DataFrame([{"list": name, "description": ACTION_LISTS.get(name, name), "n": len(df),
                          "note": notes.get(name, "")} for name, df in lists.items()],
                        columns=["list", "description", "n", "note"])


def write_actions_xlsx(lists, path) -> Path:
    """Write the action lists to a workbook (``actions.xlsx`` in the run folder), one captioned sheet each.

    The first sheet, "About", says the date and each list's count and note.
    The lists contain contact names and e-mails: keep the file with the
    account managers; it is never part of ``tables/`` or the PDF.

    Parameters
    ----------
    lists : ActionLists
        :func:`action_lists`.
    path : str or Path
        The workbook to write; a folder means ``<folder>/actions.xlsx``.

    Returns
    -------
    Path
    """
    from ..report.xlsx import write_captioned_sheet

    path = Path(path)
    if path.is_dir():
        path = path / "actions.xlsx"
    as_of = getattr(lists, "as_of", None)
    about = action_counts(lists)
    when = f" as of {pd.Timestamp(as_of).date()}" if as_of is not None else ""
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        write_captioned_sheet(xl, "About", about, f"Action lists{when} (contains contact details: internal use)")
        for name, df in lists.items():
            frame = df.copy()
            for c in frame.columns:  # Excel has no time zones; dates stay dates
                if isinstance(frame[c].dtype, pd.DatetimeTZDtype):
                    frame[c] = frame[c].dt.tz_localize(None)
            write_captioned_sheet(xl, name[:31], frame, ACTION_LISTS.get(name, name) + when)
    return path
