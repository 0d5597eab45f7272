"""Errors raised by kapta-research.

Every error a user can trigger with bad input or bad parameters is a
:class:`KaptaError`, itself a :class:`ValueError`, so ``except ValueError``
keeps working.  Data errors name the file, the column, the rows and up to
five offending values, so that the analyst can open the export and fix it.

Row numbers
-----------
For data read from a file, ``rows`` are *spreadsheet row numbers*: the header
is row 1 and the first data row is row 2, which is what Excel and LibreOffice
show; a Parquet file or database table is numbered the same way (row 2 is its
first record, as in a spreadsheet export of it).  Responses kept in an engine
are named by ``response_id`` instead.  For a DataFrame passed in directly,
``rows`` are its index labels.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

__all__ = ["KaptaError", "ParameterError", "DataError", "ConvergenceError", "KaptaWarning", "MAX_SHOWN"]

#: How many rows / values an error message lists before saying "and N more".
MAX_SHOWN = 5


class KaptaError(ValueError):
    """Base class of every error raised on purpose by kapta-research."""


class ParameterError(KaptaError):
    """A function or study parameter has the wrong type or value."""


def _show(items: Sequence, limit: int = MAX_SHOWN, *, quote: bool = False) -> str:
    items = list(items)
    shown = [repr(x) if quote else str(x) for x in items[:limit]]
    text = ", ".join(shown)
    if len(items) > limit:
        text += f" and {len(items) - limit} more"
    return text


class DataError(KaptaError):
    """Input data are malformed.

    Parameters
    ----------
    message : str
        What is wrong, in plain words.
    file : str, optional
        The file (or table) the data came from.
    column : str, optional
        The offending column.
    rows : sequence, optional
        Row numbers (see module docstring) of the offending rows.
    values : sequence, optional
        The offending values, aligned with ``rows``.
    export_column : str, optional
        The column's name in the user's file when it was mapped to the
        canonical ``column`` (shown as ``column 'Q1' (ltr)``).

    Attributes
    ----------
    file, column, rows, values, export_column : as given.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        column: str | None = None,
        rows: Iterable | None = None,
        values: Iterable | None = None,
        export_column: str | None = None,
    ) -> None:
        self.file = file
        self.column = column
        self.export_column = export_column
        self.rows = list(rows) if rows is not None else []
        self.values = list(values) if values is not None else []
        self.message = message
        super().__init__(self._format())

    def _format(self) -> str:
        where = []
        if self.file:
            where.append(f"file {self.file}")
        if self.column is not None and self.export_column and self.export_column != self.column:
            where.append(f"column '{self.export_column}' ({self.column})")
        elif self.column is not None:
            where.append(f"column '{self.column}'")
        text = ", ".join(where)
        text = f"{text}: {self.message}" if text else self.message
        if self.rows:
            n = len(self.rows)
            text += f" ({n} row{'s' if n != 1 else ''}: {_show(self.rows)}"
            if self.values:
                text += f"; values: {_show(self.values, quote=True)}"
            text += ")"
        elif self.values:
            text += f" (values: {_show(self.values, quote=True)})"
        return text


class ConvergenceError(DataError):
    """A model could not be fitted: the optimiser did not converge, or the data
    separate the outcome (perfect prediction), so the estimates do not exist."""


class KaptaWarning(RuntimeWarning):
    """Warning about a result that is computed but should be read with care
    (e.g. bootstrap replicates that failed, a design effect below 1)."""
