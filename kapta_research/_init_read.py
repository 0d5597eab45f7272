"""Reading exports for ``kapta-research init``: every cell as text, vendor format, header geometry.

See :mod:`kapta_research.init`.  Nothing here writes a file.
"""
from __future__ import annotations

import re
from pathlib import Path

from .errors import DataError
from .io import formats

__all__ = ["read_grid", "detect_format", "headers_of", "body_of", "column_values", "stray_rows",
           "FORMAT_HEADER_ROWS",
           "QUALTRICS_META"]

#: Header rows each vendor format implies (the loader's defaults).
FORMAT_HEADER_ROWS = {"qualtrics": 3, "surveymonkey": 2, "salesforce_report": 1, "plain": 1}
_CURRENCY = re.compile(r"^\s*-?\(?\s*(?:[$€£¥]|[A-Z]{3}\s)\s*-?\d[\d,.\s']*\)?\s*$"   # $1,200.00  EUR 5.000
                       r"|^\s*-?\d[\d,.\s']*\s*[€£$]\s*$")                             # 1.200,00 €
_SF_ID = re.compile(r"^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$")
_SF_ID_PREFIX = re.compile(r"^(001|003|006|00Q|a0[0-9A-Za-z])")  # Account, Contact, Opportunity, Lead, custom
_EURO_NUMBER = re.compile(r"^\D*\d{1,3}(\.\d{3})+(,\d+)?\D*$|^\D*\d+,\d{1,2}\D*$")
#: Qualtrics' own columns (lower case): read by the format, never proposed as data.
QUALTRICS_META = {"startdate", "enddate", "status", "ipaddress", "progress", "duration (in seconds)",
                  "finished", "recipientlastname", "recipientfirstname", "recipientemail",
                  "locationlatitude", "locationlongitude", "distributionchannel", "userlanguage",
                  "q_recaptchascore", "q_relevantidduplicate", "q_ballotboxstuffing"}
_SM_SUBLABELS = formats.ANSWER_SUBLABELS


# --------------------------------------------------------------------------
# reading a file as a grid of strings
# --------------------------------------------------------------------------
def _encoding(raw: bytes) -> str:
    """UTF-16 by its BOM, else UTF-8 (BOM dropped), else Windows-1252, else Latin-1."""
    import codecs
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for enc in ("utf-8-sig", "cp1252"):
        try:
            raw.decode(enc)
            return enc
        except UnicodeDecodeError:
            continue
    return "latin-1"


class Grid(list):
    """Rows of cells (lists of str); ``omitted`` rows in the middle of a long file were not kept."""

    omitted: int = 0


def _keep(rows, max_rows: int | None) -> Grid:
    """The first ``max_rows`` rows and the last few (where report footers are); count the rest."""
    tail = 50
    if isinstance(rows, Grid):  # already cut while streaming
        return rows
    if max_rows is None or len(rows) <= max_rows + tail:
        return Grid(rows)
    out = Grid(rows[:max_rows] + rows[-tail:])
    out.omitted = len(rows) - max_rows - tail
    return out


def _stream(reader, max_rows: int | None) -> Grid:
    """Like :func:`_keep` for an iterator, holding only the kept rows in memory."""
    from collections import deque
    from itertools import islice
    if max_rows is None:
        return Grid(reader)
    head = list(islice(reader, max_rows))
    tail, n = deque(maxlen=50), 0
    for row in reader:
        tail.append(row)
        n += 1
    out = Grid(head + list(tail))
    out.omitted = max(0, n - 50)
    return out


def read_grid(path, *, max_rows: int | None = 50_000) -> dict[str, Grid]:
    """Every cell of a file as text, header rows included: ``{sheet: rows}``.

    A CSV (or .tsv/.txt) gives one sheet named ``""``; a workbook one entry per
    sheet; a Parquet file its column names as the first row.  Of a longer file
    only the first ``max_rows`` rows and the last 50 are kept (``Grid.omitted``
    counts the others), which bounds memory: answers are judged on those rows.

    Raises
    ------
    DataError
        The file is missing, unreadable, or of a kind that holds no table.

    Examples
    --------
    >>> from kapta_research.config import SAMPLE_DIR
    >>> read_grid(SAMPLE_DIR / "accounts.csv")[""][0][:2]
    ['account_id', 'account_name']
    """
    import csv
    path = Path(path)
    if not path.exists():
        raise DataError("file not found", file=str(path))
    if not path.is_file():
        raise DataError("is a folder, not a file: give the export files themselves", file=str(path))
    suffix = path.suffix.lower()
    try:
        if suffix in (".csv", ".tsv", ".txt"):
            raw = path.read_bytes()
            if b"\x00" in raw[:4096] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
                raise DataError("is not a text table (it holds binary data)", file=str(path))
            enc = _encoding(raw)
            del raw
            # stream the rows from the file: only the kept ones are held in memory
            with open(path, encoding=enc, newline="") as fh:
                sample = fh.read(20_000)
                try:
                    delim = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
                except csv.Error:
                    delim = "\t" if suffix == ".tsv" else ","
                fh.seek(0)
                grids = {"": _stream(csv.reader(fh, delimiter=delim), max_rows)}
        elif suffix in (".xlsx", ".xlsm", ".xls"):
            import pandas as pd
            sheets = pd.read_excel(path, sheet_name=None, header=None, dtype=str)
            grids = {str(name): [["" if (v is None or v != v) else str(v) for v in row]
                                 for row in df.itertuples(index=False, name=None)]
                     for name, df in sheets.items()}
        elif suffix == ".parquet":
            import pandas as pd
            df = pd.read_parquet(path)
            grids = {"": [list(map(str, df.columns)),
                          *[["" if (v is None or v != v) else str(v) for v in row]
                            for row in df.astype(object).itertuples(index=False, name=None)]]}
        else:
            raise DataError(f"cannot read files ending in {suffix!r}: give .csv, .tsv, .txt, .xlsx, .xls "
                            "or .parquet exports", file=str(path))
    except DataError:
        raise
    except (OSError, ValueError, ImportError) as exc:  # permissions, corrupt workbooks, parser errors
        raise DataError(f"cannot read the file: {exc}", file=str(path)) from exc
    except Exception as exc:  # openpyxl/pyarrow raise their own types for corrupt files
        raise DataError(f"cannot read the file: {type(exc).__name__}: {exc}", file=str(path)) from exc
    grids = {k: _keep(v, max_rows) for k, v in grids.items()}
    for g in grids.values():
        g[:] = [[str(c).strip() if c is not None else "" for c in r] for r in g]
    if not any(any(c for c in r) for g in grids.values() for r in g):
        raise DataError("the file is empty: it holds no table", file=str(path))
    return grids


def _width(row) -> int:
    return sum(1 for c in row if c)


def _looks_like_header(row) -> bool:
    cells = [c for c in row if c]
    if len(cells) < 2:
        return False
    texty = sum(1 for c in cells if not re.match(r"^[\d.,$€£%\s:/+-]+$", c))
    return texty >= 0.8 * len(cells) and len(set(cells)) == len(cells)


def _is_surveymonkey(grid, i: int) -> bool:
    """Row ``i`` holds questions and row ``i + 1`` their 'Response' / matrix sub-labels."""
    if len(grid) < i + 2 or not _looks_like_header(grid[i]):
        return False
    folded = {c.casefold() for c in grid[i] if c}
    sub = [c.casefold() for c in grid[i + 1]]
    return ("respondent id" in folded and "collector id" in folded) or \
        (any(c in _SM_SUBLABELS for c in sub) and not _looks_like_data(grid[i + 1]))


def _looks_like_data(row) -> bool:
    return sum(1 for c in row if re.match(r"^[\d.,:/ TZ+-]+$", c)) > 0.3 * max(1, _width(row))


def detect_format(grid: list[list[str]]) -> dict:
    """Vendor format and header geometry of one sheet.

    Returns
    -------
    dict
        ``format`` (one of qualtrics, surveymonkey, salesforce_report, plain),
        ``skip_rows`` (title rows above the header), ``header_rows``, ``reason``
        (plain words) and ``decimal`` (``","`` for European numbers, else None).

    Examples
    --------
    >>> g = [["ResponseId", "Q1"], ["Response ID", "How likely …"],
    ...      ['{"ImportId":"_recordId"}', '{"ImportId":"QID1"}'], ["R_1", "9"]]
    >>> detect_format(g)["format"]
    'qualtrics'
    """
    head = grid[:60]
    if len(grid) >= 3 and any(c.startswith('{"ImportId"') or c.startswith("{'ImportId'") for c in grid[2]):
        return {"format": "qualtrics", "skip_rows": 0, "header_rows": 3, "decimal": None,
                "reason": 'its third row holds {"ImportId": …} column ids'}
    widest = max((_width(r) for r in head), default=0)
    skip = next((i for i, r in enumerate(head[:20]) if _is_surveymonkey(grid, i)), None)
    if skip is not None:
        return {"format": "surveymonkey", "skip_rows": skip, "header_rows": 2, "decimal": None,
                "reason": "its second header row holds 'Response' sub-labels and matrix row labels"}
    # the header: the first row nearly as wide as the table whose cells are distinct texts
    skip = next((i for i, r in enumerate(head[:20]) if _width(r) >= max(2, 0.5 * widest) and _looks_like_header(r)),
                None)
    if skip is None:
        raise DataError("no header row found in the first 20 rows: this does not look like a table")
    body = grid[skip + 1:]
    footer = [r for r, f in zip(body, _footers(body)) if f]
    cells = [c for r in body[:500] for c in r if c]
    currency = [c for c in cells if _CURRENCY.match(c)]
    ids = [c for c in cells if _SF_ID.match(c) and _SF_ID_PREFIX.match(c) and re.search(r"\d", c[3:])]
    euro = [c for c in currency if _EURO_NUMBER.match(c)]
    decimal = "," if currency and len(euro) > len(currency) / 2 else None
    why = []
    if footer:
        why.append(f"footer rows such as {footer[0][0]!r}")
    if currency:
        why.append(f"currency amounts such as {currency[0]!r}")
    if ids:
        why.append(f"Salesforce record ids such as {ids[0]!r}")
    if footer or currency:  # record ids alone need no special reading (15/18-char ids match anyway)
        return {"format": "salesforce_report", "skip_rows": skip, "header_rows": 1, "decimal": decimal,
                "reason": "it has " + " and ".join(why)}
    return {"format": "plain", "skip_rows": skip, "header_rows": 1, "decimal": None,
            "reason": "one header row" + (f" below {skip} title row(s)" if skip else "")}


def _names(grid, geo) -> tuple[list[str], dict[str, str]]:
    """One name per column position, as the loader names it (its own header merge), and its aliases."""
    import pandas as pd
    s, n = geo["skip_rows"], geo["header_rows"]
    rows = grid[s:s + n]
    width = max(len(r) for r in rows)
    header = pd.DataFrame([[c if c else None for c in r] + [None] * (width - len(r)) for r in rows])
    return formats.header_names(header, geo["format"])


def headers_of(grid, geo) -> tuple[list[str], dict[str, list[str]]]:
    """Column names as the loader sees them, and the other header texts (question texts) of each."""
    names, aliases = _names(grid, geo)
    texts: dict[str, list[str]] = {}
    for text, name in aliases.items():
        texts.setdefault(name, []).append(text)
    return [h for h in names if h], texts


def _footers(rows) -> list[bool]:
    """Which rows are report footers, by the loader's rule (:func:`kapta_research.io.formats.is_footer`)."""
    import pandas as pd
    if not rows:
        return []
    width = max(len(r) for r in rows)
    frame = pd.DataFrame([[c or None for c in r] + [None] * (width - len(r)) for r in rows])
    return [bool(f) for f in formats.is_footer(frame)]


def body_of(grid, geo) -> list[list[str]]:
    """The data rows: below the header, without blank lines (and report footers)."""
    rows = grid[geo["skip_rows"] + geo["header_rows"]:]
    rows = [r for r in rows if _width(r) > 0]
    if geo["format"] == "salesforce_report":
        rows = [r for r, f in zip(rows, _footers(rows)) if not f]
    return rows


def stray_rows(grid, geo) -> list[str]:
    """First cells of one-cell rows among the last data rows that the loader would keep as data.

    In a table several columns wide such rows are footers in a language or
    wording the loader does not know ("Gesamtsummen (300 Datensätze)").
    """
    width = len(grid[geo["skip_rows"]]) if len(grid) > geo["skip_rows"] else 0
    if width < 3:
        return []
    body = body_of(grid, geo)[-10:]
    return [r[0] for r in body if _width(r) == 1 and r[0]]


def column_values(grid, geo, headers) -> dict[str, list[str]]:
    """Data cells per loader column name."""
    names, _ = _names(grid, geo)
    body = body_of(grid, geo)
    out = {}
    for i, n in enumerate(names):
        if n and n in headers and n not in out:
            out[n] = [r[i] if i < len(r) else "" for r in body]
    return out
