"""Drivers of the two NPS transitions (detractor → passive, passive → promoter)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .. import _lmg, _nps_sums, rules
from .._compat import UNSET, renamed
from .._engine_hook import is_engine_table
from .._validation import check_dataframe, check_numeric, source_of
from ..errors import DataError, ParameterError
from ..stats import intervals, resample
from ..stats.logistic import fit_logit, stacked_logit_cluster_cov
from ._prepare import (MAX_LMG_DRIVERS, TRANSITIONS, _boot_counts, _bootstrap_clusters, _check_common,
                       _check_design, _check_driver_list, _check_engine_params, _cluster_setup,
                       _DriversResult, _prepare, _raise_if_no_replicates, _rank_ci, _rank_desc,
                       _text_codes)

__all__ = ["transition_drivers", "TransitionResult"]

_SEPARATED = {"detractor_to_passive": "detractors from passives",
              "passive_to_promoter": "passives from promoters"}


class TransitionResult(_DriversResult):
    """Drivers of NPS transitions (see :func:`transition_drivers`).

    Attributes
    ----------
    summary : pandas.DataFrame
        One row per (transition, driver); see :func:`transition_drivers`.
    difference : pandas.DataFrame
        One row per driver: does its effect differ between the transitions?
    outcome : str
        The likelihood-to-recommend column (``score`` is its deprecated old name).
    n : int
        Rows used (after listwise deletion), all categories.
    n_clusters : int or None
    n_excluded : int
        Rows left out because a value was missing (``n_dropped_missing``: old name).
    n_boot, confidence : as given.
    n_boot_failed : int
    """

    _title = "Drivers of NPS transitions"
    _info = ("outcome", "n", "n_clusters", "n_excluded", "n_boot")

    @property
    def score(self) -> str:
        """Deprecated old name of :attr:`outcome`."""
        return self.outcome

    def __repr__(self) -> str:
        return super().__repr__() + "\n\ndifference between transitions:\n" + self.difference.to_string()


# Over 120 lines (144) only because of its numpydoc (120 lines of docstring); the body is 24 lines.
def transition_drivers(data, *, drivers, outcome="ltr", cluster=None, n_boot=0, confidence=0.95,
                       random_state=None, score=UNSET) -> TransitionResult:
    """Which drivers move detractors to passives, and passives to promoters.

    NPS categories are built from ``outcome`` (likelihood to recommend, 0–10;
    :mod:`kapta_research.rules`):
    detractors 0–6, passives 7–8, promoters 9–10.  Two transitions are
    modelled, each by a logistic regression on all drivers:

    * ``"detractor_to_passive"`` — among respondents scoring 0–8, the odds of
      being a passive rather than a detractor;
    * ``"passive_to_promoter"`` — among respondents scoring 7–10, the odds of
      being a promoter rather than a passive.

    Together these are the two adjacent-category logits of the three NPS
    categories, so each regression is a correctly specified model when the
    categories follow an adjacent-category logit model.

    Parameters
    ----------
    data : pandas.DataFrame or engine table
        One row per response.  From an Ibis table or Spark DataFrame (DuckDB,
        Parquet, Spark, ...) the engine returns only the *distinct*
        ``(account, NPS category, driver values)`` combinations of complete
        rows with their counts (one ``GROUP BY ... count(*)``,
        :func:`kapta_research.engines._drivers.distinct_rows`), never the individual
        rows.  Respondents with the same combination contribute identically to
        the likelihoods, the cluster scores and the cross-products, so the
        counts serve as frequency weights and the result equals the in-memory
        one (the account bootstrap draws the same accounts; it then needs
        ``cluster``).  With rating-scale drivers the combinations are far fewer
        than the rows only when drivers are few or accounts large; with many
        or continuous drivers almost every row is its own combination and the
        compression is small.
    drivers : list of str
        Driver columns (numeric ratings).
    outcome : str, default "ltr"
        Column of the 0–10 likelihood-to-recommend score (``score=`` is its
        deprecated old name).
    cluster : str, optional
        Column of the account of each response: standard errors become
        cluster-robust by account and the bootstrap resamples accounts (in
        text order of their id, on either path).
    n_boot : int, default 0
        Bootstrap replicates for the intervals of the importance shares.
    confidence : float, default 0.95
        Level of every interval, in (0, 1).
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    TransitionResult
        ``summary``: one row per (transition, driver), with columns

        * ``transition`` — ``"detractor_to_passive"`` or ``"passive_to_promoter"``;
        * ``driver``;
        * ``n`` — respondents in the transition's regression;
        * ``n_events`` — of whom in the higher category (passives,
          respectively promoters);
        * ``odds_ratio`` — multiplicative change in the odds of moving up per
          scale point of the driver, the other drivers held fixed
          (multivariable logistic regression, statsmodels ``Logit``);
        * ``or_ci_low``, ``or_ci_high`` — Wald interval of the odds ratio
          (cluster-robust by account if ``cluster`` is given, else
          model-based);
        * ``p_value`` — Wald test of odds ratio = 1;
        * ``share`` — the driver's share of importance within the transition
          (see Notes);
        * ``ci_low``, ``ci_high``, ``rank_ci_low``, ``rank_ci_high`` —
          percentile bootstrap intervals of ``share`` and of ``rank`` (only
          with ``n_boot > 0``);
        * ``rank`` — 1 = most important driver of the transition.

        ``difference``: one row per driver, with columns ``driver``,
        ``log_or_diff`` (log odds ratio of passive_to_promoter minus that of
        detractor_to_passive), ``se``, ``ci_low``, ``ci_high`` (Wald interval
        of ``log_or_diff``) and ``p_value`` (Wald test of no difference).

    Raises
    ------
    DataError
        No detractors, passives or promoters among the complete rows, scores
        outside 0–10, a constant or collinear driver within a transition, a
        logistic regression that does not converge (separation).

    Notes
    -----
    *Importance share*: for speed and for an exact, additive decomposition,
    the share is the LMG (Shapley) decomposition of the R² of the
    *linear probability model* of the transition (least squares of the 0/1
    outcome on the drivers), computed with the same all-subsets engine as
    :func:`relative_importance`.  It ranks drivers by how much of the
    explainable variation in moving up each accounts for; the odds ratios give
    the direction and size of the effects.

    *Difference test*: the two transitions share the passives (the events of
    the first regression are the non-events of the second), so the two
    estimates are correlated and a naive test assuming independence is wrong.
    Both regressions are therefore estimated as one stacked logistic model
    (transition-specific intercepts and slopes; its estimates equal the two
    separate fits) whose cluster-robust sandwich covariance — clusters are the
    accounts, or each respondent without ``cluster``, so that a passive's two
    rows are always in one cluster — gives the covariance between the
    transitions' coefficients (the "seemingly unrelated estimation" of Weesie
    1999; :func:`kapta_research.stats.logistic.stacked_logit_cluster_cov`).
    The Wald statistic of the difference uses that joint covariance.

    Missing values: listwise deletion over score, drivers and cluster.

    Examples
    --------
    >>> import kapta_research as kr
    >>> from kapta_research.schema import DRIVERS
    >>> prog = kr.load_sample()
    >>> res = kr.drivers.transition_drivers(
    ...     prog.responses, drivers=list(DRIVERS), cluster="account_id")
    >>> sorted(res.summary["transition"].unique())
    ['detractor_to_passive', 'passive_to_promoter']
    >>> top = res.summary[res.summary["rank"] == 1]
    >>> list(res.difference.columns)
    ['driver', 'log_or_diff', 'se', 'ci_low', 'ci_high', 'p_value']
    """
    func = "transition_drivers"
    outcome = renamed(func, "score", "outcome", score, outcome, default="ltr")
    n_boot, confidence, rng = _check_common(func, n_boot=n_boot, confidence=confidence,
                                            random_state=random_state)
    drivers = _check_driver_list(drivers, func=func)
    if len(drivers) > MAX_LMG_DRIVERS:
        raise ParameterError(
            f"The 'drivers' parameter of {func} must hold at most {MAX_LMG_DRIVERS} drivers. "
            f"Got {len(drivers)} instead.")
    if is_engine_table(data):   # DuckDB / Parquet / Spark: distinct rows with their counts from the engine
        rows = _rows_on_engine(data, func=func, outcome=outcome, drivers=drivers, cluster=cluster,
                               n_boot=n_boot)
    else:
        rows = _rows_in_memory(data, func=func, outcome=outcome, drivers=drivers, cluster=cluster,
                               n_boot=n_boot)
    summary, difference, n_failed = _transitions_from_rows(
        rows, drivers=drivers, outcome=outcome, n_boot=n_boot, rng=rng, confidence=confidence, func=func)
    return TransitionResult(
        summary=summary, difference=difference, outcome=outcome, n=rows.n,
        n_clusters=rows.n_clusters, n_excluded=rows.n_excluded, n_boot=n_boot,
        confidence=confidence, n_boot_failed=n_failed,
    )


@dataclass
class _Rows:
    """Complete rows of :func:`transition_drivers`: NPS category codes (−1/0/1), drivers, and how many
    respondents each row stands for (``count``; None: one each — a DataFrame's rows), with the
    resampling / sandwich units: ``codes`` (accounts in text order of their id, or one code per
    row without ``cluster``) standing for ``multiplicity`` respondents-as-clusters each (None: 1)."""
    cat: np.ndarray
    X: np.ndarray
    count: np.ndarray | None
    codes: np.ndarray
    n_codes: int
    multiplicity: np.ndarray | None
    clustered: bool
    n: int
    n_clusters: int | None
    n_excluded: int
    src: str


def _rows_in_memory(data, *, func, outcome, drivers, cluster, n_boot) -> _Rows:
    check_dataframe(data, func=func)
    if isinstance(outcome, str) and outcome in data.columns:
        check_numeric(data, outcome, func=func, low=0, high=10)
    prep = _prepare(data, func=func, outcome=outcome, drivers=drivers, cluster=cluster,
                    outcome_name="outcome")
    codes, G = _cluster_setup(prep, func=func, n_boot=n_boot)
    if prep.codes is not None:   # accounts in text order of their id, as an engine returns them
        codes = _text_codes(prep)
    return _Rows(rules.category_codes(prep.y), prep.X, None, codes, G, None, prep.codes is not None,
                 len(prep.y), prep.n_groups, prep.n_dropped, source_of(prep.frame))


def _rows_on_engine(data, *, func, outcome, drivers, cluster, n_boot) -> _Rows:
    """:class:`_Rows` of an engine table: its distinct (account, category, drivers) combinations with
    their counts (:func:`kapta_research.engines._drivers.distinct_rows`), never the individual rows."""
    from ..engines._drivers import distinct_rows
    _check_engine_params(func, outcome=outcome, cluster=cluster, drivers=drivers, n_boot=n_boot)
    d = distinct_rows(data, outcome=outcome, drivers=drivers, cluster=cluster, func=func)
    n = int(d.count.sum())
    if cluster is not None:
        raw, uniq = pd.factorize(d.clusters, sort=False)
        codes, G, mult = _nps_sums.rank_labels(uniq)[raw], len(uniq), None
        if n_boot > 0:
            _bootstrap_clusters(G, func=func, src=d.source)
    else:   # every respondent its own cluster: a distinct row stands for `count` of them
        codes, G, mult = np.arange(len(d.count)), len(d.count), d.count
    return _Rows(d.category, d.X, d.count, codes, G, mult, cluster is not None, n,
                 G if cluster is not None else None, d.n_excluded, d.source)


def _transitions_from_rows(rows: _Rows, *, drivers, outcome, n_boot, rng, confidence, func):
    """Summary, difference table and failed replicates from :class:`_Rows` (the one implementation for
    DataFrames and engine tables: a row standing for ``f`` respondents is their frequency weight)."""
    src, cat, X, f = rows.src, rows.cat, rows.X, rows.count

    def total(values):
        return int(values.sum()) if f is None else int((f * values).sum())

    n_total = rows.n
    counts = {"detractors (score 0-6)": total(cat == -1),
              "passives (score 7-8)": total(cat == 0),
              "promoters (score 9-10)": total(cat == 1)}
    for label, c in counts.items():
        if c == 0:
            need = ("detractor_to_passive" if "detractor" in label else
                    "passive_to_promoter" if "promoter" in label else "either transition")
            raise DataError(
                f"{func}: there are no {label} among the {n_total} complete rows, so "
                f"{need} cannot be estimated ({', '.join(f'{k}: {v}' for k, v in counts.items())})",
                file=src, column=outcome)

    # Logistic (M-estimator) Wald intervals use the normal reference under clustering as well,
    # the convention of Stata's logit vce(cluster) and statsmodels; t(G-1) is the rule for means
    # and linear models (kapta_research.stats.intervals).
    z = intervals.critical_value(confidence)
    tmask = {"detractor_to_passive": cat <= 0, "passive_to_promoter": cat >= 0}
    tevent = {"detractor_to_passive": (cat >= 0).astype(float), "passive_to_promoter": (cat == 1).astype(float)}
    parts = {}
    out = []
    boot_stats = {}
    ref_var = {}
    for t in TRANSITIONS:
        m = tmask[t]
        yt, Xt = tevent[t][m], X[m]
        ft = None if f is None else f[m]
        where = f" among the {t} rows"
        cov = _check_design(np.column_stack([yt, Xt]), None, drivers, func=func, src=src,
                            outcome=outcome, where=where, counts=ft)
        res = fit_logit(yt, Xt, func=func, what=f"regression for the {t} transition",
                        between=_SEPARATED[t], file=src, freq_weights=ft)
        b = np.asarray(res.params)
        exog = np.column_stack([np.ones(len(yt)), Xt])
        parts[t] = (exog, yt, b, rows.codes[m], ft)
        if rows.clustered:   # CRV1 by account (statsmodels' Logit cov_type="cluster")
            se = np.sqrt(np.diag(stacked_logit_cluster_cov([exog], [yt], [b], [rows.codes[m]],
                                                           freq_weights=[ft])))[1:]
        else:
            se = np.asarray(res.bse)[1:]
        beta = b[1:]
        imp, r2, _ = _lmg.importances(cov[None], "lmg")
        ref_var[t] = np.diag(cov)
        out.append(pd.DataFrame({
            "transition": t, "driver": drivers, "n": total(m), "n_events": total(tevent[t] * m),
            "odds_ratio": np.exp(beta), "or_ci_low": np.exp(beta - z * se),
            "or_ci_high": np.exp(beta + z * se), "p_value": 2 * stats.norm.sf(np.abs(beta / se)),
            "share": imp[0] / r2[0], "rank": _rank_desc(imp[0]),
        }))
        if n_boot > 0:
            Zt = np.column_stack([yt, Xt])
            centre = Zt.mean(axis=0) if ft is None else ft @ Zt / ft.sum()
            boot_stats[t] = _lmg.cluster_stats(Zt - centre, ft, rows.codes[m], rows.n_codes)

    n_failed = 0
    if n_boot > 0:
        n_failed = _bootstrap_shares(out, boot_stats, ref_var, rng=rng, G=rows.n_codes, n_boot=n_boot,
                                     confidence=confidence, func=func, src=src)
    summary = pd.concat(out, ignore_index=True)
    cols = ["transition", "driver", "n", "n_events", "odds_ratio", "or_ci_low", "or_ci_high",
            "p_value", "share"]
    if n_boot > 0:
        cols += ["ci_low", "ci_high"]
    cols += ["rank"]
    if n_boot > 0:
        cols += ["rank_ci_low", "rank_ci_high"]
    return summary[cols], _transition_difference(parts, rows.multiplicity, drivers, z), n_failed


def _bootstrap_shares(rows, boot_stats, ref_var, *, rng, G, n_boot, confidence, func, src) -> int:
    """Account bootstrap of both transitions' LMG shares and ranks (adds interval columns to
    ``rows`` in place); a replicate counts only if both transitions are estimable in it."""
    shares = {t: [] for t in TRANSITIONS}
    ranks = {t: [] for t in TRANSITIONS}
    n_failed = 0
    for counts_b in _boot_counts(rng, G, n_boot):
        results = {}
        valid = np.ones(len(counts_b), dtype=bool)
        for t in TRANSITIONS:
            bcov, _, W = _lmg.resampled_covariances(counts_b, *boot_stats[t])
            ok = W > 0
            bcov = np.where(ok[:, None, None], bcov, np.eye(bcov.shape[-1]))
            bi, br, v = _lmg.importances(bcov, "lmg", ref_var=ref_var[t])
            valid &= v & ok & (br > 0) & np.isfinite(bi).all(axis=1)
            results[t] = (bi, br)
        n_failed += int((~valid).sum())
        for t in TRANSITIONS:
            bi, br = results[t]
            shares[t].append(bi[valid] / br[valid, None])
            ranks[t].append(_rank_desc(bi[valid]))
    _raise_if_no_replicates(n_boot - n_failed, n_boot, func=func, src=src)
    for i, t in enumerate(TRANSITIONS):
        lo, hi = resample.percentile_interval(np.concatenate(shares[t]), confidence)
        rlo, rhi = _rank_ci(np.concatenate(ranks[t]), confidence)
        rows[i]["ci_low"], rows[i]["ci_high"] = lo, hi
        rows[i]["rank_ci_low"], rows[i]["rank_ci_high"] = rlo, rhi
    return n_failed


def _transition_difference(parts, multiplicity, drivers, z) -> pd.DataFrame:
    """Stacked (seemingly unrelated) logistic model of both transitions: the Wald test of the
    difference of each driver's log odds ratio uses the joint cluster-robust covariance.

    The stacked likelihood is the sum of the two, so its estimate is the two separate fits and its
    covariance is the cluster sandwich over both fits' rows (:func:`stacked_logit_cluster_cov`;
    clusters are the accounts, or each respondent, so that a passive's two rows are one cluster).
    """
    p = len(drivers)
    (X1, y1, b1, c1, f1), (X2, y2, b2, c2, f2) = (parts[t] for t in TRANSITIONS)
    V = stacked_logit_cluster_cov([X1, X2], [y1, y2], [b1, b2], [c1, c2],
                                  freq_weights=None if f1 is None else [f1, f2], multiplicity=multiplicity)
    b = np.r_[b1, b2]
    i1 = np.arange(1, p + 1)
    i2 = np.arange(p + 2, 2 * p + 2)
    diff = b[i2] - b[i1]
    var = V[i2, i2] + V[i1, i1] - 2 * V[i1, i2]
    se = np.sqrt(np.clip(var, 0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        zstat = diff / se
    return pd.DataFrame({
        "driver": drivers, "log_or_diff": diff, "se": se,
        "ci_low": diff - z * se, "ci_high": diff + z * se,
        "p_value": 2 * stats.norm.sf(np.abs(zstat)),
    })
