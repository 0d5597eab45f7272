"""Predictive value of NPS and drivers for churn: logistic models compared.

:func:`predictive_value` fits one logistic model per predictor set, compares
their discrimination (AUC with DeLong or cluster-bootstrap intervals,
cross-validated AUC), calibration, and tests whether larger models add to a
base model (likelihood-ratio test; with clusters, Wald, score and wild
cluster score bootstrap tests).  Each step is a function of its own:
:func:`_check_models`, :func:`_cross_validate`, :func:`_auc_intervals`,
:func:`_added_value`, :func:`_auc_comparisons`, :func:`_odds_ratios`.
"""
from __future__ import annotations

import itertools
import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from .._result import Result
from .._validation import check_columns, check_confidence, check_dataframe, check_int, check_random_state, source_of
from ..errors import DataError, ParameterError
from ..stats.auc import cluster_bootstrap_aucs, delong
from ..stats.logistic import (fit_logit, logit_cluster_cov, projected_cluster_scores, score_bootstrap_p,
                              score_statistic, wald_statistic)
from ..stats.calibration import calibration_slope as _calibration_slope  # the one implementation
from ..stats.resample import DEFAULT_N_BOOT
from ._checks import _binary_column, _check_varies, _column_list, _complete_frame, _z

__all__ = ["predictive_value", "PredictiveValueResult"]


class PredictiveValueResult(Result):
    """Comparison of logistic churn models (see :func:`predictive_value`).

    Attributes
    ----------
    summary : pandas.DataFrame
        One row per model (columns listed in :func:`predictive_value`).
    odds_ratios : pandas.DataFrame
        Adjusted odds ratios of every model's predictors (see :func:`predictive_value`).
    comparisons : pandas.DataFrame
        Pairwise AUC differences: model_a, model_b, auc_diff, se, ci_low,
        ci_high, p_value.
    predictors : dict
        Model name -> list of predictor columns.
    coefficients : dict
        Model name -> pandas.Series of the full-data logistic coefficients
        (log odds ratios, with ``const``).
    cov_params : dict
        Model name -> pandas.DataFrame, the covariance matrix of those
        coefficients: cluster-robust (CRV1) with ``cluster``, model-based
        (inverse information) otherwise.
    auc_method : str
        ``"delong"`` or ``"cluster bootstrap"``.
    test_method : str or None
        How ``test_p_value`` was computed: ``"likelihood-ratio test"``
        without ``cluster``, the wild cluster score bootstrap with it, None
        without ``base``.
    n_boot_failed : int
        Cluster-bootstrap replicates without both outcomes (no AUC), left out
        of the AUC intervals and counted here (0 without ``cluster``).
    outcome, base, cv, cluster, n_clusters, n_boot, confidence, n, n_events, n_excluded
    """

    _title = "Predictive value of churn models"
    _info = ("n", "n_events", "n_excluded", "base", "cv", "auc_method", "test_method",
             "cluster", "n_clusters", "n_boot_failed")

    def __repr__(self) -> str:
        return super().__repr__() + "\n" + self.comparisons.to_string()


# Over 120 lines (242) only because of its numpydoc (166 lines of docstring); the body is 73 lines.
def predictive_value(data, *, models, outcome="churned", base=None, cv=5, cluster=None,
                     n_boot=DEFAULT_N_BOOT, confidence=0.95, random_state=None
                     ) -> PredictiveValueResult:  # long only by its numpydoc docstring (Notes)
    """Compare how well sets of predictors (NPS, drivers, both) predict churn.

    Each model is a logistic regression of ``outcome`` on its predictors
    (statsmodels ``Logit``).  All models are fitted on the same rows: those
    with a value in every column any model uses, so that their AUCs can be
    compared pairwise and the likelihood-ratio test is valid.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per account.
    models : dict
        Model name -> list of numeric predictor columns, e.g.
        ``{"nps": ["nps"], "drivers": drivers, "nps+drivers": ["nps", *drivers]}``.
    outcome : str, default "churned"
        Column with 1 (or True) for churned, 0 (or False) for retained.
    base : str, optional
        Name of the reference model for the tests of added value.  Each
        model that contains all of the base's predictors and more is tested
        against it (likelihood-ratio test, and with ``cluster`` cluster-robust
        Wald and score tests of the predictors it adds); the test columns
        are NaN for the base itself and for models in which it is not nested
        (e.g. "drivers" against base "nps").  The base must be nested in at
        least one model.
    cv : int, default 5
        Number of cross-validation folds (stratified on the outcome; whole
        clusters kept together when ``cluster`` is given).  Between 2 and the
        number of churn events (and of retained accounts, and of clusters).
    cluster : str, optional
        Column of cluster labels (e.g. the account when there are several
        respondents per account, or several snapshots of one account).  AUC
        intervals and comparisons then come from a bootstrap that resamples
        whole clusters, folds keep clusters together, and the added value of
        each model over ``base`` is tested with a wild cluster score
        bootstrap (see Notes).
    n_boot : int, default 2000
        (:data:`kapta_research.stats.resample.DEFAULT_N_BOOT`, the package's one default)
        Bootstrap resamples for the AUC intervals and the score bootstrap
        (only used with ``cluster``); at least 100.
    confidence : float, default 0.95
        Level of the AUC intervals.
    random_state : None, int or numpy.random.Generator
        Seed for the folds and the bootstrap.

    Returns
    -------
    PredictiveValueResult
        ``summary`` has one row per model with columns

        - ``model`` : the model name
        - ``n_predictors`` : number of predictor columns (the columns
          themselves are in ``result.predictors[model]``)
        - ``n``, ``n_events`` : accounts analysed and churned among them
        - ``auc`` : apparent (in-sample) area under the ROC curve of the fitted model
        - ``auc_ci_low``, ``auc_ci_high`` : DeLong interval (clipped to
          [0, 1]), or percentile cluster-bootstrap interval with ``cluster``
        - ``cv_auc`` : mean AUC over the held-out folds (logistic regression
          refitted in each training fold with scikit-learn, no penalty)
        - ``brier`` : Brier score of the out-of-fold predicted probabilities
        - ``log_loss`` : mean negative log-likelihood of the out-of-fold
          predictions (natural log)
        - ``calibration_slope`` : slope of a logistic regression of the outcome
          on the logit of the out-of-fold predictions (1 is ideal, < 1
          means over-fitting)
        - ``lr_stat``, ``lr_df``, ``lr_p_value`` : likelihood-ratio test of the
          model against ``base`` (NaN for the base itself, for models the base
          is not nested in, and without ``base``).  It assumes independent
          rows.
        - ``wald_stat``, ``wald_df``, ``wald_p_value`` : with ``cluster``, the
          cluster-robust Wald test that the coefficients of the predictors
          the model adds to ``base`` are all 0 (chi-squared with ``wald_df``
          degrees of freedom, see Notes); NaN without ``cluster`` and where
          the LR columns are NaN
        - ``score_stat``, ``score_df``, ``score_p_value`` : with ``cluster``,
          the cluster-robust (generalized) score test of the same hypothesis,
          computed from the fit of ``base`` and referred to chi-squared with
          ``score_df`` degrees of freedom; NaN like the Wald columns
        - ``score_boot_p_value`` : the wild cluster score bootstrap p-value of
          ``score_stat`` (see Notes); NaN like the Wald columns
        - ``test_p_value`` : the p-value to quote for "does this model add to
          ``base``": ``score_boot_p_value`` when ``cluster`` is given,
          otherwise ``lr_p_value`` (``result.test_method`` names it)

        ``cov_params`` maps each model name to the covariance matrix of its
        coefficients (cluster-robust with ``cluster``, model-based
        otherwise), indexed like ``coefficients``.

        ``odds_ratios`` has one row per (model, predictor) of the full-data
        logistic fits: ``model``, ``predictor``, ``coef`` (log odds ratio per
        unit of the predictor, adjusted for the model's other predictors),
        ``se`` (cluster-robust with ``cluster``), ``odds_ratio``,
        ``ci_low``, ``ci_high`` (its Wald interval at ``confidence``), ``z``
        and ``p_value``.

        ``comparisons`` has one row per pair of models (in the order given)
        with ``model_a``, ``model_b``, ``auc_diff`` (a minus b), ``se``,
        ``ci_low``, ``ci_high`` and ``p_value``: DeLong's paired test, or the
        paired cluster bootstrap (normal approximation with the bootstrap
        standard error) with ``cluster``.

    Notes
    -----
    To judge whether drivers add to NPS use ``test_p_value``, the test of the
    nested models: DeLong's test of the apparent AUCs of *nested* models is
    known to be very conservative (Demler, Pencina & D'Agostino 2012, Stat.
    Med. 31:2577).

    The likelihood-ratio test assumes independent rows.  When an account
    contributes several rows (e.g. stacked snapshots at several dates) it is
    anti-conservative: with every account repeated three times the LR
    statistic triples.  With ``cluster`` three tests are reported:

    - the Wald statistic ``b' V^-1 b`` of the added coefficients ``b`` in
      the larger model, ``V`` their cluster-robust (CRV1 sandwich)
      covariance with statsmodels' default small-sample factor
      ``G / (G - 1) * (N - 1) / (N - K)`` (``G`` clusters, ``N`` rows,
      ``K`` coefficients with the constant).  It equals
      ``Logit(...).fit(cov_type="cluster").wald_test(...)`` (tested).
    - the generalized score statistic ``U' (S'S)^-1 U`` (Boos 1992, Am.
      Stat. 46:327): the rows of ``S`` are the accounts' (clusters') sums of
      the score of the added coefficients at the fit of ``base``, projected
      off the nuisance coefficients with the information matrix, and ``U``
      is their total.  With one row per cluster and ``S'S`` replaced by the
      rows' centred covariance it is statsmodels'
      ``score_test(..., cov_type="HC0")`` (tested).
    - the wild cluster score bootstrap (Kline & Santos 2012, J. Econometric
      Methods 1:23): the score statistic recomputed after flipping the sign
      of each cluster's projected score with probability 1/2, which needs
      no re-fitting and no chi-squared approximation.  Its p-value is
      ``(1 + #{T* >= T}) / (n_boot + 1)``; with so few clusters that there
      are at most ``n_boot`` distinct sign patterns, all are enumerated.

    Cluster-robust chi-squared tests need many clusters, and for a rare
    outcome what counts is the clusters with an event (Cameron & Miller
    2015, J. Human Resources 50:317).  In 400 simulated null programmes of
    300 accounts stacked at three dates (about 250 clusters, but only about
    35 with a churn event) the tests of 8 drivers beyond NPS rejected at
    the 5 % level: naive LR 57 %, cluster Wald 14.75 %, cluster score
    chi-squared 3.0 %, score bootstrap 6.25 % (``tests/test_churn_truth.py``).
    That is why ``test_p_value`` is the score bootstrap.  With no more
    clusters than tested coefficients the cluster tests are undefined (NaN,
    with a warning).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import kapta_research.churn as churn
    >>> rng = np.random.default_rng(7)
    >>> n = 300
    >>> accounts = pd.DataFrame({"nps": rng.integers(0, 11, n),
    ...                          "trust": rng.normal(5, 1, n),
    ...                          "value": rng.normal(4, 1, n)})
    >>> risk = -1.5 - 0.3 * (accounts["nps"] - 5) - 0.5 * (accounts["trust"] - 5)
    >>> accounts["churned"] = (rng.random(n) < 1 / (1 + np.exp(-risk))).astype(int)
    >>> res = churn.predictive_value(
    ...     accounts, base="nps", random_state=0,
    ...     models={"nps": ["nps"], "nps+drivers": ["nps", "trust", "value"]})
    >>> res.summary[["model", "n_predictors", "lr_df", "wald_df"]]
             model  n_predictors  lr_df  wald_df
    0          nps             1    NaN      NaN
    1  nps+drivers             3    2.0      NaN
    >>> bool(res.summary["test_p_value"].equals(res.summary["lr_p_value"]))
    True
    >>> list(res.comparisons.columns)
    ['model_a', 'model_b', 'auc_diff', 'se', 'ci_low', 'ci_high', 'p_value']
    """
    func = "predictive_value"
    data = check_dataframe(data, func=func)
    predictors = _check_models(data, models, outcome=outcome, cluster=cluster, base=base, func=func)
    all_predictors = list(dict.fromkeys(c for cols in predictors.values() for c in cols))
    cv = check_int(cv, name="cv", func=func, low=2)
    n_boot = check_int(n_boot, name="n_boot", func=func, low=100)
    confidence = check_confidence(confidence, func=func)
    rng = check_random_state(random_state, func=func)

    used, mask = _complete_frame(data, {outcome: _binary_column(data, outcome, func=func, what="outcome")},
                                 all_predictors, what="predictor", cluster=cluster, func=func,
                                 outcome=outcome)
    y = used[outcome].to_numpy(float)
    cl_codes = pd.factorize(used[cluster].to_numpy())[0] if cluster is not None else None
    _check_sample(data, used, y, predictors, cl_codes, cv=cv, outcome=outcome, func=func)
    n, n_events = len(y), int(y.sum())
    n_clusters = None if cl_codes is None else int(cl_codes.max()) + 1

    fits = {name: fit_logit(y, used[cols].to_numpy(float), func=func,
                            what=f"model {name!r} ({', '.join(cols)})",
                            between="churned from retained accounts", file=source_of(data))
            for name, cols in predictors.items()}
    names = list(predictors)
    linpred = np.vstack([np.asarray(fits[m].fittedvalues, float) for m in names])
    designs = [used[predictors[name]].to_numpy(float) for name in names]
    oof, fold_auc = _cross_validate(y, designs, cl_codes, cv=cv, rng=rng)
    auc, auc_low, auc_high, auc_cov, boot = _auc_intervals(y, linpred, cl_codes, n_boot=n_boot,
                                                           confidence=confidence, rng=rng)
    # coefficient covariances: cluster-robust (CRV1) with a cluster column
    covs = {name: (np.asarray(fits[name].cov_params(), float) if cl_codes is None
                   else logit_cluster_cov(fits[name], cl_codes))
            for name in names}

    rows = []
    for k, name in enumerate(names):
        row = {"model": name, "n_predictors": len(predictors[name]), "n": n, "n_events": n_events,
               "auc": float(auc[k]), "auc_ci_low": float(auc_low[k]), "auc_ci_high": float(auc_high[k]),
               "cv_auc": float(np.nanmean(fold_auc[k])) if np.isfinite(fold_auc[k]).any() else float("nan"),
               **_out_of_fold_scores(y, oof[k])}
        row.update(_added_value(y, used, fits, covs, predictors, name=name, base=base, cl_codes=cl_codes,
                                n_boot=n_boot, rng=rng, func=func))
        rows.append(row)
    summary = pd.DataFrame(rows)
    for col in ("lr_df", "wald_df", "score_df"):
        summary[col] = summary[col].astype(float)

    out = PredictiveValueResult()
    out.summary = summary
    out.comparisons = _auc_comparisons(names, auc, auc_cov, boot, z=_z(confidence))
    out.predictors = predictors
    out.coefficients = {
        name: pd.Series(np.asarray(fits[name].params, float),
                        index=["const", *predictors[name]], name=name)
        for name in names
    }
    out.cov_params = {
        name: pd.DataFrame(covs[name], index=["const", *predictors[name]],
                           columns=["const", *predictors[name]])
        for name in names
    }
    out.odds_ratios = _odds_ratios(fits, covs, predictors, z=_z(confidence))
    out.auc_method = "delong" if cl_codes is None else "cluster bootstrap"
    out.test_method = (
        None if base is None
        else "likelihood-ratio test" if cl_codes is None
        else f"wild cluster score bootstrap (Rademacher weights, {n_clusters} clusters)")
    out.outcome, out.base, out.cv = outcome, base, cv
    out.cluster, out.n_clusters, out.n_boot = cluster, n_clusters, n_boot
    out.confidence = confidence
    out.n, out.n_events = n, n_events
    out.n_excluded = int((~mask).sum())
    out.n_boot_failed = 0 if boot is None else boot.n_failed
    return out


def _check_models(data, models, *, outcome, cluster, base, func) -> dict[str, list[str]]:
    """Validate ``models`` (name -> predictor columns), ``outcome``, ``cluster`` and ``base``."""
    if not isinstance(models, Mapping) or not models:
        raise ParameterError(
            f"The 'models' parameter of {func} must be a non-empty dict mapping a model name "
            f"to a list of predictor columns. Got {models!r} instead."
        )
    predictors: dict[str, list[str]] = {}
    for name, cols in models.items():
        if not isinstance(name, str):
            raise ParameterError(
                f"The 'models' parameter of {func} must use model names (str) as keys. "
                f"Got {name!r} instead."
            )
        predictors[name] = _column_list(cols, name="models", func=func)
    all_predictors = list(dict.fromkeys(c for cols in predictors.values() for c in cols))
    check_columns(data, [outcome], func=func, name="outcome")
    check_columns(data, all_predictors, func=func, name="models")
    if outcome in all_predictors:
        raise ParameterError(
            f"The 'models' parameter of {func} must not use the outcome column "
            f"{outcome!r} as a predictor."
        )
    if cluster is not None:
        check_columns(data, [cluster], func=func, name="cluster")
    if base is not None:
        if base not in predictors:
            listed = ", ".join(repr(k) for k in predictors)
            raise ParameterError(
                f"The 'base' parameter of {func} must be None or one of the model names "
                f"{{{listed}}}. Got {base!r} instead."
            )
        nesting = [name for name, cols in predictors.items()
                   if name != base and set(predictors[base]) < set(cols)]
        if not nesting:
            raise ParameterError(
                f"The 'base' model {base!r} of {func} must be nested in at least one other "
                f"model (another model must contain all of its predictors "
                f"{', '.join(map(repr, predictors[base]))} and more); none does, so there "
                f"is no likelihood-ratio test to make."
            )
    return predictors


def _check_sample(data, used, y, predictors, cl_codes, *, cv, outcome, func) -> None:
    """Refuse samples without both outcomes, too few for ``cv`` folds, or with constant predictors."""
    n, n_events = len(y), int(y.sum())
    if n_events == 0:
        raise DataError(f"{func}: there are no churn events among the analysed rows, so "
                        f"nothing can predict churn", file=source_of(data), column=outcome)
    if n_events == n:
        raise DataError(f"{func}: every analysed account churned, so nothing can predict "
                        f"churn", file=source_of(data), column=outcome)
    n_retained = n - n_events
    if cv > min(n_events, n_retained):
        raise ParameterError(
            f"The 'cv' parameter of {func} must be an int <= the number of churn events "
            f"({n_events}) and of retained accounts ({n_retained}), so that every fold "
            f"holds both. Got {cv} instead."
        )
    for cols in predictors.values():
        _check_varies(data, used, cols, func=func, what="predictor")
    if cl_codes is not None:
        n_clusters = int(cl_codes.max()) + 1
        event_clusters = len(np.unique(cl_codes[y == 1]))
        if cv > n_clusters or cv > event_clusters:
            raise ParameterError(
                f"The 'cv' parameter of {func} must be an int <= the number of clusters "
                f"({n_clusters}) and of clusters with a churn event ({event_clusters}). "
                f"Got {cv} instead."
            )


def _cross_validate(y, designs, cl_codes, *, cv, rng):
    """Out-of-fold probabilities ``(k, n)`` and per-fold AUCs ``(k, cv)`` of each design.

    The same stratified folds for every model (whole clusters kept together
    when ``cl_codes`` is given); an unpenalized logistic regression on
    standardized predictors (scikit-learn) is refitted in each training fold.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    n = len(y)
    seed = int(rng.integers(0, 2**31 - 1))
    if cl_codes is None:
        splitter = StratifiedKFold(n_splits=cv, shuffle=True, random_state=seed)
        folds = list(splitter.split(np.zeros(n), y))
    else:
        splitter = StratifiedGroupKFold(n_splits=cv, shuffle=True, random_state=seed)
        folds = list(splitter.split(np.zeros(n), y, groups=cl_codes))
    oof = np.full((len(designs), n), np.nan)
    fold_auc = np.full((len(designs), len(folds)), np.nan)
    for f, (train, test) in enumerate(folds):
        for k, X in enumerate(designs):
            if len(np.unique(y[train])) < 2:
                continue
            clf = make_pipeline(StandardScaler(),
                                LogisticRegression(C=np.inf, max_iter=1000))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                clf.fit(X[train], y[train])
            p = clf.predict_proba(X[test])[:, 1]
            oof[k, test] = p
            yt = y[test]
            if 0 < yt.sum() < len(yt):
                fold_auc[k, f] = delong(yt, p[None, :])[0][0]
    return oof, fold_auc


def _out_of_fold_scores(y, oof) -> dict:
    """Brier score, log loss and calibration slope of out-of-fold probabilities."""
    p = np.clip(oof, 1e-15, 1 - 1e-15)
    ok = np.isfinite(oof)
    return {"brier": float(np.mean((oof[ok] - y[ok]) ** 2)),
            "log_loss": float(-np.mean(y[ok] * np.log(p[ok]) + (1 - y[ok]) * np.log(1 - p[ok]))),
            "calibration_slope": _calibration_slope(y[ok], oof[ok])}


def _auc_intervals(y, linpred, cl_codes, *, n_boot, confidence, rng):
    """Apparent AUCs with DeLong intervals, or cluster-bootstrap percentile intervals.

    Returns ``auc, low, high, cov, boot``: ``cov`` the DeLong covariance
    (None with clusters), ``boot`` the :class:`~kapta_research.stats.resample.BootstrapResult`
    of the AUCs (None without clusters).
    """
    if cl_codes is None:
        z = _z(confidence)
        auc, cov = delong(y, linpred)
        se_auc = np.sqrt(np.diag(cov))
        return auc, np.clip(auc - z * se_auc, 0, 1), np.clip(auc + z * se_auc, 0, 1), cov, None
    auc = delong(y, linpred)[0]
    boot = cluster_bootstrap_aucs(y, linpred, cl_codes, n_boot=n_boot, random_state=rng,
                                  func="predictive_value")
    low, high = boot.interval(confidence)
    return auc, low, high, None, boot


def _added_value(y, used, fits, covs, predictors, *, name, base, cl_codes, n_boot, rng, func) -> dict:
    """Tests of model ``name`` against ``base``: LR, and with clusters Wald, score and score bootstrap.

    All NaN when ``base`` is None or not nested in ``name``.
    """
    nan = float("nan")
    out = {"lr_stat": nan, "lr_df": nan, "lr_p_value": nan, "wald_stat": nan, "wald_df": nan,
           "wald_p_value": nan, "score_stat": nan, "score_df": nan, "score_p_value": nan,
           "score_boot_p_value": nan}
    if base is None or not set(predictors[base]) < set(predictors[name]):
        out["test_p_value"] = nan
        return out
    lr_stat = float(max(0.0, 2 * (fits[name].llf - fits[base].llf)))
    lr_df = len(predictors[name]) - len(predictors[base])
    out.update(lr_stat=lr_stat, lr_df=lr_df, lr_p_value=float(stats.chi2.sf(lr_stat, lr_df)))
    if cl_codes is None:
        out["test_p_value"] = out["lr_p_value"]
        return out
    n_clusters = int(cl_codes.max()) + 1
    added = [c for c in predictors[name] if c not in predictors[base]]
    idx = [1 + predictors[name].index(c) for c in added]  # 0 is the constant
    wald_stat, wald_df = wald_statistic(np.asarray(fits[name].params, float), covs[name], idx, n_clusters)
    X_full = np.column_stack([np.ones(len(y)), used[predictors[name]].to_numpy(float)])
    p0 = np.asarray(fits[base].predict(), float)
    projected = projected_cluster_scores(y, X_full, p0, cl_codes, idx)
    score_stat, inv = score_statistic(projected)
    boot_p = score_bootstrap_p(projected, inv, score_stat, n_boot, rng) if inv is not None else nan
    if np.isnan(wald_stat) or np.isnan(score_stat):
        warnings.warn(
            f"{func}: the cluster-robust tests of model {name!r} against "
            f"{base!r} are undefined: {n_clusters} clusters cannot estimate the "
            f"covariance of {wald_df} added coefficients (it is singular), so "
            f"wald_p_value, score_p_value and test_p_value are NaN. Use more "
            f"clusters or test fewer predictors.", RuntimeWarning, stacklevel=3)
    out.update(wald_stat=wald_stat, wald_df=wald_df, wald_p_value=float(stats.chi2.sf(wald_stat, wald_df)),
               score_stat=score_stat, score_df=len(idx),
               score_p_value=float(stats.chi2.sf(score_stat, len(idx))), score_boot_p_value=boot_p,
               test_p_value=boot_p)
    return out


def _auc_comparisons(names, auc, cov, boot, *, z) -> pd.DataFrame:
    """Pairwise AUC differences: DeLong's paired test, or the paired cluster bootstrap."""
    comp = []
    for a, b in itertools.combinations(range(len(names)), 2):
        diff = float(auc[a] - auc[b])
        if boot is None:
            var = cov[a, a] + cov[b, b] - 2 * cov[a, b]
            se = float(np.sqrt(max(var, 0.0)))
        else:
            d = boot.replicates[:, a] - boot.replicates[:, b]
            se = float(np.std(d, ddof=1))
        if se > 0:
            p = float(2 * stats.norm.sf(abs(diff) / se))
        else:
            p = 1.0 if diff == 0 else 0.0
        comp.append({"model_a": names[a], "model_b": names[b], "auc_diff": diff, "se": se,
                     "ci_low": diff - z * se, "ci_high": diff + z * se, "p_value": p})
    return pd.DataFrame(comp, columns=["model_a", "model_b", "auc_diff", "se",
                                       "ci_low", "ci_high", "p_value"])


def _odds_ratios(fits, covs, predictors, *, z) -> pd.DataFrame:
    """Adjusted odds ratios with Wald intervals of every model's predictors."""
    or_rows = []
    for name in predictors:
        b = np.asarray(fits[name].params, float)
        se = np.sqrt(np.diag(covs[name]))
        for j, col in enumerate(predictors[name], start=1):
            zj = b[j] / se[j] if se[j] > 0 else np.nan
            or_rows.append({"model": name, "predictor": col, "coef": b[j], "se": se[j],
                            "odds_ratio": float(np.exp(b[j])),
                            "ci_low": float(np.exp(b[j] - z * se[j])),
                            "ci_high": float(np.exp(b[j] + z * se[j])),
                            "z": zj, "p_value": float(2 * stats.norm.sf(abs(zj)))})
    return pd.DataFrame(or_rows, columns=["model", "predictor", "coef", "se", "odds_ratio",
                                          "ci_low", "ci_high", "z", "p_value"])
