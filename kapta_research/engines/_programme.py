"""Programme tables read through an engine (Parquet files/globs, Spark, Ibis URLs).

The tables are read by the engine (DuckDB for Parquet, the Spark session, the
Ibis backend of a URL), only the canonical columns the programme model knows,
and then checked by the same validators as a CSV export; the estimators that
accept engine tables (:func:`kapta_research.nps.nps`) can also be given the
engine tables directly (:func:`connect`).
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from ._tables import connect


def raw_tables(location: str, *, lazy: bool = True):
    """What ``io.programme._raw_tables`` returns, for an engine location, plus the engine's name.

    With ``lazy``, the responses stay in the engine when loading would not change a row
    (:func:`kapta_research.engines._lazy.defer_reason`); they are then absent from ``raw``.

    Returns
    -------
    (raw, specs, scales, name, notes, dropped, engine, data_hash, engine_tables, deferred)
        ``engine_tables``: table name -> the Ibis table (the rows stay in the engine);
        ``deferred``: ``{"responses": (table, spec)}`` when the responses were not read, or
        ``{"responses": reason}`` when they could not stay (``{}`` without ``lazy``).
    """
    from ..io.config import TableSpec
    from ..io.mapping import apply_spec
    from ..io.programme import ProgrammeError
    from ..schema import TABLES
    from ._lazy import content_hash, defer_reason
    src = connect(location)
    raw, specs, problems, in_engine, deferred = {}, {}, [], {}, {}
    h = hashlib.sha256()
    names = [t for t in TABLES if t in src.tables and t != "responses"] + (
        ["responses"] if "responses" in src.tables else [])
    for name in names:
        t = src.table(name)
        in_engine[name] = t
        specs[name] = TableSpec(name=name, table=name)
        if name == "responses" and lazy:
            why = defer_reason(t, raw)
            if not why:
                deferred[name] = (t, specs[name])
                h.update(name.encode())
                h.update(content_hash(t).encode())
                continue
            deferred[name] = why
        table = fetch_raw(t, f"{src.tables[name]} ({src.engine})")
        h.update(name.encode())
        h.update(pd.util.hash_pandas_object(table.frame, index=False).to_numpy().tobytes())
        raw[name] = apply_spec(table, specs[name], problems)
    if problems:
        raise ProgrammeError(problems)
    if "responses" not in in_engine:
        from ..errors import DataError
        raise DataError(f"no responses table in {location} (tables: {', '.join(sorted(src.tables)) or 'none'})",
                        file=location)
    name = Path(location.split("://")[-1].rstrip("/")).stem or location
    return raw, specs, {}, name, {}, {}, src.engine, h.hexdigest(), in_engine, deferred


def fetch_raw(t, source: str):
    """An engine table as the loader's raw table (text cells, spreadsheet row numbers)."""
    from ..io.read import FileRows, RawTable, _strings
    # integers become text in the engine: pandas would read an integer column with nulls as floats
    # ("16.0"), and an id would no longer match its account or contact
    ints = {c: t[c].cast("string") for c in t.columns if t[c].type().is_integer()}
    if ints:
        t = t.mutate(**ints)
    df = _strings(t.execute()).reset_index(drop=True)
    df.columns = [str(c).strip() for c in df.columns]
    df.attrs = {"source": source, "file_rows": FileRows(df.index, np.arange(2, len(df) + 2))}
    return RawTable(df, typed=True)


#: TableSpec fields that only say where a table is; any other non-default field transforms the rows
_WHERE = ("name", "file", "table", "sheet", "columns")


def canonical_reason(t, spec) -> str:
    """Why the engine table ``t`` cannot stand for the loader's table of ``spec`` under canonical names
    (the loader applies what the spec asks in pandas), or ``""``."""
    import dataclasses

    from ..io.config import TableSpec
    default = TableSpec(name=spec.name)
    changed = [f.name for f in dataclasses.fields(spec)
               if f.name not in _WHERE and getattr(spec, f.name) != getattr(default, f.name)]
    if changed:
        return f"the programme config sets {', '.join(changed)} for the {spec.name} table, which the loader applies"
    padded = [c for c in t.columns if c != c.strip()]
    if padded:
        return f"column names with spaces around them ({', '.join(map(repr, padded[:3]))})"
    cols = spec.columns or {}
    if cols:
        if any(str(k) not in t.columns for k in cols):
            return "the columns mapping names columns by another spelling (matched by the loader)"
        targets = list(cols.values())
        if len(set(targets)) < len(targets) or any(
                new in t.columns and old != new for old, new in cols.items()):
            return "the columns mapping maps onto a name the table has already"
    return ""


def canonical(t, spec):
    """The engine table under canonical column names, when the spec only renames columns that it
    names exactly (else None, :func:`canonical_reason`: the loader applies the spec in pandas)."""
    if canonical_reason(t, spec):
        return None
    from ._tables import _SOURCES, describe
    renames = {new: old for old, new in (spec.columns or {}).items() if old != new}
    if not renames:
        return t
    out = t.rename(renames)
    _SOURCES[out.op()] = describe(t)
    return out


class ConfigEngine:
    """The ``engine:`` of a programme config: where its tables are read (and kept) by an engine.

    ``duckdb``: Parquet files and tables of the config's ``database`` are opened
    in an embedded DuckDB as well (CSV and Excel files are read by the loader
    only); ``spark:`` / a connection URL: every table is a table of that engine,
    named by the table's ``table:`` (default: its canonical name).
    """

    def __init__(self, engine: str, folder: Path, database: str | None, config: Path):
        self.engine, self.folder, self.database, self.config = engine, folder, database, config
        self._h, self._used = hashlib.sha256(), False
        if engine == "duckdb":
            from ._tables import duckdb_connection
            self.src, self.con = None, duckdb_connection()
            self.db = connect(folder / database) if database else None
        else:
            self.src = connect(engine)
            self.con, self.db = self.src.con, None

    def digest(self, name: str, frame: pd.DataFrame) -> None:
        """Add a table read by the engine to the content hash (the run manifest's data hash)."""
        self._h.update(name.encode())
        self._h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
        self._used = True

    def digest_text(self, name: str, text: str) -> None:
        """Add a table kept in the engine (its :func:`~kapta_research.engines._lazy.content_hash`)."""
        self._h.update(name.encode())
        self._h.update(text.encode())
        self._used = True

    def hexdigest(self) -> str:
        return self._h.hexdigest() if self._used else ""

    @property
    def name(self) -> str:
        from ._tables import engine_version
        return engine_version(self.con)

    def reads(self, spec) -> bool:
        """Whether the engine (not the file reader) reads this table."""
        return self.src is not None

    def table(self, spec):
        """The Ibis table of ``spec`` (None when the engine does not hold it)."""
        from ..errors import DataError
        from ._tables import _SOURCES
        if self.src is not None:
            name = spec.table or spec.name
            if name not in self.src.tables:
                raise DataError(f"no table {name!r} for the {spec.name} table in {self.engine} (engine: of the "
                                f"programme config). Tables: {', '.join(sorted(self.src.tables)) or 'none'}",
                                file=str(self.config))
            return self.src.table(name)
        if spec.file and (spec.file.lower().endswith(".parquet") or (self.folder / spec.file).is_dir()):
            where = self.folder / spec.file
            from ._tables import read_parquet
            t = read_parquet(self.con, str(where / "*.parquet") if where.is_dir() else str(where))
            _SOURCES[t.op()] = f"{self.folder / spec.file} ({self.name})"
            return t
        if spec.table and self.db is not None and spec.table in self.db.tables:
            return self.db.table(spec.table)
        return None
