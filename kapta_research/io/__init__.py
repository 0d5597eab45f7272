"""Read and validate a feedback programme.

A programme lives in a folder (or a DuckDB database file).  A programme
config, ``programme.yaml`` (or ``.yml`` / ``.toml``), says which file holds
each table, how the export's columns and answer labels map to canonical
names, and which scales the scores use::

    name: Acme key-account programme
    scales: {ltr: [0, 10], drivers: [1, 7]}
    tables:
      accounts: crm_accounts.xlsx          # a file name is enough ...
      responses:                           # ... or a mapping with options
        file: qualtrics_export.csv
        format: qualtrics                  # qualtrics | surveymonkey | salesforce_report | plain
        columns:                           # export column (id or text) -> canonical name
          AccountID: account_id
          "How likely are you to recommend Acme to a friend or colleague?": ltr
        values: {drivers: agree7}          # answer labels -> numbers
        wave: {from: responded_at, every: quarter}
      contacts: {table: crm_contacts}      # a table of the database below
    database: programme.duckdb             # optional

Every key is documented in the README ("The data model") and checked
(:mod:`.config`).  Without a config the folder's ``<table>.csv`` / ``.xlsx`` /
``.parquet`` files are read, and a ``.duckdb`` file's tables are read by their
canonical names.  Input files are only ever opened for reading.  Only the
responses table is required.

Every problem found (missing columns, unmapped labels, non-numeric or
out-of-range scores, duplicate ids, unknown accounts, unparseable dates, rows
that are not data) is reported by a :class:`ProgrammeError` naming the file,
column, spreadsheet rows (as the file opens: header and skipped rows counted)
and up to five bad values.

Modules: :mod:`.config` (programme.yaml), :mod:`.formats` (vendor layouts,
label presets), :mod:`.read` (files), :mod:`.mapping` (columns and labels),
:mod:`.link` (programme-wide steps), :mod:`.validate` (types and checks),
:mod:`.programme` (:class:`Programme`, :func:`load_programme`).
"""
from __future__ import annotations

from .config import CONFIG_NAMES, TableSpec
from .formats import FORMATS, PRESETS
from .programme import Programme, ProgrammeError, data_hash, load_programme, load_sample
from .read import _sniff_encoding, read_table
from .validate import REQUIRED_TABLES, validate_programme

__all__ = ["Programme", "ProgrammeError", "load_programme", "load_sample", "read_table",
           "validate_programme", "data_hash", "CONFIG_NAMES", "FORMATS", "PRESETS", "REQUIRED_TABLES",
           "TableSpec"]
