"""Responses that stay in their engine: checked by queries, loaded only when a statistic needs the rows.

A programme read by an engine (Parquet files, a DuckDB file, Spark, an Ibis
URL) keeps its responses table there when loading would not change a row:
when the columns are already typed (numbers, timestamps), no wave has to be
derived from dates, no account id has to be taken from a contact or matched
between 15- and 18-character Salesforce forms and no response has to be linked
to its invitation by contact and wave.  :func:`defer_reason` says why not
otherwise, and the responses are loaded as before.

When they stay, :func:`check_responses` runs the loader's checks of the
responses (:func:`kapta_research.io.validate.validate_programme`) as a few
aggregate queries — ids present and unique, waves, scores and ratings in range
and whole, accounts and contacts that exist, responses that agree with their
contact and invitation, follow-ups of responses that exist — and only the
counts and at most five examples of each problem reach Python.  Messages name
the table and the offending rows by ``response_id`` (an engine table has no
spreadsheet rows).  :func:`load_rows` reads the rows when a study needs them
(a study other than the NPS overview), through the same code as a CSV.
"""
from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from ..errors import MAX_SHOWN, DataError
from ..schema import DRIVER_SCALE, DRIVERS, LTR_SCALE, TABLES
from ._tables import WeakEqualMap, describe

_IDS = ("response_id", "invitation_id", "contact_id", "account_id")
_NUMBERS = ("ltr", *DRIVERS)
_P = 1_000_000_007   # content hash: sums of row hashes modulo a prime


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out.attrs = {}
    return out


#: table op -> the id columns that need cleaning (whitespace around an id, a blank id, or a text the
#: loader reads as missing), found by :func:`defer_reason`'s one pass; cleaning 10 M ids in every later
#: query would cost ~1 s each.  Kept as long as an equal table lives (as ``_tables._SOURCES``); a missing
#: entry only means every id column is cleaned
_UNTRIMMED = WeakEqualMap()
#: what ``str.strip`` removes (``str.isspace``), as a regular-expression class for the engine
_WS = "[\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
#: texts the loader reads as missing in a typed table (:func:`kapta_research.io.read._strings`)
_MISSING_TEXT = ("None", "nan", "<NA>", "NaT")


def _untrimmed_counts(t) -> dict:
    """Aggregates counting, per text id column, the values that the loader's cleaning would change."""
    out = {}
    for c in _IDS:
        if c in t.columns and t[c].type().is_string():
            x = t[c]
            dirty = (x == "") | x.isin(list(_MISSING_TEXT)) | x.re_search(f"^{_WS}|{_WS}$")
            out[f"_trim_{c}"] = t.count(where=dirty)
    return out


def _clean_id(x):
    """An id column as the loader leaves it: text, missing-value words and blanks missing, stripped."""
    import ibis
    x = x.cast("string")
    x = x.isin(list(_MISSING_TEXT)).ifelse(ibis.null().cast("string"), x)
    return x.re_replace(f"^{_WS}+|{_WS}+$", "").nullif("")


def _number(x):
    """A float column with NaN as missing (the loader reads NaN as missing, not as a number)."""
    import ibis
    x = x.cast("float64")
    return x.isnan().ifelse(ibis.null().cast("float64"), x)


def view(t, *, raw_wave: bool = False, extras: bool = False):
    """The responses as the loader would leave them: the canonical columns in canonical order (those
    the table lacks as missing values), ids as cleaned text (:func:`_clean_id`, only in the columns
    that need it), scores and ratings float64 with NaN as missing, waves int64 (valid once
    :func:`check_responses` passed); with ``raw_wave``, also ``_wave_raw``: the wave unrounded; with
    ``extras``, the table's other columns after them, unchanged (the loader keeps them)."""
    import ibis
    cols = {}
    if raw_wave and "wave" in t.columns:
        cols["_wave_raw"] = _number(t.wave).name("_wave_raw")
    for c in TABLES["responses"]["columns"]:
        if c not in t.columns:   # as the loader does: a canonical column the table lacks is all missing
            typ = ("int64" if c == "wave" else "float64" if c in _NUMBERS else
                   "timestamp" if c == "responded_at" else "string")
            cols[c] = ibis.null().cast(typ).name(c)
            continue
        x = t[c]
        if c in _IDS:
            todo = _UNTRIMMED.get(t.op())
            x = _clean_id(x) if todo is None or c in todo else x.cast("string")
        elif c == "wave" and not x.type().is_integer():
            x = _number(x).round().try_cast("int64")   # try: 1e30 is reported by the checks, not raised
        elif c in _NUMBERS:
            x = _number(x) if x.type().is_floating() else x.cast("float64")
        cols[c] = x.name(c)
    if extras:
        cols.update({c: t[c] for c in t.columns if c not in cols})
    return t.select(**cols)


def defer_reason(t, raw: dict) -> str:
    """Why the engine's responses table ``t`` (canonical names) must be loaded into pandas, or ``""``.

    ``raw`` holds the programme's other tables as read (text cells, canonical names).
    """
    sch = t.schema()
    for c in ("wave", *_NUMBERS):
        if c in sch and not sch[c].is_numeric():
            return f"the column {c} is {sch[c]}, not numbers"
    if "responded_at" in sch:
        typ = sch["responded_at"]
        if not (typ.is_timestamp() or typ.is_date()):
            return "the column responded_at is not of a date or naive timestamp type" + (
                f" ({typ})" if typ.is_string() or typ.is_numeric() else "")
        if typ.is_timestamp() and getattr(typ, "timezone", None):
            return "the column responded_at has a time zone (converted to UTC by the loader)"
    found = t.aggregate(**_untrimmed_counts(t), _rows=t.count()).execute().iloc[0]
    _UNTRIMMED[t.op()] = {c for c in _IDS if found.get(f"_trim_{c}", 0)}
    v = view(t)
    aggs = {"_rows": v.count()}
    if "account_id" in v.columns:
        aggs["no_account"] = v.count(where=v.account_id.isnull())
    if "invitation_id" in v.columns:
        aggs["no_invitation"] = v.count(where=v.invitation_id.isnull())
    acc = raw.get("accounts")
    short = None
    if acc is not None and "account_id" in acc and "account_id" in v.columns:
        ids = acc["account_id"].dropna().astype(str).str.strip()
        lengths = ids.str.len()
        for long_, other in ((18, 15), (15, 18)):
            if len(ids) and (lengths == long_).mean() >= 0.9:
                short = other
        if short is not None:
            aggs["short_ids"] = v.count(where=v.account_id.length() == short)
    found = v.aggregate(**aggs).execute().iloc[0]
    if found.get("no_account", 0) and any(
            name in raw and {key, "account_id"} <= set(raw[name].columns) and key in v.columns
            for name, key in (("contacts", "contact_id"), ("invitations", "invitation_id"))):
        return "responses without an account id take their contact's account"
    inv = raw.get("invitations")
    if (inv is not None and {"invitation_id", "contact_id", "wave"} <= set(inv.columns)
            and {"contact_id", "wave"} <= set(v.columns)
            and ("invitation_id" not in v.columns or found.get("no_invitation", 0))):
        return "responses without an invitation id are linked to invitations by contact and wave"
    if found.get("short_ids", 0):
        return f"account ids of {short} characters are matched to the accounts' {33 - short}-character ids"
    return ""


def _examples(v, cond, column, *, key="response_id"):
    """Up to :data:`MAX_SHOWN` (response id, value) pairs of the rows where ``cond`` holds."""
    cols = [c for c in dict.fromkeys([key, column]) if c in v.columns]
    rows = v.filter(cond).select(*cols).order_by(cols[0]).limit(MAX_SHOWN).execute()
    ids = rows[key].tolist() if key in rows else []
    return ids, (rows[column].tolist() if column in rows else [])


def _rows_text(n: int) -> str:
    return f"{n:,} row{'s' if n != 1 else ''}"


def _problem(v, source, shown, message, n, cond, *, values=True, key="response_id", column=None):
    """A DataError for ``n`` rows where ``cond`` holds: examples of ``key`` and of the column ``shown``."""
    ids, vals = _examples(v, cond, shown, key=key)
    listed = ", ".join(repr(i) for i in ids if i is not None and i == i)
    where = _rows_text(n) + (f", e.g. {key} {listed}" if listed else "")
    return DataError(f"{message} ({where})", file=source, column=column or shown,
                     values=[_fmt(x) for x in vals] if values else None)


def _fmt(x):
    """A value as the file shows it (numbers as "11", "0.5", like the loader's text cells)."""
    if isinstance(x, (float, np.floating, int, np.integer)) and not isinstance(x, bool):
        return f"{x:g}"
    return x


def check_responses(t, tables: dict, *, scales: dict | None = None, provided=frozenset()) -> list:
    """The loader's checks of the responses, run in the engine; a list of :class:`DataError`.

    Parameters
    ----------
    t : ibis Table
        The responses under canonical names (see :func:`view`).
    tables : dict of str to DataFrame
        The programme's other tables, validated (accounts, contacts, invitations, followups).
    scales : dict, optional
        ``{"ltr": (lo, hi), "drivers": (lo, hi)}`` from the programme config.
    provided : set of str
        Tables the user gave (references are checked only against these).
    """
    import ibis
    scales = scales or {}
    src = describe(t)
    v = view(t, raw_wave=True)
    problems: list[DataError] = []
    missing = [c for c in TABLES["responses"]["required"] if c not in t.columns]
    if missing:   # reported, and the checks of the columns that are there still run (as the loader does)
        problems.append(DataError(
            f"required column(s) {', '.join(repr(m) for m in missing)} missing from the responses table. "
            f"Its columns: {', '.join(map(str, t.columns[:20]))}. Map the table's columns to canonical names "
            "in programme.yaml (tables: responses: columns:).", file=src, column=missing[0]))
    ltr_lo, ltr_hi = scales.get("ltr", LTR_SCALE)
    d_lo, d_hi = scales.get("drivers", DRIVER_SCALE)

    def out_of(x, lo, hi):
        # x % 1 (fmod), not x != floor(x): the engine casts FLOOR to an integer, which overflows on 1e30
        return x.notnull() & ((x < lo) | (x > hi) | (x % 1 != 0))

    wave = v._wave_raw if "wave" in t.columns else None   # unrounded: 2.5 is an error, not wave 2
    conds = {}
    if "response_id" in t.columns:
        conds["no_id"] = (v.response_id.isnull(), "response_id", "ids are missing")
    if "account_id" in t.columns:
        conds["no_account"] = (v.account_id.isnull(), "account_id",
                               "account ids are missing (and cannot be taken from the response's contact or "
                               "invitation): every response must name its account")
    if wave is not None:
        conds["no_wave"] = (wave.isnull(), "wave", "values are missing (every row needs one)")
        conds["bad_wave"] = (out_of(wave, 1, 10_000), "wave", "values must be between 1 and 10000 and whole numbers")
    if "ltr" in t.columns:
        conds["bad_ltr"] = (out_of(v.ltr, ltr_lo, ltr_hi), "ltr",
                            f"values must be between {ltr_lo} and {ltr_hi} and whole numbers")
    for d in DRIVERS:
        if d in v.columns:
            conds[f"bad_{d}"] = (out_of(v[d], d_lo, d_hi), d, f"values must be between {d_lo} and {d_hi} "
                                 "and whole numbers")
    aggs = {k: v.count(where=c) for k, (c, _, _) in conds.items()}
    # distinct 64-bit hashes of the ids present (DuckDB hashes NULL too), not strings: less memory; a
    # collision (p ~ n^2 / 2^65) only sends the check to the exact GROUP BY below, which then finds none
    named = v.response_id.notnull()
    aggs.update(_rows=v.count(), _ids=v.response_id.hash().nunique(where=named), _idn=v.response_id.count(),
                _ltr_n=v.ltr.count(), _ltr_max=v.ltr.max(), _ltr_min=v.ltr.min())
    found = v.aggregate(**aggs).execute().iloc[0]
    if not found["_rows"]:
        from ..io.validate import empty_table_problem
        problems.append(empty_table_problem("responses", src))
    for k, (cond, col, msg) in conds.items():
        if found[k]:
            shown = "_wave_raw" if col == "wave" else col
            problems.append(_problem(v, src, shown, msg, int(found[k]), cond, values=k.startswith("bad"),
                                     key="account_id" if k == "no_id" else "response_id", column=col))
    if found["_idn"] > found["_ids"]:
        named = v.filter(v.response_id.notnull())
        counts = named.group_by("response_id").aggregate(_k=named.count())
        dup = counts.filter(counts._k > 1)
        n_dup = int(dup.aggregate(n=dup._k.sum()).execute()["n"].iloc[0])
        ids = dup.order_by("response_id").limit(MAX_SHOWN).execute()["response_id"].tolist()
        if n_dup:
            problems.append(DataError(f"ids must be unique; duplicated ids found ({_rows_text(n_dup)})", file=src,
                                      column="response_id", values=ids))
    if "ltr" not in scales:
        from ..io.validate import ltr_scale_problem
        seen = None
        if found["_ltr_max"] is not None and pd.notna(found["_ltr_max"]) and found["_ltr_max"] <= 5:
            seen = v.filter(v.ltr.notnull()).select("ltr").distinct().order_by("ltr").execute()["ltr"].tolist()
        if (p := ltr_scale_problem(int(found["_ltr_n"]), seen, src)) is not None:
            problems.append(p)
    problems += _references(v, tables, src, provided)
    problems += _consistency(v, tables, src, provided)
    fu = tables.get("followups")
    if "followups" in provided and fu is not None and len(fu) and "response_id" in fu:
        ids = ibis.memtable(pd.DataFrame({"response_id": fu["response_id"].dropna().astype(str).unique()}))
        known = v.select("response_id").distinct()
        miss = ids.anti_join(known, "response_id").order_by("response_id").execute()["response_id"]
        if len(miss):
            from .._validation import row_labels
            bad = fu["response_id"].isin(set(miss))
            problems.append(DataError("responses not found", file=fu.attrs.get("source"), column="response_id",
                                      rows=row_labels(fu, bad), values=list(fu["response_id"][bad])))
    return problems


def _references(v, tables, src, provided) -> list:
    """Responses' accounts and contacts that the accounts / contacts tables do not hold."""
    import ibis
    out = []
    for name, col in (("accounts", "account_id"), ("contacts", "contact_id")):
        df = tables.get(name)
        if name not in provided or df is None or col not in df or col not in v.columns:
            continue
        known = ibis.memtable(pd.DataFrame({col: df[col].dropna().astype(str).unique()}))
        bad = v.filter(v[col].notnull()).anti_join(known, col)
        agg = bad.aggregate(n=bad.count(), k=bad[col].nunique()).execute().iloc[0]
        if not agg["n"]:
            continue
        if name == "accounts":
            n_ids = int(v.aggregate(k=v.account_id.nunique()).execute()["k"].iloc[0])
            n_found = n_ids - int(agg["k"])
            from ..io.validate import FEW_MATCHED
            if n_ids >= 2 and n_found < FEW_MATCHED * n_ids:
                theirs = bad.select(col).distinct().order_by(col).limit(3).execute()[col].tolist()
                ours = [str(i) for i in df[col].dropna().head(3)]
                out.append(DataError(
                    f"only {n_found} of {n_ids} distinct account ids match an account of the accounts table "
                    f"({df.attrs.get('source', 'accounts')}): e.g. {', '.join(map(repr, theirs))} here, "
                    f"{', '.join(map(repr, ours))} there. Are both the same kind of id (map the right column to "
                    "account_id)?", file=src, column=col))
                continue
        ex = bad.select("response_id", col).order_by("response_id").limit(MAX_SHOWN).execute()
        out.append(DataError(f"{name} not found ({_rows_text(int(agg['n']))}, e.g. response_id "
                             f"{', '.join(map(repr, ex['response_id']))})", file=src, column=col,
                             values=list(ex[col])))
    return out


def _consistency(v, tables, src, provided) -> list:
    """Responses that name a contact of another account, or disagree with their invitation."""
    import ibis
    out = []
    c, acc = tables.get("contacts"), tables.get("accounts")
    # as the loader: compared only for accounts the accounts table holds (none without one)
    if ("contacts" in provided and "accounts" in provided and c is not None and acc is not None
            and {"contact_id", "account_id"} <= set(c.columns) and "account_id" in acc
            and "contact_id" in v.columns):
        lookup = c.drop_duplicates("contact_id")[["contact_id", "account_id"]].dropna()
        m = ibis.memtable(_plain(lookup.rename(columns={"account_id": "_theirs"})))
        j = v.inner_join(m, "contact_id")
        # an unknown account is reported on its own; only compare accounts that exist
        known = ibis.memtable(pd.DataFrame({"_known": acc["account_id"].dropna().astype(str).unique()}))
        j = j.inner_join(known, j.account_id == known._known)
        cond = j._theirs != j.account_id
        n = int(j.aggregate(n=j.count(where=cond)).execute()["n"].iloc[0])
        if n:
            ex = (j.filter(cond).select("response_id", "account_id", "contact_id", "_theirs")
                  .order_by("response_id").limit(MAX_SHOWN).execute())
            out.append(DataError(
                f"responses name a contact of another account (contacts.account_id differs) ({_rows_text(n)}, e.g. "
                f"response_id {', '.join(map(repr, ex['response_id']))})", file=src, column="account_id",
                values=[f"{a} (contact {k} is at {o})" for a, k, o in
                        zip(ex["account_id"], ex["contact_id"], ex["_theirs"])]))
    inv = tables.get("invitations")
    if ("invitations" in provided and inv is not None and "invitation_id" in v.columns
            and {"invitation_id", "wave", "sent_at"} <= set(inv.columns) and len(inv)):
        first = inv.drop_duplicates("invitation_id")[["invitation_id", "wave", "sent_at"]]
        m = ibis.memtable(_plain(first.rename(columns={"wave": "_iwave", "sent_at": "_sent"})
                                 .assign(_iwave=lambda d: d["_iwave"].astype(float),
                                         _sent=lambda d: d["_sent"].dt.normalize())))
        j = v.inner_join(m, "invitation_id")
        w = j._wave_raw if "_wave_raw" in j.columns else j.wave.cast("float64")
        valid = (w >= 1) & (w % 1 == 0)    # invalid waves are reported already (as the loader does)
        checks = [("wave", j._iwave.notnull() & valid & (w != j._iwave),
                   "the wave differs from the wave of the response's invitation",
                   lambda r: f"{r['wave']:g} (invitation {r['invitation_id']} is wave {r['_iwave']:g})")]
        if "responded_at" in v.columns:
            checks.append(("responded_at", j.responded_at.notnull() & j._sent.notnull()
                           & (j.responded_at < j._sent), "responses dated before their invitation was sent",
                           lambda r: f"{r['responded_at']:%Y-%m-%d} (sent {r['_sent']:%Y-%m-%d})"))
        counts = j.aggregate(**{f"_{col}": j.count(where=cond) for col, cond, _, _ in checks}).execute().iloc[0]
        for col, cond, msg, fmt in checks:
            n = int(counts[f"_{col}"])
            if n:
                ex = j.filter(cond).order_by("response_id").limit(MAX_SHOWN).execute()
                out.append(DataError(f"{msg} ({_rows_text(n)}, e.g. response_id "
                                     f"{', '.join(map(repr, ex['response_id']))})", file=src, column=col,
                                     values=[fmt(r) for r in ex.to_dict("records")]))
    return out


def _hash64(x):
    """``hash(x) mod P`` as int64 on every engine.

    Spark's HASH is a 32-bit int and DuckDB's an unsigned 64-bit one, but Ibis types both int64 and
    drops a cast to int64, so products overflowed on Spark (ANSI mode).  The remainder (|r| < P < 2^31)
    fits an int32, and a cast from int32 to int64 is kept.
    """
    return (x.hash() % _P).cast("int32").cast("int64")


def content_hash(t) -> str:
    """SHA-256 of the table's rows, computed in the engine and independent of their order.

    Each row's column hashes are combined (modulo a prime, weighted by the column's position) and that
    combination is hashed again, so the per-row hash depends on which values share a row; the sum
    of the row hashes is order-free.  (A per-column sum would not see two rows swapping a value.)
    """
    row = None
    for i, c in enumerate(t.columns):
        h = (_hash64(t[c]) + _P) % _P
        term = h * (2 * i + 3)
        row = term if row is None else (row + term) % _P
    rh = (_hash64(row) + _P) % _P
    res = t.aggregate(_rows=t.count(), _h=rh.sum(), _h2=(rh * rh % _P).sum()).execute().iloc[0]
    digest = hashlib.sha256()
    digest.update(",".join(map(str, t.columns)).encode())
    digest.update(",".join(str(int(res[k]) if pd.notna(res[k]) else 0) for k in ("_rows", "_h", "_h2")).encode())
    return digest.hexdigest()


def load_rows(t, spec, *, scales: dict | None, source: str) -> pd.DataFrame:
    """The responses read into pandas through the loader's own steps (as if they had not been deferred)."""
    from ..io.mapping import apply_spec
    from ..io.programme import ProgrammeError
    from ..io.validate import validate_programme
    from ._programme import fetch_raw
    import dataclasses
    problems: list = []
    # ``t`` is under canonical names already (:func:`kapta_research.engines._programme.canonical`)
    spec = dataclasses.replace(spec, columns={})
    # read through the view: ids become text in the engine ("16", not pandas' float "16.0" of an
    # integer column with nulls), as every check and join of the engine path saw them
    raw = {"responses": apply_spec(fetch_raw(view(t, extras=True), source), spec, problems)}
    if not problems:
        tables, problems = validate_programme(raw, scales=scales)
    if problems:   # checked in the engine already: only a change of the data since loading gets here
        raise ProgrammeError(problems)
    df = tables["responses"]
    if len(df):
        df["wave"] = df["wave"].astype("int64")
    df.attrs = {"source": source, "file_rows": raw["responses"].attrs.get("file_rows")}
    return df


class Deferred:
    """The responses of a programme kept in their engine (what ``Programme.responses`` holds until used).

    Attributes
    ----------
    table : ibis Table
        The engine table under canonical column names.
    source : str
        Where it is read from (for messages).
    """

    def __init__(self, table, spec, *, scales: dict | None, source: str):
        self.table, self.spec, self.scales, self.source = table, spec, scales, source
        self._view = None
        self._n = None

    @property
    def view(self):
        """:func:`view` of the table (typed as the loader types the rows)."""
        if self._view is None:
            from ._tables import _SOURCES
            self._view = view(self.table)
            _SOURCES[self._view.op()] = self.source   # messages name the table, not "an expression"
        return self._view

    def __len__(self) -> int:
        if self._n is None:
            self._n = int(self.table.count().execute())
        return self._n

    @property
    def columns(self) -> list:
        return list(self.view.columns)

    def load(self) -> pd.DataFrame:
        """The rows in pandas (read once; see :func:`load_rows`)."""
        from tqdm.auto import tqdm
        with tqdm(total=1, desc=f"reading {len(self):,} responses from the engine", unit="table",
                  disable=_quiet()) as bar:
            df = load_rows(self.table, self.spec, scales=self.scales, source=self.source)
            bar.update()
        return df


def _quiet():
    """tqdm's ``disable``: off in CI logs, and (None) wherever the output is not a terminal."""
    import os
    return True if os.environ.get("CI", "").lower() == "true" else None
