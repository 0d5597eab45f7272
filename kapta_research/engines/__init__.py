"""Statistics pushed down to where the data live: DuckDB (embedded), Parquet, Spark, any Ibis backend.

An engine computes only *sufficient statistics* — per (group, account) counts
and weight sums, per-account cross-product matrices — in one ``GROUP BY``, and
hands the small result to the estimators of :mod:`kapta_research.stats`, so the
numbers equal the in-memory path (to rounding) without the rows ever reaching
Python.  The estimators accept an engine table wherever they accept a
DataFrame::

    import ibis, kapta_research as kr
    t = ibis.read_parquet("lake/*.parquet")                # DuckDB reads the files
    kr.nps.nps(t, by="segment", cluster="account_id")       # same table as on a DataFrame

Tables: :func:`connect` opens a data location (a ``.duckdb`` file, a Parquet
file, folder or glob, ``spark:`` for a local Spark session, or any Ibis
connection URL such as ``postgres://…``); :func:`table` reads one table of it.
Ibis and PySpark are imported only when an engine is used.
"""
from __future__ import annotations

from .._engine_hook import is_engine_table
from ._tables import (ENGINE_SCHEMES, EngineSource, connect, describe, engine_version, is_engine_location,
                      spark_session, to_ibis)
from ._nps import nps_sums
from ._drivers import cross_products, distinct_rows

__all__ = ["is_engine_table", "connect", "describe", "engine_version", "to_ibis", "EngineSource",
           "ENGINE_SCHEMES", "nps_sums", "cross_products", "distinct_rows", "is_engine_location",
           "spark_session"]
