"""Domain rules of an NPS programme, defined once and imported everywhere.

* NPS categories of the 0-10 likelihood-to-recommend score: detractors 0-6,
  passives 7-8, promoters 9-10 (Reichheld 2003).
* The NPS of a set of responses, in points (-100 ... +100), computed from
  integer counts so that equal mixes give bit-identical scores.
* Account NPS bands used by churn tables.
* The detractor follow-up window: a detractor counts as "followed up within
  7 days" when the follow-up is dated no earlier than the response and at most
  7 × 24 hours after it (elapsed time, not calendar days: a follow-up 7 days
  and 1 hour later is late).

Table vocabulary
----------------
* Percentages: a column named ``pct_*`` (or ``*_pct``) is on the 0-100 scale;
  ``rate``, ``share`` and proportions are on the 0-1 scale; NPS and its
  differences are in points (-100 ... 100, -200 ... 200).
* Intervals: the table's main statistic (the one its rows are about: NPS, a
  share, a rate, a difference) has ``ci_low`` / ``ci_high``; every further
  statistic in the same table is prefixed, ``<stat>_ci_low`` / ``<stat>_ci_high``
  (``or_ci_low`` beside a share, ``rank_ci_low`` beside an importance share,
  ``rate_diff_ci_low`` beside a churn rate, ``auc_ci_low`` in model tables).
* Resampling: functions that need a bootstrap for their main result default to
  ``stats.resample.DEFAULT_N_BOOT`` (2000); those whose estimates are exact and
  bootstrap only for optional intervals (relative importance, transitions)
  default to ``n_boot=0`` (off).
* ``n`` counts rows used, ``n_excluded`` rows left out, ``n_clusters`` accounts.
* A suppressed row keeps its labels, ``suppressed=True`` and a
  ``suppressed_reason``, and no number at all.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "CATEGORIES", "DETRACTOR_MAX", "PASSIVE_MAX", "SCORE_RANGE", "category_codes", "classify",
    "nps_value", "nps_from_counts", "NPS_BANDS", "nps_band", "FOLLOWUP_WINDOW",
    "followed_up_within", "VOC_TARGET_DAYS",
]

#: Category labels, in order.
CATEGORIES: tuple[str, ...] = ("detractor", "passive", "promoter")
#: Highest score of a detractor and of a passive.
DETRACTOR_MAX = 6
PASSIVE_MAX = 8
#: The likelihood-to-recommend scale.
SCORE_RANGE = (0, 10)

#: Account NPS bands (``nps_band``): below 0, 0 to 49, 50 or more, and accounts without a score.
NPS_BANDS: tuple[str, ...] = ("NPS below 0", "NPS 0 to 49", "NPS 50 or more", "no response")

#: The closed-loop window for detractors (elapsed time).
FOLLOWUP_WINDOW = pd.Timedelta(days=7)

#: Days between VOC interviews with a key account (B2B practice: every 90-120 days); an account whose
#: latest interview is more than the upper bound old (or that never had one) is overdue.
VOC_TARGET_DAYS: tuple[float, float] = (90.0, 120.0)


def category_codes(scores) -> np.ndarray:
    """NPS category codes of 0-10 scores: -1 detractor, 0 passive, +1 promoter, NaN missing.

    The codes are also each respondent's contribution to NPS on the
    proportion scale (NPS = mean code).  Scores are not validated here:
    callers check the range first (see :func:`kapta_research.nps.classify`).

    Parameters
    ----------
    scores : array-like of float

    Returns
    -------
    numpy.ndarray of float

    Examples
    --------
    >>> category_codes([0, 6, 7, 8, 9, 10, float("nan")]).tolist()
    [-1.0, -1.0, 0.0, 0.0, 1.0, 1.0, nan]
    """
    s = np.asarray(scores, dtype=float)
    codes = np.select([s <= DETRACTOR_MAX, s <= PASSIVE_MAX], [-1.0, 0.0], default=1.0)
    return np.where(np.isnan(s), np.nan, codes)


def classify(scores) -> pd.Categorical:
    """Ordered categorical ``detractor < passive < promoter`` of 0-10 scores (missing stay missing).

    Examples
    --------
    >>> list(classify([3, 7, 10]))
    ['detractor', 'passive', 'promoter']
    """
    codes = category_codes(scores)
    ints = np.where(np.isnan(codes), -1, codes + 1).astype(int)
    return pd.Categorical.from_codes(ints, categories=list(CATEGORIES), ordered=True)


def nps_from_counts(promoters, detractors, n):
    """NPS in points, ``100 · (promoters − detractors) / n``, from integer counts (NaN when n = 0).

    Examples
    --------
    >>> float(nps_from_counts(2, 1, 3))
    33.333333333333336
    >>> float(nps_from_counts(3, 1, 4))
    50.0
    """
    pro = np.asarray(promoters, dtype=float)
    det = np.asarray(detractors, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(n > 0, 100.0 * (pro - det) / np.where(n > 0, n, 1.0), np.nan)
    return out if out.ndim else out[()]


def nps_value(scores) -> float:
    """NPS in points of a set of 0-10 scores (missing scores ignored; NaN if none).

    Examples
    --------
    >>> nps_value([10, 9, 3, 8])
    25.0
    """
    codes = category_codes(scores)
    codes = codes[~np.isnan(codes)]
    return float(nps_from_counts((codes == 1).sum(), (codes == -1).sum(), len(codes)))


def nps_band(nps) -> pd.Categorical:
    """Band of account NPS values (points): :data:`NPS_BANDS`, "no response" for NaN.

    Examples
    --------
    >>> list(nps_band([-10, 0, 49.9, 50, float("nan")]))
    ['NPS below 0', 'NPS 0 to 49', 'NPS 0 to 49', 'NPS 50 or more', 'no response']
    """
    v = np.asarray(nps, dtype=float)
    labels = np.select([np.isnan(v), v < 0, v < 50], [NPS_BANDS[3], NPS_BANDS[0], NPS_BANDS[1]],
                       default=NPS_BANDS[2])
    return pd.Categorical(labels, categories=list(NPS_BANDS), ordered=True)


def followed_up_within(responded_at, followed_up_at, *, window=FOLLOWUP_WINDOW) -> np.ndarray:
    """Whether each follow-up happened within ``window`` of the response (elapsed time).

    ``0 <= followed_up_at - responded_at <= window``; a missing follow-up date
    (never followed up) is False.

    Examples
    --------
    >>> r = pd.to_datetime(["2024-01-01 09:00"] * 4)
    >>> f = pd.to_datetime(["2024-01-08 09:00", "2024-01-08 10:00", None, "2023-12-31 09:00"])
    >>> followed_up_within(r, f).tolist()
    [True, False, False, False]
    """
    elapsed = pd.to_datetime(pd.Series(followed_up_at)).reset_index(drop=True) \
        - pd.to_datetime(pd.Series(responded_at)).reset_index(drop=True)
    ok = (elapsed >= pd.Timedelta(0)) & (elapsed <= pd.Timedelta(window))
    return ok.fillna(False).to_numpy(dtype=bool)
