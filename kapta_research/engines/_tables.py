"""Data locations as engine tables: DuckDB files, Parquet files/folders/globs, Spark, Ibis URLs."""
from __future__ import annotations

import glob as _glob
import weakref
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from ..errors import DataError, ParameterError
from ..io.read import DUCKDB_CONFIG

#: ``--data`` / ``engine:`` prefixes understood besides paths: a local Spark session and Ibis URLs.
ENGINE_SCHEMES = ("spark:",)
_SPARK_CONF = {"spark.ui.enabled": "false", "spark.sql.shuffle.partitions": "4",
               "spark.sql.session.timeZone": "UTC", "spark.ui.showConsoleProgress": "false"}
class WeakEqualMap:
    """A map from Ibis operations to values that lives only as long as the operations do.

    Ibis operations compare equal by value, yet two equal ones are distinct objects (the same
    ``respondents(engine=True)`` built twice).  A :class:`weakref.WeakKeyDictionary` keeps the
    first key only and drops the entry when *that* object goes, while an equal table is still in
    use; here every registered object keeps the entry alive until the last of them is collected.
    """

    def __init__(self):
        self._buckets: dict = {}   # hash(op) -> list of [weakref to op, value]

    def __setitem__(self, op, value) -> None:
        h = hash(op)
        bucket = self._buckets.setdefault(h, [])
        for ref in bucket:
            if ref[0]() is op:
                ref[1] = value
                return
        bucket.append([weakref.ref(op, lambda r, h=h: self._drop(h, r)), value])

    def _drop(self, h, dead) -> None:
        bucket = [ref for ref in self._buckets.get(h, ()) if ref[0] is not dead]
        if bucket:
            self._buckets[h] = bucket
        else:
            self._buckets.pop(h, None)

    def get(self, op, default=None):
        for ref, value in self._buckets.get(hash(op), ()):
            other = ref()
            if other is not None and (other is op or other == op):
                return value
        return default

    def __getitem__(self, op):
        value = self.get(op, _MISSING)
        if value is _MISSING:
            raise KeyError(op)
        return value

    def __contains__(self, op) -> bool:
        return self.get(op, _MISSING) is not _MISSING

    def __len__(self) -> int:
        return sum(len(b) for b in self._buckets.values())


_MISSING = object()
#: where each engine table came from (for error messages): op -> "lake/*.parquet (duckdb 2.0.0)"; an
#: entry goes when no expression holds an equal table any more
_SOURCES = WeakEqualMap()


@dataclass
class EngineSource:
    """An opened data location: its Ibis connection, its tables and how to name it in messages.

    Attributes
    ----------
    kind : {"duckdb", "parquet", "spark", "url"}
    location : str
        As the user gave it.
    con : ibis backend
    tables : dict of str to str
        Table name -> where it is read from (a Parquet path/glob, or the table's own name).
    """
    kind: str
    location: str
    con: object
    tables: dict = field(default_factory=dict)

    def table(self, name: str):
        """The Ibis table ``name`` (a Parquet file or folder is read lazily, never into Python)."""
        if name not in self.tables:
            raise DataError(f"no table {name!r} in {self.location}. Tables: {', '.join(sorted(self.tables)) or 'none'}",
                            file=self.location)
        where = self.tables[name]
        if self.kind == "parquet":
            t = read_parquet(self.con, where)
        else:
            t = self.con.table(where)
        # a database's table is named with its database, as the loader names it ("lake.duckdb[responses]")
        label = f"{self.location}[{where}]" if self.kind in ("duckdb", "url") else where
        _SOURCES[t.op()] = f"{label} ({self.engine})"
        return t

    @property
    def engine(self) -> str:
        """Engine name and version, e.g. ``"duckdb 2.0.0"`` (recorded in the run manifest)."""
        return engine_version(self.con)


def read_parquet(con, where: str):
    """``con.read_parquet`` for a file or glob: part files are unified by column name (a part without
    a column gives missing values there), and an unreadable file is our DataError, not DuckDB's."""
    many = any(ch in str(where) for ch in "*?[")
    try:
        return con.read_parquet(str(where), **({"union_by_name": True} if many else {}))
    except Exception as exc:   # duckdb.InvalidInputException, IOException, ... (the backend's own types)
        raise DataError(f"cannot read the Parquet data: {str(exc).splitlines()[0]}", file=str(where)) from exc


def engine_version(con) -> str:
    """``"<backend> <version>"`` of an Ibis connection (or of the backend of an Ibis table)."""
    if hasattr(con, "get_backend"):
        con = con.get_backend()
    name = getattr(con, "name", type(con).__name__)
    try:
        version = con.version
    except Exception:  # a backend that cannot tell: the client library's version
        version = _dist_version({"pyspark": "pyspark", "duckdb": "duckdb"}.get(name, name))
    return f"{name} {version}"


def _dist_version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "unknown"


def _ibis():
    try:
        import ibis
    except ImportError as exc:  # pragma: no cover - the lock installs it
        raise ParameterError("Engine tables need Ibis: pip install 'kapta-research[engines]'") from exc
    return ibis


def _ibis_schemes() -> list[str]:
    return sorted(ep.name for ep in metadata.entry_points(group="ibis.backends"))


def spark_session(master: str = "local[2]"):
    """A local Spark session (UI off, few shuffle partitions; reused if one is running)."""
    from pyspark.sql import SparkSession
    builder = SparkSession.builder.master(master).appName("kapta-research")
    for k, v in _SPARK_CONF.items():
        builder = builder.config(k, v)
    return builder.getOrCreate()


def _parquet_tables(path: Path, pattern: str) -> dict:
    """Tables of a Parquet location: a file is ``responses``; a folder's ``<table>.parquet`` / ``<table>/``."""
    from ..schema import TABLES
    if any(ch in pattern for ch in "*?["):
        if not _glob.glob(pattern):
            raise DataError(f"no Parquet files match {pattern}", file=pattern)
        return {"responses": pattern}
    if path.is_file():
        return {"responses": str(path)}
    if not path.is_dir():
        raise DataError(f"no Parquet file or folder at {pattern}", file=pattern)
    out = {}
    for t in TABLES:
        if (path / f"{t}.parquet").is_file():
            out[t] = str(path / f"{t}.parquet")
        elif (path / t).is_dir() and any((path / t).glob("*.parquet")):
            out[t] = str(path / t / "*.parquet")
    if not out and any(path.glob("*.parquet")):
        out["responses"] = str(path / "*.parquet")
    if not out:
        raise DataError(f"no Parquet files in the folder {pattern}", file=pattern)
    return out


def connect(location, *, spark=None) -> EngineSource:
    """Open a data location on an engine.

    Parameters
    ----------
    location : str or Path
        ``*.duckdb`` / ``*.ddb`` file (read-only); a Parquet file (the
        responses), a folder of ``<table>.parquet`` files or ``<table>/``
        folders of part files, or a glob (``lake/*.parquet``) — read by an
        embedded DuckDB; ``spark:`` (or ``spark:local[4]``) for a local Spark
        session whose catalog holds the tables; any Ibis connection URL
        (``postgres://user@host/db``, ``snowflake://…``; usable, not tested here).
    spark : SparkSession, optional
        An existing session for ``spark:``.

    Returns
    -------
    EngineSource

    Examples
    --------
    >>> from kapta_research.engines import connect
    >>> connect("no/such/folder")
    Traceback (most recent call last):
    ...
    kapta_research.errors.DataError: file no/such/folder: no Parquet file or folder at no/such/folder
    """
    loc = str(location)
    ibis = _ibis()
    if loc.startswith("spark:"):
        master = loc[len("spark:"):].lstrip("/") or "local[2]"
        session = spark or spark_session(master)
        con = ibis.pyspark.connect(session)
        return EngineSource("spark", loc, con, {t: t for t in con.list_tables()})
    if "://" in loc:
        scheme = loc.split("://", 1)[0].lower()
        known = _ibis_schemes()
        if scheme not in known:
            raise ParameterError(f"Unknown engine URL {loc!r}: no Ibis backend {scheme!r} is installed. "
                                 f"Installed: {', '.join(known)} (and spark: for a local Spark session).")
        con = ibis.connect(loc)
        names = _duckdb_tables(con) if getattr(con, "name", "") == "duckdb" else con.list_tables()
        return EngineSource("url", loc, con, {t: t for t in names})
    path = Path(loc)
    if path.suffix.lower() in (".duckdb", ".ddb"):
        if not path.is_file():
            raise DataError(f"DuckDB database not found: {loc}", file=loc)
        from ..io.read import open_duckdb
        open_duckdb(path).close()   # a DataError naming the file if it is not a DuckDB database
        con = ibis.duckdb.connect(str(path), read_only=True, **DUCKDB_CONFIG)
        return EngineSource("duckdb", loc, con, {t: t for t in _duckdb_tables(con)})
    return EngineSource("parquet", loc, duckdb_connection(), _parquet_tables(path, loc))


def duckdb_connection():
    """An in-memory Ibis DuckDB connection that never installs an extension at run time."""
    return _ibis().duckdb.connect(**DUCKDB_CONFIG)


def _duckdb_tables(con) -> list[str]:
    # ibis 12's list_tables calls DuckDBPyConnection.fetch_arrow_table, which duckdb 2.0 removed
    rows = con.con.execute("select distinct table_name from information_schema.tables").fetchall()
    return sorted(r[0] for r in rows)


def is_engine_location(location) -> bool:
    """True for data the studies read through an engine: Parquet file/glob, ``spark:``, an engine URL."""
    loc = str(location)
    if loc.startswith("spark:") or ("://" in loc and not loc.startswith("file://")):
        return True
    return loc.lower().endswith(".parquet") or any(ch in loc for ch in "*?[")


def to_ibis(data):
    """An Ibis table for an Ibis table or a PySpark DataFrame (registered as a temporary view)."""
    mod = type(data).__module__ or ""
    if mod.startswith("ibis."):
        return data
    if mod.startswith("pyspark.sql"):
        ibis = _ibis()
        con = ibis.pyspark.connect(data.sparkSession)
        name = f"kr_spark_{id(data):x}"
        data.createOrReplaceTempView(name)
        t = con.table(name)
        _SOURCES[t.op()] = f"Spark DataFrame ({engine_version(con)})"
        return t
    raise ParameterError(f"Expected an Ibis table or a Spark DataFrame. Got {type(data).__name__} instead.")


def describe(t) -> str:
    """Where an engine table comes from, for error messages."""
    src = _SOURCES.get(t.op())
    if src:
        return src
    try:
        name = t.get_name()
    except Exception:  # an expression, not a named table
        name = "an engine expression"
    if name.startswith("ibis_read_"):   # ibis.read_parquet / read_csv: name the files, not Ibis's view
        name = _read_files(t, name) or name
    return f"{name} ({engine_version(t)})"


def _read_files(t, view: str) -> str:
    """The file(s) a DuckDB view made by ``ibis.read_parquet`` (or ``read_csv``) reads, or ``""``."""
    import re
    try:
        con = _ibis().get_backend(t)
        if getattr(con, "name", "") != "duckdb":
            return ""
        rows = con.raw_sql("select sql from duckdb_views() where view_name = ?", parameters=[view]).fetchall()
    except Exception:  # another backend or an older DuckDB: keep the view's name
        return ""
    # the reader's first argument only (options such as sep=',' or filename='f' follow it):
    # read_parquet(list_value('a', 'b'), ...), read_parquet(['a', 'b'], ...) or read_csv('a', ...)
    quoted = r"'(?:[^']|'')*'"
    m = re.search(rf"\bread_\w+\(\s*(list_value\(\s*(?:{quoted}\s*,?\s*)+\)|\[\s*(?:{quoted}\s*,?\s*)+\]|{quoted})",
                  rows[0][0]) if rows else None
    if m is None:
        return ""
    files = re.findall(quoted, m.group(1))
    return ", ".join(f[1:-1].replace("''", "'") for f in files)
