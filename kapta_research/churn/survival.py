"""Time to churn: Cox proportional-hazards regression and Kaplan-Meier curves.

* :func:`cox` -- Cox regression (statsmodels ``PHReg``) with hazard ratios,
  Harrell's concordance and optional Lin-Wei cluster-robust standard errors
  (score residuals from :mod:`kapta_research.stats.survival`).
* :func:`survival_curves` -- Kaplan-Meier curves per group with pointwise
  confidence intervals and the log-rank test.

References are listed in :mod:`kapta_research.stats.survival`.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from .._result import Result
from .._validation import check_choice, check_columns, check_confidence, check_dataframe, source_of
from ..errors import DataError, ParameterError
from ..stats.clustered import cluster_sums
from ..stats.survival import cox_score_residuals, harrell_c
from ._checks import (_apply_horizon, _binary_column, _check_horizon, _check_varies, _column_list,
                      _complete_frame, _complete_rows, _duration_column, _level_codes, _z)

__all__ = ["cox", "CoxResult", "survival_curves", "SurvivalResult"]


# --------------------------------------------------------------------------
# Cox regression
# --------------------------------------------------------------------------

class CoxResult(Result):
    """A fitted Cox proportional-hazards model (see :func:`cox`).

    Attributes
    ----------
    summary : pandas.DataFrame
        One row per covariate: covariate, coef, se, hazard_ratio, ci_low,
        ci_high, p_value.
    n, n_events, n_excluded : int
        Rows analysed, events among them, rows left out for missing values.
    log_likelihood, log_likelihood_null : float
        Log partial likelihood at the estimates and with all coefficients 0.
    lr_stat, lr_df, lr_p_value : float, int, float
        Likelihood-ratio test that every coefficient is 0.
    concordance : float
        Harrell's C of the linear predictor.
    ties, duration, event, covariates, cluster, n_clusters, horizon, confidence
        The fitting options (``n_clusters`` is None without ``cluster``).
    params : pandas.Series
        The coefficients, indexed by covariate.
    cov_params : pandas.DataFrame
        Their covariance matrix (cluster-robust when ``cluster`` is given).
    naive_se : pandas.Series
        Model-based standard errors (equal to ``summary.se`` without
        ``cluster``).
    """

    _title = "Cox proportional-hazards model"
    _info = ("n", "n_events", "n_excluded", "ties", "cluster", "n_clusters",
             "log_likelihood", "lr_stat", "lr_df", "lr_p_value", "concordance")



def _fit_phreg(time, status, X, *, ties, covariates, n_events, func, file):
    """Fit statsmodels ``PHReg``; a non-converging (monotone) likelihood is a clear DataError."""
    from statsmodels.duration.hazard_regression import PHReg

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = PHReg(time, X, status=status, ties=ties)
        res = model.fit()
    params = np.asarray(res.params, float)
    naive_se = np.sqrt(np.diag(np.asarray(res.cov_params(), float)))
    scale = X.std(axis=0)
    problems = [w for w in caught if "converge" in str(w.message).lower()
                or "singular" in str(w.message).lower()]
    if (problems or not np.all(np.isfinite(params)) or not np.all(np.isfinite(naive_se))
            or np.any(np.abs(params * scale) > 15)):
        worst = covariates[int(np.nanargmax(np.abs(np.nan_to_num(params * scale, nan=np.inf))))]
        raise DataError(
            f"{func}: the model does not converge: the coefficient of {worst!r} runs off "
            f"to infinity (monotone likelihood), typically because it perfectly separates "
            f"accounts that churn early from the rest, or because there are too few "
            f"events ({n_events}) for {len(covariates)} covariate(s)",
            file=file, column=worst,
        )
    return model, res


# Over 120 lines (170) only because of its numpydoc (82 lines of docstring); the body is 86 lines.
def cox(data, *, duration, event, covariates, ties="efron", cluster=None,
        confidence=0.95, horizon=None) -> CoxResult:  # long only by its numpydoc docstring
    """Fit a Cox proportional-hazards model of time to churn.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per subject (account).
    duration : str
        Column with the follow-up time (time to churn, or to the end of
        follow-up for retained accounts); numbers >= 0.
    event : str
        Column with 1 (or True) when the account churned at ``duration`` and
        0 (or False) when it was still a customer then (censored).
    covariates : str or list of str
        Numeric (or True/False) predictor columns.  Categorical predictors are
        refused: code them as 0/1 indicator columns first (for example with
        ``pandas.get_dummies(..., drop_first=True, dtype=float)``), so the
        reference level is your choice.
    ties : {"efron", "breslow"}, default "efron"
        Approximation for tied event times (Efron is R's default).
    cluster : str, optional
        Column of cluster labels (e.g. the account when several rows belong to
        one account, or the account manager).  Standard errors, intervals and
        p-values then use the Lin-Wei cluster-robust sandwich variance, as R's
        ``coxph(..., cluster=)`` does; the coefficients do not change.
    confidence : float, default 0.95
        Level of the hazard-ratio confidence intervals.
    horizon : float, optional
        Censor follow-up at this time (churn after ``horizon`` counts as still
        a customer at ``horizon``); must be > 0.

    Returns
    -------
    CoxResult
        ``summary`` has one row per covariate with columns

        - ``covariate`` : the column name
        - ``coef`` : log hazard ratio per unit of the covariate
        - ``se`` : its standard error (cluster-robust with ``cluster``)
        - ``hazard_ratio`` : ``exp(coef)``
        - ``ci_low``, ``ci_high`` : Wald confidence interval of the hazard ratio
        - ``p_value`` : two-sided Wald test of ``coef == 0``

        and the attributes ``n``, ``n_events``, ``n_excluded``,
        ``log_likelihood``, ``lr_stat``, ``lr_df``, ``lr_p_value``,
        ``concordance`` (Harrell's C), ``n_clusters``, ``params``,
        ``cov_params`` and ``naive_se``.

    Raises
    ------
    DataError
        Missing columns, negative durations, a non-binary event column, no
        events, non-numeric, constant or collinear covariates, or a model that
        does not converge (a covariate that perfectly predicts the order of
        churn).
    ParameterError
        Bad ``ties``, ``confidence`` or ``horizon``.

    Notes
    -----
    Fitted with :class:`statsmodels.duration.hazard_regression.PHReg`.  On
    the Rossi et al. (1980) recidivism data the coefficients and standard
    errors agree with R's ``coxph`` to 1e-6 (see the tests).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import kapta_research.churn as churn
    >>> rng = np.random.default_rng(1)
    >>> nps = rng.integers(0, 11, 400)
    >>> months = rng.exponential(24 * np.exp(0.15 * (nps - 5)))
    >>> accounts = pd.DataFrame({
    ...     "months": np.minimum(months, 36.0),
    ...     "churned": (months < 36).astype(int),
    ...     "nps": nps,
    ... })
    >>> fit = churn.cox(accounts, duration="months", event="churned",
    ...                 covariates=["nps"])
    >>> list(fit.summary.columns)
    ['covariate', 'coef', 'se', 'hazard_ratio', 'ci_low', 'ci_high', 'p_value']
    >>> bool(fit.summary.loc[0, "hazard_ratio"] < 1)
    True
    """
    func = "cox"
    data = check_dataframe(data, func=func)
    covariates = _column_list(covariates, name="covariates", func=func)
    check_columns(data, [duration], func=func, name="duration")
    check_columns(data, [event], func=func, name="event")
    check_columns(data, covariates, func=func, name="covariates")
    if cluster is not None:
        check_columns(data, [cluster], func=func, name="cluster")
    clash = [c for c in covariates if c in (duration, event)]
    if clash:
        raise ParameterError(
            f"The 'covariates' parameter of {func} must not include the duration or event "
            f"column. Got {clash[0]!r} instead."
        )
    ties = check_choice(ties, ("efron", "breslow"), name="ties", func=func)
    confidence = check_confidence(confidence, func=func)
    horizon = _check_horizon(horizon, func=func)

    used, mask = _complete_frame(data, {duration: _duration_column(data, duration, func=func),
                                        event: _binary_column(data, event, func=func, what="event")},
                                 covariates, what="covariate", cluster=cluster, func=func,
                                 outcome=event)
    time = used[duration].to_numpy(float)
    status = used[event].to_numpy(float)
    time, status = _apply_horizon(time, status, horizon)
    n_events = int(status.sum())
    if n_events == 0:
        raise DataError(
            f"{func}: there are no churn events"
            + (f" up to the horizon {horizon}" if horizon is not None else "")
            + " among the analysed rows, so hazard ratios cannot be estimated",
            file=source_of(data), column=event,
        )
    _check_varies(data, used, covariates, func=func, what="covariate")

    X = used[covariates].to_numpy(float)
    model, res = _fit_phreg(time, status, X, ties=ties, covariates=covariates, n_events=n_events,
                            func=func, file=source_of(data))
    params = np.asarray(res.params, float)
    naive_cov = np.asarray(res.cov_params(), float)
    naive_se = np.sqrt(np.diag(naive_cov))

    if cluster is not None:
        groups = used[cluster].to_numpy()
        resid = cox_score_residuals(time, status, X, params, ties)
        codes = pd.factorize(groups)[0]
        n_clusters = int(codes.max()) + 1
        summed = cluster_sums(resid, codes, n_clusters)
        cov = naive_cov @ (summed.T @ summed) @ naive_cov
    else:
        n_clusters = None
        cov = naive_cov
    se = np.sqrt(np.diag(cov))
    z = _z(confidence)
    wald = params / se
    summary = pd.DataFrame({
        "covariate": covariates,
        "coef": params,
        "se": se,
        "hazard_ratio": np.exp(params),
        "ci_low": np.exp(params - z * se),
        "ci_high": np.exp(params + z * se),
        "p_value": 2 * stats.norm.sf(np.abs(wald)),
    })

    llf = float(res.llf)
    llf0 = float(model.loglike(np.zeros(len(params))))
    out = CoxResult()
    out.summary = summary
    out.n = int(len(used))
    out.n_events = n_events
    out.n_excluded = int((~mask).sum())
    out.ties = ties
    out.duration, out.event, out.covariates = duration, event, list(covariates)
    out.cluster, out.n_clusters = cluster, n_clusters
    out.horizon, out.confidence = horizon, confidence
    out.log_likelihood = llf
    out.log_likelihood_null = llf0
    out.lr_stat = float(2 * (llf - llf0))
    out.lr_df = int(len(params))
    out.lr_p_value = float(stats.chi2.sf(out.lr_stat, out.lr_df))
    out.concordance = harrell_c(time, status, X @ params)
    out.params = pd.Series(params, index=covariates, name="coef")
    out.cov_params = pd.DataFrame(cov, index=covariates, columns=covariates)
    out.naive_se = pd.Series(naive_se, index=covariates, name="naive_se")
    return out


# --------------------------------------------------------------------------
# Kaplan-Meier curves
# --------------------------------------------------------------------------

class SurvivalResult(Result):
    """Kaplan-Meier curves (see :func:`survival_curves`).

    Attributes
    ----------
    summary : pandas.DataFrame
        group, time, n_at_risk, n_events, n_censored, survival, ci_low,
        ci_high; one row per group and distinct observed time.
    logrank : pandas.DataFrame or None
        One row: statistic, df, p_value of the log-rank test (None with a
        single group).
    n, n_events, n_excluded : int
    groups : list
        The group labels, in table order.
    duration, event, group, horizon, confidence
        The options used.
    """

    _title = "Kaplan-Meier survival curves"
    _info = ("n", "n_events", "n_excluded", "groups", "logrank_p_value")

    @property
    def logrank_p_value(self):
        return None if self.logrank is None else float(self.logrank["p_value"].iloc[0])


def _km_table(time: np.ndarray, status: np.ndarray, z: float) -> pd.DataFrame:
    from statsmodels.duration.survfunc import SurvfuncRight

    utime, idx = np.unique(time, return_inverse=True)
    m = len(utime)
    n_events = np.bincount(idx, weights=status, minlength=m)
    n_obs = np.bincount(idx, minlength=m)
    n_at_risk = np.cumsum(n_obs[::-1])[::-1]
    survival = np.ones(m)
    se = np.zeros(m)
    if status.sum() > 0:
        sf = SurvfuncRight(time, status)
        pos = np.searchsorted(sf.surv_times, utime, side="right") - 1
        has = pos >= 0
        survival[has] = sf.surv_prob[pos[has]]
        se[has] = sf.surv_prob_se[pos[has]]
    with np.errstate(divide="ignore", invalid="ignore"):
        se_log = se / survival  # standard error of log S (Greenwood)
        low = survival * np.exp(-z * se_log)
        high = np.minimum(1.0, survival * np.exp(z * se_log))
    zero = survival <= 0
    low[zero] = np.nan
    high[zero] = np.nan
    return pd.DataFrame({
        "time": utime,
        "n_at_risk": n_at_risk.astype(int),
        "n_events": n_events.astype(int),
        "n_censored": (n_obs - n_events).astype(int),
        "survival": survival,
        "ci_low": low,
        "ci_high": high,
    })


def survival_curves(data, *, duration, event, group=None, confidence=0.95,
                    horizon=None) -> SurvivalResult:
    """Kaplan-Meier survival (retention) curves, optionally by group, with a log-rank test.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per subject (account).
    duration : str
        Column with the follow-up time; numbers >= 0.
    event : str
        Column with 1 (or True) for churn at ``duration``, 0 (or False) when
        still a customer then.
    group : str, optional
        Column whose values split the curves (e.g. the NPS category).
    confidence : float, default 0.95
        Level of the pointwise confidence intervals.
    horizon : float, optional
        Censor follow-up at this time; must be > 0.

    Returns
    -------
    SurvivalResult
        ``summary`` has one row per group and distinct observed time, with
        columns

        - ``group`` : the group label (``"all"`` without ``group``)
        - ``time`` : the observed time
        - ``n_at_risk`` : subjects still followed just before ``time``
        - ``n_events`` : churn events at ``time``
        - ``n_censored`` : subjects whose follow-up ends at ``time`` without churn
        - ``survival`` : Kaplan-Meier estimate just after ``time``
        - ``ci_low``, ``ci_high`` : pointwise interval, Greenwood variance on
          the log scale (R's ``survfit`` default ``conf.type = "log"``); NaN
          where the estimate is 0

        ``logrank`` is a one-row DataFrame with ``statistic``, ``df`` and
        ``p_value`` of the log-rank (Mantel-Cox) test across groups
        (statsmodels ``survdiff``), or None with one group.

    Examples
    --------
    >>> import pandas as pd
    >>> import kapta_research.churn as churn
    >>> accounts = pd.DataFrame({
    ...     "months": [3, 5, 8, 12, 12, 20, 24, 24, 30, 36],
    ...     "churned": [1, 1, 0, 1, 1, 0, 1, 0, 0, 0],
    ...     "segment": ["smb"] * 5 + ["enterprise"] * 5,
    ... })
    >>> curves = churn.survival_curves(accounts, duration="months",
    ...                                event="churned", group="segment")
    >>> curves.summary.groupby("group")["survival"].min().round(3).to_dict()
    {'enterprise': 0.75, 'smb': 0.0}
    >>> list(curves.logrank.columns)
    ['statistic', 'df', 'p_value']
    """
    func = "survival_curves"
    data = check_dataframe(data, func=func)
    check_columns(data, [duration], func=func, name="duration")
    check_columns(data, [event], func=func, name="event")
    if group is not None:
        check_columns(data, [group], func=func, name="group")
    confidence = check_confidence(confidence, func=func)
    horizon = _check_horizon(horizon, func=func)

    columns = {duration: _duration_column(data, duration, func=func),
               event: _binary_column(data, event, func=func, what="event")}
    if group is not None:
        if group in columns:
            raise ParameterError(f"The 'group' parameter of {func} must differ from the "
                                 f"duration and event columns. Got {group!r} instead.")
        columns[group] = data[group]
    mask = _complete_rows(data, columns, func=func, outcome=event)
    time, status = _apply_horizon(columns[duration][mask].to_numpy(float),
                                  columns[event][mask].to_numpy(float), horizon)
    z = _z(confidence)
    if group is None:
        labels = ["all"]
        codes = np.zeros(len(time), dtype=int)
    else:
        labels, codes = _level_codes(columns[group][mask])

    tables = []
    for i, lab in enumerate(labels):
        sel = codes == i
        tab = _km_table(time[sel], status[sel], z)
        tab.insert(0, "group", [lab] * len(tab))
        tables.append(tab)
    summary = pd.concat(tables, ignore_index=True)

    logrank = None
    if len(labels) > 1:
        from statsmodels.duration.survfunc import survdiff

        if status.sum() > 0:
            stat, _ = survdiff(time, status, codes)
            stat = float(stat)
        else:
            stat = float("nan")
        df = len(labels) - 1
        logrank = pd.DataFrame({"statistic": [stat], "df": [df],
                                "p_value": [float(stats.chi2.sf(stat, df))]})

    out = SurvivalResult()
    out.summary = summary
    out.logrank = logrank
    out.n = int(len(time))
    out.n_events = int(status.sum())
    out.n_excluded = int((~mask).sum())
    out.groups = labels
    out.duration, out.event, out.group = duration, event, group
    out.horizon, out.confidence = horizon, confidence
    return out


