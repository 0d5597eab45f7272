"""Read and validate a feedback programme.

A programme lives in a folder (or a DuckDB database file).  A programme
config, ``programme.yaml`` (or ``.yml`` / ``.toml``), says which file holds
each table, how export headers map to canonical names, and which scales the
scores use::

    name: Acme key-account programme
    scales:
      ltr: [0, 10]
      drivers: [1, 7]
    tables:
      accounts: crm_accounts.xlsx          # a file name is enough ...
      responses:                           # ... or a mapping with options
        file: qualtrics_export.csv
        encoding: cp1252                   # optional; sniffed otherwise
        delimiter: ";"                     # optional; sniffed otherwise
        columns:                           # export header -> canonical name
          "Account Name": account_id
          "How likely are you to recommend Acme to a colleague?": ltr
      contacts: {table: crm_contacts}      # a table of the database below
    database: programme.duckdb             # optional

Without a config the folder's ``<table>.csv`` / ``.xlsx`` / ``.parquet``
files are read, and a ``.duckdb`` file's tables are read by their canonical
names.  Input files are only ever opened for reading.

Every problem found (missing columns, non-numeric or out-of-range scores,
duplicate ids, unknown accounts, unparseable dates) is reported by a
:class:`ProgrammeError` naming the file, column, spreadsheet rows (header =
row 1) and up to five bad values.
"""
from __future__ import annotations

import codecs
import csv
import hashlib
import io as _io
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
import yaml

from .errors import DataError, KaptaError
from .schema import (DATE_COLUMNS, DRIVER_SCALE, DRIVERS, LTR_SCALE, PRIMARY_KEYS,
                     ROLES, TABLES, empty_column)

__all__ = ["Programme", "ProgrammeError", "load_programme", "load_sample", "read_table",
           "validate_programme", "data_hash"]

CONFIG_NAMES = ("programme.yaml", "programme.yml", "programme.toml")
READ_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xls", ".parquet")
#: The only table a programme must have; every other table is optional.
REQUIRED_TABLES = ("responses",)


class ProgrammeError(DataError):
    """One or more problems in a programme's files.

    ``problems`` holds every :class:`~kapta_research.errors.DataError` found;
    the message lists them all.
    """

    def __init__(self, problems: list[DataError]):
        self.problems = problems
        first = problems[0]
        super().__init__(first.message, file=first.file, column=first.column,
                         rows=first.rows, values=first.values)
        if len(problems) > 1:
            self.args = (f"{len(problems)} problems in the programme data:\n"
                         + "\n".join(f"- {p}" for p in problems),)

    def __str__(self) -> str:
        return self.args[0]


@dataclass(repr=False)
class Programme:
    """A loaded, validated programme.

    Attributes
    ----------
    accounts, contacts, invitations, responses, followups, voc_interviews : DataFrame
        Canonical tables (absent tables are empty frames with the canonical
        columns).  Dates are ``datetime64``; ids are strings; ``ltr`` and the
        drivers are floats (missing = NaN).
    name : str
        Programme name from the config.
    drivers : list of str
        Driver columns present in ``responses``.
    driver_scale, ltr_scale : tuple of int
        Declared scales.
    sources : dict
        Table name -> file it was read from.
    data_hash : str
        SHA-256 over the input files' bytes (for the run manifest).
    load_notes : dict of str to dict of str to int
        Per table, counts of what loading did to the file's rows (a table
        appears only when something happened; ``{}`` when nothing did):

        - ``dropped_preview`` -- survey-preview responses dropped (Qualtrics
          ``Status`` / ``DistributionChannel`` "preview");
        - ``dropped_unfinished`` -- unfinished responses dropped (Qualtrics
          ``Finished`` false; kept with ``keep_unfinished: true``);
        - ``dropped_footer_rows`` -- report footer lines dropped ("Grand
          Totals ...", "Confidential Information", "Copyright ...");
        - ``dropped_blank_rows`` -- empty lines dropped;
        - ``linked_to_invitations`` / ``not_linked`` -- responses without an
          ``invitation_id`` that were (not) linked to an invitation by
          contact and wave;
        - ``ids_matched_15_to_18`` -- 15-character Salesforce account ids
          matched to their 18-character form.
    """

    accounts: pd.DataFrame
    contacts: pd.DataFrame
    invitations: pd.DataFrame
    responses: pd.DataFrame
    followups: pd.DataFrame
    voc_interviews: pd.DataFrame
    name: str = "programme"
    drivers: list = field(default_factory=list)
    driver_scale: tuple = DRIVER_SCALE
    ltr_scale: tuple = LTR_SCALE
    sources: dict = field(default_factory=dict)
    data_hash: str = ""
    location: str = ""
    load_notes: dict = field(default_factory=dict)
    #: table -> canonical columns that came from the user's data (see :meth:`provided`)
    supplied: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        # Never print the tables: contacts hold names and e-mail addresses.
        counts = ", ".join(f"{t}={len(getattr(self, t))}" for t in TABLES)
        return f"<Programme {self.name!r} at {self.location!r}: {counts}>"

    def table(self, name: str) -> pd.DataFrame:
        return getattr(self, name)

    def provided(self, table: str, column: str | None = None) -> bool:
        """Whether the user supplied ``table`` (and, with ``column``, that column).

        A table counts as provided when a file (or database table) was given
        or found for it, even one with a header only; a column counts when it
        came from the data, not filled in as missing by the loader.

        Parameters
        ----------
        table : str
            A canonical table name (see :mod:`kapta_research.schema`).
        column : str, optional
            A canonical column of that table.

        Returns
        -------
        bool

        Examples
        --------
        >>> import kapta_research as kr
        >>> p = kr.load_sample()
        >>> p.provided("invitations"), p.provided("responses", "invitation_id")
        (True, True)
        """
        if table not in TABLES:
            from .errors import ParameterError
            raise ParameterError(f"The 'table' parameter of provided must be one of {', '.join(TABLES)}. "
                                 f"Got {table!r} instead.")
        if table not in self.supplied:
            return False
        return True if column is None else column in self.supplied[table]

    def respondents(self, *, waves=None, require=(), where=None) -> pd.DataFrame:
        """Responses joined with the account's segment/region/industry and the contact's role.

        Parameters
        ----------
        waves : list of int, optional
            Keep only these waves (``None`` or empty = all).  Unknown waves
            are an error.
        require : sequence of str
            Columns the caller needs (checked, with a clear message).
        where : dict of str to list, optional
            Keep rows whose column takes one of the listed values, e.g.
            ``{"segment": ["Enterprise"]}``; empty lists are ignored and
            values not in the data are an error.

        Returns
        -------
        DataFrame
            The responses columns plus ``segment``, ``region``, ``industry``,
            ``annual_value`` (from accounts) and ``role`` (from contacts).

        Examples
        --------
        >>> import kapta_research as kr
        >>> r = kr.load_sample().respondents()
        >>> {"segment", "role", "ltr"} <= set(r.columns)
        True
        """
        out = self.responses.copy()
        file_rows = self.responses.attrs.get("file_rows")
        out["__file_row"] = pd.Series(file_rows).reindex(out.index).to_numpy() if file_rows is not None else np.nan
        acc_cols = [c for c in ("segment", "region", "industry", "annual_value") if c in self.accounts]
        out = out.merge(self.accounts[["account_id", *acc_cols]], on="account_id", how="left")
        if len(self.contacts) and "role" in self.contacts and "contact_id" in out:
            out = out.merge(self.contacts[["contact_id", "role"]], on="contact_id", how="left")
        out.attrs["source"] = self.sources.get("responses", "<responses>")
        if waves:
            from .errors import ParameterError
            known = sorted(int(w) for w in out["wave"].unique())
            unknown = [w for w in waves if w not in known]
            if unknown:
                raise ParameterError(f"The 'waves' parameter names waves {unknown} that have no responses. "
                                     f"Waves in the data: {known}.")
            out = out[out["wave"].isin(list(waves))].reset_index(drop=True)
            out.attrs["source"] = self.sources.get("responses", "<responses>")
        from .errors import ParameterError
        where = {k: v for k, v in (where or {}).items() if v}
        missing = [c for c in [*require, *where] if c not in out.columns]
        if missing:
            raise ParameterError(f"No column {', '.join(map(repr, missing))} in the responses or accounts of "
                                 f"{self.location}. Available: {', '.join(map(str, out.columns))}.")
        for col, keep in where.items():
            keep = [keep] if isinstance(keep, str) else list(keep)
            known = set(out[col].dropna().astype(str))
            unknown = [k for k in keep if str(k) not in known]
            if unknown:
                raise ParameterError(f"No {col} called {', '.join(map(repr, unknown))} in {self.location}. "
                                     f"Known: {', '.join(sorted(known))}.")
            out = out[out[col].astype(str).isin([str(k) for k in keep])].reset_index(drop=True)
        # keep spreadsheet row numbers so that errors on this frame point at the file's rows
        rows = out.pop("__file_row")
        out.attrs = {"source": self.sources.get("responses", "<responses>")}
        if rows.notna().all():
            out.attrs["file_rows"] = dict(zip(out.index, rows.astype(int)))
        return out


# --------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------
def _sniff_encoding(raw: bytes) -> str:
    """UTF-16 (by its BOM), UTF-8, else Windows-1252, else charset-normalizer's guess.

    Windows-1252 is what Excel writes for "CSV" in Western locales.  It is tried
    before any statistical guess because such guesses are unreliable on exports
    that are mostly ASCII: charset-normalizer reads "Peña" in a short cp1252 file
    as Big5 and "Niño" as cp1250.  Other single-byte encodings (cp1250, ...) must
    be declared with ``encoding:`` in the programme config.
    """
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        raw.decode("utf-8-sig")
        return "utf-8-sig"
    except UnicodeDecodeError:
        pass
    if b"\x00" not in raw:
        try:
            raw.decode("cp1252")
            return "cp1252"
        except UnicodeDecodeError:
            pass
    from charset_normalizer import from_bytes
    best = from_bytes(raw[:200_000]).best()
    return best.encoding if best is not None else "latin-1"


def read_table(path, *, encoding: str | None = None, delimiter: str | None = None,
               sheet=0, table: str | None = None) -> pd.DataFrame:
    """Read one table from CSV, Excel, Parquet or a DuckDB database, as strings.

    Every column is read as text (dtype ``str``) so that validation sees
    exactly what the file holds; :func:`load_programme` converts types.  The
    frame's ``attrs`` hold ``source`` (the file) and ``file_rows`` (spreadsheet
    row number of each row, header = row 1).

    Parameters
    ----------
    path : str or Path
        The file.  ``.csv``/``.tsv``/``.txt`` (encoding and delimiter sniffed
        unless given), ``.xlsx``/``.xls``, ``.parquet``, ``.duckdb``/``.db``.
    encoding, delimiter : str, optional
        CSV only.
    sheet : int or str
        Excel only: the sheet.
    table : str, optional
        DuckDB only: the table to read.

    Returns
    -------
    DataFrame

    Examples
    --------
    >>> from kapta_research.config import SAMPLE_DIR
    >>> read_table(SAMPLE_DIR / "accounts.csv").shape[1]
    11
    """
    path = Path(path)
    if not path.is_file():
        raise DataError("file not found", file=str(path))
    suffix = path.suffix.lower()
    try:
        if suffix in (".csv", ".tsv", ".txt"):
            raw = path.read_bytes()
            enc = encoding or _sniff_encoding(raw)
            text = raw.decode(enc)
            if delimiter is None:
                try:
                    delimiter = csv.Sniffer().sniff(text[:20_000], delimiters=",;\t|").delimiter
                except csv.Error:
                    delimiter = "\t" if suffix == ".tsv" else ","
            df = pd.read_csv(_io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False,
                             na_values=["", "NA", "N/A", "NaN", "nan", "null", "NULL"])
        elif suffix in (".xlsx", ".xls"):
            df = pd.read_excel(path, sheet_name=sheet, dtype=str)
        elif suffix == ".parquet":
            df = pd.read_parquet(path)
            df = df.astype({c: str for c in df.columns if not pd.api.types.is_datetime64_any_dtype(df[c])})
            df = df.replace({"None": np.nan, "nan": np.nan, "<NA>": np.nan, "NaT": np.nan})
        elif suffix in (".duckdb", ".db"):
            import duckdb
            if not table:
                raise DataError("reading a DuckDB file needs the table name", file=str(path))
            con = duckdb.connect(str(path), read_only=True)
            try:
                names = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
                if table not in names:
                    raise DataError(f"no table {table!r} in the database (tables: {', '.join(sorted(names))})",
                                    file=str(path))
                df = con.execute(f'select * from "{table}"').df()
            finally:
                con.close()
            df = df.astype({c: str for c in df.columns if not pd.api.types.is_datetime64_any_dtype(df[c])})
            df = df.replace({"None": np.nan, "nan": np.nan, "<NA>": np.nan, "NaT": np.nan})
        else:
            raise DataError(f"cannot read files ending in {suffix!r}; use one of "
                            ".csv, .tsv, .txt, .xlsx, .xls, .parquet, .duckdb", file=str(path))
    except KaptaError:
        raise
    except (UnicodeDecodeError, LookupError) as exc:
        raise DataError(f"cannot decode the file ({exc}); declare its encoding", file=str(path)) from exc
    except Exception as exc:  # pandas/openpyxl/pyarrow parser errors
        raise DataError(f"cannot read the file: {exc}", file=str(path)) from exc
    df.columns = [str(c).strip() for c in df.columns]
    df = df.reset_index(drop=True)
    df.attrs["source"] = str(path) + (f"[{table}]" if table else "")
    # a plain dict (not a Series): pandas compares attrs when concatenating frames
    df.attrs["file_rows"] = dict(zip(df.index, range(2, len(df) + 2)))
    return df


def _load_config(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    try:
        cfg = tomllib.loads(text) if path.suffix == ".toml" else yaml.safe_load(text)
    except Exception as exc:
        raise DataError(f"the programme config is not valid {'TOML' if path.suffix == '.toml' else 'YAML'}: {exc}",
                        file=str(path)) from exc
    if not isinstance(cfg, dict):
        raise DataError("the programme config must be a mapping with a 'tables' entry", file=str(path))
    unknown = set(cfg) - {"name", "scales", "tables", "database"}
    if unknown:
        raise DataError(f"unknown keys in the programme config: {', '.join(sorted(unknown))} "
                        "(allowed: name, scales, tables, database)", file=str(path))
    tables = cfg.get("tables") or {}
    bad = set(tables) - set(TABLES)
    if bad:
        raise DataError(f"unknown tables in the programme config: {', '.join(sorted(bad))} "
                        f"(known: {', '.join(TABLES)})", file=str(path))
    return cfg


def _find_default(folder: Path, name: str) -> Path | None:
    for suf in READ_SUFFIXES:
        p = folder / f"{name}{suf}"
        if p.is_file():
            return p
    return None


def _raw_tables(location: Path) -> tuple[dict, dict, str]:
    """Return ({table: raw DataFrame}, scales, name) for a folder, config or database."""
    cfg: dict = {}
    folder = location
    if location.is_dir():
        for n in CONFIG_NAMES:
            if (location / n).is_file():
                cfg = _load_config(location / n)
                break
    elif location.suffix.lower() in (".yaml", ".yml", ".toml"):
        cfg = _load_config(location)
        folder = location.parent
    elif location.suffix.lower() in (".duckdb", ".db"):
        cfg = {"database": location.name, "tables": {t: {"table": t} for t in TABLES}}
        folder = location.parent
    elif not location.exists():
        raise DataError(f"no programme at {location}: give a folder, a programme.yaml or a .duckdb file")
    else:
        raise DataError(f"cannot read a programme from {location}: give a folder, a programme.yaml "
                        "or a .duckdb file")
    db = cfg.get("database")
    specs = cfg.get("tables")
    if not specs:
        specs = {}
        for t in TABLES:
            p = _find_default(folder, t)
            if p is not None:
                specs[t] = p.name
    raw = {}
    for t, spec in specs.items():
        if isinstance(spec, str):
            spec = {"file": spec}
        columns = spec.get("columns") or {}
        if "file" in spec:
            if not (folder / spec["file"]).is_file():
                raise DataError(f"file not found for the {t} table (tables: {t}: {spec['file']}). "
                                f"Files in {folder}: {', '.join(sorted(f.name for f in folder.iterdir()))}",
                                file=str(folder / spec["file"]))
            df = read_table(folder / spec["file"], encoding=spec.get("encoding"),
                            delimiter=spec.get("delimiter"), sheet=spec.get("sheet", 0))
        elif "table" in spec and db:
            dbpath = folder / db
            names = _duckdb_tables(dbpath)
            if spec["table"] not in names and location.suffix.lower() in (".duckdb", ".db"):
                continue  # optional canonical table absent from the database
            df = read_table(dbpath, table=spec["table"])
        else:
            raise DataError(f"table {t!r} in the programme config needs 'file' (or 'table' with 'database')")
        if columns:
            missing = [c for c in columns if c not in df.columns]
            if missing:
                raise DataError(f"the config maps column(s) {', '.join(repr(m) for m in missing)} "
                                f"that the file does not have. Its columns: {', '.join(df.columns[:20])}",
                                file=df.attrs["source"])
            attrs = dict(df.attrs)
            df = df.rename(columns=columns)
            df.attrs.update(attrs)
        raw[t] = df
    scales = cfg.get("scales") or {}
    return raw, scales, str(cfg.get("name") or location.name)


def _config_path(location: Path) -> Path | None:
    """The programme config in effect for ``location`` (None for a bare folder or database)."""
    if location.is_dir():
        return next((location / n for n in CONFIG_NAMES if (location / n).is_file()), None)
    return location if location.suffix.lower() in (".yaml", ".yml", ".toml") else None


def _duckdb_tables(path: Path) -> set:
    import duckdb
    if not path.is_file():
        raise DataError(f"database not found: {path}")
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
    finally:
        con.close()


# --------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------
def _rows(df, mask):
    from ._validation import row_labels
    return row_labels(df, mask)


#: d/m/y or m/d/y with "/", "." or "-" separators, optionally followed by a time.
_NUMERIC_DATE = r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-]\d{2,4}(?:[ T].*)?$"


def _parse_dates(df, col, problems):
    raw = df[col]
    if pd.api.types.is_datetime64_any_dtype(raw):
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


def _parse_number(df, col, problems, *, low=None, high=None, integer=False, nullable=True):
    raw = df[col]
    vals = pd.to_numeric(raw, errors="coerce")
    src = df.attrs.get("source")
    notnum = vals.isna() & raw.notna()
    if notnum.any():
        problems.append(DataError("values are not numbers", file=src, column=col,
                                  rows=_rows(df, notnum), values=list(raw[notnum])))
        # go on checking the numbers that are there, so every problem of the column is listed at once
    vals = vals.astype(float)
    if not nullable and (vals.isna() & ~notnum).any():
        miss = vals.isna() & ~notnum
        problems.append(DataError("values are missing (every row needs one)", file=src, column=col,
                                  rows=_rows(df, miss)))
    checks = {}
    if low is not None:
        checks[f"in_range({low}, {high})"] = pa.Check.in_range(low, high)
    if integer:
        checks["whole_number"] = pa.Check(lambda s: s == np.round(s), element_wise=False,
                                          name="whole_number")
    schema = pa.DataFrameSchema({col: pa.Column(float, list(checks.values()), nullable=True)})
    try:
        schema.validate(pd.DataFrame({col: vals}), lazy=True)
    except pa.errors.SchemaErrors as exc:
        fc = exc.failure_cases
        bad = pd.Series(False, index=df.index)
        idx = [i for i in fc["index"].tolist() if i is not None and not pd.isna(i)]
        bad.loc[pd.Index(idx).unique()] = True
        what = []
        if low is not None:
            what.append(f">= {low}" if high is None or high == np.inf else f"between {low} and {high}")
        if integer:
            what.append("whole numbers")
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


def _check_reference(df, col, known: set, what: str, problems):
    vals = df[col]
    bad = vals.notna() & ~vals.isin(known)
    if bad.any():
        problems.append(DataError(f"{what} not found", file=df.attrs.get("source"), column=col,
                                  rows=_rows(df, bad), values=list(vals[bad])))


def validate_programme(raw: dict, *, scales: dict | None = None) -> tuple[dict, list[DataError]]:
    """Type-convert and check raw tables; return ``(tables, problems)``.

    ``raw`` maps table names to frames of strings as returned by
    :func:`read_table` (after renaming to canonical columns).
    """
    scales = scales or {}
    ltr_lo, ltr_hi = scales.get("ltr", LTR_SCALE)
    d_lo, d_hi = scales.get("drivers", DRIVER_SCALE)
    problems: list[DataError] = []
    out: dict[str, pd.DataFrame] = {}
    for name, spec in TABLES.items():
        if name not in raw:
            if name in REQUIRED_TABLES:
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
        df = df.copy()
        df.attrs = dict(raw[name].attrs)
        for c in ("account_id", "contact_id", "invitation_id", "response_id"):
            if c in df.columns:
                df[c] = df[c].astype("string").str.strip().astype(object).where(df[c].notna(), None)
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
            for d in DRIVERS:
                if d in df:
                    df[d] = _parse_number(df, d, problems, low=d_lo, high=d_hi, integer=True)
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
        out[name] = df
    # referential integrity
    if "accounts" in raw and "account_id" in out["accounts"]:
        known = set(out["accounts"]["account_id"].dropna())
        for t in ("contacts", "invitations", "responses", "voc_interviews"):
            if t in raw and "account_id" in out[t]:
                _check_reference(out[t], "account_id", known, "accounts", problems)
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
        joined = inv.drop_duplicates("invitation_id").set_index("invitation_id")
        linked = r["invitation_id"].notna() & r["invitation_id"].isin(joined.index)
        if "wave" in r and pd.api.types.is_numeric_dtype(r["wave"]) and pd.api.types.is_numeric_dtype(inv["wave"]):
            iw = r["invitation_id"].map(joined["wave"])
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
            sent = r["invitation_id"].map(joined["sent_at"])
            bad = linked & r["responded_at"].notna() & sent.notna() & (r["responded_at"] < sent.dt.normalize())
            if bad.any():
                problems.append(DataError(
                    "responses dated before their invitation was sent", file=r.attrs.get("source"),
                    column="responded_at", rows=_rows(r, bad),
                    values=[f"{d:%Y-%m-%d} (sent {t:%Y-%m-%d})" for d, t in zip(r["responded_at"][bad], sent[bad])]))


def data_hash(paths) -> str:
    """SHA-256 over the bytes of the given files, in sorted order."""
    h = hashlib.sha256()
    for p in sorted({str(Path(p)) for p in paths}):
        h.update(Path(p).name.encode())
        h.update(Path(p).read_bytes())
    return h.hexdigest()


def load_programme(location) -> Programme:
    """Load and validate a programme.

    Parameters
    ----------
    location : str or Path
        A folder (with ``programme.yaml`` or canonical file names), a
        programme config file, or a ``.duckdb`` database.

    Returns
    -------
    Programme

    Raises
    ------
    ProgrammeError
        Listing every problem found, each with file, column, rows and values.

    Examples
    --------
    >>> import kapta_research as kr
    >>> from kapta_research.config import SAMPLE_DIR
    >>> prog = kr.load_programme(SAMPLE_DIR)
    >>> len(prog.accounts)
    300
    """
    location = Path(location)
    raw, scales, name = _raw_tables(location)
    tables, problems = validate_programme(raw, scales=scales)
    if problems:
        where = _config_path(location) or location
        problems = [p if p.file else DataError(p.message, file=str(where), column=p.column,
                                               rows=p.rows, values=p.values) for p in problems]
        raise ProgrammeError(problems)
    sources = {t: df.attrs.get("source", "") for t, df in raw.items()}
    files = {s.split("[")[0] for s in sources.values() if s}
    cfg_files = [location / n for n in CONFIG_NAMES if location.is_dir() and (location / n).is_file()]
    if location.is_file():
        cfg_files.append(location)
    drivers = [d for d in DRIVERS if d in tables["responses"].columns]
    for t in ("responses", "invitations"):
        if "wave" in tables[t] and len(tables[t]):
            tables[t]["wave"] = tables[t]["wave"].astype("int64")
    for t, df in tables.items():
        df.attrs = {"source": sources.get(t, f"<{t}>")}
        if t in raw and "file_rows" in raw[t].attrs and len(raw[t]) == len(df):
            df.attrs["file_rows"] = raw[t].attrs["file_rows"]
    supplied = {t: frozenset(c for c in df.columns if c in TABLES[t]["columns"]) for t, df in raw.items()}
    drivers = [d for d in drivers if d in supplied["responses"]]
    return Programme(**tables, name=name, drivers=drivers, supplied=supplied, load_notes={},
                     driver_scale=tuple(scales.get("drivers", DRIVER_SCALE)),
                     ltr_scale=tuple(scales.get("ltr", LTR_SCALE)), sources=sources,
                     data_hash=data_hash([*files, *map(str, cfg_files)]), location=str(location))


def load_sample() -> Programme:
    """Load the bundled synthetic programme (``data/sample``).

    Examples
    --------
    >>> import kapta_research as kr
    >>> prog = kr.load_sample()
    >>> bool(prog.responses["ltr"].between(0, 10).all())
    True
    """
    from .config import SAMPLE_DIR
    return load_programme(SAMPLE_DIR)
