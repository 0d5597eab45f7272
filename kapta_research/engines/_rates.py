"""Response-rate counts in the engine: invitations and answered invitations per (group, account).

The estimator (:func:`kapta_research.metrics.response_rates`) needs, per group
and account, only the number of invitations and how many of them were answered;
the invitations and responses stay in the engine.  Contacts (for ``role``) and
accounts (for ``segment`` and the like) are small and joined from the
programme's frames.
"""
from __future__ import annotations

import pandas as pd

from ._churn import _ids, _memtable
from ._nps import require_columns


def rate_counts(tables, programme, *, by, waves, cluster) -> pd.DataFrame:
    """``by`` columns, the cluster column (if any), ``n`` (invited) and ``k`` (answered)."""
    inv, resp = tables["invitations"], tables["responses"]
    require_columns(inv, ["invitation_id", "account_id", "wave"], func="response_rates")
    require_columns(resp, ["invitation_id"], func="response_rates")
    if waves:
        inv = inv.filter(inv["wave"].isin(list(waves)))
    answered = resp.filter(resp["invitation_id"].notnull()).select(
        _ids(resp["invitation_id"]).name("_r_inv")).distinct()
    j = inv.left_join(answered, _ids(inv["invitation_id"]) == answered["_r_inv"])
    if "role" in by and "role" not in j.columns:
        c = programme.contacts[["contact_id", "role"]].drop_duplicates("contact_id").astype({"contact_id": str})
        c = _memtable(c.rename(columns={"contact_id": "_c_id"}))
        j = j.left_join(c, _ids(j["contact_id"]) == c["_c_id"])
    extra = [b for b in [*by, *([cluster] if cluster else [])] if b not in j.columns]
    if extra:
        a = programme.accounts[["account_id", *extra]].astype({"account_id": str})
        a = _memtable(a.rename(columns={"account_id": "_a_id"}))
        j = j.left_join(a, _ids(j["account_id"]) == a["_a_id"])
    keys = [*by, *([cluster] if cluster and cluster not in by else [])]
    require_columns(j, keys, func="response_rates")
    return j.group_by(keys).aggregate(n=j.count(), k=j["_r_inv"].notnull().cast("int64").sum()).execute()
