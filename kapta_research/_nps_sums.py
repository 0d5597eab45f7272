"""NPS from per-(group, cluster) sufficient statistics: the one estimator of :func:`nps.nps`.

Every number :func:`kapta_research.nps.nps` reports is a function of a few
sums per (group, cluster) — per category (detractor, passive, promoter) the
number of respondents ``k``, their weight sum ``s`` and their squared-weight
sum ``q``, plus the count of missing scores and the smallest and largest
weight.  Without ``cluster`` each group is one "cluster" row.  With
``y ∈ {−1, 0, 1}``:

* ``W = Σ s``, ``m = (s₊ − s₋) / W``;
* simple-random-sampling variance ``Σ_c q_c (c − m)² / W²``;
* cluster-robust variance ``G/(G−1) · Σ_g u_g² / W²`` with
  ``u_g = (s₊,g − s₋,g) − m · W_g`` (:mod:`kapta_research.stats.clustered`);
* worst-case design effect ``Σ_g W_g² / Σ q``;
* the account bootstrap resamples the per-cluster ``(s₊ − s₋, W)`` rows.

The in-memory path computes these sums with one factorisation and one
``bincount`` over all rows (:func:`sums_from_rows`); an engine (DuckDB,
Spark, any Ibis backend; :mod:`kapta_research.engines`) computes them in one
``GROUP BY`` and hands the small table to :func:`table_from_sums`.  So both
paths run the same arithmetic on the same (exact, integer for unweighted
data) sums.  Clusters are ordered by their label as text within a group, the
order the account bootstrap resamples them in on either path.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import rules
from .stats import design, intervals, resample

#: Sum columns of the sufficient-statistics table, categories in the order det, pas, pro.
K_COLS = ("k_det", "k_pas", "k_pro")
S_COLS = ("s_det", "s_pas", "s_pro")
Q_COLS = ("q_det", "q_pas", "q_pro")
SUM_COLUMNS = ("n_missing", *K_COLS, *S_COLS, *Q_COLS, "w_min", "w_max")
_CODES = np.array([-1.0, 0.0, 1.0])


def score_slots(scores) -> np.ndarray:
    """Slot of each 0-10 score: 0 detractor, 1 passive, 2 promoter, 3 missing (int8, one pass each)."""
    v = np.asarray(scores)
    slot = (v > rules.DETRACTOR_MAX).astype(np.int8)
    slot += v > rules.PASSIVE_MAX
    if v.dtype.kind == "f":
        slot[np.isnan(v)] = 3
    return slot


def code_slots(x) -> np.ndarray:
    """Slots of category codes −1/0/1 (NaN missing)."""
    x = np.asarray(x, dtype=float)
    return np.where(np.isnan(x), 3, np.nan_to_num(x, nan=0.0) + 1).astype(np.int8)


def sums_from_rows(x, w, group, cluster_rank, *, weighted: bool) -> pd.DataFrame:
    """Per-(group, cluster) sums of rows: one factorisation and one bincount per sum.

    Parameters
    ----------
    x : ndarray
        Category codes −1/0/1 (NaN for a missing score) as floats, or the
        slots of :func:`score_slots` (int8).
    w : ndarray of float or None
        Weights (None: all 1).
    group : ndarray of int
        Group index ``0..K-1`` of every row.
    cluster_rank : ndarray of int or None
        Rank of every row's cluster label (text order); None without clusters.

    Returns
    -------
    DataFrame
        ``_grp``, ``_c`` (cluster rank, −1 without clusters) and :data:`SUM_COLUMNS`,
        sorted by ``(_grp, _c)``.
    """
    group = np.asarray(group, dtype=np.int64)
    # slot per row: 0 det, 1 pas, 2 pro, 3 missing score, 4 scored with weight 0 (ignored)
    slot = x if (isinstance(x, np.ndarray) and x.dtype == np.int8) else code_slots(x)
    if weighted:
        slot = np.where((slot < 3) & ~(w > 0), 4, slot).astype(np.int8)
    if cluster_rank is None:
        key, uniq = group, None
        n_pairs = int(group.max()) + 1 if len(group) else 0
    else:
        cluster_rank = np.asarray(cluster_rank, dtype=np.int64)
        n_c = int(cluster_rank.max()) + 1 if len(cluster_rank) else 1
        home = np.zeros(n_c, dtype=np.int64)
        home[cluster_rank] = group
        if (home[cluster_rank] == group).all():
            # every cluster lies in one group (accounts within segments): the cluster is the pair
            # (`_pair_order` then sorts the pairs by group), no factorisation of pairs needed
            key, n_pairs = cluster_rank, n_c
            uniq = home * n_c + np.arange(n_c)
        else:
            codes, uniq = pd.factorize(group * n_c + cluster_rank, sort=False)
            key, n_pairs = codes, len(uniq)
    bins = key.astype(np.int64) * 5 + slot
    k = np.bincount(bins, minlength=5 * n_pairs).reshape(n_pairs, 5).astype(np.int64)
    out = {"n_missing": k[:, 3]}
    for j in range(3):
        out[K_COLS[j]] = k[:, j]
    if weighted:
        s = np.bincount(bins, weights=w, minlength=5 * n_pairs).reshape(n_pairs, 5)
        q = np.bincount(bins, weights=w * w, minlength=5 * n_pairs).reshape(n_pairs, 5)
        valid = slot < 3
        wv = np.where(valid, w, np.inf)
        w_min = np.full(n_pairs, np.inf)
        np.minimum.at(w_min, key[valid], w[valid])
        w_max = np.full(n_pairs, -np.inf)
        np.maximum.at(w_max, key[valid], wv[valid])
        for j in range(3):
            out[S_COLS[j]], out[Q_COLS[j]] = s[:, j], q[:, j]
        out["w_min"], out["w_max"] = w_min, w_max
    else:
        for j in range(3):
            out[S_COLS[j]] = out[Q_COLS[j]] = k[:, j].astype(float)
        out["w_min"] = out["w_max"] = np.ones(n_pairs)
    if uniq is None:
        return pd.DataFrame({"_grp": np.arange(n_pairs), "_c": np.full(n_pairs, -1), **out})
    order = np.argsort(uniq, kind="stable")   # by (group, cluster rank)
    uniq = uniq[order]
    frame = pd.DataFrame({"_grp": uniq // n_c, "_c": uniq % n_c,
                          **{k: v[order] for k, v in out.items()}})
    return frame


def group_stats(k, s, q, w_min, w_max, *, clustered_: bool, method: str, confidence: float,
                n_boot: int, rng, rows=None) -> dict:
    """Estimate of one group from its per-cluster sums (arrays of shape ``(G, 3)``).

    ``rows`` (``(x, w)`` of the group's valid rows) is needed only for the
    respondent bootstrap without clusters; without it unweighted rows are
    rebuilt from the counts.
    """
    n = int(k.sum())
    tot = s.sum(axis=0)
    W = float(tot.sum())
    pas, pro = float(tot[1]), float(tot[2])
    det = float(tot[0])
    m = (pro - det) / W
    v_srs = float((q.sum(axis=0) * (_CODES - m) ** 2).sum() / W ** 2)
    p_pro, p_det = pro / W, det / W
    Wg = s.sum(axis=1)
    if not clustered_:
        var, G, dfree = v_srs, n, None
    else:
        G = len(Wg)
        u = (s[:, 2] - s[:, 0]) - m * Wg
        var = float(G / (G - 1) * (u ** 2).sum() / W ** 2) if G > 1 else float("nan")
        dfree = G - 1
    deff = design.design_effect(var, v_srs)
    se = float(np.sqrt(var)) if np.isfinite(var) else np.nan
    out = dict(n_clusters=G, nps=m, se=np.nan, ci_low=np.nan, ci_high=np.nan,
               pct_promoters=p_pro, pct_passives=pas / W, pct_detractors=p_det, design_effect=deff)
    if clustered_ and G < 2:
        # one cluster: the between-cluster variation cannot be estimated
        return out
    if method == "wald":
        lo, hi = intervals.wald_interval(m, se, confidence=confidence, df=dfree)
    elif method in ("adjusted_wald", "score"):
        # z on the effective-n scale, which carries weighting, clustering and the t(G-1) correction
        # (stats.design.interval_n); no variation at all: the worst case, intra-cluster correlation 1
        if not clustered_ and float(w_min.min()) == float(w_max.max()):
            n_eff = float(n)
        else:
            worst = float((Wg ** 2).sum() / q.sum()) if clustered_ else None
            n_eff = design.interval_n(n, var, intervals.nps_srs_variance(p_pro, p_det),
                                      n_clusters=G if clustered_ else None, confidence=confidence,
                                      worst_case=worst)
        c_pro, c_pas, c_det = (pro / W * n_eff, pas / W * n_eff, det / W * n_eff)
        if method == "score":
            lo, hi = intervals.nps_score_interval(c_pro, c_pas, c_det, confidence=confidence)
        else:
            lo, hi = intervals.nps_adjusted_wald_interval(c_pro, c_pas, c_det, confidence=confidence)
    elif not clustered_ and n < 2:  # bootstrap of a single respondent: every replicate is that respondent
        lo = hi = m
        se = 0.0
    else:  # bootstrap: respondents, or whole clusters (their per-cluster sums)
        if not clustered_:
            if rows is None:
                kk = k.sum(axis=0)
                x = np.repeat(_CODES, kk)
                num, den = x, np.ones_like(x)
            else:
                x, w = rows
                num, den = w * x, w
            codes, n_units = None, len(num)
        else:
            num, den, codes, n_units = s[:, 2] - s[:, 0], Wg, np.arange(G), G
        boot = resample.cluster_bootstrap(
            lambda counts: ((counts @ num) / (counts @ den), np.ones(len(counts), dtype=bool)),
            codes, n_units, n_boot=n_boot, random_state=rng, vectorized=True, func="nps")
        lo, hi = boot.interval(confidence)
        se = float(boot.replicates.std(ddof=1))
    # Wald, adjusted Wald and bootstrap can overshoot the bounds at extreme mixes (documented);
    # the score interval, the default, respects them by construction
    lo, hi = max(float(lo), -1.0), min(float(hi), 1.0)
    out.update(se=se, ci_low=lo, ci_high=hi)
    return out


def rank_labels(uniques) -> np.ndarray:
    """Rank of each distinct cluster label in text order (the canonical cluster order)."""
    text = pd.Index(uniques).astype("str")
    order = np.asarray(text.argsort(kind="stable"))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank


__all__ = ["SUM_COLUMNS", "sums_from_rows", "group_stats", "rank_labels"]
