"""Multiple-comparison adjustment (Holm 1979), through statsmodels' ``multipletests``."""
from __future__ import annotations

import numpy as np

__all__ = ["ADJUSTMENTS", "adjust_p_values"]

#: Accepted values of ``adjust``: None (no adjustment) or "holm".
ADJUSTMENTS = (None, "holm")


def adjust_p_values(p_values, *, method: str | None = "holm") -> np.ndarray:
    """Family-wise adjusted p-values; NaN entries are left out of the family and stay NaN.

    Holm's step-down adjustment controls the family-wise error rate at any
    level for any dependence between the tests.  ``method=None`` returns the
    p-values unchanged.

    Examples
    --------
    >>> adjust_p_values([0.01, 0.04, 0.03, float("nan")]).tolist()
    [0.03, 0.06, 0.06, nan]
    """
    p = np.asarray(p_values, dtype=float)
    if method is None:
        return p.copy()
    if method != "holm":
        raise ValueError(f"unknown adjustment {method!r}")
    from statsmodels.stats.multitest import multipletests
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    if ok.any():
        out[ok] = multipletests(p[ok], method="holm")[1]
    return out
