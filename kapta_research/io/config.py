"""The programme config (``programme.yaml`` / ``.yml`` / ``.toml``): parsing and validation.

Every key is checked: an unknown top-level or per-table key is an error with a
did-you-mean (:mod:`difflib`), and each value's type is checked, so that a typo
never silently changes what is loaded.  The keys are documented in the README
("The data model") and in :class:`TableSpec`.
"""
from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import DataError
from ..schema import ROLES, TABLES
from .formats import FORMATS, PRESETS

__all__ = ["CONFIG_NAMES", "TABLE_KEYS", "TOP_KEYS", "TableSpec", "load_config", "table_spec", "did_you_mean"]

CONFIG_NAMES = ("programme.yaml", "programme.yml", "programme.toml")
TOP_KEYS = ("name", "scales", "tables", "database", "engine")
#: A values-map target that marks an answer label as missing ("Don't know", "N/A").
MISSING_LABEL = "missing"

TABLE_KEYS = ("file", "table", "sheet", "format", "columns", "values", "wave", "churned", "roles",
              "skip_rows", "header_rows", "decimal", "keep_unfinished", "encoding", "delimiter")
WAVE_EVERY = {"quarter": "Q", "month": "M", "year": "Y"}
#: Canonical columns of every table (for ``columns:`` targets and ``values:`` keys).
ALL_COLUMNS = sorted({c for spec in TABLES.values() for c in spec["columns"]})


@dataclass
class TableSpec:
    """How to read one table: the per-table keys of the programme config.

    Attributes
    ----------
    name : str
        Canonical table name.
    file : str, optional
        File (relative to the config's folder).
    table : str, optional
        Table of the ``database``.
    sheet : int or str
        Excel sheet (name or 0-based position); default the first.
    format : str
        ``plain`` (default), ``qualtrics``, ``surveymonkey`` or ``salesforce_report``.
    columns : dict
        Export column (its id, e.g. ``Q1``, or its header / question text) -> canonical name.
    values : dict
        Canonical column (or ``drivers`` for every driver) -> preset name or
        ``{label: number}``; a column's own entry wins over ``drivers``.
    wave : dict, optional
        ``{"from": <date column>, "every": quarter|month|year}``: waves numbered
        from the earliest period.
    churned : dict, optional
        ``{"column": <export column>, "true": [labels], "false": [labels]}``.
    roles : dict
        Contact role label -> canonical role.
    skip_rows, header_rows : int
        Rows above the header (titles) and header rows (default per format).
    decimal : str, optional
        Decimal mark of numbers ("." or ","); thousands separators and currency are stripped.
    keep_unfinished : bool
        Qualtrics: keep responses with ``Finished`` false.
    encoding, delimiter : str, optional
        CSV only; sniffed when not given.
    """

    name: str
    file: str | None = None
    table: str | None = None
    sheet: int | str = 0
    format: str = "plain"
    columns: dict = field(default_factory=dict)
    values: dict = field(default_factory=dict)
    wave: dict | None = None
    churned: dict | None = None
    roles: dict = field(default_factory=dict)
    skip_rows: int = 0
    header_rows: int | None = None
    decimal: str | None = None
    keep_unfinished: bool = False
    encoding: str | None = None
    delimiter: str | None = None


def did_you_mean(word: str, choices) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``choices``, else ``''``."""
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def load_config(path: Path) -> dict:
    """Read and check a programme config; return ``{"name", "scales", "database", "tables": {t: TableSpec}}``."""
    text = path.read_text(encoding="utf-8-sig")
    try:
        cfg = tomllib.loads(text) if path.suffix == ".toml" else yaml.safe_load(text)
    except Exception as exc:
        raise DataError(f"the programme config is not valid {'TOML' if path.suffix == '.toml' else 'YAML'}: {exc}",
                        file=str(path)) from exc
    if not isinstance(cfg, dict):
        raise DataError("the programme config must be a mapping with a 'tables' entry", file=str(path))
    _refuse_unknown(cfg, TOP_KEYS, "keys", "allowed", path)
    tables = cfg.get("tables") or {}
    if not isinstance(tables, dict):
        raise DataError("'tables' must map table names to a file or a mapping of options", file=str(path))
    _refuse_unknown(tables, tuple(TABLES), "tables", "known", path)
    return {"name": cfg.get("name"), "scales": _check_scales(cfg.get("scales") or {}, path),
            "database": cfg.get("database"), "engine": _check_engine(cfg.get("engine"), path),
            "tables": {t: table_spec(t, spec, path) for t, spec in tables.items()}}


def _check_engine(engine, path) -> str | None:
    """The ``engine:`` key: ``duckdb`` (the embedded default), ``spark:`` / ``spark:local[4]`` (a
    local Spark session) or an Ibis connection URL (``postgres://user@host/db``) whose backend is
    installed; anything else is an error naming the config file."""
    if engine is None:
        return None
    if not isinstance(engine, str) or not engine.strip():
        raise DataError(f"'engine' must be duckdb, spark: or a connection URL such as postgres://host/db; "
                        f"got {engine!r}", file=str(path))
    engine = engine.strip()
    if engine.lower() == "duckdb" or engine.startswith("spark:"):
        return engine.lower() if engine.lower() == "duckdb" else engine
    if "://" not in engine:
        raise DataError(f"unknown engine {engine!r}{did_you_mean(engine, ('duckdb', 'spark:'))}: give duckdb, "
                        "spark: or a connection URL such as postgres://host/db", file=str(path))
    from importlib import metadata
    scheme = engine.split("://", 1)[0].lower()
    known = sorted(ep.name for ep in metadata.entry_points(group="ibis.backends"))
    if scheme not in known:
        raise DataError(f"unknown engine URL scheme {scheme!r}{did_you_mean(scheme, known)} in engine: {engine}: "
                        f"no Ibis backend {scheme!r} is installed (installed: {', '.join(known)}; and spark:)",
                        file=str(path))
    return engine


def _refuse_unknown(given, allowed: tuple, what: str, listed: str, path) -> None:
    unknown = [k for k in given if k not in allowed]
    if unknown:
        hints = "".join(did_you_mean(k, allowed) for k in unknown)
        raise DataError(f"unknown {what} in the programme config: {', '.join(map(str, unknown))}{hints} "
                        f"({listed}: {', '.join(allowed)})", file=str(path))


def _check_scales(scales, path) -> dict:
    if not isinstance(scales, dict):
        raise DataError("'scales' must be a mapping such as {ltr: [0, 10], drivers: [1, 7]}", file=str(path))
    for k, v in scales.items():
        if k not in ("ltr", "drivers"):
            raise DataError(f"unknown scale {k!r}{did_you_mean(k, ('ltr', 'drivers'))} (allowed: ltr, drivers)",
                            file=str(path))
        if not (isinstance(v, (list, tuple)) and len(v) == 2 and all(isinstance(x, int) for x in v) and v[0] < v[1]):
            raise DataError(f"scales: {k} must be [lowest, highest] whole numbers, e.g. [1, 7]; got {v!r}",
                            file=str(path))
    return scales


def table_spec(name: str, spec, path: Path) -> TableSpec:
    """Check one table's entry of the config and return its :class:`TableSpec`."""
    where = f"tables: {name}:"
    if isinstance(spec, str):
        spec = {"file": spec}
    if not isinstance(spec, dict):
        raise DataError(f"{where} must be a file name or a mapping of options ({', '.join(TABLE_KEYS)}); "
                        f"got {spec!r}", file=str(path))
    unknown = [k for k in spec if k not in TABLE_KEYS]
    if unknown:
        hints = "".join(did_you_mean(k, TABLE_KEYS) for k in unknown)
        raise DataError(f"unknown key{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))} for the "
                        f"{name} table{hints}. Allowed keys: {', '.join(TABLE_KEYS)}", file=str(path))

    def bad(key, what):
        return DataError(f"{where} {key} must be {what}; got {spec[key]!r}", file=str(path))

    for key in ("file", "table", "encoding", "delimiter"):
        if key in spec and not isinstance(spec[key], str):
            raise bad(key, "a string")
    if "file" not in spec and "table" not in spec:
        raise DataError(f"{where} needs 'file' (or 'table' with 'database')", file=str(path))
    fmt = spec.get("format", "plain")
    if fmt not in FORMATS:
        raise DataError(f"{where} format must be one of {', '.join(FORMATS)}; got {fmt!r}{did_you_mean(fmt, FORMATS)}",
                        file=str(path))
    for key in ("skip_rows", "header_rows"):
        if key in spec and (isinstance(spec[key], bool) or not isinstance(spec[key], int)
                            or spec[key] < (0 if key == "skip_rows" else 1)):
            raise bad(key, "a whole number >= " + ("0" if key == "skip_rows" else "1"))
    if "sheet" in spec and (isinstance(spec["sheet"], bool) or not isinstance(spec["sheet"], (int, str))):
        raise bad("sheet", "a sheet name or a 0-based position")
    if "decimal" in spec and spec["decimal"] not in (".", ","):
        raise bad("decimal", "'.' or ','")
    if "keep_unfinished" in spec and not isinstance(spec["keep_unfinished"], bool):
        raise bad("keep_unfinished", "true or false")
    columns = spec.get("columns") or {}
    if not isinstance(columns, dict):
        raise bad("columns", "a mapping of export column -> canonical name")
    own = TABLES[name]["columns"]
    for src, dst in columns.items():
        if dst not in own:
            raise DataError(f"{where} columns: {src!r} maps to {dst!r}, which is not a column of the {name} "
                            f"table{did_you_mean(dst, own)}. Its columns: {', '.join(own)}", file=str(path))
    _check_values(name, spec.get("values") or {}, where, path)
    if "wave" in spec:
        _check_wave(spec["wave"], where, path)
    if "churned" in spec:
        _check_churned(name, spec["churned"], where, path)
    roles = spec.get("roles") or {}
    if roles:
        if name != "contacts" or not isinstance(roles, dict):
            raise DataError(f"{where} roles is a mapping of role labels to roles, for the contacts table",
                            file=str(path))
        for label, role in roles.items():
            if role not in ROLES:
                raise DataError(f"{where} roles: {label!r} maps to {role!r}, which is not a role"
                                f"{did_you_mean(role, ROLES)} (roles: {', '.join(ROLES)})", file=str(path))
    return TableSpec(name=name, **{k: v for k, v in spec.items() if k in TABLE_KEYS and v is not None})


def _check_values(name, values, where, path) -> None:
    if not isinstance(values, dict):
        raise DataError(f"{where} values must map columns (or 'drivers') to a preset or {{label: number}}",
                        file=str(path))
    targets = [*TABLES[name]["columns"], *(("drivers",) if name == "responses" else ())]
    for col, vmap in values.items():
        if col not in targets:
            raise DataError(f"{where} values: {col!r} is not a column of the {name} table"
                            f"{did_you_mean(col, targets)}", file=str(path))
        preset = vmap if isinstance(vmap, str) else (vmap.get("preset") if isinstance(vmap, dict) else None)
        if preset is not None and preset not in PRESETS:
            raise DataError(f"{where} values: {col}: unknown preset {preset!r}{did_you_mean(str(preset), PRESETS)} "
                            f"(presets: {', '.join(PRESETS)})", file=str(path))
        if isinstance(vmap, str):
            continue
        if not isinstance(vmap, dict) or not all(
                (isinstance(v, (int, float)) and not isinstance(v, bool)) or v == MISSING_LABEL
                for k, v in vmap.items() if k != "preset"):
            raise DataError(f"{where} values: {col} must be a preset ({', '.join(PRESETS)}) or a mapping of "
                            f"labels to numbers (or to '{MISSING_LABEL}'; 'preset: NAME' extends a preset); "
                            f"got {vmap!r}", file=str(path))


def _check_wave(wave, where, path) -> None:
    if not isinstance(wave, dict) or set(wave) - {"from", "every"} or "from" not in wave:
        raise DataError(f"{where} wave must be {{from: <date column>, every: quarter|month|year}}; got {wave!r}",
                        file=str(path))
    if wave["from"] not in ("responded_at", "sent_at"):
        raise DataError(f"{where} wave: from must be the table's date column (responded_at or sent_at); "
                        f"got {wave['from']!r}", file=str(path))
    every = wave.get("every", "quarter")
    if every not in WAVE_EVERY:
        raise DataError(f"{where} wave: every must be one of {', '.join(WAVE_EVERY)}; got {every!r}"
                        f"{did_you_mean(every, WAVE_EVERY)}", file=str(path))


def _check_churned(name, churned, where, path) -> None:
    if name != "accounts":
        raise DataError(f"{where} churned belongs to the accounts table", file=str(path))
    if isinstance(churned, dict):  # YAML 1.1 reads the unquoted keys true/false as booleans
        for flag in (True, False):
            if flag in churned:
                churned[str(flag).lower()] = churned.pop(flag)
    if (not isinstance(churned, dict) or set(churned) - {"column", "true", "false"}
            or not {"column", "true"} <= set(churned)):
        unknown = sorted(map(str, set(churned) - {"column", "true", "false"})) if isinstance(churned, dict) else []
        hint = "".join(did_you_mean(k, ("column", "true", "false")) for k in unknown)
        raise DataError(f"{where} churned must be {{column: <export column>, true: [labels], false: [labels]}}; "
                        f"got {churned!r}{hint}", file=str(path))
    for k in ("true", "false"):
        v = churned.get(k, [])
        if isinstance(v, str):
            churned[k] = [v]
        elif not isinstance(v, list):
            raise DataError(f"{where} churned: {k} must be a list of labels; got {v!r}", file=str(path))

