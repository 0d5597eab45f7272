"""Design effect and effective sample size of clustered estimates.

The design effect of an estimate is its cluster-robust variance over the
variance it would have under simple random sampling of the same rows
(Kish 1965): ``deff = V_cluster / V_srs``.  The effective sample size is
``n_eff = n / deff``: the number of independent respondents that would give
the same precision.

Floor rule
----------
For intervals the design effect is floored at 1 (``n_eff <= n``; Korn &
Graubard 1998, "Confidence intervals for proportions with small expected
number of positive counts estimated from survey data", *Survey
Methodology* 24): an estimated design effect below 1 is mostly noise in the
cluster variance, and trusting it would make an interval narrower than the
simple-random-sampling one.  The *reported* design effect is the unfloored
ratio, so a reader can see it; printed text should call a value below 1
"no clustering penalty", not information.

When every row has the same value the SRS variance is 0 and the design
effect is 0/0 (undefined, returned as NaN).  Intervals then use the worst
case, an intra-cluster correlation of 1, ``deff = Σ_g W_g² / Σ_i w_i²``
(unweighted: ``n_eff = n² / Σ_g n_g²``, at most the number of clusters),
rather than pretending the respondents are independent.
"""
from __future__ import annotations

import numpy as np

from .intervals import critical_value

__all__ = ["design_effect", "worst_case_design_effect", "effective_n", "interval_n", "df_correction"]


def design_effect(variance: float, srs_variance: float) -> float:
    """``variance / srs_variance``; NaN when the SRS variance is 0 or either is not finite.

    Examples
    --------
    >>> design_effect(0.02, 0.01)
    2.0
    >>> design_effect(0.0, 0.0)
    nan
    """
    if not (np.isfinite(variance) and np.isfinite(srs_variance)) or srs_variance <= 0:
        return float("nan")
    return float(variance / srs_variance)


def worst_case_design_effect(w, codes, n_clusters: int) -> float:
    """Design effect under intra-cluster correlation 1: ``Σ_g W_g² / Σ_i w_i²``.

    Examples
    --------
    >>> worst_case_design_effect([1.0] * 4, [0, 0, 1, 1], 2)   # n_eff = 4 / 2 = 2 clusters
    2.0
    """
    w = np.asarray(w, dtype=float)
    w_g = np.bincount(np.asarray(codes, dtype=np.int64), weights=w, minlength=n_clusters)
    return float((w_g ** 2).sum() / (w ** 2).sum())


def effective_n(n: float, deff: float, *, worst_case: float | None = None) -> float:
    """Effective sample size ``n / max(deff, 1)`` (the floor rule of the module docstring).

    Parameters
    ----------
    n : float
        Rows (or total weight rescaled to rows).
    deff : float
        Design effect; NaN means undefined (no variation).
    worst_case : float, optional
        Design effect to use when ``deff`` is undefined (see
        :func:`worst_case_design_effect`); without it an undefined design
        effect counts as 1.

    Examples
    --------
    >>> effective_n(100, 4.0), effective_n(100, 0.5), effective_n(100, float("nan"), worst_case=5.0)
    (25.0, 100.0, 20.0)
    """
    if not np.isfinite(deff):
        deff = 1.0 if worst_case is None else worst_case
    return float(n / max(deff, 1.0))


def interval_n(n: float, variance: float, unit_variance: float, *, n_clusters: int | None = None,
               confidence: float = 0.95, worst_case: float | None = None) -> float:
    """Effective sample size for a score-type interval (NPS score / adjusted Wald, Wilson).

    ``n_eff = unit_variance / variance``: the number of independent, equally
    weighted rows that would give the estimate's (cluster-robust or weighted)
    variance, where ``unit_variance`` is one row's simple-random-sampling
    variance (``p(1 − p)`` for a rate; ``(p+ + p−) − (p+ − p−)²`` for NPS).  This
    carries weighting as well as clustering (the rule of R's
    ``survey::svyciprop``, ``n.eff = p(1 − p) / vcov``); ``n / deff`` would miss
    the weighting.  It is capped at ``n`` (the floor rule above).  When the ratio
    is undefined (no variation: both variances 0) the worst case ``n /
    worst_case`` is used, or ``n`` without one.

    With ``n_clusters`` the variance is cluster-robust over ``G`` clusters and
    ``n_eff`` is multiplied by ``(z / t_{G−1})²`` so that a ``z``-based interval
    on the effective-n scale is as wide as a ``t(G − 1)`` one (Korn & Graubard
    1998, eq. 2.3; ``survey:::svyciprop(method = "beta")`` does the same).
    Fewer than 2 clusters give NaN (no between-cluster variation to estimate).

    Examples
    --------
    >>> interval_n(100, 0.25 / 100, 0.25)                   # simple random sample
    100.0
    >>> round(interval_n(100, 0.25 / 25, 0.25), 6)          # design effect 4
    25.0
    >>> round(interval_n(100, 0.25 / 25, 0.25, n_clusters=5), 2)   # ... from only 5 accounts
    12.46
    """
    if n_clusters is not None and n_clusters < 2:
        return float("nan")
    if np.isfinite(variance) and np.isfinite(unit_variance) and variance > 0 and unit_variance > 0:
        n_eff = min(float(unit_variance / variance), float(n))
    else:
        n_eff = float(n / max(worst_case, 1.0)) if worst_case is not None else float(n)
    if n_clusters is not None:
        n_eff *= df_correction(confidence, n_clusters)
    return n_eff


def df_correction(confidence: float, n_clusters: int) -> float:
    """``(z / t_{G−1})²``: the factor on an effective n that makes a z-based interval t(G − 1)-wide.

    Korn & Graubard (1998); as ``confidence`` → 0 (p-value inversion) its limit,
    the squared ratio of the t and normal densities at 0.

    Examples
    --------
    >>> round(df_correction(0.95, 5), 4)
    0.4983
    """
    z, t = critical_value(confidence), critical_value(confidence, df=n_clusters - 1)
    if t > 0:
        return (z / t) ** 2
    from scipy import stats
    return float((stats.t.pdf(0.0, n_clusters - 1) / stats.norm.pdf(0.0)) ** 2)
