"""Survival-analysis pieces: Cox score residuals (for the Lin-Wei cluster variance) and Harrell's C.

Pure numpy functions on arrays; :mod:`kapta_research.churn.survival` builds
the user-facing Cox model and Kaplan-Meier curves on them.

References
----------
Therneau, T. M. & Grambsch, P. M. (2000). Modeling Survival Data: Extending
the Cox Model. Springer.

Lin, D. Y. & Wei, L. J. (1989). The robust inference for the Cox
proportional hazards model. JASA 84, 1074-1078.

Harrell, F. E., Califf, R. M., Pryor, D. B., Lee, K. L. & Rosati, R. A.
(1982). Evaluating the yield of medical tests. JAMA 247, 2543-2546.
"""
from __future__ import annotations

import numpy as np

__all__ = ["cox_score_residuals", "harrell_c"]


def _risk_set_sums(order_time_idx: np.ndarray, weights: np.ndarray, n_times: int) -> np.ndarray:
    """Sum of ``weights`` over subjects with time index >= each index."""
    sums = np.zeros((n_times,) + weights.shape[1:])
    np.add.at(sums, order_time_idx, weights)
    return np.cumsum(sums[::-1], axis=0)[::-1]


def cox_score_residuals(time, event, X, beta, ties: str) -> np.ndarray:
    """Per-subject score residuals of a Cox model (no strata, no entry times).

    For Efron's approximation the d tied deaths at a time are processed in d
    steps; at step k the tied deaths keep the fraction (1 - k/d) of their risk
    and each receives 1/d of every step's death.  This is the decomposition
    R's ``survival`` package uses, so that the sandwich variance matches
    ``coxph(..., cluster=)``; for Breslow ties it reduces to the usual
    residuals.  The residuals sum to the score vector.
    """
    n, p = X.shape
    eta = X @ beta
    r = np.exp(eta - eta.max())
    utime, tidx = np.unique(time, return_inverse=True)
    m = len(utime)
    S0 = _risk_set_sums(tidx, r, m)
    S1 = _risk_set_sums(tidx, r[:, None] * X, m)
    d = np.bincount(tidx, weights=event, minlength=m)
    D0 = np.bincount(tidx, weights=r * event, minlength=m)
    D1 = np.zeros((m, p))
    np.add.at(D1, tidx, (r * event)[:, None] * X)

    A = np.zeros(m)        # sum_k 1/den_k          (subjects not dying at t)
    B = np.zeros((m, p))   # sum_k mean_k/den_k
    Ad = np.zeros(m)       # same with weights (1 - k/d) for the tied deaths
    Bd = np.zeros((m, p))
    mbar = np.zeros((m, p))  # average of the step means (death term)
    for t in np.flatnonzero(d > 0):
        dt = int(round(d[t]))
        if ties == "efron" and dt > 1:
            frac = np.arange(dt) / dt
            den = S0[t] - frac * D0[t]
            mean = (S1[t][None, :] - frac[:, None] * D1[t][None, :]) / den[:, None]
            A[t] = np.sum(1 / den)
            B[t] = np.sum(mean / den[:, None], axis=0)
            w = 1 - frac
            Ad[t] = np.sum(w / den)
            Bd[t] = np.sum(w[:, None] * mean / den[:, None], axis=0)
            mbar[t] = mean.mean(axis=0)
        else:
            mean = S1[t] / S0[t]
            A[t] = Ad[t] = d[t] / S0[t]
            B[t] = Bd[t] = d[t] * mean / S0[t]
            mbar[t] = mean
    cumA = np.cumsum(A)
    cumB = np.cumsum(B, axis=0)
    totA = cumA[tidx] - event * (A[tidx] - Ad[tidx])
    totB = cumB[tidx] - event[:, None] * (B[tidx] - Bd[tidx])
    return event[:, None] * (X - mbar[tidx]) - r[:, None] * (X * totA[:, None] - totB)


class _Fenwick:
    """Counts of integer codes 0..size-1 supporting prefix sums."""

    def __init__(self, size: int) -> None:
        self.tree = [0] * (size + 1)

    def add(self, code: int) -> None:
        i = code + 1
        tree = self.tree
        while i < len(tree):
            tree[i] += 1
            i += i & -i

    def below(self, code: int) -> int:
        """How many added codes are < ``code``."""
        i = code
        total = 0
        tree = self.tree
        while i > 0:
            total += tree[i]
            i -= i & -i
        return total


def harrell_c(time, event, score) -> float:
    """Harrell's concordance between a risk score and right-censored times.

    A pair is comparable when the shorter time is an event (an event and a
    censoring at the same time count as comparable; two events at the same
    time do not).  It is concordant when the subject with the event has the
    higher score; ties in the score count one half.  Same definition as R's
    ``survival::concordance`` for a Cox model.  O(n log n).
    """
    time = np.asarray(time, float)
    event = np.asarray(event, float) > 0
    codes = np.unique(np.asarray(score, float), return_inverse=True)[1]
    fen = _Fenwick(int(codes.max()) + 1)
    order = np.lexsort((event, -time))  # descending time; censored before events
    added = 0
    concordant = discordant = tied = 0
    i = 0
    n = len(time)
    while i < n:
        j = i
        t = time[order[i]]
        while j < n and time[order[j]] == t:
            j += 1
        group = order[i:j]
        cens = group[~event[group]]
        evs = group[event[group]]
        for k in cens:
            fen.add(int(codes[k]))
            added += 1
        for k in evs:
            c = int(codes[k])
            below = fen.below(c)
            equal = fen.below(c + 1) - below
            concordant += below
            tied += equal
            discordant += added - below - equal
        for k in evs:
            fen.add(int(codes[k]))
            added += 1
        i = j
    total = concordant + discordant + tied
    return float((concordant + tied / 2) / total) if total else float("nan")

