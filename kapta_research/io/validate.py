"""Type conversion and checks of a programme's tables (:func:`validate_programme`).

Every problem is collected (not raised at the first) so that one run lists
all of them, each naming the file, column, spreadsheet rows and values.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .._validation import row_labels
from ..errors import DataError
from ..schema import DATE_COLUMNS, DRIVER_SCALE, DRIVERS, LTR_SCALE, PRIMARY_KEYS, ROLES, TABLES, empty_column

__all__ = ["validate_programme", "REQUIRED_TABLES"]

#: The only table a programme must have; every other table is optional.
REQUIRED_TABLES = ("responses",)
#: Below this share of responses' account ids found among the accounts, the ids are taken to be of another kind.
FEW_MATCHED = 0.5


def _rows(df, mask):
    return row_labels(df, mask)


#: d/m/y or m/d/y with "/", "." or "-" separators, optionally followed by a time.
_NUMERIC_DATE = r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-]\d{2,4}(?:[ T].*)?$"


def _parse_dates(df, col, problems):
    raw = df[col]
    if pd.api.types.is_datetime64_any_dtype(raw):
        if getattr(raw.dt, "tz", None) is not None:   # an aware timestamp (Parquet, a database): UTC, naive
            raw = raw.dt.tz_convert("UTC").dt.tz_localize(None)
        return raw.astype("datetime64[ns]")
    parsed = pd.to_datetime(raw, errors="coerce", format="ISO8601")
    bad = parsed.isna() & raw.notna()
    if bad.any():
        # Retry each failure with a flexible parser before calling it bad.  Numeric dates such
        # as 03/04/2025 are read with ONE day/month order for the whole column: the order the
        # column proves (a first field > 12 means day first, a second field > 12 month first);
        # a column that proves both, or neither while holding dates that differ when day and
        # month are swapped, is an error rather than a silent guess.
        parts = raw[bad].astype(str).str.extract(_NUMERIC_DATE).astype(float)
        numeric = parts[0].notna()
        day_first, month_first = bool((parts[0] > 12).any()), bool((parts[1] > 12).any())
        ambiguous = pd.Series(False, index=raw.index)
        if day_first and month_first:
            ambiguous[numeric[numeric].index] = True
            what = "mix day-first (31/01/2025) and month-first (01/31/2025) order"
        elif not (day_first or month_first):
            ambiguous[numeric[numeric & (parts[0] != parts[1])].index] = True
            what = "are ambiguous: day and month could be either way round"
        if ambiguous.any():
            problems.append(DataError(f"dates {what}; use ISO 8601, e.g. 2025-03-31",
                                      file=df.attrs.get("source"), column=col,
                                      rows=_rows(df, ambiguous), values=list(raw[ambiguous])))
        retry = pd.to_datetime(raw[bad], errors="coerce", format="mixed", dayfirst=day_first)
        parsed[bad] = retry
        bad = parsed.isna() & raw.notna() & ~ambiguous
    if bad.any():
        problems.append(DataError("dates cannot be parsed (use ISO 8601, e.g. 2025-03-31)",
                                  file=df.attrs.get("source"), column=col,
                                  rows=_rows(df, bad), values=list(raw[bad])))
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    return parsed.astype("datetime64[ns]")


def _to_float(raw: pd.Series) -> pd.Series:
    """Text -> float, NaN where not a number (a direct cast first: ~10x faster on clean columns)."""
    try:
        return raw.astype(float)
    except (ValueError, TypeError):
        return pd.to_numeric(raw, errors="coerce").astype(float)


def _parse_number(df, col, problems, *, low=None, high=None, integer=False, nullable=True):
    raw = df[col]
    vals = _to_float(raw)
    src = df.attrs.get("source")
    notnum = vals.isna() & raw.notna()
    if notnum.any():
        problems.append(DataError("values are not numbers", file=src, column=col,
                                  rows=_rows(df, notnum), values=list(raw[notnum])))
        # go on checking the numbers that are there, so every problem of the column is listed at once
    if not nullable and (vals.isna() & ~notnum).any():
        miss = vals.isna() & ~notnum
        problems.append(DataError("values are missing (every row needs one)", file=src, column=col,
                                  rows=_rows(df, miss)))
    # range and whole-number checks in numpy: pandera's per-column schema machinery cost more than
    # the parsing itself on a 30 000-account programme (issue 8 §7), for the same two comparisons
    v = vals.to_numpy()
    with np.errstate(invalid="ignore"):
        bad = np.zeros(len(v), dtype=bool)
        if low is not None:
            bad |= (v < low) | (v > (np.inf if high is None else high))
        if integer:
            bad |= np.isfinite(v) & (v != np.round(v))
    if bad.any():
        what = []
        if low is not None:
            what.append(f">= {low}" if high is None or high == np.inf else f"between {low} and {high}")
        if integer:
            what.append("whole numbers")
        bad = pd.Series(bad, index=df.index)
        problems.append(DataError(f"values must be {' and '.join(what)}", file=src, column=col,
                                  rows=_rows(df, bad), values=list(raw[bad])))
    return vals


def _parse_bool(df, col, problems):
    raw = df[col]
    mapping = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False,
               "y": True, "n": False, "t": True, "f": False, "1.0": True, "0.0": False}
    low = raw.astype("string").str.strip().str.lower()
    out = low.map(mapping)
    bad = out.isna() & raw.notna()
    if bad.any():
        problems.append(DataError("values must be true/false (or yes/no, 1/0)", file=df.attrs.get("source"),
                                  column=col, rows=_rows(df, bad), values=list(raw[bad])))
    return out.astype("boolean")


def _check_unique(df, col, problems):
    dup = df[col].duplicated(keep=False) & df[col].notna()
    if dup.any():
        problems.append(DataError("ids must be unique; duplicated ids found", file=df.attrs.get("source"),
                                  column=col, rows=_rows(df, dup), values=list(df[col][dup])))
    missing = df[col].isna()
    if missing.any():
        problems.append(DataError("ids are missing", file=df.attrs.get("source"), column=col,
                                  rows=_rows(df, missing), values=list(df[col][missing])))


def _check_reference(df, col, known: set, what: str, problems, *, accounts: pd.DataFrame | None = None):
    """Values of ``df[col]`` must be in ``known``; with ``accounts``, many misses are said once (see below)."""
    vals = df[col]
    bad = vals.notna() & ~vals.isin(known)
    if not bad.any():
        return
    if accounts is not None and _few_matched(df, bad, accounts, problems):
        return
    problems.append(DataError(f"{what} not found", file=df.attrs.get("source"), column=col,
                              rows=_rows(df, bad), values=list(vals[bad])))


def _few_matched(df, bad: pd.Series, accounts: pd.DataFrame, problems) -> bool:
    """When most account ids of ``df`` are not accounts' ids, say so once (with examples of each side)."""
    ids = df["account_id"]
    n_ids = ids.nunique()
    theirs = pd.unique(ids[bad])
    n_found = n_ids - len(theirs)
    if n_ids < 2 or n_found >= FEW_MATCHED * n_ids:
        return False
    ours = [str(i) for i in accounts["account_id"].dropna().head(3)]
    problems.append(DataError(
        f"only {n_found} of {n_ids} distinct account ids match an account of the accounts table "
        f"({accounts.attrs.get('source', 'accounts')}): e.g. {', '.join(repr(str(i)) for i in theirs[:3])} here, "
        f"{', '.join(map(repr, ours))} there. Are both the same kind of id (map the right column to account_id)?",
        file=df.attrs.get("source"), column="account_id"))
    return True


#: A recommend column of at least this many answers, none above 5, is a 0-5 (or 1-5) scale, not 0-10.
_MIN_ANSWERS_FOR_SCALE_CHECK = 30


def _check_ltr_range(df, problems) -> None:
    """An error when the recommend answers never exceed 5: a 0-5 or 1-5 question read as 0-10.

    Every such answer would count as a detractor (NPS near -100) without a
    word.  With fewer answers than ``_MIN_ANSWERS_FOR_SCALE_CHECK`` a real 0-10
    question can plausibly stay at or below 5, so nothing is said.  Declaring
    ``scales: ltr: [0, 10]`` in programme.yaml confirms the scale and skips this.
    """
    ltr = df["ltr"].dropna()
    p = ltr_scale_problem(len(ltr), sorted(ltr.unique()) if len(ltr) and ltr.max() <= 5 else None,
                          df.attrs.get("source"))
    if p is not None:
        problems.append(p)


def empty_table_problem(name: str, source) -> DataError:
    """A required table (the responses) that holds no row: no study can run on it."""
    return DataError(f"the {name} table has no rows: a programme needs at least one response", file=source)


def ltr_scale_problem(n: int, seen, source) -> DataError | None:
    """The error of :func:`_check_ltr_range` for ``n`` answers whose distinct values are ``seen``
    (``None`` when some answer exceeds 5), or None; shared with the engine-side check."""
    if n < _MIN_ANSWERS_FOR_SCALE_CHECK or not seen:
        return None
    return DataError(
        f"all {n:,} recommend answers are between {seen[0]:g} and {seen[-1]:g}: this looks like a "
        f"{seen[0]:g}-5 scale, not the 0-10 question NPS needs (each answer would count as a detractor). "
        "Map the 0-10 'How likely are you to recommend' question to ltr; if these really are 0-10 "
        "answers, declare scales: {ltr: [0, 10]} in programme.yaml",
        file=source, column="ltr", values=[f"{v:g}" for v in seen])


def validate_programme(raw: dict, *, scales: dict | None = None,
                       deferred=()) -> tuple[dict, list[DataError]]:
    """Type-convert and check raw tables; return ``(tables, problems)``.

    ``raw`` maps table names to frames of strings as returned by
    :func:`~kapta_research.io.read_table` (after renaming to canonical
    columns).  Tables not in ``raw`` come back empty with the canonical
    columns and dtypes; canonical columns a table lacks are added as missing
    values (see :func:`~kapta_research.schema.empty_column`).
    """
    scales = scales or {}
    ltr_lo, ltr_hi = scales.get("ltr", LTR_SCALE)
    d_lo, d_hi = scales.get("drivers", DRIVER_SCALE)
    problems: list[DataError] = []
    out: dict[str, pd.DataFrame] = {}
    for name, spec in TABLES.items():
        if name not in raw:
            if name in REQUIRED_TABLES and name not in deferred:
                problems.append(DataError(
                    f"the programme has no {name} table (required): add {name}.csv (or .xlsx, "
                    f".parquet) or list it under 'tables:' in programme.yaml. Tables found: "
                    f"{', '.join(sorted(raw)) or 'none'}"))
            out[name] = pd.DataFrame({c: empty_column(name, c) for c in spec["columns"]})
            continue
        df = raw[name]
        src = df.attrs.get("source")
        missing = [c for c in spec["required"] if c not in df.columns]
        if missing:
            problems.append(DataError(
                f"required column(s) {', '.join(repr(m) for m in missing)} missing from the {name} "
                f"table. Its columns: {', '.join(map(str, df.columns[:20]))}. Map export headers to "
                f"canonical names in programme.yaml (tables: {name}: columns:).",
                file=src, column=missing[0]))
            out[name] = df
            continue
        if name in REQUIRED_TABLES and len(df) == 0:
            problems.append(empty_table_problem(name, src))
        df = df.copy()
        df.attrs = dict(raw[name].attrs)
        for c in ("account_id", "contact_id", "invitation_id", "response_id"):
            if c in df.columns:
                ids = df[c].astype("string").str.strip()
                df[c] = ids.astype(object).where(ids.notna() & (ids != ""), None)
        if name == "responses" and df["account_id"].isna().any():
            blank = df["account_id"].isna()
            problems.append(DataError(
                "account ids are missing (and cannot be taken from the response's contact or invitation): "
                "every response must name its account", file=src, column="account_id", rows=_rows(df, blank)))
        if name in PRIMARY_KEYS:
            _check_unique(df, PRIMARY_KEYS[name], problems)
        for c in DATE_COLUMNS[name]:
            if c in df.columns:
                df[c] = _parse_dates(df, c, problems)
        if name == "accounts":
            if "annual_value" in df:
                df["annual_value"] = _parse_number(df, "annual_value", problems, low=0, high=np.inf)
            if "churned" in df:
                df["churned"] = _parse_bool(df, "churned", problems)
        if name in ("responses", "invitations"):
            if "wave" in df:
                df["wave"] = _parse_number(df, "wave", problems, low=1, high=10_000, integer=True,
                                           nullable=False)
        if name == "responses":
            df["ltr"] = _parse_number(df, "ltr", problems, low=ltr_lo, high=ltr_hi, integer=True)
            if "ltr" not in scales:
                _check_ltr_range(df, problems)
            for d in DRIVERS:
                if d in df:
                    df[d] = _parse_number(df, d, problems, low=d_lo, high=d_hi, integer=True)
        if name == "employees":
            _check_employees(df, problems)
        if name == "contacts":
            role = df["role"].astype("string").str.strip().str.lower().str.replace(" ", "_")
            bad = role.notna() & ~role.isin(ROLES)
            if bad.any():
                problems.append(DataError(f"unknown roles (allowed: {', '.join(ROLES)})", file=src,
                                          column="role", rows=_rows(df, bad), values=list(df["role"][bad])))
            df["role"] = role.astype(object).where(role.notna(), None)
        for c in spec["columns"]:  # canonical columns the file lacks: missing values of the right dtype
            if c not in df.columns:
                df[c] = empty_column(name, c, df.index)
        if list(df.columns[:len(spec["columns"])]) != list(spec["columns"]):  # canonical order, then extras
            df = df[[*spec["columns"], *(c for c in df.columns if c not in spec["columns"])]]
        out[name] = df
    # referential integrity
    if "accounts" in raw and "account_id" in out["accounts"]:
        known = set(out["accounts"]["account_id"].dropna())
        for t in ("contacts", "invitations", "responses", "voc_interviews"):
            if t in raw and "account_id" in out[t]:
                _check_reference(out[t], "account_id", known, "accounts", problems, accounts=out["accounts"])
    if "contacts" in raw and "contact_id" in out["contacts"]:
        known = set(out["contacts"]["contact_id"].dropna())
        for t in ("invitations", "responses"):
            if t in raw and "contact_id" in out[t]:
                _check_reference(out[t], "contact_id", known, "contacts", problems)
    _check_consistency(raw, out, problems)
    if ("followups" in raw and "responses" in raw and "response_id" in out["responses"]
            and "response_id" in out["followups"]):
        _check_reference(out["followups"], "response_id", set(out["responses"]["response_id"].dropna()),
                         "responses", problems)
    return out, problems


def _check_employees(df, problems) -> None:
    """The employee NPS survey: ids and teams present, 0-10 whole scores, one answer per employee and wave."""
    src = df.attrs.get("source")
    for col, what in (("employee_id", "employee ids are missing"), ("team", "teams are missing")):
        vals = df[col].astype("string").str.strip()
        df[col] = vals.astype(object).where(vals.notna() & (vals != ""), None)
        miss = df[col].isna()
        if miss.any():
            problems.append(DataError(f"{what} (every employee answer needs one)", file=src, column=col,
                                      rows=_rows(df, miss)))
    df["ltr"] = _parse_number(df, "ltr", problems, low=0, high=10, integer=True)
    keys = ["employee_id"]
    if "wave" in df:
        df["wave"] = _parse_number(df, "wave", problems, low=1, high=10_000, integer=True)
        keys.append("wave")
    dup = df.duplicated(keys, keep=False) & df["employee_id"].notna()
    if dup.any():
        problems.append(DataError(f"one answer per employee{' and wave' if len(keys) > 1 else ''}: duplicates found",
                                  file=src, column="employee_id", rows=_rows(df, dup),
                                  values=list(df["employee_id"][dup])))


def _check_consistency(raw: dict, out: dict, problems: list) -> None:
    """Responses must agree with their contact's account and with their invitation."""
    r = out["responses"]
    if "responses" not in raw or not {"response_id", "account_id"} <= set(r.columns) or len(r) == 0:
        return
    c = out["contacts"]
    if "contacts" in raw and {"contact_id", "account_id"} <= set(c.columns) and "contact_id" in r:
        acc_of = c.drop_duplicates("contact_id").set_index("contact_id")["account_id"]
        theirs = r["contact_id"].map(acc_of)
        known = set(out["accounts"]["account_id"].dropna()) if "account_id" in out["accounts"] else set()
        # an unknown account is reported on its own; only compare accounts that exist
        bad = theirs.notna() & r["account_id"].isin(known) & (theirs != r["account_id"])
        if bad.any():
            problems.append(DataError(
                "responses name a contact of another account (contacts.account_id differs)",
                file=r.attrs.get("source"), column="account_id", rows=_rows(r, bad),
                values=[f"{a} (contact {k} is at {t})" for a, k, t in
                        zip(r["account_id"][bad], r["contact_id"][bad], theirs[bad])]))
    inv = out["invitations"]
    if "invitations" in raw and "invitation_id" in r and {"invitation_id", "wave", "sent_at"} <= set(inv.columns):
        ids = pd.Index(inv["invitation_id"])
        first = ~ids.duplicated() if not ids.is_unique else slice(None)  # duplicates are reported already
        # one hashed lookup of each response's invitation, reused for its wave and its sending date
        pos = pd.Index(ids[first]).get_indexer(r["invitation_id"])
        linked = pd.Series(pos >= 0, index=r.index) & r["invitation_id"].notna()

        def of_invitation(column):
            vals = inv[column].to_numpy()[first]
            if len(vals) == 0:   # no invitation at all: every lookup is missing, of the column's type
                dated = pd.api.types.is_datetime64_any_dtype(inv[column])
                return pd.Series(pd.NaT if dated else np.nan, index=r.index,
                                 dtype="datetime64[ns]" if dated else float)
            return pd.Series(vals[np.where(pos >= 0, pos, 0)], index=r.index).where(pos >= 0)

        if "wave" in r and pd.api.types.is_numeric_dtype(r["wave"]) and pd.api.types.is_numeric_dtype(inv["wave"]):
            iw = of_invitation("wave").astype(float)
            valid = (r["wave"] >= 1) & (r["wave"] == np.round(r["wave"]))  # invalid waves are reported already
            bad = linked & valid & iw.notna() & (iw != r["wave"])
            if bad.any():
                problems.append(DataError(
                    "the wave differs from the wave of the response's invitation", file=r.attrs.get("source"),
                    column="wave", rows=_rows(r, bad),
                    values=[f"{w:g} (invitation {i} is wave {v:g})" for w, i, v in
                            zip(r["wave"][bad], r["invitation_id"][bad], iw[bad])]))
        if "responded_at" in r and pd.api.types.is_datetime64_any_dtype(r["responded_at"]) \
                and pd.api.types.is_datetime64_any_dtype(inv["sent_at"]):
            sent = of_invitation("sent_at")
            bad = linked & r["responded_at"].notna() & sent.notna() & (r["responded_at"] < sent.dt.normalize())
            if bad.any():
                problems.append(DataError(
                    "responses dated before their invitation was sent", file=r.attrs.get("source"),
                    column="responded_at", rows=_rows(r, bad),
                    values=[f"{d:%Y-%m-%d} (sent {t:%Y-%m-%d})" for d, t in zip(r["responded_at"][bad], sent[bad])]))


