"""Churn snapshot features as engine queries: every date filter (``< as_of``) runs in the engine.

The heavy tables (responses, invitations, follow-ups) are reduced in the engine
to one row per account (or per account and wave); only those small tables come
to pandas, where :mod:`kapta_research.churn.features` finishes each feature with
the same arithmetic as on DataFrames (integer counts for the NPS mix, the same
least-squares slope of the response rate).  Nothing dated on or after
``as_of`` enters a query, so later records cannot change a feature.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import rules
from ._nps import require_columns
from ._tables import to_ibis


def _ts(col):
    return col if col.type().is_temporal() else col.cast("timestamp")


def _before(t, column, as_of):
    import ibis
    return t.filter(_ts(t[column]) < ibis.literal(pd.Timestamp(as_of).to_pydatetime()))


def _memtable(df: pd.DataFrame):
    """A small in-memory table (contacts, follow-ups) joined in the engine."""
    import ibis
    df = df.copy()
    df.attrs = {}
    return ibis.memtable(df)


def _ids(col):
    return col.cast("string")


def _mix_aggs(t):
    """Integer counts of scored, promoter, passive and detractor responses (as ``account_mix``)."""
    y = t["ltr"]
    scored = y.notnull()
    return {"k_n": scored.cast("int64").sum(),
            "k_pro": (scored & (y > rules.PASSIVE_MAX)).cast("int64").sum(),
            "k_pas": (scored & (y > rules.DETRACTOR_MAX) & (y <= rules.PASSIVE_MAX)).cast("int64").sum(),
            "k_det": (scored & (y <= rules.DETRACTOR_MAX)).cast("int64").sum()}


def _mix(res: pd.DataFrame) -> pd.DataFrame:
    """``account_mix`` columns from the engine's counts (NaN for an account without a scored response)."""
    n = res["k_n"].to_numpy(float)
    pro, pas, det = (res[c].to_numpy(float) for c in ("k_pro", "k_pas", "k_det"))
    with np.errstate(invalid="ignore", divide="ignore"):
        out = pd.DataFrame({"nps": rules.nps_from_counts(pro, det, n), "pct_promoters": 100.0 * pro / n,
                            "pct_passives": 100.0 * pas / n, "pct_detractors": 100.0 * det / n},
                           index=res.index)
    return out.where(np.broadcast_to(n[:, None] > 0, out.shape))


def lookback_waves(tables, programme, *, as_of, lookback_waves) -> set:
    """The latest ``lookback_waves`` waves invited (else answered) before ``as_of``."""
    waves = []
    if "invitations" in tables:
        inv = _before(tables["invitations"], "sent_at", as_of)
        waves = inv.select("wave").distinct().execute()["wave"].dropna().tolist()
    elif len(programme.invitations):
        inv = programme.invitations
        waves = inv[inv["sent_at"] < as_of]["wave"].unique().tolist()
    if not waves:
        resp = _before(tables["responses"], "responded_at", as_of)
        waves = resp.select("wave").distinct().execute()["wave"].dropna().tolist()
    return set(sorted(waves)[-lookback_waves:])


def survey_features(tables, programme, *, as_of, waves, with_roles: bool) -> pd.DataFrame:
    """:func:`kapta_research.churn.features.survey_features` from one engine query per table."""
    import ibis
    t = tables["responses"]
    drivers = list(programme.drivers)
    require_columns(t, ["account_id", "responded_at", "wave", "ltr", *drivers], func="snapshot")
    r = _before(t, "responded_at", as_of)
    r = r.filter(r["wave"].isin(sorted(waves)))
    aggs = {"n_responses": r.count(), **_mix_aggs(r)}
    has_contacts = "contact_id" in r.columns
    if has_contacts:
        aggs["n_respondents"] = r["contact_id"].nunique()
        aggs["any_contact"] = r["contact_id"].notnull().cast("int64").sum()
    for d in drivers:
        aggs[f"d_{d}"] = r[d].cast("float64").mean()
    res = r.group_by(_ids(r["account_id"]).name("account_id")).aggregate(**aggs).execute()
    res = res.set_index("account_id").sort_index()
    feats = _mix(res)
    feats["n_responses"] = res["n_responses"].astype(np.int64)
    if has_contacts and res["any_contact"].sum() > 0:
        feats["n_respondents"] = res["n_respondents"].astype(np.int64)
        if with_roles:
            c = tables.get("contacts")
            if c is None:
                c = _memtable(programme.contacts[["contact_id", "role"]].astype({"contact_id": str}))
            c = c.select(_ids(c["contact_id"]).name("c_id"), c["role"].name("c_role"))
            j = r.left_join(c, _ids(r["contact_id"]) == c["c_id"])
            roles = j.group_by(_ids(j["account_id"]).name("account_id")).aggregate(
                n_roles=j["c_role"].nunique(),
                dm=(j["c_role"] == "decision_maker").fill_null(False).cast("int64").max()).execute()
            roles = roles.set_index("account_id").reindex(feats.index)
            feats["n_roles"] = roles["n_roles"]
            feats["has_decision_maker"] = roles["dm"].fillna(0).astype(bool)
    for d in drivers:
        feats[d] = res[f"d_{d}"].astype(float)
    return feats


def response_counts(tables, programme, *, as_of, waves) -> pd.DataFrame | None:
    """Invitations and responses (before ``as_of``) per (account, wave) of the lookback; None if no
    invitations table is in the engine."""
    if "invitations" not in tables:
        return None
    inv = _before(tables["invitations"], "sent_at", as_of)
    inv = inv.filter(inv["wave"].isin(sorted(waves)))
    resp = _before(tables["responses"], "responded_at", as_of)
    answered = resp.filter(resp["invitation_id"].notnull()).select(
        _ids(resp["invitation_id"]).name("r_inv")).distinct()
    j = inv.left_join(answered, _ids(inv["invitation_id"]) == answered["r_inv"])
    return j.group_by([_ids(j["account_id"]).name("account_id"), j["wave"]]).aggregate(
        n=j.count(), k=j["r_inv"].notnull().cast("int64").sum()).execute()


def recency_counts(tables, *, as_of) -> pd.DataFrame:
    """Latest response date, and the latest wave's NPS counts, per account (responses before ``as_of``)."""
    resp = _before(tables["responses"], "responded_at", as_of)
    resp = resp.mutate(_acc=_ids(resp["account_id"]), _at=_ts(resp["responded_at"]))
    last = resp.group_by("_acc").aggregate(last=resp["_at"].max(), latest_wave=resp["wave"].max())
    j = resp.inner_join(last, "_acc")
    lw = j.filter(j["wave"] == j["latest_wave"])
    mix = lw.group_by("_acc").aggregate(**_mix_aggs(lw))
    res = last.left_join(mix, "_acc").execute()
    res = res.rename(columns={"_acc": "account_id"}).set_index("account_id").sort_index()
    for c in ("k_n", "k_pro", "k_pas", "k_det"):
        res[c] = res[c].fillna(0)
    return res


def followup_shares(tables, programme, *, as_of, waves) -> pd.Series:
    """Share of the lookback's detractors followed up within :data:`rules.FOLLOWUP_WINDOW`, per account."""
    import ibis
    t = tables["responses"]
    r = _before(t, "responded_at", as_of)
    r = r.filter(r["wave"].isin(sorted(waves)) & r["ltr"].notnull() & (r["ltr"] <= rules.DETRACTOR_MAX))
    r = r.select(_ids(r["response_id"]).name("r_id"), _ids(r["account_id"]).name("_acc"),
                 _ts(r["responded_at"]).name("r_at"))
    fu = tables.get("followups")
    if fu is None:
        fu = _memtable(programme.followups[["response_id", "followed_up_at"]].astype({"response_id": str}))
    fu = _before(fu, "followed_up_at", as_of)
    fu = fu.select(_ids(fu["response_id"]).name("f_id"), _ts(fu["followed_up_at"]).name("f_at"))
    j = r.left_join(fu, r["r_id"] == fu["f_id"])
    elapsed = j["f_at"].epoch_seconds() - j["r_at"].epoch_seconds()
    window = rules.FOLLOWUP_WINDOW.total_seconds()
    ok = (j["f_at"].notnull() & (elapsed >= 0) & (elapsed <= window)).fill_null(False)
    res = j.group_by("_acc").aggregate(n=j.count(), k=ok.cast("int64").sum()).execute()
    res = res.set_index("_acc").sort_index()
    res.index.name = "account_id"
    return (res["k"] / res["n"]).astype(float).rename("detractor_followup_7d")


def engine_tables(programme) -> dict:
    """The programme's tables held in an engine (``Programme.engine_tables``), as Ibis tables."""
    return {k: to_ibis(v) for k, v in (getattr(programme, "engine_tables", None) or {}).items()}
