"""The :class:`Programme` and :func:`load_programme`: from a folder or config to validated tables.

Loading is: read each table (:mod:`.read`, vendor layouts in :mod:`.formats`),
map its columns and labels (:mod:`.mapping`), then programme-wide steps
(:mod:`.link`: waves from dates or period labels, 15- vs 18-character account
ids, accounts taken from contacts, responses linked to invitations), then
type conversion and checks (:mod:`.validate`).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .._validation import FileRows, file_rows_of
from ..errors import DataError
from ..schema import DRIVER_SCALE, DRIVERS, LTR_SCALE, RESPONDENT_JOINS, TABLES
from . import link
from .config import CONFIG_NAMES, TableSpec, load_config
from .mapping import apply_spec, name_export_columns
from .read import read_raw
from .validate import validate_programme

__all__ = ["Programme", "ProgrammeError", "load_programme", "load_sample", "data_hash"]

READ_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xls", ".parquet")


def _empty_table(name: str) -> pd.DataFrame:
    from ..schema import empty_column
    return pd.DataFrame({c: empty_column(name, c) for c in TABLES[name]["columns"]})


class ProgrammeError(DataError):
    """One or more problems in a programme's files.

    ``problems`` holds every :class:`~kapta_research.errors.DataError` found;
    the message lists them all.
    """

    def __init__(self, problems: list[DataError]):
        self.problems = problems
        first = problems[0]
        super().__init__(first.message, file=first.file, column=first.column,
                         rows=first.rows, values=first.values,
                         export_column=getattr(first, "export_column", None))
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
    accounts, contacts, invitations, responses, followups, voc_interviews, employees : DataFrame
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
    wave_labels : dict of int to str
        Wave number -> period label ("2024-Q1") when waves were derived from
        dates (``wave: {from: ...}``) or read as period labels; else empty.
    load_notes : dict of str to dict of str to int
        Per table, counts of what loading did to the file's rows (a table
        appears only when something happened; ``{}`` when nothing did):

        - ``dropped_preview`` -- survey-preview responses dropped (Qualtrics
          ``Status`` / ``DistributionChannel`` "preview");
        - ``dropped_test`` -- Qualtrics test responses dropped (``Status``
          "Survey Test" / 2, ``DistributionChannel`` "test");
        - ``dropped_unfinished`` -- unfinished responses dropped (Qualtrics
          ``Finished`` false; kept with ``keep_unfinished: true``);
        - ``dropped_footer_rows`` -- report footer lines dropped
          (``format: salesforce_report``: "Grand Totals ...", "Confidential
          Information", "Gesamtsummen ...", any one-cell row below the data;
          their texts are in ``dropped_rows``);
        - ``dropped_blank_rows`` -- empty lines dropped;
        - ``linked_to_invitations`` / ``not_linked`` -- responses without an
          ``invitation_id`` that were (not) linked to an invitation by
          contact and wave;
        - ``ids_matched_15_to_18`` -- 15-character Salesforce account ids
          matched to their 18-character form;
        - ``account_from_contact`` -- responses whose blank account id was
          taken from their contact (or invitation).
    dropped_rows : dict of str to list of (int, str)
        Per table, the report footer rows dropped: (row of the file as a
        spreadsheet shows it, the row's text), so that ``validate`` can show
        what was dropped; ``{}`` when none was.
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
    dropped_rows: dict = field(default_factory=dict)
    wave_labels: dict = field(default_factory=dict)
    #: table -> canonical columns that came from the user's data (see :meth:`provided`); when a
    #: Programme is built directly from frames, tables with rows and their non-empty columns
    supplied: dict = field(default_factory=dict)
    #: the optional employee NPS survey (last, with a default, so Programme(accounts=..., ...) still works)
    employees: pd.DataFrame = field(default_factory=lambda: _empty_table("employees"))
    #: the engine that read the data and its version ("duckdb 2.0.0", "pyspark 4.3.0"); "" for pandas
    engine: str = ""
    #: person names an export carried in columns the loader drops (Qualtrics RecipientFirstName /
    #: RecipientLastName, SurveyMonkey First Name / Last Name): kept only so that comment
    #: scrubbing can remove them; never written to a table
    person_names: tuple = ()
    #: table name -> the same table in its engine (an Ibis table) when an engine read the data
    #: (Parquet, a DuckDB file, Spark, an engine URL); statistics that accept engine tables use
    #: these, so the rows stay in the engine (:mod:`kapta_research.engines`)
    engine_tables: dict = field(default_factory=dict, compare=False)

    #: why responses read by an engine were read into memory after all ("" when they stayed, or
    #: when no engine read them; see :func:`load_programme`)
    engine_note: str = ""

    def __post_init__(self):
        if not self.supplied:  # built by hand (e.g. from simulate): a table with rows counts as given
            self.supplied = {t: frozenset(c for c in TABLES[t]["columns"]
                                          if c in getattr(self, t) and getattr(self, t)[c].notna().any())
                             for t in TABLES if len(getattr(self, t))}

    def __repr__(self) -> str:
        # Never print the tables: contacts hold names and e-mail addresses.
        counts = ", ".join(f"{t}={self.n_rows(t)}" for t in TABLES)
        return f"<Programme {self.name!r} at {self.location!r}: {counts}>"

    def table(self, name: str) -> pd.DataFrame:
        return getattr(self, name)

    @property
    def in_engine(self) -> bool:
        """Whether the responses are still in their engine (not read into pandas; see :func:`load_programme`)."""
        from ..engines._lazy import Deferred
        return isinstance(self.__dict__.get("_responses"), Deferred)

    def _rows_of(self, table: str):
        """The table, or the engine's view of the responses while they stay there (never reads them)."""
        if table == "responses" and self.in_engine:
            return self.__dict__["_responses"]
        return getattr(self, table)

    def n_rows(self, table: str) -> int:
        """Rows of ``table`` (counted in the engine when the responses are there)."""
        return len(self._rows_of(table))

    def has_values(self, table: str, column: str) -> bool:
        """Whether ``table.column`` holds any non-missing value (asked of the engine for its responses).

        Examples
        --------
        >>> import kapta_research as kr
        >>> kr.load_sample().has_values("responses", "invitation_id")
        True
        """
        rows = self._rows_of(table)
        if column not in rows.columns:
            return False
        if isinstance(rows, pd.DataFrame):
            return bool(rows[column].notna().any())
        v = rows.view
        return bool(v.aggregate(n=v[column].count()).execute()["n"].iloc[0] > 0)

    def answered_invitations(self) -> set:
        """Invitation ids that a response names (one distinct-query when the responses are in an engine)."""
        rows = self._rows_of("responses")
        if "invitation_id" not in rows.columns:
            return set()
        if isinstance(rows, pd.DataFrame):
            return set(rows["invitation_id"].dropna())
        v = rows.view
        return set(v.filter(v.invitation_id.notnull()).select("invitation_id").distinct()
                   .execute()["invitation_id"])

    def response_waves(self, waves=None) -> list:
        """The waves the responses cover (restricted to ``waves`` when given), sorted.

        Examples
        --------
        >>> import kapta_research as kr
        >>> kr.load_sample().response_waves([1, 2, 99])
        [1, 2]
        """
        rows = self._rows_of("responses")
        if isinstance(rows, pd.DataFrame):
            w = rows["wave"].dropna()
            found = w.unique()
        else:
            v = rows.view
            found = v.filter(v.wave.notnull()).select("wave").distinct().execute()["wave"].to_numpy()
        found = sorted(int(x) for x in found)
        return [w for w in found if w in set(waves)] if waves else found

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
            from ..errors import ParameterError
            raise ParameterError(f"The 'table' parameter of provided must be one of {', '.join(TABLES)}. "
                                 f"Got {table!r} instead.")
        if table not in self.supplied:
            return False
        return True if column is None else column in self.supplied[table]

    def respondents(self, *, waves=None, require=(), where=None, engine: bool = False) -> pd.DataFrame:
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
        engine : bool, default False
            When the responses are still in their engine (:attr:`in_engine`),
            return the engine table instead of a DataFrame: the join and the
            filters are an Ibis expression and no row is read, for the
            functions that take engine tables (:func:`kapta_research.nps.nps`,
            ``compare``, ``group_gaps``, ``kr.drivers.relative_importance``,
            ``importance_performance``, ``transition_drivers``,
            :func:`kapta_research.studies.last_waves`).  A DataFrame otherwise.

        Returns
        -------
        DataFrame (or an Ibis table, see ``engine``)
            The responses columns plus ``segment``, ``region``, ``industry``,
            ``annual_value`` (from accounts) and ``role`` (from contacts).

        Examples
        --------
        >>> import kapta_research as kr
        >>> r = kr.load_sample().respondents()
        >>> {"segment", "role", "ltr"} <= set(r.columns)
        True
        """
        if not isinstance(engine, bool):
            from ..errors import ParameterError
            raise ParameterError(f"The 'engine' parameter of respondents must be a bool. Got {engine!r} instead.")
        if engine and self.in_engine:
            return self._engine_respondents(waves=waves, require=require, where=where)
        out = self.responses.copy()
        file_rows = file_rows_of(self.responses)
        out["__file_row"] = file_rows if file_rows is not None else np.nan
        acc_cols = [c for c in RESPONDENT_JOINS["accounts"] if c in self.accounts]
        out = out.merge(self.accounts[["account_id", *acc_cols]], on="account_id", how="left")
        if len(self.contacts) and "role" in self.contacts and "contact_id" in out:
            out = out.merge(self.contacts[["contact_id", "role"]], on="contact_id", how="left")
        out.attrs["source"] = self.sources.get("responses", "<responses>")
        if waves:
            _check_waves(waves, sorted(int(w) for w in out["wave"].unique()))
            out = out[out["wave"].isin(list(waves))].reset_index(drop=True)
        where = _check_columns(self.location, require, where, out.columns)
        for col, keep in where.items():
            keep = _check_where_values(self.location, col, keep, out[col].dropna().astype(str))
            out = out[out[col].astype(str).isin(keep)].reset_index(drop=True)
        # keep spreadsheet row numbers so that errors on this frame point at the file's rows
        rows = out.pop("__file_row")
        out.attrs = {"source": self.sources.get("responses", "<responses>")}
        if rows.notna().all():
            out.attrs["file_rows"] = FileRows(out.index, rows.to_numpy())
        return out



def _check_waves(waves, known) -> None:
    """The ``waves`` filter of :meth:`Programme.respondents` names only waves with responses."""
    from ..errors import ParameterError
    unknown = [w for w in waves if w not in known]
    if unknown:
        raise ParameterError(f"The 'waves' parameter names waves {unknown} that have no responses. "
                             f"Waves in the data: {list(known)}.")


def _check_columns(location, require, where, columns) -> dict:
    """The non-empty ``where`` filters, once every required or filtered column is among ``columns``."""
    from ..errors import ParameterError
    where = {k: v for k, v in (where or {}).items() if v}
    missing = [c for c in [*require, *where] if c not in columns]
    if missing:
        raise ParameterError(f"No column {', '.join(map(repr, missing))} in the responses or accounts of "
                             f"{location}. Available: {', '.join(map(str, columns))}.")
    return where


def _check_where_values(location, col, keep, present) -> list[str]:
    """The ``where`` values for ``col`` as text, once each is among the values ``present`` in the data."""
    from ..errors import ParameterError
    keep = [keep] if isinstance(keep, str) or np.ndim(keep) == 0 else list(keep)   # one value or several
    known = set(present)
    unknown = [k for k in keep if str(k) not in known]
    if unknown:
        raise ParameterError(f"No {col} called {', '.join(map(repr, unknown))} in {location}. "
                             f"Known: {', '.join(sorted(known))}.")
    return [str(k) for k in keep]



def _engine_respondents(self, *, waves, require, where):
    """:meth:`Programme.respondents` as an Ibis expression over the responses kept in the engine."""
    import ibis

    from ..engines._tables import _SOURCES
    v = self.__dict__["_responses"].view
    acc_cols = [c for c in RESPONDENT_JOINS["accounts"] if c in self.accounts]
    acc = self.accounts[["account_id", *acc_cols]].drop_duplicates("account_id")
    if len(acc):
        m = ibis.memtable(pd.DataFrame({c: acc[c].to_numpy(object if c != "annual_value" else float)
                                        for c in acc.columns}))
        out = v.left_join(m, v.account_id == m.account_id).drop("account_id_right")
    else:
        out = v.mutate(**{c: ibis.null().cast("float64" if c == "annual_value" else "string") for c in acc_cols})
    if len(self.contacts) and "role" in self.contacts and "contact_id" in out.columns:
        roles = self.contacts[["contact_id", "role"]].drop_duplicates("contact_id")
        m = ibis.memtable(pd.DataFrame({c: roles[c].to_numpy(object) for c in roles.columns}))
        out = out.left_join(m, out.contact_id == m.contact_id).drop("contact_id_right")
    if waves:
        _check_waves(waves, self.response_waves())
        out = out.filter(out.wave.isin([int(w) for w in waves]))
    where = _check_columns(self.location, require, where, out.columns)
    for col, keep in where.items():
        present = out.filter(out[col].notnull()).select(col).distinct().execute()[col].astype(str)
        keep = _check_where_values(self.location, col, keep, present)
        out = out.filter(out[col].cast("string").isin(keep))
    _SOURCES[out.op()] = self.sources.get("responses", "<responses>")
    return out


Programme._engine_respondents = _engine_respondents


class _Responses:
    """``Programme.responses``: the frame; responses kept in an engine are read at first use."""

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        rows = obj.__dict__["_responses"]
        from ..engines._lazy import Deferred
        if isinstance(rows, Deferred):
            rows = obj.__dict__["_responses"] = rows.load()
        return rows

    def __set__(self, obj, value):
        obj.__dict__["_responses"] = value


Programme.responses = _Responses()


def _find_default(folder: Path, name: str) -> Path | None:
    for suf in READ_SUFFIXES:
        p = folder / f"{name}{suf}"
        if p.is_file():
            return p
    if (folder / name).is_dir() and any((folder / name).glob("*.parquet")):   # responses/part-*.parquet
        return folder / name
    return None

def _default_specs(folder: Path, db: str | None, *, configured: bool) -> tuple[dict, str | None]:
    """Tables of a programme whose config lists none: the folder's ``<table>.csv`` / ``.xlsx`` /
    ``.parquet`` files, and the canonically named tables of its DuckDB database — the config's
    ``database``, or else the folder's only ``.duckdb`` file when no responses file is there (not a
    ``.db`` file: SQLite and Windows' Thumbs.db use that suffix too).
    A table in both is read from the file.  Returns the specs and the database used (or None)."""
    files = {t: TableSpec(name=t, file=p.name) for t in TABLES if (p := _find_default(folder, t)) is not None}
    if db is None and not configured and "responses" not in files:
        found = sorted(p.name for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".duckdb")
        db = found[0] if len(found) == 1 else None
    if db is None:
        return files, None
    tables = _duckdb_tables(folder / db)
    return {**{t: TableSpec(name=t, table=t) for t in TABLES if t in tables}, **files}, db



def _config_path(location: Path) -> Path | None:
    """The programme config in effect for ``location`` (None for a bare folder or database)."""
    if location.is_dir():
        return next((location / n for n in CONFIG_NAMES if (location / n).is_file()), None)
    return location if location.suffix.lower() in (".yaml", ".yml", ".toml") else None


def _duckdb_tables(path: Path) -> set:
    from .read import open_duckdb
    if not path.is_file():
        raise DataError(f"database not found: {path}")
    con = open_duckdb(path)
    try:
        return {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
    finally:
        con.close()


def _raw_tables(location: Path, *, lazy: bool = True) -> tuple[dict, dict, dict, str, dict, dict, tuple]:
    """Return ({table: raw frame}, {table: TableSpec}, scales, name, {table: notes},
    {table: dropped footer rows}, (engine name, {table: engine table}, engine hash, deferred)) for a
    location; the last is ``("", {}, "", {})`` unless an engine reads a table (an ``engine:`` in the
    config, or responses in Parquet or a DuckDB database).  ``deferred`` is as in
    :func:`kapta_research.engines._programme.raw_tables`."""
    cfg: dict = {"tables": {}}
    folder = location
    cfg_path = _config_path(location)
    if cfg_path is not None:
        cfg = load_config(cfg_path)
        folder = cfg_path.parent
    elif location.suffix.lower() in (".duckdb", ".db"):
        if not location.is_file():
            raise DataError(f"database not found: {location}", file=str(location))
        cfg = {"database": location.name, "tables": {t: TableSpec(name=t, table=t) for t in TABLES
                                                     if t in _duckdb_tables(location)}}
        folder = location.parent
    elif not location.exists():
        raise DataError(f"no programme at {location}: give a folder, a programme.yaml or a .duckdb file")
    elif not location.is_dir():
        raise DataError(f"cannot read a programme from {location}: give a folder, a programme.yaml "
                        "or a .duckdb file")
    db = cfg.get("database")
    specs = cfg.get("tables") or {}
    if not specs:
        specs, db = _default_specs(folder, db, configured=cfg_path is not None)
    raw, notes, dropped, problems = {}, {}, {}, []
    eng, in_engine, deferred = None, {}, {}
    engine = cfg.get("engine")
    resp = specs.get("responses")
    if not engine and lazy and resp is not None and (
            (resp.file or "").lower().endswith(".parquet") or (resp.table and db)
            or (resp.file and (folder / resp.file).is_dir())):
        engine = "duckdb"   # responses in Parquet or a DuckDB database: read them where they are
    if engine:
        from ..engines._programme import ConfigEngine, canonical, canonical_reason, fetch_raw
        eng = ConfigEngine(engine, folder, db, cfg_path)
    # the responses last: whether they can stay in the engine depends on the other tables
    for t, spec in sorted(specs.items(), key=lambda kv: kv[0] == "responses"):
        et = eng.table(spec) if eng is not None else None
        if et is not None and t == "responses" and lazy and (why := canonical_reason(et, spec)):
            deferred[t] = why
        if et is not None and (c := canonical(et, spec)) is not None:
            in_engine[t] = c
            if t == "responses" and lazy:
                from ..engines._lazy import defer_reason
                why = defer_reason(c, raw)
                deferred[t] = (c, spec) if not why else why
                if not why:
                    from ..engines._lazy import content_hash
                    eng.digest_text(t, content_hash(c))
                    continue
        if eng is not None and eng.reads(spec):
            table = fetch_raw(et, f"{spec.table or t} ({eng.name})")
            eng.digest(t, table.frame)
        elif spec.file:
            if not (folder / spec.file).is_file() and not (folder / spec.file).is_dir():
                raise DataError(f"file not found for the {t} table (tables: {t}: {spec.file}). "
                                f"Files in {folder}: {', '.join(sorted(f.name for f in folder.iterdir()))}",
                                file=str(folder / spec.file))
            table = read_raw(folder / spec.file, spec)
        elif spec.table and db:
            dbpath = folder / db
            table = read_raw(dbpath, spec)
        else:
            raise DataError(f"table {t!r} in the programme config needs 'file' (or 'table' with 'database')")
        raw[t] = apply_spec(table, spec, problems)
        if table.notes:
            notes[t] = dict(table.notes)
        if table.dropped:
            dropped[t] = list(table.dropped)
    if problems:
        raise ProgrammeError(name_export_columns(problems, raw.values()))
    scales = cfg.get("scales") or {}
    return (raw, specs, scales, str(cfg.get("name") or location.name), notes, dropped,
            (eng.name if eng is not None else "", in_engine, eng.hexdigest() if eng is not None else "",
             deferred))


def data_hash(paths) -> str:
    """SHA-256 over the bytes of the given files, in sorted order."""
    h = hashlib.sha256()
    for p in sorted({str(Path(p)) for p in paths}):
        h.update(Path(p).name.encode())
        h.update(Path(p).read_bytes())
    return h.hexdigest()


def load_programme(location, *, lazy: bool = True) -> Programme:
    """Load and validate a programme.

    Parameters
    ----------
    location : str or Path
        A folder (with ``programme.yaml`` or canonical file names), a
        programme config file, a ``.duckdb`` database, a Parquet file or glob
        (the responses), ``spark:`` or an Ibis connection URL.
    lazy : bool, default True
        Responses read by an engine (Parquet, DuckDB, Spark, a URL) stay
        there when loading would not change a row: they are checked by
        queries in the engine and read into pandas only when a statistic that
        needs the rows asks for :attr:`Programme.responses`
        (:mod:`kapta_research.engines._lazy`; ``Programme.in_engine`` tells
        whether they stayed and ``Programme.engine_note`` why not).  With
        ``False`` every table is read into pandas at once.

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
    if not isinstance(lazy, bool):
        from ..errors import ParameterError
        raise ParameterError(f"The 'lazy' parameter of load_programme must be a bool. Got {lazy!r} instead.")
    engine, engine_hash, in_engine = "", "", {}
    if _engine_location(location):   # Parquet file/glob, spark:, an engine URL: read by an engine
        from ..engines._programme import raw_tables as engine_tables
        (raw, specs, scales, name, notes, dropped, engine, engine_hash, in_engine,
         deferred) = engine_tables(str(location), lazy=lazy)
        location = Path(str(location)) if "://" not in str(location) else str(location)
    else:
        location = Path(location)
        raw, specs, scales, name, notes, dropped, (engine, in_engine, engine_hash, deferred) = _raw_tables(
            location, lazy=lazy)
        if not engine and (location.suffix.lower() in (".duckdb", ".db")
                           or any(".duckdb[" in str(df.attrs.get("source", "")) for df in raw.values())):
            engine = f"duckdb {_dist_version('duckdb')}"
    kept = {t: v for t, v in deferred.items() if isinstance(v, tuple)}
    problems: list[DataError] = []
    wave_labels = link.prepare(raw, specs, notes, problems)
    tables, more = validate_programme(raw, scales=scales, deferred=tuple(kept))
    problems += more
    if "responses" in kept:
        from ..engines._lazy import check_responses
        problems += check_responses(kept["responses"][0], tables, scales=scales, provided=frozenset(raw))
    if problems:
        where = _config_path(location) or location
        problems = [p if p.file else DataError(p.message, file=str(where), column=p.column,
                                               rows=p.rows, values=p.values) for p in problems]
        raise ProgrammeError(name_export_columns(problems, raw.values()))
    sources = {t: df.attrs.get("source", "") for t, df in raw.items()}
    files = {f for s in sources.values() if s and Path(f := s.split("[")[0]).is_file()}
    at_engine = _engine_location(location)   # a Parquet file/glob, spark:, a URL: the engine's hash only
    cfg_files = [] if at_engine else [location / n for n in CONFIG_NAMES
                                      if location.is_dir() and (location / n).is_file()]
    if not at_engine and location.is_file():
        cfg_files.append(location)
    for t in ("responses", "invitations"):
        if t not in kept and "wave" in tables[t] and len(tables[t]):
            tables[t]["wave"] = tables[t]["wave"].astype("int64")
    for t, df in tables.items():
        df.attrs = {"source": sources.get(t, f"<{t}>")}
        if t in raw and "file_rows" in raw[t].attrs:
            df.attrs["file_rows"] = raw[t].attrs["file_rows"]
    supplied = {t: frozenset(c for c in df.columns if c in TABLES[t]["columns"]) for t, df in raw.items()}
    note = ""
    if "responses" in kept:
        from ..engines._lazy import Deferred
        from ..engines._tables import describe
        et, spec = kept["responses"]
        sources["responses"] = describe(et)
        supplied["responses"] = frozenset(c for c in et.columns if c in TABLES["responses"]["columns"])
        tables["responses"] = Deferred(et, spec, scales=scales, source=sources["responses"])
        # the statistics that take Programme.engine_tables (response rates, churn snapshots) get the
        # responses as the loader types them and the other tables as validated (in-memory tables joined
        # in the engine): never a raw table whose ids, waves or links the loader would have changed
        from ..engines._churn import _memtable
        in_engine = {"responses": tables["responses"].view,
                     **{t: _memtable(tables[t]) for t in ("invitations", "followups", "contacts") if t in raw}}
    else:
        in_engine = {}
        if isinstance(deferred.get("responses"), str):
            note = f"The responses were read into memory: {deferred['responses']}."
    drivers = [d for d in DRIVERS if d in supplied.get("responses", ())]
    person_names = tuple(dict.fromkeys(n for df in raw.values() for n in df.attrs.get("person_names", ())))
    return Programme(**tables, name=name, drivers=drivers, supplied=supplied, load_notes=notes,
                     dropped_rows=dropped, wave_labels=wave_labels, person_names=person_names,
                     driver_scale=tuple(scales.get("drivers", DRIVER_SCALE)),
                     ltr_scale=tuple(scales.get("ltr", LTR_SCALE)), sources=sources,
                     data_hash=_combined_hash(engine_hash, [*files, *map(str, cfg_files)]),
                     location=str(location), engine=engine, engine_tables=in_engine, engine_note=note)


def _combined_hash(engine_hash: str, files) -> str:
    """The files' hash, or the engine's content hash (tables read by an engine), or both combined."""
    if not engine_hash:
        return data_hash(files)
    if not files:
        return engine_hash
    return hashlib.sha256((engine_hash + data_hash(files)).encode()).hexdigest()


def _engine_location(location) -> bool:
    """Engine data (issue 13): a Parquet file or glob, ``spark:``, an Ibis URL (not a folder or config)."""
    from ..engines._tables import is_engine_location
    return is_engine_location(location) and not Path(str(location)).is_dir()


def _dist_version(dist: str) -> str:
    from importlib.metadata import version
    return version(dist)


def load_sample() -> Programme:
    """Load the bundled synthetic programme (``data/sample``).

    Examples
    --------
    >>> import kapta_research as kr
    >>> prog = kr.load_sample()
    >>> bool(prog.responses["ltr"].between(0, 10).all())
    True
    """
    from ..config import SAMPLE_DIR
    return load_programme(SAMPLE_DIR)
