"""Net Promoter Score with honest uncertainty.

On the proportion scale each respondent scores ``X = +1`` (promoter, 9-10),
``0`` (passive, 7-8) or ``-1`` (detractor, 0-6); NPS is the (weighted) mean
of ``X`` and is reported in points (-100 ... +100).

Intervals (``method``)
----------------------
``"wald"``
    ``NPS ± z·SE`` with ``Var = (p+ + p-) - (p+ - p-)²`` and ``SE = sqrt(Var/n)``
    (Rocks 2016; R package NPS ``nps_var``/``nps_se``).  Under-covers at small
    n and at extreme mixes (the SE is 0 when everyone is a promoter).
``"adjusted_wald"``
    Rocks' (2016) adjusted Wald: add 3/4 to the promoters, 3/4 to the
    detractors and 3/2 to the passives (n + 3) before the Wald interval.
``"score"``
    The iterative score interval: the set of Δ whose score statistic
    ``(NPS - Δ)² / (Var_Δ / n)`` is below ``z²``, with ``Var_Δ`` evaluated at
    the multinomial maximum-likelihood fit restricted to ``p+ - p- = Δ``
    (as Tango's interval for paired proportions, which is the same
    algebra: promoters and detractors are the two discordant cells).
    Recommended for small groups; it never collapses to a point.
``"bootstrap"``
    Percentile bootstrap of respondents (or of whole accounts with
    ``cluster``).

Clustered respondents
---------------------
Respondents of one account are not independent.  With ``cluster=`` the
variance is the cluster-robust (linearisation) variance of a ratio mean,
``G/(G-1) · Σ_g (Σ_{i∈g} w_i (X_i - NPS))² / (Σ w)²`` — the same as
statsmodels' cluster-robust SE of an intercept-only regression — and Wald
intervals use Student's t with ``G - 1`` degrees of freedom.  The score and
adjusted-Wald intervals use the effective sample size ``n / deff``, with the
design effect ``deff`` (cluster variance over simple-random-sampling
variance) floored at 1 (Korn & Graubard 1998).  When every respondent gives
the same category the design effect is undefined (0/0); the score and
adjusted-Wald intervals then use the worst case, an intra-cluster
correlation of 1: ``deff = Σ_g W_g² / Σ_i w_i²`` (without weights the
effective size ``n / deff = n² / Σ_g n_g²``, at most the number of clusters),
rather than pretending the respondents are independent.  The bootstrap resamples clusters.  A group
whose respondents all come from one cluster has no estimate of the
between-cluster variation: its SE and interval are NaN for every method.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize, stats

from ._validation import (check_choice, check_columns, check_confidence, check_dataframe,
                          check_int, check_number, check_numeric, check_random_state, row_labels,
                          source_of)
from .errors import DataError, ParameterError

__all__ = ["classify", "nps", "compare", "mix_contrasts", "CATEGORIES", "METHODS",
           "score_interval"]

CATEGORIES = ("detractor", "passive", "promoter")
METHODS = ("wald", "adjusted_wald", "score", "bootstrap")
NPS_COLUMNS = ["n", "n_missing", "n_clusters", "promoters", "passives", "detractors",
               "pct_promoters", "pct_passives", "pct_detractors", "nps", "se", "ci_low",
               "ci_high", "design_effect", "method", "suppressed"]


def classify(scores) -> pd.Categorical:
    """Classify 0-10 likelihood-to-recommend scores.

    Parameters
    ----------
    scores : array-like of numbers
        Whole numbers from 0 to 10; missing values stay missing.

    Returns
    -------
    pandas.Categorical
        Ordered categories ``detractor < passive < promoter`` (0-6, 7-8, 9-10).

    Examples
    --------
    >>> list(classify([0, 6, 7, 8, 9, 10]))
    ['detractor', 'detractor', 'passive', 'passive', 'promoter', 'promoter']
    """
    s = pd.Series(scores) if not isinstance(scores, pd.Series) else scores
    frame = s.to_frame("score")
    frame.attrs = dict(getattr(scores, "attrs", {}))
    values = check_numeric(frame, "score", func="classify", low=0, high=10, integer=True)
    codes = np.select([values <= 6, values <= 8, values <= 10], [0, 1, 2], default=-1)
    return pd.Categorical.from_codes(codes, categories=list(CATEGORIES), ordered=True)


# --------------------------------------------------------------------------
# interval helpers (proportion scale)
# --------------------------------------------------------------------------
def _srs_var(p_pro: float, p_det: float) -> float:
    return (p_pro + p_det) - (p_pro - p_det) ** 2


def _restricted_mle(delta: float, pro: float, pas: float, det: float) -> tuple[float, float]:
    """(p+, p-) maximising the trinomial likelihood subject to p+ - p- = delta.

    Setting the derivative of ``P log(q+Δ) + D log q + O log(1-2q-Δ)`` to 0
    gives ``2n q² - B q - C = 0`` with ``B = P(1-Δ) + D(1-3Δ) - 2OΔ`` and
    ``C = DΔ(1-Δ)``; ``q = p-`` is its root in the feasible range.
    """
    n = pro + pas + det
    b = pro * (1 - delta) + det * (1 - 3 * delta) - 2 * pas * delta
    c = det * delta * (1 - delta)
    disc = max(b * b + 8 * n * c, 0.0)
    q = (b + np.sqrt(disc)) / (4 * n)
    lo, hi = max(0.0, -delta), (1 - delta) / 2
    q = min(max(q, lo), hi)
    return q + delta, q


def score_interval(pro: float, pas: float, det: float, *, confidence: float = 0.95,
                   n_eff: float | None = None) -> tuple[float, float]:
    """Iterative score interval for NPS on the proportion scale.

    Parameters
    ----------
    pro, pas, det : float
        (Weighted) counts of promoters, passives and detractors.
    confidence : float
        Confidence level.
    n_eff : float, optional
        Effective sample size (default: the total count); the counts are
        rescaled to it, e.g. ``n / deff`` for clustered data.

    Returns
    -------
    (low, high) : tuple of float
        Bounds in [-1, 1].

    Examples
    --------
    >>> lo, hi = score_interval(20, 0, 0)   # all promoters: no collapse to a point
    >>> round(lo, 3), hi
    (0.678, 1.0)
    """
    func = "score_interval"
    for name, value in (("pro", pro), ("pas", pas), ("det", det)):
        check_number(value, name=name, func=func, low=0)
    confidence = check_confidence(confidence, func=func)
    n_eff = check_number(n_eff, name="n_eff", func=func, low=0, low_open=True, allow_none=True)
    n = pro + pas + det
    if n <= 0:
        raise ParameterError("score_interval needs at least one respondent: pro + pas + det must be > 0. "
                             f"Got {pro!r} + {pas!r} + {det!r}.")
    if n_eff is not None:
        scale = n_eff / n
        pro, pas, det, n = pro * scale, pas * scale, det * scale, n_eff
    est = (pro - det) / n
    z2 = stats.norm.ppf(0.5 + confidence / 2) ** 2

    def excess(delta):
        p_pro, p_det = _restricted_mle(delta, pro, pas, det)
        var = _srs_var(p_pro, p_det)
        if var <= 0:
            return np.inf if abs(est - delta) > 1e-12 else -z2
        return (est - delta) ** 2 * n / var - z2

    eps = 1e-10
    low = -1.0 if excess(-1 + eps) <= 0 else optimize.brentq(excess, -1 + eps, est, xtol=1e-12) \
        if est > -1 + eps else -1.0
    high = 1.0 if excess(1 - eps) <= 0 else optimize.brentq(excess, est, 1 - eps, xtol=1e-12) \
        if est < 1 - eps else 1.0
    return float(low), float(high)


def _group_stats(x, w, g, *, method, confidence, n_boot, rng):
    """Estimate for one group: x in {-1,0,1}, weights w, cluster codes g (or None)."""
    W = w.sum()
    m = float((w * x).sum() / W)
    pro, pas, det = float(w[x == 1].sum()), float(w[x == 0].sum()), float(w[x == -1].sum())
    p_pro, p_det = pro / W, det / W
    n = len(x)
    resid = w * (x - m)
    v_srs = float((resid ** 2).sum() / W ** 2)
    if g is None:
        var = v_srs
        G = n
        dfree = None
    else:
        codes, g_idx = np.unique(g, return_inverse=True)
        G = len(codes)
        sums = np.bincount(g_idx, weights=resid, minlength=G)
        var = float(G / (G - 1) * (sums ** 2).sum() / W ** 2) if G > 1 else np.nan
        dfree = G - 1
    deff = var / v_srs if v_srs > 0 else np.nan
    se = float(np.sqrt(var)) if np.isfinite(var) else np.nan
    alpha = 1 - confidence
    if g is not None and G < 2:
        # one cluster: the between-cluster variation cannot be estimated
        return dict(n_clusters=G, promoters_w=pro, nps=m, se=np.nan, ci_low=np.nan, ci_high=np.nan,
                    pct_promoters=p_pro, pct_passives=pas / W, pct_detractors=p_det, design_effect=deff)
    if method == "wald":
        crit = stats.t.ppf(1 - alpha / 2, dfree) if dfree else stats.norm.ppf(1 - alpha / 2)
        lo, hi = m - crit * se, m + crit * se
    elif method in ("adjusted_wald", "score"):
        if g is None:
            n_eff = float(n)
        elif np.isfinite(deff):
            n_eff = n / max(deff, 1.0)
        else:  # no variation at all: deff is 0/0, take the worst case (intra-cluster correlation 1)
            w_g = np.bincount(g_idx, weights=w, minlength=G)
            n_eff = n / max(float((w_g ** 2).sum() / (w ** 2).sum()), 1.0)
        # weighted counts rescaled to the effective n
        c_pro, c_pas, c_det = (pro / W * n_eff, pas / W * n_eff, det / W * n_eff)
        if method == "score":
            lo, hi = score_interval(c_pro, c_pas, c_det, confidence=confidence)
        else:
            a_pro, a_det, a_n = c_pro + 0.75, c_det + 0.75, n_eff + 3
            m_adj = (a_pro - a_det) / a_n
            se_adj = np.sqrt(_srs_var(a_pro / a_n, a_det / a_n) / a_n)
            crit = stats.norm.ppf(1 - alpha / 2)
            lo, hi = m_adj - crit * se_adj, m_adj + crit * se_adj
    else:  # bootstrap
        if g is None:
            unit_x, unit_w, G_units = resid + w * m, w, n  # each respondent is a unit
            num, den = w * x, w
        else:
            num = np.bincount(g_idx, weights=w * x, minlength=G)
            den = np.bincount(g_idx, weights=w, minlength=G)
            G_units = G
        counts = rng.multinomial(G_units, np.full(G_units, 1.0 / G_units), size=n_boot)
        reps = (counts @ num) / (counts @ den)
        lo, hi = np.quantile(reps, [alpha / 2, 1 - alpha / 2])
        se = float(reps.std(ddof=1))
    lo, hi = max(float(lo), -1.0), min(float(hi), 1.0)
    return dict(n_clusters=G, promoters_w=pro, nps=m, se=se, ci_low=lo, ci_high=hi,
                pct_promoters=p_pro, pct_passives=pas / W, pct_detractors=p_det, design_effect=deff)


def _prepare(data, *, score, by, weights, cluster, func):
    check_dataframe(data, func=func)
    by = [] if by is None else ([by] if isinstance(by, str) else list(by))
    needed = [score, *by]
    if weights is not None:
        needed.append(weights)
    if cluster is not None:
        needed.append(cluster)
    check_columns(data, needed, func=func)
    values = check_numeric(data, score, func=func, low=0, high=10, integer=True)
    x = np.select([values <= 6, values <= 8], [-1.0, 0.0], default=1.0)
    x = pd.Series(np.where(values.isna(), np.nan, x), index=data.index)
    if weights is not None:
        w = check_numeric(data, weights, func=func)
        bad = (w < 0) | ~np.isfinite(w)
        if bad.any():
            raise DataError("weights must be finite and non-negative", file=source_of(data),
                            column=weights, rows=row_labels(data, bad), values=list(data[weights][bad]))
    else:
        w = pd.Series(1.0, index=data.index)
    if cluster is not None and data[cluster].isna().any():
        miss = data[cluster].isna()
        raise DataError("cluster ids are missing", file=source_of(data), column=cluster,
                        rows=row_labels(data, miss), values=list(data[cluster][miss]))
    frame = pd.DataFrame({"_x": x, "_w": w}, index=data.index)
    for b in by:
        frame[b] = data[b]
    if cluster is not None:
        frame["_g"] = data[cluster].astype(str)
    return frame, by


def nps(data, *, score="ltr", by=None, weights=None, cluster=None, confidence=0.95,
        method="wald", min_n=5, n_boot=2000, random_state=None) -> pd.DataFrame:
    """Net Promoter Score with its mix, standard error and confidence interval.

    Parameters
    ----------
    data : DataFrame
        One row per response.
    score : str
        Column of 0-10 likelihood-to-recommend scores (missing values are
        dropped and counted in ``n_missing``).
    by : str or list of str, optional
        Grouping columns; one output row per group (missing keys form their
        own group).
    weights : str, optional
        Column of non-negative respondent weights (e.g. to balance roles).
    cluster : str, optional
        Column identifying the cluster (usually ``"account_id"``); SE and CI
        then respect that respondents of one account are correlated.
    confidence : float
        Confidence level in (0, 1).
    method : {"wald", "adjusted_wald", "score", "bootstrap"}
        Interval method, see the module docstring.  ``"score"`` is
        recommended for groups under ~100 respondents or extreme mixes.
    min_n : int
        Groups with fewer respondents are suppressed: ``suppressed=True`` and
        no estimates.
    n_boot : int
        Bootstrap replicates (``method="bootstrap"`` only).
    random_state : None, int or numpy Generator
        Seed for the bootstrap.

    Returns
    -------
    DataFrame
        One row per group, sorted by the ``by`` columns, with columns: the
        ``by`` columns, ``n`` (respondents with a score), ``n_missing``,
        ``n_clusters`` (clusters, or respondents without ``cluster``),
        ``promoters``, ``passives``, ``detractors`` (counts), ``pct_promoters``,
        ``pct_passives``, ``pct_detractors`` (weighted %, 0-100), ``nps``
        (points, -100 to 100), ``se`` (points), ``ci_low``, ``ci_high``
        (points), ``design_effect`` (clustered over simple-random-sampling
        variance; 1 without ``cluster``), ``method``, ``suppressed``.

    Examples
    --------
    >>> import kapta_research as kr
    >>> r = kr.load_sample().respondents()
    >>> overall = kr.nps.nps(r, cluster="account_id", method="score")
    >>> overall[["n", "nps", "ci_low", "ci_high", "design_effect"]].round(1)
          n   nps  ci_low  ci_high  design_effect
    0  2605  11.6     4.6     18.5            4.9
    """
    func = "nps"
    confidence = check_confidence(confidence, func=func)
    check_choice(method, METHODS, name="method", func=func)
    min_n = check_int(min_n, name="min_n", func=func, low=1)
    n_boot = check_int(n_boot, name="n_boot", func=func, low=100)
    rng = check_random_state(random_state, func=func)
    frame, by = _prepare(data, score=score, by=by, weights=weights, cluster=cluster, func=func)
    groups = [((), frame)] if not by else frame.groupby(by, dropna=False, sort=True, observed=True)
    rows = []
    for key, sub in groups:
        key = key if isinstance(key, tuple) else (key,)
        row = dict(zip(by, key))
        valid = sub["_x"].notna() & (sub["_w"] > 0)
        s = sub[valid]
        n = int(len(s))
        row.update(n=n, n_missing=int(sub["_x"].isna().sum()))
        x = s["_x"].to_numpy()
        if n < min_n:
            row.update(n_clusters=int(s["_g"].nunique()) if cluster else n, suppressed=True, method=method)
            rows.append(row)
            continue
        st = _group_stats(x, s["_w"].to_numpy(float), s["_g"].to_numpy() if cluster else None,
                          method=method, confidence=confidence, n_boot=n_boot, rng=rng)
        row.update(
            n_clusters=int(st["n_clusters"]), promoters=int((x == 1).sum()),
            passives=int((x == 0).sum()), detractors=int((x == -1).sum()),
            pct_promoters=100 * st["pct_promoters"], pct_passives=100 * st["pct_passives"],
            pct_detractors=100 * st["pct_detractors"], nps=100 * st["nps"], se=100 * st["se"],
            ci_low=100 * st["ci_low"], ci_high=100 * st["ci_high"],
            design_effect=st["design_effect"] if cluster else 1.0, method=method, suppressed=False)
        rows.append(row)
    out = pd.DataFrame(rows, columns=[*by, *NPS_COLUMNS])
    for c in ("promoters", "passives", "detractors"):
        out[c] = out[c].astype("Int64")
    out["suppressed"] = out["suppressed"].astype(bool)
    return out.reset_index(drop=True)



def compare(data, *, group, score="ltr", reference=None, by=None, cluster=None, weights=None,
            confidence=0.95, min_n=5) -> pd.DataFrame:
    """Compare NPS between the levels of ``group`` and a reference level.

    Works for segments (independent groups) and for waves (a trend, where
    the same accounts answer in several waves): with ``cluster`` the
    covariance between two groups that share clusters is taken into account
    through the joint cluster-robust (linearisation) variance
    ``Var(d) = G/(G-1) Σ_g (u_g,a - u_g,b)²`` with
    ``u_g,k = Σ_{i∈g,k} w_i (X_i - NPS_k) / W_k``, and intervals and p-values
    use Student's t with ``G - 1`` degrees of freedom.  Without ``cluster`` the
    groups are taken as independent: ``SE(d)² = v_a/n_a + v_b/n_b`` (Rocks 2016).

    Parameters
    ----------
    data : DataFrame
    group : str
        Column whose levels are compared (segment, wave, ...).
    score : str
        Column of 0-10 scores.
    reference : level, "previous" or None
        The level to compare against; ``None`` = the first level in sorted
        order; ``"previous"`` = each level against the level before it (for
        waves: the change since the last wave).
    by : str or list of str, optional
        Make the comparison separately within each level of these columns
        (e.g. the wave-on-wave change within each segment).
    cluster : str, optional
        Cluster column (e.g. ``"account_id"``).
    weights : str, optional
        Respondent weights.
    confidence : float
    min_n : int
        Comparisons involving a level with fewer respondents are suppressed.

    Returns
    -------
    DataFrame
        One row per compared level (within each ``by`` level) with columns:
        the ``by`` columns, ``group`` (the level), ``reference`` (the level
        compared against), ``n``, ``n_reference``, ``nps``, ``nps_reference``,
        ``diff`` (points), ``se``, ``ci_low``, ``ci_high`` (points),
        ``p_value`` (two-sided), ``suppressed``.

    Examples
    --------
    >>> import kapta_research as kr
    >>> r = kr.load_sample().respondents()
    >>> trend = kr.nps.compare(r, group="wave", reference="previous", cluster="account_id")
    >>> list(trend.columns[:4])
    ['group', 'reference', 'n', 'n_reference']
    """
    func = "compare"
    confidence = check_confidence(confidence, func=func)
    min_n = check_int(min_n, name="min_n", func=func, low=1)
    if not isinstance(group, str):
        raise ParameterError(f"The 'group' parameter of compare must be a column name (str). Got {group!r} instead.")
    frame, by = _prepare(data, score=score, by=[group] + ([] if by is None else
                                                          ([by] if isinstance(by, str) else list(by))),
                         weights=weights, cluster=cluster, func=func)
    by = by[1:]
    frame = frame[frame["_x"].notna() & frame[group].notna() & (frame["_w"] > 0)]
    levels = sorted(frame[group].unique().tolist())  # Python scalars: readable in messages
    if len(levels) < 2:
        raise DataError(f"compare needs at least two levels of {group!r}; found {len(levels)}",
                        file=source_of(data), column=group, values=levels)
    if reference is None:
        pairs = [(lvl, levels[0]) for lvl in levels[1:]]
    elif isinstance(reference, str) and reference == "previous" and "previous" not in levels:
        pairs = list(zip(levels[1:], levels[:-1]))
    else:
        if reference not in levels:
            raise ParameterError(f"The 'reference' parameter of compare must be None, 'previous' or a level "
                                 f"of {group!r} ({', '.join(map(repr, levels[:10]))}). Got {reference!r} instead.")
        pairs = [(lvl, reference) for lvl in levels if lvl != reference]
    subsets = [((), frame)] if not by else frame.groupby(by, sort=True, dropna=False)
    rows = []
    for key, sub in subsets:
        key = key if isinstance(key, tuple) else (key,)
        for a, b in pairs:
            row = dict(zip(by, key))
            row.update(_compare_pair(sub[sub[group] == a], sub[sub[group] == b], a, b,
                                     clustered=cluster is not None, confidence=confidence, min_n=min_n))
            rows.append(row)
    cols = [*by, "group", "reference", "n", "n_reference", "nps", "nps_reference", "diff", "se",
            "ci_low", "ci_high", "p_value", "suppressed"]
    out = pd.DataFrame(rows, columns=cols)
    out["suppressed"] = out["suppressed"].astype(bool)
    return out


def _compare_pair(sa, sb, a, b, *, clustered, confidence, min_n) -> dict:
    row = {"group": a, "reference": b, "n": len(sa), "n_reference": len(sb)}
    if len(sa) < min_n or len(sb) < min_n:
        row["suppressed"] = True
        return row
    ma = float((sa["_w"] * sa["_x"]).sum() / sa["_w"].sum())
    mb = float((sb["_w"] * sb["_x"]).sum() / sb["_w"].sum())
    ua = sa["_w"] * (sa["_x"] - ma) / sa["_w"].sum()
    ub = sb["_w"] * (sb["_x"] - mb) / sb["_w"].sum()
    if not clustered:
        var = float((ua ** 2).sum() + (ub ** 2).sum())
        dist = stats.norm
    else:
        u = pd.concat([ua.groupby(sa["_g"]).sum(), -ub.groupby(sb["_g"]).sum()])
        per_cluster = u.groupby(level=0).sum()
        G = len(per_cluster)
        if G < 2:
            row["suppressed"] = True
            return row
        var = float(G / (G - 1) * (per_cluster ** 2).sum())
        dist = stats.t(G - 1)
    crit = dist.ppf(0.5 + confidence / 2)
    se = np.sqrt(var)
    d = ma - mb
    p = float(2 * dist.sf(abs(d) / se)) if se > 0 else (1.0 if d == 0 else 0.0)
    row.update(nps=100 * ma, nps_reference=100 * mb, diff=100 * d, se=100 * se,
               ci_low=100 * (d - crit * se), ci_high=100 * (d + crit * se), p_value=p, suppressed=False)
    return row


def mix_contrasts(table, *, by, nps_tolerance=5.0, mix_threshold=10.0) -> pd.DataFrame:
    """Flag groups whose NPS is alike but whose mix of respondents is not.

    The same NPS can hide different mixes: 70/20/10 % and 60/40/0 %
    (promoters/passives/detractors) both give +60, but the first has
    detractors to win back and the second a block of passives to convert.

    Parameters
    ----------
    table : DataFrame
        Output of :func:`nps` with ``by`` columns.
    by : str or list of str
        The grouping columns used in ``table``.
    nps_tolerance : float
        Two groups count as "alike" when their NPS differ by at most this
        many points.
    mix_threshold : float
        ...and as "different mixes" when the passive shares (equivalently the
        total variation distance of the two mixes, in points) differ by at
        least this much.

    Returns
    -------
    DataFrame
        One row per pair of non-suppressed groups (``group_a``, ``group_b``
        as tuples of the ``by`` values when several), with ``nps_a``,
        ``nps_b``, ``nps_diff``, ``pct_passives_a``, ``pct_passives_b``,
        ``mix_distance`` (total variation distance, points), ``p_value_mix``
        (chi-square test of equal mixes on the counts, respondents taken as
        independent), ``same_score_different_mix`` (bool).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"team": ["a"] * 10 + ["b"] * 10,
    ...                    "ltr": [10] * 7 + [8] * 2 + [3] + [10] * 6 + [7] * 4})
    >>> t = nps(df, by="team")
    >>> mix_contrasts(t, by="team")[["group_a", "group_b", "nps_diff", "same_score_different_mix"]]
      group_a group_b  nps_diff  same_score_different_mix
    0       a       b       0.0                      True
    """
    by = [by] if isinstance(by, str) else list(by)
    check_columns(table, [*by, "nps", "pct_promoters", "pct_passives", "pct_detractors",
                          "promoters", "passives", "detractors", "suppressed"], func="mix_contrasts")
    check_number(nps_tolerance, name="nps_tolerance", func="mix_contrasts", low=0)
    check_number(mix_threshold, name="mix_threshold", func="mix_contrasts", low=0)
    t = table[~table["suppressed"].astype(bool)].reset_index(drop=True)
    keys = [tuple(r) if len(by) > 1 else r[0] for r in t[by].itertuples(index=False)]
    rows = []
    for i in range(len(t)):
        for j in range(i + 1, len(t)):
            a, b = t.iloc[i], t.iloc[j]
            mix_a = np.array([a.pct_promoters, a.pct_passives, a.pct_detractors], float)
            mix_b = np.array([b.pct_promoters, b.pct_passives, b.pct_detractors], float)
            tvd = 0.5 * np.abs(mix_a - mix_b).sum()
            counts = np.array([[a.promoters, a.passives, a.detractors],
                               [b.promoters, b.passives, b.detractors]], float)
            keep = counts.sum(axis=0) > 0
            p = float(stats.chi2_contingency(counts[:, keep], correction=False)[1]) if keep.sum() > 1 else 1.0
            diff = float(a.nps - b.nps)
            rows.append({"group_a": keys[i], "group_b": keys[j], "nps_a": float(a.nps),
                         "nps_b": float(b.nps), "nps_diff": diff,
                         "pct_passives_a": float(a.pct_passives), "pct_passives_b": float(b.pct_passives),
                         "mix_distance": tvd, "p_value_mix": p,
                         "same_score_different_mix": bool(abs(diff) <= nps_tolerance and tvd >= mix_threshold)})
    cols = ["group_a", "group_b", "nps_a", "nps_b", "nps_diff", "pct_passives_a", "pct_passives_b",
            "mix_distance", "p_value_mix", "same_score_different_mix"]
    return pd.DataFrame(rows, columns=cols)
