"""Parameter and data checks shared by every public function.

Messages follow scikit-learn's form: "The 'confidence' parameter of nps must
be in (0, 1). Got 95 instead."
"""
from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from .errors import DataError, ParameterError

__all__ = [
    "check_confidence", "check_int", "check_choice", "check_bool",
    "check_random_state", "check_dataframe", "check_columns", "check_numeric",
    "check_number", "row_labels", "source_of", "FileRows", "file_rows_of",
]


def _bad(name: str, func: str, what: str, value) -> ParameterError:
    return ParameterError(
        f"The '{name}' parameter of {func} must be {what}. Got {value!r} instead."
    )


def check_confidence(value, *, name: str = "confidence", func: str) -> float:
    """Return ``value`` as float if it lies in (0, 1), else raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise _bad(name, func, "a float in (0, 1)", value)
    if not 0 < value < 1:
        raise _bad(name, func, "in (0, 1)", value)
    return float(value)


def check_number(value, *, name: str, func: str, low=None, high=None,
                 low_open: bool = False, allow_none: bool = False):
    """Check a real number against optional bounds."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise _bad(name, func, "a finite number", value)
    if low is not None and (value < low or (low_open and value == low)):
        op = ">" if low_open else ">="
        raise _bad(name, func, f"{op} {low}", value)
    if high is not None and value > high:
        raise _bad(name, func, f"<= {high}", value)
    return value


def check_int(value, *, name: str, func: str, low: int | None = None,
              high: int | None = None, allow_none: bool = False) -> int | None:
    """Check an integer parameter, ``low <= value <= high``."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise _bad(name, func, "an int", value)
    if low is not None and value < low:
        raise _bad(name, func, f"an int >= {low}", value)
    if high is not None and value > high:
        raise _bad(name, func, f"an int <= {high}", value)
    return int(value)


def check_choice(value, choices: Sequence, *, name: str, func: str):
    """Check that ``value`` is one of ``choices``."""
    if value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise _bad(name, func, f"one of {{{listed}}}", value)
    return value


def check_bool(value, *, name: str, func: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise _bad(name, func, "a bool", value)
    return bool(value)


def check_random_state(random_state, *, func: str = "this function") -> np.random.Generator:
    """Turn None, an int seed or a Generator into a :class:`numpy.random.Generator`."""
    if random_state is None or isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if random_state is not None and random_state < 0:
            raise _bad("random_state", func, "None, a non-negative int or a numpy Generator", random_state)
        return np.random.default_rng(random_state)
    if isinstance(random_state, np.random.Generator):
        return random_state
    raise _bad("random_state", func, "None, a non-negative int or a numpy Generator", random_state)


def source_of(data: pd.DataFrame) -> str:
    """The file a frame was read from (``attrs['source']``), else ``'<DataFrame>'``."""
    return str(data.attrs.get("source", "<DataFrame>")) if hasattr(data, "attrs") else "<DataFrame>"


class FileRows:
    """The spreadsheet row number of each row of a frame read from a file (header = row 1).

    Frames read by :mod:`kapta_research.io` hold one of these in
    ``attrs['file_rows']``.  It is a *reference*: pandas deep-copies ``attrs`` on
    every operation, and copying this object returns the object itself, so a
    table of any size costs O(1) per operation (a plain dict of row numbers made
    loading 3 000 accounts take 26 s, 25 of them in ``copy.deepcopy``).  Frames
    derived by filtering keep their index labels, so the lookup by label stays
    right; frames whose index is rebuilt (merges, ``reset_index``) need a new
    ``FileRows`` (see :meth:`for_frame`).  Immutable; equality is identity.

    Parameters
    ----------
    index : array-like
        Index labels of the rows.
    rows : array-like of int
        Their spreadsheet row numbers, aligned with ``index``.
    """

    __slots__ = ("_rows",)

    def __init__(self, index, rows):
        self._rows = pd.Series(np.asarray(rows, dtype=np.int64), index=pd.Index(index))

    def __deepcopy__(self, memo):  # shared, never copied: see the class docstring
        return self

    def __copy__(self):
        return self

    def __reduce__(self):
        return (FileRows, (self._rows.index, self._rows.to_numpy()))

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, label) -> int:
        return int(self._rows[label])

    def __repr__(self) -> str:
        return f"<FileRows of {len(self)} rows>"

    def lookup(self, labels) -> np.ndarray:
        """Row numbers (float; NaN where unknown) of the given index labels."""
        if not self._rows.index.is_unique:  # e.g. after concatenating frames: labels are ambiguous
            return np.full(len(labels), np.nan)
        return self._rows.reindex(pd.Index(labels)).to_numpy(dtype=float)

    @classmethod
    def for_frame(cls, data: pd.DataFrame, rows) -> "FileRows":
        """Row numbers ``rows`` (aligned with ``data``'s rows) keyed by ``data.index``."""
        return cls(data.index, rows)


def file_rows_of(data: pd.DataFrame) -> np.ndarray | None:
    """Spreadsheet row numbers (float, NaN where unknown) aligned with ``data``'s rows, or None."""
    file_rows = data.attrs.get("file_rows") if hasattr(data, "attrs") else None
    if file_rows is None:
        return None
    if isinstance(file_rows, FileRows):
        return file_rows.lookup(data.index)
    return pd.Series(file_rows).reindex(data.index).to_numpy(dtype=float)


def row_labels(data: pd.DataFrame, mask) -> list:
    """Row numbers to show for the rows selected by boolean ``mask``.

    Frames read by :mod:`kapta_research.io` carry ``attrs['file_rows']`` (a
    :class:`FileRows`; a dict or Series of spreadsheet row numbers aligned with
    the index also works); otherwise the index labels are used.
    """
    mask = np.asarray(mask, dtype=bool)
    file_rows = data.attrs.get("file_rows") if hasattr(data, "attrs") else None
    if file_rows is not None:
        labels = data.index[mask]
        if isinstance(file_rows, FileRows):
            lookup = file_rows.lookup(labels)
        else:
            lookup = pd.Series(file_rows).reindex(labels).to_numpy(dtype=float)
        return [int(x) if not np.isnan(x) else lbl for x, lbl in zip(lookup, labels)]
    return list(data.index[mask])


def check_dataframe(data, *, func: str, name: str = "data") -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise ParameterError(
            f"The '{name}' parameter of {func} must be a pandas DataFrame. "
            f"Got {type(data).__name__} instead."
        )
    if len(data) == 0:
        raise DataError(f"{func} needs at least one row; the data are empty.", file=source_of(data))
    return data


def joined_column_hint(missing, available) -> str:
    """A hint for missing columns that live in the accounts or contacts table (e.g. ``segment``
    asked of the responses alone), or ``""``.  Only for rows that name their account (``account_id``):
    another table (a result passed on, say) lacks ``segment`` for other reasons."""
    from .schema import RESPONDENT_JOINS
    cols = [c for c in missing if c not in available and any(c in j for j in RESPONDENT_JOINS.values())]
    if not cols or "account_id" not in available:
        return ""
    tables = [t for t, j in RESPONDENT_JOINS.items() if any(c in j for c in cols)]
    one = len(cols) == 1
    return (f" {', '.join(map(repr, cols))} {'is a column' if one else 'are columns'} of the "
            f"{' and '.join(tables)} table{'s' if len(tables) > 1 else ''}: join "
            f"{'it' if len(tables) == 1 else 'them'} to the responses, or take "
            "Programme.respondents() (respondents(engine=True) for responses kept in an engine).")


def check_columns(data: pd.DataFrame, columns: Iterable[str], *, func: str, name: str = "column") -> list[str]:
    """Check that every name in ``columns`` is a column of ``data``."""
    columns = [columns] if isinstance(columns, str) else list(columns)
    for col in columns:
        if not isinstance(col, str):
            raise _bad(name, func, "a column name (str)", col)
    missing = [c for c in columns if c not in data.columns]
    if missing:
        import difflib
        available = ", ".join(map(str, data.columns))
        hints = [h for m in missing for h in difflib.get_close_matches(m, list(map(str, data.columns)), n=1)]
        hint = f" Did you mean {', '.join(repr(h) for h in hints)}?" if hints else ""
        hint += joined_column_hint(missing, data.columns)
        src = source_of(data)
        origin = f" (data read from {src})" if src != "<DataFrame>" else ""
        # The column is missing from what the caller passed, not from the file: no file= prefix.
        err = DataError(
            f"{func}: no column named {', '.join(repr(m) for m in missing)} in the data{origin}.{hint} "
            f"Available columns: {available}.")
        err.column = missing[0]
        raise err
    return columns


def check_numeric(data: pd.DataFrame, column: str, *, func: str, low=None, high=None,
                  integer: bool = False, allow_missing: bool = True) -> pd.Series:
    """Return ``data[column]`` as float, raising a :class:`DataError` naming the bad rows.

    Non-numeric entries, values outside ``[low, high]`` and (with
    ``integer=True``) non-whole values are reported with their rows.
    """
    raw = data[column]
    values = pd.to_numeric(raw, errors="coerce")
    src = source_of(data)
    notnum = values.isna() & raw.notna()
    if notnum.any():
        raise DataError("values are not numbers", file=src, column=column,
                        rows=row_labels(data, notnum), values=list(raw[notnum]))
    if not allow_missing and values.isna().any():
        miss = values.isna()
        raise DataError("values are missing", file=src, column=column,
                        rows=row_labels(data, miss), values=list(raw[miss]))
    values = values.astype(float)
    bad = pd.Series(False, index=data.index)
    what = []
    if low is not None or high is not None:
        lo = -np.inf if low is None else low
        hi = np.inf if high is None else high
        bad |= (values < lo) | (values > hi)
        what.append(f"between {low} and {high}")
    if integer:
        bad |= values.notna() & (values != np.round(values))
        what.append("whole numbers")
    if bad.any():
        raise DataError(f"values must be {' and '.join(what)}", file=src, column=column,
                        rows=row_labels(data, bad), values=list(raw[bad]))
    return values
