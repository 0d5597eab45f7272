"""Programme-wide steps between reading the tables and validating them.

1. **Waves.**  ``wave: {from: responded_at, every: quarter}`` numbers waves by
   the period of that date; a ``wave`` column of period labels ("2024-Q1",
   "Q1 2024") is parsed the same way.  Waves are numbered 1, 2, ... from the
   earliest period found in any table, so responses and invitations agree.
2. **Salesforce ids.**  A 15-character id (case-sensitive) is the first 15
   characters of its 18-character form (which adds a case checksum); an id of
   one length in contacts, invitations, responses or voc_interviews is matched to
   the accounts' id of the other length.
3. **Accounts from contacts.**  A response with a blank ``account_id`` takes
   its contact's account (from contacts), else its invitation's.
4. **Responses linked to invitations.**  Survey exports carry no invitation id:
   a response without ``invitation_id`` is linked to the invitation sent to the
   same contact in the same wave (the latest one sent when there are several).

What each step did is counted in ``Programme.load_notes``.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..errors import DataError

_QUARTER = [re.compile(r"^\s*(?P<y>\d{4})\s*[-/ ]?\s*Q(?P<q>[1-4])\s*$", re.IGNORECASE),
            re.compile(r"^\s*Q(?P<q>[1-4])\s*[-/ ]?\s*(?P<y>\d{4})\s*$", re.IGNORECASE)]
FREQ = {"quarter": "Q", "month": "M", "year": "Y"}


def _note(notes, table, key, n):
    if n:
        notes.setdefault(table, {})[key] = notes.get(table, {}).get(key, 0) + int(n)


def _label(p: pd.Period) -> str:
    if p.freqstr.startswith("Q"):
        return f"{p.year}-Q{p.quarter}"
    return str(p)


def _quarter_labels(raw: pd.Series) -> pd.Series | None:
    """Periods of a column of quarter labels, or None when the column is not (entirely) such labels."""
    vals = raw.dropna().astype(str)
    if len(vals) == 0 or pd.to_numeric(vals, errors="coerce").notna().all():
        return None
    for rx in _QUARTER:
        m = raw.astype("string").str.extract(rx)
        if m["y"][raw.notna()].notna().all():
            return pd.Series([pd.Period(year=int(y), quarter=int(q), freq="Q") if pd.notna(y) else pd.NaT
                              for y, q in zip(m["y"], m["q"])], index=raw.index, dtype="period[Q-DEC]")
    return None


def _waves(raw: dict, specs: dict, problems: list) -> dict:
    from .validate import _parse_dates
    periods = {}
    for t in ("responses", "invitations"):
        if t not in raw:
            continue
        df, spec = raw[t], specs.get(t)
        if spec is not None and spec.wave:
            col, every = spec.wave["from"], spec.wave.get("every", "quarter")
            if col not in df:
                problems.append(DataError(f"wave: from: {col!r} but the {t} table has no such column (map it "
                                          f"under columns:)", file=df.attrs.get("source"), column=col))
                continue
            dates = _parse_dates(df, col, [])  # unparseable dates are reported when the table is validated
            periods[t] = dates.dt.to_period(FREQ[every])
        elif "wave" in df:
            labels = _quarter_labels(df["wave"])
            if labels is not None:
                periods[t] = labels
    if not periods:
        return {}
    freqs = {p.dtype.freq.rule_code for p in periods.values()}
    if len(freqs) > 1:
        problems.append(DataError(f"waves are periods of different lengths in different tables ({', '.join(freqs)})"
                                  "; use one 'every:' for all"))
        return {}
    known = [p for p in periods.values() if p.notna().any()]
    if not known:
        return {}
    origin = min(p.min() for p in known)
    labels = {}
    for t, p in periods.items():
        ordinal = p.array.asi8.astype(float)
        ordinal[p.isna().to_numpy()] = np.nan
        n = pd.Series(ordinal - origin.ordinal + 1, index=p.index)
        raw[t]["wave"] = n.map(lambda v: f"{v:.0f}", na_action="ignore")
        for k in pd.unique(n.dropna()):
            labels[int(k)] = _label(origin + int(k) - 1)
    return dict(sorted(labels.items()))


def _ids(raw: dict, notes: dict) -> None:
    if "accounts" not in raw or "account_id" not in raw["accounts"]:
        return
    acc = raw["accounts"]["account_id"].dropna().astype(str).str.strip()
    lengths = acc.str.len()
    for long_, short in ((18, 15), (15, 18)):
        if len(acc) == 0 or (lengths == long_).mean() < 0.9:
            continue
        if long_ == 18:
            by_prefix = pd.Series(acc.to_numpy(), index=acc.str[:15].to_numpy())
            by_prefix = by_prefix[~by_prefix.index.duplicated(keep=False)]
        known = set(acc)
        for t in ("contacts", "invitations", "responses", "voc_interviews"):
            if t not in raw or "account_id" not in raw[t]:
                continue
            ids = raw[t]["account_id"].astype("string").str.strip()
            cand = ids.notna() & (ids.str.len() == short) & ~ids.isin(known)
            if not cand.any():
                continue
            new = ids[cand].map(by_prefix) if long_ == 18 else ids[cand].str[:15].where(
                ids[cand].str[:15].isin(known))
            hit = new.notna()
            col = raw[t]["account_id"].astype(object).copy()
            col[hit[hit].index] = new[hit].astype(str)
            raw[t]["account_id"] = col
            _note(notes, t, "ids_matched_15_to_18", hit.sum())


def _clean(s: pd.Series) -> pd.Series:
    s = s.astype("string").str.strip()
    return s.where(s != "")


def _accounts_from_contacts(raw: dict, notes: dict) -> None:
    if "responses" not in raw:
        return
    r = raw["responses"]
    acc = _clean(r["account_id"]) if "account_id" in r else pd.Series(pd.NA, index=r.index, dtype="string")
    blank = acc.isna()
    if not blank.any():
        return
    sources = [("contacts", "contact_id"), ("invitations", "invitation_id")]
    for table, key in sources:
        if table in raw and {key, "account_id"} <= set(raw[table].columns) and key in r:
            t = raw[table]
            lookup = pd.Series(_clean(t["account_id"]).to_numpy(), index=_clean(t[key]).to_numpy())
            lookup = lookup[lookup.index.notna() & ~lookup.index.duplicated()]
            found = _clean(r[key])[blank].map(lookup)
            acc[found[found.notna()].index] = found[found.notna()]
            blank = acc.isna()
    before = _clean(r["account_id"]).notna() if "account_id" in r else pd.Series(False, index=r.index)
    filled = int((acc.notna() & ~before).sum())
    if filled or "account_id" in r:
        r["account_id"] = acc.astype(object).where(acc.notna(), None)
    _note(notes, "responses", "account_from_contact", filled)


def _link_invitations(raw: dict, notes: dict) -> None:
    if "responses" not in raw or "invitations" not in raw:
        return
    r, inv = raw["responses"], raw["invitations"]
    if not {"invitation_id", "contact_id", "wave"} <= set(inv.columns) or not {"contact_id", "wave"} <= set(r.columns):
        return
    have = _clean(r["invitation_id"]) if "invitation_id" in r else pd.Series(pd.NA, index=r.index, dtype="string")
    todo = have.isna()
    if not todo.any():
        return
    order = pd.to_datetime(inv["sent_at"], errors="coerce", format="mixed") if "sent_at" in inv else None
    keys = pd.DataFrame({"contact_id": _clean(inv["contact_id"]),
                         "wave": pd.to_numeric(inv["wave"], errors="coerce"),
                         "invitation_id": _clean(inv["invitation_id"])})
    if order is not None:
        keys = keys.assign(_t=order.to_numpy()).sort_values("_t", kind="stable").drop(columns="_t")
    keys = keys.dropna().drop_duplicates(["contact_id", "wave"], keep="last")
    lookup = keys.set_index(["contact_id", "wave"])["invitation_id"]
    want = pd.MultiIndex.from_arrays([_clean(r["contact_id"])[todo].to_numpy(),
                                      pd.to_numeric(r["wave"], errors="coerce")[todo].to_numpy()])
    found = pd.Series(lookup.reindex(want).to_numpy(), index=todo[todo].index)
    have[found.index] = found
    r["invitation_id"] = have.astype(object).where(have.notna(), None)
    # both counts are recorded whenever linking ran, so that "0 not linked" is said too
    notes.setdefault("responses", {}).update(linked_to_invitations=int(found.notna().sum()),
                                             not_linked=int(found.isna().sum()))


def prepare(raw: dict, specs: dict, notes: dict, problems: list) -> dict:
    """Run the steps of the module docstring on ``raw`` (in place); return the wave labels."""
    labels = _waves(raw, specs, problems)
    _ids(raw, notes)
    _accounts_from_contacts(raw, notes)
    _link_invitations(raw, notes)
    return labels
