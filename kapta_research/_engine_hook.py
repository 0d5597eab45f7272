"""Is this an engine table?  A check that imports no engine (Ibis, PySpark) itself."""
from __future__ import annotations


def is_engine_table(data) -> bool:
    """True for an Ibis table or a PySpark DataFrame (the estimators then run in the engine)."""
    mod = type(data).__module__ or ""
    return mod.startswith("ibis.") or mod.startswith("pyspark.sql")
