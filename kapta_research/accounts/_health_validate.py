"""Does a health score predict churn?  :func:`validate_health` on the user's own history.

Imported into :mod:`kapta_research.accounts.health`; see :func:`validate_health`.
"""
from __future__ import annotations

import copy
from collections.abc import Mapping

import numpy as np
import pandas as pd

from .._result import Result
from .._validation import (check_bool, check_choice, check_columns, check_confidence, check_dataframe, check_int, check_number,
                           check_random_state, row_labels, source_of)
from ..errors import DataError, ParameterError
from ..stats.auc import cluster_bootstrap_aucs, delong
from ..stats.calibration import brier_score, calibration, reliability_table
from ..stats.intervals import wilson_interval
from ..stats.multiplicity import adjust_p_values
from ..stats.resample import DEFAULT_N_BOOT, cluster_bootstrap
from .health import COMPONENTS, DEFAULT_WEIGHTS, _check_weights, _learn, _predict, _weighted, component_scores

__all__ = ["validate_health", "HealthValidation", "default_scores", "time_split"]


def default_scores(weights=None) -> dict:
    """The four scores the study compares: your weights, learned, NPS alone, tenure + value.

    Parameters
    ----------
    weights : mapping, optional
        The administrator's weights (default :data:`~kapta_research.accounts.health.DEFAULT_WEIGHTS`).

    Examples
    --------
    >>> list(default_scores())
    ['your weights', 'learned', 'NPS alone', 'tenure and value']
    """
    return {"your weights": dict(DEFAULT_WEIGHTS if weights is None else weights), "learned": "learned",
            "NPS alone": {"account_nps": 1}, "tenure and value": ["tenure_days", "log_value"]}


class HealthValidation(Result):
    """Validation of health scores against later churn (see :func:`validate_health`).

    Attributes
    ----------
    summary : pandas.DataFrame
        One row per score (columns listed in :func:`validate_health`).
    comparisons : pandas.DataFrame
        Pairwise AUC differences (paired account bootstrap).
    reliability : pandas.DataFrame
        Reliability (calibration) table of each score's churn probabilities.
    roc : pandas.DataFrame
        ROC curve points of each score: ``score``, ``fpr``, ``tpr``.
    top_k : pandas.DataFrame
        The ``top_k`` test rows each score ranks most at risk.
    coefficients : pandas.DataFrame or None
        The learned score's coefficients (``HealthScore.coefficients``), learned on the training rows.
    test_accounts, train_accounts : list of str
        The accounts whose rows were tested / trained on (disjoint with ``split="time"`` and
        ``hold_out_accounts``, and with ``split="account"``).
    split, hold_out_accounts, embargo, train_dates, test_dates, n_train, n_test, n_train_events, horizon_days,
    top_k_n, confidence, n_boot, n_boot_failed, cluster, n_clusters
    """

    _title = "Health score validation against churn"
    _info = ("split", "hold_out_accounts", "embargo", "train_dates", "test_dates", "n_train", "n_test", "n_train_events",
             "horizon_days",
             "cluster", "n_clusters", "n_boot", "n_boot_failed")

    def __repr__(self) -> str:
        return super().__repr__() + "\n" + self.comparisons.to_string()


def time_split(as_of, account_id=None, *, test_fraction=0.5, random_state=None) -> tuple[np.ndarray, np.ndarray]:
    """Boolean masks (train, test): test = the latest snapshot date, train = every earlier date.

    Every test account-date is after every training one (tested).  With
    ``account_id``, the accounts present at the latest date are also split at
    random: a ``test_fraction`` of them is the test set (their latest row) and
    only the *other* accounts' earlier rows train (see
    :func:`validate_health`, Notes: an account's snapshots share its churn
    outcome, so training on its earlier row and testing on its later one
    leaks that outcome).  Rows of neither mask are unused.

    Examples
    --------
    >>> tr, te = time_split(pd.to_datetime(["2024-07-01", "2025-01-01", "2024-10-01"]))
    >>> tr.tolist(), te.tolist()
    ([True, False, True], [False, True, False])
    >>> ids = ["a", "b", "a", "b"]
    >>> tr, te = time_split(pd.to_datetime(["2024-07-01", "2024-07-01", "2025-01-01", "2025-01-01"]), ids,
    ...                     random_state=0)
    >>> sorted(set(np.array(ids)[tr]) & set(np.array(ids)[te]))
    []
    """
    dates = pd.to_datetime(pd.Series(as_of)).to_numpy()
    last = dates.max()
    train, test = dates < last, dates == last
    if account_id is None:
        return train, test
    rng = check_random_state(random_state, func="time_split")
    ids = pd.Series(account_id).astype(str).to_numpy()
    at_last = np.unique(ids[test])
    n_test = min(len(at_last) - 1, max(1, int(round(test_fraction * len(at_last)))))
    held = np.zeros(len(ids), bool) if n_test < 1 else \
        pd.Series(ids).isin(set(rng.choice(at_last, size=n_test, replace=False))).to_numpy()
    return train & ~held, test & held


def _outcome(snaps, horizon_days, *, func) -> np.ndarray:
    """Churn within ``horizon_days``: from ``event``/``days_to_event`` when present, else ``churned``."""
    if {"event", "days_to_event"} <= set(snaps.columns):
        event = snaps["event"].astype(bool).to_numpy()
        days = pd.to_numeric(snaps["days_to_event"], errors="coerce").to_numpy(float)
        unknown = ~event & (days < horizon_days)
        if unknown.any():
            raise DataError(
                f"{func}: churn within horizon_days={horizon_days} is unknown for retained accounts observed for "
                f"less time (days_to_event < {horizon_days}); build the snapshots with this horizon or a shorter "
                f"one", file=source_of(snaps), column="days_to_event", rows=row_labels(snaps, unknown),
                values=list(days[unknown]))
        return (event & (days <= horizon_days)).astype(float)
    check_columns(snaps, ["churned"], func=func)
    return snaps["churned"].astype(bool).to_numpy(float)


def _check_scores(scores, snaps, *, func) -> dict:
    if not isinstance(scores, Mapping) or not scores:
        raise ParameterError(f"The 'scores' parameter of {func} must be a non-empty mapping of score name -> "
                             f"weights mapping, 'learned', a component or column name, or a list of columns "
                             f"(see default_scores()). Got {scores!r} instead.")
    out = {}
    for name, spec in scores.items():
        if not isinstance(name, str):
            raise ParameterError(f"The 'scores' parameter of {func} must use names (str) as keys. Got {name!r}.")
        if isinstance(spec, Mapping):
            out[name] = ("weights", _check_weights(spec, func=func))  # names checked, with a did-you-mean
        elif spec == "learned":
            out[name] = ("learned", None)
        elif isinstance(spec, str) and spec in COMPONENTS:
            out[name] = ("weights", {spec: 1.0})
        elif isinstance(spec, str):
            check_columns(snaps, [spec], func=func, name="scores")
            out[name] = ("column", spec)
        elif isinstance(spec, (list, tuple)) and spec and all(isinstance(c, str) for c in spec):
            check_columns(snaps, list(spec), func=func, name="scores")
            out[name] = ("model", list(spec))
        else:
            raise ParameterError(f"The 'scores' parameter of {func}: score {name!r} must be a weights mapping, "
                                 f"'learned', a component or column name, or a list of columns. Got {spec!r}.")
    return out


def _model_score(train, test, y_train, columns, *, func):
    """Logistic model of churn on ``columns`` (training rows); health = 100 (1 - p) on both periods."""
    tr = train[columns].apply(pd.to_numeric, errors="coerce").astype(float)
    te = test[columns].apply(pd.to_numeric, errors="coerce").astype(float)
    fit = _learn(tr, y_train, penalty=1.0, func=func)
    return 100 * (1 - _predict(fit, tr)), 100 * (1 - _predict(fit, te)), _predict(fit, te)


def _platt(h_train, y_train, h_test) -> np.ndarray:
    """Churn probability of a 0-100 score: logistic regression of training churn on the score (Platt 1999).

    A constant score, or one that separates the training outcomes, gets the training churn rate.
    """
    from ..errors import ConvergenceError
    from ..stats.logistic import fit_logit
    if np.ptp(h_train) == 0:
        return np.full(len(h_test), y_train.mean())
    try:
        res = fit_logit(y_train, ((h_train - 50) / 50)[:, None], func="validate_health", what="Platt scaling")
    except ConvergenceError:
        return np.full(len(h_test), y_train.mean())
    a, b = np.asarray(res.params, float)
    return 1 / (1 + np.exp(-(a + b * (h_test - 50) / 50)))


def _score_values(kind, spec, train, test, y_train, comps, *, func):
    """Health on the training and test rows, and the test rows' churn probability, for one score.

    ``comps`` holds the component scores of the training and test rows
    (:func:`~kapta_research.accounts.health.component_scores`), computed
    once; the health is then exactly :func:`~kapta_research.accounts.health.health_score`'s.
    """
    comp_tr, comp_te, penalty = comps
    if kind == "weights":
        return _weighted(comp_tr, spec)[0], _weighted(comp_te, spec)[0], None, None
    if kind == "learned":
        fit = _learn(comp_tr, y_train, penalty=penalty, func=func)
        p = _predict(fit, comp_te)
        return None, 100 * (1 - p), p, fit["table"]
    if kind == "column":
        return (pd.to_numeric(train[spec], errors="coerce").to_numpy(float),
                pd.to_numeric(test[spec], errors="coerce").to_numpy(float), None, None)
    h_tr, h_te, p = _model_score(train, test, y_train, spec, func=func)
    return h_tr, h_te, p, None


def _top_k_rows(name, risk, test, y, k) -> pd.DataFrame:
    order = np.lexsort((test["account_id"].astype(str).to_numpy(), -risk))[:k]
    t = pd.DataFrame({"score": name, "rank": np.arange(1, len(order) + 1),
                      "account_id": test["account_id"].to_numpy()[order]})
    for c in ("as_of", "segment"):
        if c in test:
            t[c] = test[c].to_numpy()[order]
    t["health"] = -risk[order]
    t["annual_value"] = test["annual_value"].to_numpy(float)[order] if "annual_value" in test else np.nan
    t["churned"] = y[order].astype(bool)
    return t


def _top_k_metrics(risk, y, value, k, confidence) -> dict:
    order = np.argsort(-risk, kind="stable")[:k]
    hits = float(y[order].sum())
    n_events = float(y.sum())
    p_lo, p_hi = wilson_interval(hits, k, confidence=confidence)
    r_lo, r_hi = wilson_interval(hits, n_events, confidence=confidence)
    churned_value = float(np.nansum(value * y))
    captured = float(np.nansum(value[order] * y[order]))
    return {"top_k": k, "churned_top_k": int(hits), "precision_top_k": hits / k,
            "precision_ci_low": float(p_lo), "precision_ci_high": float(p_hi),
            "recall_top_k": hits / n_events, "recall_ci_low": float(r_lo), "recall_ci_high": float(r_hi),
            "revenue_at_risk_top_k": captured,
            "revenue_at_risk_share": captured / churned_value if churned_value > 0 else np.nan}


def _brier_boot(y, P, codes, *, n_boot, rng, func):
    """Cluster-bootstrap Brier scores of each row of probabilities ``P`` (k, n)."""
    sq = (P - y[None, :]) ** 2

    def statistic(counts):
        W = counts[:, codes].astype(float)
        return (W @ sq.T) / W.sum(axis=1, keepdims=True), np.ones(len(W), bool)

    return cluster_bootstrap(statistic, codes, n_boot=n_boot, random_state=rng, vectorized=True, func=func)


def _revenue_share_boot(risk, y, value, codes, k, *, confidence, n_boot, rng, func):
    """Cluster-bootstrap interval of each score's share of churned revenue captured by its top-k list.

    The list is the one the score made (its top ``k`` test rows, fixed); a
    replicate resamples accounts and recomputes captured churned value over
    all churned value.  Returns ``(low, high)`` arrays, NaN when no churned
    row has an annual value.
    """
    churned_value = np.where(np.isfinite(value), value, 0.0) * y
    if not churned_value.sum() > 0:
        return np.full(len(risk), np.nan), np.full(len(risk), np.nan)
    in_top = np.zeros(risk.shape)
    for j, r in enumerate(risk):
        in_top[j, np.argsort(-r, kind="stable")[:k]] = 1.0
    captured = in_top * churned_value[None, :]

    def statistic(counts):
        W = counts[:, codes].astype(float)
        denom = W @ churned_value
        with np.errstate(invalid="ignore", divide="ignore"):
            return (W @ captured.T) / denom[:, None], denom > 0

    boot = cluster_bootstrap(statistic, codes, n_boot=n_boot, random_state=rng, vectorized=True, func=func,
                             reason="no churned account with an annual value was drawn")
    return boot.interval(confidence)


def _split(snaps, split, rng, test_fraction, hold_out_accounts, *, func):
    if split == "time":
        dates = pd.to_datetime(snaps["as_of"])
        if dates.nunique() < 2:
            raise DataError(f"{func}: a time split needs snapshots at two or more dates (learn on the earlier, test "
                            f"on the latest); these have one ({dates.iloc[0].date()}). Stack several dates with "
                            f"kapta_research.churn.snapshots, or use split='account'", column="as_of")
        return time_split(dates, snaps["account_id"] if hold_out_accounts else None, test_fraction=test_fraction,
                          random_state=rng)
    ids = snaps["account_id"].astype(str).to_numpy()
    uniq = np.unique(ids)
    if len(uniq) < 4:
        raise DataError(f"{func}: split='account' needs at least 4 accounts; there are {len(uniq)}")
    test_ids = rng.choice(uniq, size=max(1, int(round(test_fraction * len(uniq)))), replace=False)
    test = np.isin(ids, test_ids)
    return ~test, test


def _check_classes(y, *, period, func, file):
    if y.sum() == 0:
        raise DataError(f"{func}: no account churned in the {period} period, so no score can be "
                        f"{'validated' if period == 'test' else 'learned or calibrated'}: collect a longer history "
                        f"or choose other snapshot dates", file=file, column="churned")
    if y.sum() == len(y):
        raise DataError(f"{func}: every account churned in the {period} period, so nothing can be validated",
                        file=file, column="churned")


# Over 120 lines only because of its numpydoc; the body is a sequence of short steps (split, score, measure).
def validate_health(snapshots, *, scores, split="time", horizon_days=365, top_k=20, cluster="account_id",
                    random_state=None, confidence=0.95, n_boot=DEFAULT_N_BOOT, n_bins=10,
                    test_fraction=0.5, hold_out_accounts=True, embargo=False, driver_scale=(1, 7), penalty=1.0
                    ) -> HealthValidation:
    """Do health scores predict churn?  Discrimination, calibration and top-k yield in a later period.

    Each score is computed for every snapshot row; what is learned (the
    "learned" weights, a model of columns, and each score's churn
    probability) is learned on the training rows only and judged on the
    test rows.

    Parameters
    ----------
    snapshots : DataFrame
        Stacked :func:`kapta_research.churn.snapshots` (``account_id``,
        ``as_of``, the features, ``event``/``days_to_event`` or ``churned``).
    scores : mapping
        Score name -> what the score is: a mapping component -> weight (an
        administrator score, :func:`~kapta_research.accounts.health.health_score`),
        ``"learned"`` (penalised logistic regression on the training rows),
        a component name (that component alone, e.g. ``"account_nps"``),
        a snapshot column (higher = healthier), or a list of columns (a
        logistic model fitted on the training rows, penalised and imputed
        like the learned weights, e.g. the baseline
        ``["tenure_days", "log_value"]``).  :func:`default_scores` gives the
        study's four: "your weights", "learned", "NPS alone", "tenure and value".
    split : {"time", "account"}
        ``"time"`` (default): learn on the earlier snapshot dates, test on the
        latest, so no test account-date precedes a training one; with
        ``hold_out_accounts`` (default) the test accounts are a random
        ``test_fraction`` of those at the latest date and none of their rows
        trains (see Notes).  ``"account"``: a random ``test_fraction`` of the
        accounts (all their dates) is the test set.
    horizon_days : int
        Churn counts when it happens within ``horizon_days`` of the snapshot
        date (recomputed from ``event`` and ``days_to_event``; retained rows
        must be observed that long).
    embargo : bool
        With ``split="time"``: train only on rows whose whole outcome window
        has closed by the test date (``as_of + horizon_days <= `` the latest
        date), so nothing learned uses churn a deployment at the test date
        could not yet have seen (Notes).  Needs snapshot dates at least
        ``horizon_days`` before the latest; off by default because short
        histories have none.
    top_k : int
        Size of the "most at risk" list whose precision, recall and
        revenue at risk are reported.
    cluster : str or None
        Column resampled whole by the bootstrap (default the account).
    random_state : None, int or Generator
    confidence : float
    n_boot : int
        Bootstrap replicates (default 2000, at least 100).
    n_bins : int
        Bins of the reliability table.
    test_fraction : float
        Share of the accounts held out for testing (default 0.5).
    driver_scale, penalty
        As in :func:`~kapta_research.accounts.health.health_score` (driver
        answer scale; inverse L2 penalty of the learned weights).
    hold_out_accounts : bool
        ``split="time"``: keep the test accounts out of training (default
        True).  False learns on every earlier row, including the test
        accounts' own earlier snapshots: optimistic for learned scores (see Notes).

    Returns
    -------
    HealthValidation
        ``summary``, one row per score: ``score``, ``kind`` (weights,
        learned, column, model), ``n`` (test rows), ``n_events``, ``n_imputed``
        (test rows without the score, given the training median),
        ``auc`` (of lower health for churn; 0.5 = chance), ``auc_ci_low``,
        ``auc_ci_high`` (percentile interval of the account bootstrap),
        ``brier``, ``brier_ci_low``, ``brier_ci_high``,
        ``calibration_intercept`` (0 ideal), ``calibration_intercept_ci_low``,
        ``calibration_intercept_ci_high``, ``calibration_slope`` (1 ideal),
        ``calibration_slope_ci_low``, ``calibration_slope_ci_high``
        (:mod:`kapta_research.stats.calibration`), ``churn_rate`` (of the test
        rows, the precision of a random list), ``top_k``, ``churned_top_k``,
        ``precision_top_k``, ``precision_ci_low``, ``precision_ci_high``,
        ``recall_top_k``, ``recall_ci_low``, ``recall_ci_high`` (Wilson),
        ``revenue_at_risk_top_k`` (annual value of the churned accounts in the
        top k), ``revenue_at_risk_share`` (of all churned value) with
        ``revenue_at_risk_share_ci_low``, ``revenue_at_risk_share_ci_high``
        (percentile interval of the account bootstrap, the same resampled
        accounts as the Brier interval, the top-k list held fixed) and
        ``n_churned_valued`` (churned test rows with an annual value, the n
        of that share).
        ``comparisons``: ``score_a``, ``score_b``, ``auc_diff`` (a minus b),
        ``se``, ``ci_low``, ``ci_high``, ``p_value`` (paired account
        bootstrap, normal approximation with the bootstrap SE, as
        :func:`kapta_research.churn.predictive_value`), ``p_holm`` (Holm's
        adjustment over the family of all pairwise comparisons,
        :func:`kapta_research.stats.multiplicity.adjust_p_values`).  ``reliability``:
        ``score`` and the columns of
        :func:`kapta_research.stats.calibration.reliability_table`.  ``roc``:
        ``score``, ``fpr``, ``tpr``.  ``top_k``: ``score``, ``rank``,
        ``account_id``, ``as_of``, ``segment``, ``health``, ``annual_value``,
        ``churned``.

    Notes
    -----
    The probabilities behind the calibration and the Brier score: the
    learned score and a model of columns give one directly; every other
    score is turned into one by a logistic regression of training churn on
    the score (Platt scaling), so calibration asks "does this score's risk
    ranking transfer to a later period at the level the past suggested".
    AUC needs no such step (it is the score's ranking).

    Why the test accounts are held out of training: an account's snapshots
    at several dates share its churn outcome whenever the churn falls in the
    horizon of each (churn in March 2025 is "churned within 365 days" of the
    July 2024, October 2024 and January 2025 snapshots).  Learning on an
    account's earlier snapshot and testing on its later one therefore hands
    the model the test outcome through the account's features, which change
    little between dates.  In 100 simulated programmes of 200 accounts with
    churn independent of everything, the learned score's 95 % interval lay
    above 0.5 in 23 of them with the plain time split (the tenure + value
    model in 11), and in 2 to 5 for every score with the test accounts held
    out (nominal 2.5; the percentile bootstrap is a little optimistic with
    the ~9 churn events of such a test set) (``tests/test_health_sim.py``).  Training
    outcomes of the other accounts still reach past the test date (a
    deployment at that date would know fewer of them) unless ``embargo=True``
    drops the training rows whose window is still open then (rows are
    dropped by date only, never by outcome, which would bias the training
    churn rate); the test rows' outcomes are never used.

    Raises
    ------
    DataError
        One snapshot date with ``split="time"``; no churn (or only churn) in
        the training or test period; retained rows observed for less than
        ``horizon_days``.
    ParameterError
        A score naming an unknown component (did-you-mean) or column.

    Examples
    --------
    >>> import kapta_research as kr
    >>> from kapta_research.accounts.health import validate_health, default_scores
    >>> snaps = kr.churn.snapshots(kr.load_sample(), as_of=["2024-07-01", "2024-10-01", "2025-01-01"])
    >>> val = validate_health(snaps, scores=default_scores(), n_boot=200, random_state=0)
    >>> val.summary["score"].tolist()
    ['your weights', 'learned', 'NPS alone', 'tenure and value']
    >>> val.train_dates, val.test_dates
    (['2024-07-01', '2024-10-01'], ['2025-01-01'])
    >>> bool(val.summary["auc"].between(0, 1).all()), len(val.comparisons)
    (True, 6)
    """
    func = "validate_health"
    snaps = check_dataframe(snapshots, func=func, name="snapshots")
    check_columns(snaps, ["account_id", "as_of"], func=func)
    split = check_choice(split, ("time", "account"), name="split", func=func)
    horizon_days = check_int(horizon_days, name="horizon_days", func=func, low=1)
    top_k = check_int(top_k, name="top_k", func=func, low=1)
    confidence = check_confidence(confidence, func=func)
    n_boot = check_int(n_boot, name="n_boot", func=func, low=100)
    n_bins = check_int(n_bins, name="n_bins", func=func, low=2)
    rng = check_random_state(random_state, func=func)
    if cluster is not None:
        check_columns(snaps, [cluster], func=func, name="cluster")
    specs = _check_scores(scores, snaps, func=func)
    y_all = _outcome(snaps, horizon_days, func=func)
    if not 0 < test_fraction < 1:
        raise ParameterError(f"The 'test_fraction' parameter of {func} must be in (0, 1). Got {test_fraction!r} "
                             "instead.")
    embargo = check_bool(embargo, name="embargo", func=func)
    train_mask, test_mask = _split(snaps, split, rng, test_fraction, bool(hold_out_accounts), func=func)
    if embargo:
        if split != "time":
            raise ParameterError(f"The 'embargo' parameter of {func} applies to split='time' only. "
                                 f"Got split={split!r}.")
        dates = pd.to_datetime(snaps["as_of"])
        latest = dates.max()
        closed = (dates + pd.Timedelta(days=horizon_days) <= latest).to_numpy()
        if not (train_mask & closed).any():
            raise DataError(f"{func}: embargo=True keeps training rows whose {horizon_days}-day outcome window "
                            f"has closed by the test date {latest.date()}, i.e. snapshots dated on or before "
                            f"{(latest - pd.Timedelta(days=horizon_days)).date()}; the earliest is "
                            f"{dates.min().date()}. Stack earlier snapshot dates, shorten horizon_days, or "
                            "use embargo=False", file=source_of(snaps), column="as_of")
        train_mask = train_mask & closed
    train, test = snaps[train_mask].reset_index(drop=True), snaps[test_mask].reset_index(drop=True)
    y_tr, y = y_all[train_mask], y_all[test_mask]
    file = source_of(snaps)
    _check_classes(y_tr, period="training", func=func, file=file)
    _check_classes(y, period="test", func=func, file=file)
    k = min(top_k, len(test))

    penalty = float(check_number(penalty, name="penalty", func=func, low=0, low_open=True))
    comps = (component_scores(train, driver_scale=driver_scale), component_scores(test, driver_scale=driver_scale),
             penalty)
    names, H, P, kinds, n_imputed, coefficients = list(specs), [], [], [], [], None
    for name, (kind, spec) in specs.items():
        h_tr, h_te, p, coef = _score_values(kind, spec, train, test, y_tr, comps, func=func)
        coefficients = coef if coef is not None else coefficients
        miss = ~np.isfinite(h_te)
        if miss.any():  # e.g. NPS alone for a silent account: the training median, counted
            fill = np.nanmedian(h_tr) if h_tr is not None and np.isfinite(h_tr).any() else 50.0
            h_te = np.where(miss, fill, h_te)
        if p is None:
            ok = np.isfinite(h_tr)
            p = _platt(h_tr[ok], y_tr[ok], h_te)
        H.append(h_te)
        P.append(p)
        kinds.append(kind)
        n_imputed.append(int(miss.sum()))
    H, P = np.vstack(H), np.vstack(P)
    risk = -H
    codes = (pd.factorize(test[cluster].to_numpy())[0] if cluster is not None else np.arange(len(test)))
    auc = delong(y, risk)[0]
    boot = cluster_bootstrap_aucs(y, risk, codes, n_boot=n_boot, random_state=rng, func=func)
    a_lo, a_hi = boot.interval(confidence)
    rev_rng = copy.deepcopy(rng)  # the revenue share resamples the very accounts of the Brier replicates
    brier_boot = _brier_boot(y, P, codes, n_boot=n_boot, rng=rng, func=func)
    b_lo, b_hi = brier_boot.interval(confidence)
    value = test["annual_value"].to_numpy(float) if "annual_value" in test else np.full(len(test), np.nan)
    v_lo, v_hi = _revenue_share_boot(risk, y, value, codes, k, confidence=confidence, n_boot=n_boot, rng=rev_rng,
                                     func=func)
    n_valued = int((np.isfinite(value) & (y == 1)).sum())

    rows, rel, roc, tops = [], [], [], []
    for j, name in enumerate(names):
        rows.append({"score": name, "kind": kinds[j], "n": len(y), "n_events": int(y.sum()),
                     "n_imputed": n_imputed[j], "auc": float(auc[j]), "auc_ci_low": float(a_lo[j]),
                     "auc_ci_high": float(a_hi[j]), "brier": brier_score(y, P[j]),
                     "brier_ci_low": float(b_lo[j]), "brier_ci_high": float(b_hi[j]),
                     **calibration(y, P[j], confidence=confidence), "churn_rate": float(y.mean()),
                     **_top_k_metrics(risk[j], y, value, k, confidence),
                     "revenue_at_risk_share_ci_low": float(v_lo[j]), "revenue_at_risk_share_ci_high": float(v_hi[j]),
                     "n_churned_valued": n_valued})
        rel.append(reliability_table(y, P[j], n_bins=n_bins, confidence=confidence).assign(score=name))
        roc.append(_roc_points(y, risk[j]).assign(score=name))
        tops.append(_top_k_rows(name, risk[j], test, y, k))

    from ..churn.prediction import _auc_comparisons  # the one paired-bootstrap comparison
    from ..churn._checks import _z
    comparisons = _auc_comparisons(names, auc, None, boot, z=_z(confidence)).rename(
        columns={"model_a": "score_a", "model_b": "score_b"})
    comparisons["p_holm"] = adjust_p_values(comparisons["p_value"].to_numpy(), method="holm")

    out = HealthValidation()
    out.summary = pd.DataFrame(rows)
    out.comparisons = comparisons
    out.reliability = pd.concat(rel, ignore_index=True)[["score", *rel[0].columns.drop("score")]]
    out.roc = pd.concat(roc, ignore_index=True)[["score", "fpr", "tpr"]]
    out.top_k = pd.concat(tops, ignore_index=True)
    out.coefficients = coefficients
    fmt = lambda d: sorted(pd.to_datetime(pd.Series(d)).dt.strftime("%Y-%m-%d").unique().tolist())  # noqa: E731
    out.split, out.train_dates, out.test_dates = split, fmt(train["as_of"]), fmt(test["as_of"])
    out.hold_out_accounts = bool(hold_out_accounts) if split == "time" else True
    out.embargo = embargo
    out.test_accounts = sorted(test["account_id"].astype(str).unique())
    out.train_accounts = sorted(train["account_id"].astype(str).unique())
    out.n_train, out.n_test, out.n_train_events = len(train), len(test), int(y_tr.sum())
    out.horizon_days, out.top_k_n, out.confidence, out.n_boot = horizon_days, k, confidence, n_boot
    out.n_boot_failed = boot.n_failed
    out.cluster, out.n_clusters = cluster, int(codes.max()) + 1
    return out


def _roc_points(y, risk) -> pd.DataFrame:
    """ROC curve points (scikit-learn ``roc_curve``, ties as one step)."""
    from sklearn.metrics import roc_curve
    fpr, tpr, _ = roc_curve(y, risk, drop_intermediate=True)
    return pd.DataFrame({"fpr": fpr, "tpr": tpr})
