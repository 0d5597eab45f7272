"""Input checks shared by the churn functions (columns, durations, complete cases)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from .._validation import check_number, row_labels, source_of
from ..errors import DataError, ParameterError
from ..stats.intervals import critical_value


def _z(confidence: float) -> float:
    """Normal critical value of the Wald intervals of the churn models, also under clustering.

    Documented exception to the t(G - 1) rule of
    :mod:`kapta_research.stats.intervals`: hazard ratios and odds ratios are
    maximum-likelihood Wald intervals, and the references they are tested
    against use the normal quantile with a cluster-robust variance (R
    ``coxph(..., cluster=)``, statsmodels ``Logit(...).fit(cov_type="cluster")``,
    Stata ``logit, vce(cluster)``).  Bootstrap-based differences of AUCs
    use it too (no degrees of freedom).
    """
    return critical_value(confidence)


def _column_list(value, *, name: str, func: str, allow_empty: bool = False) -> list[str]:
    """A column name or a list of names -> list of unique names."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, Sequence) or isinstance(value, (bytes, bytearray)):
        raise ParameterError(
            f"The '{name}' parameter of {func} must be a column name or a list of "
            f"column names. Got {value!r} instead."
        )
    value = list(value)
    for col in value:
        if not isinstance(col, str):
            raise ParameterError(
                f"The '{name}' parameter of {func} must contain column names (str). "
                f"Got {col!r} instead."
            )
    if not value and not allow_empty:
        raise ParameterError(
            f"The '{name}' parameter of {func} must name at least one column. Got [] instead."
        )
    dupes = sorted({c for c in value if value.count(c) > 1})
    if dupes:
        raise ParameterError(
            f"The '{name}' parameter of {func} names {', '.join(map(repr, dupes))} more than once."
        )
    return value


def _numeric_column(data: pd.DataFrame, column: str, *, func: str, what: str) -> pd.Series:
    """``data[column]`` as float; NaN where missing.

    Booleans become 0/1.  Text or categorical columns are refused (unless
    every non-missing entry is a number written as text): categories must be
    coded as indicator columns by the caller, so the reference level is a
    visible choice.
    """
    raw = data[column]
    if pd.api.types.is_bool_dtype(raw):
        return raw.astype(float)
    if pd.api.types.is_numeric_dtype(raw) and not isinstance(raw.dtype, pd.CategoricalDtype):
        values = raw.astype(float)
    else:
        values = pd.to_numeric(raw.astype(object).where(raw.notna(), None), errors="coerce")
        bad = values.isna() & raw.notna()
        if bad.any():
            raise DataError(
                f"{func}: the {what} must be numeric (or True/False); it holds text or "
                f"categories. Code a categorical {what} as 0/1 indicator columns first, "
                f"e.g. pd.get_dummies(data, columns=[{column!r}], drop_first=True, "
                f"dtype=float), and pass those columns",
                file=source_of(data), column=column,
                rows=row_labels(data, bad), values=list(raw[bad]),
            )
        values = values.astype(float)
    infinite = np.isinf(values)
    if infinite.any():
        raise DataError(f"{func}: the {what} must be finite", file=source_of(data),
                        column=column, rows=row_labels(data, infinite),
                        values=list(raw[infinite]))
    return values


def _binary_column(data: pd.DataFrame, column: str, *, func: str, what: str) -> pd.Series:
    """``data[column]`` as a float 0/1 series (NaN where missing)."""
    raw = data[column]
    if pd.api.types.is_bool_dtype(raw):
        return raw.astype(float)
    values = pd.to_numeric(raw.astype(object).where(raw.notna(), None), errors="coerce")
    bad = raw.notna() & ~values.isin([0, 1])
    if bad.any():
        raise DataError(
            f"{func}: the {what} must be binary, 1 (or True) for churned and 0 (or False) "
            f"for retained", file=source_of(data), column=column,
            rows=row_labels(data, bad), values=list(raw[bad]),
        )
    return values.astype(float)


def _duration_column(data: pd.DataFrame, column: str, *, func: str) -> pd.Series:
    values = _numeric_column(data, column, func=func, what="duration")
    negative = values < 0
    if negative.any():
        raise DataError(f"{func}: durations must be >= 0", file=source_of(data),
                        column=column, rows=row_labels(data, negative),
                        values=list(data[column][negative]))
    return values


def _complete_frame(data: pd.DataFrame, columns: Mapping[str, pd.Series], numeric, *, what: str,
                    cluster: str | None, func: str, outcome: str) -> tuple[pd.DataFrame, np.ndarray]:
    """The complete rows of ``columns`` plus the ``numeric`` columns (checked as ``what``) and
    ``cluster``, as a frame keyed by the user's names, with the mask of the rows kept."""
    columns = dict(columns)
    for col in numeric:
        columns[col] = _numeric_column(data, col, func=func, what=what)
    if cluster is not None and cluster not in columns:
        columns[cluster] = data[cluster]
    mask = _complete_rows(data, columns, func=func, outcome=outcome)
    return pd.DataFrame({k: v[mask] for k, v in columns.items()}), mask


def _complete_rows(data: pd.DataFrame, columns: Mapping[str, pd.Series], *,
                   func: str, outcome: str | None = None) -> np.ndarray:
    """Mask of rows with a value in every one of ``columns`` (user name -> values).

    A column missing in every row is refused with its name; for the churn
    ``outcome`` column the message says that churn outcomes are missing
    (which is not the same as "no churn events").
    """
    for name, values in columns.items():
        if values.isna().all():
            if name == outcome:
                raise DataError(f"{func}: churn outcomes are missing: the column has no value in any "
                                f"row, so churn cannot be analysed (give churned and churn_date in the "
                                f"accounts table)", file=source_of(data), column=name)
            raise DataError(f"{func}: the column is missing in every row; nothing to analyse",
                            file=source_of(data), column=name)
    mask = np.ones(len(data), dtype=bool)
    for values in columns.values():
        mask &= values.notna().to_numpy()
    if not mask.any():
        raise DataError(
            f"{func}: no row has a value in every one of the columns "
            f"{', '.join(map(repr, columns))}; nothing to analyse",
            file=source_of(data),
        )
    return mask


def _check_horizon(horizon, *, func: str):
    return check_number(horizon, name="horizon", func=func, low=0, low_open=True,
                        allow_none=True)


def _apply_horizon(time: np.ndarray, event: np.ndarray, horizon):
    """Administrative censoring at ``horizon``."""
    if horizon is None:
        return time, event
    late = time > horizon
    return np.where(late, float(horizon), time), np.where(late, 0.0, event)


def _check_varies(data: pd.DataFrame, frame: pd.DataFrame, columns: list[str], *,
                  func: str, what: str) -> None:
    for col in columns:
        if frame[col].nunique() < 2:
            raise DataError(
                f"{func}: the {what} has the same value ({frame[col].iloc[0]!r}) in every "
                f"analysed row, so its effect cannot be estimated",
                file=source_of(data), column=col,
            )
    if len(columns) > 1:
        X = frame[columns].to_numpy(float)
        X = X - X.mean(axis=0)
        if np.linalg.matrix_rank(X) < len(columns):
            raise DataError(
                f"{func}: the {what}s {', '.join(map(repr, columns))} are linearly dependent "
                f"(one is a combination of the others), so their effects cannot be "
                f"separated; drop one",
                file=source_of(data),
            )



def _level_codes(values: pd.Series) -> tuple[list, np.ndarray]:
    """Levels present in ``values`` (categorical order, else sorted, else first seen) and each row's code."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        levels = [c for c in values.cat.categories if (values == c).any()]
    else:
        try:
            levels = sorted(values.unique())
        except TypeError:
            levels = list(values.unique())
    lookup = {lev: i for i, lev in enumerate(levels)}
    return levels, values.map(lookup).to_numpy(int)
