"""From an export's columns and labels to the canonical table (``columns``, ``values``, ``roles``, ``churned``).

Labels are matched without regard to case and surrounding space.  Every label
that no map covers is an error listing each distinct unmapped label and the
column, with the spreadsheet rows.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .._validation import row_labels
from ..errors import DataError
from ..schema import DRIVERS, NUMBER_COLUMNS
from .config import MISSING_LABEL
from .formats import PERSONAL_EXPORT_COLUMNS, PRESETS, export_person_names, norm_label, parse_amounts


def _resolve(key: str, df: pd.DataFrame, aliases: dict) -> str | None:
    """The frame column that a ``columns:`` key names: its id, its header text, or either up to case/space."""
    if key in df.columns:
        return key
    if key in aliases and aliases[key] in df.columns:
        return aliases[key]
    want = norm_label(key)
    for c in df.columns:
        if norm_label(c) == want:
            return c
    for text, c in aliases.items():
        if norm_label(text) == want and c in df.columns:
            return c
    return None


def apply_spec(raw, spec, problems: list) -> pd.DataFrame:
    """Rename, relabel and clean one raw table per its spec; problems are appended to ``problems``.

    Raises
    ------
    DataError
        When the config maps a column the file does not have (nothing else can be checked then).
    """
    df = raw.frame
    src = df.attrs.get("source")
    attrs = dict(df.attrs)
    rename, missing = {}, []
    for key, canonical in spec.columns.items():
        col = _resolve(str(key), df, raw.aliases)
        if col is None:
            missing.append(key)
        else:
            rename[col] = canonical
    if missing:
        hint = f" ({raw.header_desc})" if raw.header_desc else ""
        raise DataError(f"the config maps column(s) {', '.join(repr(m) for m in missing)} that the file does not "
                        f"have. Its columns: {', '.join(map(str, df.columns[:20]))}{hint}", file=src)
    doubled = sorted({c for c in rename.values() if list(rename.values()).count(c) > 1})
    if doubled:
        raise DataError(f"the config maps several columns to {', '.join(map(repr, doubled))}", file=src)
    churn_col = None
    if spec.churned:
        churn_col = _resolve(str(spec.churned["column"]), df, raw.aliases)
        if churn_col is None:
            raise DataError(f"churned: column {spec.churned['column']!r} is not in the file. Its columns: "
                            f"{', '.join(map(str, df.columns[:20]))}", file=src)
    # the export's own columns that clash with a canonical target are replaced by the mapped one
    clash = [c for c in df.columns if c in rename.values() and c not in rename]
    df = df.drop(columns=clash).rename(columns=rename)
    if spec.format != "plain":
        personal = [c for c in df.columns if norm_label(c) in PERSONAL_EXPORT_COLUMNS]
        # the recipients' names leave the table but stay known to the comment scrubber
        # (Programme.person_names, never written to tables/)
        attrs["person_names"] = export_person_names(df, personal)
        df = df.drop(columns=personal)
    attrs["export_columns"] = {canonical: str(col) for col, canonical in rename.items() if str(col) != canonical}
    df.attrs = attrs
    if churn_col is not None:
        churn_col = rename.get(churn_col, churn_col)
        df["churned"] = _churned(df, churn_col, spec.churned, problems)
    if spec.roles and "role" in df:
        roles = {norm_label(k): v for k, v in spec.roles.items()}
        labels = df["role"].map(norm_label, na_action="ignore")
        df["role"] = labels.map(roles).where(labels.isin(list(roles)), df["role"])
    for col, vmap in _value_maps(spec, df).items():
        df[col] = _relabel(df, col, vmap, problems)
    # amounts in a locale ("1.200,50", "$1,200") are text exports; a typed table's numbers are numbers
    if (spec.format == "salesforce_report" or spec.decimal) and not raw.typed:
        for col in NUMBER_COLUMNS.get(spec.name, ()):
            if col in df:
                df[col] = parse_amounts(df[col], spec.decimal or ".")
    return df


def _value_maps(spec, df) -> dict:
    """Column -> (name, {normalised label: number}); a column's own map wins over ``drivers``."""
    out = {}
    entries = dict(spec.values)
    if "drivers" in entries:
        for d in DRIVERS:
            if d in df and d not in entries:
                out[d] = entries["drivers"]
        entries.pop("drivers")
    out.update({c: m for c, m in entries.items() if c in df})
    return {c: _resolve_map(m) for c, m in out.items()}


def _resolve_map(m) -> tuple[str, dict]:
    """(name for messages, {normalised label: number or NaN}) of a preset or a mapping.

    A mapping may extend a preset with ``preset: NAME``; a label mapped to
    ``missing`` reads as a missing answer ("Don't know", "N/A").
    """
    if isinstance(m, str):
        return m, {norm_label(k): v for k, v in PRESETS[m].items()}
    base = PRESETS[m["preset"]] if "preset" in m else {}
    merged = {**base, **{k: v for k, v in m.items() if k != "preset"}}
    name = f"{m['preset']} (extended)" if "preset" in m else "the values map"
    return name, {norm_label(k): (np.nan if v == MISSING_LABEL else v) for k, v in merged.items()}


def _relabel(df, col, vmap, problems) -> pd.Series:
    """Labels -> numbers; numbers already written as numbers pass unchanged (they are range-checked later)."""
    name, labels = vmap
    raw = df[col]
    key = raw.map(norm_label, na_action="ignore")
    mapped = key.map(labels)
    numeric = pd.to_numeric(raw, errors="coerce").notna()
    as_missing = key.isin([k for k, v in labels.items() if v != v])   # labels mapped to `missing`
    unmapped = raw.notna() & mapped.isna() & ~numeric & ~as_missing
    if unmapped.any():
        distinct = list(dict.fromkeys(raw[unmapped].astype(str).str.strip()))
        problems.append(DataError(
            f"{len(distinct)} label{'s' if len(distinct) > 1 else ''} not in {name} "
            f"({', '.join(map(repr, distinct))}): add {'them' if len(distinct) > 1 else 'it'} under values: "
            f"{col}: in programme.yaml"
            + (f", e.g. {col}: {{preset: {name}, {distinct[0]!r}: <number>}} "
               f"(or {distinct[0]!r}: {MISSING_LABEL} for an answer that means no answer)"
               if name in PRESETS else ""), file=df.attrs.get("source"), column=col,
            rows=row_labels(df, unmapped), values=list(raw[unmapped])))
    out = raw.astype(object).copy()
    hit = mapped.notna()
    out[hit] = mapped[hit].map(lambda v: f"{v:g}")
    out[as_missing] = np.nan
    return out


def _churned(df, col, churned, problems) -> pd.Series:
    true = {norm_label(x) for x in churned.get("true", [])}
    false = {norm_label(x) for x in churned.get("false", [])}
    key = df[col].map(norm_label, na_action="ignore")
    out = pd.Series(pd.NA, index=df.index, dtype=object)
    out[key.isin(true)] = "true"
    out[key.isin(false)] = "false"
    other = key.notna() & ~key.isin(true | false)
    if false and other.any():  # with no 'false' list, every other label means "not churned"
        distinct = list(dict.fromkeys(df[col][other].astype(str).str.strip()))
        problems.append(DataError(
            f"{len(distinct)} label{'s' if len(distinct) > 1 else ''} of {col!r} in neither churned: true nor "
            f"false ({', '.join(map(repr, distinct))}): add them to one of the lists",
            file=df.attrs.get("source"), column=col, rows=row_labels(df, other), values=list(df[col][other])))
    elif not false:
        out[other] = "false"
    return out


def name_export_columns(problems: list, tables) -> list:
    """The problems with each mapped column named as the user's file names it (``column 'Q1' (ltr)``)."""
    names = {df.attrs.get("source"): df.attrs.get("export_columns") or {} for df in tables}
    out = []
    for p in problems:
        export = names.get(p.file, {}).get(p.column) if p.column is not None else None
        if export and not getattr(p, "export_column", None):
            p = DataError(p.message, file=p.file, column=p.column, rows=p.rows, values=p.values,
                          export_column=export)
        out.append(p)
    return out
