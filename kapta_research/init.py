"""Draft a ``programme.yaml`` from vendor exports: ``kapta-research init FILE… [-o programme.yaml]``.

For each file, :func:`draft_programme` detects

* the **vendor format**: Qualtrics (three header rows, the third holding
  ``{"ImportId": …}``), SurveyMonkey (two header rows: question, then
  "Response" or a matrix row label), a Salesforce report (footer rows such
  as "Grand Totals (300 records)" / "Confidential Information", currency
  strings like "$1,200,000.00", 15/18-character record ids) or a plain table;
  title rows above the header (``skip_rows``) and, in a workbook, the sheet;
* the **table** (responses, accounts, contacts, invitations, followups,
  voc_interviews) from its headers;
* the **columns**: export header or question text -> canonical name
  (see :mod:`kapta_research._init_match` for the vocabulary);
* the **answer scales**: numbers, a label preset (``agree5``, ``agree7``) or
  a per-column label map, and the churn, role and wave rules the loader needs.

The draft is YAML with comments: every guess says what it was guessed from
(``# guessed from header "…"``), and what could not be decided is a
``# TODO:`` line, listed again at the top.  The user fixes those (if any),
then runs ``kapta-research validate --data programme.yaml``.

Input files are only read.  An existing output file is never overwritten
without ``force=True`` (``--force``).  Exit status of the command: 0 draft
written with nothing undecided, 1 draft written with TODOs, 2 nothing written
(see :data:`EXIT_CODES`).

The work is split: :mod:`kapta_research._init_read` reads a file as a grid
and detects its format (with the loader's header merge and footer rule from
:mod:`kapta_research.io.formats`), :mod:`kapta_research._init_match` matches
headers and answer labels, :mod:`kapta_research._init_yaml` writes the YAML.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ._init_match import REQUIRED, match_columns, score_tables
from ._init_read import (FORMAT_HEADER_ROWS, QUALTRICS_META, body_of, column_values, detect_format,
                         headers_of, read_grid, stray_rows)
from ._init_values import draft_churn, draft_roles, draft_values, draft_wave, qualtrics_note, scale_guesses
from ._init_yaml import clip, render
from .errors import DataError
from .schema import TABLES

__all__ = ["TableDraft", "Draft", "draft_programme", "write_draft", "read_grid", "detect_format"]

#: Name a draft gets without ``--name``; validate warns while it stands (it heads every PDF).
DRAFT_NAME = "Draft programme"


# --------------------------------------------------------------------------
# the draft of one table
# --------------------------------------------------------------------------
@dataclass
class TableDraft:
    """The proposed config of one table (one file, or one sheet of a workbook).

    ``config`` is the mapping written under ``tables: <table>:``; ``comments``
    holds the comment of each key (``("columns", header)``, ``("values", col)``,
    ``"format"``, …) and ``todos`` what the user must decide.
    """

    table: str
    file: Path
    path: str                       # as written in the draft (relative to the output)
    sheet: str | None
    geometry: dict
    n_rows: int
    config: dict = field(default_factory=dict)
    comments: dict = field(default_factory=dict)
    todos: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    unused: list = field(default_factory=list)
    spare: dict = field(default_factory=dict, repr=False)            # unmapped column -> its cells
    spare_or_values: dict = field(default_factory=dict, repr=False)  # every column -> its cells

    @property
    def columns(self) -> dict[str, str]:
        """Canonical name -> export column (identity mappings included)."""
        out = {v: k for k, v in self.config.get("columns", {}).items()}
        out.update({c: c for c in self.comments.get("_identity", [])})
        return out

    @property
    def label(self) -> str:
        return self.path + (f" [sheet {self.sheet!r}]" if self.sheet is not None else "")


_PERSONAL_HINT = re.compile(r"\b(e ?mail|first name|last name|phone|ip address|recipient)\b")
def _draft_table(table: str, file: Path, path: str, sheet, grid, geo, headers, texts) -> TableDraft:
    td = TableDraft(table=table, file=file, path=path, sheet=sheet, geometry=geo,
                    n_rows=len(body_of(grid, geo)) + getattr(grid, "omitted", 0))
    if getattr(grid, "omitted", 0):
        td.notes.append(f"answers judged on the first {len(grid) - 50:,} rows and the last 50 of "
                        f"{len(grid) + grid.omitted:,}: validate checks them all")
    td.config["file"] = path
    if sheet is not None:
        td.config["sheet"] = sheet
    if geo["format"] != "plain":
        td.config["format"] = geo["format"]
        td.comments["format"] = f"guessed: {geo['reason']}"
    if geo["skip_rows"]:
        td.config["skip_rows"] = geo["skip_rows"]
        td.comments["skip_rows"] = f"guessed: {geo['skip_rows']} title row(s) above the header"
    if geo["header_rows"] != FORMAT_HEADER_ROWS[geo["format"]]:
        td.config["header_rows"] = geo["header_rows"]
    if geo.get("decimal"):
        td.config["decimal"] = geo["decimal"]
        td.comments["decimal"] = "guessed from numbers written like 1.200.000,00"
    values = column_values(grid, geo, set(headers))
    empty = {h for h, v in values.items() if td.n_rows and not any(v)}
    candidates = [h for h in headers
                  if h not in empty
                  and not (geo["format"] == "qualtrics" and (h.casefold() in QUALTRICS_META
                                                             or h.upper().endswith("_NPS_GROUP")))
                  and not (table != "contacts" and _PERSONAL_HINT.search(h.casefold().replace("_", " ")))]
    guesses = match_columns(candidates, texts, table)
    columns, comments, identity = {}, {}, []
    for g in guesses:
        if g.header == g.column:
            identity.append(g.header)
            continue
        columns[g.header] = g.column
        shown = g.evidence if g.evidence != g.header else g.header
        what = "header" if g.evidence == g.header else \
            "its question text" if geo["format"] == "qualtrics" else "its sub-label"
        comments[g.header] = f'guessed from {what} "{clip(shown)}"'
    if columns:
        td.config["columns"] = columns
    td.comments["columns"] = comments
    td.comments["_identity"] = identity
    mapped = {g.header for g in guesses}
    td.unused = [h + (" (empty)" if h in empty else "") for h in headers if h not in mapped]
    if geo["format"] == "qualtrics":
        qualtrics_note(td, values)
    todos: list[str] = []
    stray = stray_rows(grid, geo)
    if stray:
        todos.append(f"{table}: the last rows of {td.label} hold a single cell ({', '.join(map(repr, stray[:3]))}) "
                     "that loading would read as data; if they are a report footer, delete them from a copy "
                     "of the export")
    draft_churn(td, values, todos)
    draft_roles(td, values, todos)
    draft_wave(td, values, todos)
    if table == "responses":
        scales = scale_guesses(values, td.columns)
        draft_values(td, scales, todos)
        td.comments["_scales"] = scales
    td.todos = todos
    td.spare = {h: v for h, v in values.items() if h not in mapped and h not in empty}
    td.spare_or_values = values
    return td


def _required_todos(td: TableDraft) -> None:
    """A TODO for each required column that nothing was mapped to."""
    have = set(td.columns) | ({"churned"} if "churned" in td.config else set()) | \
        ({"wave"} if "wave" in td.config else set())
    for req in REQUIRED[td.table]:
        if req in have or (td.table == "responses" and req == "account_id"):  # see _cross_checks
            continue
        if req == "wave" and td.table in ("responses", "invitations"):
            continue  # _draft_wave has said what is missing
        td.todos.append(f"{td.table}: no column found for {req} (required); map the export column that holds "
                        f"it under columns: (unused columns: {clip(', '.join(td.unused), 120) or 'none'})")


def _id_key(v: str) -> str:
    v = str(v).strip()
    return v[:15] if len(v) == 18 and v.isalnum() else v  # a Salesforce id matches its 15-character form


#: id column -> the table whose primary key it is
_ID_OWNERS = {"account_id": "accounts", "contact_id": "contacts", "invitation_id": "invitations",
              "response_id": "responses"}


def _confirm_id(td: TableDraft, col: str, owner: TableDraft, ids: set) -> None:
    """Say how many of a mapped id column's values are ids of the table they refer to; few is a TODO."""
    header = td.columns[col]
    distinct = {_id_key(v) for v in td.spare_or_values.get(header, []) if v}
    if not distinct or header not in td.comments.get("columns", {}):
        return
    share = len(distinct & ids) / len(distinct)
    td.comments["columns"][header] += f"; {share:.0%} of its values are {col}s of {owner.label}"
    if share < 0.5:
        sample = ", ".join(repr(v) for v in sorted(distinct - ids)[:3])
        td.todos.append(f"{td.table}: only {share:.0%} of the values of {header!r} (mapped to {col}) are {col}s of "
                        f"{owner.label} (e.g. {sample}); map the column that holds them")


def _infer_ids(tables: dict) -> None:
    """Map unnamed id columns ("Custom Data 2") by their values: most of them are ids of another table."""
    known = {}
    for col, owner in _ID_OWNERS.items():
        td = tables.get(owner)
        if td is not None and col in td.columns and td.columns[col] in td.spare_or_values:
            known[col] = (td, {_id_key(v) for v in td.spare_or_values[td.columns[col]] if v})
    for t, td in tables.items():
        for col in TABLES[t]["columns"]:
            if col not in _ID_OWNERS or col not in known or known[col][0] is td:
                continue
            owner, ids = known[col]
            if col in td.columns:
                _confirm_id(td, col, owner, ids)
                continue
            best = None
            for h, vals in td.spare.items():
                distinct = {_id_key(v) for v in vals if v}
                share = len(distinct & ids) / len(distinct) if distinct else 0.0
                if share >= 0.5 and (best is None or share > best[1]):
                    best = (h, share)
            if best:
                h, share = best
                td.config.setdefault("columns", {})[h] = col
                td.comments["columns"][h] = (f"guessed from its values: {share:.0%} of them are {col}s of "
                                             f"{owner.label}")
                td.unused = [u for u in td.unused if u != h]
                td.spare.pop(h)



# --------------------------------------------------------------------------
# the whole draft
# --------------------------------------------------------------------------
@dataclass
class Draft:
    """A drafted programme config.

    Attributes
    ----------
    tables : dict of str to TableDraft
        One entry per recognised table.
    todos : list of str
        What the user must decide before ``validate`` can pass (also written
        into the draft as ``# TODO:`` lines).
    notes : list of str
        Files or sheets not used, and why.
    config : dict
        The mapping the YAML text holds (``yaml.safe_load(draft.text) == draft.config``).
    text : str
        The commented YAML.
    output : Path
        Where the draft is (to be) written; file paths in it are relative to its folder.
    """

    tables: dict
    todos: list
    notes: list
    config: dict
    text: str
    output: Path

    def __repr__(self) -> str:
        tables = ", ".join(f"{t} <- {td.label}" for t, td in self.tables.items()) or "no tables"
        return f"<Draft {self.output}: {tables}; {len(self.todos)} TODO(s)>"

    def summary(self) -> str:
        """A few lines for the terminal: what each file became, and what is left to do."""
        lines = [f"Draft programme config: {self.output}"]
        for t, td in self.tables.items():
            fmt = td.geometry["format"]
            n = len(td.columns) + ("churned" in td.config)
            lines.append(f"  {td.label} -> {t} ({fmt}; {td.n_rows} rows; "
                         f"{n} of {n + len(td.unused)} columns mapped)")
        lines.extend(f"  {n}" for n in self.notes)
        if self.todos:
            lines.append(f"{len(self.todos)} TODO(s) to resolve in the draft first:")
            lines.extend(f"  - {t}" for t in self.todos)
        else:
            lines.append("Nothing left to decide; check the guesses (marked in the draft).")
        lines.append(f"Then run: kapta-research validate --data {self.output}")
        return "\n".join(lines)


def _relative(path: Path, base: Path) -> str:
    """``path`` relative to the draft's folder when it is inside it or one level up, else absolute."""
    try:
        rel = Path(os.path.relpath(path.resolve(), base.resolve()))
    except ValueError:  # another drive on Windows
        return path.resolve().as_posix()
    return rel.as_posix() if rel.parts[:2] != ("..", "..") else path.resolve().as_posix()


_ID_VALUE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{1,39}$")


def _id_like_columns(td: TableDraft, most: int = 3) -> str:
    """Unmapped columns whose cells look like ids of a grouping (repeated short codes), fewest distinct first.

    An account id repeats across an account's respondents, so fewer distinct
    values (but more than one) make a likelier account column; free text,
    dates and columns with a distinct value per row are not listed.
    """
    found = []
    used = set(td.columns.values())
    for header, cells in td.spare.items():
        vals = [str(v).strip() for v in cells if str(v).strip()]
        if header in used or re.search(r"\bname\b", str(header), re.I) or len(vals) < 2 or not all(_ID_VALUE.match(v) for v in vals):
            continue
        if all(re.fullmatch(r"\d{1,3}(\.\d{1,3}){3}", v) for v in vals):
            continue   # IP addresses (survey platforms record them)
        if all(re.fullmatch(r"[+-]?\d+(\.\d+)?", v) and len(v) < 4 for v in vals):
            continue   # small numbers are answers, not ids
        distinct = len(set(vals))
        if 1 < distinct < 0.9 * len(vals):
            found.append((distinct, header, vals[0]))
    found.sort()
    return "; ".join(f"{h!r} ({d:,} distinct values, e.g. {v!r})" for d, h, v in found[:most])


def _cross_checks(tables: dict, todos: list, notes: list) -> None:
    r = tables.get("responses")
    if r is None:
        todos.append("no file looks like survey responses (a column for likelihood to recommend); "
                     "add the survey export")
    elif "account_id" not in r.columns:
        c = tables.get("contacts")
        if c is not None and {"contact_id", "account_id"} <= set(c.columns) and "contact_id" in r.columns:
            r.notes.append("no account id column: responses are linked to accounts through their contact")
        else:
            hint = _id_like_columns(r)
            todos.append("responses: no column found for account_id (required); map the export column that "
                         "holds the account id (e.g. an embedded-data field) under columns:"
                         + (f" — columns that look like ids: {hint}" if hint else ""))
    if "accounts" not in tables:
        notes.append("no accounts table among the files: results cannot be broken down by segment or "
                     "region, nor related to churn, until the CRM accounts export is added")


def _draft_file(f: Path, base: Path, notes: list) -> list[tuple[float, TableDraft]]:
    """The table drafts of one file (one per sheet that holds a table), with how well each fits."""
    grids = read_grid(f)
    several = len(grids) > 1
    found = []
    for sheet, grid in grids.items():
        where = f"{f}" + (f" [sheet {sheet!r}]" if several else "")
        if not any(any(c for c in r) for r in grid):
            notes.append(f"{where}: empty sheet, not used")
            continue
        try:
            geo = detect_format(grid)
        except DataError as exc:
            if several:
                notes.append(f"{where}: not used ({exc.message})")
                continue
            raise DataError(exc.message, file=str(f)) from None
        headers, texts = headers_of(grid, geo)
        scores = score_tables(headers, texts)
        if geo["format"] in ("qualtrics", "surveymonkey"):
            scores["responses"] += 4.0
        stem = re.sub(r"[^a-z]+", " ", (f.stem + " " + (sheet or "")).casefold())
        for t in scores:  # the file or sheet name breaks ties
            if any(w in stem for w in _STEM_HINTS[t]):
                scores[t] += 1.0
        best = max(scores, key=scores.get)
        if scores[best] < 2.0:
            notes.append(f"{where}: not used: its headers match no table ({clip(', '.join(headers), 100)})")
            continue
        td = _draft_table(best, f, _relative(f, base), sheet if several else None, grid, geo, headers, texts)
        found.append((scores[best], td))
    if several and not found:
        raise DataError("no sheet of the workbook looks like a table of the programme "
                        f"(sheets: {', '.join(grids)})", file=str(f))
    return found


_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".parquet")


def _expand(files: list[Path]) -> list[Path]:
    """A folder stands for the export files in it (not sub-folders, not a programme config)."""
    out = []
    for f in files:
        if f.is_dir():
            inner = sorted(p for p in f.iterdir() if p.is_file() and p.suffix.lower() in _SUFFIXES)
            if not inner:
                raise DataError(f"the folder holds no export files ({', '.join(_SUFFIXES)})", file=str(f))
            out.extend(inner)
        else:
            out.append(f)
    return out


def draft_programme(files, *, output="programme.yaml", name: str | None = None) -> Draft:
    """Draft a commented programme config for vendor exports (nothing is written).

    Parameters
    ----------
    files : sequence of str or Path
        Export files: CSV (any delimiter; UTF-8, UTF-16 or Windows-1252),
        Excel workbooks (every sheet is considered) or Parquet.  A folder
        stands for the export files directly in it.
    output : str or Path
        Where the draft will live; the files are named relative to its folder.
    name : str, optional
        Programme name (default: "Draft programme").

    Returns
    -------
    Draft
        ``tables`` (table name -> :class:`TableDraft`), ``todos``, ``notes``,
        ``config`` and the commented YAML ``text``.

    Raises
    ------
    DataError
        A file is missing, unreadable, or holds no table (the message names it).

    Examples
    --------
    >>> from kapta_research.config import SAMPLE_DIR
    >>> d = draft_programme([SAMPLE_DIR / "responses.csv", SAMPLE_DIR / "accounts.csv"],
    ...                     output=SAMPLE_DIR / "programme.yaml")
    >>> sorted(d.tables), d.todos
    (['accounts', 'responses'], [])
    >>> d.config["tables"]["responses"]["file"]
    'responses.csv'
    """
    from tqdm.auto import tqdm
    output = Path(output)
    base = output.parent
    files = _expand([Path(f) for f in ([files] if isinstance(files, (str, Path)) else files)])
    if not files:
        raise DataError("give at least one export file")
    found: list[tuple[float, TableDraft]] = []
    notes: list[str] = []
    quiet = bool(os.environ.get("CI")) or len(files) < 3
    for f in tqdm(files, desc="reading exports", unit="file", disable=quiet or None):
        found += _draft_file(f, base, notes)
    tables: dict[str, TableDraft] = {}
    for score, td in sorted(found, key=lambda x: -x[0]):
        if td.table in tables:
            notes.append(f"{td.label} also looks like the {td.table} table; {tables[td.table].label} "
                         f"fits better and is used (swap the file under tables: {td.table}: if not)")
            continue
        tables[td.table] = td
    order = [t for t in TABLES if t in tables]
    tables = {t: tables[t] for t in order}
    _infer_ids(tables)
    for td in tables.values():
        _required_todos(td)
    todos = [t for td in tables.values() for t in td.todos]
    _cross_checks(tables, todos, notes)
    config, text = render(tables, todos, notes, output, name or DRAFT_NAME)
    return Draft(tables=tables, todos=todos, notes=notes, config=config, text=text, output=output)


_STEM_HINTS = {
    "accounts": ("account", "customer", "crm", "compan"),
    "contacts": ("contact", "people", "person"),
    "invitations": ("invit", "distribution", "sent"),
    "responses": ("response", "survey", "nps", "qualtrics", "monkey", "feedback"),
    "followups": ("follow", "closed loop", "case"),
    "voc_interviews": ("voc", "interview"),
    "employees": ("employee", "staff", "enps", "people survey", "pulse"),
}


def write_draft(files, output="programme.yaml", *, force: bool = False, name: str | None = None) -> Draft:
    """Draft a programme config (see :func:`draft_programme`) and write it to ``output``.

    An existing ``output`` is only replaced with ``force=True``; an input file
    is never the output.  A missing folder of ``output`` is created.

    Returns
    -------
    Draft

    Raises
    ------
    DataError
        The output exists (without ``force``) or is an input; or an input
        cannot be read (see :func:`draft_programme`).

    Examples
    --------
    >>> import tempfile
    >>> from kapta_research.config import SAMPLE_DIR
    >>> out = Path(tempfile.mkdtemp()) / "programme.yaml"
    >>> d = write_draft([SAMPLE_DIR / "responses.csv", SAMPLE_DIR / "accounts.csv"], out)
    >>> out.read_text(encoding="utf-8").startswith("# Programme config drafted by `kapta-research init`")
    True
    """
    output = Path(output)
    files = [Path(f) for f in ([files] if isinstance(files, (str, Path)) else files)]
    inputs = {f.resolve() for f in files} | {f.resolve() for f in _expand([f for f in files if f.is_dir()])}
    if output.resolve() in inputs:
        raise DataError("is one of the export files: init never writes over its input; choose another -o",
                        file=str(output))
    if output.exists() and not force:
        raise DataError("already exists: init does not overwrite it; pass --force (force=True) to replace "
                        "it, or choose another -o", file=str(output))
    if output.parent.exists() and not output.parent.is_dir():
        raise DataError(f"cannot write there: {output.parent} is a file, not a folder", file=str(output))
    draft = draft_programme(files, output=output, name=name)
    output.parent.mkdir(parents=True, exist_ok=True)  # e.g. data/raw/acme/ for a new programme
    output.write_text(draft.text, encoding="utf-8")
    return draft


# --------------------------------------------------------------------------
# command line (registered by kapta_research.cli)
# --------------------------------------------------------------------------
EXIT_CODES = """exit status:
  0  draft written; nothing left undecided (check the guesses, then run validate)
  1  draft written, with TODO lines to resolve first (listed on screen and at its top)
  2  nothing written: a file is missing, unreadable or holds no table, or the
     output exists (use --force)"""


def _cmd_init(args) -> int:
    draft = write_draft(args.files, args.output, force=args.force, name=args.name)
    print(draft.summary())
    return 1 if draft.todos else 0


def add_parser(sub) -> None:
    """Register the ``init`` subcommand on an argparse sub-parsers object."""
    import argparse
    import textwrap
    p = sub.add_parser(
        "init", help="draft a programme.yaml from vendor exports",
        description=textwrap.fill(
                    "Detect each export's vendor format (Qualtrics, SurveyMonkey, Salesforce report, plain "
                    "CSV/Excel) and table, propose the column mapping and answer scales, and write a "
                    "commented programme.yaml: guesses are marked, undecided points are TODO lines. "
                    "Then run `kapta-research validate --data programme.yaml`. Input files are only read.", 79),
        epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("files", nargs="+", metavar="FILE",
                   help="export files (.csv, .xlsx, .parquet), or a folder of them")
    p.add_argument("-o", "--output", default="programme.yaml",
                   help="where to write the draft (default programme.yaml); file paths in it are relative to it")
    p.add_argument("--force", action="store_true", help="overwrite the output if it exists")
    p.add_argument("--name", help="programme name written into the draft")
    p.set_defaults(func=_cmd_init)
