"""Reading one table (CSV, Excel, Parquet, DuckDB) as strings, with its spreadsheet row numbers.

The file is read as a grid without a header; the header rows, title rows
(``skip_rows``) and rows that are not data (footers, blank lines, survey
previews) are handled here, so that every data row keeps the row number the
user sees when opening the file (header rows and skipped rows counted).
"""
from __future__ import annotations

import codecs
import csv
import io as _io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .._validation import FileRows
from ..errors import DataError, KaptaError
from . import formats

NA_VALUES = ["", "NA", "N/A", "NaN", "nan", "null", "NULL"]


@dataclass
class RawTable:
    """A table as read: strings, column names from the header, aliases and counts of dropped rows."""

    frame: pd.DataFrame
    aliases: dict = field(default_factory=dict)
    notes: dict = field(default_factory=dict)
    header_desc: str = ""
    #: (file row, text) of each report footer row dropped (``format: salesforce_report``)
    dropped: list = field(default_factory=list)
    #: read from typed storage (Parquet, a database): numbers are numbers, not text in a locale
    typed: bool = False


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


def _strings(df: pd.DataFrame) -> pd.DataFrame:
    """Typed columns (Parquet, DuckDB) as strings; datetimes are kept."""
    df = df.astype({c: str for c in df.columns if not pd.api.types.is_datetime64_any_dtype(df[c])})
    return df.replace({"None": np.nan, "nan": np.nan, "<NA>": np.nan, "NaT": np.nan})


def _read_csv_arrow(text: str, delimiter: str) -> pd.DataFrame | None:
    """A rectangular CSV read by pyarrow (3x faster than pandas' parser on 800 000 rows), else None.

    Any irregular row (a blank line between rows of several columns, a one-cell footer) makes
    this return None, and the caller reads the file with pandas, which keeps such rows so
    that they are counted, reported and numbered like the file's rows.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv
    irregular = []

    def on_invalid(row):
        irregular.append(row.number)
        return "skip"

    first = text.split("\n", 1)[0]
    n_cols = next(csv.reader([first], delimiter=delimiter), []).__len__() + 1
    try:
        table = pacsv.read_csv(
            _io.BytesIO(text.encode("utf-8")),
            read_options=pacsv.ReadOptions(autogenerate_column_names=True),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=False,
                                             invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(column_types={f"f{i}": pa.string() for i in range(n_cols)},
                                                 strings_can_be_null=True, null_values=NA_VALUES))
    except (pa.ArrowInvalid, pa.ArrowException):
        return None
    if irregular or any(not pa.types.is_string(t) for t in table.schema.types):
        return None
    df = table.to_pandas(types_mapper={pa.string(): pd.StringDtype(na_value=np.nan)}.get)
    df.columns = range(df.shape[1])
    return df


def _grid(path: Path, *, encoding, delimiter, sheet, skip_rows: int) -> pd.DataFrame:
    """Every row of a CSV or Excel file below ``skip_rows`` as strings, blank lines kept (no header)."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        raw = path.read_bytes()
        enc = encoding or _sniff_encoding(raw)
        text = raw.decode(enc)
        if text.startswith("\ufeff"):
            text = text[1:]
        if delimiter is None:
            lines = text.splitlines()[skip_rows:skip_rows + 50]
            try:
                delimiter = csv.Sniffer().sniff("\n".join(lines)[:20_000], delimiters=",;\t|").delimiter
            except csv.Error:
                delimiter = "\t" if suffix == ".tsv" else ","
        if not text.strip():
            return pd.DataFrame()
        fast = _read_csv_arrow(text, delimiter) if skip_rows == 0 else None
        if fast is not None:
            return fast
        return pd.read_csv(_io.StringIO(text), sep=delimiter, header=None, dtype=str, keep_default_na=False,
                           na_values=NA_VALUES, skip_blank_lines=False, skiprows=skip_rows)
    book = pd.ExcelFile(path)
    sheets = book.sheet_names
    if isinstance(sheet, int) and not 0 <= sheet < len(sheets):
        raise DataError(f"no sheet number {sheet} (0-based) in the workbook; its sheets: "
                        f"{', '.join(map(repr, sheets))}", file=str(path))
    if isinstance(sheet, str) and sheet not in sheets:
        from .config import did_you_mean
        raise DataError(f"no sheet {sheet!r} in the workbook{did_you_mean(sheet, sheets)}; its sheets: "
                        f"{', '.join(map(repr, sheets))}", file=str(path))
    # openpyxl reports the used range from A1, so blank leading rows are kept and row numbers stay right
    grid = pd.read_excel(book, sheet_name=sheet, header=None, dtype=str, keep_default_na=False,
                         na_values=NA_VALUES)  # the same missing-value words as CSV
    return grid.iloc[skip_rows:]


def read_raw(path, spec=None) -> RawTable:
    """Read one table per its :class:`~kapta_research.io.config.TableSpec` (``None``: a plain file)."""
    from .config import TableSpec
    spec = spec or TableSpec(name="")
    path = Path(path)
    parts = path.is_dir() and any(path.glob("*.parquet"))   # a folder of Parquet part files is one table
    if not path.is_file() and not parts:
        raise DataError("file not found", file=str(path))
    suffix = ".parquet" if parts else path.suffix.lower()
    source = str(path) + (f"[{spec.table}]" if spec.table and suffix in (".duckdb", ".db") else "")
    try:
        if suffix in (".parquet", ".duckdb", ".db"):
            df = _strings(_read_typed(path, spec.table))
            df.columns = [str(c).strip() for c in df.columns]
            df = df.reset_index(drop=True)
            df.attrs = {"source": source, "file_rows": FileRows(df.index, np.arange(2, len(df) + 2))}
            return RawTable(df, typed=True)
        if suffix not in (".csv", ".tsv", ".txt", ".xlsx", ".xls"):
            raise DataError(f"cannot read files ending in {suffix!r}; use one of "
                            ".csv, .tsv, .txt, .xlsx, .xls, .parquet, .duckdb", file=str(path))
        grid = _grid(path, encoding=spec.encoding, delimiter=spec.delimiter, sheet=spec.sheet,
                     skip_rows=spec.skip_rows)
    except KaptaError:
        raise
    except (UnicodeDecodeError, LookupError) as exc:
        raise DataError(f"cannot decode the file ({exc}); declare its encoding", file=str(path)) from exc
    except Exception as exc:  # pandas/openpyxl/pyarrow parser errors
        raise DataError(f"cannot read the file: {exc}", file=str(path)) from exc
    return _shape(grid, spec, source)


#: DuckDB settings of every connection we open: never install an extension at run time (DuckDB
#: otherwise downloads one, e.g. sqlite_scanner for a SQLite file given as a database)
DUCKDB_CONFIG = {"autoinstall_known_extensions": False}


def open_duckdb(path: Path):
    """A read-only DuckDB connection to the database file ``path``; a DataError naming it if it is not one."""
    import duckdb
    try:
        return duckdb.connect(str(path), read_only=True, config=DUCKDB_CONFIG)
    except duckdb.Error as exc:   # a SQLite file, a Thumbs.db, random bytes
        raise DataError(f"cannot open {Path(path).name} as a DuckDB database ({str(exc).splitlines()[0]})",
                        file=str(path)) from None


def _read_typed(path: Path, table: str | None) -> pd.DataFrame:
    if path.suffix.lower() == ".parquet" or path.is_dir():
        # nullable dtypes: an integer column with nulls stays integers ("16", not the float "16.0"),
        # so that its ids match the other tables (and equal what an engine reads)
        return pd.read_parquet(path, dtype_backend="numpy_nullable")
    if not table:
        raise DataError("reading a DuckDB file needs the table name", file=str(path))
    con = open_duckdb(path)
    try:
        names = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
        if table not in names:
            raise DataError(f"no table {table!r} in the database (tables: {', '.join(sorted(names))})",
                            file=str(path))
        return con.execute(f'select * from "{table}"').df()
    finally:
        con.close()


def _shape(grid: pd.DataFrame, spec, source: str) -> RawTable:
    """Header rows -> names; drop rows that are not data; attach spreadsheet row numbers."""
    fmt = spec.format
    n_header = spec.header_rows or formats.HEADER_ROWS[fmt]
    first = spec.skip_rows + 1  # spreadsheet row of the grid's first row
    desc = (f"header_rows: {n_header}, skip_rows: {spec.skip_rows}: the header is row"
            f"{'s' if n_header > 1 else ''} {first}" + (f"-{first + n_header - 1}" if n_header > 1 else ""))
    grid = grid.reset_index(drop=True)
    while len(grid) and grid.iloc[0].isna().all() and n_header == 1 and fmt != "plain":
        grid, first = grid.iloc[1:].reset_index(drop=True), first + 1  # blank lines above a report's header
    if len(grid) < n_header:
        raise DataError(f"header_rows is {n_header} (format {fmt}) but the file has only {len(grid)} row"
                        f"{'s' if len(grid) != 1 else ''} after skip_rows: {spec.skip_rows}; check header_rows "
                        "and skip_rows", file=source)
    if fmt == "qualtrics" and n_header >= 3:
        third = "" if pd.isna(grid.iat[2, 0]) else str(grid.iat[2, 0])
        if not third.startswith("{"):
            raise DataError(f"format qualtrics expects three header rows (column ids, question texts, "
                            f'{{"ImportId": ...}}) but row {first + 2} starts with {third!r}; declare '
                            "header_rows: 2 for an export without the ImportId row", file=source)
    names, aliases = formats.header_names(grid.iloc[:n_header], fmt)
    values = grid.iloc[n_header:].reset_index(drop=True)
    rows = np.arange(len(values)) + first + n_header
    # trailing empty columns (a ragged footer can widen the grid) are not columns
    keep = [j for j, n in enumerate(names) if n or values.iloc[:, j].notna().any()]
    unnamed = [j for j in keep if not names[j]]
    if unnamed:
        raise DataError(f"column{'s' if len(unnamed) > 1 else ''} {', '.join(str(j + 1) for j in unnamed)} "
                        f"{'have' if len(unnamed) > 1 else 'has'} data but no header ({desc})"
                        + ("; for a second header row (a matrix question's sub-labels) declare header_rows: 2 "
                           "or format: surveymonkey" if n_header == 1 else ""), file=source)
    values = values.iloc[:, keep]
    names = [names[j] for j in keep]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise DataError(f"duplicate column names {', '.join(map(repr, dup))} ({desc})", file=source)
    values.columns = names
    notes: dict = {}
    blank = values.isna().all(axis=1).to_numpy()
    if blank.any():
        notes["dropped_blank_rows"] = int(blank.sum())
    footer = formats.is_footer(values).to_numpy() & ~blank
    footer_text = formats.single_cell_text(values)[footer].tolist()
    repeated = formats.is_repeated_header(values, names).to_numpy()
    problems = []
    if repeated.any():
        problems.append(DataError("rows repeat the header: they are not data; remove them", file=source,
                                  rows=rows[repeated].tolist(), values=values.iloc[:, 0][repeated].tolist()))
    dropped = []
    if footer.any():
        if fmt == "salesforce_report":
            notes["dropped_footer_rows"] = int(footer.sum())
            dropped = list(zip(rows[footer].tolist(), footer_text))
        else:
            problems.append(DataError(
                "rows are a report footer, not data: remove them, or declare format: salesforce_report "
                "to drop report footers (a footer is a row with one filled cell below the last data row, "
                "or one reading like 'Grand Totals')", file=source, rows=rows[footer].tolist(),
                values=footer_text))
    if problems:
        from .programme import ProgrammeError
        raise ProgrammeError(problems)
    drop = blank | footer
    if fmt == "qualtrics":
        masks = formats.qualtrics_drops(values, keep_unfinished=spec.keep_unfinished)
        for key, mask in zip(("dropped_preview", "dropped_test", "dropped_unfinished"), masks):
            mask = mask.to_numpy() & ~drop
            if mask.any():
                notes[key] = int(mask.sum())
                drop = drop | mask
    values, rows = values[~drop].reset_index(drop=True), rows[~drop]
    values.attrs = {"source": source, "file_rows": FileRows(values.index, rows)}
    return RawTable(values, aliases=aliases, notes=notes, header_desc=desc, dropped=dropped)


def read_table(path, *, encoding: str | None = None, delimiter: str | None = None,
               sheet=0, table: str | None = None) -> pd.DataFrame:
    """Read one table from CSV, Excel, Parquet or a DuckDB database, as strings.

    Every column is read as text (dtype ``str``) so that validation sees
    exactly what the file holds; :func:`load_programme` converts types.  The
    frame's ``attrs`` hold ``source`` (the file) and ``file_rows`` (a
    :class:`~kapta_research._validation.FileRows`: the spreadsheet row number
    of each row, header = row 1).

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
    from .config import TableSpec
    spec = TableSpec(name="", encoding=encoding, delimiter=delimiter, sheet=sheet, table=table)
    return read_raw(path, spec).frame
