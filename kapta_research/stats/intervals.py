"""Critical values and confidence intervals: one implementation of each.

Critical value rule
-------------------
:func:`critical_value` gives Student's t with ``G − 1`` degrees of freedom
when an estimate's variance is cluster-robust over ``G`` clusters (Cameron &
Miller 2015, §VI.C; Stata and statsmodels use the same df), and the normal
quantile otherwise (``df=None``).  Two documented exceptions use the normal
quantile under clustering:

* the NPS score and adjusted-Wald intervals and the Wilson interval, which
  take the clustering into account through the effective sample size
  ``n / deff`` (Korn & Graubard 1998) and are defined with ``z``;
* bootstrap percentile intervals, which use no critical value.

Bounded intervals
-----------------
NPS lies in [−100, 100] and a difference of two NPS in [−200, 200].  The
score interval (:func:`nps_score_interval`) respects the bounds by
construction.  The interval of a difference is Newcombe's (1998) MOVER
("method of variance estimates recovery", Zou & Donner 2008) built from the
two groups' score intervals, with the correlation of the two estimates when
they share clusters (:func:`mover_difference`); since
``sqrt(A² + B² − 2rAB) ≤ A + B`` it never leaves [−2, 2] on the proportion
scale.  Its p-value (:func:`interval_p_value`) inverts the same interval, so
"significant at ``confidence``" and "the interval excludes 0" always agree.
"""
from __future__ import annotations

import functools

import numpy as np
from scipy import optimize, stats

__all__ = ["critical_value", "wald_interval", "wilson_interval", "nps_srs_variance",
           "nps_restricted_mle", "nps_score_interval", "nps_adjusted_wald_interval",
           "mover_difference", "interval_p_value"]


def critical_value(confidence: float, *, df=None):
    """Two-sided critical value: t with ``df`` degrees of freedom, or z when ``df`` is None/inf.

    ``df`` may be an array (one value per estimate, NaN or inf meaning z); the
    result is then an array of the same shape.

    Examples
    --------
    >>> round(critical_value(0.95), 4), round(critical_value(0.95, df=9), 4)
    (1.96, 2.2622)
    """
    if df is not None and np.ndim(df) > 0:
        d = np.asarray(df, dtype=float)
        return np.array([_critical_value(float(confidence), float(v) if np.isfinite(v) else None)
                         for v in d.ravel()], dtype=float).reshape(d.shape)
    return _critical_value(float(confidence), None if df is None or not np.isfinite(df) else float(df))


@functools.lru_cache(maxsize=4096)
def _critical_value(confidence: float, df: float | None) -> float:
    # cached: nps() asks for the same few quantiles once per group (thousands of groups)
    q = 0.5 + confidence / 2
    if df is None:
        return float(stats.norm.ppf(q))
    return float(stats.t.ppf(q, df))


def wald_interval(estimate, se, *, confidence: float, df=None):
    """``estimate ± critical_value · se`` (vectorised, ``df`` too).

    Examples
    --------
    >>> lo, hi = wald_interval(0.0, 1.0, confidence=0.95)
    >>> round(float(hi), 3)
    1.96
    """
    crit = critical_value(confidence, df=df)
    est, se = np.asarray(estimate, float), np.asarray(se, float)
    return est - crit * se, est + crit * se


def wilson_interval(successes, n, *, confidence: float = 0.95):
    """Wilson score interval of a proportion (vectorised; counts may be effective, non-integer).

    Edge handling: ``k = 0`` gives a lower bound of exactly 0 and ``k = n`` an
    upper bound of exactly 1 (the formula's limits, without rounding noise);
    ``n <= 0`` gives NaN.  Equals R's ``prop.test(k, n, correct=FALSE)$conf.int``.

    Returns
    -------
    (low, high) : tuple of ndarray (0-1 scale)

    Examples
    --------
    >>> lo, hi = wilson_interval(81, 263)   # Wilson (1927) score interval
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.2553, 0.3662)
    >>> [float(v) for v in wilson_interval(0, 10)][0]
    0.0
    """
    k = np.asarray(successes, float)
    n = np.asarray(n, float)
    z = critical_value(confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denom = 1 + z ** 2 / n
        centre = (p + z ** 2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z ** 2 / (4 * n ** 2)) / denom
    low = np.where(k <= 0, 0.0, np.clip(centre - half, 0.0, 1.0))
    high = np.where(k >= n, 1.0, np.clip(centre + half, 0.0, 1.0))
    empty = ~(n > 0)
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)


def nps_srs_variance(p_pro, p_det):
    """Per-respondent variance of the NPS code: ``(p+ + p−) − (p+ − p−)²`` (Rocks 2016)."""
    return (p_pro + p_det) - (p_pro - p_det) ** 2


def nps_restricted_mle(delta, pro, pas, det):
    """(p+, p−) maximising the trinomial likelihood subject to ``p+ − p− = delta`` (vectorised).

    Setting the derivative of ``P log(q+Δ) + D log q + O log(1−2q−Δ)`` to 0
    gives ``2n q² − B q − C = 0`` with ``B = P(1−Δ) + D(1−3Δ) − 2OΔ`` and
    ``C = DΔ(1−Δ)``; ``q = p−`` is its root in the feasible range.
    """
    n = pro + pas + det
    b = pro * (1 - delta) + det * (1 - 3 * delta) - 2 * pas * delta
    c = det * delta * (1 - delta)
    disc = np.maximum(b * b + 8 * n * c, 0.0)
    q = (b + np.sqrt(disc)) / (4 * n)
    q = np.minimum(np.maximum(q, np.maximum(0.0, -delta)), (1 - delta) / 2)
    return q + delta, q


def _bracketed_roots(f, a, b, *, xtol: float = 1e-15, max_iter: int = 400):
    """Roots of the vectorised ``f`` in the brackets ``[a, b]`` (``f(a)``, ``f(b)`` of opposite signs).

    The Illinois variant of regula falsi (Dowell & Jarratt 1971) with a
    bisection step whenever the secant point leaves the bracket or every
    fourth step, run on all elements at once until each bracket is narrower
    than ``xtol + 4·eps·|x|`` (scipy's ``brentq`` stopping rule).
    """
    a, b = np.array(a, dtype=float), np.array(b, dtype=float)
    fa, fb = f(a), f(b)
    eps = np.finfo(float).eps
    for it in range(max_iter):
        done = (np.abs(b - a) <= xtol + 4 * eps * np.abs(b)) | (fb == 0)
        if done.all():
            break
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            c = b - fb * (b - a) / (fb - fa)
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        secant_ok = np.isfinite(c) & (c > lo) & (c < hi) & (it % 4 != 3)
        c = np.where(secant_ok, c, 0.5 * (a + b))
        c = np.where(done, b, c)
        fc = f(c)
        flip = np.signbit(fc) != np.signbit(fb)
        # the end kept twice in a row has its value halved (Illinois); a sign change moves b to a
        a = np.where(done, a, np.where(flip, b, a))
        fa = np.where(done, fa, np.where(flip, fb, 0.5 * fa))
        b = np.where(done, b, c)
        fb = np.where(done, fb, fc)
    return b


def _score_excess(delta, pro, pas, det, z):
    """``|NPS − Δ| / sqrt(Var_Δ / n) − z`` (vectorised): the interval's bounds are its roots.

    The square root of the score statistic, so that the function is close to
    linear in ``Δ`` and the root finder converges in a few steps; its roots are
    those of ``(NPS − Δ)² / (Var_Δ / n) − z²``.
    """
    n = pro + pas + det
    est = (pro - det) / n
    p_pro, p_det = nps_restricted_mle(delta, pro, pas, det)
    var = nps_srs_variance(p_pro, p_det)
    gap = np.abs(est - delta)
    # no variance at the fit: the statistic is infinite away from the estimate, 0 at it
    if np.ndim(var) == 0:   # one value (the scalar solver): plain float arithmetic
        return (np.inf if gap > 1e-12 else -z) if var <= 0 else float(gap * np.sqrt(n / var) - z)
    with np.errstate(invalid="ignore", divide="ignore"):
        stat = gap * np.sqrt(n / var) - z
    return np.where(var <= 0, np.where(gap > 1e-12, np.inf, -z), stat)


def nps_score_interval(pro, pas, det, *, confidence: float = 0.95):
    """Iterative score interval of NPS (proportion scale) from (effective) counts.

    The set of Δ whose score statistic ``(NPS − Δ)² / (Var_Δ / n)`` is below
    ``z²``, ``Var_Δ`` evaluated at the restricted maximum-likelihood fit
    (:func:`nps_restricted_mle`; the algebra of Tango's interval for paired
    proportions).  Always within [−1, 1]; never collapses to a point.
    Vectorised: arrays of counts (one group each) give arrays of bounds, all
    roots found together (:func:`_bracketed_roots`); scalars give floats
    (``scipy.optimize.brentq``).  Both solve to about 1e-15.

    Examples
    --------
    >>> lo, hi = nps_score_interval(20, 0, 0)
    >>> round(lo, 3), hi
    (0.678, 1.0)
    """
    z = critical_value(confidence)
    eps = 1e-10
    if np.ndim(pro) == 0 and np.ndim(pas) == 0 and np.ndim(det) == 0:
        # one group: scipy's Brent solver on the same function (fewer steps than the vectorised one)
        pro, pas, det = float(pro), float(pas), float(det)
        est = (pro - det) / (pro + pas + det)

        def f(d):
            return _score_excess(d, pro, pas, det, z)

        low = optimize.brentq(f, -1 + eps, est, xtol=1e-15) if est > -1 + eps and f(-1 + eps) > 0 else -1.0
        high = optimize.brentq(f, est, 1 - eps, xtol=1e-15) if est < 1 - eps and f(1 - eps) > 0 else 1.0
        return float(low), float(high)
    pro, pas, det = (np.asarray(v, dtype=float) for v in np.broadcast_arrays(pro, pas, det))
    est = (pro - det) / (pro + pas + det)
    low, high = np.full(est.shape, -1.0), np.full(est.shape, 1.0)
    for bound, edge in ((low, -1 + eps), (high, 1 - eps)):
        inside = est > edge if edge < 0 else est < edge
        solve = inside & (_score_excess(np.full(est.shape, edge), pro, pas, det, z) > 0)
        if solve.any():
            P, O, D = pro[solve], pas[solve], det[solve]
            bound[solve] = _bracketed_roots(lambda d: _score_excess(d, P, O, D, z),
                                            np.full(len(P), edge), est[solve])
    return low, high


def nps_adjusted_wald_interval(pro, pas, det, *, confidence: float = 0.95):
    """Rocks' (2016) adjusted Wald interval: add 3/4 promoters, 3/4 detractors, 3/2 passives.

    The result may leave [−1, 1] at extreme mixes; callers clip it (this is
    the documented behaviour of the method, the score interval is the
    bounded alternative).  Vectorised: arrays of counts give arrays of bounds;
    scalars give floats.

    Examples
    --------
    >>> lo, hi = nps_adjusted_wald_interval(3, 2, 1)
    >>> round(float(lo), 4), round(float(hi), 4)
    (-0.2674, 0.7119)
    """
    scalar = np.ndim(pro) == 0 and np.ndim(pas) == 0 and np.ndim(det) == 0
    pro, pas, det = (np.asarray(v, dtype=float) for v in (pro, pas, det))
    a_pro, a_det, a_n = pro + 0.75, det + 0.75, pro + pas + det + 3
    m_adj = (a_pro - a_det) / a_n
    se_adj = np.sqrt(nps_srs_variance(a_pro / a_n, a_det / a_n) / a_n)
    crit = critical_value(confidence)
    lo, hi = m_adj - crit * se_adj, m_adj + crit * se_adj
    return (float(lo), float(hi)) if scalar else (lo, hi)


def mover_difference(est_a, ci_a, est_b, ci_b, *, correlation=0.0):
    """Interval of ``est_a − est_b`` from the two estimates' intervals (Newcombe 1998; MOVER).

    ``L = d − sqrt((a − l_a)² + (u_b − b)² − 2r(a − l_a)(u_b − b))`` and
    ``U = d + sqrt((u_a − a)² + (b − l_b)² − 2r(u_a − a)(b − l_b))`` with the
    correlation ``r`` of the two estimates (0 for independent groups; Zou &
    Donner 2008, eq. 5).  Bounded: stays within the differences of the
    groups' bounds.

    Examples
    --------
    >>> lo, hi = mover_difference(0.5, (0.3, 0.7), 0.2, (0.0, 0.4))
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.0172, 0.5828)
    """
    a, b = np.asarray(est_a, float), np.asarray(est_b, float)
    la, ua = (np.asarray(v, float) for v in ci_a)
    lb, ub = (np.asarray(v, float) for v in ci_b)
    r = np.clip(np.asarray(correlation, float), -1.0, 1.0)
    A, B = a - la, ub - b
    C, D = ua - a, b - lb
    low = (a - b) - np.sqrt(np.maximum(A ** 2 + B ** 2 - 2 * r * A * B, 0.0))
    high = (a - b) + np.sqrt(np.maximum(C ** 2 + D ** 2 - 2 * r * C * D, 0.0))
    return low, high


def interval_p_value(interval_at, estimate: float, *, null: float = 0.0) -> float:
    """Two-sided p-value by inverting a family of nested intervals.

    ``interval_at(confidence) -> (low, high)``; the p-value is ``1 − c*``
    where ``c*`` is the confidence level at which the interval's nearer bound
    touches ``null``.  So ``p < 1 − confidence`` exactly when the interval at
    ``confidence`` excludes ``null``.  The search runs on the normal-quantile
    scale (``c = 2Φ(q) − 1``), so small p-values keep their precision down to
    ``2Φ(−8) ≈ 1.2e-15``, which is returned for anything smaller (an upper bound).

    Examples
    --------
    >>> from scipy import stats
    >>> p = interval_p_value(lambda c: wald_interval(1.0, 0.5, confidence=c), 1.0)
    >>> bool(abs(p - 2 * stats.norm.sf(2.0)) < 1e-9)
    True
    """
    if not np.isfinite(estimate):
        return float("nan")
    if estimate == null:
        return 1.0

    def gap(q):
        c = 2 * stats.norm.cdf(q) - 1
        lo, hi = interval_at(float(c))
        return float(lo) - null if estimate > null else null - float(hi)

    q_max = 8.0   # 2Φ(−8) ≈ 1.2e-15, the smallest level a float confidence can express
    if gap(q_max) > 0:
        return float(2 * stats.norm.sf(q_max))   # an upper bound: p <= 1.2e-15
    q_min = 1e-8
    if gap(q_min) <= 0:
        return 1.0
    q = optimize.brentq(gap, q_min, q_max, xtol=1e-10)
    return float(2 * stats.norm.sf(q))
