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


def raw_tables(location: str):
    """What ``io.programme._raw_tables`` returns, for an engine location, plus the engine's name.

    Returns
    -------
    (raw, specs, scales, name, notes, dropped, engine, data_hash)
    """
    from ..io.config import TableSpec
    from ..io.mapping import apply_spec
    from ..io.programme import ProgrammeError
    from ..io.read import FileRows, RawTable, _strings
    from ..schema import TABLES
    src = connect(location)
    raw, specs, problems = {}, {}, []
    h = hashlib.sha256()
    for name in [t for t in TABLES if t in src.tables]:
        t = src.table(name)
        df = _strings(t.execute()).reset_index(drop=True)
        df.columns = [str(c).strip() for c in df.columns]
        h.update(name.encode())
        h.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
        df.attrs = {"source": f"{src.tables[name]} ({src.engine})",
                    "file_rows": FileRows(df.index, np.arange(2, len(df) + 2))}
        specs[name] = TableSpec(name=name, table=name)
        raw[name] = apply_spec(RawTable(df), specs[name], problems)
    if problems:
        raise ProgrammeError(problems)
    if "responses" not in raw:
        from ..errors import DataError
        raise DataError(f"no responses table in {location} (tables: {', '.join(sorted(src.tables)) or 'none'})",
                        file=location)
    name = Path(location.split("://")[-1].rstrip("/")).stem or location
    return raw, specs, {}, name, {}, {}, src.engine, h.hexdigest()
